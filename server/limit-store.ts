/**
 * Where the reference server counts the two limits a user could multiply by opening more
 * sockets: the per-user connection cap and the chat rate limit. One server counts them in its
 * own memory ({@link createLocalLimits}, the default); several instances behind a load
 * balancer share them through Redis (`redis-limits.ts`), so a user gets the limits once, not
 * once per instance. The frame limit (a flood guard for one socket) is not here: it stays with
 * the socket, checked synchronously before any parsing, on whichever instance holds it.
 */
import {
  ConnectionCounter,
  createRateLimiter,
  RATE_WINDOW_MS,
  type RateDecision,
  type RateLimiter,
} from './limits.ts';

/** Counts one connection's chat messages; the answer may need a round trip to a shared store. */
export interface ChatLimiter {
  /** Asks to send one more chat now; an allowed chat is always counted. */
  take(): Promise<RateDecision>;
}

/** The connection cap and the chat rate limit, counted in memory or in a shared store. */
export interface LimitStore {
  /** Where the counts live, for the server's log: 'memory' or 'Redis'. */
  readonly kind: string;
  /**
   * Counts connection `connectionId` of `userKey`, unless the user is at the cap. Checked and
   * counted in one atomic step, so simultaneous upgrades cannot overshoot the cap.
   */
  admitConnection(userKey: string, connectionId: number): Promise<boolean>;
  /** Gives back the slot of an admitted connection that has closed. */
  releaseConnection(userKey: string, connectionId: number): void;
  /** The chat limiter for one new connection of `userKey`; undefined when the limit is off. */
  chatLimiter(userKey: string): ChatLimiter | undefined;
  /** Lets go of timers and store connections. Safe to call twice. */
  close(): Promise<void>;
}

/** The limits a {@link LimitStore} enforces; 0 turns one off. */
export interface LimitSettings {
  maxConnectionsPerUser: number;
  rateLimitPerMinute: number;
  /** Milliseconds since the epoch, for the in-memory rate window (tests inject a fake clock). */
  clock: () => number;
}

/**
 * Both limits in this server's memory: the cap per user over this instance's sockets, the chat
 * limit per connection as a sliding one-minute window. What a single server needs, and what a
 * shared store falls back to while it cannot be reached.
 */
export function createLocalLimits(settings: LimitSettings): LimitStore {
  const counter = new ConnectionCounter(settings.maxConnectionsPerUser);
  return {
    kind: 'memory',
    admitConnection: (userKey) => Promise.resolve(counter.tryAdd(userKey)),
    releaseConnection: (userKey) => counter.remove(userKey),
    chatLimiter: () => {
      const limiter = localChatLimiter(settings);
      return limiter && { take: () => Promise.resolve(limiter.take()) };
    },
    close: () => Promise.resolve(),
  };
}

/** One connection's sliding-window chat limiter, or undefined when the limit is off. */
export function localChatLimiter(settings: LimitSettings): RateLimiter | undefined {
  const limit = settings.rateLimitPerMinute;
  return limit > 0 ? createRateLimiter(limit, RATE_WINDOW_MS, settings.clock) : undefined;
}
