/**
 * A hostile chat server for browser tests, run in the vitest (Node) process: a real
 * WebSocket server that greets like the reference server, answers `chat` like a well-behaved
 * one, and, on command, sends a barrage of generated bad frames. The frames are generated
 * with fast-check from a seed, so a failing run can be replayed exactly.
 *
 * It lives apart from the reference server on purpose: that one only ever sends valid
 * frames, and it should stay that way.
 */
import fc from 'fast-check';
import type { BrowserCommand } from 'vitest/node';
import { type WebSocket, WebSocketServer } from 'ws';
import { parseServerFrame } from '../../src/core/parse.ts';

/** What a barrage sent, by kind of frame. */
export interface BarrageReport {
  seed: number;
  frames: number;
  bytes: number;
  byKind: Record<string, number>;
  /**
   * The problems chatwire's own parser finds in these frames, by kind (rejections and
   * warnings): what the widget must report, frame for frame.
   */
  parseProblems: Record<string, number>;
}

/** A running hostile server, as a browser test sees it. */
export interface HostileServerHandle {
  id: string;
  url: string;
}

/** A frame to send: text, or binary (the protocol has none). */
type Outgoing = { kind: string; data: string | Uint8Array };

interface HostileServer {
  wss: WebSocketServer;
  sockets: Set<WebSocket>;
  received: unknown[];
  replies: number;
}

const servers = new Map<string, HostileServer>();
let nextId = 1;

const timestamp = () => new Date().toISOString();

// ---------------------------------------------------------------------------------------------
// The frames

/** Message ids: a few that collide on purpose (and name Object.prototype members), and noise. */
const messageId = fc.oneof(
  fc.constantFrom('m1', 'm2', 'm3', '__proto__', 'constructor', 'prototype', 'toString', ''),
  fc.string({ maxLength: 12 }),
);

/** Every frame type the protocol has, well formed. */
const validFrame: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ type: fc.constant('stream-start'), messageId, timestamp: fc.constant('t') }),
  fc.record({
    type: fc.constant('stream-token'),
    messageId,
    token: fc.string({ unit: 'grapheme', maxLength: 20 }),
    timestamp: fc.constant('t'),
  }),
  fc.record({ type: fc.constant('stream-end'), messageId, timestamp: fc.constant('t') }),
  fc.record({ type: fc.constant('connection'), message: fc.string(), timestamp: fc.constant('t') }),
  fc.record({ type: fc.constant('error'), message: fc.string(), timestamp: fc.constant('t') }),
  fc.record({
    type: fc.constant('human-escalation-response'),
    message: fc.string(),
    timestamp: fc.constant('t'),
  }),
  fc.record({ type: fc.constant('pong'), timestamp: fc.constant('t') }),
);

const text = (kind: string) => (data: string) => ({ kind, data }) satisfies Outgoing;

/** A well-formed frame with one field dropped. */
const missingField = validFrame.chain((frame) =>
  fc.constantFrom(...Object.keys(frame)).map((key) => {
    const { [key]: _dropped, ...rest } = frame;
    return text('missing-field')(JSON.stringify(rest));
  }),
);

/** A well-formed frame with one field of any other JSON type. */
const wrongType = fc
  .tuple(validFrame, fc.jsonValue())
  .chain(([frame, value]) =>
    fc
      .constantFrom(...Object.keys(frame))
      .map((key) => text('wrong-type')(JSON.stringify({ ...frame, [key]: value }))),
  );

const unknownType = fc
  .tuple(validFrame, fc.oneof(fc.string(), fc.constantFrom('chat', 'ping', 'STREAM-TOKEN')))
  .map(([frame, type]) => text('unknown-type')(JSON.stringify({ ...frame, type })));

/** JSON that is not an object: arrays, numbers, strings, null. */
const notAnObject = fc
  .jsonValue()
  .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value))
  .map((value) => text('not-an-object')(JSON.stringify(value)));

/** Text that is not JSON: noise, and valid frames cut short. */
const notJson = fc.oneof(
  fc.string().map(text('not-json')),
  fc
    .tuple(validFrame, fc.nat())
    .map(([frame, cut]) => {
      const json = JSON.stringify(frame);
      return json.slice(0, cut % json.length);
    })
    .map(text('not-json')),
);

/**
 * `__proto__`, `constructor` and `prototype` as own keys of the frame (JSON.parse makes them
 * own keys; an object literal would not), carrying what a prototype-pollution attempt carries.
 */
const pollution = fc
  .tuple(validFrame, fc.constantFrom('__proto__', 'constructor', 'prototype'))
  .map(([frame, key]) => {
    const json = JSON.stringify(frame);
    const payload = key === 'constructor' ? '{"prototype":{"polluted":1}}' : '{"polluted":1}';
    return text('prototype-keys')(`{"${key}":${payload},${json.slice(1)}`);
  });

/** Strings far larger than any real frame: a token, a message id, a type. */
const huge = fc
  .tuple(
    fc.integer({ min: 50_000, max: 400_000 }),
    fc.constantFrom('token', 'messageId', 'type', 'message'),
  )
  .map(([length, field]) => {
    const big = 'x'.repeat(length);
    const frame =
      field === 'message'
        ? { type: 'error', message: big, timestamp: 't' }
        : { type: 'stream-token', messageId: 'm1', token: 'x', timestamp: 't', [field]: big };
    return text('huge')(JSON.stringify(frame));
  });

const binary = fc
  .uint8Array({ maxLength: 64 })
  .map((data) => ({ kind: 'binary', data }) satisfies Outgoing);

/**
 * Streams for a few message ids, interleaved and out of order: tokens before their
 * stream-start, stream-ends twice, starts repeated.
 */
const interleaved = fc
  .array(
    fc.record({
      id: fc.constantFrom('a', 'b', 'c', 'm1'),
      step: fc.constantFrom('stream-start', 'stream-token', 'stream-token', 'stream-end'),
    }),
    { minLength: 2, maxLength: 12 },
  )
  .map((steps) =>
    steps.map(({ id, step }) =>
      text('interleaved')(
        JSON.stringify({
          type: step,
          messageId: id,
          timestamp: 't',
          ...(step === 'stream-token' ? { token: `${id} ` } : {}),
        }),
      ),
    ),
  );

/** One generated burst: mostly single bad frames, some interleaved runs, rare huge ones. */
const burst: fc.Arbitrary<Outgoing[]> = fc.oneof(
  { weight: 120, arbitrary: missingField.map((frame) => [frame]) },
  { weight: 120, arbitrary: wrongType.map((frame) => [frame]) },
  { weight: 80, arbitrary: unknownType.map((frame) => [frame]) },
  { weight: 60, arbitrary: notAnObject.map((frame) => [frame]) },
  { weight: 120, arbitrary: notJson.map((frame) => [frame]) },
  { weight: 60, arbitrary: pollution.map((frame) => [frame]) },
  { weight: 40, arbitrary: binary.map((frame) => [frame]) },
  { weight: 80, arbitrary: validFrame.map((frame) => [text('valid')(JSON.stringify(frame))]) },
  { weight: 80, arbitrary: interleaved },
  { weight: 1, arbitrary: huge.map((frame) => [frame]) },
);

/** Exactly `count` frames from `seed`. */
function generateFrames(seed: number, count: number): Outgoing[] {
  const frames: Outgoing[] = [];
  const bursts = fc.sample(burst, { seed, numRuns: count });
  for (const group of bursts) {
    for (const frame of group) {
      if (frames.length === count) return frames;
      frames.push(frame);
    }
  }
  return frames;
}

// ---------------------------------------------------------------------------------------------
// The server

/** Answers a `chat` frame as a good server would, so a test can see the widget still works. */
function answer(server: HostileServer, socket: WebSocket, raw: string): void {
  let frame: unknown;
  try {
    frame = JSON.parse(raw);
  } catch {
    return;
  }
  server.received.push(frame);
  if ((frame as { type?: unknown }).type !== 'chat') return;
  server.replies += 1;
  const id = `reply-${server.replies}`;
  const send = (value: object) => socket.send(JSON.stringify({ ...value, timestamp: timestamp() }));
  send({ type: 'stream-start', messageId: id });
  for (const token of ['Still ', 'here, ', 'all ', 'good.']) {
    send({ type: 'stream-token', messageId: id, token });
  }
  send({ type: 'stream-end', messageId: id });
}

const startHostileServer: BrowserCommand<[]> = async (): Promise<HostileServerHandle> => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const server: HostileServer = { wss, sockets: new Set(), received: [], replies: 0 };
  wss.on('connection', (socket) => {
    server.sockets.add(socket);
    socket.on('close', () => server.sockets.delete(socket));
    socket.on('message', (data) => answer(server, socket, data.toString()));
    socket.send(
      JSON.stringify({ type: 'connection', message: 'Connected', timestamp: timestamp() }),
    );
  });
  const address = wss.address();
  if (address === null || typeof address === 'string')
    throw new Error('hostile server is not on a TCP port');
  const id = String(nextId++);
  servers.set(id, server);
  return { id, url: `ws://127.0.0.1:${address.port}` };
};

function serverById(id: string): HostileServer {
  const server = servers.get(id);
  if (!server) throw new Error(`No hostile server '${id}' is running (stopped already?).`);
  return server;
}

/**
 * Sends `count` generated frames from `seed` to every connected widget, waiting for each
 * socket's buffer to drain between chunks so the frames arrive as a fast server sends them.
 */
const hostileServerBarrage: BrowserCommand<[id: string, seed: number, count: number]> = async (
  _context,
  id,
  seed,
  count,
): Promise<BarrageReport> => {
  const server = serverById(id);
  const frames = generateFrames(seed, count);
  const report: BarrageReport = { seed, frames: 0, bytes: 0, byKind: {}, parseProblems: {} };
  const tally = (counts: Record<string, number>, key: string) => {
    counts[key] = (counts[key] ?? 0) + 1;
  };
  for (const frame of frames) {
    for (const socket of server.sockets) socket.send(frame.data);
    report.frames += 1;
    report.bytes += frame.data.length;
    tally(report.byKind, frame.kind);
    const parsed = parseServerFrame(frame.data);
    if (!parsed.ok) tally(report.parseProblems, parsed.problem.kind);
    else for (const warning of parsed.warnings) tally(report.parseProblems, warning.kind);
    if (report.frames % 500 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return report;
};

const hostileServerReceived: BrowserCommand<[id: string]> = (_context, id): unknown[] =>
  serverById(id).received;

const stopHostileServer: BrowserCommand<[id: string]> = async (_context, id) => {
  const server = servers.get(id);
  servers.delete(id);
  if (!server) return;
  for (const socket of server.sockets) socket.terminate();
  await new Promise<void>((resolve) => server.wss.close(() => resolve()));
};

/** Registered as `browser.commands` in vite.config.ts. */
export const hostileServerCommands = {
  startHostileServer,
  hostileServerBarrage,
  hostileServerReceived,
  stopHostileServer,
};
