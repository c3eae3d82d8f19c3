/**
 * The one place chatwire touches the network. When to open which socket is decided by the
 * pure link machine in `core/link.ts`; this hook only carries its decisions out: it opens and
 * closes the browser's WebSocket, sets one timer for the machine's next deadline, feeds it
 * socket, network and page events, mirrors its state into the chat store, and attaches a
 * transport so store actions can send.
 *
 * Sockets are opened and closed here directly rather than through react-use-websocket: the
 * link machine already owns reconnects, pings and the watchdog, which left that library only
 * `new WebSocket` and `close()` to do, for 5.7 kB gzip (an eighth of the bundle), a CommonJS
 * interop shim, and late events from sockets it had closed that had to be filtered out.
 *
 * The link state lives in a ref and frames go straight to the frame inbox, so a streamed
 * token never re-renders React here: the store decides what re-renders, one message at a time.
 */
import { useEffect, useRef } from 'react';
import { pingFrame, serializeClientFrame } from '../core/encode.ts';
import {
  type AuthProblem,
  CLOCK_CHECK_INTERVAL_MS,
  DEFAULT_LINK_POLICY,
  initialLinkState,
  type LinkEvent,
  type LinkPolicy,
  type LinkState,
  nextLinkDeadline,
  stepLink,
  wantsSocket,
} from '../core/link.ts';
import type { ConnectionDetails } from '../core/reduce.ts';
import { selectConnectionStatus } from '../core/selectors.ts';
import type { ConnectionStatus } from '../core/state.ts';
import type { ChatStore, Transport } from '../core/store.ts';
import { tokenProblem } from '../core/token.ts';
import { useFrameInbox } from './frame-inbox.ts';
import { useLatest } from './use-latest.ts';

/** Reconnect timing and limits. */
export interface ReconnectOptions {
  /** Upper bound of the first retry's delay, in ms. Default 1,000. */
  minDelayMs?: number;
  /** No retry waits longer than this, in ms. Default 30,000. */
  maxDelayMs?: number;
  /**
   * Failed attempts in a row before chatwire stops and shows "Disconnected" with a
   * "Reconnect now" button. The network coming back, the tab becoming visible or the user
   * sending a message start it again. Default 10.
   */
  maxAttempts?: number;
  /** A connection open this long counts as healthy and resets the attempt count. Default 5,000. */
  healthyAfterMs?: number;
  /** An attempt (token lookup included) that has not opened after this long is abandoned. Default 15,000. */
  connectTimeoutMs?: number;
}

/** Keep-alive timing. */
export interface HeartbeatOptions {
  /** How often to send `ping` while connected, in ms. Default 30,000. */
  intervalMs?: number;
  /** Silence this long after a ping means the socket is dead, in ms. Default 10,000. */
  timeoutMs?: number;
}

/** How `useChatConnection` reaches the chatbot server. */
export interface ChatConnectionOptions {
  /** The server's WebSocket URL, e.g. `ws://localhost:3001`. */
  url: string;
  /** The user's JWT; sent as the `token` query parameter. No token, no connection. */
  token: string | null | undefined;
  /**
   * Returns a fresh token. Called before every (re)connect and after the server refuses a
   * token; chatwire retries once with what it returns. A rejection falls back to `token`.
   */
  getToken?: () => Promise<string | null | undefined>;
  /** Reconnect timing and limits. */
  reconnect?: ReconnectOptions;
  /** Keep-alive timing. */
  heartbeat?: HeartbeatOptions;
  /** A reply with no frame for this long is marked interrupted, in ms. Default 60,000. */
  stallTimeoutMs?: number;
  /** Called once each time the connection becomes unauthorized, with the reason. */
  onAuthError?: (problem: AuthProblem) => void;
  /** Called whenever the connection status changes. */
  onStatusChange?: (status: ConnectionStatus) => void;
}

/** A reply with no frame for this long is interrupted. */
export const DEFAULT_STALL_TIMEOUT_MS = 60_000;

/** Appends `token` to `url` as the `token` query parameter, keeping any query already there. */
export function buildSocketUrl(url: string, token: string): string {
  // A relative URL ("/chat") is taken from the page's own origin, with ws: or wss:.
  const base = typeof location === 'undefined' ? undefined : location.href.replace(/^http/, 'ws');
  const socketUrl = new URL(url, base);
  socketUrl.searchParams.set('token', token);
  return socketUrl.toString();
}

/** The status the UI shows for a link state. */
export function connectionStatusOf(link: LinkState): ConnectionStatus {
  switch (link.phase) {
    case 'idle':
      return 'idle';
    case 'connecting':
      return link.failures > 0 || link.authRetried ? 'reconnecting' : 'connecting';
    case 'open':
      return 'open';
    case 'waiting':
      return 'reconnecting';
    case 'offline':
      return 'offline';
    case 'unauthorized':
      return 'unauthorized';
    case 'stopped':
      return 'closed';
    default:
      return link.phase satisfies never;
  }
}

function detailsOf(link: LinkState): ConnectionDetails {
  return {
    attempt: link.failures,
    nextRetryAt:
      link.phase === 'waiting' && link.retryAt !== null
        ? new Date(link.retryAt).toISOString()
        : null,
    roundTripMs: link.roundTripMs,
    authProblem: link.authProblem,
  };
}

function policyOf(options: ChatConnectionOptions): LinkPolicy {
  const { reconnect = {}, heartbeat = {} } = options;
  return {
    minDelayMs: reconnect.minDelayMs ?? DEFAULT_LINK_POLICY.minDelayMs,
    maxDelayMs: reconnect.maxDelayMs ?? DEFAULT_LINK_POLICY.maxDelayMs,
    maxAttempts: reconnect.maxAttempts ?? DEFAULT_LINK_POLICY.maxAttempts,
    healthyAfterMs: reconnect.healthyAfterMs ?? DEFAULT_LINK_POLICY.healthyAfterMs,
    connectTimeoutMs: reconnect.connectTimeoutMs ?? DEFAULT_LINK_POLICY.connectTimeoutMs,
    pingIntervalMs: heartbeat.intervalMs ?? DEFAULT_LINK_POLICY.pingIntervalMs,
    pingTimeoutMs: heartbeat.timeoutMs ?? DEFAULT_LINK_POLICY.pingTimeoutMs,
    canRefreshToken: options.getToken !== undefined,
  };
}

/**
 * Connects `store` to the chatbot server and keeps it connected: jittered reconnects,
 * keep-alive pings with a watchdog, auth failures without retry storms, and the store's
 * connection status always up to date.
 */
export function useChatConnection(store: ChatStore, options: ChatConnectionOptions): void {
  const latest = useLatest(options);
  const policy = policyOf(options);
  const policyRef = useLatest(policy);
  const linkRef = useRef<LinkState>(initialLinkState());
  const timerRef = useRef<ReturnType<typeof setTimeout> | null>(null);
  const scheduledRef = useRef<number | null>(null);
  const transportRef = useRef<Transport | null>(null);
  const detachRef = useRef<(() => void) | null>(null);
  const socketRef = useRef<WebSocket | null>(null);

  /** Feeds the link machine one event and carries out whatever changed. */
  const dispatchRef = useRef<(event: LinkEvent) => void>(() => undefined);
  dispatchRef.current = (event) => {
    const previous = linkRef.current;
    const next = stepLink(previous, event, policyRef.current);
    if (next === previous) return;
    linkRef.current = next;
    carryOut(previous, next);
  };
  const dispatch = (event: LinkEvent) => dispatchRef.current(event);

  function carryOut(previous: LinkState, next: LinkState): void {
    const socketEnds =
      wantsSocket(previous.phase) &&
      (!wantsSocket(next.phase) || next.socketId !== previous.socketId);
    // Tokens the old socket already delivered belong to its reply: apply them before the
    // store hears that the socket is gone (which interrupts that reply).
    if (socketEnds) inbox.flush();
    store.actions.setConnectionStatus(connectionStatusOf(next), detailsOf(next));
    scheduleTick(next);
    if (!wantsSocket(next.phase) || next.socketId !== previous.socketId) {
      detachTransport();
      closeSocket();
    }
    if (next.pingsSent !== previous.pingsSent && next.phase === 'open')
      transportRef.current?.(pingFrame());
    // A missing token is the host's own state (still signing in), not a failure to report.
    const authFailed = next.authProblem === 'expired' || next.authProblem === 'rejected';
    if (
      next.phase === 'unauthorized' &&
      previous.phase !== 'unauthorized' &&
      authFailed &&
      next.authProblem
    ) {
      latest.current.onAuthError?.(next.authProblem);
    }
    // Last, because it may feed the machine again (a token found unusable): everything
    // above must already reflect `next` when that happens.
    if (next.phase === 'connecting' && next.socketId !== previous.socketId)
      void prepareSocket(next.socketId);
  }

  function scheduleTick(link: LinkState): void {
    const deadline = nextLinkDeadline(link, policyRef.current);
    // Most events (every streamed frame) leave the deadline as it was: keep that timer.
    if (deadline === scheduledRef.current && (deadline === null || timerRef.current !== null))
      return;
    if (timerRef.current !== null) clearTimeout(timerRef.current);
    timerRef.current = null;
    scheduledRef.current = deadline;
    if (deadline === null) return;
    // Never sleep longer than the clock check: if the wall clock is changed meanwhile, a
    // deadline computed from it could otherwise be hours away.
    const delay = Math.min(Math.max(0, deadline - Date.now()), CLOCK_CHECK_INTERVAL_MS);
    timerRef.current = setTimeout(() => {
      timerRef.current = null;
      scheduledRef.current = null;
      dispatch({ type: 'tick', now: Date.now() });
    }, delay);
  }

  /** Gets a usable token (a fresh one if the host can give it), then asks for the socket. */
  async function prepareSocket(socketId: number): Promise<void> {
    // One turn of the event loop's microtasks first: React's StrictMode starts, stops and
    // restarts the link within one commit, and only the last start should open a socket (or
    // ask the host for a token: a refresh token may be good for one use only).
    await Promise.resolve();
    const isCurrent = () =>
      linkRef.current.socketId === socketId && linkRef.current.phase === 'connecting';
    if (!isCurrent()) return;
    const { getToken, url } = latest.current;
    let token = latest.current.token;
    if (getToken) {
      try {
        token = (await getToken()) ?? token;
      } catch {
        // The host's token source failed; the token prop is the best we have.
      }
    }
    if (!isCurrent()) return;
    const problem = tokenProblem(token, Date.now());
    if (problem || !token) {
      dispatch({
        type: 'token-unusable',
        now: Date.now(),
        socketId,
        reason: problem ?? 'no-token',
      });
      return;
    }
    try {
      openSocket(buildSocketUrl(url, token));
    } catch {
      // A URL the browser will not open (malformed, or ws: from an https: page) fails like a
      // socket that closed at once: retried with backoff, then "Disconnected".
      dispatch({ type: 'socket-closed', now: Date.now(), code: 1006, random: Math.random() });
    }
  }

  /** Opens the link's socket; its events reach the link until {@link closeSocket}. */
  function openSocket(url: string): void {
    closeSocket();
    const socket = new WebSocket(url);
    socketRef.current = socket;
    socket.onopen = () => {
      detachTransport();
      transportRef.current = (frame) => {
        if (socket.readyState !== WebSocket.OPEN) return false;
        socket.send(serializeClientFrame(frame));
        return true;
      };
      detachRef.current = store.actions.attachTransport(transportRef.current);
      dispatch({ type: 'socket-opened', now: Date.now() });
    };
    socket.onmessage = (event) => inbox.add(event.data);
    socket.onclose = (event) => {
      // Tokens that came before the close belong to the reply it cuts: apply them first.
      inbox.flush();
      detachTransport();
      socketRef.current = null;
      dispatch({ type: 'socket-closed', now: Date.now(), code: event.code, random: Math.random() });
    };
  }

  /**
   * Lets go of the current socket. Its handlers come off first, so nothing it says from now on
   * (its own close, a frame already on its way) reaches the link, which has moved on.
   */
  function closeSocket(): void {
    const socket = socketRef.current;
    if (socket === null) return;
    socketRef.current = null;
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    socket.close(1000);
  }

  function detachTransport(): void {
    detachRef.current?.();
    detachRef.current = null;
    transportRef.current = null;
  }

  // Tokens arrive far faster than the screen refreshes: they are applied once per frame.
  const inbox = useFrameInbox((batch) => {
    const now = Date.now();
    for (const frameType of store.actions.receiveMany(batch))
      dispatch({ type: 'frame-received', now, frameType });
  });

  // Subscribed before the link starts, so the host hears the very first status too.
  useStatusCallback(store, latest);

  const hasCredentials = Boolean(options.token) || options.getToken !== undefined;
  // Start (again) whenever what the socket is for changes: a new token or another server.
  // biome-ignore lint/correctness/useExhaustiveDependencies: token and url are read through `latest` when the socket is prepared; listing them here is what restarts the link when they change.
  useEffect(() => {
    dispatchRef.current({ type: 'start', now: Date.now(), hasCredentials });
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      dispatchRef.current({ type: 'network-offline', now: Date.now() });
    }
    return () => dispatchRef.current({ type: 'stop' });
  }, [options.token, options.url, hasCredentials]);

  useNetworkAndPageEvents(dispatch);
  useReconnectRequests(store, dispatch);
  useStallChecks(store, options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS);

  useEffect(
    () => () => {
      if (timerRef.current !== null) clearTimeout(timerRef.current);
      detachRef.current?.();
    },
    [],
  );
}

/** `online`, `offline` and the tab becoming visible, fed to the link. */
function useNetworkAndPageEvents(dispatch: (event: LinkEvent) => void): void {
  const dispatchRef = useLatest(dispatch);
  useEffect(() => {
    const now = Date.now;
    const onOnline = () => dispatchRef.current({ type: 'network-online', now: now() });
    const onOffline = () => dispatchRef.current({ type: 'network-offline', now: now() });
    const onVisibility = () => {
      if (document.visibilityState === 'visible')
        dispatchRef.current({ type: 'page-visible', now: now() });
    };
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', onOffline);
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [dispatchRef]);
}

/** "Reconnect now" from the UI arrives as a counter in the store. */
function useReconnectRequests(store: ChatStore, dispatch: (event: LinkEvent) => void): void {
  const dispatchRef = useLatest(dispatch);
  useEffect(
    () =>
      store.subscribe((state, previous) => {
        if (state.connection.reconnectRequests !== previous.connection.reconnectRequests) {
          dispatchRef.current({ type: 'reconnect-now', now: Date.now() });
        }
      }),
    [store, dispatchRef],
  );
}

/**
 * Checks every few seconds for replies whose tokens stopped coming. The check is a no-op
 * (same state, no render) unless one did.
 */
function useStallChecks(store: ChatStore, stallTimeoutMs: number): void {
  useEffect(() => {
    const everyMs = Math.max(50, Math.min(5_000, stallTimeoutMs / 4));
    const timer = setInterval(() => store.actions.checkStalledStreams(stallTimeoutMs), everyMs);
    return () => clearInterval(timer);
  }, [store, stallTimeoutMs]);
}

function useStatusCallback(store: ChatStore, latest: { current: ChatConnectionOptions }): void {
  useEffect(
    () =>
      store.subscribe((state, previous) => {
        const status = selectConnectionStatus(state);
        if (status !== selectConnectionStatus(previous)) latest.current.onStatusChange?.(status);
      }),
    [store, latest],
  );
}
