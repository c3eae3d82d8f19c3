/**
 * The per-user connection cap in Redis: a sorted set per user of `instance:connection`
 * leases, each scored with when it expires. Admission drops the expired leases, counts the
 * rest against the cap and adds the new one in one Lua script, so instances admitting at the
 * same moment cannot overshoot it. Leases are renewed while their sockets live, so the slots
 * of an instance that crashed free themselves after {@link CONNECTION_LEASE_MS}.
 *
 * This class also remembers what it could not tell Redis (leases taken and slots given back
 * while Redis was unreachable), so that {@link Leases.restore} can put Redis right on return.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A connection's slot expires this long after it was last renewed (an instance that died). */
export const CONNECTION_LEASE_MS = 30_000;

/**
 * Drops expired leases, refuses at the cap, adds the lease. Redis' own clock dates the leases,
 * so instances with skewed clocks agree (TIME before a write needs Redis 5 or newer).
 * KEYS[1] the user's set; ARGV: member, lease ms, cap.
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

/** The connection leases this instance holds, and the calls that keep them in Redis. */
export class Leases {
  /** This process's own name in every lease, so instances never take each other's. */
  private readonly instance = randomUUID();
  /** Connections this instance has admitted and not yet released, by user. */
  private readonly held = new Map<string, Set<number>>();
  /** Releases Redis has not heard of yet (it was unreachable), as `[key, member]`. */
  private readonly unreleased = new Map<string, string>();
  private readonly client: Redis & LeaseCommands;

  constructor(
    client: Redis,
    private readonly prefix: string,
  ) {
    client.defineCommand('chatwireAdmit', { numberOfKeys: 1, lua: ADMIT_SCRIPT });
    client.defineCommand('chatwireRenew', { numberOfKeys: 1, lua: RENEW_SCRIPT });
    this.client = client as Redis & LeaseCommands;
  }

  /** Asks Redis for a slot; rejects when Redis cannot answer. Holds the lease when admitted. */
  async admit(userKey: string, connectionId: number, cap: number): Promise<boolean> {
    const key = this.key(userKey);
    const member = this.member(connectionId);
    const admitted = (await this.client.chatwireAdmit(key, member, CONNECTION_LEASE_MS, cap)) === 1;
    if (admitted) this.hold(userKey, connectionId);
    return admitted;
  }

  /** Holds a connection admitted on local counts: {@link restore} writes its lease later. */
  hold(userKey: string, connectionId: number): void {
    const ids = this.held.get(userKey) ?? new Set();
    ids.add(connectionId);
    this.held.set(userKey, ids);
  }

  /**
   * Gives the slot back: now when `reachable`, else when Redis is back. Also right for a
   * connection refused on local counts after its admission timed out, whose script Redis may
   * still run late: the removal follows it on the same connection.
   */
  release(userKey: string, connectionId: number, reachable: boolean): Promise<void> {
    const ids = this.held.get(userKey);
    ids?.delete(connectionId);
    if (ids?.size === 0) this.held.delete(userKey);
    const key = this.key(userKey);
    const member = this.member(connectionId);
    if (!reachable) {
      this.unreleased.set(member, key);
      return Promise.resolve();
    }
    return this.client.zrem(key, member).then(
      () => undefined,
      (error: unknown) => {
        this.unreleased.set(member, key);
        throw error;
      },
    );
  }

  /** Renews every held lease. Rejects when Redis cannot answer. */
  async renewAll(): Promise<void> {
    await Promise.all(
      [...this.held].map(([userKey, ids]) =>
        this.client.chatwireRenew(
          this.key(userKey),
          CONNECTION_LEASE_MS,
          ...[...ids].map((id) => this.member(id)),
        ),
      ),
    );
  }

  /**
   * Puts Redis right after an outage: the releases it missed, then every held lease (written
   * again if Redis restarted empty). Rejects, leaving what is still to do, when Redis fails.
   */
  async restore(): Promise<void> {
    for (const [member, key] of [...this.unreleased]) {
      await this.client.zrem(key, member);
      this.unreleased.delete(member);
    }
    await this.renewAll();
  }

  /** On shutdown: the slots are free at once rather than when their leases run out. */
  async releaseAll(): Promise<void> {
    const removals = [...this.held].map(([userKey, ids]) =>
      this.client.zrem(this.key(userKey), ...[...ids].map((id) => this.member(id))),
    );
    this.held.clear();
    await Promise.allSettled(removals);
  }

  private key(userKey: string): string {
    return `${this.prefix}connections:${userKey}`;
  }

  private member(connectionId: number): string {
    return `${this.instance}:${connectionId}`;
  }
}
