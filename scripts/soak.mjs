// `npm run soak`: the soak test (test/soak.test.tsx) for CHATWIRE_SOAK_MINUTES, 10 by default.
import { spawnSync } from 'node:child_process';

const minutes = process.env.CHATWIRE_SOAK_MINUTES ?? '10';
const run = (command, args) =>
  spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, CHATWIRE_SOAK_MINUTES: minutes },
  }).status ?? 1;

const status =
  run('node', ['scripts/ensure-chromium.mjs']) ||
  run('npx', ['vitest', 'run', '--project', 'browser', 'test/soak.test.tsx']);
process.exit(status);
