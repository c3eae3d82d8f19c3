/**
 * The link machine's vocabulary: its phases, its policy and chatwire's defaults for it, the
 * shape of its state and the events it takes. Kept apart from the step function (`link.ts`)
 * and the deadline (`link-deadline.ts`), which both read these, and from everything else in
 * chatwire, which mostly needs only the types.
 */
import { type BackoffOptions, DEFAULT_BACKOFF } from './policy.ts';
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
export const NO_SOCKET = {
  connectingSince: null,
  openedAt: null,
  healthy: false,
  retryAt: null,
  pingSentAt: null,
  lastPingAt: null,
  framesThisSocket: 0,
  firstFrameWasError: false,
} as const satisfies Partial<LinkState>;

/** True while the link wants a socket (connecting or open). */
export function wantsSocket(phase: LinkPhase): boolean {
  return phase === 'connecting' || phase === 'open';
}

/** Whether any frame arrived at or after `time`. */
export function heardSince(state: LinkState, time: number): boolean {
  return state.lastReceivedAt !== null && state.lastReceivedAt >= time;
}
