import { describe, expect, it } from 'vitest';
import { readTokenExpiry, readTokenSubject, tokenProblem } from './token.ts';

/** An unsigned JWT-shaped token with the given claims (signature is irrelevant here). */
function tokenWith(claims: object): string {
  const encode = (value: object) =>
    btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}.signature`;
}

const NOW = Date.parse('2026-01-01T12:00:00.000Z');

describe('readTokenExpiry', () => {
  it('reads exp in seconds and returns ms', () => {
    expect(readTokenExpiry(tokenWith({ exp: NOW / 1000 + 60 }))).toBe(NOW + 60_000);
  });

  it.each([
    ['no exp claim', tokenWith({ sub: 'alice' })],
    ['a non-numeric exp', tokenWith({ exp: 'soon' })],
    ['an opaque token', 'not-a-jwt'],
    ['a payload that is not base64 JSON', 'a.%%%.c'],
    ['a payload that is JSON but not an object', `a.${btoa('42')}.c`],
  ])('returns null for %s', (_case, token) => {
    expect(readTokenExpiry(token)).toBeNull();
  });

  it('decodes base64url payloads with characters base64 would write as + and /', () => {
    const token = tokenWith({ exp: NOW / 1000 + 1, note: '???>>>~~~' });
    expect(token.split('.')[1]).toMatch(/[-_]/);
    expect(readTokenExpiry(token)).toBe(NOW + 1000);
  });
});

describe('tokenProblem', () => {
  it.each([
    [undefined, 'no-token'],
    [null, 'no-token'],
    ['', 'no-token'],
    ['   ', 'no-token'],
    [tokenWith({ exp: NOW / 1000 - 1 }), 'expired'],
    [tokenWith({ exp: NOW / 1000 }), 'expired'],
    [tokenWith({ exp: NOW / 1000 + 1 }), null],
    [tokenWith({ sub: 'no expiry' }), null],
    ['opaque-token', null],
  ])('for %s is %s', (token, expected) => {
    expect(tokenProblem(token, NOW)).toBe(expected);
  });
});

describe('readTokenSubject', () => {
  it('reads the sub claim, which names where the user’s conversation is kept', () => {
    expect(readTokenSubject(tokenWith({ sub: 'alice', exp: 1 }))).toBe('alice');
  });

  it.each([
    ['no token', undefined],
    ['an empty token', ''],
    ['no sub claim', tokenWith({ exp: 1 })],
    ['an empty sub', tokenWith({ sub: '' })],
    ['a non-string sub', tokenWith({ sub: 42 })],
    ['an absurdly long sub', tokenWith({ sub: 'x'.repeat(300) })],
    ['an opaque token', 'not-a-jwt'],
  ])('returns null for %s', (_case, token) => {
    expect(readTokenSubject(token)).toBeNull();
  });
});
