/**
 * `npm run server`: runs the reference server until Ctrl-C.
 * Environment: PORT (default 3001), HOST (default 127.0.0.1), CHATWIRE_TOKEN_DELAY_MS (default 40),
 * CHATWIRE_JWT_SECRET (default: the public dev secret, with a warning), CHATWIRE_MESSAGE_IDS
 * (`random`, the default, or `per-connection`: replies numbered msg_1, msg_2, … on each socket).
 * Hardening (see server/limits.ts):
 * - CHATWIRE_JWT_AUDIENCE, CHATWIRE_JWT_ISSUER: when set, tokens must carry this `aud` / `iss`
 *   (default: not checked);
 * - CHATWIRE_ALLOWED_ORIGINS: comma-separated origins allowed to connect, matched exactly, e.g.
 *   `https://app.example.com,http://localhost:5173`; any other or missing Origin gets HTTP 403
 *   (default: unset, any origin accepted, with a warning);
 * - CHATWIRE_RATE_LIMIT_PER_MINUTE: chat messages per connection per minute (default 30, 0 = off);
 * - CHATWIRE_MAX_FRAMES_PER_MINUTE: frames of any kind per connection per minute, closed with 1008
 *   beyond it (default 600, 0 = off);
 * - CHATWIRE_MAX_CONNECTIONS_PER_USER: open connections per JWT `sub` (default 5, 0 = off).
 * - CHATWIRE_REDIS_URL: `redis://` URL shared by every instance behind one load balancer; the
 *   connection cap and the chat limit (then per user) are counted there, so a user gets them
 *   once, not once per instance. Unreachable Redis: counted per instance, logged once.
 * Frames are not kept in memory here (recordFrames off), unlike in tests.
 * Replies come from the demo responder unless an upstream is set:
 * - CHATWIRE_UPSTREAM_URL: an HTTP endpoint that streams answers (plain text, NDJSON or SSE),
 *   with CHATWIRE_UPSTREAM_AUTHORIZATION sent as its Authorization header when set;
 * - CHATWIRE_OPENAI_BASE_URL and CHATWIRE_OPENAI_MODEL (key in CHATWIRE_OPENAI_API_KEY or
 *   OPENAI_API_KEY, optional for local model servers): an OpenAI-compatible chat API.
 * CHATWIRE_UPSTREAM_TIMEOUT_MS cuts off an upstream that goes quiet (default 30000).
 */
import { resolveJwtSecret } from './auth.ts';
import { type MessageIdScheme, startServer } from './index.ts';
import { HARDENING_ENV, type HardeningEnvSettings, hardeningFromEnv } from './limits.ts';
import type { Responder } from './responder.ts';
import {
  createHttpStreamResponder,
  createOpenAiResponder,
  DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS,
} from './upstream.ts';

/** Reads a whole-number environment variable, or exits with a clear message when it isn't one. */
function intFromEnv(name: string, fallback: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (Number.isInteger(value) && value >= 0 && value <= max) return value;
  console.error(`${name} must be a whole number from 0 to ${max}, got '${raw}'`);
  process.exit(2);
}

function warnAboutDevSecret(): void {
  console.error(
    [
      '',
      '  ******************************************************************',
      '  WARNING: CHATWIRE_JWT_SECRET is not set.',
      '  Using the built-in DEVELOPMENT secret, which is public: anyone can',
      '  mint tokens this server accepts. Never expose it like this.',
      '  In production set CHATWIRE_JWT_SECRET to a long random secret.',
      '  ******************************************************************',
      '',
    ].join('\n'),
  );
}

/** The hardening settings, or exit with the first malformed one. Warns when no origin is checked. */
function hardeningFromEnvOrExit(): HardeningEnvSettings {
  const result = hardeningFromEnv(process.env);
  if (!result.ok) {
    console.error(result.error);
    process.exit(2);
  }
  if (!result.settings.allowedOrigins)
    console.error(
      `WARNING: ${HARDENING_ENV.allowedOrigins} is not set: WebSocket connections from any origin are accepted (set it in production).`,
    );
  return result.settings;
}

/** CHATWIRE_REDIS_URL, checked: a typo must not quietly mean "limits per instance". */
function redisUrlFromEnvOrExit(): string | undefined {
  const raw = process.env.CHATWIRE_REDIS_URL?.trim();
  if (!raw) return undefined;
  const url = URL.canParse(raw) ? new URL(raw) : null;
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:')) {
    console.error(
      'CHATWIRE_REDIS_URL must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379',
    );
    process.exit(2);
  }
  return raw;
}

/** The upstream the environment names, or undefined for the demo responder. */
function upstreamFromEnv(): { responder: Responder; description: string } | undefined {
  const idleTimeoutMs = intFromEnv(
    'CHATWIRE_UPSTREAM_TIMEOUT_MS',
    DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS,
    600_000,
  );
  const url = process.env.CHATWIRE_UPSTREAM_URL?.trim();
  if (url) {
    const parsed = URL.canParse(url) ? new URL(url) : null;
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      console.error('CHATWIRE_UPSTREAM_URL must be an http:// or https:// URL.');
      process.exit(2);
    }
    if (parsed.username || parsed.password) {
      console.error(
        'Put the upstream credentials in CHATWIRE_UPSTREAM_AUTHORIZATION, not in CHATWIRE_UPSTREAM_URL.',
      );
      process.exit(2);
    }
    const authorization = process.env.CHATWIRE_UPSTREAM_AUTHORIZATION?.trim();
    return {
      responder: createHttpStreamResponder({
        url,
        idleTimeoutMs,
        ...(authorization && { headers: { authorization } }),
      }),
      description: `HTTP upstream ${parsed.origin}`,
    };
  }
  const baseUrl = process.env.CHATWIRE_OPENAI_BASE_URL?.trim();
  const model = process.env.CHATWIRE_OPENAI_MODEL?.trim();
  if (baseUrl || model) {
    if (!baseUrl || !model) {
      console.error('Set both CHATWIRE_OPENAI_BASE_URL and CHATWIRE_OPENAI_MODEL.');
      process.exit(2);
    }
    const apiKey = process.env.CHATWIRE_OPENAI_API_KEY ?? process.env.OPENAI_API_KEY;
    return {
      responder: createOpenAiResponder({ baseUrl, model, apiKey, idleTimeoutMs }),
      description: `OpenAI-compatible upstream ${new URL(baseUrl).origin}, model ${model}`,
    };
  }
  return undefined;
}

/** CHATWIRE_MESSAGE_IDS: how replies are numbered; anything else is refused at startup. */
function messageIdsFromEnvOrExit(): MessageIdScheme {
  const value = process.env.CHATWIRE_MESSAGE_IDS?.trim() || 'random';
  if (value === 'random' || value === 'per-connection') return value;
  console.error(`CHATWIRE_MESSAGE_IDS must be 'random' or 'per-connection', got '${value}'.`);
  process.exit(1);
}

async function main(): Promise<void> {
  const port = intFromEnv('PORT', 3001, 65535);
  const host = process.env.HOST?.trim() || '127.0.0.1';
  const tokenDelayMs = intFromEnv('CHATWIRE_TOKEN_DELAY_MS', 40, 60_000);
  const { secret, isDevDefault } = resolveJwtSecret(process.env);
  if (isDevDefault) warnAboutDevSecret();
  const hardening = hardeningFromEnvOrExit();

  // The server's log lines carry ids, subjects and frame types only: never tokens or URLs.
  const log = (line: string): void => console.log(`${new Date().toISOString()} ${line}`);
  const upstream = upstreamFromEnv();
  const redisUrl = redisUrlFromEnvOrExit();
  const server = await startServer({
    port,
    host,
    tokenDelayMs,
    messageIds: messageIdsFromEnvOrExit(),
    jwtSecret: secret,
    ...hardening,
    ...(redisUrl && { redisUrl }),
    // A long-running server must not keep every frame (and so every conversation) in memory.
    recordFrames: false,
    log,
    ...(upstream && { responder: upstream.responder }),
  });
  console.log(`Replies from: ${upstream?.description ?? 'the demo responder'}`);
  console.log(
    `Connection cap and chat limit: ${redisUrl ? 'shared through Redis' : 'counted by this instance'}`,
  );
  console.log(`chatwire reference server ready at ${server.url}?token=<JWT>`);
  console.log('Get a development token with: npm run -s token -- --sub alice');

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    // A second Ctrl-C means "now", even if a socket is slow to close.
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`${signal} received, shutting down`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`chatwire reference server failed to start: ${message}`);
  process.exit(1);
});
