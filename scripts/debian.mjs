/**
 * Installing Debian's packages for chatwire's tests, shared by scripts/ensure-chromium.mjs and
 * scripts/ensure-backends.mjs: only on Debian, only as root, always after `apt-get update`
 * (a bare machine has no package lists yet).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** True where this process may install Debian packages itself. */
export const canInstallDebianPackages =
  existsSync('/etc/debian_version') &&
  typeof process.getuid === 'function' &&
  process.getuid() === 0;

function run(command, args) {
  console.log(`$ ${command} ${args.join(' ')}`);
  return (
    spawnSync(command, args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status === 0
  );
}

/** `apt-get update`, then installs `packages` without recommends; true when both succeeded. */
export function installDebianPackages(packages) {
  return (
    run('apt-get', ['update']) &&
    run('apt-get', ['install', '-y', '--no-install-recommends', ...packages])
  );
}
