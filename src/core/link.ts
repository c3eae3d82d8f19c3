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
 */
import {
  type BackoffOptions,
  backoffDelay,
  DEFAULT_BACKOFF,
  isAuthFailureClose,
} from './policy.ts';
import type { ServerFrameType } from './protocol.ts';

/** Where the link is. */
export type LinkPhase =
  | 'idle'
  | 'connecting'
  | 'open'
  | 'waiting'
  | 'offline'
  | 'unauthorized'
  | 'stopped';

/** Why the link is unauthorized. */
export type AuthProblem = 'no-token' | 'expired' | 'rejected';

/** Timing and limits of the connection. Every field has a default. */
export interface LinkPolicy extends BackoffOptions {
  /** Failed attempts in a row before giving up until the user or the network acts. */
  maxAttempts: number;
  /** A connection open this long counts as healthy and resets the failure count. */
  healthyAfterMs: number;
  /** An attempt that has not opened after this long is abandoned and counted as failed. */
  connectTimeoutMs: number;
  /** How often to ping while open. */
  pingIntervalMs: number;
  /** How long after a ping silence means the socket is dead. */
  pingTimeoutMs: number;
  /** Whether a fresh token can be fetched (the host gave `getToken`). */
  canRefreshToken: boolean;
}

/** chatwire's connection defaults. */
export const DEFAULT_LINK_POLICY: LinkPolicy = {
  ...DEFAULT_BACKOFF,
  maxAttempts: 10,
  healthyAfterMs: 5_000,
  connectTimeoutMs: 15_000,
  pingIntervalMs: 30_000,
  pingTimeoutMs: 10_000,
  canRefreshToken: false,
};

/** How often the machine wants a tick at the least, to notice a clock jump. */
export const CLOCK_CHECK_INTERVAL_MS = 5_000;
/** A tick this much later than asked for means the machine was asleep. */
export const CLOCK_JUMP_MS = 10_000;

/** The link's state. Times are milliseconds since the epoch. */
export interface LinkState {
  phase: LinkPhase;
  /** Bumped for every new socket; the socket owner opens one whenever it changes. */
  socketId: number;
  /** Attempts in a row that did not give a healthy connection. */
  failures: number;
  /** When the current attempt began (token lookup included), while `connecting`. */
  connectingSince: number | null;
  openedAt: number | null;
  healthy: boolean;
  /** When the next attempt is due, while `waiting`. */
  retryAt: number | null;
  /** The ping not answered yet, if any. */
  pingSentAt: number | null;
  lastPingAt: number | null;
  /** Counts pings asked for; the socket owner sends a `ping` frame whenever it changes. */
  pingsSent: number;
  lastReceivedAt: number | null;
  /** Frames received on the current socket, and whether the first was an `error`. */
  framesThisSocket: number;
  firstFrameWasError: boolean;
  /** Whether the one retry with a refreshed token was used. */
  authRetried: boolean;
  authProblem: AuthProblem | null;
  roundTripMs: number | null;
  lastTickAt: number | null;
}

/** What can happen to the link. `now` is in ms; `random` is a fresh value in [0, 1). */
export type LinkEvent =
  | { type: 'start'; now: number; hasCredentials: boolean }
  | { type: 'token-unusable'; now: number; socketId: number; reason: 'no-token' | 'expired' }
  | { type: 'socket-opened'; now: number }
  /** The frames of one batch, in order, by type (null for one that could not be read). */
  | { type: 'frames-received'; now: number; frameTypes: readonly (ServerFrameType | null)[] }
  | { type: 'socket-closed'; now: number; code: number; random: number }
  | { type: 'tick'; now: number }
  | { type: 'network-offline'; now: number }
  | { type: 'network-online'; now: number }
  | { type: 'page-visible'; now: number }
  | { type: 'reconnect-now'; now: number }
  | { type: 'stop' };

/** A link that has not started. */
export function initialLinkState(): LinkState {
  return {
    phase: 'idle',
    socketId: 0,
    failures: 0,
    ...NO_SOCKET,
    pingsSent: 0,
    lastReceivedAt: null,
    authRetried: false,
    authProblem: null,
    roundTripMs: null,
    lastTickAt: null,
  };
}

/** The fields that describe one socket, as they are when there is none. */
const NO_SOCKET = {
  connectingSince: null,
  openedAt: null,
  healthy: false,
  retryAt: null,
  pingSentAt: null,
  lastPingAt: null,
  framesThisSocket: 0,
  firstFrameWasError: false,
} as const satisfies Partial<LinkState>;

/** Frames that answer something the client sent: proof the server is really serving us. */
const ANSWER_FRAMES: ReadonlySet<ServerFrameType> = new Set([
  'stream-start',
  'stream-token',
  'stream-end',
  'human-escalation-response',
  'pong',
]);

/** True while the link wants a socket (connecting or open). */
export function wantsSocket(phase: LinkPhase): boolean {
  return phase === 'connecting' || phase === 'open';
}

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

/** Whether any frame arrived at or after `time`. */
function heardSince(state: LinkState, time: number): boolean {
  return state.lastReceivedAt !== null && state.lastReceivedAt >= time;
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
