#!/usr/bin/env node
/**
 * chatwire's browser tests run in a real Chromium. This finds one (CHROMIUM_PATH, or
 * Debian's /usr/bin/chromium); on Debian as root it installs Debian's package itself;
 * anywhere else it says exactly how to get one and fails.
 */
import { accessSync, constants } from 'node:fs';
import { canInstallDebianPackages, installDebianPackages } from './debian.mjs';

const DEFAULT_PATH = '/usr/bin/chromium';
const chromiumPath = process.env.CHROMIUM_PATH || DEFAULT_PATH;

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

if (isExecutable(chromiumPath)) process.exit(0);

if (process.env.CHROMIUM_PATH) {
  console.error(
    `CHROMIUM_PATH is set to '${chromiumPath}', but no executable is there. Point it at a Chromium or Chrome binary.`,
  );
  process.exit(1);
}

if (canInstallDebianPackages) {
  console.log("No Chromium found for the browser tests: installing Debian's chromium package.");
  if (installDebianPackages(['chromium']) && isExecutable(DEFAULT_PATH)) {
    process.exit(0);
  }
  console.error('Installing chromium with apt-get failed; see the output above.');
  process.exit(1);
}

console.error(`chatwire's browser tests need Chromium, and none was found at ${DEFAULT_PATH}.
Get one of these, then run the tests again:
  - Debian/Ubuntu:  sudo apt-get update && sudo apt-get install -y chromium
  - macOS:          brew install --cask chromium
  - Or any Chrome/Chromium you have: CHROMIUM_PATH=/path/to/chrome npm test`);
process.exit(1);
