/**
 * What every part of the reference server shares: the settings `startServer` was given (with
 * defaults filled in and checked once, up front), the state of the fault switches, the open
 * connections and the frame logs. Each module takes this one {@link Context} instead of a
 * handful of arguments, so a new handler needs no new plumbing.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { type ExpectedClaims, resolveJwtSecret } from './auth.ts';
import type { MessageIdScheme, ReceivedFrame, SentFrame, StartServerOptions } from './index.ts';
import type { ChatLimiter, LimitSettings, LimitStore } from './limit-store.ts';
import {
  DEFAULT_MAX_CONNECTIONS_PER_USER,
  DEFAULT_MAX_FRAMES_PER_MINUTE,
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  DEFAULT_SEND_BUFFER_HIGH_WATER_BYTES,
  DEFAULT_SEND_BUFFER_LIMIT_BYTES,
  DEFAULT_SEND_STALL_TIMEOUT_MS,
  isCount,
  normalizeOrigins,
  type RateLimiter,
} from './limits.ts';
import { createDemoResponder, type Responder } from './responder.ts';

/** A socket the server can send to, with the id used in logs. */
export interface Peer {
  readonly id: number;
  readonly socket: WebSocket;
}

/** An authenticated connection and the replies it is waiting on. */
export interface Connection extends Peer {
  readonly subject: string | undefined;
  /** Whose connection it is, for the per-user cap. */
  readonly userKey: string;
  /** Undefined when the rate limit is off. */
  readonly chatLimiter: ChatLimiter | undefined;
  /** Settles when the frames waiting to be answered (behind a chat's rate-limit check) are. */
  answering: Promise<void>;
  /** How many answers are still waiting; 0 means the next frame is answered at once. */
  waiting: number;
  /** Counts every frame; undefined when `maxFramesPerMinute` is 0. */
  readonly frameLimiter: RateLimiter | undefined;
  /** One controller per in-flight reply, aborted when the socket closes. */
  readonly replies: Set<AbortController>;
  /** Replies started on this connection so far: the number in a per-connection messageId. */
  repliesStarted: number;
}

/** Where the fault switches of `ServerFaults` stand; `faults.ts` flips them, handlers read them. */
export interface FaultState {
  silent: boolean;
  refuseNew: boolean;
  closeAfterAccept: boolean;
  dropAfterTokens: number | null;
}

/** {@link StartServerOptions} with every default filled in. */
export interface Settings {
  jwtSecret: string;
  expectedClaims: ExpectedClaims;
  responder: Responder;
  messageIds: MessageIdScheme;
  connectionMessage: string;
  escalationMessage: string;
  /** Undefined: any origin. */
  allowedOrigins: ReadonlySet<string> | undefined;
  rateLimitPerMinute: number;
  maxFramesPerMinute: number;
  maxConnectionsPerUser: number;
  sendBufferHighWaterBytes: number;
  sendBufferLimitBytes: number;
  sendStallTimeoutMs: number;
  recordFrames: boolean;
  clock: () => number;
}

/** Everything the handlers share; one per server. */
export interface Context {
  readonly settings: Settings;
  readonly log: (line: string) => void;
  readonly faults: FaultState;
  readonly received: ReceivedFrame[];
  readonly sent: SentFrame[];
  readonly connections: Map<number, Connection>;
  /** The per-user connection cap and the chat limit: in memory, or shared through Redis. */
  readonly limits: LimitStore;
  /** Upgrade sockets whose token is still being checked; close() must destroy them too. */
  readonly pending: Set<Duplex>;
  attempts: number;
  closing: boolean;
}

/** Policy violation: the close code the backend uses for failed authentication. */
export const CLOSE_UNAUTHORIZED = 1008;

const DEFAULT_CONNECTION_MESSAGE = 'Connected to chatbot server';
const DEFAULT_ESCALATION_MESSAGE = 'A human agent will contact you soon.';

/** Now as ISO-8601: the `timestamp` of every frame sent and the `at` of every log entry. */
export const now = (): string => new Date().toISOString();

/** The server log when `startServer` is given none. */
const silentLog = (): void => undefined;

/** A fresh context for one server, counting its limits in `limits`. */
export function createContext(
  options: StartServerOptions,
  settings: Settings,
  limits: LimitStore,
): Context {
  return {
    settings,
    log: serverLog(options),
    faults: { silent: false, refuseNew: false, closeAfterAccept: false, dropAfterTokens: null },
    received: [],
    sent: [],
    connections: new Map(),
    limits,
    pending: new Set(),
    attempts: 0,
    closing: false,
  };
}

/** The server's log: the one given, or silence. */
export function serverLog(options: StartServerOptions): (line: string) => void {
  return options.log ?? silentLog;
}

/** The settings a {@link LimitStore} needs. */
export function limitSettings(settings: Settings): LimitSettings {
  const { maxConnectionsPerUser, rateLimitPerMinute, clock } = settings;
  return { maxConnectionsPerUser, rateLimitPerMinute, clock };
}

/** Fills in defaults; throws on a limit that is not a whole number or an origin that is not one. */
export function createSettings(options: StartServerOptions): Settings {
  return {
    jwtSecret: options.jwtSecret ?? resolveJwtSecret(process.env).secret,
    expectedClaims: { audience: options.jwtAudience, issuer: options.jwtIssuer },
    responder:
      options.responder ?? createDemoResponder({ tokenDelayMs: options.tokenDelayMs ?? 40 }),
    messageIds: messageIdScheme(options.messageIds),
    connectionMessage: options.connectionMessage ?? DEFAULT_CONNECTION_MESSAGE,
    escalationMessage: options.escalationMessage ?? DEFAULT_ESCALATION_MESSAGE,
    allowedOrigins: options.allowedOrigins && normalizeOrigins(options.allowedOrigins),
    rateLimitPerMinute: count(options, 'rateLimitPerMinute', DEFAULT_RATE_LIMIT_PER_MINUTE),
    maxFramesPerMinute: count(options, 'maxFramesPerMinute', DEFAULT_MAX_FRAMES_PER_MINUTE),
    maxConnectionsPerUser: count(
      options,
      'maxConnectionsPerUser',
      DEFAULT_MAX_CONNECTIONS_PER_USER,
    ),
    sendBufferHighWaterBytes: count(
      options,
      'sendBufferHighWaterBytes',
      DEFAULT_SEND_BUFFER_HIGH_WATER_BYTES,
    ),
    sendBufferLimitBytes: count(options, 'sendBufferLimitBytes', DEFAULT_SEND_BUFFER_LIMIT_BYTES),
    sendStallTimeoutMs: count(options, 'sendStallTimeoutMs', DEFAULT_SEND_STALL_TIMEOUT_MS),
    recordFrames: options.recordFrames ?? true,
    clock: options.now ?? Date.now,
  };
}

function messageIdScheme(scheme: MessageIdScheme | undefined): MessageIdScheme {
  if (scheme === undefined || scheme === 'random' || scheme === 'per-connection')
    return scheme ?? 'random';
  throw new RangeError(
    `startServer: messageIds must be 'random' or 'per-connection', got ${String(scheme)}`,
  );
}

type CountOption =
  | 'rateLimitPerMinute'
  | 'maxFramesPerMinute'
  | 'maxConnectionsPerUser'
  | 'sendBufferHighWaterBytes'
  | 'sendBufferLimitBytes'
  | 'sendStallTimeoutMs';

function count(options: StartServerOptions, name: CountOption, fallback: number): number {
  const value = options[name] ?? fallback;
  if (!isCount(value))
    throw new RangeError(`startServer: ${name} must be a whole number >= 0, got ${value}`);
  return value;
}

/**
 * Stops every reply the connection is waiting on. Called when its socket closes, when the
 * server shuts down and when a fault drops it, so no reply outlives its socket.
 */
export function abortReplies(connection: Connection): void {
  for (const controller of connection.replies) controller.abort();
  connection.replies.clear();
}
