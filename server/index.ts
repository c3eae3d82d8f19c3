/**
 * The chatwire reference WebSocket server: speaks the backend's chat protocol (see
 * `src/core/protocol.ts`) with JWT auth and a pluggable responder, records every frame in and
 * out, and can misbehave on demand (drops, silence, refusals) so client resilience can be tested.
 *
 * This module is the server's public face: {@link startServer}, its options and the types it
 * hands back. The work is done by one module per concern, each taking the shared `Context`
 * of `context.ts` (settings with their defaults, and state): `upgrade.ts` (origin, token and
 * connection cap), `protocol-handling.ts` (client frames and their answers), `streaming.ts`
 * (replies and backpressure), `send.ts` (every frame out), `faults.ts` (misbehaving on
 * demand) and `limits.ts` (the hardening pieces).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ServerFrame } from '../src/core/protocol.ts';
import {
  abortReplies,
  type Context,
  createContext,
  createSettings,
  limitSettings,
  serverLog,
} from './context.ts';
import { createFaults } from './faults.ts';
import { createLocalLimits, type LimitStore } from './limit-store.ts';
import { createRedisLimits } from './redis-limits.ts';
import type { Responder } from './responder.ts';
import { onUpgrade } from './upgrade.ts';

/** Options for {@link startServer}. Every field is optional. */
export interface StartServerOptions {
  /** TCP port; 0 picks a free one (read it back from {@link ReferenceServer.port}). Default 3001. */
  port?: number;
  /** Interface to listen on. Default '127.0.0.1' (not reachable from other machines). */
  host?: string;
  /** HS256 secret tokens must be signed with. Default: `resolveJwtSecret(process.env).secret`. */
  jwtSecret?: string;
  /** When set, a token's `aud` claim must name this audience (missing `aud` is refused). Default: not checked. */
  jwtAudience?: string;
  /** When set, a token's `iss` claim must be exactly this (missing `iss` is refused). Default: not checked. */
  jwtIssuer?: string;
  /**
   * Origins allowed to open a socket, e.g. `['https://app.example.com']`, matched exactly against
   * the handshake's `Origin` header (entries are normalized with `new URL(entry).origin`). When
   * set, a foreign or missing Origin gets HTTP 403 before the upgrade; this is what stops
   * cross-site WebSocket hijacking. Default: unset, any origin (or none) is accepted — dev only.
   */
  allowedOrigins?: readonly string[];
  /**
   * Chat messages one connection may send per minute (sliding window). The first message over
   * it gets one `error` frame saying when to try again; later ones are dropped unanswered until
   * the window has room. Pings and escalations do not count. 0 turns the limit off. Default 30.
   */
  rateLimitPerMinute?: number;
  /**
   * Open connections one user may hold: users are told apart by the token's `sub`, and tokens
   * without `sub` are each capped on their own. The connection over the cap is closed with 1013
   * 'too many connections' and gets no frames. 0 turns the cap off. Default 5.
   */
  maxConnectionsPerUser?: number;
  /**
   * Frames of any kind (pings, escalations, frames that are not valid) one connection may
   * send per minute. The connection over it is closed with 1008 'too many frames': no real
   * client comes near it (the widget pings twice a minute and chats at most 30 times). 0
   * turns it off. Default 600.
   */
  maxFramesPerMinute?: number;
  /**
   * A `redis://` (or `rediss://`) URL: the per-user connection cap and the chat rate limit are
   * then shared by every server pointed at the same Redis, so behind a load balancer a user
   * gets them once, not once per instance. The chat limit then counts per user (all of their
   * connections, on any instance) in a fixed one-minute window. While Redis is unreachable
   * both fall back to this instance's own counts, logged once, and the server keeps serving.
   * Default: unset, both counted in this server's memory.
   */
  redisUrl?: string;
  /** Put before every Redis key, so deployments can share one Redis. Default 'chatwire:'. */
  redisKeyPrefix?: string;
  /** Replies pause while a socket has more than this many bytes queued unsent (a client not reading). Default 64 KiB. */
  sendBufferHighWaterBytes?: number;
  /** A socket with more than this many bytes queued unsent is terminated (1006). Default 1 MiB. */
  sendBufferLimitBytes?: number;
  /**
   * A reply paused this long on a client that reads nothing terminates that client, so a
   * frozen tab cannot hold replies (and their timers) forever. Default 30,000 ms.
   */
  sendStallTimeoutMs?: number;
  /**
   * Keep every frame in {@link ReferenceServer.received} and {@link ReferenceServer.sent}. Tests
   * want them; a long-running server should turn this off, or they grow without bound (and hold
   * every conversation in memory). Default true.
   */
  recordFrames?: boolean;
  /** Milliseconds since the epoch, for the rate limit's window. Default `Date.now`; tests inject a fake clock. */
  now?: () => number;
  /** Produces replies to `chat` frames. Default: the demo responder with `tokenDelayMs`. */
  responder?: Responder;
  /** Delay between demo-responder tokens, in ms. Ignored when `responder` is given. Default 40. */
  tokenDelayMs?: number;
  /**
   * How replies' `messageId`s are made: `'random'` (`msg_` and 12 hex digits, unique for all
   * practical purposes) or `'per-connection'` (`msg_1`, `msg_2`, … counted on each socket,
   * as a plain backend might: the protocol document does not ask for more). Default 'random'.
   */
  messageIds?: MessageIdScheme;
  /** Text of the `connection` frame. Default 'Connected to chatbot server'. */
  connectionMessage?: string;
  /** Text of the `human-escalation-response` frame. Default 'A human agent will contact you soon.'. */
  escalationMessage?: string;
  /** Receives one line per event (connections, frame types). Never given tokens or query strings. Default: silent. */
  log?: (line: string) => void;
}

/** How the server names its replies; see {@link StartServerOptions.messageIds}. */
export type MessageIdScheme = 'random' | 'per-connection';

/** A frame a client sent on an accepted connection, as it arrived. */
export interface ReceivedFrame {
  /** The connection it arrived on (connection ids count upgrade attempts, from 1). */
  connectionId: number;
  /** When it arrived (ISO-8601). */
  at: string;
  /** The raw payload, decoded as UTF-8 (binary frames too). */
  data: string;
  /** The parsed JSON, whatever its shape; undefined when the payload was not JSON or was binary. */
  frame: unknown;
  /** True for a binary WebSocket frame, which the protocol does not allow. */
  binary: boolean;
}

/** A frame the server actually wrote to a socket. Frames suppressed by a fault are not recorded. */
export interface SentFrame {
  connectionId: number;
  /** When it was sent (ISO-8601). */
  at: string;
  frame: ServerFrame;
}

/** Switches that make the server misbehave, for testing how clients cope. All start off. */
export interface ServerFaults {
  /** Terminates every socket abruptly, without a close frame: clients see code 1006. */
  dropAll(): void;
  /** Closes every socket cleanly with `code` (default 1001, "going away") and `reason`. */
  closeAll(code?: number, reason?: string): void;
  /**
   * While on, sockets stay open but the server sends nothing at all (no connection frame, pong,
   * or tokens; tokens produced meanwhile are discarded, not replayed) and ignores input, though
   * it still records it in `received`. Closes still happen.
   */
  setSilent(on: boolean): void;
  /** While on, new WebSocket upgrades are answered with HTTP 503. Open sockets are untouched. */
  setRefuseNew(on: boolean): void;
  /** While on, new authenticated connections get the connection frame and are then closed with 1011. */
  setCloseAfterAccept(on: boolean): void;
  /**
   * While set, a connection is terminated abruptly (1006) as soon as it has sent `n` stream-token
   * frames of one reply (0 = right after stream-start). `null` turns it off.
   */
  setDropAfterTokens(n: number | null): void;
}

/** A running reference server. */
export interface ReferenceServer {
  /** Where to connect, e.g. 'ws://127.0.0.1:3001'; append `?token=...`. */
  url: string;
  /** The port actually bound. */
  port: number;
  /** Every frame received on accepted connections, in arrival order. Cleared in place by {@link clearLogs}. */
  received: ReceivedFrame[];
  /** Every frame sent, in order. Cleared in place by {@link clearLogs}. */
  sent: SentFrame[];
  /** WebSocket upgrade attempts ever made, including refused and unauthenticated ones. */
  attempts(): number;
  /** Authenticated connections open right now. */
  openConnections(): number;
  /** Bytes queued unsent (`bufferedAmount`) over all open connections: what backpressure keeps bounded. */
  bufferedBytes(): number;
  /** Empties `received` and `sent` (the same arrays stay referenced). */
  clearLogs(): void;
  faults: ServerFaults;
  /** Terminates every socket, aborts in-flight replies and stops listening. Safe to call twice. */
  close(): Promise<void>;
}

/** Incoming frames are capped (ws closes with 1009 beyond it), far above any real chat message. */
const MAX_PAYLOAD_BYTES = 64 * 1024;
const DEFAULT_PORT = 3001;
const DEFAULT_HOST = '127.0.0.1';

/** Starts a reference server and resolves once it is listening. */
export async function startServer(options: StartServerOptions = {}): Promise<ReferenceServer> {
  const settings = createSettings(options);
  const limits = await createLimits(options, limitSettings(settings));
  const ctx = createContext(options, settings, limits);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD_BYTES });
  const http = createServer(answerPlainHttp);
  // Upgrades are handled by hand so the token can be checked (asynchronously) and 503s injected first.
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    onUpgrade(ctx, wss, req, socket, head),
  );
  try {
    await listen(http, options.port ?? DEFAULT_PORT, options.host ?? DEFAULT_HOST);
  } catch (error) {
    await limits.close();
    throw error;
  }
  http.on('error', (error) => ctx.log(`server error: ${error.message}`));
  const port = boundPort(http);
  const url = wsUrl(options.host ?? DEFAULT_HOST, port);
  ctx.log(`listening on ${url}`);
  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    received: ctx.received,
    sent: ctx.sent,
    attempts: () => ctx.attempts,
    openConnections: () => ctx.connections.size,
    bufferedBytes: () => bufferedBytes(ctx),
    clearLogs: () => {
      ctx.received.length = 0;
      ctx.sent.length = 0;
    },
    faults: createFaults(ctx, wss),
    close: () => {
      closed ??= shutdown(ctx, wss, http);
      return closed;
    },
  };
}

/** Where the connection cap and chat limit are counted: Redis when `redisUrl` is set, else memory. */
function createLimits(
  options: StartServerOptions,
  settings: Parameters<typeof createLocalLimits>[0],
): Promise<LimitStore> {
  if (options.redisUrl === undefined) return Promise.resolve(createLocalLimits(settings));
  const url = URL.canParse(options.redisUrl) ? new URL(options.redisUrl) : null;
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:'))
    throw new RangeError('startServer: redisUrl must be a redis:// or rediss:// URL');
  return createRedisLimits({
    ...settings,
    url: options.redisUrl,
    keyPrefix: options.redisKeyPrefix,
    log: serverLog(options),
  });
}

function bufferedBytes(ctx: Context): number {
  let total = 0;
  for (const { socket } of ctx.connections.values()) total += socket.bufferedAmount;
  return total;
}

function listen(http: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
}

function boundPort(http: Server): number {
  const address = http.address();
  if (address === null || typeof address === 'string')
    throw new Error('reference server is not listening on a TCP port');
  return address.port;
}

/** A wildcard bind address is not something a client can dial; point at loopback instead. */
function wsUrl(host: string, port: number): string {
  const dialable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `ws://${dialable.includes(':') ? `[${dialable}]` : dialable}:${port}`;
}

/** Plain HTTP requests (a browser pointed at the port) get a hint instead of hanging. */
function answerPlainHttp(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket' });
  res.end(
    'chatwire reference server: connect with a WebSocket client (ws://HOST:PORT?token=JWT)\n',
  );
}

async function shutdown(ctx: Context, wss: WebSocketServer, http: Server): Promise<void> {
  ctx.closing = true;
  for (const socket of ctx.pending) socket.destroy();
  for (const connection of ctx.connections.values()) abortReplies(connection);
  for (const socket of wss.clients) socket.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  http.closeAllConnections();
  await new Promise<void>((resolve, reject) =>
    http.close((error) => (error ? reject(error) : resolve())),
  );
  await ctx.limits.close();
  ctx.log('server closed');
}
