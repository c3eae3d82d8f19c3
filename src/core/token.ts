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
  const payload = token.split('.')[1];
  if (payload === undefined) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const claims: unknown = JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')));
    if (typeof claims !== 'object' || claims === null) return null;
    const exp = (claims as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null;
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
