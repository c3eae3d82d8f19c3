#!/usr/bin/env node
/**
 * chatwire's three-part test runs the FastAPI example under uvicorn, and its multi-instance
 * test runs a real redis-server. This checks for both where the tests look (scripts/backends.mjs)
 * and, on Debian as root, installs Debian's packages for what is missing. Anywhere else it
 * says how; those tests then skip with the same message, except where the backends are
 * required (CHATWIRE_REQUIRE_BACKENDS=1, as in CI): there this fails.
 */
import {
  BACKENDS_REQUIRED,
  fastApiHasHttpx,
  findFastApiPython,
  findRedisServer,
  forgetFoundPython,
} from './backends.mjs';
import { canInstallDebianPackages, installDebianPackages } from './debian.mjs';

/** Debian's packages for what is missing; httpx is checked on the very Python the tests use. */
function missingPackages() {
  forgetFoundPython();
  const python = findFastApiPython();
  return [
    ...(python === null ? ['python3-fastapi', 'python3-uvicorn'] : []),
    ...(python === null || !fastApiHasHttpx() ? ['python3-httpx'] : []),
    ...(findRedisServer() === null ? ['redis-server'] : []),
  ];
}

let missing = missingPackages();
if (missing.length === 0) process.exit(0);

if (canInstallDebianPackages) {
  console.log(`Installing what chatwire's backend tests need: ${missing.join(' ')}`);
  const installed = installDebianPackages(missing);
  missing = missingPackages();
  if (installed && missing.length === 0) process.exit(0);
  const python = findFastApiPython() ?? 'no Python with fastapi and uvicorn';
  console.error(
    installed
      ? `apt-get installed them, but ${missing.join(' ')} is still missing where the tests look (Python: ${python}). Point CHATWIRE_PYTHON / CHATWIRE_REDIS_SERVER at ones that have it.`
      : `Installing ${missing.join(' ')} with apt-get failed; see the output above.`,
  );
  process.exit(BACKENDS_REQUIRED ? 1 : 0);
}

const outcome = BACKENDS_REQUIRED
  ? 'they are required here (CHATWIRE_REQUIRE_BACKENDS or CI), so this fails'
  : 'they will be skipped';
console.error(`chatwire's FastAPI and multi-instance tests need ${missing.join(', ')}; ${outcome}.
  - Debian/Ubuntu:  sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}
  - Elsewhere:      pip install -r examples/fastapi/requirements.txt (in a virtualenv), and Redis 5+ (brew install redis)
  - Or point CHATWIRE_PYTHON / CHATWIRE_REDIS_SERVER at yours.`);
process.exit(BACKENDS_REQUIRED ? 1 : 0);
