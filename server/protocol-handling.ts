/**
 * What the reference server does with each frame a client sends: count it against the frame
 * limit, record it, check its shape against `CLIENT_FRAME_FIELDS` in `src/core/protocol.ts`
 * (the twin of the `SERVER_FRAME_FIELDS` table chatwire's parser checks against, so the wire
 * contract is written down once, for both ends), then answer it: a pong for `ping`, a
 * streamed reply for `chat` (within the rate limit), the escalation message for
 * `human-escalation`. A frame that is not valid gets an `error` frame saying exactly what is
 * wrong, so a client developer can fix it from the message alone.
 */
import { type RawData, WebSocket } from 'ws';
import {
  CLIENT_FRAME_FIELDS,
  type ClientFrame,
  type ClientFrameType,
  isFrameTypeIn,
} from '../src/core/protocol.ts';
import { CLOSE_UNAUTHORIZED, type Connection, type Context, now } from './context.ts';
import { rateLimitMessage } from './limits.ts';
import { send, sendError } from './send.ts';
import { streamReply } from './streaming.ts';

/** `error` goes to the client; `logged` is the same without any text the client sent. */
type ParseResult = { ok: true; frame: ClientFrame } | { ok: false; error: string; logged: string };

/** Handles one frame from an accepted connection, from its raw payload to the answer. */
export function onMessage(
  ctx: Context,
  connection: Connection,
  data: RawData,
  isBinary: boolean,
): void {
  if (overFrameLimit(ctx, connection)) return;
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
  inOrder(ctx, connection, () => handle(ctx, connection, result));
}

/**
 * Runs `step` now when nothing on the connection is waiting, else after what is. Only a chat
 * waits (for its rate-limit answer: a Redis round trip when limits are shared); whatever came
 * after it waits behind it, so the answers go out in the order the frames came.
 */
function inOrder(
  ctx: Context,
  connection: Connection,
  step: () => Promise<void> | undefined,
): void {
  if (connection.waiting === 0) {
    const pending = step();
    if (pending) track(ctx, connection, pending);
    return;
  }
  track(
    ctx,
    connection,
    connection.answering.then(() => step()),
  );
}

function track(ctx: Context, connection: Connection, pending: Promise<void>): void {
  connection.waiting += 1;
  connection.answering = pending
    .catch((error: unknown) => {
      // Logged and left behind, so one failure never stops the frames after it being answered.
      ctx.log(`#${connection.id} frame not answered: ${messageOf(error)}`);
    })
    .finally(() => {
      connection.waiting -= 1;
    });
}

/** Answers one parsed frame; a chat's answer waits for the rate limit, so it returns a promise. */
function handle(
  ctx: Context,
  connection: Connection,
  result: ParseResult,
): Promise<void> | undefined {
  if (!result.ok) {
    ctx.log(`#${connection.id} <- rejected frame: ${result.logged}`);
    sendError(ctx, connection, result.error);
    return undefined;
  }
  const { frame } = result;
  if (frame.type !== 'chat') {
    ctx.log(`#${connection.id} <- ${frame.type}`);
    answer(ctx, connection, frame);
    return undefined;
  }
  // A chat queued behind others on a socket that has closed since would only use up the allowance.
  if (connection.socket.readyState !== WebSocket.OPEN) return undefined;
  return chatAllowed(ctx, connection).then((allowed) => {
    // A dropped chat is not logged either, so a client over its limit cannot flood the log.
    if (!allowed || connection.socket.readyState !== WebSocket.OPEN) return;
    ctx.log(`#${connection.id} <- chat`);
    answer(ctx, connection, frame);
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Counts the frame before any parsing, so a flood of pings or garbage costs the server nothing
 * but this count; the frame over the limit closes the connection (1008 'too many frames').
 */
function overFrameLimit(ctx: Context, connection: Connection): boolean {
  if (!connection.frameLimiter || connection.frameLimiter.take().allowed) return false;
  if (connection.socket.readyState === WebSocket.OPEN) {
    ctx.log(`#${connection.id} closed: over ${ctx.settings.maxFramesPerMinute} frames a minute`);
    connection.socket.close(CLOSE_UNAUTHORIZED, 'too many frames');
  }
  return true;
}

function answer(ctx: Context, connection: Connection, frame: ClientFrame): void {
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
async function chatAllowed(ctx: Context, connection: Connection): Promise<boolean> {
  const decision = (await connection.chatLimiter?.take()) ?? { allowed: true };
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
  if (!isFrameTypeIn(CLIENT_FRAME_FIELDS, type))
    return fail(
      `Unsupported message type '${printable(type)}': expected ${EXPECTED_TYPES}`,
      // The client may put anything in `type`, its message included: the log gets no copy.
      `Unsupported message type: expected ${EXPECTED_TYPES}`,
    );
  return readFields(value, type);
}

/**
 * Requires each field `CLIENT_FRAME_FIELDS` lists for `type` to be a string, then builds the
 * frame from `type` and those fields alone (extra fields are dropped).
 */
function readFields(value: Record<string, unknown>, type: ClientFrameType): ParseResult {
  const frame: Record<string, string> = { type };
  for (const field of CLIENT_FRAME_FIELDS[type]) {
    const item = value[field];
    if (item === undefined) return fail(`Missing field '${field}' (string) in '${type}' message`);
    if (typeof item !== 'string')
      return fail(`Field '${field}' in '${type}' message must be a string, got ${kindOf(item)}`);
    frame[field] = item;
  }
  // The loop above set exactly the fields CLIENT_FRAME_FIELDS lists for `type`, which the
  // table's `satisfies` clause ties to that frame's interface; TypeScript cannot follow a loop.
  return { ok: true, frame: frame as unknown as ClientFrame };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/** Client text echoed in errors and logs: escaped (no raw newlines or quotes) and short. */
export function printable(text: string, max = 40): string {
  const escaped = JSON.stringify(text).slice(1, -1);
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}
