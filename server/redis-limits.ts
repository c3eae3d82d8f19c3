/**
 * The connection cap and the chat rate limit shared by every reference-server instance that
 * points at one Redis (`CHATWIRE_REDIS_URL`), so behind a load balancer a user gets them once,
 * not once per instance:
 * - the cap is a sorted set per user of `instance:connection` leases, checked and added in one
 *   Lua script (atomic in Redis) and renewed while the socket lives, so the slots of an instance
 *   that crashed expire on their own after {@link CONNECTION_LEASE_MS};
 * - the chat limit is rate-limiter-flexible's Redis limiter, per user across all of their
 *   connections: a fixed one-minute window (that library has no sliding one for Redis).
 *
 * Redis going away never stops a server: while it is unreachable both limits fall back to this
 * instance's own counts (rate-limiter-flexible's insurance limiter, and the local counter this
 * module keeps all along), logged once per outage. When Redis is back, every open connection's
 * lease is written again at once and sharing resumes.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { ChatLimiter, LimitSettings, LimitStore } from './limit-store.ts';
import { ConnectionCounter, RATE_WINDOW_MS } from './limits.ts';

/** A connection's slot expires this long after it was last renewed (an instance that died). */
export const CONNECTION_LEASE_MS = 30_000;
/** Leases are renewed this often, well inside their lifetime. */
const LEASE_RENEW_MS = CONNECTION_LEASE_MS / 3;
/** A Redis command that takes longer than this falls back to the local count. */
const COMMAND_TIMEOUT_MS = 500;
/** How long startup waits for Redis before serving with local limits. */
const CONNECT_WAIT_MS = 2_000;

/**
 * Drops expired leases, refuses at the cap, adds the lease. Redis' own clock dates the leases,
 * so instances with skewed clocks agree. KEYS[1] the user's set; ARGV: member, lease ms, cap.
 */
const ADMIT_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local cap = tonumber(ARGV[3])
if cap > 0 and redis.call('ZCARD', KEYS[1]) >= cap then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** Renews (or, after Redis restarted empty, restores) leases. KEYS[1] the set; ARGV: lease ms, members. */
const RENEW_SCRIPT = `
local time = redis.call('TIME')
local expires = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], expires, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return #ARGV - 1
`;

/** The two scripts, as ioredis defines them on the client. */
interface LeaseCommands {
  chatwireAdmit(key: string, member: string, leaseMs: number, cap: number): Promise<number>;
  chatwireRenew(key: string, leaseMs: number, ...members: string[]): Promise<number>;
}

/** Options for {@link createRedisLimits}. */
export interface RedisLimitsOptions extends LimitSettings {
  /** `redis://` or `rediss://` URL, with credentials if the server needs them. */
  url: string;
  /** Put before every key, so several deployments can share one Redis. Default 'chatwire:'. */
  keyPrefix?: string;
  /** The server's log; the URL (which may hold a password) never goes into it. */
  log: (line: string) => void;
}

/** Connects to Redis (waiting at most 2 s) and returns the shared limits. Never rejects on an unreachable Redis. */
export async function createRedisLimits(options: RedisLimitsOptions): Promise<LimitStore> {
  const prefix = options.keyPrefix ?? 'chatwire:';
  const client = connect(options.url);
  const health = watchHealth(client, options.log);
  const local = new ConnectionCounter(options.maxConnectionsPerUser);
  const leases = new Leases(client, prefix, health);
  client.on('ready', () => void leases.renewAll());
  const renewTimer = setInterval(() => void leases.renewAll(), LEASE_RENEW_MS);
  renewTimer.unref();
  const chat = sharedChatLimiter(client, prefix, options.rateLimitPerMinute);
  await health.firstAnswer();
  let closed: Promise<void> | undefined;
  return {
    kind: 'Redis',
    async admitConnection(userKey, connectionId) {
      const shared = await leases.admit(userKey, connectionId, options.maxConnectionsPerUser);
      if (shared === undefined) return local.tryAdd(userKey);
      if (shared) local.add(userKey);
      return shared;
    },
    releaseConnection(userKey, connectionId) {
      local.remove(userKey);
      leases.release(userKey, connectionId);
    },
    chatLimiter: (userKey) => chat && perConnection(chat, userKey, options.log),
    close() {
      closed ??= (async () => {
        clearInterval(renewTimer);
        health.stop();
        await leases.releaseAll();
        await client.quit().catch(() => client.disconnect());
      })();
      return closed;
    },
  };
}

/**
 * A client that fails fast instead of queueing: with no offline queue and no resending, a
 * command made while Redis is away is refused at once, and the caller counts locally.
 */
function connect(url: string): Redis & LeaseCommands {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_WAIT_MS,
    // Keep trying for as long as the server runs, at most every 2 s.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  });
  client.defineCommand('chatwireAdmit', { numberOfKeys: 1, lua: ADMIT_SCRIPT });
  client.defineCommand('chatwireRenew', { numberOfKeys: 1, lua: RENEW_SCRIPT });
  return client as Redis & LeaseCommands;
}

/**
 * Logs Redis' reachability once per change: the first failure of an outage (reconnect attempts
 * fail every 2 s, and each would otherwise log), and the recovery. Fed by the client's events
 * and by the lease commands' own results, since a Redis that hangs rather than closes (a
 * command timing out) sends the client no event.
 */
function watchHealth(client: Redis, log: (line: string) => void) {
  let reachable: boolean | undefined;
  let answered: () => void = () => undefined;
  const first = new Promise<void>((resolve) => {
    answered = resolve;
  });
  const up = () => {
    if (reachable === true) return;
    log(
      reachable === false
        ? 'Redis reachable again: the connection cap and chat limit are shared again'
        : 'limits shared through Redis',
    );
    reachable = true;
    answered();
  };
  const down = (error?: unknown) => {
    if (reachable !== false)
      log(
        `Redis unreachable (${describe(error)}): the connection cap and chat limit count on this instance only until it is back`,
      );
    reachable = false;
    answered();
  };
  const onClose = () => down();
  client.on('ready', up);
  client.on('error', down);
  client.on('close', onClose);
  const giveUp = setTimeout(() => down(new Error('no answer in time')), CONNECT_WAIT_MS);
  giveUp.unref();
  return {
    up,
    down,
    firstAnswer: () => first.finally(() => clearTimeout(giveUp)),
    stop() {
      clearTimeout(giveUp);
      client.off('ready', up);
      client.off('error', down);
      client.off('close', onClose);
      // ioredis reports errors while it closes too; unheard, they would crash the process.
      client.on('error', () => undefined);
    },
  };
}

/** What kind of failure, without the address or credentials an error message can carry. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return 'connection closed';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name === 'Error' ? error.message : error.name;
}

/** The connection leases this instance holds in Redis, and the calls that keep them. */
class Leases {
  /** This process's own name in every lease, so instances never take each other's. */
  private readonly instance = randomUUID();
  private readonly held = new Map<string, Set<number>>();

  constructor(
    private readonly client: Redis & LeaseCommands,
    private readonly prefix: string,
    private readonly health: { up(): void; down(error: unknown): void },
  ) {}

  /** True or false from Redis; undefined when Redis could not answer (count locally). */
  async admit(userKey: string, connectionId: number, cap: number): Promise<boolean | undefined> {
    try {
      const admitted =
        (await this.client.chatwireAdmit(
          this.key(userKey),
          this.member(connectionId),
          CONNECTION_LEASE_MS,
          cap,
        )) === 1;
      if (admitted) this.hold(userKey, connectionId);
      this.health.up();
      return admitted;
    } catch (error) {
      // Counted locally; still held, so the renewal writes it once Redis is back.
      this.hold(userKey, connectionId);
      this.health.down(error);
      return undefined;
    }
  }

  release(userKey: string, connectionId: number): void {
    const ids = this.held.get(userKey);
    ids?.delete(connectionId);
    if (ids?.size === 0) this.held.delete(userKey);
    this.client.zrem(this.key(userKey), this.member(connectionId)).catch(() => undefined);
  }

  /** Renews every held lease (and restores them after Redis restarted). Failures wait for the next round. */
  async renewAll(): Promise<void> {
    if (this.client.status !== 'ready') return;
    await Promise.all(
      [...this.held].map(([userKey, ids]) =>
        this.client
          .chatwireRenew(
            this.key(userKey),
            CONNECTION_LEASE_MS,
            ...[...ids].map((id) => this.member(id)),
          )
          .then(
            () => this.health.up(),
            (error: unknown) => this.health.down(error),
          ),
      ),
    );
  }

  /** On shutdown: the slots are free at once rather than when their leases run out. */
  async releaseAll(): Promise<void> {
    if (this.client.status !== 'ready') return;
    await Promise.all(
      [...this.held].map(([userKey, ids]) =>
        this.client
          .zrem(this.key(userKey), ...[...ids].map((id) => this.member(id)))
          .catch(() => undefined),
      ),
    );
    this.held.clear();
  }

  private hold(userKey: string, connectionId: number): void {
    const ids = this.held.get(userKey) ?? new Set();
    ids.add(connectionId);
    this.held.set(userKey, ids);
  }

  private key(userKey: string): string {
    return `${this.prefix}connections:${userKey}`;
  }

  private member(connectionId: number): string {
    return `${this.instance}:${connectionId}`;
  }
}

/**
 * The chat limit per user in Redis, with an in-memory limiter of the same size as insurance:
 * whatever Redis cannot answer (down, slow, not yet connected) is counted on this instance.
 */
function sharedChatLimiter(
  client: Redis,
  prefix: string,
  limit: number,
): RateLimiterRedis | undefined {
  if (limit === 0) return undefined;
  const duration = RATE_WINDOW_MS / 1000;
  return new RateLimiterRedis({
    storeClient: client,
    keyPrefix: `${prefix}chat`,
    points: limit,
    duration,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ points: limit, duration }),
  });
}

/**
 * One connection's view of the shared limit: the count is the user's, but "first refusal"
 * (the one refused chat the client is told about) is this connection's own.
 */
function perConnection(
  limiter: RateLimiterRedis,
  userKey: string,
  log: (line: string) => void,
): ChatLimiter {
  let refusing = false;
  return {
    async take() {
      try {
        await limiter.consume(userKey);
        refusing = false;
        return { allowed: true };
      } catch (refusal) {
        if (!(refusal instanceof RateLimiterRes)) {
          // Neither Redis nor the insurance could count it: let the chat through, not lock users out.
          log(`chat limit could not be checked: ${describe(refusal)}`);
          return { allowed: true };
        }
        const firstRefusal = !refusing;
        refusing = true;
        return { allowed: false, retryAfterMs: refusal.msBeforeNext, firstRefusal };
      }
    },
  };
}
