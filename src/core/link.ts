/**
 * The connection's life as a pure state machine: `stepLink(state, event, policy) → state`.
 * It never sets a timer or touches a socket. The caller (`connection.ts`) feeds it
 * socket events, network and page events, and `tick`s at the time `nextLinkDeadline` names,
 * and acts on what changed: a new `socketId` means "open a fresh socket", a phase without a
 * socket means "close it", a new `pingsSent` count means "send a ping".
 *
 * Rules it keeps (each has a unit test):
 * - Reconnects wait a full-jitter backoff; the count of failures only resets once a
 *   connection has proved healthy (stayed open `healthyAfterMs`, or answered something we
 *   sent), so a server that accepts and then closes at once cannot make it loop.
 * - After `maxAttempts` failures in a row it stops and waits for the user, the network coming
 *   back or the page becoming visible.
 * - While open it pings every `pingIntervalMs`; if nothing at all arrives within
 *   `pingTimeoutMs` of a ping the socket is declared dead and a fresh one opened at once.
 * - A refused token (close 1008/4001/4003/4401, or an `error` frame then a close before
 *   anything else) is retried once with a fresh token when the host can provide one, then
 *   the link stops as unauthorized.
 * - A clock that jumped (the machine slept) triggers a check at once.
 *
 * The step function and its rules are here; the types, policy and initial state are in
 * `link-state.ts`, and when the next `tick` is due in `link-deadline.ts`.
 */
import {
  CLOCK_CHECK_INTERVAL_MS,
  CLOCK_JUMP_MS,
  DEFAULT_LINK_POLICY,
  heardSince,
  initialLinkState,
  type LinkEvent,
  type LinkPolicy,
  type LinkState,
  NO_SOCKET,
  wantsSocket,
} from './link-state.ts';
import { backoffDelay, isAuthFailureClose } from './policy.ts';
import type { ServerFrameType } from './protocol.ts';

// The machine's whole interface is here, though its parts live beside it: callers need not
// know how it is divided.
export { nextLinkDeadline } from './link-deadline.ts';
export type { AuthProblem, LinkEvent, LinkPhase, LinkPolicy, LinkState } from './link-state.ts';
export {
  CLOCK_CHECK_INTERVAL_MS,
  CLOCK_JUMP_MS,
  DEFAULT_LINK_POLICY,
  initialLinkState,
  wantsSocket,
} from './link-state.ts';

/** Frames that answer something the client sent: proof the server is really serving us. */
const ANSWER_FRAMES: ReadonlySet<ServerFrameType> = new Set([
  'stream-start',
  'stream-token',
  'stream-end',
  'human-escalation-response',
  'pong',
]);

/** Applies one event. Returns `state` itself when nothing changed. */
export function stepLink(
  state: LinkState,
  event: LinkEvent,
  policy: LinkPolicy = DEFAULT_LINK_POLICY,
): LinkState {
  switch (event.type) {
    case 'start':
      return event.hasCredentials
        ? connectNow(
            { ...initialLinkState(), socketId: state.socketId, lastTickAt: event.now },
            event.now,
          )
        : {
            ...initialLinkState(),
            socketId: state.socketId,
            phase: 'unauthorized',
            authProblem: 'no-token',
          };
    case 'token-unusable':
      if (event.socketId !== state.socketId || state.phase !== 'connecting') return state;
      return { ...state, phase: 'unauthorized', authProblem: event.reason, retryAt: null };
    case 'socket-opened':
      if (state.phase !== 'connecting') return state;
      return {
        ...state,
        phase: 'open',
        connectingSince: null,
        openedAt: event.now,
        lastPingAt: event.now,
        lastTickAt: event.now,
        framesThisSocket: 0,
      };
    case 'frames-received':
      return event.frameTypes.reduce(
        (next: LinkState, frameType) => receiveFrame(next, frameType, event.now),
        state,
      );
    case 'socket-closed':
      return socketClosed(state, event.code, event.now, event.random, policy);
    case 'tick':
      return tick(state, event.now, policy);
    case 'network-offline':
      if (state.phase === 'idle' || state.phase === 'unauthorized' || state.phase === 'offline')
        return state;
      return { ...dropSocket(state), phase: 'offline' };
    case 'network-online':
      // The network is back: whatever failed before may work now, so start counting afresh.
      if (state.phase === 'offline' || state.phase === 'waiting' || state.phase === 'stopped') {
        return connectNow({ ...state, failures: 0 }, event.now);
      }
      // A socket that looks open may have died while the network was away: check it.
      return state.phase === 'open' ? sendPing(state, event.now) : state;
    case 'page-visible':
      if (state.phase === 'waiting') return connectNow(state, event.now);
      // Coming back to a link that gave up is a fresh start, as if the user asked for it.
      if (state.phase === 'stopped') return connectNow({ ...state, failures: 0 }, event.now);
      // The user may have signed in again in another tab: worth one try with a fresh token.
      if (
        state.phase === 'unauthorized' &&
        policy.canRefreshToken &&
        state.authProblem !== 'no-token'
      ) {
        return connectNow({ ...state, failures: 0, authRetried: false }, event.now);
      }
      return state.phase === 'open' ? sendPing(state, event.now) : state;
    case 'reconnect-now':
      // The user asked: skip any wait and start counting afresh. An attempt already under way
      // is left to finish. From `unauthorized` only a fresh token can help, so it needs one.
      if (state.phase === 'idle' || state.phase === 'connecting') return state;
      if (state.phase === 'unauthorized' && !policy.canRefreshToken) return state;
      return connectNow({ ...state, failures: 0, authRetried: false }, event.now);
    case 'stop':
      return state.phase === 'idle' ? state : { ...dropSocket(state), phase: 'idle' };
    default:
      return event satisfies never;
  }
}

function connectNow(state: LinkState, now: number): LinkState {
  return {
    ...dropSocket(state),
    phase: 'connecting',
    connectingSince: now,
    socketId: state.socketId + 1,
    authProblem: null,
  };
}

/** Forgets everything about the current socket. */
function dropSocket(state: LinkState): LinkState {
  return { ...state, ...NO_SOCKET };
}

function receiveFrame(state: LinkState, frameType: ServerFrameType | null, now: number): LinkState {
  if (state.phase !== 'open') return state;
  const next: LinkState = {
    ...state,
    lastReceivedAt: now,
    framesThisSocket: state.framesThisSocket + 1,
    firstFrameWasError:
      state.framesThisSocket === 0 ? frameType === 'error' : state.firstFrameWasError,
  };
  if (frameType === 'pong' && state.pingSentAt !== null) {
    next.roundTripMs = now - state.pingSentAt;
    next.pingSentAt = null;
  }
  return frameType !== null && ANSWER_FRAMES.has(frameType) ? markHealthy(next) : next;
}

function markHealthy(state: LinkState): LinkState {
  return state.healthy ? state : { ...state, healthy: true, failures: 0, authRetried: false };
}

function isAuthRejection(state: LinkState, code: number): boolean {
  // The protocol's own way to refuse a token is an `error` frame and a close; some servers
  // use a policy-violation close code instead.
  const errorThenClose = state.framesThisSocket === 1 && state.firstFrameWasError;
  return isAuthFailureClose(code) || errorThenClose;
}

function socketClosed(
  state: LinkState,
  code: number,
  now: number,
  random: number,
  policy: LinkPolicy,
): LinkState {
  if (!wantsSocket(state.phase)) return state;
  if (isAuthRejection(state, code)) {
    if (policy.canRefreshToken && !state.authRetried)
      return connectNow({ ...state, authRetried: true }, now);
    return { ...dropSocket(state), phase: 'unauthorized', authProblem: 'rejected' };
  }
  return scheduleRetry(state, now, random, policy);
}

function scheduleRetry(
  state: LinkState,
  now: number,
  random: number,
  policy: LinkPolicy,
): LinkState {
  // Uptime counts even if no tick came to notice it (timers are throttled in background tabs).
  const wasHealthy =
    state.healthy || (state.openedAt !== null && now - state.openedAt >= policy.healthyAfterMs);
  const failures = (wasHealthy ? 0 : state.failures) + 1;
  if (failures >= policy.maxAttempts) return { ...dropSocket(state), failures, phase: 'stopped' };
  const delay = backoffDelay(failures - 1, policy, () => random);
  return {
    ...dropSocket(state),
    failures,
    phase: 'waiting',
    retryAt: now + delay,
    lastTickAt: now,
  };
}

function tick(state: LinkState, now: number, policy: LinkPolicy): LinkState {
  // The wall clock jumped: forward after a sleep, or backward when it was corrected. Either
  // way the deadlines computed from it no longer mean anything, so act now.
  const slept =
    state.lastTickAt !== null &&
    (now - state.lastTickAt > CLOCK_CHECK_INTERVAL_MS + CLOCK_JUMP_MS || now < state.lastTickAt);
  let next: LinkState = state.lastTickAt === now ? state : { ...state, lastTickAt: now };
  switch (next.phase) {
    case 'connecting':
      // A socket stuck opening (a black-holed network) can take minutes to fail on its own.
      // It has waited longer than any backoff already, so the next attempt starts at once.
      if (next.connectingSince !== null && now - next.connectingSince >= policy.connectTimeoutMs) {
        return abandonSocket(next, now, policy);
      }
      return next;
    case 'waiting':
      // After a sleep the backoff was waited out in spirit: try at once.
      return slept || (next.retryAt !== null && now >= next.retryAt) ? connectNow(next, now) : next;
    case 'open':
      if (isDead(next, now, policy)) return abandonSocket(next, now, policy);
      if (!next.healthy && next.openedAt !== null && now - next.openedAt >= policy.healthyAfterMs) {
        next = markHealthy(next);
      }
      if (slept || (next.lastPingAt !== null && now - next.lastPingAt >= policy.pingIntervalMs)) {
        next = sendPing(next, now);
      }
      return next;
    case 'idle':
    case 'offline':
    case 'unauthorized':
    case 'stopped':
      // Nothing is pending in these phases; the tick only records the time.
      return next;
    default:
      return next.phase satisfies never;
  }
}

/** Gives up on the current socket as failed and opens a fresh one at once (or stops). */
function abandonSocket(state: LinkState, now: number, policy: LinkPolicy): LinkState {
  const failures = (state.healthy ? 0 : state.failures) + 1;
  if (failures >= policy.maxAttempts) return { ...dropSocket(state), failures, phase: 'stopped' };
  return connectNow({ ...state, failures }, now);
}

function isDead(state: LinkState, now: number, policy: LinkPolicy): boolean {
  if (state.pingSentAt === null) return false;
  return !heardSince(state, state.pingSentAt) && now - state.pingSentAt >= policy.pingTimeoutMs;
}

function sendPing(state: LinkState, now: number): LinkState {
  // A ping already in the air stays the one the watchdog times, unless it was answered by
  // other traffic since, so a steady stream never hides a later silence.
  const outstanding = state.pingSentAt !== null && !heardSince(state, state.pingSentAt);
  return {
    ...state,
    pingSentAt: outstanding ? state.pingSentAt : now,
    lastPingAt: now,
    pingsSent: state.pingsSent + 1,
  };
}
