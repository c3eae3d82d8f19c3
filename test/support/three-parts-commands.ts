/**
 * Browser-test commands, run in the vitest (Node) process, for chatwire's three-part test:
 * the widget in Chromium, the reference server (`server/cli.ts`) and the FastAPI example under
 * uvicorn, each a real process as a user runs them. Each runs in a process group of its own,
 * killed whole when its test finishes, and on vitest's exit, so no server outlives the run.
 * Tests call them through `test/support/three-parts.ts`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type {} from '@vitest/browser-playwright';
import type { BrowserCommand } from 'vitest/node';
import {
  BACKENDS_REQUIRED,
  fastApiHasHttpx,
  findFastApiPython,
  missingBackendMessage,
} from '../../scripts/backends.ts';
import { mintToken } from '../../server/auth.ts';
import { fakeOpenAiCommands } from './fake-openai-commands.ts';
import type {
  BackendAvailability,
  DirectChatRequest,
  DirectChatResponse,
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
/** The longest a request sent straight to FastAPI waits for its whole answer. */
const DIRECT_TIMEOUT_MS = 10_000;

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
/** Every process group started and not yet stopped: what the exit hook kills. */
const liveParts = new Set<Part>();
let nextId = 1;

// Last resort: whatever way vitest ends, no uvicorn or server is left behind. Only synchronous
// work is possible in an exit hook, and SIGKILL needs no waiting. Vitest has ten 'exit'
// listeners of its own already: this one is meant, so make room for it rather than be warned.
process.setMaxListeners(process.getMaxListeners() + 1);
process.once('exit', () => {
  for (const part of liveParts) {
    try {
      killGroup(part, 'SIGKILL');
    } catch {
      // Nothing more can be done on the way out.
    }
  }
});

/**
 * Signals the part's whole process group (tsx runs the server in a child of its own). Always
 * the group, even once the leader has exited: a child it started may still be there. A group
 * with nobody left in it is no error.
 */
function killGroup(part: Part, signal: NodeJS.Signals): void {
  const pid = part.child.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * Stops a part: SIGTERM to its group, SIGKILL if the leader is still there after `graceMs`,
 * and SIGKILL to the group once the leader is gone, for anything it left behind.
 */
async function stopPart(part: Part, graceMs = 1_500): Promise<void> {
  killGroup(part, 'SIGTERM');
  const stopped = await Promise.race([part.exited.then(() => true), sleep(graceMs, false)]);
  if (!stopped) killGroup(part, 'SIGKILL');
  await part.exited;
  killGroup(part, 'SIGKILL');
  liveParts.delete(part);
}

/** Settings of this process that must not reach the parts. */
const UNWANTED_ENV = /^(CHATWIRE_|OPENAI_|PYTHONPATH$|PYTHONHOME$|(HTTPS?|ALL)_PROXY$)/i;

/**
 * The environment a part starts with: this one's, less chatwire's and OpenAI's own settings,
 * the Python paths that could make uvicorn import other packages than the ones checked, and
 * the proxies: every request here is to 127.0.0.1, and one sent through a proxy would fail.
 */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!UNWANTED_ENV.test(key)) env[key] = value;
  }
  return { ...env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost', ...extra };
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

function startBackend(python: string, options: ThreePartsOptions): Part {
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
  return startPart(
    `uvicorn ${target}`,
    python,
    ['-c', BIND_THEN_UVICORN, target, '--factory', '--app-dir', dir],
    cleanEnv(env),
  );
}

/** The port the backend's socket was bound to, once it said. */
function boundPort(backend: Part): number | undefined {
  for (const line of backend.output) {
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
function startReferenceServer(options: ThreePartsOptions, backendUrl: string): Part {
  const env = cleanEnv({
    PORT: '0',
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
  let server: Part | undefined;
  try {
    await waitUntil(backend, 'bound to a port', async () => boundPort(backend) !== undefined);
    const backendUrl = `http://127.0.0.1:${boundPort(backend)}`;
    const started = startReferenceServer(options, backendUrl);
    server = started;
    await Promise.all([
      waitUntil(backend, 'healthy', healthy(backendUrl)),
      waitUntil(started, 'ready', async () => readyUrl(started) !== undefined),
    ]);
    return { server: started, backend, backendUrl };
  } catch (error) {
    await Promise.all([server && stopPart(server), stopPart(backend)]);
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

/** The tail of what the reference server printed: its log lines start with an ISO time. */
const serverLog: BrowserCommand<[id: string]> = (_context, id) =>
  partsById(id).server.output.join('\n');

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
