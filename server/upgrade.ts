/**
 * How a WebSocket upgrade becomes a connection on the reference server, cheapest check first:
 * the refuse-new fault and shutdown (HTTP 503), the Origin allow-list (HTTP 403, before the
 * token is even looked at), the JWT in `?token=` (an error frame, then 1008), the per-user
 * connection cap (1013). Upgrades are handled by hand rather than by `ws`, so the token can be
 * checked asynchronously and the HTTP refusals written before any handshake.
 */
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, type WebSocketServer } from 'ws';
import { verifyToken } from './auth.ts';
import {
  abortReplies,
  CLOSE_UNAUTHORIZED,
  type Connection,
  type Context,
  now,
  type Peer,
} from './context.ts';
import { applyCloseAfterAccept } from './faults.ts';
import {
  createRateLimiter,
  isOriginAllowed,
  RATE_WINDOW_MS,
  type RateLimiter,
  requestOrigin,
  userKeyFor,
} from './limits.ts';
import { onMessage, printable } from './protocol-handling.ts';
import { send, sendError } from './send.ts';

/** The outcome of checking an upgrade's token, with the user key the connection cap counts by. */
type Admission =
  | { ok: true; subject: string | undefined; userKey: string }
  | { ok: false; reason: string };

/**
 * Try Again Later: the close for a connection over the per-user cap. Not 1008, which chatwire's
 * widget (like most clients) reads as "token refused" and stops; the token is fine and a slot
 * frees up when another tab closes, so the client should back off and retry.
 */
const CLOSE_TRY_AGAIN_LATER = 1013;

/** Swallows a socket's 'error' events while nothing else listens: unhandled, they crash the process. */
const noop = (): void => undefined;

/**
 * Answers one HTTP upgrade request: refuses it outright (503, 403) or checks its token and
 * hands the socket to `ws`. Every attempt counts, refused ones included, and gets the next id.
 */
export function onUpgrade(
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
  if (!originAllowed(ctx, req, id)) {
    refuseUpgrade(socket, 403);
    return;
  }
  ctx.pending.add(socket);
  // The client may hang up while the token is checked; an unhandled 'error' would crash the process.
  socket.on('error', noop);
  void authenticateThenUpgrade(ctx, wss, req, socket, head, id);
}

/** The Origin allow-list, when one is set: a page on a foreign origin gets nothing but a 403. */
function originAllowed(ctx: Context, req: IncomingMessage, id: number): boolean {
  const { allowedOrigins } = ctx.settings;
  const origin = requestOrigin(req);
  if (!allowedOrigins || isOriginAllowed(origin, allowedOrigins)) return true;
  ctx.log(
    `#${id} upgrade refused with 403: origin ${origin === undefined ? 'missing' : `'${printable(origin, 80)}'`} not allowed`,
  );
  return false;
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

/** The handshake is done: refuse the socket, or make it a connection and greet it. */
function onSocket(ctx: Context, peer: Peer, auth: Admission): void {
  // ws emits 'error' for protocol violations (e.g. a payload over maxPayload) before closing; log, don't crash.
  peer.socket.on('error', (error) => ctx.log(`#${peer.id} socket error: ${error.message}`));
  if (!auth.ok) {
    rejectPeer(ctx, peer, auth.reason);
    return;
  }
  // Nothing is read while the cap is checked (a Redis round trip when it is shared), so no
  // frame arrives before the connection's handlers do.
  peer.socket.pause();
  void ctx.limits
    .admitConnection(auth.userKey, peer.id)
    .then((admitted) => {
      if (!admitted) {
        // Reading again, or the client's answer to the close is never seen and the close hangs.
        peer.socket.resume();
        refuseExcessConnection(ctx, peer);
        return;
      }
      if (peer.socket.readyState !== WebSocket.OPEN || ctx.closing) {
        // Gone while it waited: give the slot back rather than hold it for a socket that is no more.
        ctx.limits.releaseConnection(auth.userKey, peer.id);
        peer.socket.terminate();
        return;
      }
      welcome(ctx, peer, auth.subject, auth.userKey);
      peer.socket.resume();
    })
    .catch((error: unknown) => {
      // Never an unhandled rejection (it would end the process); the close handler frees the slot.
      ctx.log(`#${peer.id} dropped: ${error instanceof Error ? error.message : String(error)}`);
      peer.socket.terminate();
    });
}

/** Opens the admitted connection and sends the `connection` frame. */
function welcome(ctx: Context, peer: Peer, subject: string | undefined, userKey: string): void {
  const connection = openConnection(ctx, peer, subject, userKey);
  ctx.log(
    `#${peer.id} connected (subject ${subject === undefined ? 'none' : JSON.stringify(subject)})`,
  );
  send(ctx, connection, {
    type: 'connection',
    message: ctx.settings.connectionMessage,
    timestamp: now(),
  });
  applyCloseAfterAccept(ctx, peer);
}

/** Registers the connection, its limits and its handlers; a close undoes all of it. */
function openConnection(
  ctx: Context,
  peer: Peer,
  subject: string | undefined,
  userKey: string,
): Connection {
  const connection: Connection = {
    ...peer,
    subject,
    userKey,
    chatLimiter: ctx.limits.chatLimiter(userKey),
    frameLimiter: frameLimiter(ctx),
    answering: Promise.resolve(),
    waiting: 0,
    replies: new Set(),
    repliesStarted: 0,
  };
  ctx.connections.set(peer.id, connection);
  peer.socket.on('message', (data, isBinary) => onMessage(ctx, connection, data, isBinary));
  peer.socket.on('close', (code) => {
    ctx.connections.delete(peer.id);
    ctx.limits.releaseConnection(connection.userKey, peer.id);
    abortReplies(connection);
    ctx.log(`#${peer.id} closed (${code})`);
  });
  return connection;
}

/** The protocol has no HTTP-level rejection: the client is told why in an error frame, then closed. */
function rejectPeer(ctx: Context, peer: Peer, reason: string): void {
  ctx.log(`#${peer.id} rejected: ${reason}`);
  sendError(ctx, peer, `Authentication failed: ${reason}`);
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

/** The flood guard stays with the socket, in memory, whether or not the chat limit is shared. */
function frameLimiter(ctx: Context): RateLimiter | undefined {
  const limit = ctx.settings.maxFramesPerMinute;
  return limit > 0 ? createRateLimiter(limit, RATE_WINDOW_MS, ctx.settings.clock) : undefined;
}
