/**
 * A stand-in for an OpenAI-compatible model API (a real one cannot run here), as a browser-test
 * command: it streams chat/completions chunks as OpenAI does, or misbehaves as asked, and records
 * each request and when its socket closed, so tests can see the FastAPI example's OpenAI
 * generator send the right request and let go of the model when a reply ends early.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type {} from '@vitest/browser-playwright';
import type { BrowserCommand } from 'vitest/node';
import type {
  FakeOpenAiBehaviour,
  FakeOpenAiHandle,
  FakeOpenAiOptions,
  FakeOpenAiRequest,
} from './three-parts-types.ts';
import { FAKE_OPENAI_PAUSE_MS } from './three-parts-types.ts';

interface FakeOpenAi {
  server: Server;
  requests: FakeOpenAiRequest[];
}

const fakeOpenAis = new Map<string, FakeOpenAi>();
let nextId = 1;

/** One chunk of an OpenAI-compatible completion stream, as a server-sent event. */
function completionChunk(delta: object, finish: string | null = null): string {
  const json = JSON.stringify({
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  return `data: ${json}\n\n`;
}

/** The same chunk with its JSON split over two `data:` lines, which a reader joins with "\n". */
function splitChunk(delta: object): string {
  const event = completionChunk(delta);
  const at = event.indexOf('"delta"');
  return `${event.slice(0, at)}\ndata: ${event.slice(at)}`;
}

const BEHAVIOURS: readonly FakeOpenAiBehaviour[] = [
  'complete',
  'pause',
  'redirect',
  'not-event-stream',
  'no-done',
  'error-event',
];

/** The behaviour a user message asks for: `fake: <behaviour>`, or `complete`. */
function behaviourOf(body: unknown): FakeOpenAiBehaviour {
  const messages = (body as { messages?: { content?: unknown }[] }).messages ?? [];
  const match = /^fake: (\S+)/.exec(String(messages.at(-1)?.content ?? ''));
  const named = BEHAVIOURS.find((behaviour) => behaviour === match?.[1]);
  return named ?? 'complete';
}

/** What the fake streams for one completion: `pause` entries are silences, in ms. */
function streamOf(
  behaviour: FakeOpenAiBehaviour,
  tokens: string[],
): (string | { pause: number })[] {
  const [first = '', ...rest] = tokens;
  const role = completionChunk({ role: 'assistant' });
  const content = tokens.map((token) => completionChunk({ content: token }));
  const end = [completionChunk({}, 'stop'), 'data: [DONE]\n\n'];
  switch (behaviour) {
    case 'pause':
      return [
        role,
        ...content.slice(0, 2),
        { pause: FAKE_OPENAI_PAUSE_MS },
        ...content.slice(2),
        ...end,
      ];
    case 'no-done':
      return [role, ...content, completionChunk({}, 'stop')];
    case 'error-event':
      return [
        role,
        ...content.slice(0, 2),
        'event: error\ndata: {"message": "The model is overloaded."}\n\n',
        ...end,
      ];
    default:
      // A comment, and a chunk whose JSON spans two `data:` lines: both are plain SSE.
      return [
        role,
        ': a comment, as some servers send to keep the line open\n\n',
        splitChunk({ content: first }),
        ...rest.map((token) => completionChunk({ content: token })),
        ...end,
      ];
  }
}

/**
 * A stand-in for OpenAI's `POST /v1/chat/completions` with `stream: true`, since no real model
 * API can be reached from the test machine: it streams `tokens` (or misbehaves, as the user's
 * message asks: see {@link FakeOpenAiBehaviour}), records each request, and notes when the
 * caller's socket closes; once it has, nothing more is written.
 */
const startFakeOpenAi: BrowserCommand<[options: FakeOpenAiOptions]> = async (
  _context,
  options,
): Promise<FakeOpenAiHandle> => {
  const requests: FakeOpenAiRequest[] = [];
  const server = createHttpServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += String(chunk);
    if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
      response.writeHead(404).end();
      return;
    }
    const parsed: unknown = JSON.parse(body);
    const behaviour = behaviourOf(parsed);
    const stream = streamOf(behaviour, options.tokens);
    const record: FakeOpenAiRequest = {
      authorization: request.headers.authorization ?? null,
      body: parsed,
      behaviour,
      chunksWritten: 0,
      chunksPlanned: stream.filter((item) => typeof item === 'string').length,
      socketClosedAt: null,
      finishedAt: null,
    };
    requests.push(record);
    request.socket.once('close', () => {
      record.socketClosedAt = Date.now();
    });
    if (behaviour === 'redirect') {
      response.writeHead(307, { location: '/v1/elsewhere/chat/completions' }).end();
      return;
    }
    if (behaviour === 'not-event-stream') {
      const completion = {
        choices: [{ message: { role: 'assistant', content: options.tokens.join('') } }],
      };
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(completion));
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const item of stream) {
      if (record.socketClosedAt !== null) return;
      if (typeof item !== 'string') {
        await sleep(item.pause);
        continue;
      }
      response.write(item);
      record.chunksWritten += 1;
      await sleep(options.delayMs);
    }
    record.finishedAt = Date.now();
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port was given');
  const id = String(nextId++);
  fakeOpenAis.set(id, { server, requests });
  return { id, baseUrl: `http://127.0.0.1:${address.port}/v1` };
};

const fakeOpenAiRequests: BrowserCommand<[id: string]> = (_context, id): FakeOpenAiRequest[] =>
  fakeOpenAis.get(id)?.requests ?? [];

const stopFakeOpenAi: BrowserCommand<[id: string]> = async (_context, id) => {
  const fake = fakeOpenAis.get(id);
  fakeOpenAis.delete(id);
  if (!fake) return;
  fake.server.closeAllConnections();
  await new Promise((resolve) => fake.server.close(resolve));
};

/** Merged into the three-part commands registered in vite.config.ts. */
export const fakeOpenAiCommands = { startFakeOpenAi, fakeOpenAiRequests, stopFakeOpenAi };
