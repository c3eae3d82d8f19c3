/**
 * The chatwire reference WebSocket server: speaks the backend's chat protocol (see
 * `src/core/protocol.ts`) with JWT auth and a pluggable responder, records every frame in and
 * out, and can misbehave on demand (drops, silence, refusals) so client resilience can be tested.
 */
import { randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { ClientFrame, ClientFrameType, ServerFrame } from '../src/core/protocol.ts';
import { CLIENT_FRAME_FIELDS } from '../src/core/protocol.ts';
import { type ExpectedClaims, resolveJwtSecret, verifyToken } from './auth.ts';
import {
  ConnectionCounter,
  createRateLimiter,
  DEFAULT_MAX_CONNECTIONS_PER_USER,
  DEFAULT_MAX_FRAMES_PER_MINUTE,
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  DEFAULT_SEND_BUFFER_HIGH_WATER_BYTES,
  DEFAULT_SEND_BUFFER_LIMIT_BYTES,
  DEFAULT_SEND_STALL_TIMEOUT_MS,
  isCount,
  isOriginAllowed,
  normalizeOrigins,
  RATE_WINDOW_MS,
  type RateLimiter,
  rateLimitMessage,
  requestOrigin,
  userKeyFor,
  waitForRoom,
} from './limits.ts';
import { createDemoResponder, type Responder } from './responder.ts';

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

/** A socket the server can send to, with the id used in logs. */
interface Peer {
  readonly id: number;
  readonly socket: WebSocket;
}

/** An authenticated connection and the replies it is waiting on. */
interface Connection extends Peer {
  readonly subject: string | undefined;
  /** Whose connection it is, for the per-user cap. */
  readonly userKey: string;
  /** Undefined when the rate limit is off. */
  readonly rateLimiter: RateLimiter | undefined;
  /** Counts every frame; undefined when `maxFramesPerMinute` is 0. */
  readonly frameLimiter: RateLimiter | undefined;
  /** One controller per in-flight reply, aborted when the socket closes. */
  readonly replies: Set<AbortController>;
  /** Replies started on this connection so far: the number in a per-connection messageId. */
  repliesStarted: number;
}

interface FaultState {
  silent: boolean;
  refuseNew: boolean;
  closeAfterAccept: boolean;
  dropAfterTokens: number | null;
}

interface Settings {
  jwtSecret: string;
  expectedClaims: ExpectedClaims;
  responder: Responder;
  messageIds: MessageIdScheme;
  connectionMessage: string;
  escalationMessage: string;
  /** Undefined: any origin. */
  allowedOrigins: ReadonlySet<string> | undefined;
  rateLimitPerMinute: number;
  maxFramesPerMinute: number;
  sendBufferHighWaterBytes: number;
  sendBufferLimitBytes: number;
  sendStallTimeoutMs: number;
  recordFrames: boolean;
  clock: () => number;
}

/** The outcome of checking an upgrade's token, with the user key the connection cap counts by. */
type Admission =
  | { ok: true; subject: string | undefined; userKey: string }
  | { ok: false; reason: string };

/** Everything the handlers share; one per server. */
interface Context {
  readonly settings: Settings;
  readonly log: (line: string) => void;
  readonly faults: FaultState;
  readonly received: ReceivedFrame[];
  readonly sent: SentFrame[];
  readonly connections: Map<number, Connection>;
  readonly userConnections: ConnectionCounter;
  /** Upgrade sockets whose token is still being checked; close() must destroy them too. */
  readonly pending: Set<Duplex>;
  attempts: number;
  closing: boolean;
}

/** `error` goes to the client; `logged` is the same without any text the client sent. */
type ParseResult = { ok: true; frame: ClientFrame } | { ok: false; error: string; logged: string };

/** Incoming frames are capped (ws closes with 1009 beyond it), far above any real chat message. */
const MAX_PAYLOAD_BYTES = 64 * 1024;
const DEFAULT_PORT = 3001;
const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_CONNECTION_MESSAGE = 'Connected to chatbot server';
const DEFAULT_ESCALATION_MESSAGE = 'A human agent will contact you soon.';
/** Policy violation: the close code the backend uses for failed authentication. */
const CLOSE_UNAUTHORIZED = 1008;
/**
 * Try Again Later: the close for a connection over the per-user cap. Not 1008, which chatwire's
 * widget (like most clients) reads as "token refused" and stops; the token is fine and a slot
 * frees up when another tab closes, so the client should back off and retry.
 */
const CLOSE_TRY_AGAIN_LATER = 1013;
/** Internal error: what setCloseAfterAccept closes with. */
const CLOSE_INTERNAL_ERROR = 1011;
const CLOSE_GOING_AWAY = 1001;

const now = (): string => new Date().toISOString();
const noop = (): void => undefined;

/** Starts a reference server and resolves once it is listening. */
export async function startServer(options: StartServerOptions = {}): Promise<ReferenceServer> {
  const ctx = createContext(options);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD_BYTES });
  const http = createServer(answerPlainHttp);
  // Upgrades are handled by hand so the token can be checked (asynchronously) and 503s injected first.
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    onUpgrade(ctx, wss, req, socket, head),
  );
  await listen(http, options.port ?? DEFAULT_PORT, options.host ?? DEFAULT_HOST);
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

function createContext(options: StartServerOptions): Context {
  return {
    settings: createSettings(options),
    log: options.log ?? noop,
    faults: { silent: false, refuseNew: false, closeAfterAccept: false, dropAfterTokens: null },
    received: [],
    sent: [],
    connections: new Map(),
    userConnections: new ConnectionCounter(
      count(options, 'maxConnectionsPerUser', DEFAULT_MAX_CONNECTIONS_PER_USER),
    ),
    pending: new Set(),
    attempts: 0,
    closing: false,
  };
}

/** Fills in defaults; throws on a limit that is not a whole number or an origin that is not one. */
function createSettings(options: StartServerOptions): Settings {
  return {
    jwtSecret: options.jwtSecret ?? resolveJwtSecret(process.env).secret,
    expectedClaims: { audience: options.jwtAudience, issuer: options.jwtIssuer },
    responder:
      options.responder ?? createDemoResponder({ tokenDelayMs: options.tokenDelayMs ?? 40 }),
    messageIds: messageIdScheme(options.messageIds),
    connectionMessage: options.connectionMessage ?? DEFAULT_CONNECTION_MESSAGE,
    escalationMessage: options.escalationMessage ?? DEFAULT_ESCALATION_MESSAGE,
    allowedOrigins: options.allowedOrigins && normalizeOrigins(options.allowedOrigins),
    rateLimitPerMinute: count(options, 'rateLimitPerMinute', DEFAULT_RATE_LIMIT_PER_MINUTE),
    maxFramesPerMinute: count(options, 'maxFramesPerMinute', DEFAULT_MAX_FRAMES_PER_MINUTE),
    sendBufferHighWaterBytes: count(
      options,
      'sendBufferHighWaterBytes',
      DEFAULT_SEND_BUFFER_HIGH_WATER_BYTES,
    ),
    sendBufferLimitBytes: count(options, 'sendBufferLimitBytes', DEFAULT_SEND_BUFFER_LIMIT_BYTES),
    sendStallTimeoutMs: count(options, 'sendStallTimeoutMs', DEFAULT_SEND_STALL_TIMEOUT_MS),
    recordFrames: options.recordFrames ?? true,
    clock: options.now ?? Date.now,
  };
}

function messageIdScheme(scheme: MessageIdScheme | undefined): MessageIdScheme {
  if (scheme === undefined || scheme === 'random' || scheme === 'per-connection')
    return scheme ?? 'random';
  throw new RangeError(
    `startServer: messageIds must be 'random' or 'per-connection', got ${String(scheme)}`,
  );
}

type CountOption =
  | 'rateLimitPerMinute'
  | 'maxFramesPerMinute'
  | 'maxConnectionsPerUser'
  | 'sendBufferHighWaterBytes'
  | 'sendBufferLimitBytes'
  | 'sendStallTimeoutMs';

function count(options: StartServerOptions, name: CountOption, fallback: number): number {
  const value = options[name] ?? fallback;
  if (!isCount(value))
    throw new RangeError(`startServer: ${name} must be a whole number >= 0, got ${value}`);
  return value;
}

function bufferedBytes(ctx: Context): number {
  let total = 0;
  for (const { socket } of ctx.connections.values()) total += socket.bufferedAmount;
  return total;
}

function createFaults(ctx: Context, wss: WebSocketServer): ServerFaults {
  return {
    dropAll: () => {
      for (const socket of wss.clients) socket.terminate();
    },
    closeAll: (code = CLOSE_GOING_AWAY, reason = 'server closing') => {
      for (const socket of wss.clients) socket.close(code, reason);
    },
    setSilent: (on) => {
      ctx.faults.silent = on;
    },
    setRefuseNew: (on) => {
      ctx.faults.refuseNew = on;
    },
    setCloseAfterAccept: (on) => {
      ctx.faults.closeAfterAccept = on;
    },
    setDropAfterTokens: (n) => {
      if (n !== null && !(Number.isInteger(n) && n >= 0))
        throw new RangeError(`setDropAfterTokens: expected a whole number >= 0 or null, got ${n}`);
      ctx.faults.dropAfterTokens = n;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP and upgrades

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

function onUpgrade(
  ctx: Context,
  wss: WebSocketServer,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  ctx.attempts += 1;
  const id = ctx.attempts;
  if (ctx.faults.refuseNew || ctx.closing) {
    ctx.log(`#${id} upgrade refused with 503`);
    refuseUpgrade(socket, 503);
    return;
  }
  // Before the token is even looked at: a page on a foreign origin gets nothing but a 403.
  const { allowedOrigins } = ctx.settings;
  const origin = requestOrigin(req);
  if (allowedOrigins && !isOriginAllowed(origin, allowedOrigins)) {
    ctx.log(
      `#${id} upgrade refused with 403: origin ${origin === undefined ? 'missing' : `'${printable(origin, 80)}'`} not allowed`,
    );
    refuseUpgrade(socket, 403);
    return;
  }
  ctx.pending.add(socket);
  // The client may hang up while the token is checked; an unhandled 'error' would crash the process.
  socket.on('error', noop);
  void authenticateThenUpgrade(ctx, wss, req, socket, head, id);
}

async function authenticateThenUpgrade(
  ctx: Context,
  wss: WebSocketServer,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  id: number,
): Promise<void> {
  const admission = await admit(ctx, req);
  ctx.pending.delete(socket);
  socket.off('error', noop);
  if (ctx.closing) {
    socket.destroy();
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => onSocket(ctx, { id, socket: ws }, admission));
}

async function admit(ctx: Context, req: IncomingMessage): Promise<Admission> {
  const token = tokenFrom(req.url);
  const auth = await verifyToken(token, ctx.settings.jwtSecret, ctx.settings.expectedClaims);
  if (!auth.ok) return auth;
  return { ...auth, userKey: userKeyFor(auth.subject, token ?? '') };
}

/** Reads `?token=` without ever logging or echoing the URL it came in. */
function tokenFrom(url: string | undefined): string | null {
  try {
    return new URL(url ?? '/', 'http://localhost').searchParams.get('token');
  } catch {
    return null;
  }
}

function refuseUpgrade(socket: Duplex, status: number): void {
  const body = STATUS_CODES[status] ?? 'Error';
  socket.on('error', noop);
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${body}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Connections

function onSocket(ctx: Context, peer: Peer, auth: Admission): void {
  // ws emits 'error' for protocol violations (e.g. a payload over maxPayload) before closing; log, don't crash.
  peer.socket.on('error', (error) => ctx.log(`#${peer.id} socket error: ${error.message}`));
  if (!auth.ok) {
    rejectPeer(ctx, peer, auth.reason);
    return;
  }
  // Checked and counted in one synchronous step, so simultaneous upgrades cannot overshoot the cap.
  if (!ctx.userConnections.tryAdd(auth.userKey)) {
    refuseExcessConnection(ctx, peer);
    return;
  }
  const connection: Connection = {
    ...peer,
    subject: auth.subject,
    userKey: auth.userKey,
    rateLimiter: newRateLimiter(ctx.settings.rateLimitPerMinute, ctx),
    frameLimiter: newRateLimiter(ctx.settings.maxFramesPerMinute, ctx),
    replies: new Set(),
    repliesStarted: 0,
  };
  ctx.connections.set(peer.id, connection);
  peer.socket.on('message', (data, isBinary) => onMessage(ctx, connection, data, isBinary));
  peer.socket.on('close', (code) => {
    ctx.connections.delete(peer.id);
    ctx.userConnections.remove(connection.userKey);
    abortReplies(connection);
    ctx.log(`#${peer.id} closed (${code})`);
  });
  ctx.log(
    `#${peer.id} connected (subject ${auth.subject === undefined ? 'none' : JSON.stringify(auth.subject)})`,
  );
  send(ctx, connection, {
    type: 'connection',
    message: ctx.settings.connectionMessage,
    timestamp: now(),
  });
  if (ctx.faults.closeAfterAccept)
    peer.socket.close(CLOSE_INTERNAL_ERROR, 'fault: close after accept');
}

/** The protocol has no HTTP-level rejection: the client is told why in an error frame, then closed. */
function rejectPeer(ctx: Context, peer: Peer, reason: string): void {
  ctx.log(`#${peer.id} rejected: ${reason}`);
  send(ctx, peer, { type: 'error', message: `Authentication failed: ${reason}`, timestamp: now() });
  peer.socket.close(CLOSE_UNAUTHORIZED, 'unauthorized');
}

/**
 * No error frame first: chatwire's widget reads "an error frame, then a close, before anything
 * else" as a refused token. The close code and reason say it all.
 */
function refuseExcessConnection(ctx: Context, peer: Peer): void {
  ctx.log(`#${peer.id} refused: too many connections for this user`);
  peer.socket.close(CLOSE_TRY_AGAIN_LATER, 'too many connections');
}

function newRateLimiter(limit: number, ctx: Context): RateLimiter | undefined {
  return limit > 0 ? createRateLimiter(limit, RATE_WINDOW_MS, ctx.settings.clock) : undefined;
}

function abortReplies(connection: Connection): void {
  for (const controller of connection.replies) controller.abort();
  connection.replies.clear();
}

/** Writes a frame and records it; returns false (and records nothing) when the frame was suppressed. */
function send(ctx: Context, peer: Peer, frame: ServerFrame): boolean {
  if (ctx.faults.silent || peer.socket.readyState !== WebSocket.OPEN) return false;
  if (peer.socket.bufferedAmount > ctx.settings.sendBufferLimitBytes) {
    terminateSlowReader(ctx, peer);
    return false;
  }
  peer.socket.send(JSON.stringify(frame));
  if (ctx.settings.recordFrames) ctx.sent.push({ connectionId: peer.id, at: now(), frame });
  // Tokens are too chatty to log one by one (and are the user's conversation).
  if (frame.type !== 'stream-token')
    ctx.log(`#${peer.id} -> ${frame.type}${'messageId' in frame ? ` ${frame.messageId}` : ''}`);
  return true;
}

/**
 * The client has stopped reading and the backlog passed the hard limit. A close frame would only
 * queue behind the backlog, so the socket is destroyed at once, freeing what it held.
 */
function terminateSlowReader(ctx: Context, peer: Peer): void {
  ctx.log(
    `#${peer.id} terminated: ${peer.socket.bufferedAmount} bytes unsent, over the ${ctx.settings.sendBufferLimitBytes}-byte limit (client not reading)`,
  );
  peer.socket.terminate();
}

/** A reply waited `stallTimeoutMs` for a client that reads nothing: let the client go. */
function terminateStalledReader(ctx: Context, peer: Peer, stallTimeoutMs: number): void {
  ctx.log(`#${peer.id} terminated: read nothing for ${stallTimeoutMs} ms with a reply waiting`);
  peer.socket.terminate();
}

function sendError(ctx: Context, peer: Peer, message: string): void {
  send(ctx, peer, { type: 'error', message, timestamp: now() });
}

// ---------------------------------------------------------------------------------------------
// Incoming frames

function onMessage(ctx: Context, connection: Connection, data: RawData, isBinary: boolean): void {
  // Before any parsing: a flood of pings or garbage costs the server nothing but this count.
  if (connection.frameLimiter && !connection.frameLimiter.take().allowed) {
    if (connection.socket.readyState === WebSocket.OPEN) {
      ctx.log(`#${connection.id} closed: over ${ctx.settings.maxFramesPerMinute} frames a minute`);
      connection.socket.close(CLOSE_UNAUTHORIZED, 'too many frames');
    }
    return;
  }
  const text = rawText(data);
  const { json, result } = decode(text, isBinary);
  if (ctx.settings.recordFrames)
    ctx.received.push({
      connectionId: connection.id,
      at: now(),
      data: text,
      frame: json,
      binary: isBinary,
    });
  if (ctx.faults.silent) return;
  if (!result.ok) {
    ctx.log(`#${connection.id} <- rejected frame: ${result.logged}`);
    sendError(ctx, connection, result.error);
    return;
  }
  // A dropped chat is not logged either, so a client over its limit cannot flood the log.
  if (result.frame.type === 'chat' && !chatAllowed(ctx, connection)) return;
  ctx.log(`#${connection.id} <- ${result.frame.type}`);
  handleFrame(ctx, connection, result.frame);
}

function handleFrame(ctx: Context, connection: Connection, frame: ClientFrame): void {
  switch (frame.type) {
    case 'chat':
      void streamReply(ctx, connection, frame.content);
      return;
    case 'human-escalation':
      send(ctx, connection, {
        type: 'human-escalation-response',
        message: ctx.settings.escalationMessage,
        timestamp: now(),
      });
      return;
    case 'ping':
      send(ctx, connection, { type: 'pong', timestamp: now() });
      return;
    default:
      frame satisfies never;
  }
}

/** Applies the rate limit: only the first refused chat is answered (with an error frame). */
function chatAllowed(ctx: Context, connection: Connection): boolean {
  const decision = connection.rateLimiter?.take() ?? { allowed: true };
  if (decision.allowed) return true;
  if (decision.firstRefusal) {
    const seconds = Math.ceil(decision.retryAfterMs / 1000);
    ctx.log(`#${connection.id} rate limited: chat messages dropped for ${seconds} s`);
    sendError(
      ctx,
      connection,
      rateLimitMessage(ctx.settings.rateLimitPerMinute, decision.retryAfterMs),
    );
  }
  return false;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** Parses a payload into JSON (kept for the received log) and, if it is a valid client frame, the frame. */
function decode(text: string, isBinary: boolean): { json: unknown; result: ParseResult } {
  if (isBinary)
    return {
      json: undefined,
      result: fail('Binary frames are not supported: send each message as JSON text'),
    };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // The parser's own message quotes the payload; the client already knows what it sent.
    return { json: undefined, result: fail('Invalid message: not valid JSON') };
  }
  return { json, result: toClientFrame(json) };
}

/** A rejection; `logged` replaces `error` in the server log when `error` quotes client text. */
const fail = (error: string, logged = error): ParseResult => ({ ok: false, error, logged });

/** 'chat, human-escalation or ping', from the protocol's own list so it cannot go stale. */
const EXPECTED_TYPES = ((names: string[]) => `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`)(
  Object.keys(CLIENT_FRAME_FIELDS),
);

/** Checks an untrusted JSON value against the client frame shapes, saying exactly what is wrong. */
function toClientFrame(value: unknown): ParseResult {
  if (!isRecord(value))
    return fail(
      `Invalid message: expected a JSON object with a 'type' field, got ${kindOf(value)}`,
    );
  const { type } = value;
  if (type === undefined) return fail(`Missing field 'type' (string): expected ${EXPECTED_TYPES}`);
  if (typeof type !== 'string') return fail(`Field 'type' must be a string, got ${kindOf(type)}`);
  if (!isClientFrameType(type))
    return fail(
      `Unsupported message type '${printable(type)}': expected ${EXPECTED_TYPES}`,
      // The client may put anything in `type`, its message included: the log gets no copy.
      `Unsupported message type: expected ${EXPECTED_TYPES}`,
    );
  switch (type) {
    case 'chat':
      return withFields(value, type, CLIENT_FRAME_FIELDS.chat, (fields) => ({ type, ...fields }));
    case 'human-escalation':
      return withFields(value, type, CLIENT_FRAME_FIELDS['human-escalation'], (fields) => ({
        type,
        ...fields,
      }));
    case 'ping':
      return withFields(value, type, CLIENT_FRAME_FIELDS.ping, (fields) => ({ type, ...fields }));
    default:
      return type satisfies never;
  }
}

/** Requires each of `fields` to be a string, then builds the frame from them (extra fields are dropped). */
function withFields<Field extends string>(
  value: Record<string, unknown>,
  type: ClientFrameType,
  fields: readonly Field[],
  build: (fields: Record<Field, string>) => ClientFrame,
): ParseResult {
  const strings: Partial<Record<Field, string>> = {};
  for (const field of fields) {
    const item = value[field];
    if (item === undefined) return fail(`Missing field '${field}' (string) in '${type}' message`);
    if (typeof item !== 'string')
      return fail(`Field '${field}' in '${type}' message must be a string, got ${kindOf(item)}`);
    strings[field] = item;
  }
  // The loop above set every field; TypeScript cannot see that through a loop.
  return { ok: true, frame: build(strings as Record<Field, string>) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** hasOwn, so 'toString' or '__proto__' are not mistaken for frame types. */
function isClientFrameType(type: string): type is ClientFrameType {
  return Object.hasOwn(CLIENT_FRAME_FIELDS, type);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/** Client text echoed in errors and logs: escaped (no raw newlines or quotes) and short. */
function printable(text: string, max = 40): string {
  const escaped = JSON.stringify(text).slice(1, -1);
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}

// ---------------------------------------------------------------------------------------------
// Replies

/**
 * Streams one reply. Runs concurrently with any other replies on the connection; it never
 * rejects, because a responder failure becomes an error frame.
 */
async function streamReply(ctx: Context, connection: Connection, content: string): Promise<void> {
  connection.repliesStarted += 1;
  const messageId =
    ctx.settings.messageIds === 'per-connection'
      ? `msg_${connection.repliesStarted}`
      : `msg_${randomBytes(6).toString('hex')}`;
  const controller = new AbortController();
  const { signal } = controller;
  connection.replies.add(controller);
  try {
    send(ctx, connection, { type: 'stream-start', messageId, timestamp: now() });
    const tokens = ctx.settings.responder({
      content,
      connectionId: connection.id,
      subject: connection.subject,
      signal,
    });
    await pumpTokens(ctx, connection, messageId, tokens, signal);
  } catch (error) {
    if (!signal.aborted) {
      ctx.log(
        `#${connection.id} responder failed for ${messageId}: ${error instanceof Error ? error.message : String(error)}`,
      );
      // The client gets no internals, just enough to tie the failure to its message.
      sendError(ctx, connection, `The reply ${messageId} could not be completed`);
    }
  } finally {
    connection.replies.delete(controller);
  }
  // After an abort the socket is gone (or going); the client is not waiting for the end.
  if (!signal.aborted) send(ctx, connection, { type: 'stream-end', messageId, timestamp: now() });
}

async function pumpTokens(
  ctx: Context,
  connection: Connection,
  messageId: string,
  tokens: AsyncIterable<string>,
  signal: AbortSignal,
): Promise<void> {
  let sentTokens = 0;
  if (dropDue(ctx, connection, sentTokens)) return;
  for await (const token of tokens) {
    // Backpressure: while the client is not reading, the responder is not asked for more.
    const { sendBufferHighWaterBytes, sendStallTimeoutMs } = ctx.settings;
    const room = await waitForRoom(
      connection.socket,
      sendBufferHighWaterBytes,
      signal,
      sendStallTimeoutMs,
    );
    if (!room) {
      terminateStalledReader(ctx, connection, sendStallTimeoutMs);
      return;
    }
    if (signal.aborted) return;
    if (send(ctx, connection, { type: 'stream-token', messageId, token, timestamp: now() }))
      sentTokens += 1;
    if (dropDue(ctx, connection, sentTokens)) return;
  }
}

/** The setDropAfterTokens fault: terminate mid-stream once enough tokens went out. */
function dropDue(ctx: Context, connection: Connection, sentTokens: number): boolean {
  const limit = ctx.faults.dropAfterTokens;
  if (limit === null || sentTokens < limit) return false;
  ctx.log(`#${connection.id} dropped after ${sentTokens} tokens (fault)`);
  // Abort first so no reply on this connection sends stream-end before the close event arrives.
  abortReplies(connection);
  connection.socket.terminate();
  return true;
}

// ---------------------------------------------------------------------------------------------
// Shutdown

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
  ctx.log('server closed');
}
