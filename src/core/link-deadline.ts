/**
 * When the link machine next needs a `tick`. The machine sets no timers of its own; its
 * caller asks this after every step and keeps one timer for the answer, so a deadline can
 * never be forgotten or set twice.
 */
import {
  CLOCK_CHECK_INTERVAL_MS,
  DEFAULT_LINK_POLICY,
  heardSince,
  type LinkPolicy,
  type LinkState,
} from './link-state.ts';

/**
 * The earliest time the machine needs a `tick`, or null when nothing is pending.
 * The caller sets one timer for it.
 */
export function nextLinkDeadline(
  state: LinkState,
  policy: LinkPolicy = DEFAULT_LINK_POLICY,
): number | null {
  const deadlines: number[] = [];
  if (state.phase === 'waiting' && state.retryAt !== null) deadlines.push(state.retryAt);
  if (state.phase === 'connecting' && state.connectingSince !== null) {
    deadlines.push(state.connectingSince + policy.connectTimeoutMs);
  }
  if (state.phase === 'open') {
    if (state.lastPingAt !== null) deadlines.push(state.lastPingAt + policy.pingIntervalMs);
    // Only an unanswered ping has a watchdog: once anything arrived, its deadline is moot
    // (and, being in the past, would otherwise make the caller tick in a busy loop).
    if (state.pingSentAt !== null && !heardSince(state, state.pingSentAt)) {
      deadlines.push(state.pingSentAt + policy.pingTimeoutMs);
    }
    if (!state.healthy && state.openedAt !== null)
      deadlines.push(state.openedAt + policy.healthyAfterMs);
  }
  if (deadlines.length === 0) return null;
  // Ticking at least every few seconds lets a tick notice that the clock jumped.
  if (state.lastTickAt !== null) deadlines.push(state.lastTickAt + CLOCK_CHECK_INTERVAL_MS);
  return Math.min(...deadlines);
}
