/**
 * Issue 8, reference server: the hardening the OWASP WebSocket guidance asks for, each proved
 * against a real started server with real clients (`ws`, or a hand-made TCP client that stops
 * reading). Figures the issue asks for are printed with a `[figure]` prefix.
 */
import { createHmac } from 'node:crypto';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientOptions } from 'ws';
import type { ServerFrame } from '../src/core/protocol.ts';
import { mintToken } from './auth.ts';
import { type ReferenceServer, type StartServerOptions, startServer } from './index.ts';
import { hardeningFromEnv, normalizeOrigins } from './limits.ts';
import type { Responder } from './responder.ts';
import {
  type CloseInfo,
  connect,
  connectReady,
  isStreamEnd,
  maskedTextFrame,
  RawClient,
  sleep,
  socketFor,
  type TestClient,
  TIMEOUT_MS,
  timestamp,
  unsignedToken,
  waitUntil,
  withTimeout,
} from './test-support.ts';

const SECRET = 'hardening-tests-secret';
const AUDIENCE = 'chatwire-widget';
const ISSUER = 'https://auth.chatwire.test';

const chat = (content: string) => ({ type: 'chat', content, timestamp: timestamp() });
const ping = () => ({ type: 'ping', timestamp: timestamp() });
const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const isStreamFrame = (frame: ServerFrame): boolean =>
  frame.type === 'stream-start' || frame.type === 'stream-token' || frame.type === 'stream-end';

/** Starts a server for one describe block and closes it after. */
function serverFor(options: StartServerOptions): () => ReferenceServer {
  let server: ReferenceServer | undefined;
  beforeAll(async () => {
    server = await startServer({ port: 0, tokenDelayMs: 0, jwtSecret: SECRET, ...options });
  });
  afterAll(() => server?.close());
  return () => {
    if (!server) throw new Error('server not started');
    return server;
  };
}

// ---------------------------------------------------------------------------------------------
// JWT matrix

/** An HS256-style JWT signed by hand, so the header and claims can be anything at all. */
function signedByHand(header: object, payload: unknown, secret: string | Buffer = SECRET): string {
  const encode = (part: unknown): string => Buffer.from(JSON.stringify(part)).toString('base64url');
  const input = `${encode(header)}.${encode(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** Claims the matrix server accepts; each case spoils one thing. */
function goodClaims(): Record<string, unknown> {
  return { sub: 'mallory', aud: AUDIENCE, iss: ISSUER, iat: nowSeconds(), exp: nowSeconds() + 600 };
}

function withClaims(changes: Record<string, unknown>, drop: string[] = []): object {
  const claims = { ...goodClaims(), ...changes };
  for (const name of drop) delete claims[name];
  return claims;
}

const HS256 = { alg: 'HS256', typ: 'JWT' };
/** The token with its claims swapped for an admin's, keeping the original signature. */
function tampered(token: string): string {
  const [header = '', , signature = ''] = token.split('.');
  const forged = Buffer.from(JSON.stringify(withClaims({ sub: 'admin' }))).toString('base64url');
  return `${header}.${forged}.${signature}`;
}

interface RsaKeys {
  privateKey: CryptoKey;
  publicPem: string;
}

type TokenMaker = (rsa: RsaKeys) => Promise<string | undefined> | string | undefined;

/** [case, token, what the error frame must say]. Every one must end in close 1008 with no stream. */
const JWT_MATRIX: [string, TokenMaker, string][] = [
  ['alg none', () => unsignedToken({ alg: 'none', typ: 'JWT' }, goodClaims()), 'algorithm'],
  ['alg None (odd case)', () => unsignedToken({ alg: 'None' }, goodClaims()), 'algorithm'],
  [
    'HS/RS confusion: RS256 signed with a generated RSA key',
    ({ privateKey }) =>
      new SignJWT(goodClaims()).setProtectedHeader({ alg: 'RS256' }).sign(privateKey),
    'algorithm',
  ],
  [
    'HS/RS confusion: HS256 signed with the RSA public key PEM as the secret',
    ({ publicPem }) => signedByHand(HS256, goodClaims(), publicPem),
    'bad signature',
  ],
  ['HS512 with the right secret', () => signedHs512(), 'algorithm'],
  [
    'HS256 with another secret',
    () => signedByHand(HS256, goodClaims(), 'guessed'),
    'bad signature',
  ],
  [
    'payload changed after signing',
    () => tampered(signedByHand(HS256, goodClaims())),
    'bad signature',
  ],
  [
    'signature stripped',
    () => `${signedByHand(HS256, goodClaims()).split('.').slice(0, 2).join('.')}.`,
    'bad signature',
  ],
  [
    'expired by 1 s',
    () => signedByHand(HS256, withClaims({ exp: nowSeconds() - 1 })),
    'token expired',
  ],
  [
    'nbf 60 s in the future',
    () => signedByHand(HS256, withClaims({ nbf: nowSeconds() + 60 })),
    'token not yet valid',
  ],
  ['no exp', () => signedByHand(HS256, withClaims({}, ['exp'])), 'missing exp claim'],
  [
    'exp not a number',
    () => signedByHand(HS256, withClaims({ exp: 'tomorrow' })),
    'invalid exp claim',
  ],
  ['wrong aud', () => signedByHand(HS256, withClaims({ aud: 'another-app' })), 'invalid aud'],
  ['no aud (configured)', () => signedByHand(HS256, withClaims({}, ['aud'])), 'missing aud'],
  ['wrong iss', () => signedByHand(HS256, withClaims({ iss: 'https://evil.test' })), 'invalid iss'],
  ['no iss (configured)', () => signedByHand(HS256, withClaims({}, ['iss'])), 'missing iss'],
  [
    'unknown critical header',
    () =>
      signedByHand({ ...HS256, crit: ['x-must-understand'], 'x-must-understand': 1 }, goodClaims()),
    'invalid token',
  ],
  ['garbage: one word', () => 'garbage', 'malformed token'],
  ['garbage: not.a.jwt', () => 'not.a.jwt', 'malformed token'],
  ['garbage: dots only', () => '...', 'malformed token'],
  ['garbage: payload is not a JSON object', () => signedByHand(HS256, [1]), 'malformed token'],
  ['garbage: 8 KB of junk', () => 'A'.repeat(8000), 'malformed token'],
  [
    'garbage: a good token with junk appended',
    () => `${signedByHand(HS256, goodClaims())}!!`,
    'malformed token',
  ],
  ['empty token', () => '', 'missing token'],
  ['no token at all', () => undefined, 'missing token'],
];

function signedHs512(): Promise<string> {
  return new SignJWT(goodClaims())
    .setProtectedHeader({ alg: 'HS512' })
    .sign(new TextEncoder().encode(SECRET));
}

/** Connects, asks for a reply at once anyway, and returns everything that came back. */
async function tryToChat(
  server: ReferenceServer,
  token: string | undefined,
): Promise<{ frames: ServerFrame[]; close: CloseInfo }> {
  const client = await connect(server, token);
  // The callback swallows "socket not open": the server may have closed it already.
  client.socket.send(JSON.stringify(chat('stream me something')), () => undefined);
  const close = await client.waitClosed();
  return { frames: client.queue, close };
}

describe('JWT matrix, end to end through a real server (aud and iss configured)', () => {
  const server = serverFor({ jwtAudience: AUDIENCE, jwtIssuer: ISSUER });
  let rsa: RsaKeys;
  const rejected = new Set<string>();

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    rsa = { privateKey, publicPem: await exportSPKI(publicKey) };
  });

  it('accepts a token with the right signature, aud and iss (so the refusals below mean something)', async () => {
    const token = await mintToken({
      subject: 'alice',
      secret: SECRET,
      audience: AUDIENCE,
      issuer: ISSUER,
    });
    const client = await connectReady(server(), token);
    client.send(chat('hello'));
    const frames = await client.until(isStreamEnd);
    expect(frames[0]).toMatchObject({ type: 'stream-start' });
    client.close();
    await client.waitClosed();
  });

  it.each(JWT_MATRIX)('%s: close 1008, no stream', async (name, makeToken, reason) => {
    await waitUntil(() => server().openConnections() === 0, 'earlier connections to close');
    const { frames, close } = await tryToChat(server(), await makeToken(rsa));
    expect(close).toEqual({ code: 1008, reason: 'unauthorized' });
    expect(frames.filter(isStreamFrame)).toEqual([]);
    // The existing behaviour, kept: one error frame saying why, before the close.
    expect(frames).toHaveLength(1);
    expect(frames[0]?.type === 'error' && frames[0].message).toMatch(
      new RegExp(`^Authentication failed: .*${reason}`),
    );
    expect(server().openConnections()).toBe(0);
    rejected.add(name);
  });

  it(`rejects ${JWT_MATRIX.length} of ${JWT_MATRIX.length}`, () => {
    console.info(
      `[figure] JWT matrix: ${rejected.size} of ${JWT_MATRIX.length} rejected with close 1008 and no stream frames`,
    );
    expect(rejected.size).toBe(JWT_MATRIX.length);
  });
});

describe('JWT aud and iss are only required when configured', () => {
  const server = serverFor({});

  it('a server without jwtAudience/jwtIssuer accepts tokens with any aud and iss, or none', async () => {
    for (const token of [
      await mintToken({ subject: 'a', secret: SECRET }),
      await mintToken({ subject: 'a', secret: SECRET, audience: 'whatever', issuer: 'whoever' }),
    ]) {
      const client = await connectReady(server(), token);
      client.close();
      await client.waitClosed();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Origin allow-list

/** The HTTP status an upgrade gets: 101 when it is accepted, the refusal's status otherwise. */
async function upgradeStatus(
  server: ReferenceServer,
  token: string,
  options: ClientOptions,
): Promise<number | undefined> {
  const socket = socketFor(server, token, options);
  socket.on('error', () => undefined);
  const status = await withTimeout(
    new Promise<number | undefined>((resolve) => {
      socket.on('upgrade', (response: IncomingMessage) => resolve(response.statusCode));
      socket.on('unexpected-response', (request: ClientRequest, response: IncomingMessage) => {
        resolve(response.statusCode);
        request.destroy();
      });
    }),
    TIMEOUT_MS,
    'the upgrade answer',
  );
  socket.terminate();
  return status;
}

describe('Origin allow-list', () => {
  const lines: string[] = [];
  const server = serverFor({
    allowedOrigins: ['http://localhost:5173', 'https://app.example.com/'],
    log: (line) => lines.push(line),
  });
  let token: string;

  beforeAll(async () => {
    token = await mintToken({ subject: 'olivia', secret: SECRET });
  });

  it.each(['http://localhost:5173', 'https://app.example.com'])('accepts %s', async (origin) => {
    const client = await connectReady(server(), token, { origin });
    client.send(ping());
    expect(await client.next()).toMatchObject({ type: 'pong' });
    client.close();
    await client.waitClosed();
  });

  it.each([
    ['a foreign origin', 'https://evil.example'],
    ['a look-alike suffix', 'http://localhost:5173.evil.example'],
    ['another port', 'http://localhost:5174'],
    ['another scheme', 'https://localhost:5173'],
    ['the opaque origin "null"', 'null'],
    ['a path after the origin', 'https://app.example.com/app'],
  ])('refuses %s with HTTP 403 before the upgrade', async (_name, origin) => {
    const attempts = server().attempts();
    expect(await upgradeStatus(server(), token, { origin })).toBe(403);
    expect(server().attempts()).toBe(attempts + 1);
    expect(server().openConnections()).toBe(0);
  });

  it('refuses a handshake with no Origin header at all (non-browser clients must send one)', async () => {
    expect(await upgradeStatus(server(), token, {})).toBe(403);
    expect(lines.some((line) => line.includes('403: origin missing not allowed'))).toBe(true);
  });

  it('accepts any origin when no allow-list is configured (the dev default)', async () => {
    const open = await startServer({ port: 0, jwtSecret: SECRET });
    try {
      const client = await connectReady(open, token, { origin: 'https://evil.example' });
      client.close();
      await client.waitClosed();
    } finally {
      await open.close();
    }
  });

  it('refuses to start with an entry that is not an http(s) origin', async () => {
    await expect(startServer({ port: 0, allowedOrigins: ['localhost:5173'] })).rejects.toThrow(
      /not an http/,
    );
    expect([...normalizeOrigins([' HTTP://LocalHost:5173/ '])]).toEqual(['http://localhost:5173']);
  });
});

// ---------------------------------------------------------------------------------------------
// Rate limit

/**
 * Sends `n` chats, then `pings` pings, and returns every frame until the last pong and the end
 * of every reply started. Frames are handled in order and a reply's stream-start (or the
 * rate-limit error) goes out as its chat arrives, so by the last pong each chat has been
 * answered or dropped.
 */
async function exchange(client: TestClient, n: number, pings = 1): Promise<ServerFrame[]> {
  for (let index = 0; index < n; index++) client.send(chat(`question ${index}`));
  for (let index = 0; index < pings; index++) client.send(ping());
  let pongs = 0;
  const frames = await client.until((frame) => frame.type === 'pong' && ++pongs === pings);
  let streaming = countOf(frames, 'stream-start') - countOf(frames, 'stream-end');
  if (streaming > 0)
    frames.push(...(await client.until((frame) => isStreamEnd(frame) && --streaming === 0)));
  return frames;
}

const countOf = (frames: ServerFrame[], type: ServerFrame['type']): number =>
  frames.filter((frame) => frame.type === type).length;

describe('rate limit, default 30 chat messages a minute per connection', () => {
  const server = serverFor({});

  it('answers 30, sends one error for the 31st and drops the 32nd unanswered', async () => {
    const token = await mintToken({ subject: 'rita', secret: SECRET });
    const client = await connectReady(server(), token);
    const all = await exchange(client, 32);
    expect(countOf(all, 'stream-start')).toBe(30);
    expect(countOf(all, 'error')).toBe(1);
    const error = all.find((frame) => frame.type === 'error');
    expect(error).toEqual({
      type: 'error',
      message: expect.stringMatching(
        /^Rate limit reached: at most 30 chat messages a minute\. Try again in \d+ s; messages sent before then are dropped\.$/,
      ),
      timestamp: expect.any(String),
    });
    console.info(
      `[figure] rate limit (default): 32 chats in a burst -> 30 replies, 1 error frame, 1 dropped`,
    );
    client.close();
  });
});

describe('rate limit with a fake clock (3 a minute)', () => {
  let clock = 1_000_000;
  const server = serverFor({ rateLimitPerMinute: 3, now: () => clock });

  it('refuses once with the wait, drops silently until the window passes, never counts pings', async () => {
    const token = await mintToken({ subject: 'sam', secret: SECRET });
    const client = await connectReady(server(), token);
    // Pings are neither counted nor limited: 10 of them with the 4 chats.
    let frames = await exchange(client, 4, 10);
    expect(countOf(frames, 'pong')).toBe(10);
    expect(countOf(frames, 'stream-start')).toBe(3);
    expect(frames.filter((frame) => frame.type === 'error')).toEqual([
      {
        type: 'error',
        message:
          'Rate limit reached: at most 3 chat messages a minute. Try again in 60 s; messages sent before then are dropped.',
        timestamp: expect.any(String),
      },
    ]);

    clock += 59_999;
    frames = await exchange(client, 2, 5);
    // Both chats dropped, no second error; the pings still answered.
    expect(frames.map((frame) => frame.type)).toEqual(Array(5).fill('pong'));

    clock += 1;
    frames = await exchange(client, 1);
    expect(frames[0]?.type).toBe('stream-start');
    expect(countOf(frames, 'stream-end')).toBe(1);
    expect(countOf(frames, 'error')).toBe(0);
    console.info(
      '[figure] rate limit (3/min, fake clock): 4th chat -> 1 error "Try again in 60 s"; chats at +59.999 s dropped silently; at +60 s answered again; 16 pings all answered',
    );
    client.close();
  });

  it('counts per connection, not per user', async () => {
    const token = await mintToken({ subject: 'sam', secret: SECRET });
    const first = await connectReady(server(), token);
    const second = await connectReady(server(), token);
    expect(countOf(await exchange(first, 3), 'stream-start')).toBe(3);
    expect(countOf(await exchange(second, 3), 'stream-start')).toBe(3);
    first.close();
    second.close();
  });
});

describe('rate limit off (rateLimitPerMinute: 0)', () => {
  const server = serverFor({ rateLimitPerMinute: 0 });

  it('answers every chat', async () => {
    const client = await connectReady(server(), await mintToken({ subject: 'u', secret: SECRET }));
    const frames = await exchange(client, 40);
    expect(countOf(frames, 'stream-start')).toBe(40);
    expect(countOf(frames, 'error')).toBe(0);
    client.close();
  });
});

// ---------------------------------------------------------------------------------------------
// Connections per user

describe('frames of any kind, default 600 a minute per connection', () => {
  const lines: string[] = [];
  const server = serverFor({ log: (line) => lines.push(line) });

  it('answers 600 pings and closes the connection on the 601st frame with 1008', async () => {
    const client = await connectReady(
      server(),
      await mintToken({ subject: 'flood', secret: SECRET }),
    );
    for (let index = 0; index < 650; index++) client.send(ping());
    const closed = await client.waitClosed();
    const pongs = client.queue.filter((frame) => frame.type === 'pong').length;
    console.info(
      `[figure] frame flood: 650 pings sent, ${pongs} answered, then close ${closed.code} '${closed.reason}'`,
    );
    expect(closed.code).toBe(1008);
    expect(closed.reason).toBe('too many frames');
    expect(pongs).toBe(600);
    expect(lines.filter((line) => line.includes('frames a minute'))).toHaveLength(1);
  });
});

describe('connections per user', () => {
  const server = serverFor({ maxConnectionsPerUser: 2 });

  async function refused(token: string): Promise<void> {
    const client = await connect(server(), token);
    expect(await client.waitClosed()).toEqual({ code: 1013, reason: 'too many connections' });
    // No frames at all: an error frame then a close would read as "token refused" to the widget.
    expect(client.queue).toEqual([]);
  }

  it('refuses the connection over the cap with 1013, other users unaffected, a slot freed on close', async () => {
    const alice = await mintToken({ subject: 'alice', secret: SECRET });
    const one = await connectReady(server(), alice);
    const two = await connectReady(server(), alice);
    await refused(alice);
    await refused(await mintToken({ subject: 'alice', secret: SECRET, expiresInSeconds: 60 }));
    const bob = await connectReady(server(), await mintToken({ subject: 'bob', secret: SECRET }));
    expect(server().openConnections()).toBe(3);
    one.close();
    await one.waitClosed();
    await waitUntil(() => server().openConnections() === 2, 'the server to see the close');
    const three = await connectReady(server(), alice);
    for (const client of [two, three, bob]) client.close();
  });

  it('caps a token without sub on its own (not one bucket shared by every such token)', async () => {
    await waitUntil(() => server().openConnections() === 0, 'earlier connections to close');
    const anonymous = await mintToken({ secret: SECRET });
    const other = await mintToken({ secret: SECRET, expiresInSeconds: 120 });
    const clients = [
      await connectReady(server(), anonymous),
      await connectReady(server(), anonymous),
    ];
    await refused(anonymous);
    clients.push(await connectReady(server(), other));
    for (const client of clients) client.close();
  });

  it('defaults to 5', async () => {
    const open = await startServer({ port: 0, jwtSecret: SECRET });
    try {
      const token = await mintToken({ subject: 'tabby', secret: SECRET });
      const clients: TestClient[] = [];
      for (let index = 0; index < 5; index++) clients.push(await connectReady(open, token));
      const sixth = await connect(open, token);
      expect((await sixth.waitClosed()).code).toBe(1013);
      console.info('[figure] connections per user (default): 5 accepted, the 6th closed with 1013');
    } finally {
      await open.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Backpressure

/** Heap plus buffers: what a growing send queue would show up in. */
function memoryBytes(): number {
  const { heapUsed, external, arrayBuffers } = process.memoryUsage();
  return heapUsed + external + arrayBuffers;
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

describe('backpressure: a client that stops reading', () => {
  const TOKEN_TEXT = `${'x'.repeat(1023)} `;
  /** Stops a broken server from eating all memory: about 150 MB of tokens at most. */
  const MAX_TOKENS = 150_000;
  let produced = 0;
  let finished: 'aborted' | 'ran out' | undefined;

  /** As fast as the event loop allows, 1 KiB a token: far faster than any socket drains a stalled client. */
  const firehose: Responder = async function* ({ signal }) {
    try {
      while (produced < MAX_TOKENS && !signal.aborted) {
        await nextTurn();
        produced += 1;
        yield TOKEN_TEXT;
      }
    } finally {
      finished = signal.aborted ? 'aborted' : 'ran out';
    }
  };
  const server = serverFor({ responder: firehose });

  it('pauses the reply at the high-water mark: the send buffer and memory stay bounded', async () => {
    const client = await RawClient.open(
      server(),
      await mintToken({ subject: 'slow', secret: SECRET }),
    );
    client.pauseReading();
    const memoryBefore = memoryBytes();
    client.sendText(JSON.stringify(chat('tell me everything')));

    let peakBuffered = 0;
    let peakMemory = memoryBefore;
    // Watched until the responder has not been asked for a token in 500 ms (paused), however
    // long the kernel's buffers take to fill on a busy machine.
    let lastProduced = -1;
    let unchangedSince = Date.now();
    const started = Date.now();
    while (Date.now() - unchangedSince < 500 && Date.now() - started < 10_000) {
      await sleep(10);
      peakBuffered = Math.max(peakBuffered, server().bufferedBytes());
      peakMemory = Math.max(peakMemory, memoryBytes());
      if (produced !== lastProduced) {
        lastProduced = produced;
        unchangedSince = Date.now();
      }
    }
    const pausedAt = produced;
    await sleep(300);
    const growth = peakMemory - memoryBefore;
    console.info(
      `[figure] backpressure: peak server bufferedAmount ${peakBuffered} bytes (high-water 65536); ` +
        `${produced} tokens of 1 KiB produced (~${mib(produced * 1100)} absorbed by kernel buffers) then paused; ` +
        `memory growth ${mib(growth)}`,
    );
    expect(produced).toBeGreaterThan(0);
    expect(peakBuffered).toBeLessThanOrEqual(64 * 1024 + 2 * 1024);
    expect(produced).toBe(pausedAt); // paused: the responder is not asked for more
    expect(produced).toBeLessThan(MAX_TOKENS);
    expect(finished).toBeUndefined();
    expect(growth).toBeLessThan(64 * 1024 * 1024);

    client.destroy();
    await waitUntil(() => finished !== undefined, 'the paused reply to be aborted');
    expect(finished).toBe('aborted');
    expect(server().openConnections()).toBe(0);
  });
});

describe('backpressure: a client that never reads again is let go', () => {
  const lines: string[] = [];
  const STALL_MS = 400;
  const firehose: Responder = async function* ({ signal }) {
    while (!signal.aborted) {
      await nextTurn();
      yield `${'y'.repeat(1023)} `;
    }
  };
  const server = serverFor({
    responder: firehose,
    sendStallTimeoutMs: STALL_MS,
    log: (line) => lines.push(line),
  });

  it('terminates it once a reply has waited the stall timeout', async () => {
    const client = await RawClient.open(
      server(),
      await mintToken({ subject: 'frozen', secret: SECRET }),
    );
    client.pauseReading();
    const started = Date.now();
    client.sendText(JSON.stringify(chat('tell me everything')));
    await waitUntil(() => server().openConnections() === 0, 'the stalled client to be let go');
    const waited = Date.now() - started;
    console.info(
      `[figure] stall timeout ${STALL_MS} ms: a client reading nothing was cut after ${waited} ms`,
    );
    expect(waited).toBeGreaterThanOrEqual(STALL_MS);
    expect(lines.some((line) => line.includes(`read nothing for ${STALL_MS} ms`))).toBe(true);
    client.destroy();
  });
});

describe('backpressure: output nothing paces (pongs) hits the hard limit', () => {
  const lines: string[] = [];
  const LIMIT = 256 * 1024;
  // The frame limit would close this client long before its buffer fills: off here.
  const server = serverFor({
    sendBufferLimitBytes: LIMIT,
    maxFramesPerMinute: 0,
    log: (line) => lines.push(line),
  });

  it('terminates a client that keeps pinging but never reads', async () => {
    const client = await RawClient.open(
      server(),
      await mintToken({ subject: 'pinger', secret: SECRET }),
    );
    client.pauseReading();
    await waitUntil(() => server().openConnections() === 1, 'the connection to register');
    const burst = Buffer.concat(
      Array.from({ length: 2000 }, () => maskedTextFrame(JSON.stringify(ping()))),
    );
    let peakBuffered = 0;
    let pings = 0;
    const started = Date.now();
    while (server().openConnections() > 0 && pings < 400_000 && Date.now() - started < 8000) {
      if (!client.socket.destroyed) client.socket.write(burst);
      pings += 2000;
      await sleep(1);
      peakBuffered = Math.max(peakBuffered, server().bufferedBytes());
    }
    const termination = lines.find((line) => line.includes('terminated:'));
    console.info(
      `[figure] hard limit: ${pings} pings sent without reading; peak sampled bufferedAmount ${peakBuffered} bytes (limit ${LIMIT}); ${Date.now() - started} ms; server log: ${termination}`,
    );
    expect(server().openConnections()).toBe(0);
    expect(peakBuffered).toBeLessThanOrEqual(LIMIT + 1024);
    expect(lines.some((line) => /terminated: \d+ bytes unsent/.test(line))).toBe(true);
    client.destroy();
  });
});

// ---------------------------------------------------------------------------------------------
// Log redaction

describe('log redaction over a full session', () => {
  const lines: string[] = [];
  const BODY = 'zebra-quartz-8841';
  const server = serverFor({
    jwtAudience: AUDIENCE,
    rateLimitPerMinute: 2,
    allowedOrigins: ['http://localhost:5173'],
    log: (line) => lines.push(line),
  });
  const origin = { origin: 'http://localhost:5173' };

  it('never logs a token, a part of one, or anything the user wrote', async () => {
    const good = await mintToken({ subject: 'dave', secret: SECRET, audience: AUDIENCE });
    const forged = await mintToken({ subject: 'dave', secret: 'forged', audience: AUDIENCE });
    const wrongAudience = await mintToken({ subject: 'dave', secret: SECRET, audience: 'x' });
    const secrets = [good, forged, wrongAudience, SECRET];

    const client = await connectReady(server(), good, origin);
    client.send(chat(`${BODY} chat`));
    await client.until(isStreamEnd);
    client.send({ type: 'human-escalation', reason: `${BODY} reason`, timestamp: timestamp() });
    await client.next();
    for (const rejectedFrame of [
      { type: `${BODY}-type`, content: BODY },
      { type: 'chat', content: `${BODY} without timestamp` },
      `{"type":"chat","content":"${BODY} cut off`,
      [BODY],
    ]) {
      client.send(rejectedFrame);
      expect(await client.next()).toMatchObject({ type: 'error' });
    }
    client.socket.send(Buffer.from(BODY), { binary: true });
    await client.next();
    // Rate limited: the third and fourth chats, the first of which is answered with an error.
    client.send(chat(`${BODY} again`));
    client.send(chat(`${BODY} once more`));
    client.send(chat(`${BODY} and again`));
    await client.until((frame) => frame.type === 'error');

    for (const bad of [forged, wrongAudience, `${BODY}.${BODY}.${BODY}`]) {
      const rejected = await connect(server(), bad, origin);
      await rejected.waitClosed();
    }
    const oversized = await connectReady(server(), good, origin);
    oversized.send(chat(BODY.repeat(5000)));
    expect((await oversized.waitClosed()).code).toBe(1009);
    client.close();
    await client.waitClosed();
    await waitUntil(() => server().openConnections() === 0, 'the closes to be logged');

    const log = lines.join('\n');
    // The log is not empty of the events that matter, or the check below would prove nothing.
    for (const event of [
      'connected (subject "dave")',
      '<- chat',
      '<- human-escalation',
      'rejected frame: Unsupported message type',
      'rate limited',
      'rejected: bad signature',
      'rejected: invalid aud claim',
      'rejected: malformed token',
      'socket error',
      'closed (1005)',
    ])
      expect(log).toContain(event);
    const forbidden = [
      BODY,
      'token=',
      ...secrets,
      ...secrets.flatMap((token) => token.split('.')).filter((part) => part.length > 0),
    ];
    const leaks = lines.filter((line) => forbidden.some((text) => line.includes(text)));
    console.info(
      `[figure] log redaction: ${lines.length} log lines checked against ${forbidden.length} forbidden strings (tokens, their parts, the secret, the message body): ${leaks.length} leaks`,
    );
    expect(leaks).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Settings from the environment

describe('hardening settings from the environment', () => {
  it('reads each variable, trims it, and leaves unset or blank ones out', () => {
    expect(
      hardeningFromEnv({
        CHATWIRE_JWT_AUDIENCE: ' widget ',
        CHATWIRE_JWT_ISSUER: 'https://auth.example.com',
        CHATWIRE_ALLOWED_ORIGINS: 'http://localhost:5173, https://app.example.com/ ,',
        CHATWIRE_RATE_LIMIT_PER_MINUTE: '10',
        CHATWIRE_MAX_FRAMES_PER_MINUTE: '120',
        CHATWIRE_MAX_CONNECTIONS_PER_USER: '0',
      }),
    ).toEqual({
      ok: true,
      settings: {
        jwtAudience: 'widget',
        jwtIssuer: 'https://auth.example.com',
        allowedOrigins: ['http://localhost:5173', 'https://app.example.com'],
        rateLimitPerMinute: 10,
        maxFramesPerMinute: 120,
        maxConnectionsPerUser: 0,
      },
    });
    expect(hardeningFromEnv({ CHATWIRE_JWT_AUDIENCE: '  ', CHATWIRE_ALLOWED_ORIGINS: '' })).toEqual(
      {
        ok: true,
        settings: {},
      },
    );
  });

  it.each([
    [
      { CHATWIRE_RATE_LIMIT_PER_MINUTE: 'lots' },
      /CHATWIRE_RATE_LIMIT_PER_MINUTE must be a whole number/,
    ],
    [{ CHATWIRE_MAX_CONNECTIONS_PER_USER: '-1' }, /CHATWIRE_MAX_CONNECTIONS_PER_USER must be/],
    [{ CHATWIRE_MAX_CONNECTIONS_PER_USER: '2.5' }, /CHATWIRE_MAX_CONNECTIONS_PER_USER must be/],
    [{ CHATWIRE_ALLOWED_ORIGINS: 'localhost:5173' }, /CHATWIRE_ALLOWED_ORIGINS: .*not an http/],
    [{ CHATWIRE_ALLOWED_ORIGINS: ' , ' }, /CHATWIRE_ALLOWED_ORIGINS lists no origin/],
  ])('refuses %o', (env, error) => {
    const result = hardeningFromEnv(env);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(error);
  });

  it('startServer refuses a limit that is not a whole number', async () => {
    await expect(startServer({ port: 0, rateLimitPerMinute: -1 })).rejects.toThrow(RangeError);
    await expect(startServer({ port: 0, maxConnectionsPerUser: 1.5 })).rejects.toThrow(RangeError);
  });
});
