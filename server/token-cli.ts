/**
 * `npm run -s token -- --sub alice [--ttl 3600]`: prints a token the reference server accepts.
 * Only the token goes to stdout, so `TOKEN=$(npm run -s token -- --sub alice)` works.
 */
import { parseArgs } from 'node:util';
import { mintToken, resolveJwtSecret } from './auth.ts';
import { hardeningFromEnv } from './limits.ts';

const USAGE = `Usage: npm run -s token -- --sub <subject> [--ttl <seconds>]

Prints an HS256 JWT for the chatwire reference server on stdout.

Options:
  --sub <subject>   the user the token is for (the JWT "sub" claim); required
  --ttl <seconds>   lifetime in seconds (default 3600)
  -h, --help        show this help

The token is signed with CHATWIRE_JWT_SECRET, or the public development secret when that
is unset; it must match the secret the server runs with. When CHATWIRE_JWT_AUDIENCE or
CHATWIRE_JWT_ISSUER is set, the token carries that "aud" / "iss", as the server then requires.
Use "npm run -s" (silent) so npm's own banner does not end up in captured output.`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function readArgs(): { subject: string; ttl: number } {
  let values: { sub?: string; ttl?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        sub: { type: 'string' },
        ttl: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (values.sub === undefined || values.sub === '') fail('Missing --sub <subject>.');
  const ttl = Number(values.ttl ?? '3600');
  if (!Number.isInteger(ttl) || ttl <= 0)
    fail(`--ttl must be a whole number of seconds above 0, got '${values.ttl}'.`);
  return { subject: values.sub, ttl };
}

const { subject, ttl } = readArgs();
const { secret, isDevDefault } = resolveJwtSecret(process.env);
if (isDevDefault)
  console.error('note: signed with the public DEVELOPMENT secret (CHATWIRE_JWT_SECRET is unset)');
// The same variables the server reads, so a token minted next to a configured server passes.
const claims = hardeningFromEnv(process.env);
if (!claims.ok) fail(claims.error);
const { jwtAudience: audience, jwtIssuer: issuer } = claims.settings;
console.log(await mintToken({ subject, secret, expiresInSeconds: ttl, audience, issuer }));
