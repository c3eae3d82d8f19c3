#!/usr/bin/env node
/**
 * chatwire's three-part test runs the FastAPI example under uvicorn, and its multi-instance
 * test runs a real redis-server. This checks for both (the same places as scripts/backends.ts:
 * CHATWIRE_PYTHON, /usr/bin/python3 or python3 importing fastapi and uvicorn; CHATWIRE_REDIS_SERVER
 * or redis-server). On Debian as root it installs Debian's packages for what is missing.
 * Anywhere else it says how, and succeeds: those tests then skip with the same message, except
 * where CHATWIRE_REQUIRE_BACKENDS=1 (CI), where this fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const required = process.env.CHATWIRE_REQUIRE_BACKENDS === '1' || Boolean(process.env.CI);
const pythons = [process.env.CHATWIRE_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean);

const runs = (command, args) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;
const hasFastApi = () =>
  pythons.some((python) => runs(python, ['-c', 'import fastapi, uvicorn, httpx']));
const hasRedis = () => runs(process.env.CHATWIRE_REDIS_SERVER || 'redis-server', ['--version']);

function missingPackages() {
  return [
    ...(hasFastApi() ? [] : ['python3-fastapi', 'python3-uvicorn', 'python3-httpx']),
    ...(hasRedis() ? [] : ['redis-server']),
  ];
}

function run(command, args) {
  console.log(`$ ${command} ${args.join(' ')}`);
  return (
    spawnSync(command, args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status === 0
  );
}

let missing = missingPackages();
if (missing.length === 0) process.exit(0);

const isDebian = existsSync('/etc/debian_version');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (isDebian && isRoot) {
  console.log(`Installing what chatwire's backend tests need: ${missing.join(' ')}`);
  const installed =
    run('apt-get', ['update']) &&
    run('apt-get', ['install', '-y', '--no-install-recommends', ...missing]);
  missing = missingPackages();
  if (installed && missing.length === 0) process.exit(0);
  console.error(`Installing ${missing.join(' ')} with apt-get failed; see the output above.`);
  process.exit(required ? 1 : 0);
}

console.error(`chatwire's FastAPI and multi-instance tests need ${missing.join(', ')}; they will be skipped.
  - Debian/Ubuntu:  sudo apt-get install -y ${missing.join(' ')}
  - Elsewhere:      pip install -r examples/fastapi/requirements.txt, and Redis 6.2+ (brew install redis)
  - Or point CHATWIRE_PYTHON / CHATWIRE_REDIS_SERVER at yours.`);
process.exit(required ? 1 : 0);
