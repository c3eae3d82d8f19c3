/**
 * JWT handling for the chatwire reference server: verify the `?token=` a client connects with,
 * and mint development tokens. HS256 only, with a shared secret, as the backend does; `aud` and
 * `iss` are checked when the server is configured with them.
 */
import { errors, jwtVerify, SignJWT } from 'jose';

/**
 * The secret used when `CHATWIRE_JWT_SECRET` is not set. It is public (it is in this file),
 * so anything signed with it proves nothing: development and tests only.
 */
export const DEV_JWT_SECRET = 'chatwire-dev-only-secret-DO-NOT-USE-IN-PRODUCTION';

/** The environment variable that holds the real signing secret. */
export const JWT_SECRET_ENV = 'CHATWIRE_JWT_SECRET';

/** The outcome of {@link verifyToken}. `reason` never contains the token itself. */
export type VerifyResult =
  | { ok: true; subject: string | undefined }
  | { ok: false; reason: string };

/** Claims a server can require on top of the signature and `exp`. Unset ones are not checked. */
export interface ExpectedClaims {
  /** The `aud` claim must be (or, for an array, contain) this. */
  audience?: string;
  /** The `iss` claim must be exactly this. */
  issuer?: string;
}

/** Options for {@link mintToken}. */
export interface MintTokenOptions {
  /** The `sub` claim (who the token is for); omitted from the token when undefined. */
  subject?: string;
  /** The HS256 secret to sign with. */
  secret: string;
  /** Lifetime from now; negative values mint an already-expired token (handy in tests). */
  expiresInSeconds?: number;
  /** The `aud` claim; omitted when undefined. */
  audience?: string;
  /** The `iss` claim; omitted when undefined. */
  issuer?: string;
}

/** Which secret the server should use, and whether it fell back to the public dev secret. */
export interface ResolvedSecret {
  secret: string;
  isDevDefault: boolean;
}

const encoder = new TextEncoder();

/**
 * Checks a JWT: HS256 signature with `secret`, an `exp` claim that has not passed, an `nbf` (if
 * any) that has, and the `aud`/`iss` in `expected` when given. No clock tolerance: the server
 * and the token issuer are expected to share a clock. Never throws; a failure says what was
 * wrong in words safe to show the client and to log.
 */
export async function verifyToken(
  token: string | null,
  secret: string,
  expected: ExpectedClaims = {},
): Promise<VerifyResult> {
  if (token === null || token === '') return { ok: false, reason: 'missing token' };
  if (secret === '') return { ok: false, reason: 'server has no signing secret configured' };
  try {
    const { payload } = await jwtVerify(token, encoder.encode(secret), {
      // An allow-list of one: 'none' and the asymmetric algorithms (HS/RS confusion) never verify.
      algorithms: ['HS256'],
      requiredClaims: ['exp'],
      ...(expected.audience !== undefined && { audience: expected.audience }),
      ...(expected.issuer !== undefined && { issuer: expected.issuer }),
    });
    // jose does not check the type of `sub`; a non-string subject is treated as absent.
    return { ok: true, subject: typeof payload.sub === 'string' ? payload.sub : undefined };
  } catch (error) {
    return { ok: false, reason: describeVerifyError(error) };
  }
}

/**
 * Maps jose's errors to short reasons. jose's own messages are fixed strings, but mapping
 * keeps the wording stable and guarantees nothing from the token leaks into it.
 */
function describeVerifyError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed (expected HS256)';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return `missing ${error.claim} claim`;
    if (error.claim === 'nbf') return 'token not yet valid';
    return `invalid ${error.claim} claim`;
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid)
    return 'malformed token';
  return 'invalid token';
}

/** Signs an HS256 JWT with `iat`, `exp` and (when given) `sub`, `aud` and `iss`. */
export async function mintToken({
  subject,
  secret,
  expiresInSeconds = 3600,
  audience,
  issuer,
}: MintTokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(now);
  if (subject !== undefined) jwt.setSubject(subject);
  if (audience !== undefined) jwt.setAudience(audience);
  if (issuer !== undefined) jwt.setIssuer(issuer);
  // An absolute timestamp (rather than a '1h' string) so negative lifetimes work.
  return jwt.setExpirationTime(now + expiresInSeconds).sign(encoder.encode(secret));
}

/**
 * Reads the signing secret from `CHATWIRE_JWT_SECRET`; an unset or blank value falls back to
 * {@link DEV_JWT_SECRET}, flagged so callers can warn loudly.
 */
export function resolveJwtSecret(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ResolvedSecret {
  const configured = env[JWT_SECRET_ENV];
  if (configured === undefined || configured.trim() === '')
    return { secret: DEV_JWT_SECRET, isDevDefault: true };
  return { secret: configured, isDevDefault: false };
}
