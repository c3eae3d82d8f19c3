import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BackoffOptions,
  backoffDelay,
  DEFAULT_BACKOFF,
  isAuthFailureClose,
} from './policy.ts';

const always = (value: number) => () => value;

describe('backoffDelay', () => {
  it('defaults to retries between 1 and 30 seconds', () => {
    expect(DEFAULT_BACKOFF).toEqual({ minDelayMs: 1_000, maxDelayMs: 30_000 });
  });

  it.each([
    [0, 1_000],
    [1, 2_000],
    [2, 4_000],
    [3, 8_000],
    [4, 16_000],
    [5, 30_000],
    [6, 30_000],
    [30, 30_000],
    [31, 30_000],
    [1_000, 30_000],
  ])('waits at most min(max, min × 2^attempt): attempt %i → %i ms', (attempt, ceiling) => {
    expect(backoffDelay(attempt, DEFAULT_BACKOFF, always(1))).toBe(ceiling);
  });

  it.each([
    [0, 100],
    [3, 800],
    [5, 3_200],
    [6, 5_000],
  ])('follows custom options: attempt %i → %i ms', (attempt, ceiling) => {
    const options: BackoffOptions = { minDelayMs: 100, maxDelayMs: 5_000 };
    expect(backoffDelay(attempt, options, always(1))).toBe(ceiling);
  });

  it.each([0, 1, 5, 1_000])('waits 0 ms when random() gives 0 (attempt %i)', (attempt) => {
    expect(backoffDelay(attempt, DEFAULT_BACKOFF, always(0))).toBe(0);
  });

  it('scales the ceiling by random() and rounds to whole milliseconds', () => {
    expect(backoffDelay(2, DEFAULT_BACKOFF, always(0.5))).toBe(2_000);
    expect(backoffDelay(0, DEFAULT_BACKOFF, always(0.12345))).toBe(123);
  });

  it('waits at most a second before the first retry by default', () => {
    for (let sample = 0; sample < 1_000; sample += 1) {
      const delay = backoffDelay(0);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(1_000);
    }
  });

  it.each([1_000, 1e9, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, Number.POSITIVE_INFINITY])(
    'never waits longer than maxDelayMs, even for attempt %d',
    (attempt) => {
      expect(backoffDelay(attempt, DEFAULT_BACKOFF, always(1))).toBe(30_000);
    },
  );

  it.each([-1, -100, Number.NEGATIVE_INFINITY, -0.5])(
    'treats the negative attempt %d as the first retry',
    (attempt) => {
      expect(backoffDelay(attempt, DEFAULT_BACKOFF, always(1))).toBe(1_000);
    },
  );

  it.each([
    [0.5, 1_000],
    [1.7, 2_000],
    [2.999, 4_000],
  ])('rounds the fractional attempt %d down: ceiling %i ms', (attempt, ceiling) => {
    expect(backoffDelay(attempt, DEFAULT_BACKOFF, always(1))).toBe(ceiling);
  });

  it('gives a whole, bounded delay for a NaN attempt', () => {
    const delay = backoffDelay(Number.NaN, DEFAULT_BACKOFF, always(1));
    expect(Number.isInteger(delay)).toBe(true);
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThanOrEqual(DEFAULT_BACKOFF.maxDelayMs);
  });

  it('spreads delays out with Math.random: 1000 samples, nearly all different, all in bounds', () => {
    const samples = Array.from({ length: 1_000 }, () => backoffDelay(10));
    for (const delay of samples) {
      expect(Number.isInteger(delay)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(30_000);
    }
    expect(new Set(samples).size).toBeGreaterThanOrEqual(900);
  });

  it('stays a whole number between 0 and maxDelayMs for any attempt and random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.integer({ min: 1, max: 600_000 }),
        (attempt, random, minDelayMs, maxDelayMs) => {
          const delay = backoffDelay(attempt, { minDelayMs, maxDelayMs }, always(random));
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(maxDelayMs);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never lowers the ceiling as attempts go up', () => {
    let previous = 0;
    for (let attempt = 0; attempt <= 40; attempt += 1) {
      const ceiling = backoffDelay(attempt, DEFAULT_BACKOFF, always(1));
      expect(ceiling).toBeGreaterThanOrEqual(previous);
      previous = ceiling;
    }
  });
});

describe('isAuthFailureClose', () => {
  it.each([1008, 4001, 4003, 4401])('treats close code %i as refused credentials', (code) => {
    expect(isAuthFailureClose(code)).toBe(true);
  });

  it.each([1000, 1001, 1006, 1011, 1012, 4000, 4400])(
    'treats close code %i as worth reconnecting after',
    (code) => {
      expect(isAuthFailureClose(code)).toBe(false);
    },
  );
});
