/**
 * Browser-test commands, run in the vitest (Node) process, for chatwire's three-part test:
 * the widget in Chromium, the reference server (`server/cli.ts`) and the FastAPI example under
 * uvicorn, each a real process as a user runs them. Each runs in a process group of its own,
 * killed whole when its test finishes, and on vitest's exit, so no server outlives the run.
 * Tests call them through `test/support/three-parts.ts`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type {} from '@vitest/browser-playwright';
import type { BrowserCommand } from 'vitest/node';
import {
  BACKENDS_REQUIRED,
  findFastApiPython,
  missingBackendMessage,
} from '../../scripts/backends.ts';
import { mintToken } from '../../server/auth.ts';
import type {
  BackendAvailability,
  DirectChatRequest,
  DirectChatResponse,
  FakeOpenAiHandle,
  FakeOpenAiOptions,
  FakeOpenAiRequest,
  ReceivedChat,
  ThreePartsHandle,
  ThreePartsOptions,
} from './three-parts-types.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Signs the widget's tokens in these tests; never used anywhere else. */
const TEST_JWT_SECRET = 'chatwire-three-parts-tests-only-secret';
/** The shared secret between the reference server and FastAPI, as a deployment sets one. */
const TEST_BACKEND_TOKEN = 'chatwire-three-parts-tests-backend-token';
/** The longest a part may take to start on a loaded 2-core machine. */
const START_TIMEOUT_MS = 20_000;
/** Lines of output kept per process, to explain a failure. */
const KEPT_OUTPUT_LINES = 200;

/** A child process in its own process group, with the tail of what it printed. */
interface Part {
  name: string;
  child: ChildProcess;
  output: string[];
  exited: Promise<void>;
}

interface RunningParts {
  server: Part;
  backend: Part;
  backendUrl: string;
}

const running = new Map<string, RunningParts>();
/** Every process group started and not yet known to have exited: what the exit hook kills. */
const liveParts = new Set<Part>();
let nextId = 1;

// Last resort: whatever way vitest ends, no uvicorn or server is left behind. Only synchronous
// work is possible in an exit hook, and SIGKILL needs no waiting. Vitest has ten 'exit'
// listeners of its own already: this one is meant, so make room for it rather than be warned.
process.setMaxListeners(process.getMaxListeners() + 1);
process.once('exit', () => {
  for (const part of liveParts) killGroup(part, 'SIGKILL');
});

/** Signals the part's whole process group (tsx runs the server in a child of its own). */
function killGroup(part: Part, signal: NodeJS.Signals): void {
  const pid = part.child.pid;
  if (pid === undefined || part.child.exitCode !== null || part.child.signalCode !== null) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Stops a part: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
async function stopPart(part: Part, graceMs = 1_500): Promise<void> {
  killGroup(part, 'SIGTERM');
  const stopped = await Promise.race([part.exited.then(() => true), sleep(graceMs, false)]);
  if (!stopped) {
    killGroup(part, 'SIGKILL');
    await part.exited;
  }
}

/** The environment a part starts with: this one's, less chatwire's and OpenAI's own settings. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(CHATWIRE_|OPENAI_)/.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

function startPart(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Part {
  const child = spawn(command, args, {
    cwd: ROOT,
    env,
    // A process group of its own, so the part and any children it starts are killed together.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    output.splice(0, Math.max(0, output.length - KEPT_OUTPUT_LINES));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const part: Part = {
    name,
    child,
    output,
    // 'exit' may not come after a failure to start ('error'), so either one ends the wait.
    exited: new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', (error) => {
        output.push(`failed to start: ${error.message}`);
        resolve();
      });
    }),
  };
  liveParts.add(part);
  void part.exited.then(() => liveParts.delete(part));
  return part;
}

/** Resolves once `ready()` holds; rejects, with the part's output, if it exits or takes too long. */
async function waitUntil(part: Part, what: string, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exited = false;
  void part.exited.then(() => {
    exited = true;
  });
  while (!(await ready())) {
    if (exited || Date.now() > deadline) {
      const why = exited ? 'exited' : `was not ${what} after ${START_TIMEOUT_MS} ms`;
      throw new Error(`${part.name} ${why}. Its output:\n${part.output.join('\n')}`);
    }
    await sleep(50);
  }
}

/** A TCP port nothing listens on now (the parts are told theirs, to start side by side). */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port was given');
  return address.port;
}

/** The uvicorn target and folder for each backend app. */
const BACKEND_APPS = {
  example: { target: 'app:create_app', dir: 'examples/fastapi' },
  scripted: { target: 'fastapi_test_app:create_test_app', dir: 'test/support' },
} as const;

function startBackend(python: string, options: ThreePartsOptions, port: number): Part {
  const { target, dir } = BACKEND_APPS[options.backend];
  const env: Record<string, string> = {
    CHATWIRE_STREAM_FORMAT: options.streamFormat ?? 'ndjson',
    CHATWIRE_BACKEND_TOKEN: TEST_BACKEND_TOKEN,
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
  };
  if (options.echoDelayMs !== undefined) env.CHATWIRE_ECHO_DELAY_MS = String(options.echoDelayMs);
  if (options.openAi) {
    env.OPENAI_BASE_URL = options.openAi.baseUrl;
    env.OPENAI_MODEL = options.openAi.model;
    if (options.openAi.apiKey) env.OPENAI_API_KEY = options.openAi.apiKey;
  }
  const args = ['-m', 'uvicorn', target, '--factory', '--app-dir', dir];
  return startPart(
    `uvicorn ${target}`,
    python,
    [...args, '--host', '127.0.0.1', '--port', String(port)],
    cleanEnv(env),
  );
}

/** True once the backend answers `GET /health`. */
const healthy = (backendUrl: string) => async () => {
  try {
    return (await fetch(`${backendUrl}/health`)).ok;
  } catch {
    return false;
  }
};

function startReferenceServer(options: ThreePartsOptions, port: number, backendUrl: string): Part {
  const env = cleanEnv({
    PORT: String(port),
    HOST: '127.0.0.1',
    CHATWIRE_JWT_SECRET: TEST_JWT_SECRET,
    CHATWIRE_UPSTREAM_URL: `${backendUrl}/chat`,
    CHATWIRE_UPSTREAM_AUTHORIZATION: `Bearer ${TEST_BACKEND_TOKEN}`,
    CHATWIRE_UPSTREAM_TIMEOUT_MS: String(options.upstreamTimeoutMs ?? 10_000),
  });
  return startPart('the reference server', 'node_modules/.bin/tsx', ['server/cli.ts'], env);
}

/** The WebSocket URL from the server's "ready at ws://…?token=<JWT>" line, once printed. */
function readyUrl(server: Part): string | undefined {
  for (const line of server.output) {
    const match = /ready at (ws:\/\/[^?\s]+)/.exec(line);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

function partsById(id: string): RunningParts {
  const parts = running.get(id);
  if (!parts) throw new Error(`No three-part setup '${id}' is running (stopped already?).`);
  return parts;
}

const fastApiAvailability: BrowserCommand<[]> = (): BackendAvailability => {
  const python = findFastApiPython();
  const httpx =
    python !== null && spawnSync(python, ['-c', 'import httpx'], { stdio: 'ignore' }).status === 0;
  return {
    python,
    httpx,
    required: BACKENDS_REQUIRED,
    missingFastApi: missingBackendMessage(
      'A Python with FastAPI and uvicorn',
      'apt-get install python3-fastapi python3-uvicorn, or pip install -r examples/fastapi/requirements.txt',
    ),
    missingHttpx: missingBackendMessage(
      'httpx, for the FastAPI example’s OpenAI-compatible generator,',
      'apt-get install python3-httpx, or pip install httpx',
    ),
  };
};

/** Starts FastAPI and the reference server side by side, and waits until both are ready. */
const startThreeParts: BrowserCommand<[options: ThreePartsOptions]> = async (
  _context,
  options,
): Promise<ThreePartsHandle> => {
  const python = findFastApiPython();
  if (python === null) throw new Error('No Python with FastAPI and uvicorn was found.');
  const [backendPort, serverPort] = [await freePort(), await freePort()];
  const backendUrl = `http://127.0.0.1:${backendPort}`;
  const backend = startBackend(python, options, backendPort);
  const server = startReferenceServer(options, serverPort, backendUrl);
  try {
    await Promise.all([
      waitUntil(backend, 'healthy', healthy(backendUrl)),
      waitUntil(server, 'ready', async () => readyUrl(server) !== undefined),
    ]);
  } catch (error) {
    await Promise.all([stopPart(server), stopPart(backend)]);
    throw error;
  }
  const id = String(nextId++);
  running.set(id, { server, backend, backendUrl });
  const token = await mintToken({
    subject: options.subject ?? 'three-parts-test',
    secret: TEST_JWT_SECRET,
    expiresInSeconds: 3600,
  });
  return { id, url: readyUrl(server) ?? '', token, backendUrl };
};

/** Stops both parts: the server first, so FastAPI sees its streams hung up on, not cut. */
const stopThreeParts: BrowserCommand<[id: string]> = async (_context, id) => {
  const parts = running.get(id);
  if (!parts) return;
  running.delete(id);
  await stopPart(parts.server);
  await stopPart(parts.backend);
};

/** SIGKILLs uvicorn, as a crash or the OOM killer would: no goodbye, mid-stream. */
const killFastApi: BrowserCommand<[id: string]> = async (_context, id) => {
  const { backend } = partsById(id);
  killGroup(backend, 'SIGKILL');
  await backend.exited;
};

/** What the scripted app received (its `GET /_test/requests`). */
const fastApiRequests: BrowserCommand<[id: string]> = async (
  _context,
  id,
): Promise<ReceivedChat[]> => {
  const response = await fetch(`${partsById(id).backendUrl}/_test/requests`);
  if (!response.ok) throw new Error(`GET /_test/requests answered ${response.status}`);
  return (await response.json()) as ReceivedChat[];
};

/** The tail of what uvicorn printed: its log, and the app's. */
const fastApiLog: BrowserCommand<[id: string]> = (_context, id) =>
  partsById(id).backend.output.join('\n');

/** POSTs straight to FastAPI's `/chat`, as the reference server would, and reads the answer. */
const postToFastApi: BrowserCommand<[id: string, request: DirectChatRequest]> = async (
  _context,
  id,
  request,
): Promise<DirectChatResponse> => {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const { authorization } = request;
  if (authorization === 'shared') headers.authorization = `Bearer ${TEST_BACKEND_TOKEN}`;
  else if (authorization !== 'none') headers.authorization = authorization.header;
  const response = await fetch(`${partsById(id).backendUrl}/chat`, {
    method: 'POST',
    headers,
    body: JSON.stringify(request.body),
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    text: await response.text(),
  };
};

interface FakeOpenAi {
  server: Server;
  requests: FakeOpenAiRequest[];
}

const fakeOpenAis = new Map<string, FakeOpenAi>();

/** The chunks an OpenAI-compatible API streams for one completion, as server-sent events. */
function completionChunks(tokens: string[]): string[] {
  const chunk = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({
      id: 'chatcmpl-fake',
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, finish_reason: finish }],
    })}\n\n`;
  return [
    chunk({ role: 'assistant' }),
    ...tokens.map((content) => chunk({ content })),
    chunk({}, 'stop'),
    'data: [DONE]\n\n',
  ];
}

/**
 * A stand-in for OpenAI's `POST /v1/chat/completions` with `stream: true`, since no real model
 * API can be reached from the test machine: it streams `tokens` and records each request.
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
    requests.push({ authorization: request.headers.authorization ?? null, body: JSON.parse(body) });
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const chunk of completionChunks(options.tokens)) {
      response.write(chunk);
      await sleep(options.delayMs);
    }
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

/** Registered as `browser.commands` in vite.config.ts. */
export const threePartsCommands = {
  fastApiAvailability,
  startThreeParts,
  stopThreeParts,
  killFastApi,
  fastApiRequests,
  fastApiLog,
  postToFastApi,
  startFakeOpenAi,
  fakeOpenAiRequests,
  stopFakeOpenAi,
};
