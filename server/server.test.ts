import type { ClientRequest, IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DEV_JWT_SECRET, mintToken, resolveJwtSecret, verifyToken } from './auth.ts';
import { type ReferenceServer, startServer } from './index.ts';
import {
  createDemoResponder,
  demoReplyText,
  type Responder,
  splitIntoTokens,
} from './responder.ts';
import {
  connect,
  connectReady,
  isStreamEnd,
  lastConnectionId,
  socketFor,
  TIMEOUT_MS,
  timestamp,
  tokensOf,
  unsignedToken,
  waitUntil,
  withTimeout,
} from './test-support.ts';

const SECRET = 'test-secret-for-chatwire-server-tests';

async function hs512Token(secret: string): Promise<string> {
  const { SignJWT } = await import('jose');
  return new SignJWT({ sub: 'mallory' })
    .setProtectedHeader({ alg: 'HS512' })
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));
}

// ---------------------------------------------------------------------------------------------
// auth.ts

describe('auth', () => {
  it('accepts a token it minted and returns the subject', async () => {
    const token = await mintToken({ subject: 'alice', secret: SECRET });
    expect(await verifyToken(token, SECRET)).toEqual({ ok: true, subject: 'alice' });
  });

  it('accepts a token without a subject', async () => {
    const token = await mintToken({ secret: SECRET });
    expect(await verifyToken(token, SECRET)).toEqual({ ok: true, subject: undefined });
  });

  it.each([
    ['a missing token', async () => null, 'missing token'],
    ['an empty token', async () => '', 'missing token'],
    [
      'an expired token',
      () => mintToken({ subject: 'a', secret: SECRET, expiresInSeconds: -60 }),
      'token expired',
    ],
    [
      'another secret',
      () => mintToken({ subject: 'a', secret: 'some-other-secret' }),
      'bad signature',
    ],
    ['no exp claim', () => hs256WithoutExp(), 'missing exp claim'],
    ['HS512', () => hs512Token(SECRET), 'algorithm not allowed (expected HS256)'],
    [
      'alg none',
      async () => unsignedToken({ alg: 'none' }, { sub: 'a', exp: 9999999999 }),
      'algorithm not allowed (expected HS256)',
    ],
    ['garbage', async () => 'not.a.jwt', 'malformed token'],
  ])('rejects %s with a reason', async (_name, makeToken, reason) => {
    const token = await makeToken();
    const result = await verifyToken(token, SECRET);
    expect(result).toEqual({ ok: false, reason });
  });

  it('never echoes the token in the reason', async () => {
    const token = await mintToken({ subject: 'alice', secret: 'wrong-secret' });
    const result = await verifyToken(token, SECRET);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).not.toContain(token);
      for (const part of token.split('.')) expect(result.reason).not.toContain(part);
    }
  });

  it('resolves the secret from CHATWIRE_JWT_SECRET, falling back to the flagged dev secret', () => {
    expect(resolveJwtSecret({ CHATWIRE_JWT_SECRET: 's3cret' })).toEqual({
      secret: 's3cret',
      isDevDefault: false,
    });
    expect(resolveJwtSecret({})).toEqual({ secret: DEV_JWT_SECRET, isDevDefault: true });
    expect(resolveJwtSecret({ CHATWIRE_JWT_SECRET: '  ' })).toEqual({
      secret: DEV_JWT_SECRET,
      isDevDefault: true,
    });
    expect(DEV_JWT_SECRET.toLowerCase()).toContain('dev');
  });
});

async function hs256WithoutExp(): Promise<string> {
  const { SignJWT } = await import('jose');
  return new SignJWT({ sub: 'a' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .sign(new TextEncoder().encode(SECRET));
}

// ---------------------------------------------------------------------------------------------
// responder.ts

async function collect(
  iterable: AsyncIterable<string>,
  stopAfter?: { count: number; controller: AbortController },
): Promise<string[]> {
  const tokens: string[] = [];
  for await (const token of iterable) {
    tokens.push(token);
    if (stopAfter && tokens.length === stopAfter.count) stopAfter.controller.abort();
  }
  return tokens;
}

describe('demo responder', () => {
  const respond = createDemoResponder({ tokenDelayMs: 0 });

  it('streams words whose concatenation is exactly the reply text', async () => {
    const tokens = await collect(
      respond({
        content: 'What is chatwire?',
        connectionId: 1,
        subject: undefined,
        signal: new AbortController().signal,
      }),
    );
    expect(tokens.join('')).toBe(demoReplyText('What is chatwire?'));
    expect(tokens[0]).toBe('You ');
    for (const token of tokens) expect(token).toMatch(/^\S+\s*$/);
  });

  it('echoes the question, cut to 80 characters on one line', () => {
    expect(demoReplyText('hi')).toBe(
      'You asked: "hi". Here is a **demo** answer from the chatwire reference server:\n\n- point one\n- point two\n\nAsk me anything else.',
    );
    const echo = /You asked: "(.*)"\./.exec(demoReplyText(`${'x'.repeat(200)}\nmore`))?.[1] ?? '';
    expect(Array.from(echo)).toHaveLength(80);
    expect(echo.endsWith('…')).toBe(true);
    expect(demoReplyText('two\nlines')).toContain('"two lines"');
  });

  it('splits any text into tokens that join back to it', () => {
    for (const text of ['', '   ', '  leading', 'a b  c\n\nd ', 'one'])
      expect(splitIntoTokens(text).join('')).toBe(text);
  });

  it('stops as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const tokens = await collect(
      respond({ content: 'q', connectionId: 1, subject: undefined, signal: controller.signal }),
      { count: 3, controller },
    );
    expect(tokens).toHaveLength(3);
  });

  it('stops during a long delay when aborted', async () => {
    const slow = createDemoResponder({ tokenDelayMs: 10_000 });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    const tokens = await collect(
      slow({ content: 'q', connectionId: 1, subject: undefined, signal: controller.signal }),
    );
    expect(tokens).toEqual(['You ']);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('waits tokenDelayMs between tokens', async () => {
    const paced = createDemoResponder({ tokenDelayMs: 15 });
    const started = Date.now();
    const tokens = await collect(
      paced({
        content: 'q',
        connectionId: 1,
        subject: undefined,
        signal: new AbortController().signal,
      }),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual((tokens.length - 1) * 15 - 5);
  });
});

// ---------------------------------------------------------------------------------------------
// The server, with the demo responder and no token delay

describe('reference server', () => {
  let server: ReferenceServer;
  let token: string;

  beforeAll(async () => {
    server = await startServer({ port: 0, tokenDelayMs: 0, jwtSecret: SECRET });
    token = await mintToken({ subject: 'alice', secret: SECRET });
  });

  afterAll(async () => {
    await server.close();
  });

  afterEach(() => {
    server.faults.setSilent(false);
    server.faults.setRefuseNew(false);
    server.faults.setCloseAfterAccept(false);
    server.faults.setDropAfterTokens(null);
  });

  it('listens on a loopback URL with the bound port', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`ws://127.0.0.1:${server.port}`);
  });

  it('greets a valid token with a connection frame', async () => {
    const client = await connect(server, token);
    const frame = await client.next();
    expect(frame).toEqual({
      type: 'connection',
      message: 'Connected to chatbot server',
      timestamp: expect.any(String),
    });
    expect(new Date(frame.timestamp).toISOString()).toBe(frame.timestamp);
    client.close();
  });

  // Refused tokens (error frame, then close 1008, no stream) are in hardening.test.ts's JWT matrix.

  it('streams a chat reply: start, tokens, end under one messageId', async () => {
    const client = await connectReady(server, token);
    client.send({ type: 'chat', content: 'Hello there', timestamp: timestamp() });
    const frames = await client.until(isStreamEnd);
    const [start, ...rest] = frames;
    expect(start).toMatchObject({
      type: 'stream-start',
      messageId: expect.stringMatching(/^msg_\w+$/),
    });
    const messageId = start?.type === 'stream-start' ? start.messageId : '';
    expect(rest.at(-1)).toMatchObject({ type: 'stream-end', messageId });
    const tokenFrames = rest.slice(0, -1);
    expect(tokenFrames.length).toBeGreaterThan(5);
    for (const frame of tokenFrames)
      expect(frame).toMatchObject({
        type: 'stream-token',
        messageId,
        timestamp: expect.any(String),
      });
    expect(tokensOf(frames, messageId)).toBe(demoReplyText('Hello there'));
    client.close();
  });

  it('numbers replies msg_1, msg_2 on each connection when asked to', async () => {
    const numbering = await startServer({
      port: 0,
      tokenDelayMs: 0,
      jwtSecret: SECRET,
      messageIds: 'per-connection',
    });
    try {
      const idsOfTwoReplies = async (): Promise<string[]> => {
        const client = await connectReady(numbering, token);
        const ids: string[] = [];
        for (const question of ['one', 'two']) {
          client.send({ type: 'chat', content: question, timestamp: timestamp() });
          const [start] = await client.until(isStreamEnd);
          if (start?.type === 'stream-start') ids.push(start.messageId);
        }
        client.close();
        return ids;
      };
      expect(await idsOfTwoReplies()).toEqual(['msg_1', 'msg_2']);
      // A new socket starts counting again: the ids only name replies on one connection.
      expect(await idsOfTwoReplies()).toEqual(['msg_1', 'msg_2']);
    } finally {
      await numbering.close();
    }
  });

  it('refuses an unknown message id scheme', async () => {
    await expect(
      // @ts-expect-error: a JavaScript caller can pass anything
      startServer({ port: 0, jwtSecret: SECRET, messageIds: 'sequential' }),
    ).rejects.toThrow(/messageIds must be 'random' or 'per-connection'/);
  });

  it('answers ping with pong', async () => {
    const client = await connectReady(server, token);
    client.send({ type: 'ping', timestamp: timestamp() });
    expect(await client.next()).toEqual({ type: 'pong', timestamp: expect.any(String) });
    client.close();
  });

  it('answers human-escalation with the escalation message', async () => {
    const client = await connectReady(server, token);
    client.send({
      type: 'human-escalation',
      reason: 'Need human assistance',
      timestamp: timestamp(),
    });
    expect(await client.next()).toEqual({
      type: 'human-escalation-response',
      message: 'A human agent will contact you soon.',
      timestamp: expect.any(String),
    });
    client.close();
  });

  describe('reports malformed frames and keeps the connection open', () => {
    it.each([
      ['invalid JSON', 'not json{', 'Invalid message: not valid JSON'],
      [
        'a JSON array',
        '[1,2]',
        "Invalid message: expected a JSON object with a 'type' field, got array",
      ],
      [
        'a JSON string',
        '"chat"',
        "Invalid message: expected a JSON object with a 'type' field, got string",
      ],
      [
        'no type',
        { content: 'x' },
        "Missing field 'type' (string): expected chat, human-escalation or ping",
      ],
      ['a numeric type', { type: 7 }, "Field 'type' must be a string, got number"],
      [
        'an unknown type',
        { type: 'foo', timestamp: 't' },
        "Unsupported message type 'foo': expected chat, human-escalation or ping",
      ],
      [
        'an inherited property as type',
        { type: 'toString' },
        "Unsupported message type 'toString': expected chat, human-escalation or ping",
      ],
      [
        'a chat without content',
        { type: 'chat', timestamp: 't' },
        "Missing field 'content' (string) in 'chat' message",
      ],
      [
        'a chat with numeric content',
        { type: 'chat', content: 42, timestamp: 't' },
        "Field 'content' in 'chat' message must be a string, got number",
      ],
      [
        'a chat without timestamp',
        { type: 'chat', content: 'x' },
        "Missing field 'timestamp' (string) in 'chat' message",
      ],
      [
        'an escalation without reason',
        { type: 'human-escalation', timestamp: 't' },
        "Missing field 'reason' (string) in 'human-escalation' message",
      ],
      [
        'a ping with a null timestamp',
        { type: 'ping', timestamp: null },
        "Field 'timestamp' in 'ping' message must be a string, got null",
      ],
    ])('%s', async (_name, payload, message) => {
      const client = await connectReady(server, token);
      client.send(payload);
      expect(await client.next()).toEqual({
        type: 'error',
        message,
        timestamp: expect.any(String),
      });
      client.send({ type: 'ping', timestamp: timestamp() });
      expect(await client.next()).toMatchObject({ type: 'pong' });
      client.close();
    });

    it('a binary frame', async () => {
      const client = await connectReady(server, token);
      client.socket.send(Buffer.from(JSON.stringify({ type: 'ping', timestamp: timestamp() })), {
        binary: true,
      });
      const frame = await client.next();
      expect(frame).toMatchObject({
        type: 'error',
        message: expect.stringContaining('Binary frames are not supported'),
      });
      client.send({ type: 'ping', timestamp: timestamp() });
      expect(await client.next()).toMatchObject({ type: 'pong' });
      client.close();
    });

    it('truncates and escapes a huge or multi-line unknown type in the error', async () => {
      const client = await connectReady(server, token);
      client.send({ type: `evil\ntype${'x'.repeat(500)}` });
      const frame = await client.next();
      const message = frame.type === 'error' ? frame.message : '';
      expect(message).not.toContain('\n');
      expect(message.length).toBeLessThan(120);
      client.close();
    });
  });

  it('closes with 1009 when a frame exceeds 64 KiB', async () => {
    const client = await connectReady(server, token);
    client.send({ type: 'chat', content: 'x'.repeat(64 * 1024), timestamp: timestamp() });
    expect((await client.waitClosed()).code).toBe(1009);
  });

  it('accepts a frame just under 64 KiB', async () => {
    const client = await connectReady(server, token);
    const frame = { type: 'ping', timestamp: timestamp(), padding: '' };
    frame.padding = 'x'.repeat(64 * 1024 - JSON.stringify(frame).length);
    client.send(frame);
    expect(await client.next()).toMatchObject({ type: 'pong' });
    client.close();
  });

  it('records received frames in order, raw and parsed', async () => {
    const client = await connectReady(server, token);
    const id = lastConnectionId(server);
    const ping = JSON.stringify({ type: 'ping', timestamp: timestamp() });
    const chat = JSON.stringify({ type: 'chat', content: 'log me', timestamp: timestamp() });
    server.clearLogs();
    expect(server.received).toEqual([]);
    expect(server.sent).toEqual([]);
    client.send(ping);
    client.send('oops');
    client.send(chat);
    await client.until((frame) => frame.type === 'pong');
    await client.until((frame) => frame.type === 'error');
    await client.until(isStreamEnd);
    const mine = server.received.filter((entry) => entry.connectionId === id);
    expect(mine.map((entry) => entry.data)).toEqual([ping, 'oops', chat]);
    expect(mine.map((entry) => entry.frame)).toEqual([
      JSON.parse(ping),
      undefined,
      JSON.parse(chat),
    ]);
    expect(mine.every((entry) => new Date(entry.at).toISOString() === entry.at)).toBe(true);
    const sentTypes = server.sent
      .filter((entry) => entry.connectionId === id)
      .map((entry) => entry.frame.type);
    expect(sentTypes.slice(0, 3)).toEqual(['pong', 'error', 'stream-start']);
    expect(sentTypes.at(-1)).toBe('stream-end');
    client.close();
  });

  it('counts upgrade attempts and open connections', async () => {
    await waitUntil(() => server.openConnections() === 0, 'earlier connections to close');
    const attempts = server.attempts();
    const a = await connectReady(server, token);
    const b = await connectReady(server, token);
    const rejected = await connect(server, 'bad');
    await rejected.waitClosed();
    expect(server.attempts()).toBe(attempts + 3);
    expect(server.openConnections()).toBe(2);
    a.close();
    await a.waitClosed();
    await waitUntil(() => server.openConnections() === 1, 'one connection to remain');
    b.close();
  });

  describe('faults', () => {
    it('dropAll terminates every socket without a close frame (1006)', async () => {
      const a = await connectReady(server, token);
      const b = await connectReady(server, token);
      server.faults.dropAll();
      expect((await a.waitClosed()).code).toBe(1006);
      expect((await b.waitClosed()).code).toBe(1006);
      await waitUntil(() => server.openConnections() === 0, 'the server to notice the drops');
    });

    it('closeAll closes cleanly with the given code and reason, 1001 by default', async () => {
      const a = await connectReady(server, token);
      server.faults.closeAll(4000, 'maintenance');
      expect(await a.waitClosed()).toEqual({ code: 4000, reason: 'maintenance' });
      const b = await connectReady(server, token);
      server.faults.closeAll();
      expect((await b.waitClosed()).code).toBe(1001);
    });

    it('setSilent keeps the socket open but sends nothing, and discards what it would have sent', async () => {
      const client = await connectReady(server, token);
      const id = lastConnectionId(server);
      server.faults.setSilent(true);
      const ping = JSON.stringify({ type: 'ping', timestamp: timestamp() });
      const chat = JSON.stringify({ type: 'chat', content: 'anyone?', timestamp: timestamp() });
      client.send(ping);
      client.send(chat);
      await client.expectNothingFor(300);
      // Input is still recorded while silent.
      const received = server.received
        .filter((entry) => entry.connectionId === id)
        .map((entry) => entry.data);
      expect(received.slice(-2)).toEqual([ping, chat]);
      expect(client.socket.readyState).toBe(WebSocket.OPEN);
      const quiet = await connect(server, token);
      await quiet.expectNothingFor(100);
      server.faults.setSilent(false);
      client.send({ type: 'ping', timestamp: timestamp() });
      expect(await client.next()).toMatchObject({ type: 'pong' });
      await client.expectNothingFor(100);
      client.close();
      quiet.close();
    });

    it('setRefuseNew answers upgrades with HTTP 503 and leaves open sockets alone', async () => {
      const open = await connectReady(server, token);
      const attempts = server.attempts();
      server.faults.setRefuseNew(true);
      const socket = socketFor(server, token);
      const status = await withTimeout(
        new Promise<number | undefined>((resolve) => {
          socket.on('unexpected-response', (request: ClientRequest, response: IncomingMessage) => {
            resolve(response.statusCode);
            request.destroy();
          });
        }),
        TIMEOUT_MS,
        'the refused upgrade',
      );
      socket.on('error', () => undefined);
      expect(status).toBe(503);
      expect(server.attempts()).toBe(attempts + 1);
      open.send({ type: 'ping', timestamp: timestamp() });
      expect(await open.next()).toMatchObject({ type: 'pong' });
      server.faults.setRefuseNew(false);
      const later = await connectReady(server, token);
      later.close();
      open.close();
    });

    it('setCloseAfterAccept sends the connection frame, then closes with 1011', async () => {
      server.faults.setCloseAfterAccept(true);
      const client = await connect(server, token);
      expect(await client.next()).toMatchObject({ type: 'connection' });
      expect((await client.waitClosed()).code).toBe(1011);
    });

    it('setDropAfterTokens(2) drops the connection after exactly two tokens', async () => {
      const client = await connectReady(server, token);
      server.faults.setDropAfterTokens(2);
      client.send({ type: 'chat', content: 'drop me', timestamp: timestamp() });
      expect((await client.waitClosed()).code).toBe(1006);
      expect(client.queue.map((frame) => frame.type)).toEqual([
        'stream-start',
        'stream-token',
        'stream-token',
      ]);
    });

    it('setDropAfterTokens rejects nonsense', () => {
      expect(() => server.faults.setDropAfterTokens(-1)).toThrow(RangeError);
      expect(() => server.faults.setDropAfterTokens(1.5)).toThrow(RangeError);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Concurrency and custom responders, each on a server of its own (logging: hardening.test.ts)

describe('reference server with a paced responder', () => {
  let server: ReferenceServer;
  let token: string;

  beforeAll(async () => {
    // A small delay so two replies are certainly in flight together.
    server = await startServer({ port: 0, tokenDelayMs: 5, jwtSecret: SECRET });
    token = await mintToken({ subject: 'bob', secret: SECRET });
  });

  afterAll(() => server.close());

  it('streams two chats on one connection concurrently and independently', async () => {
    const client = await connectReady(server, token);
    client.send({ type: 'chat', content: 'first question', timestamp: timestamp() });
    client.send({ type: 'chat', content: 'second question', timestamp: timestamp() });
    let ends = 0;
    const frames = await client.until((frame) => isStreamEnd(frame) && ++ends === 2);
    const ids = frames.flatMap((frame) => (frame.type === 'stream-start' ? [frame.messageId] : []));
    expect(ids).toHaveLength(2);
    const [first = '', second = ''] = ids;
    expect(first).not.toBe(second);
    expect(tokensOf(frames, first)).toBe(demoReplyText('first question'));
    expect(tokensOf(frames, second)).toBe(demoReplyText('second question'));
    const positions = (id: string): number[] =>
      frames.flatMap((frame, index) =>
        frame.type === 'stream-token' && frame.messageId === id ? [index] : [],
      );
    // Interleaved: the second reply's first token comes before the first reply's last token.
    expect(Math.min(...positions(second))).toBeLessThan(Math.max(...positions(first)));
    client.close();
  });
});

describe('reference server with a scripted responder', () => {
  let server: ReferenceServer;
  let token: string;
  let markAborted: (content: string) => void = () => undefined;
  const aborted = new Promise<string>((resolve) => {
    markAborted = resolve;
  });

  const responder: Responder = async function* ({ content, signal }) {
    if (content === 'boom') {
      yield 'partial ';
      throw new Error('secret internal failure');
    }
    yield 'waiting ';
    await new Promise<void>((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    markAborted(content);
  };

  beforeAll(async () => {
    server = await startServer({
      port: 0,
      responder,
      jwtSecret: SECRET,
      connectionMessage: 'hi',
      escalationMessage: 'soon',
    });
    token = await mintToken({ subject: 'carol', secret: SECRET });
  });

  afterAll(() => server.close());

  it('uses the configured messages', async () => {
    const client = await connect(server, token);
    expect(await client.next()).toMatchObject({ type: 'connection', message: 'hi' });
    client.send({ type: 'human-escalation', reason: 'help', timestamp: timestamp() });
    expect(await client.next()).toMatchObject({
      type: 'human-escalation-response',
      message: 'soon',
    });
    client.close();
  });

  it('turns a responder failure into an error frame and still ends the stream', async () => {
    const client = await connectReady(server, token);
    client.send({ type: 'chat', content: 'boom', timestamp: timestamp() });
    const frames = await client.until(isStreamEnd);
    expect(frames.map((frame) => frame.type)).toEqual([
      'stream-start',
      'stream-token',
      'error',
      'stream-end',
    ]);
    const [start, , error, end] = frames;
    const messageId = start?.type === 'stream-start' ? start.messageId : 'missing';
    expect(end).toMatchObject({ messageId });
    expect(error?.type === 'error' && error.message).toContain(messageId);
    expect(error?.type === 'error' && error.message).not.toContain('secret internal failure');
    client.send({ type: 'ping', timestamp: timestamp() });
    expect(await client.next()).toMatchObject({ type: 'pong' });
    client.close();
  });

  it('aborts in-flight replies when the socket closes', async () => {
    const client = await connectReady(server, token);
    client.send({ type: 'chat', content: 'hang', timestamp: timestamp() });
    await client.until((frame) => frame.type === 'stream-token');
    client.close();
    expect(await withTimeout(aborted, TIMEOUT_MS, 'the responder to be aborted')).toBe('hang');
  });
});
