/**
 * Where the backends of chatwire's three-part and multi-instance tests are, decided once for
 * the tests (through scripts/backends.ts) and for scripts/ensure-backends.mjs alike:
 * - the Python that runs `examples/fastapi/`: the first of CHATWIRE_PYTHON, Debian's own
 *   /usr/bin/python3 (where apt puts python3-fastapi) and PATH's python3 that imports fastapi
 *   and uvicorn; its httpx is needed only by the OpenAI-compatible generator;
 * - `redis-server`: CHATWIRE_REDIS_SERVER, or the one on PATH.
 * Tests skip with a message naming what is missing, unless the backends are required (CI sets
 * CHATWIRE_REQUIRE_BACKENDS=1; a CI environment's CI=true counts too), where they fail.
 */
import { spawnSync } from 'node:child_process';

const runs = (command, args) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;
const isSet = (value) => value !== undefined && value !== '' && value !== '0' && value !== 'false';

/** True where a missing backend must fail its tests rather than skip them (CI). */
export const BACKENDS_REQUIRED =
  isSet(process.env.CHATWIRE_REQUIRE_BACKENDS) || isSet(process.env.CI);

const pythonCandidates = () =>
  [process.env.CHATWIRE_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean);

let python;

/** The first Python that imports fastapi and uvicorn, or null. */
export function findFastApiPython() {
  python ??=
    pythonCandidates().find((candidate) => runs(candidate, ['-c', 'import fastapi, uvicorn'])) ??
    null;
  return python;
}

/** Whether that Python also has httpx, for the OpenAI-compatible generator. */
export function fastApiHasHttpx() {
  const found = findFastApiPython();
  return found !== null && runs(found, ['-c', 'import httpx']);
}

/** `redis-server` when it runs, or null. */
export function findRedisServer() {
  const candidate = process.env.CHATWIRE_REDIS_SERVER || 'redis-server';
  return runs(candidate, ['--version']) ? candidate : null;
}

/** The message a test prints when it skips for want of a backend. */
export function missingBackendMessage(what, install) {
  return `${what} not found: these tests are skipped. Install it (${install}) or run \`node scripts/ensure-backends.mjs\` as root on Debian; CI (CHATWIRE_REQUIRE_BACKENDS=1) fails instead.`;
}

/** Forgets the Python found, so a check after an install looks again. */
export function forgetFoundPython() {
  python = undefined;
}
