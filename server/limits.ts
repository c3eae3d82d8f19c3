/**
 * The reference server's hardening pieces, after the OWASP WebSocket guidance: an Origin
 * allow-list, a per-connection chat rate limit, a per-user connection cap and send-buffer
 * backpressure. Each is a small piece of state or a pure check, so the server's handlers only
 * wire them in.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebSocket } from 'ws';

/** Chat messages a connection may send per minute when nothing else is configured. */
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 30;
/**
 * Frames of any kind a connection may send per minute: ten times what a busy real client sends
 * (30 chats, 2 pings, the odd escalation), so only a flood reaches it.
 */
export const DEFAULT_MAX_FRAMES_PER_MINUTE = 600;
/** Open connections one user may hold when nothing else is configured: a few tabs and devices. */
export const DEFAULT_MAX_CONNECTIONS_PER_USER = 5;
/**
 * Replies pause while a socket has more than this queued unsent. The kernel already buffers a
 * few MB per socket, so reaching this means the client really is not reading.
 */
export const DEFAULT_SEND_BUFFER_HIGH_WATER_BYTES = 64 * 1024;
/**
 * A socket with more than this queued unsent is terminated. Replies never get here (they pause
 * at the high-water mark); it stops the output nothing paces — pongs and error frames for a
 * client that keeps sending but never reads.
 */
export const DEFAULT_SEND_BUFFER_LIMIT_BYTES = 1024 * 1024;
/** The rate limit's window. The limit is stated per minute, so this is fixed. */
export const RATE_WINDOW_MS = 60_000;
/** How often a paused reply looks at the send buffer again. */
const DRAIN_POLL_MS = 10;

// ---------------------------------------------------------------------------------------------
// Origin allow-list

/**
 * Turns configured origins into the exact strings browsers send (`new URL(entry).origin`), so
 * 'http://localhost:5173/' works as well as 'http://localhost:5173'. Throws on an entry that
 * is not an http(s) origin: a typo here would otherwise lock every client out, silently.
 */
export function normalizeOrigins(entries: readonly string[]): ReadonlySet<string> {
  const origins = new Set<string>();
  for (const entry of entries) {
    const trimmed = entry.trim();
    const url = URL.canParse(trimmed) ? new URL(trimmed) : null;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      throw new RangeError(
        `allowed origin '${trimmed}' is not an http:// or https:// origin (e.g. https://app.example.com)`,
      );
    origins.add(url.origin);
  }
  return origins;
}

/**
 * The origin a handshake claims, read the way `ws` reads it: protocol version 8 used
 * `Sec-WebSocket-Origin`, version 13 (every current browser) uses `Origin`.
 */
export function requestOrigin(req: IncomingMessage): string | undefined {
  const header =
    req.headers['sec-websocket-version'] === '8'
      ? req.headers['sec-websocket-origin']
      : req.headers.origin;
  return Array.isArray(header) ? header[0] : header;
}

/**
 * Exact match against the allow-list. A missing Origin is refused too: every browser sends one
 * on a WebSocket handshake, so only non-browser clients lack it, and those can set any header
 * they like (so the check is no loss to them: they send an allowed origin). Refusing it keeps
 * "allow-list set" meaning "only these origins", with no header-less side door.
 */
export function isOriginAllowed(origin: string | undefined, allowed: ReadonlySet<string>): boolean {
  return origin !== undefined && allowed.has(origin);
}

// ---------------------------------------------------------------------------------------------
// Rate limit

/** What {@link RateLimiter.take} decided about one message. */
export type RateDecision =
  | { allowed: true }
  | {
      allowed: false;
      /** How long until the oldest counted message leaves the window and one more is allowed. */
      retryAfterMs: number;
      /** True for the first refusal after an allowed message: the one the client is told about. */
      firstRefusal: boolean;
    };

/** Counts one connection's chat messages over a sliding window. */
export interface RateLimiter {
  /** Asks to send one more message now; an allowed message is counted, a refused one is not. */
  take(): RateDecision;
}

/**
 * A sliding-window log: it keeps the times of the last `limit` allowed messages, so no minute
 * ever holds more than `limit` of them (a fixed window would let 2 × limit through around its
 * edge). Memory is bounded by `limit` numbers.
 */
export function createRateLimiter(
  limit: number,
  windowMs: number,
  clock: () => number,
): RateLimiter {
  const allowedAt: number[] = [];
  let refusing = false;
  return {
    take() {
      const now = clock();
      dropOlderThan(allowedAt, now - windowMs);
      const oldest = allowedAt[0];
      if (allowedAt.length < limit || oldest === undefined) {
        allowedAt.push(now);
        refusing = false;
        return { allowed: true };
      }
      const firstRefusal = !refusing;
      refusing = true;
      return { allowed: false, retryAfterMs: oldest + windowMs - now, firstRefusal };
    },
  };
}

/** Removes the times at or before `cutoff` from the front of an ascending list. */
function dropOlderThan(times: number[], cutoff: number): void {
  let first = times[0];
  while (first !== undefined && first <= cutoff) {
    times.shift();
    first = times[0];
  }
}

/** The one error frame's text: what the limit is and when sending works again. */
export function rateLimitMessage(limit: number, retryAfterMs: number): string {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return (
    `Rate limit reached: at most ${limit} chat messages a minute. ` +
    `Try again in ${seconds} s; messages sent before then are dropped.`
  );
}

// ---------------------------------------------------------------------------------------------
// Connections per user

/**
 * Whose connection this is, for the per-user cap. The JWT `sub` when there is one. A token
 * without `sub` names nobody, so it is keyed on the token itself (hashed, so the map never holds
 * a usable credential): each such token is capped on its own, and pooling every subject-less
 * token into one shared bucket would let one client lock all the others out.
 */
export function userKeyFor(subject: string | undefined, token: string): string {
  if (subject !== undefined) return `sub:${subject}`;
  return `token:${createHash('sha256').update(token).digest('base64url')}`;
}

/** Open connections per user key. `limit` 0 means no cap. */
export class ConnectionCounter {
  private readonly open = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** Counts one more connection for `key`, unless that would exceed the cap. */
  tryAdd(key: string): boolean {
    const count = this.open.get(key) ?? 0;
    if (this.limit > 0 && count >= this.limit) return false;
    this.open.set(key, count + 1);
    return true;
  }

  /** Counts one more connection for `key` whatever the cap: one a shared store admitted. */
  add(key: string): void {
    this.open.set(key, (this.open.get(key) ?? 0) + 1);
  }

  remove(key: string): void {
    const count = (this.open.get(key) ?? 0) - 1;
    // Deleting at zero keeps the map the size of the users connected now, not of all ever seen.
    if (count > 0) this.open.set(key, count);
    else this.open.delete(key);
  }
}

// ---------------------------------------------------------------------------------------------
// Backpressure

/**
 * How long a reply may stay paused on a client that does not read before that client is cut
 * off. Without it, a client that keeps its connection open but never reads (a frozen tab, a
 * zero TCP window) would hold every reply it asked for, and a poller for each, forever.
 */
export const DEFAULT_SEND_STALL_TIMEOUT_MS = 30_000;

/**
 * Resolves once the socket can take more: true at once while its unsent bytes are at or below
 * `highWaterBytes`, or after they fall to half of it (hysteresis, so a slow reader is fed in
 * batches, not one frame per poll); also true when the socket stops being open or `signal`
 * aborts (the caller checks both). False when the buffer stayed full for `stallTimeoutMs`: the
 * client has stopped reading, and the caller should let it go. `ws` has no drain event, so
 * this polls `bufferedAmount`.
 */
export async function waitForRoom(
  socket: WebSocket,
  highWaterBytes: number,
  signal: AbortSignal,
  stallTimeoutMs: number,
): Promise<boolean> {
  if (socket.bufferedAmount <= highWaterBytes) return true;
  const lowWaterBytes = highWaterBytes / 2;
  const giveUpAt = Date.now() + stallTimeoutMs;
  while (
    socket.bufferedAmount > lowWaterBytes &&
    socket.readyState === socket.OPEN &&
    !signal.aborted
  ) {
    if (Date.now() >= giveUpAt) return false;
    try {
      await sleep(DRAIN_POLL_MS, undefined, { signal });
    } catch {
      return true; // aborted: the caller checks the signal
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Settings from the environment

/** The hardening settings the CLI reads from the environment; unset ones are left out. */
export interface HardeningEnvSettings {
  jwtAudience?: string;
  jwtIssuer?: string;
  allowedOrigins?: readonly string[];
  rateLimitPerMinute?: number;
  maxFramesPerMinute?: number;
  maxConnectionsPerUser?: number;
}

/** Environment variables read by {@link hardeningFromEnv}. */
export const HARDENING_ENV = {
  audience: 'CHATWIRE_JWT_AUDIENCE',
  issuer: 'CHATWIRE_JWT_ISSUER',
  allowedOrigins: 'CHATWIRE_ALLOWED_ORIGINS',
  rateLimit: 'CHATWIRE_RATE_LIMIT_PER_MINUTE',
  maxFrames: 'CHATWIRE_MAX_FRAMES_PER_MINUTE',
  maxConnections: 'CHATWIRE_MAX_CONNECTIONS_PER_USER',
} as const;

type EnvResult = { ok: true; settings: HardeningEnvSettings } | { ok: false; error: string };
type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the hardening variables. Blank counts as unset. A malformed value is an error (the CLI
 * exits), never a silent fallback: a mistyped limit must not quietly mean "no limit".
 */
export function hardeningFromEnv(env: Env): EnvResult {
  const settings: HardeningEnvSettings = {};
  const audience = env[HARDENING_ENV.audience]?.trim();
  if (audience) settings.jwtAudience = audience;
  const issuer = env[HARDENING_ENV.issuer]?.trim();
  if (issuer) settings.jwtIssuer = issuer;
  const origins = env[HARDENING_ENV.allowedOrigins]?.trim();
  if (origins) {
    const list = origins
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    if (list.length === 0)
      return { ok: false, error: `${HARDENING_ENV.allowedOrigins} lists no origin` };
    try {
      settings.allowedOrigins = [...normalizeOrigins(list)];
    } catch (error) {
      return { ok: false, error: `${HARDENING_ENV.allowedOrigins}: ${messageOf(error)}` };
    }
  }
  for (const [name, key] of [
    [HARDENING_ENV.rateLimit, 'rateLimitPerMinute'],
    [HARDENING_ENV.maxFrames, 'maxFramesPerMinute'],
    [HARDENING_ENV.maxConnections, 'maxConnectionsPerUser'],
  ] as const) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const value = Number(raw);
    if (!isCount(value))
      return { ok: false, error: `${name} must be a whole number (0 = no limit), got '${raw}'` };
    settings[key] = value;
  }
  return { ok: true, settings };
}

/** A whole number >= 0, as the limits take (0 = no limit). */
export function isCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
