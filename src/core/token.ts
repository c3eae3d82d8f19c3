/**
 * What chatwire can tell about a JWT without verifying it: whether there is one, and
 * whether its `exp` has passed. Only the server can say a token is valid; this only spares
 * it (and the user) an attempt that is bound to fail.
 */

/** Why a token cannot be used for a connection attempt. */
export type TokenProblem = 'no-token' | 'expired';

/**
 * The token's expiry in ms since the epoch, or null when it has none or cannot be decoded
 * (an opaque token is the server's business, not ours).
 */
export function readTokenExpiry(token: string): number | null {
  const exp = readClaims(token)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null;
}

/**
 * The token's `sub` claim (who the user is), or null when it has none or cannot be decoded.
 * Read, never verified: it only names where this user's conversation is kept on this device.
 */
export function readTokenSubject(token: string | null | undefined): string | null {
  const sub = token ? readClaims(token)?.sub : undefined;
  return typeof sub === 'string' && sub !== '' && sub.length <= 256 ? sub : null;
}

/** A JWT's payload, decoded but not verified, or null. */
function readClaims(token: string): Record<string, unknown> | null {
  const payload = token.split('.')[1];
  if (payload === undefined) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const claims: unknown = JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')));
    return typeof claims === 'object' && claims !== null
      ? (claims as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Why `token` should not be sent at time `now` (ms), or null when it may be. */
export function tokenProblem(token: string | null | undefined, now: number): TokenProblem | null {
  if (!token || token.trim() === '') return 'no-token';
  const expiry = readTokenExpiry(token);
  return expiry !== null && expiry <= now ? 'expired' : null;
}
