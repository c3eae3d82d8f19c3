/**
 * The shapes of a chat connection: its options, the socket it drives, and what it offers.
 * The behaviour is in connection.ts.
 */
import type { AuthProblem } from './link.ts';
import type { ClientFrame } from './protocol.ts';
import type { ConnectionStatus } from './state.ts';

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

/** How a chat connection reaches the chatbot server. */
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
  /**
   * The WebSocket constructor to connect with: the browser's by default; in Node, the `ws`
   * package's `WebSocket`. Anything shaped like {@link ChatSocket} will do.
   */
  WebSocket?: new (
    url: string,
  ) => ChatSocket;
}

/** A handler property assignable from the browser's and from the `ws` package's handlers. */
type SocketHandler<Event> = { bivarianceHack(event: Event): void }['bivarianceHack'] | null;

/**
 * What chatwire needs of a WebSocket: the browser's `WebSocket` and the `ws` package's both
 * have it.
 */
export interface ChatSocket {
  /** 1 once open, as in every WebSocket implementation. */
  readonly readyState: number;
  send(data: string): void;
  close(code?: number): void;
  onopen: SocketHandler<unknown>;
  onmessage: SocketHandler<{ readonly data: unknown }>;
  onclose: SocketHandler<{ readonly code: number }>;
  onerror: SocketHandler<unknown>;
}

/** A connection between a chat store and the chatbot server. */
export interface ChatConnection {
  /** Starts connecting (again, after `stop`); without a token it waits as `unauthorized`. */
  start(): void;
  /** Closes the socket and clears every timer and listener. `start` may follow. */
  stop(): void;
  /** Reconnects at once, skipping any backoff wait, with the attempt count reset. */
  reconnectNow(): void;
  /** Puts a frame on the wire now. Returns false when no socket is open. */
  send(frame: ClientFrame): boolean;
  /**
   * Replaces the options (a React binding calls this on every render). A new `url` or
   * `token` takes effect at the next connect: call `stop` and `start` to reconnect now.
   */
  setOptions(options: ChatConnectionOptions): void;
}
