/**
 * Connection policy as pure functions: they take the attempt number, the time and a random
 * source, and return decisions. Timers live in the connection, never here.
 */

/** Reconnect timing: the first retry waits up to `minDelayMs`, later ones up to `maxDelayMs`. */
export interface BackoffOptions {
  /** Upper bound of the first retry's delay, in ms. Default 1,000. */
  minDelayMs: number;
  /** No retry ever waits longer than this, in ms. Default 30,000. */
  maxDelayMs: number;
}

/** chatwire's reconnect timing when the host app gives none. */
export const DEFAULT_BACKOFF: BackoffOptions = { minDelayMs: 1_000, maxDelayMs: 30_000 };

/**
 * The delay before reconnect attempt `attempt` (0 for the first retry), with "full jitter":
 * a uniformly random wait between 0 and an exponentially growing ceiling. Randomising every
 * delay keeps thousands of widgets that lost the same server from returning all at once.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  // `|| 0` maps NaN (a bad count) to the first attempt's ceiling rather than to NaN, which
  // setTimeout would treat as 0 for every retry.
  const exponent = Math.min(Math.max(0, Math.floor(attempt) || 0), 30);
  const ceiling = Math.min(options.maxDelayMs, options.minDelayMs * 2 ** exponent);
  return Math.round(random() * ceiling);
}

/** WebSocket close codes with which a server says the credentials were refused. */
const AUTH_CLOSE_CODES: ReadonlySet<number> = new Set([1008, 4001, 4003, 4401]);

/** True when a close code means "your token was refused": retrying with it cannot help. */
export function isAuthFailureClose(code: number): boolean {
  return AUTH_CLOSE_CODES.has(code);
}
