/**
 * Real processes for the reference server's multi-instance tests (not a test file itself): a
 * `redis-server` and reference servers started as `npm run server` starts them (`server/cli.ts`
 * with its environment), each killed with its whole process group when the test is done.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { withTimeout } from './test-support.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = `${ROOT}node_modules/.bin/tsx`;

/** Every child still running: killed when the test process exits, however it exits. */
const running = new Set<Child>();
process.once('exit', () => {
  for (const child of running) child.killNow('SIGKILL');
});

/** A child process whose output lines are kept, for waiting on and for counting log lines. */
export class Child {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly waiters = new Set<() => void>();

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
        for (const wake of this.waiters) wake();
      });
    }
    running.add(this);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        running.delete(this);
        resolve(code);
      }),
    );
  }

  /** True until the process has exited, by itself or by a signal. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first output line matching `pattern`, from the start of the output. */
  waitForLine(pattern: RegExp, ms = 15_000): Promise<string> {
    const find = () => this.lines.find((line) => pattern.test(line));
    return withTimeout(
      new Promise<string>((resolve, reject) => {
        const check = () => {
          const line = find();
          if (line === undefined) return;
          this.waiters.delete(check);
          resolve(line);
        };
        this.waiters.add(check);
        void this.exited.then((code) =>
          reject(new Error(`${this.name} exited (${code}):\n${this.lines.join('\n')}`)),
        );
        check();
      }),
      ms,
      `${this.name} to print ${pattern}`,
    );
  }

  /** Lines matching `pattern` so far. */
  count(pattern: RegExp): number {
    return this.lines.filter((line) => pattern.test(line)).length;
  }

  /** Kills the whole process group (tsx runs node under it), at once. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    this.killNow(signal);
    return this.exited;
  }

  /** Signals the whole process group, if it is still there (synchronous, for exit hooks). */
  killNow(signal: NodeJS.Signals): void {
    if (!this.alive || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * The environment a child gets: this one without the reference server's and proxies' own
 * settings (a developer's CHATWIRE_REDIS_URL or cap would change what the test measures),
 * plus `env`.
 */
function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(
    ([name]) => !/^(CHATWIRE_|(HTTPS?|ALL|NO)_PROXY$)/i.test(name),
  );
  return { ...Object.fromEntries(inherited), ...env };
}

function start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: childEnv(env),
    // Its own process group, so kill() takes the children with it.
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
  const redis = start(
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
  const instance = start(name, TSX, ['server/cli.ts'], { PORT: String(port), ...env });
  track(instance);
  await instance.waitForLine(/reference server ready at/);
  return instance;
}
