/**
 * The React binding of chatwire's connection: a thin effect around `createChatConnection`
 * (`core/connection.ts`), which owns the socket, its timers and the link machine. The hook
 * only starts it when the component mounts (or what the socket is for changes) and stops it
 * on unmount; the store decides what re-renders.
 */
import { useEffect, useMemo } from 'react';
import {
  type ChatConnection,
  type ChatConnectionOptions,
  createChatConnection,
} from '../core/connection.ts';
import type { ChatStore } from '../core/store.ts';

export type {
  ChatConnection,
  ChatConnectionOptions,
  HeartbeatOptions,
  ReconnectOptions,
} from '../core/connection.ts';

/**
 * Connects `store` to the chatbot server while the component is mounted and keeps it
 * connected: jittered reconnects, keep-alive pings with a watchdog, auth failures without
 * retry storms, and the store's connection state always up to date. Returns the connection,
 * for `reconnectNow` and `send`.
 */
export function useChatConnection(
  store: ChatStore,
  options: ChatConnectionOptions,
): ChatConnection {
  // Creating a connection does nothing yet: starting it is the effect's job.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the options reach it through setOptions below; only a new store needs a new connection.
  const connection = useMemo(() => createChatConnection(store, options), [store]);
  // Every render's options (callbacks, getToken) are the ones used from then on. Declared
  // before the start effect, so the first start already sees them.
  useEffect(() => connection.setOptions(options));
  const hasCredentials = Boolean(options.token) || options.getToken !== undefined;
  // Start (again) whenever what the socket is for changes: a new token or another server.
  // biome-ignore lint/correctness/useExhaustiveDependencies: token and url are read from the options when the socket is prepared; listing them here is what restarts the connection when they change.
  useEffect(() => {
    connection.start();
    return () => connection.stop();
  }, [connection, options.token, options.url, hasCredentials]);
  return connection;
}
