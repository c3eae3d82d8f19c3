/**
 * The one place chatwire touches the network, without React: `createChatConnection(store,
 * options)` owns the socket, its timers (the link machine's next deadline, the stall check),
 * the frame inbox and `getToken`. When to open which socket is decided by the pure link
 * machine in `link.ts`; this module only carries its decisions out and feeds it socket,
 * network and page events. The React hook (`react/use-connection.ts`) is an effect around it.
 *
 * Frames are parsed once, as they arrive; the inbox hands the store a batch of typed frames
 * once per animation frame and the link machine hears of the batch as one event, so a fast
 * stream costs one store update and one link step per frame of the screen, not per token.
 *
 * The browser's own WebSocket is used (or any constructor passed in, such as the `ws`
 * package's in Node): the link machine already owns reconnects, pings and the watchdog, so a
 * WebSocket library would add only bytes (react-use-websocket cost 5.7 kB for `new WebSocket`
 * and `close`) and events from sockets already closed, which this module never lets through.
 */
import type { ChatConnection, ChatConnectionOptions, ChatSocket } from './connection-types.ts';
import { pingFrame, serializeClientFrame } from './encode.ts';
import { createFrameInbox } from './frame-inbox.ts';
import {
  type AuthProblem,
  CLOCK_CHECK_INTERVAL_MS,
  DEFAULT_LINK_POLICY,
  type LinkEvent,
  type LinkPolicy,
  type LinkState,
  nextLinkDeadline,
  stepLink,
  wantsSocket,
} from './link.ts';
import { type ParseResult, parseServerFrame } from './parse.ts';
import type { ClientFrame } from './protocol.ts';
import { selectConnectionStatus } from './selectors.ts';
import type { ChatStore } from './store.ts';
import { tokenProblem } from './token.ts';

export type {
  ChatConnection,
  ChatConnectionOptions,
  ChatSocket,
  HeartbeatOptions,
  ReconnectOptions,
} from './connection-types.ts';

/** A reply with no frame for this long is interrupted. */
export const DEFAULT_STALL_TIMEOUT_MS = 60_000;

/**
 * A socket error is always followed by its close, which the link hears; the error itself
 * says nothing more (browsers give no detail). Listening keeps Node's `ws` from throwing it.
 */
const ignoreSocketError = () => undefined;

/** A socket's `readyState` once it is open (the same in every WebSocket implementation). */
const OPEN = 1;

/** Appends `token` to `url` as the `token` query parameter, keeping any query already there. */
export function buildSocketUrl(url: string, token: string): string {
  // A relative URL ("/chat") is taken from the page's own origin, with ws: or wss:.
  const base = typeof location === 'undefined' ? undefined : location.href.replace(/^http/, 'ws');
  const socketUrl = new URL(url, base);
  socketUrl.searchParams.set('token', token);
  return socketUrl.toString();
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

/** A bag of clean-ups run together (listeners, subscriptions, timers). */
function disposables() {
  let cleanups: (() => void)[] = [];
  return {
    add(cleanup: () => void) {
      cleanups.push(cleanup);
    },
    disposeAll() {
      const due = cleanups;
      cleanups = [];
      for (const cleanup of due.reverse()) cleanup();
    },
  };
}

/** `online`, `offline` and the tab becoming visible, fed to the link; nothing outside a page. */
function watchNetworkAndPage(dispatch: (event: LinkEvent) => void): () => void {
  if (typeof window === 'undefined' || typeof document === 'undefined') return () => undefined;
  const onOnline = () => dispatch({ type: 'network-online', now: Date.now() });
  const onOffline = () => dispatch({ type: 'network-offline', now: Date.now() });
  const onVisibility = () => {
    if (document.visibilityState === 'visible') dispatch({ type: 'page-visible', now: Date.now() });
  };
  window.addEventListener('online', onOnline);
  window.addEventListener('offline', onOffline);
  document.addEventListener('visibilitychange', onVisibility);
  return () => {
    window.removeEventListener('online', onOnline);
    window.removeEventListener('offline', onOffline);
    document.removeEventListener('visibilitychange', onVisibility);
  };
}

/**
 * Connects `store` to the chatbot server and keeps it connected once started: jittered
 * reconnects, keep-alive pings with a watchdog, auth failures without retry storms, replies
 * that stall marked interrupted, and the store's connection status always up to date.
 */
export function createChatConnection(
  store: ChatStore,
  initialOptions: ChatConnectionOptions,
): ChatConnection {
  let options = initialOptions;
  let policy = policyOf(options);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let scheduled: number | null = null;
  let socket: ChatSocket | null = null;
  const running = disposables();
  let stopStallChecks: (() => void) | null = null;
  // The link's state lives in the store, its one home; this reads and writes it there.
  const currentLink = () => store.getState().connection;

  /** Feeds the link machine one event and carries out whatever changed. */
  function dispatch(event: LinkEvent): void {
    // Frames that came before this event are applied before it, in order: tokens the old
    // socket delivered belong to its reply, before the store hears the socket is gone.
    inbox.flush();
    const previous = currentLink();
    const next = stepLink(previous, event, policy);
    if (next === previous) return;
    store.actions.setConnection(next);
    carryOut(previous, next);
  }

  /** Does what the link's new state asks for: a timer, a ping, a socket opened or closed. */
  function carryOut(previous: LinkState, next: LinkState): void {
    const socketChanged = next.socketId !== previous.socketId;
    scheduleTick(next);
    if (!wantsSocket(next.phase) || socketChanged) closeSocket();
    if (next.pingsSent !== previous.pingsSent && next.phase === 'open') send(pingFrame());
    // A missing token is the host's own state (still signing in), not a failure to report.
    const authFailed = next.authProblem === 'expired' || next.authProblem === 'rejected';
    if (next.phase === 'unauthorized' && previous.phase !== 'unauthorized' && authFailed) {
      options.onAuthError?.(next.authProblem as AuthProblem);
    }
    // Last, because it may feed the machine again (a token found unusable): everything
    // above must already reflect `next` when that happens.
    if (next.phase === 'connecting' && socketChanged) void prepareSocket(next.socketId);
  }

  function scheduleTick(state: LinkState): void {
    const deadline = nextLinkDeadline(state, policy);
    // Most events (every batch of frames) leave the deadline as it was: keep that timer.
    if (deadline === scheduled && (deadline === null || timer !== null)) return;
    clearTick();
    scheduled = deadline;
    if (deadline === null) return;
    // Never sleep longer than the clock check: if the wall clock is changed meanwhile, a
    // deadline computed from it could otherwise be hours away.
    const delay = Math.min(Math.max(0, deadline - Date.now()), CLOCK_CHECK_INTERVAL_MS);
    timer = setTimeout(() => {
      timer = null;
      scheduled = null;
      dispatch({ type: 'tick', now: Date.now() });
    }, delay);
  }

  function clearTick(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    scheduled = null;
  }

  /** Gets a usable token (a fresh one if the host can give it), then opens the socket. */
  async function prepareSocket(socketId: number): Promise<void> {
    // One turn of the microtasks first: React's StrictMode starts, stops and restarts the
    // connection within one commit, and only the last start should open a socket (or ask the
    // host for a token: a refresh token may be good for one use only).
    await Promise.resolve();
    const isCurrent = () => {
      const link = currentLink();
      return link.socketId === socketId && link.phase === 'connecting';
    };
    if (!isCurrent()) return;
    const { getToken, url } = options;
    let token = options.token;
    if (getToken) {
      try {
        token = (await getToken()) ?? token;
      } catch {
        // The host's token source failed; the token option is the best there is.
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
    const SocketConstructor: new (url: string) => ChatSocket = options.WebSocket ?? WebSocket;
    const opened = new SocketConstructor(url);
    socket = opened;
    opened.onopen = () => dispatch({ type: 'socket-opened', now: Date.now() });
    // Parsed here, once, as it arrives: nothing after this sees raw text.
    opened.onmessage = (event) => inbox.add(parseServerFrame(event.data));
    opened.onclose = (event) => {
      socket = null;
      dispatch({ type: 'socket-closed', now: Date.now(), code: event.code, random: Math.random() });
    };
    opened.onerror = ignoreSocketError;
  }

  /**
   * Lets go of the current socket. Its handlers come off first, so nothing it says from now on
   * (its own close, a frame already on its way) reaches the link, which has moved on.
   */
  function closeSocket(): void {
    const current = socket;
    if (current === null) return;
    socket = null;
    current.onopen = null;
    current.onmessage = null;
    current.onclose = null;
    // Kept, not removed: closing a socket that is still connecting makes the `ws` package
    // emit an error a tick later, which Node throws when nothing listens.
    current.onerror = ignoreSocketError;
    current.close(1000);
  }

  /** Puts a frame on the open socket; false when there is none. */
  function send(frame: ClientFrame): boolean {
    if (socket?.readyState !== OPEN || currentLink().phase !== 'open') return false;
    socket.send(serializeClientFrame(frame));
    return true;
  }

  function reconnectNow(): void {
    dispatch({ type: 'reconnect-now', now: Date.now() });
  }

  // Tokens arrive far faster than the screen refreshes: they are applied once per frame, and
  // the link hears of each batch as one event, applied with the frames in one store update.
  const inbox = createFrameInbox((batch: ParseResult[]) => {
    const previous = currentLink();
    const frameTypes = batch.map((result) => (result.ok ? result.frame.type : null));
    const next = stepLink(
      previous,
      { type: 'frames-received', now: Date.now(), frameTypes },
      policy,
    );
    store.actions.receiveParsed(batch, next === previous ? undefined : next);
    if (next !== previous) carryOut(previous, next);
  });

  function watchStatus(): () => void {
    return store.subscribe((state, previous) => {
      const status = selectConnectionStatus(state);
      if (status !== selectConnectionStatus(previous)) options.onStatusChange?.(status);
    });
  }

  /** Checks every few seconds for replies whose tokens stopped coming. */
  function checkStalls(): () => void {
    const stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
    const everyMs = Math.max(50, Math.min(5_000, stallTimeoutMs / 4));
    const interval = setInterval(() => store.actions.checkStalledStreams(stallTimeoutMs), everyMs);
    return () => clearInterval(interval);
  }

  return {
    start() {
      running.disposeAll();
      // Watched before the link starts, so the host hears the very first status too.
      running.add(watchStatus());
      running.add(store.actions.attachTransport({ send, reconnectNow }));
      running.add(watchNetworkAndPage(dispatch));
      stopStallChecks = checkStalls();
      running.add(() => {
        stopStallChecks?.();
        stopStallChecks = null;
      });
      const hasCredentials = Boolean(options.token) || options.getToken !== undefined;
      dispatch({ type: 'start', now: Date.now(), hasCredentials });
      if (typeof navigator !== 'undefined' && navigator.onLine === false) {
        dispatch({ type: 'network-offline', now: Date.now() });
      }
    },
    stop() {
      // Listeners go first: a host that stops the connection (or unmounts the widget) does
      // not hear of the `idle` that follows.
      running.disposeAll();
      dispatch({ type: 'stop' });
      closeSocket();
      clearTick();
    },
    reconnectNow,
    send,
    setOptions(next) {
      const stallChanged = next.stallTimeoutMs !== options.stallTimeoutMs;
      options = next;
      policy = policyOf(next);
      // The stall check runs at a pace set by its timeout: restart it at the new one.
      if (stallChanged && stopStallChecks) {
        stopStallChecks();
        stopStallChecks = checkStalls();
      }
    },
  };
}
