/**
 * Real processes for chatwire's tests (not a test file itself): the multi-instance test's
 * `redis-server` and reference servers (`server/cli.ts`, as `npm run server` starts it), and
 * the three-part test's uvicorn and reference server. Each runs in a process group of its own,
 * stopped whole when its test is done, and killed on the test process's exit, so none outlives
 * the run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = `${ROOT}node_modules/.bin/tsx`;

/** Every child not yet stopped: what the exit hook kills. */
const running = new Set<Child>();
// Last resort, whatever way the tests end. Only synchronous work is possible in an exit hook,
// and SIGKILL needs no waiting. Vitest has many 'exit' listeners of its own already: this one
// is meant, so make room for it rather than be warned.
process.setMaxListeners(process.getMaxListeners() + 1);
process.once('exit', () => {
  for (const child of running) child.signal('SIGKILL');
});

/** A child process in a process group of its own, with every line it printed. */
export class Child {
  readonly lines: string[] = [];
  /** Resolves when the process has exited, or failed to start. */
  readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    for (const stream of [child.stdout, child.stderr]) {
      let rest = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop() ?? '';
        this.lines.push(...parts);
      });
    }
    running.add(this);
    // 'exit' may not come after a failure to start ('error'), so either one ends the wait.
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', (error) => {
        this.lines.push(`failed to start: ${error.message}`);
        resolve();
      });
    });
  }

  /** True until the process has exited, by itself or by a signal. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Resolves once `ready()` holds; rejects, with the output so far, if the process exits first
   * or `ms` pass.
   */
  async waitFor(what: string, ready: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    let exited = false;
    void this.exited.then(() => {
      exited = true;
    });
    while (!(await ready())) {
      if (exited || Date.now() > deadline) {
        const why = exited ? 'exited' : `was not ${what} after ${ms} ms`;
        throw new Error(`${this.name} ${why}. Its output:\n${this.lines.join('\n')}`);
      }
      await sleep(20);
    }
  }

  /** Resolves with the first output line matching `pattern`, waiting for it if need be. */
  async waitForLine(pattern: RegExp, ms = 15_000): Promise<string> {
    const find = () => this.lines.find((line) => pattern.test(line));
    await this.waitFor(`printing ${pattern}`, () => find() !== undefined, ms);
    return find() ?? '';
  }

  /** Lines matching `pattern` so far. */
  count(pattern: RegExp): number {
    return this.lines.filter((line) => pattern.test(line)).length;
  }

  /**
   * Signals the whole process group (tsx runs node in a child of its own). Always the group,
   * even once the leader has exited: a child it started may still be there. A group with
   * nobody left in it is no error.
   */
  signal(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }

  /** Kills the whole group at once, as a crash or the OOM killer would. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.signal(signal);
    await this.exited;
    running.delete(this);
  }

  /**
   * Stops the group: SIGTERM, SIGKILL if the leader is still there after `graceMs`, and
   * SIGKILL once it is gone, for anything it left behind.
   */
  async stop(graceMs = 1_500): Promise<void> {
    this.signal('SIGTERM');
    const stopped = await Promise.race([this.exited.then(() => true), sleep(graceMs, false)]);
    if (!stopped) this.signal('SIGKILL');
    await this.exited;
    this.signal('SIGKILL');
    running.delete(this);
  }
}

/** Settings of this process that must not reach a child. */
const UNWANTED_ENV = /^(CHATWIRE_|OPENAI_|PYTHONPATH$|PYTHONHOME$|(HTTPS?|ALL|NO)_PROXY$)/i;

/**
 * The environment a child starts with: this one's, less chatwire's and OpenAI's own settings
 * (a developer's CHATWIRE_REDIS_URL or cap would change what a test measures), the Python
 * paths that could make uvicorn import other packages than the ones checked, and the proxies:
 * every request here is to 127.0.0.1, and one sent through a proxy would fail. Then `extra`.
 */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!UNWANTED_ENV.test(key)) env[key] = value;
  }
  return { ...env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost', ...extra };
}

/** Starts `command` from the repository root, in a process group of its own. */
export function spawnChild(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string>,
): Child {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: childEnv(env),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Child(name, child);
}

/** A free TCP port on loopback (free when asked: good enough for a test's own processes). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A throwaway `redis-server` on `port`: nothing saved to disk, loopback only. `track` gets the
 * child before it is ready, so a test can kill it even if it never gets there.
 */
export async function startRedis(
  executable: string,
  port: number,
  track: (child: Child) => void,
): Promise<Child> {
  const redis = spawnChild(
    'redis-server',
    executable,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {},
  );
  track(redis);
  await redis.waitForLine(/Ready to accept connections/);
  return redis;
}

/** A reference server as `npm run server` runs it, on `port`, with `env` added. */
export async function startInstance(
  name: string,
  port: number,
  env: Record<string, string>,
  track: (child: Child) => void,
): Promise<Child> {
  const instance = spawnChild(name, TSX, ['server/cli.ts'], { PORT: String(port), ...env });
  track(instance);
  await instance.waitForLine(/reference server ready at/);
  return instance;
}
