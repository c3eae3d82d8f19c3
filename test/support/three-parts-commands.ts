/**
 * Browser-test commands, run in the vitest (Node) process, for chatwire's three-part test:
 * the widget in Chromium, the reference server (`server/cli.ts`) and the FastAPI example under
 * uvicorn, each a real process as a user runs them (`server/process-support.ts`: a process
 * group each, stopped whole when its test finishes, and killed on vitest's exit).
 * Tests call them through `test/support/three-parts.ts`.
 */
import { request as httpRequest } from 'node:http';
import type {} from '@vitest/browser-playwright';
import type { BrowserCommand } from 'vitest/node';
import {
  BACKENDS_REQUIRED,
  fastApiHasHttpx,
  findFastApiPython,
  missingBackendMessage,
} from '../../scripts/backends.ts';
import { mintToken } from '../../server/auth.ts';
import { type Child, spawnChild } from '../../server/process-support.ts';
import { fakeOpenAiCommands } from './fake-openai-commands.ts';
import type {
  BackendAvailability,
  DirectChatRequest,
  DirectChatResponse,
  ReceivedChat,
  ThreePartsHandle,
  ThreePartsOptions,
} from './three-parts-types.ts';

/** Signs the widget's tokens in these tests; never used anywhere else. */
const TEST_JWT_SECRET = 'chatwire-three-parts-tests-only-secret';
/** The shared secret between the reference server and FastAPI, as a deployment sets one. */
const TEST_BACKEND_TOKEN = 'chatwire-three-parts-tests-backend-token';
/** The longest a part may take to start on a loaded 2-core machine. */
const START_TIMEOUT_MS = 20_000;
/** The longest a request sent straight to FastAPI waits for its whole answer. */
const DIRECT_TIMEOUT_MS = 10_000;

interface RunningParts {
  server: Child;
  backend: Child;
  backendUrl: string;
}

const running = new Map<string, RunningParts>();
let nextId = 1;

/** The uvicorn target and folder for each backend app. */
const BACKEND_APPS = {
  example: { target: 'app:create_app', dir: 'examples/fastapi' },
  scripted: { target: 'fastapi_test_app:create_test_app', dir: 'test/support' },
} as const;

/**
 * Binds a listening socket on a port the kernel picks, says which, and becomes
 * `python -m uvicorn <args> --fd <it>`: uvicorn serves on a socket that is already bound, so no
 * other process can take the port between choosing it and listening on it.
 */
const BIND_THEN_UVICORN = [
  'import os, socket, sys',
  'sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)',
  "sock.bind(('127.0.0.1', 0))",
  'sock.listen(128)',
  'os.set_inheritable(sock.fileno(), True)',
  "print('chatwire-test: bound port %d' % sock.getsockname()[1], flush=True)",
  "os.execv(sys.executable, [sys.executable, '-m', 'uvicorn', *sys.argv[1:], '--fd', str(sock.fileno())])",
].join('\n');

function startBackend(python: string, options: ThreePartsOptions): Child {
  const { target, dir } = BACKEND_APPS[options.backend];
  const env: Record<string, string> = {
    CHATWIRE_STREAM_FORMAT: options.streamFormat ?? 'ndjson',
    CHATWIRE_BACKEND_TOKEN: TEST_BACKEND_TOKEN,
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
  };
  if (options.echoDelayMs !== undefined) env.CHATWIRE_ECHO_DELAY_MS = String(options.echoDelayMs);
  if (options.keepAliveSeconds !== undefined)
    env.CHATWIRE_KEEPALIVE_SECONDS = String(options.keepAliveSeconds);
  if (options.maxSilenceSeconds !== undefined)
    env.CHATWIRE_MAX_SILENCE_SECONDS = String(options.maxSilenceSeconds);
  if (options.openAi) {
    env.OPENAI_BASE_URL = options.openAi.baseUrl;
    env.OPENAI_MODEL = options.openAi.model;
    if (options.openAi.apiKey) env.OPENAI_API_KEY = options.openAi.apiKey;
  }
  return spawnChild(
    `uvicorn ${target}`,
    python,
    ['-c', BIND_THEN_UVICORN, target, '--factory', '--app-dir', dir],
    env,
  );
}

/** The port the backend's socket was bound to, once it said. */
function boundPort(backend: Child): number | undefined {
  for (const line of backend.lines) {
    const match = /^chatwire-test: bound port (\d+)$/.exec(line);
    if (match?.[1]) return Number(match[1]);
  }
  return undefined;
}

/** True once the backend answers `GET /health` as the example app does. */
const healthy = (backendUrl: string) => async () => {
  try {
    const response = await fetch(`${backendUrl}/health`, { signal: AbortSignal.timeout(2_000) });
    return response.ok && ((await response.json()) as { status?: unknown }).status === 'ok';
  } catch {
    return false;
  }
};

/** The reference server on a port of its own choosing (PORT=0): its "ready at" line says which. */
function startReferenceServer(options: ThreePartsOptions, backendUrl: string): Child {
  const env = {
    PORT: '0',
    HOST: '127.0.0.1',
    CHATWIRE_JWT_SECRET: TEST_JWT_SECRET,
    CHATWIRE_UPSTREAM_URL: `${backendUrl}/chat`,
    CHATWIRE_UPSTREAM_AUTHORIZATION: `Bearer ${TEST_BACKEND_TOKEN}`,
    CHATWIRE_UPSTREAM_TIMEOUT_MS: String(options.upstreamTimeoutMs ?? 10_000),
  };
  return spawnChild('the reference server', 'node_modules/.bin/tsx', ['server/cli.ts'], env);
}

/** The WebSocket URL from the server's "ready at ws://…?token=<JWT>" line, once printed. */
function readyUrl(server: Child): string | undefined {
  for (const line of server.lines) {
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
  return {
    python: findFastApiPython(),
    httpx: fastApiHasHttpx(),
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

/**
 * Starts FastAPI, then the reference server pointed at it as soon as its port is known (bound
 * before uvicorn even starts), and waits until both are ready; on a failure stops both.
 */
async function startBoth(python: string, options: ThreePartsOptions): Promise<RunningParts> {
  const backend = startBackend(python, options);
  let server: Child | undefined;
  try {
    await backend.waitFor(
      'bound to a port',
      () => boundPort(backend) !== undefined,
      START_TIMEOUT_MS,
    );
    const backendUrl = `http://127.0.0.1:${boundPort(backend)}`;
    const started = startReferenceServer(options, backendUrl);
    server = started;
    await Promise.all([
      backend.waitFor('healthy', healthy(backendUrl), START_TIMEOUT_MS),
      started.waitFor('ready', () => readyUrl(started) !== undefined, START_TIMEOUT_MS),
    ]);
    return { server: started, backend, backendUrl };
  } catch (error) {
    await Promise.all([server?.stop(), backend.stop()]);
    throw error;
  }
}

/** Starts FastAPI and the reference server, and waits until both are ready. */
const startThreeParts: BrowserCommand<[options: ThreePartsOptions]> = async (
  _context,
  options,
): Promise<ThreePartsHandle> => {
  const python = findFastApiPython();
  if (python === null) throw new Error('No Python with FastAPI and uvicorn was found.');
  const parts = await startBoth(python, options);
  const id = String(nextId++);
  running.set(id, parts);
  const token = await mintToken({
    subject: options.subject ?? 'three-parts-test',
    secret: TEST_JWT_SECRET,
    expiresInSeconds: 3600,
  });
  const { server, backendUrl } = parts;
  return { id, url: readyUrl(server) ?? '', token, backendUrl };
};

/** Stops both parts: the server first, so FastAPI sees its streams hung up on, not cut. */
const stopThreeParts: BrowserCommand<[id: string]> = async (_context, id) => {
  const parts = running.get(id);
  if (!parts) return;
  running.delete(id);
  await parts.server.stop();
  await parts.backend.stop();
};

/** SIGKILLs uvicorn, as a crash or the OOM killer would: no goodbye, mid-stream. */
const killFastApi: BrowserCommand<[id: string]> = async (_context, id) => {
  await partsById(id).backend.kill();
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
  partsById(id).backend.lines.join('\n');

/** The tail of what the reference server printed: its log lines start with an ISO time. */
const serverLog: BrowserCommand<[id: string]> = (_context, id) =>
  partsById(id).server.lines.join('\n');

/**
 * POSTs straight to FastAPI's `/chat`, as the reference server would, and reads the answer to
 * its end, or as far as it comes: a body cut off mid-way is reported as such, not thrown.
 */
const postToFastApi: BrowserCommand<[id: string, request: DirectChatRequest]> = (
  _context,
  id,
  request,
): Promise<DirectChatResponse> => {
  const payload = Buffer.from(JSON.stringify(request.body));
  const transfer = request.transfer ?? 'content-length';
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const { authorization } = request;
  if (authorization === 'shared') headers.authorization = `Bearer ${TEST_BACKEND_TOKEN}`;
  else if (authorization !== 'none') headers.authorization = authorization.header;
  if (transfer === 'content-length') headers['content-length'] = String(payload.length);
  return new Promise((resolve) => {
    const outgoing = httpRequest(`${partsById(id).backendUrl}/chat`, {
      method: 'POST',
      headers,
      agent: false,
    });
    let answer: DirectChatResponse = { status: 0, contentType: '', text: '', cutOff: null };
    const finish = (cutOff: string | null) => {
      clearTimeout(timer);
      outgoing.destroy();
      resolve({ ...answer, cutOff }); // The first call settles it; any later one changes nothing.
    };
    const timer = setTimeout(
      () => finish(`no whole answer within ${DIRECT_TIMEOUT_MS} ms`),
      DIRECT_TIMEOUT_MS,
    );
    outgoing.on('error', (error) => finish(error.message));
    outgoing.on('response', (response) => {
      answer = {
        status: response.statusCode ?? 0,
        contentType: response.headers['content-type'] ?? '',
        text: '',
        cutOff: null,
      };
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        answer.text += text;
      });
      response.on('end', () => finish(null));
      response.on('error', (error) => finish(error.message));
      response.on('close', () => {
        if (!response.complete) finish('the connection closed before the body ended');
      });
    });
    if (transfer === 'content-length') {
      outgoing.end(payload);
      return;
    }
    // Chunked: in pieces, as a stream is sent; 'unfinished' never sends the last chunk.
    for (let start = 0; start < payload.length; start += 16 * 1024) {
      outgoing.write(payload.subarray(start, start + 16 * 1024));
    }
    if (transfer === 'chunked') outgoing.end();
  });
};

/** Registered as `browser.commands` in vite.config.ts. */
export const threePartsCommands = {
  fastApiAvailability,
  startThreeParts,
  stopThreeParts,
  killFastApi,
  fastApiRequests,
  fastApiLog,
  serverLog,
  postToFastApi,
  ...fakeOpenAiCommands,
};
