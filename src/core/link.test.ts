import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLOCK_CHECK_INTERVAL_MS,
  CLOCK_JUMP_MS,
  DEFAULT_LINK_POLICY,
  initialLinkState,
  type LinkEvent,
  type LinkPhase,
  type LinkPolicy,
  type LinkState,
  nextLinkDeadline,
  stepLink,
  wantsSocket,
} from './link.ts';
import type { ServerFrameType } from './protocol.ts';

// ---------------------------------------------------------------------------------------------
// Events and states

/** A realistic epoch time, so that no rule can get away with treating 0 as "never". */
const T0 = Date.UTC(2025, 8, 12, 10, 0, 0);

const PHASES: readonly LinkPhase[] = [
  'idle',
  'connecting',
  'open',
  'waiting',
  'offline',
  'unauthorized',
  'stopped',
];
const FRAME_TYPES: readonly ServerFrameType[] = [
  'connection',
  'stream-start',
  'stream-token',
  'stream-end',
  'human-escalation-response',
  'error',
  'pong',
];
const ANSWER_FRAMES: readonly ServerFrameType[] = [
  'stream-start',
  'stream-token',
  'stream-end',
  'human-escalation-response',
  'pong',
];
const AUTH_CLOSE_CODES = [1008, 4001, 4003, 4401] as const;
/** Just below 1: the longest wait full jitter can pick. */
const ALMOST_ONE = 0.999_999_9;

const policyWith = (overrides: Partial<LinkPolicy>): LinkPolicy => ({
  ...DEFAULT_LINK_POLICY,
  ...overrides,
});

const start = (now: number, hasCredentials = true): LinkEvent => ({
  type: 'start',
  now,
  hasCredentials,
});
const opened = (now: number): LinkEvent => ({ type: 'socket-opened', now });
const frame = (now: number, frameType: ServerFrameType | null): LinkEvent => ({
  type: 'frames-received',
  now,
  frameTypes: [frameType],
});
const closed = (now: number, code = 1006, random = 0.5): LinkEvent => ({
  type: 'socket-closed',
  now,
  code,
  random,
});
const tick = (now: number): LinkEvent => ({ type: 'tick', now });

/** Applies `events` in order. */
function run(
  state: LinkState,
  events: readonly LinkEvent[],
  policy: LinkPolicy = DEFAULT_LINK_POLICY,
): LinkState {
  return events.reduce((current, event) => stepLink(current, event, policy), state);
}

/** The `index`-th item, or a failed test. */
function nth<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`no item ${index} among ${items.length}`);
  return item;
}

/** A link that just asked for its first socket at `now`. */
const connectingAt = (now: number, policy: LinkPolicy = DEFAULT_LINK_POLICY): LinkState =>
  stepLink(initialLinkState(), start(now), policy);

/** A link whose first socket opened at `now`. */
const openAt = (now: number, policy: LinkPolicy = DEFAULT_LINK_POLICY): LinkState =>
  run(initialLinkState(), [start(now), opened(now)], policy);

/**
 * A link that asks for a socket at `now` after `failures` failed attempts in a row, each closed
 * at once and retried at once (random 0).
 */
function connectingAfterFailures(
  failures: number,
  now: number,
  policy: LinkPolicy = DEFAULT_LINK_POLICY,
): LinkState {
  let state = connectingAt(now, policy);
  for (let failure = 0; failure < failures; failure += 1) {
    state = run(state, [closed(now, 1006, 0), tick(now)], policy);
  }
  expect(state).toMatchObject({ phase: 'connecting', failures });
  return state;
}

/** Events in `inPhase` states are applied at this time: after each was built, before any retry. */
const AT = T0 + 1_200;

/** A link in `phase`, with a failure behind it wherever the phase allows one. */
function inPhase(phase: LinkPhase): LinkState {
  const connecting = run(initialLinkState(), [start(T0), closed(T0, 1006, 0.5), tick(T0 + 500)]);
  const waiting = stepLink(connecting, closed(T0 + 1_000, 1006, 0.5));
  const states: Record<LinkPhase, () => LinkState> = {
    idle: initialLinkState,
    connecting: () => connecting,
    open: () => stepLink(connecting, opened(T0 + 1_000)),
    waiting: () => waiting,
    offline: () => stepLink(waiting, { type: 'network-offline', now: T0 + 1_000 }),
    unauthorized: () => stepLink(initialLinkState(), start(T0, false)),
    stopped: () => {
      let state = connectingAt(T0);
      while (state.phase === 'connecting') state = run(state, [closed(T0, 1006, 0), tick(T0)]);
      return state;
    },
  };
  const state = states[phase]();
  expect(state.phase).toBe(phase);
  return state;
}

// ---------------------------------------------------------------------------------------------
// Simulation: a virtual clock, the caller's timer loop and a scripted server

type ServerAction =
  | { type: 'open' }
  | { type: 'frame'; frameType: ServerFrameType | null }
  | { type: 'close'; code: number }
  | { type: 'token-unusable'; reason: 'no-token' | 'expired' };

/** `action` happens `after` ms after the moment that triggered the script. */
interface Scripted {
  after: number;
  action: ServerAction;
}

interface Server {
  /** What happens once socket number `attempt` (1 for the first) is asked for. */
  onConnect(attempt: number): readonly Scripted[];
  /** What happens after the link sends a ping on socket number `attempt`. */
  onPing?(attempt: number): readonly Scripted[];
}

interface Simulation {
  state: LinkState;
  /** When each socket was asked for: one entry per attempt. */
  attempts: number[];
  /** When each socket closed. */
  closes: number[];
  /** When each ping was sent. */
  pings: number[];
  /** When each tick was delivered, and the phase it was delivered in. */
  ticks: Array<{ at: number; phase: LinkPhase }>;
  /** When the link first reached 'stopped'. */
  stoppedAt: number | null;
}

interface SimulationOptions {
  policy?: LinkPolicy;
  /** The source of each close's `random`. */
  random?: () => number;
  /** Virtual time to simulate, from `T0`. */
  duration?: number;
}

const open = (after = 0): Scripted => ({ after, action: { type: 'open' } });
const send = (frameType: ServerFrameType | null, after = 0): Scripted => ({
  after,
  action: { type: 'frame', frameType },
});
const close = (code: number, after = 0): Scripted => ({ after, action: { type: 'close', code } });

/**
 * Runs the link the way its caller does: one timer at `nextLinkDeadline`, a `tick` when it
 * fires, and every socket the link asks for handed to `server`. Whatever the server scripted
 * for a socket the link has let go of never happens. Throws on a busy loop: a tick after which
 * the link still asks for a tick at once.
 */
function simulate(server: Server, options: SimulationOptions = {}): Simulation {
  const { policy = DEFAULT_LINK_POLICY, random = () => 0.5, duration = 600_000 } = options;
  const until = T0 + duration;
  const result: Simulation = {
    state: initialLinkState(),
    attempts: [],
    closes: [],
    pings: [],
    ticks: [],
    stoppedAt: null,
  };
  let now = T0;
  let pending: Array<{ at: number; socketId: number; action: ServerAction }> = [];
  const schedule = (script: readonly Scripted[], socketId: number) => {
    for (const { after, action } of script) pending.push({ at: now + after, socketId, action });
  };
  const apply = (event: LinkEvent) => {
    const previous = result.state;
    const next = stepLink(previous, event, policy);
    result.state = next;
    if (next.phase === 'connecting' && next.socketId !== previous.socketId) {
      result.attempts.push(now);
      schedule(server.onConnect(result.attempts.length), next.socketId);
    }
    if (next.phase === 'open' && next.pingsSent !== previous.pingsSent) {
      result.pings.push(now);
      schedule(server.onPing?.(result.attempts.length) ?? [], next.socketId);
    }
    if (next.phase === 'stopped' && result.stoppedAt === null) result.stoppedAt = now;
  };
  const toEvent = (action: ServerAction, socketId: number): LinkEvent => {
    switch (action.type) {
      case 'open':
        return opened(now);
      case 'frame':
        return frame(now, action.frameType);
      case 'close':
        result.closes.push(now);
        return closed(now, action.code, random());
      case 'token-unusable':
        return { type: 'token-unusable', now, socketId, reason: action.reason };
    }
  };

  apply(start(now));
  for (let step = 0; ; step += 1) {
    if (step > 200_000) throw new Error('the simulation never settled');
    const { state } = result;
    pending = pending.filter(
      (item) => item.socketId === state.socketId && wantsSocket(state.phase),
    );
    const deadline = nextLinkDeadline(state, policy) ?? Number.POSITIVE_INFINITY;
    const scripted = pending.reduce<(typeof pending)[number] | undefined>(
      (earliest, item) => (earliest === undefined || item.at < earliest.at ? item : earliest),
      undefined,
    );
    const due = Math.min(deadline, scripted?.at ?? Number.POSITIVE_INFINITY);
    if (due > until) return result;
    // Like `setTimeout(fn, Math.max(0, deadline - Date.now()))`: a past deadline fires now.
    now = Math.max(now, due);
    if (scripted !== undefined && scripted.at <= deadline) {
      pending = pending.filter((item) => item !== scripted);
      apply(toEvent(scripted.action, scripted.socketId));
    } else {
      result.ticks.push({ at: now, phase: state.phase });
      apply(tick(now));
      const after = nextLinkDeadline(result.state, policy);
      if (after !== null && after <= now) {
        throw new Error(
          `busy loop: after a tick at +${now - T0} ms the link asks for one at +${after - T0} ms`,
        );
      }
    }
  }
}

/** A deterministic source of uniform numbers in [0, 1) (mulberry32). */
function seededRandom(seed: number): () => number {
  let current = seed >>> 0;
  return () => {
    current = (current + 0x6d2b79f5) >>> 0;
    let mixed = current;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Accepts, greets, then closes with an internal error at once. */
const acceptThenClose: Server = {
  onConnect: () => [open(), send('connection'), close(1011)],
};
/** Never accepts: the socket fails before opening. */
const refusing: Server = { onConnect: () => [close(1006)] };

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

// ---------------------------------------------------------------------------------------------

describe('reconnect backoff', () => {
  it.each([
    ['just below 1', ALMOST_ONE, 1_000],
    ['0.5', 0.5, 500],
    ['0', 0, 0],
  ])(
    'schedules the first retry at most 1 s after the close (random %s → %i ms)',
    (_, random, delay) => {
      const close = T0 + 123;
      const state = stepLink(connectingAt(T0), closed(close, 1006, random));

      expect(state).toMatchObject({ phase: 'waiting', failures: 1, retryAt: close + delay });
      expect(nextLinkDeadline(state)).toBe(close + delay);
    },
  );

  it('retries at the time it named, with a new socket', () => {
    const waiting = stepLink(connectingAt(T0), closed(T0, 1006, 0.5));

    expect(stepLink(waiting, tick(T0 + 499))).toMatchObject({ phase: 'waiting', socketId: 1 });
    expect(stepLink(waiting, tick(T0 + 500))).toMatchObject({ phase: 'connecting', socketId: 2 });
  });

  it.each([5, 6, 9, 31, 100, 1_000_000])(
    'never waits longer than maxDelayMs, even after %i failures',
    (failuresBefore) => {
      const policy = policyWith({ maxAttempts: Number.POSITIVE_INFINITY });
      const connecting = { ...connectingAt(T0, policy), failures: failuresBefore };
      const state = stepLink(connecting, closed(T0, 1006, ALMOST_ONE), policy);

      expect(state.phase).toBe('waiting');
      expect(state.retryAt).toBe(T0 + policy.maxDelayMs);
    },
  );

  it('waits between 0 and min(maxDelayMs, minDelayMs × 2^(failures − 1)) for any random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5_000 }),
        fc.integer({ min: 0, max: 120_000 }),
        fc.integer({ min: 0, max: 40 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (minDelayMs, maxDelayMs, failuresBefore, random) => {
          const policy = policyWith({
            minDelayMs,
            maxDelayMs,
            maxAttempts: Number.POSITIVE_INFINITY,
          });
          const connecting = { ...connectingAt(T0, policy), failures: failuresBefore };
          const state = stepLink(connecting, closed(T0 + 7, 1006, random), policy);
          const failures = failuresBefore + 1;
          const ceiling = Math.min(maxDelayMs, minDelayMs * 2 ** (failures - 1));

          expect(state.failures).toBe(failures);
          expect(state.retryAt).not.toBeNull();
          const delay = (state.retryAt ?? Number.NaN) - (T0 + 7);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(ceiling);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('stops after maxAttempts failures in a row, with nothing left to wait for', () => {
    const state = stepLink(connectingAfterFailures(9, T0), closed(T0, 1006, 0.5));

    expect(state).toMatchObject({ phase: 'stopped', failures: 10, retryAt: null });
    expect(nextLinkDeadline(state)).toBeNull();
  });
});

describe('healthy uptime', () => {
  it.each([
    ['closes before healthyAfterMs', 4_999, 5],
    ['stayed open healthyAfterMs', 5_000, 1],
    ['stayed open longer', 8_000, 1],
  ])('a connection that %s (ticked at +%i ms) leaves %i failures', (_, uptime, failures) => {
    const open = stepLink(connectingAfterFailures(4, T0), opened(T0));
    const ticked = stepLink(open, tick(T0 + uptime));
    const state = stepLink(ticked, closed(T0 + uptime, 1011, ALMOST_ONE));

    expect(state).toMatchObject({ phase: 'waiting', failures });
  });

  it('resets the failure count once the connection has been open healthyAfterMs', () => {
    const open = stepLink(connectingAfterFailures(4, T0), opened(T0));
    expect(nextLinkDeadline(open)).toBe(T0 + 5_000);

    expect(stepLink(open, tick(T0 + 4_999))).toMatchObject({ healthy: false, failures: 4 });
    expect(stepLink(open, tick(T0 + 5_000))).toMatchObject({ healthy: true, failures: 0 });
  });

  it('retries within a second again after a healthy connection drops', () => {
    const open = stepLink(connectingAfterFailures(6, T0), opened(T0));
    const state = run(open, [tick(T0 + 5_000), closed(T0 + 9_000, 1006, ALMOST_ONE)]);

    expect(state.failures).toBe(1);
    expect((state.retryAt ?? Number.NaN) - (T0 + 9_000)).toBeLessThanOrEqual(1_000);
  });

  it('keeps the backoff growing when a short-lived connection drops', () => {
    const open = stepLink(connectingAfterFailures(6, T0), opened(T0));
    const state = run(open, [tick(T0 + 4_000), closed(T0 + 4_500, 1006, 0.5)]);

    expect(state.failures).toBe(7);
    expect(state.retryAt).toBe(T0 + 4_500 + 15_000);
  });

  it.each(ANSWER_FRAMES)('counts the connection healthy as soon as a %s frame arrives', (type) => {
    const open = stepLink(connectingAfterFailures(4, T0), opened(T0));
    const answered = stepLink(open, frame(T0 + 100, type));
    const state = stepLink(answered, closed(T0 + 200, 1006, ALMOST_ONE));

    expect(answered).toMatchObject({ healthy: true, failures: 0 });
    expect(state.failures).toBe(1);
    expect((state.retryAt ?? Number.NaN) - (T0 + 200)).toBeLessThanOrEqual(1_000);
  });

  it.each<ServerFrameType | null>(['connection', 'error', null])(
    'does not count a %s frame as proof of health',
    (type) => {
      const open = stepLink(connectingAfterFailures(4, T0), opened(T0));
      const received = stepLink(open, frame(T0 + 100, type));
      const state = stepLink(received, frame(T0 + 150, 'connection'));

      expect(received).toMatchObject({ healthy: false, failures: 4 });
      expect(stepLink(state, closed(T0 + 200, 1011, 0.5)).failures).toBe(5);
    },
  );

  it('retries forever within a second a server that keeps each connection 6 s', () => {
    const server: Server = { onConnect: () => [open(), send('connection'), close(1011, 6_000)] };
    const sim = simulate(server, { random: seededRandom(7) });

    expect(sim.stoppedAt).toBeNull();
    expect(sim.attempts.length).toBeGreaterThan(80);
    for (const [index, closedAt] of sim.closes.entries()) {
      if (index + 1 < sim.attempts.length) {
        expect(nth(sim.attempts, index + 1) - closedAt).toBeLessThanOrEqual(1_000);
      }
    }
  });

  it('gives up on a server that keeps each connection only 4 s', () => {
    const server: Server = { onConnect: () => [open(), send('connection'), close(1011, 4_000)] };
    const sim = simulate(server, { random: seededRandom(7) });

    expect(sim.attempts).toHaveLength(10);
    expect(sim.state).toMatchObject({ phase: 'stopped', failures: 10 });
  });
});

describe('servers that fail every attempt', () => {
  it('tries an accept-then-close server at most 10 times in 10 minutes, then stops (1,000 seeds)', () => {
    // The longest the nine waits can add up to: 1 + 2 + 4 + 8 + 16 + 4 × 30 s.
    const longestTotalWait = 151_000;
    const stoppedAfter: number[] = [];
    const attempts: number[] = [];
    for (let seed = 1; seed <= 1_000; seed += 1) {
      const sim = simulate(acceptThenClose, { random: seededRandom(seed) });

      expect(sim.attempts.length).toBeLessThanOrEqual(10);
      expect(sim.state.phase).toBe('stopped');
      expect(nextLinkDeadline(sim.state)).toBeNull();
      attempts.push(sim.attempts.length);
      stoppedAfter.push((sim.stoppedAt ?? Number.NaN) - T0);
    }

    expect(Math.max(...attempts)).toBe(10);
    expect(Math.max(...stoppedAfter)).toBeLessThanOrEqual(longestTotalWait);
    // Full jitter waits half the ceiling on average.
    expect(sum(stoppedAfter) / stoppedAfter.length).toBeGreaterThan(longestTotalWait * 0.4);
    expect(sum(stoppedAfter) / stoppedAfter.length).toBeLessThan(longestTotalWait * 0.6);
  });

  it('tries a refusing server at most 10 times in 10 minutes with the default policy', () => {
    for (let seed = 1; seed <= 100; seed += 1) {
      const sim = simulate(refusing, { random: seededRandom(seed) });

      expect(sim.attempts.length).toBeLessThanOrEqual(10);
      expect(sim.state.phase).toBe('stopped');
    }
  });

  it.each([
    // Waits of 500, 1,000, 2,000, 4,000, 8,000 ms, then 15 s each.
    [0.5, 44],
    // Waits of 999, 1,998, 3,996, 7,992, 15,984 ms, then 29,970 ms each.
    [0.999, 24],
  ])(
    'without maxAttempts, tries a refusing server as often as the backoff allows (random %s → %i attempts in 10 minutes)',
    (random, expected) => {
      const policy = policyWith({ maxAttempts: Number.POSITIVE_INFINITY });
      const sim = simulate(refusing, { policy, random: () => random });

      expect(sim.attempts).toHaveLength(expected);
      expect(sim.state.phase).toBe('waiting');
    },
  );

  it('without maxAttempts, keeps every wait for a refusing server within the backoff ceiling (1,000 seeds)', () => {
    const policy = policyWith({ maxAttempts: Number.POSITIVE_INFINITY });
    const counts: number[] = [];
    for (let seed = 1; seed <= 1_000; seed += 1) {
      const sim = simulate(refusing, { policy, random: seededRandom(seed) });
      for (let retry = 1; retry < sim.attempts.length; retry += 1) {
        const ceiling = Math.min(30_000, 1_000 * 2 ** (retry - 1));
        const wait = nth(sim.attempts, retry) - nth(sim.closes, retry - 1);
        expect(wait).toBeGreaterThanOrEqual(0);
        expect(wait).toBeLessThanOrEqual(ceiling);
      }
      counts.push(sim.attempts.length);
    }

    // At 15 s a wait on average, 10 minutes hold some 40 attempts.
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(30);
    expect(Math.max(...counts)).toBeLessThanOrEqual(60);
  });
});

describe('heartbeat', () => {
  it('sends a ping once pingIntervalMs has passed since the socket opened', () => {
    const open = openAt(T0);
    const before = run(
      open,
      [5_000, 10_000, 15_000, 20_000, 25_000, 29_999].map((at) => tick(T0 + at)),
    );
    const pinged = stepLink(before, tick(T0 + 30_000));

    expect(before.pingsSent).toBe(0);
    expect(pinged).toMatchObject({ phase: 'open', pingsSent: 1, pingSentAt: T0 + 30_000 });
  });

  it('keeps pinging every interval while a reply streams in', () => {
    const events: LinkEvent[] = [];
    for (let at = 1_000; at <= 120_000; at += 1_000) {
      events.push(frame(T0 + at, 'stream-token'));
      if (at % 5_000 === 0) events.push(tick(T0 + at));
    }
    let state = openAt(T0);
    const pings: number[] = [];
    for (const event of events) {
      const next = stepLink(state, event);
      if (next.pingsSent !== state.pingsSent && event.type !== 'stop') pings.push(event.now - T0);
      state = next;
    }

    expect(pings).toEqual([30_000, 60_000, 90_000, 120_000]);
    expect(state).toMatchObject({ phase: 'open', socketId: 1 });
  });

  it('declares a silent socket dead at pingSentAt + pingTimeoutMs and opens a fresh one at once', () => {
    const pinged = run(openAt(T0), [tick(T0 + 5_000), tick(T0 + 30_000)]);

    expect(stepLink(pinged, tick(T0 + 39_999))).toMatchObject({ phase: 'open', socketId: 1 });
    expect(stepLink(pinged, tick(T0 + 40_000))).toMatchObject({
      phase: 'connecting',
      socketId: 2,
      failures: 1,
      retryAt: null,
    });
  });

  it.each<ServerFrameType | null>([...FRAME_TYPES, null])(
    'a %s frame after the ping keeps the socket alive',
    (type) => {
      const pinged = run(openAt(T0), [tick(T0 + 5_000), tick(T0 + 30_000)]);
      const state = run(pinged, [frame(T0 + 39_000, type), tick(T0 + 40_000)]);

      expect(state).toMatchObject({ phase: 'open', socketId: 1 });
    },
  );

  it('does not count a frame that came before the ping as an answer', () => {
    const pinged = run(openAt(T0), [
      tick(T0 + 5_000),
      frame(T0 + 29_999, 'stream-token'),
      tick(T0 + 30_000),
    ]);

    expect(stepLink(pinged, tick(T0 + 40_000))).toMatchObject({ phase: 'connecting' });
  });

  it('measures the round trip on pong and forgets the ping', () => {
    const pinged = run(openAt(T0), [tick(T0 + 5_000), tick(T0 + 30_000)]);
    const state = stepLink(pinged, frame(T0 + 30_042, 'pong'));

    expect(state).toMatchObject({ roundTripMs: 42, pingSentAt: null, phase: 'open' });
  });

  it('keeps timing the ping still in the air when a check ping follows it', () => {
    const pinged = run(openAt(T0), [tick(T0 + 5_000), tick(T0 + 30_000)]);
    const checked = stepLink(pinged, { type: 'network-online', now: T0 + 32_000 });

    expect(checked).toMatchObject({ pingsSent: 2, pingSentAt: T0 + 30_000 });
    expect(stepLink(checked, tick(T0 + 40_000)).phase).toBe('connecting');
    expect(stepLink(checked, frame(T0 + 33_000, 'pong')).roundTripMs).toBe(3_000);
  });

  it('asks for a tick at the ping time, then at the watchdog deadline', () => {
    const policy = policyWith({
      healthyAfterMs: 1_000,
      pingIntervalMs: 4_000,
      pingTimeoutMs: 3_000,
    });
    const open = openAt(T0, policy);
    expect(nextLinkDeadline(open, policy)).toBe(T0 + 1_000);

    const healthy = stepLink(open, tick(T0 + 1_000), policy);
    expect(nextLinkDeadline(healthy, policy)).toBe(T0 + 4_000);

    const pinged = stepLink(healthy, tick(T0 + 4_000), policy);
    expect(pinged.pingSentAt).toBe(T0 + 4_000);
    expect(nextLinkDeadline(pinged, policy)).toBe(T0 + 7_000);
    expect(stepLink(pinged, tick(T0 + 7_000), policy).phase).toBe('connecting');
  });

  it.each([
    ['the default policy', DEFAULT_LINK_POLICY],
    ['odd intervals', policyWith({ pingIntervalMs: 12_345, pingTimeoutMs: 4_321 })],
    [
      'an interval below the clock check',
      policyWith({ pingIntervalMs: 2_000, pingTimeoutMs: 700 }),
    ],
    ['a long timeout', policyWith({ pingIntervalMs: 20_000, pingTimeoutMs: 25_000 })],
  ])('detects a server gone silent exactly at pingSentAt + pingTimeoutMs (%s)', (_, policy) => {
    const silent: Server = { onConnect: () => [open(), send('connection')] };
    const sim = simulate(silent, { policy, duration: 120_000 });
    const firstPing = T0 + policy.pingIntervalMs;
    const detected = firstPing + policy.pingTimeoutMs;

    expect(sim.pings[0]).toBe(firstPing);
    expect(sim.ticks.map((item) => item.at)).toContain(detected);
    expect(sim.attempts[1]).toBe(detected);
    expect(detected - T0).toBeLessThanOrEqual(policy.pingIntervalMs + policy.pingTimeoutMs);
  });

  it('detects silence within pingIntervalMs + pingTimeoutMs of the last pong', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 9_999 }),
        (answered, latency) => {
          let lastTraffic = T0;
          let pingsOnFirstSocket = 0;
          const server: Server = {
            onConnect: (attempt) => (attempt === 1 ? [open(), send('connection')] : []),
            onPing: (attempt) => {
              if (attempt !== 1) return [];
              pingsOnFirstSocket += 1;
              if (pingsOnFirstSocket > answered) return [];
              return [send('pong', latency)];
            },
          };
          const sim = simulate(server, { duration: 300_000 });
          const silentPing = nth(sim.pings, answered);
          const detected = nth(sim.attempts, 1);
          if (answered > 0) lastTraffic = nth(sim.pings, answered - 1) + latency;

          expect(detected).toBe(silentPing + DEFAULT_LINK_POLICY.pingTimeoutMs);
          expect(detected - lastTraffic).toBeLessThanOrEqual(
            DEFAULT_LINK_POLICY.pingIntervalMs + DEFAULT_LINK_POLICY.pingTimeoutMs,
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('stops asking for the watchdog once other traffic answered the ping (no busy loop)', () => {
    const pinged = run(openAt(T0), [tick(T0 + 5_000), tick(T0 + 30_000)]);
    const answered = run(pinged, [frame(T0 + 31_000, 'stream-token'), tick(T0 + 40_000)]);

    expect(answered.phase).toBe('open');
    expect(nextLinkDeadline(answered)).toBeGreaterThan(T0 + 40_000);
  });

  it('detects a server that goes silent after streaming, without a busy loop', () => {
    const tokens = Array.from({ length: 30 }, (_, index) => send('stream-token', 2_000 * index));
    const streamThenSilence: Server = {
      onConnect: (attempt) => (attempt === 1 ? [open(), ...tokens] : []),
    };
    const sim = simulate(streamThenSilence, { duration: 200_000 });
    const lastToken = T0 + 58_000;

    expect(sim.attempts.length).toBeGreaterThanOrEqual(2);
    expect(nth(sim.attempts, 1) - lastToken).toBeLessThanOrEqual(40_000);
  });

  it('abandons an attempt that never opens after connectTimeoutMs and tries again at once', () => {
    const blackHole: Server = { onConnect: () => [] };
    const sim = simulate(blackHole, { duration: 60_000 });
    const gaps = sim.attempts.slice(1).map((at, index) => at - nth(sim.attempts, index));
    expect(gaps.length).toBeGreaterThan(0);
    for (const gap of gaps) expect(gap).toBe(DEFAULT_LINK_POLICY.connectTimeoutMs);
  });
});

describe('auth', () => {
  it('goes unauthorized without a socket when there are no credentials', () => {
    const state = stepLink(initialLinkState(), start(T0, false));

    expect(state).toMatchObject({ phase: 'unauthorized', authProblem: 'no-token', socketId: 0 });
    expect(nextLinkDeadline(state)).toBeNull();
  });

  it.each<'no-token' | 'expired'>(['expired', 'no-token'])(
    'goes unauthorized (%s) when the token for the current socket is unusable',
    (reason) => {
      const state = stepLink(connectingAt(T0), {
        type: 'token-unusable',
        now: T0 + 1,
        socketId: 1,
        reason,
      });

      expect(state).toMatchObject({ phase: 'unauthorized', authProblem: reason, socketId: 1 });
      expect(nextLinkDeadline(state)).toBeNull();
    },
  );

  it('ignores an unusable token for a socket it no longer wants', () => {
    const connecting = run(connectingAt(T0), [closed(T0, 1006, 0), tick(T0)]);
    const event: LinkEvent = { type: 'token-unusable', now: T0, socketId: 1, reason: 'expired' };

    expect(connecting.socketId).toBe(2);
    expect(stepLink(connecting, event)).toBe(connecting);
  });

  it.each(AUTH_CLOSE_CODES)(
    'stops as rejected on close %i when no fresh token can be had',
    (code) => {
      const state = run(connectingAt(T0), [opened(T0), closed(T0 + 5, code)]);

      expect(state).toMatchObject({ phase: 'unauthorized', authProblem: 'rejected', socketId: 1 });
      expect(nextLinkDeadline(state)).toBeNull();
    },
  );

  it.each(AUTH_CLOSE_CODES)(
    'retries once at once with a fresh token on close %i, then stops as rejected',
    (code) => {
      const policy = policyWith({ canRefreshToken: true });
      const retried = run(connectingAt(T0, policy), [opened(T0), closed(T0 + 5, code)], policy);
      const state = run(retried, [opened(T0 + 10), closed(T0 + 15, code)], policy);

      expect(retried).toMatchObject({ phase: 'connecting', socketId: 2, authRetried: true });
      expect(state).toMatchObject({ phase: 'unauthorized', authProblem: 'rejected', socketId: 2 });
    },
  );

  it('counts an error frame then a clean close as a rejection', () => {
    const state = run(connectingAt(T0), [opened(T0), frame(T0 + 1, 'error'), closed(T0 + 2, 1000)]);

    expect(state).toMatchObject({ phase: 'unauthorized', authProblem: 'rejected' });
  });

  it('counts an error frame after other frames, then a close, as an ordinary failure', () => {
    const state = run(connectingAt(T0), [
      opened(T0),
      frame(T0 + 1, 'connection'),
      frame(T0 + 2, 'error'),
      closed(T0 + 3, 1000),
    ]);

    expect(state).toMatchObject({ phase: 'waiting', failures: 1, authProblem: null });
  });

  const rejectingServers: Array<[string, Server]> = [
    ['closes 1008 before opening', { onConnect: () => [close(1008)] }],
    ['opens then closes 4001', { onConnect: () => [open(), close(4001, 10)] }],
    ['greets then closes 4003', { onConnect: () => [open(), send('connection'), close(4003, 10)] }],
    ['closes 4401', { onConnect: () => [open(), close(4401, 10)] }],
    ['sends error then closes 1000', { onConnect: () => [open(), send('error'), close(1000, 10)] }],
  ];

  it.each(rejectingServers)(
    'makes exactly 1 attempt in 60 s on a server that %s, without a token refresh',
    (_, server) => {
      const sim = simulate(server, { duration: 60_000 });

      expect(sim.attempts).toHaveLength(1);
      expect(sim.state).toMatchObject({ phase: 'unauthorized', authProblem: 'rejected' });
    },
  );

  it.each(rejectingServers)(
    'makes at most 2 attempts in 60 s on a server that %s, with a token refresh',
    (_, server) => {
      const policy = policyWith({ canRefreshToken: true });
      const sim = simulate(server, { policy, duration: 60_000 });

      expect(sim.attempts).toHaveLength(2);
      expect(sim.attempts[1]).toBe(sim.closes[0]);
      expect(sim.state).toMatchObject({ phase: 'unauthorized', authProblem: 'rejected' });
    },
  );

  it('makes 1 attempt when the token turns out expired', () => {
    const expired: Server = {
      onConnect: () => [{ after: 3, action: { type: 'token-unusable', reason: 'expired' } }],
    };
    const sim = simulate(expired, { policy: policyWith({ canRefreshToken: true }) });

    expect(sim.attempts).toHaveLength(1);
    expect(sim.state).toMatchObject({ phase: 'unauthorized', authProblem: 'expired' });
  });
});

describe('network and page events', () => {
  it.each<LinkPhase>(['connecting', 'open', 'waiting', 'stopped'])(
    'network-offline moves %s to offline with nothing pending',
    (phase) => {
      const before = inPhase(phase);
      const state = stepLink(before, { type: 'network-offline', now: AT });

      expect(state).toMatchObject({ phase: 'offline', socketId: before.socketId, retryAt: null });
      expect(nextLinkDeadline(state)).toBeNull();
    },
  );

  it.each<LinkPhase>(['offline', 'waiting', 'stopped'])(
    'network-online connects from %s at once, counting failures afresh',
    (phase) => {
      const before = inPhase(phase);
      const state = stepLink(before, { type: 'network-online', now: AT });

      expect(before.failures).toBeGreaterThan(0);
      expect(state).toMatchObject({
        phase: 'connecting',
        socketId: before.socketId + 1,
        failures: 0,
      });
    },
  );

  it.each<[string, LinkEvent]>([
    ['network-online', { type: 'network-online', now: AT }],
    ['page-visible', { type: 'page-visible', now: AT }],
  ])('%s while open sends a check ping', (_, event) => {
    const before = inPhase('open');
    const state = stepLink(before, event);

    expect(state).toMatchObject({
      phase: 'open',
      socketId: before.socketId,
      pingsSent: before.pingsSent + 1,
      pingSentAt: AT,
    });
  });

  it('page-visible restarts a stopped link with failures counted afresh', () => {
    const before = inPhase('stopped');
    const state = stepLink(before, { type: 'page-visible', now: AT });

    expect(before.failures).toBe(DEFAULT_LINK_POLICY.maxAttempts);
    expect(state).toMatchObject({ phase: 'connecting', failures: 0 });
    expect(stepLink(state, closed(AT, 1006, 0.5))).toMatchObject({ phase: 'waiting', failures: 1 });
  });

  it.each<LinkPhase>(['waiting', 'stopped'])('page-visible connects from %s at once', (phase) => {
    const before = inPhase(phase);
    const state = stepLink(before, { type: 'page-visible', now: AT });

    expect(state).toMatchObject({ phase: 'connecting', socketId: before.socketId + 1 });
  });

  it.each<LinkPhase>(['waiting', 'stopped', 'open'])(
    'reconnect-now connects from %s at once, counting failures afresh',
    (phase) => {
      const before = inPhase(phase);
      const state = stepLink(before, { type: 'reconnect-now', now: AT });

      expect(before.failures).toBeGreaterThan(0);
      expect(state).toMatchObject({
        phase: 'connecting',
        socketId: before.socketId + 1,
        failures: 0,
        authRetried: false,
      });
    },
  );
});

describe('clock jumps', () => {
  /** Waiting, with the retry 25 s after the close at T0. */
  const waitingLong = () => {
    const state = stepLink(connectingAfterFailures(5, T0), closed(T0, 1006, 25 / 30));
    expect(state).toMatchObject({ phase: 'waiting', retryAt: T0 + 25_000, lastTickAt: T0 });
    return state;
  };
  const jump = CLOCK_CHECK_INTERVAL_MS + CLOCK_JUMP_MS;

  it('keeps waiting through ordinary ticks until the retry is due', () => {
    let state = waitingLong();
    for (let at = T0 + 5_000; at < T0 + 25_000; at += 5_000) {
      expect(nextLinkDeadline(state)).toBe(at);
      state = stepLink(state, tick(at));
      expect(state.phase).toBe('waiting');
    }
    expect(nextLinkDeadline(state)).toBe(T0 + 25_000);
    expect(stepLink(state, tick(T0 + 25_000)).phase).toBe('connecting');
  });

  it.each([
    [jump + 1, 'connecting'],
    [jump, 'waiting'],
  ])('in waiting, a tick %i ms after the last one leaves it %s', (gap, phase) => {
    expect(stepLink(waitingLong(), tick(T0 + gap)).phase).toBe(phase);
  });

  it.each([
    [jump + 1, 1],
    [jump, 0],
  ])('in open, a tick %i ms after the last one leaves pingsSent at %i', (gap, pings) => {
    const open = stepLink(openAt(T0), tick(T0 + 5_000));
    const state = stepLink(open, tick(T0 + 5_000 + gap));

    expect(state).toMatchObject({ phase: 'open', pingsSent: pings });
  });
});

describe('identity and stop', () => {
  const sameState: Array<[string, LinkPhase, (state: LinkState) => LinkEvent]> = [
    ['socket-opened while waiting', 'waiting', () => opened(AT)],
    ['socket-opened while open', 'open', () => opened(AT)],
    ['frames-received while connecting', 'connecting', () => frame(AT, 'pong')],
    ['frames-received while waiting', 'waiting', () => frame(AT, 'connection')],
    ['socket-closed while waiting', 'waiting', () => closed(AT)],
    ['socket-closed while stopped', 'stopped', () => closed(AT)],
    ['socket-closed while idle', 'idle', () => closed(AT)],
    ['socket-closed while offline', 'offline', () => closed(AT, 4401)],
    [
      'token-unusable for a stale socket',
      'connecting',
      (state) => ({
        type: 'token-unusable',
        now: AT,
        socketId: state.socketId - 1,
        reason: 'expired',
      }),
    ],
    [
      'token-unusable while open',
      'open',
      (state) => ({ type: 'token-unusable', now: AT, socketId: state.socketId, reason: 'expired' }),
    ],
    [
      'a second tick at the same time while waiting',
      'waiting',
      (state) => tick(state.lastTickAt ?? AT),
    ],
    ['stop while idle', 'idle', () => ({ type: 'stop' })],
    ['network-offline while idle', 'idle', () => ({ type: 'network-offline', now: AT })],
    [
      'network-offline while unauthorized',
      'unauthorized',
      () => ({ type: 'network-offline', now: AT }),
    ],
    ['network-offline while offline', 'offline', () => ({ type: 'network-offline', now: AT })],
    ['network-online while connecting', 'connecting', () => ({ type: 'network-online', now: AT })],
    [
      'network-online while unauthorized',
      'unauthorized',
      () => ({ type: 'network-online', now: AT }),
    ],
    ['network-online while idle', 'idle', () => ({ type: 'network-online', now: AT })],
    ['page-visible while unauthorized', 'unauthorized', () => ({ type: 'page-visible', now: AT })],
    ['page-visible while connecting', 'connecting', () => ({ type: 'page-visible', now: AT })],
    ['page-visible while offline', 'offline', () => ({ type: 'page-visible', now: AT })],
    ['page-visible while idle', 'idle', () => ({ type: 'page-visible', now: AT })],
    ['reconnect-now while idle', 'idle', () => ({ type: 'reconnect-now', now: AT })],
    [
      'reconnect-now while unauthorized',
      'unauthorized',
      () => ({ type: 'reconnect-now', now: AT }),
    ],
    ['reconnect-now while connecting', 'connecting', () => ({ type: 'reconnect-now', now: AT })],
  ];

  it.each(sameState)('returns the same state object for %s', (_, phase, event) => {
    const state = inPhase(phase);

    expect(stepLink(state, event(state))).toBe(state);
  });

  it.each(PHASES)('stop takes %s to idle with nothing pending', (phase) => {
    const before = inPhase(phase);
    const state = stepLink(before, { type: 'stop' });

    expect(state).toMatchObject({
      phase: 'idle',
      socketId: before.socketId,
      retryAt: null,
      openedAt: null,
      pingSentAt: null,
    });
    expect(wantsSocket(state.phase)).toBe(false);
    expect(nextLinkDeadline(state)).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// Random event sequences

type Op =
  | { type: 'start'; hasCredentials: boolean }
  | { type: 'token-unusable'; socketOffset: number; reason: 'no-token' | 'expired' }
  | { type: 'socket-opened' }
  | { type: 'frame-received'; frameType: ServerFrameType | null }
  | { type: 'socket-closed'; code: number; random: number }
  | { type: 'tick' }
  | { type: 'tick-at-deadline' }
  | { type: 'network-offline' | 'network-online' | 'page-visible' | 'reconnect-now' | 'stop' };

// Weighted so that sequences seldom sit in 'idle' or 'unauthorized', which only `start` leaves.
const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .constantFrom(true, true, true, true, false)
      .map((hasCredentials): Op => ({ type: 'start', hasCredentials })),
  },
  fc
    .tuple(fc.constantFrom(0, -1, 1), fc.constantFrom('no-token' as const, 'expired' as const))
    .map(([socketOffset, reason]): Op => ({ type: 'token-unusable', socketOffset, reason })),
  { weight: 8, arbitrary: fc.constant<Op>({ type: 'socket-opened' }) },
  {
    weight: 8,
    arbitrary: fc
      .constantFrom<ServerFrameType | null>(...FRAME_TYPES, null)
      .map((frameType): Op => ({ type: 'frame-received', frameType })),
  },
  {
    weight: 8,
    arbitrary: fc
      .tuple(
        fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(1000, 1006, 1011, 4000) },
          fc.constantFrom(...AUTH_CLOSE_CODES),
        ),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      )
      .map(([code, random]): Op => ({ type: 'socket-closed', code, random })),
  },
  { weight: 4, arbitrary: fc.constant<Op>({ type: 'tick' }) },
  { weight: 14, arbitrary: fc.constant<Op>({ type: 'tick-at-deadline' }) },
  fc.constant<Op>({ type: 'network-offline' }),
  { weight: 2, arbitrary: fc.constant<Op>({ type: 'network-online' }) },
  { weight: 3, arbitrary: fc.constant<Op>({ type: 'page-visible' }) },
  { weight: 2, arbitrary: fc.constant<Op>({ type: 'reconnect-now' }) },
  fc.constant<Op>({ type: 'stop' }),
);

const stepsArbitrary = fc.array(
  fc.record({
    delay: fc.oneof(
      fc.constant(0),
      fc.integer({ min: 0, max: 2_000 }),
      fc.integer({ min: 0, max: 60_000 }),
    ),
    op: opArbitrary,
  }),
  // Long sequences: the interesting states lie several steps deep.
  { maxLength: 150, size: 'max' },
);

// Small limits and short intervals often, so that sequences reach 'stopped' and pings.
const policyArbitrary: fc.Arbitrary<LinkPolicy> = fc.oneof(fc.constant(DEFAULT_LINK_POLICY), {
  weight: 3,
  arbitrary: fc.record({
    minDelayMs: fc.integer({ min: 0, max: 5_000 }),
    maxDelayMs: fc.integer({ min: 0, max: 60_000 }),
    maxAttempts: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 12 })),
    healthyAfterMs: fc.integer({ min: 0, max: 20_000 }),
    connectTimeoutMs: fc.integer({ min: 1, max: 30_000 }),
    pingIntervalMs: fc.oneof(
      fc.integer({ min: 1, max: 10_000 }),
      fc.integer({ min: 1, max: 60_000 }),
    ),
    pingTimeoutMs: fc.integer({ min: 1, max: 30_000 }),
    canRefreshToken: fc.boolean(),
  }),
});

interface Step {
  previous: LinkState;
  event: LinkEvent;
  next: LinkState;
  policy: LinkPolicy;
}

/** Feeds the link the event each op means at its time, handing every step to `check`. */
function replay(
  policy: LinkPolicy,
  steps: ReadonlyArray<{ delay: number; op: Op }>,
  check: (step: Step) => void,
): void {
  let state = initialLinkState();
  let now = T0;
  for (const { delay, op } of steps) {
    now += delay;
    let event: LinkEvent;
    switch (op.type) {
      case 'start':
        event = start(now, op.hasCredentials);
        break;
      case 'token-unusable':
        event = {
          type: 'token-unusable',
          now,
          socketId: state.socketId + op.socketOffset,
          reason: op.reason,
        };
        break;
      case 'socket-opened':
        event = opened(now);
        break;
      case 'frame-received':
        event = frame(now, op.frameType);
        break;
      case 'socket-closed':
        event = closed(now, op.code, op.random);
        break;
      case 'tick':
        event = tick(now);
        break;
      case 'tick-at-deadline':
        now = Math.max(now, nextLinkDeadline(state, policy) ?? now);
        event = tick(now);
        break;
      case 'stop':
        event = { type: 'stop' };
        break;
      default:
        event = { type: op.type, now };
    }
    const next = stepLink(state, event, policy);
    check({ previous: state, event, next, policy });
    state = next;
  }
}

describe('any sequence of events', () => {
  const runs = { numRuns: 500 };

  it('never throws, and the phase is always a known one', () => {
    fc.assert(
      fc.property(policyArbitrary, stepsArbitrary, (policy, steps) => {
        replay(policy, steps, ({ next }) => {
          expect(PHASES).toContain(next.phase);
        });
      }),
      runs,
    );
  });

  it('never counts more failures than maxAttempts', () => {
    fc.assert(
      fc.property(policyArbitrary, stepsArbitrary, (policy, steps) => {
        replay(policy, steps, ({ next }) => {
          expect(next.failures).toBeLessThanOrEqual(policy.maxAttempts);
        });
      }),
      runs,
    );
  });

  it('only waits after a close, and for no longer than maxDelayMs after it', () => {
    fc.assert(
      fc.property(policyArbitrary, stepsArbitrary, (policy, steps) => {
        let closedAt: number | null = null;
        replay(policy, steps, ({ previous, event, next }) => {
          if (next.phase !== 'waiting') return;
          const scheduled = previous.phase !== 'waiting' || previous.retryAt !== next.retryAt;
          if (scheduled) {
            expect(event.type).toBe('socket-closed');
            closedAt = event.type === 'socket-closed' ? event.now : null;
          }
          expect(closedAt).not.toBeNull();
          expect(next.retryAt).toBeGreaterThanOrEqual(closedAt ?? Number.NaN);
          expect(next.retryAt).toBeLessThanOrEqual((closedAt ?? Number.NaN) + policy.maxDelayMs);
        });
      }),
      runs,
    );
  });

  it('never takes the socket id back', () => {
    fc.assert(
      fc.property(policyArbitrary, stepsArbitrary, (policy, steps) => {
        replay(policy, steps, ({ previous, next }) => {
          expect(next.socketId).toBeGreaterThanOrEqual(previous.socketId);
        });
      }),
      runs,
    );
  });

  it('asks for a tick at least every CLOCK_CHECK_INTERVAL_MS while open or waiting', () => {
    fc.assert(
      fc.property(policyArbitrary, stepsArbitrary, (policy, steps) => {
        replay(policy, steps, ({ next }) => {
          if (next.phase !== 'open' && next.phase !== 'waiting') return;
          expect(next.lastTickAt).not.toBeNull();
          expect(nextLinkDeadline(next, policy)).toBeLessThanOrEqual(
            (next.lastTickAt ?? Number.NaN) + CLOCK_CHECK_INTERVAL_MS,
          );
        });
      }),
      runs,
    );
  });

  it('after a tick, asks for the next one later, never at once again', () => {
    fc.assert(
      fc.property(policyArbitrary, stepsArbitrary, (policy, steps) => {
        replay(policy, steps, ({ event, next }) => {
          if (event.type !== 'tick') return;
          const deadline = nextLinkDeadline(next, policy);
          if (deadline !== null) expect(deadline).toBeGreaterThan(event.now);
        });
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('uptime without ticks', () => {
  it('counts a connection that stayed open healthyAfterMs as healthy even if no tick noticed it', () => {
    // Timers are throttled in background tabs: the close may be the first event after opening.
    const state = run(connectingAfterFailures(5, T0), [
      opened(T0),
      closed(T0 + DEFAULT_LINK_POLICY.healthyAfterMs, 1006, ALMOST_ONE),
    ]);
    expect(state).toMatchObject({ phase: 'waiting', failures: 1 });
    expect(nth([state.retryAt], 0)).toBeLessThanOrEqual(
      T0 + DEFAULT_LINK_POLICY.healthyAfterMs + 1_000,
    );
  });

  it('keeps counting a connection that closed sooner', () => {
    const state = run(connectingAfterFailures(5, T0), [opened(T0), closed(T0 + 1_000, 1006, 0)]);
    expect(state).toMatchObject({ phase: 'waiting', failures: 6 });
  });
});

describe('leaving unauthorized and clock corrections', () => {
  const rejected = (policy: LinkPolicy) =>
    run(connectingAt(T0, policy), [opened(T0), closed(T0, 1008)], policy);

  it.each(['page-visible', 'reconnect-now'] as const)(
    '%s from unauthorized tries once more when a fresh token can be fetched',
    (type) => {
      const policy = policyWith({ canRefreshToken: true });
      const unauthorized = run(rejected(policy), [opened(T0), closed(T0, 1008)], policy);
      expect(unauthorized.phase).toBe('unauthorized');
      const next = stepLink(unauthorized, { type, now: T0 + 1_000 }, policy);
      expect(next).toMatchObject({
        phase: 'connecting',
        authRetried: false,
        socketId: unauthorized.socketId + 1,
      });
    },
  );

  it.each(['page-visible', 'reconnect-now'] as const)(
    '%s from unauthorized does nothing without getToken',
    (type) => {
      const unauthorized = rejected(DEFAULT_LINK_POLICY);
      expect(unauthorized.phase).toBe('unauthorized');
      expect(stepLink(unauthorized, { type, now: T0 + 1_000 })).toBe(unauthorized);
    },
  );

  it('treats a clock that went backwards as a jump: a pending retry happens at once', () => {
    const waiting = run(connectingAt(T0), [closed(T0 + 100, 1006, ALMOST_ONE), tick(T0 + 200)]);
    expect(waiting.phase).toBe('waiting');
    const next = stepLink(waiting, tick(T0 - 3_600_000));
    expect(next.phase).toBe('connecting');
  });
});

describe('a batch of frames', () => {
  it('is one event that leaves the link as its frames would one by one', () => {
    const types: (ServerFrameType | null)[] = ['error', null, 'stream-start', 'pong'];
    const start = stepLink(openAt(T0), { type: 'tick', now: T0 + 30_000 });
    const oneByOne = types.reduce((link, type) => stepLink(link, frame(AT, type)), start);
    const batched = stepLink(start, { type: 'frames-received', now: AT, frameTypes: types });
    expect(batched).toEqual(oneByOne);
    expect(batched.framesThisSocket).toBe(start.framesThisSocket + 4);
    expect(batched.firstFrameWasError).toBe(true);
    expect(batched.healthy).toBe(true);
  });

  it('changes nothing when empty', () => {
    const link = openAt(T0);
    expect(stepLink(link, { type: 'frames-received', now: AT, frameTypes: [] })).toBe(link);
  });
});
