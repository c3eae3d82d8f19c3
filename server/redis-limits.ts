/**
 * The connection cap and the chat rate limit shared by every reference-server instance that
 * points at one Redis (`CHATWIRE_REDIS_URL`), so behind a load balancer a user gets them once,
 * not once per instance:
 * - the cap is kept as leases in Redis (`redis-leases.ts`);
 * - the chat limit is rate-limiter-flexible's Redis limiter, per user across all of their
 *   connections: a fixed one-minute window (that library has no sliding one for Redis).
 *
 * Redis going away never stops a server. The first command that fails (Redis down, or not
 * answering within {@link COMMAND_TIMEOUT_MS}) switches this instance to its own counts, which
 * it keeps all along, and logs it once. From then on nothing waits on Redis: a ping every
 * second tells when it answers again, and once the leases are put right the instance shares
 * again and says so.
 */
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { ChatLimiter, LimitSettings, LimitStore } from './limit-store.ts';
import { ConnectionCounter, RATE_WINDOW_MS, type RateDecision } from './limits.ts';
import { CONNECTION_LEASE_MS, Leases } from './redis-leases.ts';

/** Leases are renewed this often, well inside their lifetime. */
const LEASE_RENEW_MS = CONNECTION_LEASE_MS / 3;
/** A Redis command that takes longer than this counts as Redis being unreachable. */
export const COMMAND_TIMEOUT_MS = 500;
/** While Redis is unreachable, it is asked this often whether it answers again. */
const PROBE_EVERY_MS = 1_000;
/** How long startup waits for Redis before serving with local limits. */
const CONNECT_WAIT_MS = 2_000;

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
  const cap = options.maxConnectionsPerUser;
  const client = connect(options.url);
  const local = new ConnectionCounter(cap);
  const leases = new Leases(client, prefix);
  const reach = new Reachability(client, options.log, () => leases.restore());
  const renewTimer = setInterval(() => {
    if (reach.shared) leases.renewAll().catch((error: unknown) => reach.failed(error));
  }, LEASE_RENEW_MS);
  renewTimer.unref();
  const chat = sharedChatLimiter(client, prefix, options.rateLimitPerMinute);
  /** Admissions Redis has not answered yet: shutdown waits for them, so none leaks a lease. */
  const admitting = new Set<Promise<boolean>>();

  async function admitShared(userKey: string, connectionId: number): Promise<boolean> {
    try {
      const admitted = await leases.admit(userKey, connectionId, cap);
      if (admitted) local.add(userKey);
      return admitted;
    } catch (error) {
      reach.failed(error);
      return admitLocally(userKey, connectionId);
    }
  }

  function admitLocally(userKey: string, connectionId: number): boolean {
    const admitted = local.tryAdd(userKey);
    // Held, its lease is written when Redis is back; refused, any lease a late script took is removed.
    if (admitted) leases.hold(userKey, connectionId);
    else void leases.release(userKey, connectionId, false);
    return admitted;
  }

  await reach.firstAnswer();
  let closed: Promise<void> | undefined;
  return {
    kind: 'Redis',
    admitConnection(userKey, connectionId) {
      if (cap === 0) {
        local.add(userKey);
        return Promise.resolve(true);
      }
      if (!reach.shared) return Promise.resolve(admitLocally(userKey, connectionId));
      const admission = admitShared(userKey, connectionId);
      admitting.add(admission);
      void admission.finally(() => admitting.delete(admission));
      return admission;
    },
    releaseConnection(userKey, connectionId) {
      local.remove(userKey);
      if (cap === 0) return;
      leases
        .release(userKey, connectionId, reach.shared)
        .catch((error: unknown) => reach.failed(error));
    },
    chatLimiter: (userKey) => chat && perConnection(chat, userKey, reach),
    close() {
      closed ??= (async () => {
        clearInterval(renewTimer);
        reach.stop();
        await Promise.allSettled([...admitting]);
        if (client.status === 'ready') await leases.releaseAll();
        await client.quit().catch(() => client.disconnect());
      })();
      return closed;
    },
  };
}

/**
 * A client that fails fast instead of queueing: with no offline queue and no resending, a
 * command made while Redis is away is refused at once, and one it does not answer times out.
 */
function connect(url: string): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_WAIT_MS,
    // TCP keepalive, so a Redis behind a broken network is noticed in seconds, not hours.
    keepAlive: 10_000,
    // Keep trying for as long as the server runs, at most every 2 s.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  });
}

/**
 * Whether the limits are shared right now, logged once per change. Any failure makes them
 * local; only a Redis that answers a ping, and has had its leases put right (`restore`),
 * makes them shared again, so no admission counts against a Redis still missing leases.
 */
class Reachability {
  shared = false;
  /** Undefined until Redis first answered or first failed. */
  private everAnswered: boolean | undefined;
  private probing: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private settle: () => void = () => undefined;
  private readonly settled = new Promise<void>((resolve) => {
    this.settle = resolve;
  });
  private readonly onReady = () => this.probe();
  private readonly onError = (error: unknown) => this.failed(error);
  private readonly onClose = () => this.failed(undefined);

  constructor(
    private readonly client: Redis,
    private readonly log: (line: string) => void,
    private readonly restore: () => Promise<void>,
  ) {
    client.on('ready', this.onReady);
    client.on('error', this.onError);
    client.on('close', this.onClose);
  }

  /** Resolves once Redis has answered or failed, or after 2 s (then serving on local counts). */
  firstAnswer(): Promise<void> {
    const giveUp = setTimeout(() => this.failed(new Error('no answer in time')), CONNECT_WAIT_MS);
    return this.settled.finally(() => clearTimeout(giveUp));
  }

  /** A command failed or timed out, or the connection dropped: count locally, and keep asking. */
  failed(error: unknown): void {
    if (this.stopped) return;
    if (this.shared || this.everAnswered === undefined)
      this.log(
        `Redis unreachable (${describe(error)}): the connection cap and chat limit count on this instance only until it is back`,
      );
    this.shared = false;
    this.everAnswered ??= false;
    this.settle();
    this.scheduleProbe();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.probing);
    this.client.off('ready', this.onReady);
    this.client.off('error', this.onError);
    this.client.off('close', this.onClose);
    // ioredis reports errors while it closes too; unheard, they would crash the process.
    this.client.on('error', () => undefined);
  }

  private scheduleProbe(): void {
    if (this.probing !== undefined || this.stopped) return;
    this.probing = setTimeout(() => {
      this.probing = undefined;
      this.probe();
    }, PROBE_EVERY_MS);
    this.probing.unref();
  }

  /** Pings, restores the leases, then shares; any failure leaves it local for the next probe. */
  private probe(): void {
    if (this.shared || this.stopped || this.client.status !== 'ready') {
      if (!this.shared) this.scheduleProbe();
      return;
    }
    this.client
      .ping()
      .then(() => this.restore())
      .then(
        () => this.nowShared(),
        () => this.scheduleProbe(),
      );
  }

  private nowShared(): void {
    if (this.shared || this.stopped) return;
    this.log(
      this.everAnswered === undefined
        ? 'limits shared through Redis'
        : 'Redis reachable again: the connection cap and chat limit are shared again',
    );
    this.shared = true;
    this.everAnswered = true;
    this.settle();
  }
}

/** What kind of failure, without the address or credentials an error message can carry. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return 'connection closed';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name === 'Error' ? error.message : error.name;
}

/** The chat limit per user in Redis, and an in-memory limiter of the same size for outages. */
interface SharedChatLimit {
  redis: RateLimiterRedis;
  local: RateLimiterMemory;
  limit: number;
}

function sharedChatLimiter(
  client: Redis,
  prefix: string,
  limit: number,
): SharedChatLimit | undefined {
  if (limit === 0) return undefined;
  const duration = RATE_WINDOW_MS / 1000;
  return {
    redis: new RateLimiterRedis({
      storeClient: client,
      keyPrefix: `${prefix}chat`,
      points: limit,
      duration,
      rejectIfRedisNotReady: true,
    }),
    local: new RateLimiterMemory({ points: limit, duration }),
    limit,
  };
}

/**
 * One connection's view of the shared limit: the count is the user's (in Redis, or on this
 * instance while Redis is unreachable), but "first refusal" (the one refused chat the client
 * is told about) is this connection's own.
 */
function perConnection(chat: SharedChatLimit, userKey: string, reach: Reachability): ChatLimiter {
  let refusing = false;
  const decide = (outcome: 'allowed' | RateLimiterRes): RateDecision => {
    if (outcome === 'allowed') {
      refusing = false;
      return { allowed: true };
    }
    const firstRefusal = !refusing;
    refusing = true;
    return { allowed: false, retryAfterMs: outcome.msBeforeNext, firstRefusal };
  };
  const consume = (limiter: RateLimiterRedis | RateLimiterMemory) =>
    limiter.consume(userKey).then(
      () => 'allowed' as const,
      (refusal: unknown) => {
        if (refusal instanceof RateLimiterRes) return refusal;
        throw refusal;
      },
    );
  return {
    async take() {
      if (!reach.shared) return decide(await consume(chat.local));
      try {
        return decide(await consume(chat.redis));
      } catch (error) {
        reach.failed(error);
        return decide(await consume(chat.local));
      }
    },
  };
}
