/**
 * How chatwire's tests and benchmarks launch Chromium: Debian's by default, or the one at
 * CHROMIUM_PATH. Without the background-networking flags Chromium floods a closed network
 * with refused connections.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
