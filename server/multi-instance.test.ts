/**
 * Two reference servers behind one (imagined) load balancer, as `npm run server` starts them,
 * sharing a real `redis-server` through CHATWIRE_REDIS_URL: the per-user connection cap and
 * the chat rate limit hold across both, and Redis going away leaves both serving with limits
 * per instance, logged once. A control pair without Redis shows what sharing fixes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS_REQUIRED, findRedisServer, missingBackendMessage } from '../scripts/backends.ts';
import { mintToken } from './auth.ts';
import { type Child, freePort, startInstance, startRedis } from './process-support.ts';
import { COMMAND_TIMEOUT_MS } from './redis-limits.ts';
import { connect, connectReady, isStreamEnd, type TestClient, timestamp } from './test-support.ts';

const SECRET = 'chatwire-multi-instance-tests-only-secret';
const CAP = 2;
const CHATS_PER_MINUTE = 3;
const LIMITS = {
  CHATWIRE_JWT_SECRET: SECRET,
  CHATWIRE_MAX_CONNECTIONS_PER_USER: String(CAP),
  CHATWIRE_RATE_LIMIT_PER_MINUTE: String(CHATS_PER_MINUTE),
  CHATWIRE_TOKEN_DELAY_MS: '1',
};
const UNREACHABLE = /Redis unreachable/;
const REACHABLE_AGAIN = /Redis reachable again/;

const redisExecutable = findRedisServer();
const skip = redisExecutable === null && !BACKENDS_REQUIRED;
const MISSING = missingBackendMessage('redis-server', 'apt-get install redis-server');
if (skip) console.warn(MISSING);

const chat = (content: string) => ({ type: 'chat', content, timestamp: timestamp() });
const tokenFor = (subject: string) => mintToken({ subject, secret: SECRET });
const at = (port: number) => ({ url: `ws://127.0.0.1:${port}` });

/** Children to kill when the file is done, whatever happened. */
const children: Child[] = [];
afterAll(async () => {
  await Promise.all(children.map((child) => child.kill()));
});

const track = (child: Child) => void children.push(child);

async function instance(
  name: string,
  env: Record<string, string>,
): Promise<{ port: number; child: Child }> {
  const port = await freePort();
  return { port, child: await startInstance(name, port, { ...LIMITS, ...env }, track) };
}

/** Connects, expecting the cap to refuse: 1013 and not a single frame. */
async function expectRefused(port: number, token: string): Promise<void> {
  const client = await connect(at(port), token);
  expect(await client.waitClosed()).toEqual({ code: 1013, reason: 'too many connections' });
  expect(client.queue).toEqual([]);
}

/**
 * Connects until admitted (a released slot reaches Redis a moment after the close), failing
 * after a second: long enough for a release, far short of a lease's 30 s expiry.
 */
async function admittedSoon(port: number, token: string): Promise<TestClient> {
  const deadline = Date.now() + 1_000;
  for (;;) {
    const client = await connect(at(port), token);
    const first = await Promise.race([
      client.next().then((frame) => frame.type),
      client.closed.then((closed) => closed.code),
    ]);
    if (first === 'connection') return client;
    if (Date.now() > deadline) throw new Error(`still refused (${first}) a second after the close`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Sends one chat and reads the answer: the whole reply, or the frame that refused it. */
async function ask(client: TestClient, content: string): Promise<'replied' | 'refused'> {
  client.send(chat(content));
  const first = await client.next();
  if (first.type === 'error') {
    expect(first.message).toMatch(/^Rate limit reached: at most 3 chat messages a minute\./);
    return 'refused';
  }
  expect(first.type).toBe('stream-start');
  await client.until(isStreamEnd);
  return 'replied';
}

describe.skipIf(skip)('two reference servers sharing limits through Redis', () => {
  let redis: Child;
  let redisPort: number;
  let a: { port: number; child: Child };
  let b: { port: number; child: Child };
  let instanceA: Child;
  let instanceB: Child;
  const open: TestClient[] = [];

  beforeAll(async () => {
    if (redisExecutable === null) throw new Error(MISSING);
    redisPort = await freePort();
    redis = await startRedis(redisExecutable, redisPort, track);
    const env = { CHATWIRE_REDIS_URL: `redis://127.0.0.1:${redisPort}` };
    [a, b] = await Promise.all([instance('instance A', env), instance('instance B', env)]);
    instanceA = a.child;
    instanceB = b.child;
    await Promise.all([
      instanceA.waitForLine(/limits shared through Redis/),
      instanceB.waitForLine(/limits shared through Redis/),
    ]);
  }, 60_000);

  afterAll(() => {
    for (const client of open) client.close();
  });

  async function ready(port: number, token: string): Promise<TestClient> {
    const client = await connectReady(at(port), token);
    open.push(client);
    return client;
  }

  it('holds the per-user connection cap across both instances, and frees a slot on close', async () => {
    const ann = await tokenFor('ann');
    const onA = await ready(a.port, ann);
    await ready(b.port, ann);
    // Two open, one on each: a third is refused wherever it lands.
    await expectRefused(a.port, ann);
    await expectRefused(b.port, ann);
    // Another user is not affected.
    await ready(b.port, await tokenFor('ben'));
    // A closes one; B admits the next once A has given the slot back.
    onA.close();
    await onA.waitClosed();
    open.push(await admittedSoon(b.port, ann));
  });

  it('admits exactly the cap when ten sockets of one user race in over both instances', async () => {
    const kim = await tokenFor('kim');
    const attempts = await Promise.all(
      Array.from({ length: 10 }, (_, index) => connect(at(index % 2 ? a.port : b.port), kim)),
    );
    const outcomes = await Promise.all(
      attempts.map((client) =>
        Promise.race([
          client.next().then((frame) => frame.type),
          client.closed.then((closed) => closed.code),
        ]),
      ),
    );
    expect(outcomes.filter((outcome) => outcome === 'connection')).toHaveLength(CAP);
    expect(outcomes.filter((outcome) => outcome === 1013)).toHaveLength(10 - CAP);
    for (const client of attempts) client.close();
  });

  it('holds the chat rate limit across both instances: per user, wherever the chats arrive', async () => {
    const cara = await tokenFor('cara');
    const onA = await ready(a.port, cara);
    const onB = await ready(b.port, cara);
    expect(await ask(onA, 'one')).toBe('replied');
    expect(await ask(onB, 'two')).toBe('replied');
    expect(await ask(onA, 'three')).toBe('replied');
    // The user's fourth chat of the minute, on either instance, is refused.
    expect(await ask(onB, 'four')).toBe('refused');
    expect(await ask(onA, 'five')).toBe('refused');
  });

  it('keeps both serving when Redis goes away (limits per instance, logged once) and shares again when it is back', async () => {
    const dora = await tokenFor('dora');
    const doraOnA = await ready(a.port, dora);
    const doraOnB = await ready(b.port, dora);
    const killedAt = Date.now();
    await redis.kill();
    await Promise.all([
      instanceA.waitForLine(UNREACHABLE, 5_000),
      instanceB.waitForLine(UNREACHABLE, 5_000),
    ]);
    console.info(
      `[figure] Redis killed: both instances on local limits within ${Date.now() - killedAt} ms`,
    );

    // Still serving: open connections chat, new users connect.
    expect(await ask(doraOnA, 'still there?')).toBe('replied');
    expect(await ask(doraOnB, 'and here?')).toBe('replied');
    await ready(b.port, await tokenFor('ed'));
    // The cap now counts per instance: A has one of dora's, so it takes one more, then refuses.
    const extraDora = [await ready(a.port, dora)];
    await expectRefused(a.port, dora);

    // Reconnect attempts go on every ~2 s; the outage is still logged once per instance.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(instanceA.count(UNREACHABLE)).toBe(1);
    expect(instanceB.count(UNREACHABLE)).toBe(1);
    expect(instanceA.alive).toBe(true);
    expect(instanceB.alive).toBe(true);
    // Nothing unhandled: ioredis prints its own warning for an error event nobody listens to.
    for (const child of [instanceA, instanceB])
      expect(child.lines.filter((line) => /ioredis|Unhandled|Error:/.test(line))).toEqual([]);

    // Back, empty: each instance writes its open connections' leases again at once.
    const restartedAt = Date.now();
    redis = await startRedis(redisExecutable as string, redisPort, track);
    await Promise.all([
      instanceA.waitForLine(REACHABLE_AGAIN, 10_000),
      instanceB.waitForLine(REACHABLE_AGAIN, 10_000),
    ]);
    console.info(
      `[figure] Redis restarted: both instances sharing again within ${Date.now() - restartedAt} ms`,
    );
    // dora holds three (two on A, one on B) against a shared cap of two: B refuses her too.
    await expectRefused(b.port, dora);
    const fay = await tokenFor('fay');
    await ready(a.port, fay);
    await ready(b.port, fay);
    await expectRefused(a.port, fay);
    // Once dora's sockets are all closed, her slots are all free: the refusals during the
    // outage left no lease behind.
    for (const client of [doraOnA, doraOnB, ...extraDora]) client.close();
    await Promise.all([doraOnA, doraOnB, ...extraDora].map((client) => client.waitClosed()));
    await admittedSoon(a.port, dora);
    await admittedSoon(b.port, dora);
  }, 30_000);
});

describe.skipIf(skip)('two reference servers without Redis (the control)', () => {
  it('counts each instance alone: a user gets the cap and the chat limit once per instance', async () => {
    const [a, b] = await Promise.all([instance('alone A', {}), instance('alone B', {})]);
    const gus = await tokenFor('gus');
    const clients = [
      await connectReady(at(a.port), gus),
      await connectReady(at(a.port), gus),
      await connectReady(at(b.port), gus),
      await connectReady(at(b.port), gus),
    ];
    // Four open against a cap of two: what CHATWIRE_REDIS_URL is for.
    await expectRefused(a.port, gus);
    const [first, , third] = clients as [TestClient, TestClient, TestClient, TestClient];
    for (const content of ['1', '2', '3']) expect(await ask(first, content)).toBe('replied');
    for (const content of ['4', '5', '6']) expect(await ask(third, content)).toBe('replied');
    for (const client of clients) client.close();
  }, 30_000);
});

describe.skipIf(skip)('a Redis that is not there, or stops answering', () => {
  it('starts and serves with limits per instance when Redis is down from the start', async () => {
    const nobody = await freePort();
    const startedAt = Date.now();
    const { port, child } = await instance('no Redis yet', {
      CHATWIRE_REDIS_URL: `redis://127.0.0.1:${nobody}`,
    });
    console.info(`[figure] started without a reachable Redis in ${Date.now() - startedAt} ms`);
    const hal = await tokenFor('hal');
    const clients = [await connectReady(at(port), hal), await connectReady(at(port), hal)];
    await expectRefused(port, hal);
    expect(await ask(clients[0] as TestClient, 'hello')).toBe('replied');
    expect(child.count(UNREACHABLE)).toBe(1);
    for (const client of clients) client.close();
  }, 30_000);

  it('falls back within the command timeout when Redis hangs, and shares again when it answers', async () => {
    if (redisExecutable === null) throw new Error(MISSING);
    const redisPort = await freePort();
    const redis = await startRedis(redisExecutable, redisPort, track);
    const { port, child } = await instance('hanging Redis', {
      CHATWIRE_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    });
    await child.waitForLine(/limits shared through Redis/);
    const ivy = await tokenFor('ivy');
    const clients = [await connectReady(at(port), ivy)];
    redis.signal('SIGSTOP');
    const askedAt = Date.now();
    clients.push(await connectReady(at(port), ivy));
    const waited = Date.now() - askedAt;
    console.info(`[figure] Redis hung: connection admitted on local counts after ${waited} ms`);
    expect(waited).toBeLessThan(2_000);
    expect(await ask(clients[0] as TestClient, 'anyone?')).toBe('replied');
    expect(child.count(UNREACHABLE)).toBe(1);
    // Nothing waits on a Redis known to hang: the next admission is local at once.
    const againAt = Date.now();
    await expectRefused(port, ivy);
    expect(Date.now() - againAt).toBeLessThan(COMMAND_TIMEOUT_MS);
    redis.signal('SIGCONT');
    // A ping a second finds it back; ivy's two leases are there (restored), so it refuses a third.
    await child.waitForLine(REACHABLE_AGAIN, 5_000);
    await expectRefused(port, ivy);
    expect(child.count(UNREACHABLE)).toBe(1);
    for (const client of clients) client.close();
  }, 30_000);
});
