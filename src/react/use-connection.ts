/**
 * The one place chatwire touches the network. It owns the socket through react-use-websocket,
 * feeds every frame to the store, and attaches a transport so store actions can send.
 *
 * Frames go through `onMessage` with `filter: () => false`, so a streamed token never
 * re-renders React here: the store decides what re-renders, one message at a time.
 */
import { useEffect, useRef } from 'react';
import useWebSocketImport, { type Options } from 'react-use-websocket';
import { serializeClientFrame } from '../core/encode.ts';
import {
  type BackoffOptions,
  backoffDelay,
  DEFAULT_BACKOFF,
  isAuthFailureClose,
} from '../core/policy.ts';
import type { ChatStore, Transport } from '../core/store.ts';

// react-use-websocket ships CommonJS only; some bundlers hand us the module object instead
// of its default export. Resolve it once, here, so the rest of chatwire never cares.
type UseWebSocket = typeof useWebSocketImport;
const useWebSocket: UseWebSocket =
  typeof useWebSocketImport === 'function'
    ? useWebSocketImport
    : (useWebSocketImport as unknown as { default: UseWebSocket }).default;

/** How `useChatConnection` reaches the chatbot server. */
export interface ChatConnectionOptions {
  /** The server's WebSocket URL, e.g. `ws://localhost:3001`. */
  url: string;
  /** The user's JWT; sent as the `token` query parameter. No token, no connection. */
  token: string | null | undefined;
  /** Reconnect timing. */
  backoff?: BackoffOptions;
}

/** Appends `token` to `url` as the `token` query parameter, keeping any query already there. */
export function buildSocketUrl(url: string, token: string): string {
  const socketUrl = new URL(url);
  socketUrl.searchParams.set('token', token);
  return socketUrl.toString();
}

/**
 * Connects `store` to the chatbot server at `url` with `token`, and keeps the store's
 * connection status up to date. Reconnects with jittered backoff after a drop; stops when
 * the server refuses the token.
 */
export function useChatConnection(store: ChatStore, options: ChatConnectionOptions): void {
  const { url, token } = options;
  const socketUrl = token ? buildSocketUrl(url, token) : null;
  const detachRef = useRef<(() => void) | null>(null);
  const backoff = options.backoff ?? DEFAULT_BACKOFF;

  const socketOptions: Options = {
    filter: () => false,
    onMessage: (event) => store.actions.receive(event.data),
    onOpen: () => {
      detachRef.current?.();
      detachRef.current = store.actions.attachTransport(transport);
      store.actions.setConnectionStatus('open');
    },
    onClose: (event) => {
      detachRef.current?.();
      detachRef.current = null;
      store.actions.setConnectionStatus(
        isAuthFailureClose(event.code) ? 'unauthorized' : 'reconnecting',
      );
    },
    shouldReconnect: (event) => !isAuthFailureClose(event.code),
    reconnectAttempts: Number.MAX_SAFE_INTEGER,
    reconnectInterval: (attempt) => backoffDelay(attempt, backoff),
    retryOnError: true,
    onReconnectStop: () => store.actions.setConnectionStatus('closed'),
  };
  const { getWebSocket } = useWebSocket(socketUrl, socketOptions);
  const getWebSocketRef = useRef(getWebSocket);
  getWebSocketRef.current = getWebSocket;

  const transport: Transport = (frame) => {
    const socket = getWebSocketRef.current();
    if (!(socket instanceof WebSocket) || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(serializeClientFrame(frame));
    return true;
  };

  useEffect(() => {
    store.actions.setConnectionStatus(socketUrl ? 'connecting' : 'unauthorized');
    return () => {
      detachRef.current?.();
      detachRef.current = null;
    };
  }, [store, socketUrl]);
}
