/**
 * Where the backends of chatwire's three-part and multi-instance tests are: a Python that can
 * import FastAPI and uvicorn (for `examples/fastapi/`), and a `redis-server`. Tests skip with a
 * message naming what is missing, unless the backends are required (CI sets
 * CHATWIRE_REQUIRE_BACKENDS=1, so there a missing one fails instead of being skipped).
 * `scripts/ensure-backends.mjs` installs them on Debian.
 */
import { spawnSync } from 'node:child_process';

/** True where a missing backend must fail its tests rather than skip them (CI). */
export const BACKENDS_REQUIRED =
  process.env.CHATWIRE_REQUIRE_BACKENDS === '1' || Boolean(process.env.CI);

/** Pythons tried in order: CHATWIRE_PYTHON, Debian's own (where apt puts python3-fastapi), PATH's. */
const PYTHON_CANDIDATES = [process.env.CHATWIRE_PYTHON, '/usr/bin/python3', 'python3'].filter(
  (path): path is string => Boolean(path),
);

let python: string | null | undefined;

/** The first Python that imports fastapi and uvicorn, or null. */
export function findFastApiPython(): string | null {
  python ??=
    PYTHON_CANDIDATES.find(
      (candidate) =>
        spawnSync(candidate, ['-c', 'import fastapi, uvicorn'], { stdio: 'ignore' }).status === 0,
    ) ?? null;
  return python;
}

/** `redis-server` (CHATWIRE_REDIS_SERVER, or the one on PATH) when it runs, or null. */
export function findRedisServer(): string | null {
  const candidate = process.env.CHATWIRE_REDIS_SERVER || 'redis-server';
  return spawnSync(candidate, ['--version'], { stdio: 'ignore' }).status === 0 ? candidate : null;
}

/** The message a test prints when it skips for want of a backend. */
export function missingBackendMessage(what: string, install: string): string {
  return `${what} not found: these tests are skipped. Install it (${install}) or run \`node scripts/ensure-backends.mjs\` as root on Debian; CI (CHATWIRE_REQUIRE_BACKENDS=1) fails instead.`;
}
