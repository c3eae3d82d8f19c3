/**
 * The upstream responders against small in-process HTTP servers that speak each format a
 * backend might (no internet): plain text chunks, NDJSON, server-sent events and OpenAI's
 * streaming chat API; and what the reference server sends when an upstream fails or stalls.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ServerFrame } from '../src/core/protocol.ts';
import { mintToken } from './auth.ts';
import { type ReferenceServer, startServer } from './index.ts';
import type { Responder } from './responder.ts';
import { createHttpStreamResponder, createOpenAiResponder } from './upstream.ts';

type Handler = (request: IncomingMessage, body: unknown, response: ServerResponse) => void;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** An HTTP server on a free port; `handle` gets each request's parsed JSON body. */
async function upstream(handle: Handler): Promise<{ url: string; requests: unknown[] }> {
  const requests: unknown[] = [];
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => {
      raw += chunk;
    });
    request.on('end', () => {
      const body = JSON.parse(raw || 'null') as unknown;
      requests.push({ headers: request.headers, body });
      handle(request, body, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests };
}

/** Writes `chunks` with a small pause between them, then ends (unless `hang`). */
function streamChunks(response: ServerResponse, type: string, chunks: string[], hang = false) {
  response.writeHead(200, { 'content-type': type });
  let index = 0;
  const next = () => {
    if (index < chunks.length) {
      response.write(chunks[index++]);
      setTimeout(next, 5);
    } else if (!hang) {
      response.end();
    }
  };
  next();
}

async function collect(responder: Responder, content = 'Hello', subject = 'alice') {
  const tokens: string[] = [];
  const signal = new AbortController().signal;
  for await (const token of responder({ content, connectionId: 1, subject, signal })) {
    tokens.push(token);
  }
  return tokens;
}

describe('the HTTP streaming upstream', () => {
  it('POSTs the message and the verified user, and streams plain text chunks back', async () => {
    const backend = await upstream((_request, _body, response) =>
      streamChunks(response, 'text/plain; charset=utf-8', ['Hel', 'lo ', 'wörld']),
    );
    const tokens = await collect(createHttpStreamResponder({ url: `${backend.url}/chat` }));
    expect(tokens.join('')).toBe('Hello wörld');
    expect(tokens.length).toBeGreaterThan(1);
    expect(backend.requests).toMatchObject([
      { body: { message: 'Hello', user: { subject: 'alice' } } },
    ]);
  });

  it('reads NDJSON, one item per line, even when lines are split across chunks', async () => {
    const backend = await upstream((_request, _body, response) =>
      streamChunks(response, 'application/x-ndjson', [
        '{"token":"One "}\n{"te',
        'xt":"two "}\n"three"\n\n{"content":"!"}',
      ]),
    );
    expect(await collect(createHttpStreamResponder({ url: backend.url }))).toEqual([
      'One ',
      'two ',
      'three',
      '!',
    ]);
  });

  it('reads server-sent events up to [DONE]', async () => {
    const backend = await upstream((_request, _body, response) =>
      streamChunks(response, 'text/event-stream', [
        'data: {"token":"Stream"}\n\n',
        ': a comment\ndata: {"token":"ed "}\n\ndata: plain words\n\n',
        'data: [DONE]\n\ndata: {"token":"never"}\n\n',
      ]),
    );
    expect(await collect(createHttpStreamResponder({ url: backend.url }))).toEqual([
      'Stream',
      'ed ',
      'plain words',
    ]);
  });

  it('reads event data that is not JSON as text, and lines ended by a lone CR', async () => {
    const backend = await upstream((_request, _body, response) =>
      streamChunks(response, 'text/event-stream', [
        'data: "Quoted\r\r',
        'data: {half\r\rdata: [DONE]\r\r',
      ]),
    );
    expect(await collect(createHttpStreamResponder({ url: backend.url }))).toEqual([
      '"Quoted',
      '{half',
    ]);
  });

  it('fails the reply on an error event rather than ending it short', async () => {
    const backend = await upstream((_request, _body, response) =>
      streamChunks(response, 'text/event-stream', [
        'data: {"token":"Some"}\n\n',
        'event: error\ndata: {"message":"model overloaded"}\n\n',
      ]),
    );
    await expect(collect(createHttpStreamResponder({ url: backend.url }))).rejects.toThrow(
      /error mid-stream/,
    );
  });

  it('fails the reply on an error event cut off before its closing blank line', async () => {
    const backend = await upstream((_request, _body, response) =>
      streamChunks(response, 'text/event-stream', [
        'data: {"token":"Some"}\n\n',
        'event: error\ndata: {"message":"worker crashed"}\n',
      ]),
    );
    await expect(collect(createHttpStreamResponder({ url: backend.url }))).rejects.toThrow(
      /error mid-stream/,
    );
  });

  it('starts each event afresh after one that had no data, and fails on a bare error event', async () => {
    const named = await upstream((_request, _body, response) =>
      streamChunks(response, 'text/event-stream', [
        'event: progress\n\n',
        'data: {"token":"Still fine"}\n\n',
        'data: [DONE]\n\n',
      ]),
    );
    expect(await collect(createHttpStreamResponder({ url: named.url }))).toEqual(['Still fine']);
    const bare = await upstream((_request, _body, response) =>
      streamChunks(response, 'text/event-stream', ['data: "Some"\n\n', 'event: error\n\n']),
    );
    await expect(collect(createHttpStreamResponder({ url: bare.url }))).rejects.toThrow(
      /error mid-stream/,
    );
  });

  it('takes a plain JSON answer as one token', async () => {
    const backend = await upstream((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ text: 'All at once.' }));
    });
    expect(await collect(createHttpStreamResponder({ url: backend.url }))).toEqual([
      'All at once.',
    ]);
  });

  it('lets the upstream connection go at [DONE], even if it would keep sending', async () => {
    let closed: () => void = () => undefined;
    const connectionClosed = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const backend = await upstream((_request, _body, response) => {
      response.on('close', () => closed());
      streamChunks(
        response,
        'text/event-stream',
        ['data: done soon\n\ndata: [DONE]\n\n', ': keep-alive\n\n'],
        true,
      );
    });
    expect(await collect(createHttpStreamResponder({ url: backend.url }))).toEqual(['done soon']);
    await connectionClosed;
  });

  it('never puts the upstream URL in its error when the upstream cannot be reached', async () => {
    const responder = createHttpStreamResponder({ url: 'http://127.0.0.1:9/secret-path' });
    const error = await collect(responder).then(
      () => null,
      (failure: unknown) => failure as Error,
    );
    expect(error?.message).toMatch(/could not be reached/);
    expect(error?.message).not.toContain('secret-path');
  });

  it('throws on an error status, so the reply ends with an error frame', async () => {
    const backend = await upstream((_request, _body, response) => {
      response.writeHead(502, { 'content-type': 'text/plain' });
      response.end('bad gateway');
    });
    await expect(collect(createHttpStreamResponder({ url: backend.url }))).rejects.toThrow(/502/);
  });

  it('cuts off an upstream that goes quiet mid-reply', async () => {
    const backend = await upstream((_request, _body, response) =>
      streamChunks(response, 'text/plain', ['Start of a reply '], true),
    );
    const started = performance.now();
    const responder = createHttpStreamResponder({ url: backend.url, idleTimeoutMs: 200 });
    await expect(collect(responder)).rejects.toThrow(/went quiet/);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('rejects an NDJSON line that is not JSON', async () => {
    const backend = await upstream((_request, _body, response) =>
      streamChunks(response, 'application/x-ndjson', ['{"token":"ok"}\nnot json\n']),
    );
    await expect(collect(createHttpStreamResponder({ url: backend.url }))).rejects.toThrow(
      /not JSON/,
    );
  });
});

describe('the OpenAI-compatible upstream', () => {
  it('asks chat/completions to stream and yields each delta', async () => {
    const chunk = (content?: string, role?: string) =>
      `data: ${JSON.stringify({ choices: [{ delta: { ...(role && { role }), ...(content !== undefined && { content }) } }] })}\n\n`;
    const backend = await upstream((_request, _body, response) =>
      streamChunks(response, 'text/event-stream', [
        chunk(undefined, 'assistant'),
        chunk('Local '),
        chunk('models '),
        chunk('work.'),
        'data: [DONE]\n\n',
      ]),
    );
    const responder = createOpenAiResponder({
      baseUrl: `${backend.url}/v1/`,
      model: 'tiny-model',
      apiKey: 'sk-test',
      systemPrompt: 'Be brief.',
    });
    expect((await collect(responder, 'Do local models work?')).join('')).toBe('Local models work.');
    expect(backend.requests).toMatchObject([
      {
        headers: { authorization: 'Bearer sk-test' },
        body: {
          model: 'tiny-model',
          stream: true,
          // A pseudonym, never the user id itself.
          user: expect.stringMatching(/^[0-9a-f]{32}$/),
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: 'Do local models work?' },
          ],
        },
      },
    ]);
  });
});

describe('the reference server in front of an upstream', () => {
  const SECRET = 'upstream-test-secret';

  async function chat(responder: Responder, content: string): Promise<ServerFrame[]> {
    const server: ReferenceServer = await startServer({ port: 0, jwtSecret: SECRET, responder });
    cleanups.push(() => server.close());
    const token = await mintToken({ subject: 'bob', secret: SECRET });
    const socket = new WebSocket(`${server.url}/?token=${token}`);
    const frames: ServerFrame[] = [];
    const ended = new Promise<void>((resolve) => {
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as ServerFrame;
        frames.push(frame);
        if (frame.type === 'connection') {
          socket.send(
            JSON.stringify({ type: 'chat', content, timestamp: new Date().toISOString() }),
          );
        }
        if (frame.type === 'stream-end') resolve();
      });
    });
    await ended;
    socket.close();
    return frames;
  }

  it('streams the upstream answer as stream-token frames, with the user from the token', async () => {
    const backend = await upstream((_request, _body, response) =>
      streamChunks(response, 'application/x-ndjson', ['{"token":"Hi "}\n', '{"token":"Bob"}\n']),
    );
    const frames = await chat(createHttpStreamResponder({ url: backend.url }), 'Who am I?');
    expect(frames.map((frame) => frame.type)).toEqual([
      'connection',
      'stream-start',
      'stream-token',
      'stream-token',
      'stream-end',
    ]);
    expect(backend.requests).toMatchObject([
      { body: { message: 'Who am I?', user: { subject: 'bob' } } },
    ]);
  });

  it('turns a stalled upstream into an error frame and ends the reply, never leaving it hanging', async () => {
    const backend = await upstream((_request, _body, response) =>
      streamChunks(response, 'text/plain', ['Partial '], true),
    );
    const responder = createHttpStreamResponder({ url: backend.url, idleTimeoutMs: 200 });
    const frames = await chat(responder, 'Stall please');
    expect(frames.map((frame) => frame.type)).toEqual([
      'connection',
      'stream-start',
      'stream-token',
      'error',
      'stream-end',
    ]);
    // The client is told something failed, never how: no upstream URL or internals.
    const error = frames.find((frame) => frame.type === 'error');
    expect(JSON.stringify(error)).not.toContain('127.0.0.1');
  });
});
