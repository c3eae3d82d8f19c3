/**
 * The conversation as it is kept between visits: what is written (`toStoredHistory`), how
 * what is read back is checked (`readStoredHistory`), and how it is merged into a widget's
 * state, whether it comes from this tab's last visit (`restoreHistory`) or from another tab
 * open on the same conversation (`shareHistory`).
 *
 * Stored data is untrusted input: another script on the page, an extension or an older
 * version of chatwire may have written it. Each entry is checked on its own; a bad one is
 * dropped and counted, and the rest is kept.
 */
import {
  type AssistantMessage,
  type ChatMessage,
  type ChatState,
  type EscalationState,
  initialChatState,
  type SystemMessage,
  type UserMessage,
} from './state.ts';

/** The shape version written with the history; bump it (and migrate) when the shape changes. */
export const HISTORY_VERSION = 1;

/** How many messages are kept by default; older ones are dropped. */
export const DEFAULT_MAX_STORED_MESSAGES = 200;

/** The longest text kept for one stored message; a longer entry is dropped as implausible. */
export const MAX_STORED_TEXT = 200_000;

/** At most this many stored entries are looked at, however many there are. */
const MAX_ENTRIES_READ = 5_000;

/**
 * A message still queued when its page closed is sent after the reload only if it is younger
 * than this; an older one comes back failed, for the user to send again or not.
 */
export const QUEUED_MAX_AGE_MS = 10 * 60_000;

/** What is kept of a conversation between visits. */
export interface StoredHistory {
  /** The latest messages, oldest first. */
  messages: ChatMessage[];
  escalation: EscalationState;
  /** User messages handed to the socket that no reply had started for. */
  awaitingReply: string[];
  /** When the user last cleared the conversation (ISO-8601), or null. */
  clearedAt: string | null;
  /**
   * Which widget wrote it (a random id per widget and page load): its queued messages are
   * its own to send while it is alive.
   */
  owner: string | null;
}

/** What `readStoredHistory` made of stored data. */
export interface ReadHistory {
  history: StoredHistory;
  /** Entries that were not valid and were left out. */
  dropped: number;
}

/** The part of `state` worth keeping: its latest `maxMessages` messages and their context. */
export function toStoredHistory(
  state: ChatState,
  maxMessages: number,
  owner: string | null = null,
): StoredHistory {
  const ids = state.messageIds.slice(Math.max(0, state.messageIds.length - maxMessages));
  const messages = ids.flatMap((id) => {
    const message = state.messagesById[id];
    return message ? [message] : [];
  });
  const kept = new Set(ids);
  return {
    messages,
    escalation: state.escalation,
    awaitingReply: state.awaitingReply.filter((id) => kept.has(id)),
    clearedAt: state.clearedAt,
    owner,
  };
}

/** An empty history: what a conversation never stored reads as. */
export function emptyHistory(): StoredHistory {
  const { escalation } = initialChatState();
  return { messages: [], escalation, awaitingReply: [], clearedAt: null, owner: null };
}

/**
 * Checks stored data entry by entry. Never throws: anything that is not a history at all
 * reads as an empty one with one entry dropped.
 */
export function readStoredHistory(value: unknown): ReadHistory {
  if (!isRecord(value)) return { history: emptyHistory(), dropped: 1 };
  const entries = Array.isArray(value.messages) ? value.messages.slice(-MAX_ENTRIES_READ) : [];
  let dropped = Array.isArray(value.messages) ? value.messages.length - entries.length : 1;
  const seen = new Set<string>();
  const messages: ChatMessage[] = [];
  for (const entry of entries) {
    const message = readMessage(entry);
    if (!message || seen.has(message.id)) {
      dropped++;
      continue;
    }
    seen.add(message.id);
    messages.push(message);
  }
  const awaitingReply = Array.isArray(value.awaitingReply)
    ? value.awaitingReply.filter((id): id is string => typeof id === 'string' && seen.has(id))
    : [];
  return {
    history: {
      messages,
      escalation: readEscalation(value.escalation),
      awaitingReply,
      clearedAt: readTimestamp(value.clearedAt),
      owner: typeof value.owner === 'string' && value.owner.length <= 100 ? value.owner : null,
    },
    dropped,
  };
}

function readMessage(entry: unknown): ChatMessage | null {
  if (!isRecord(entry)) return null;
  const { id, role, text } = entry;
  const createdAt = readTimestamp(entry.createdAt);
  if (typeof id !== 'string' || id.length > 256) return null;
  if (typeof text !== 'string' || text.length > MAX_STORED_TEXT) return null;
  if (createdAt === null) return null;
  switch (role) {
    case 'user':
      return readUserMessage(entry, id, text, createdAt);
    case 'assistant':
      return readAssistantMessage(entry, id, text, createdAt);
    case 'system':
      return readSystemMessage(entry, id, text, createdAt);
    default:
      return null;
  }
}

// Each role keeps to its own id prefix, so a stored entry can never take over the id of a
// message of another kind.

function readUserMessage(
  entry: Record<string, unknown>,
  id: string,
  text: string,
  createdAt: string,
): UserMessage | null {
  const { status } = entry;
  if (!id.startsWith('user:')) return null;
  if (status !== 'queued' && status !== 'sent' && status !== 'failed') return null;
  return { id, role: 'user', text, status, createdAt };
}

function readAssistantMessage(
  entry: Record<string, unknown>,
  id: string,
  text: string,
  createdAt: string,
): AssistantMessage | null {
  const { messageId, status, interruption, tokenCount } = entry;
  // The server's id is kept for diagnostics only: it named the reply on a connection that
  // is gone, so nothing is looked up by it.
  if (typeof messageId !== 'string' || messageId.length > 256 || !id.startsWith('assistant:'))
    return null;
  if (status !== 'streaming' && status !== 'complete' && status !== 'interrupted') return null;
  const cut =
    interruption === 'connection-lost' ||
    interruption === 'stalled' ||
    interruption === 'server-error'
      ? interruption
      : null;
  return {
    id,
    role: 'assistant',
    messageId,
    text,
    tokenCount:
      typeof tokenCount === 'number' && Number.isSafeInteger(tokenCount) && tokenCount >= 0
        ? tokenCount
        : 0,
    status,
    interruption: status === 'interrupted' ? (cut ?? 'connection-lost') : null,
    createdAt,
    updatedAt: readTimestamp(entry.updatedAt) ?? createdAt,
  };
}

function readSystemMessage(
  entry: Record<string, unknown>,
  id: string,
  text: string,
  createdAt: string,
): SystemMessage | null {
  const { source } = entry;
  if (!id.startsWith('system:')) return null;
  if (source !== 'connection' && source !== 'escalation') return null;
  return { id, role: 'system', source, text, createdAt };
}

function readEscalation(value: unknown): EscalationState {
  if (!isRecord(value)) return emptyHistory().escalation;
  const { status, reason } = value;
  if (status !== 'idle' && status !== 'requested' && status !== 'acknowledged') {
    return emptyHistory().escalation;
  }
  return { status, reason: typeof reason === 'string' ? reason.slice(0, 1_000) : null };
}

/** How to restore: the time now, and whether the writer is another widget still alive. */
export interface RestoreOptions {
  /** ISO-8601 time now. */
  now: string;
  /**
   * The widget that wrote the history is still open (another tab): its queued messages are
   * its own to send, and are left out here so they never go twice.
   */
  queuedElsewhere: boolean;
}

/**
 * Merges this conversation's stored history into `state` as a widget starts: stored messages
 * come first, then anything that arrived meanwhile. What was in flight when the page closed
 * cannot be in flight now: a reply that was streaming is `interrupted`, and a message sent
 * with no reply started is `failed` (it may never have arrived), both for the user to retry.
 * Queued messages stay queued and are sent once the connection opens, unless they are old
 * (then `failed`) or still another open tab's to send (then left out). Messages from before
 * a clear made here meanwhile stay cleared.
 */
export function restoreHistory(
  state: ChatState,
  history: StoredHistory,
  { now, queuedElsewhere }: RestoreOptions,
): ChatState {
  const awaiting = new Set(history.awaitingReply);
  const tooOld = new Date(Date.parse(now) - QUEUED_MAX_AGE_MS).toISOString();
  const clearedAt = later(state.clearedAt, atMost(history.clearedAt, now));
  const restored = history.messages
    .filter((message) => !state.messagesById[message.id])
    .filter((message) => !(queuedElsewhere && isQueued(message)))
    .filter((message) => clearedAt === null || isInFlight(message) || message.createdAt > clearedAt)
    .map((message) => settle(message, awaiting, tooOld));
  if (restored.length === 0 && clearedAt === state.clearedAt) return state;
  const messagesById = { ...state.messagesById };
  for (const message of restored) messagesById[message.id] = message;
  // A person asked for over the old socket was asked for on a connection that is gone.
  const escalation =
    state.escalation.status !== 'idle' || history.escalation.status === 'requested'
      ? state.escalation
      : history.escalation;
  return {
    ...state,
    messageIds: [...restored.map((message) => message.id), ...state.messageIds],
    messagesById,
    escalation,
    clearedAt,
    hasShownConnectionNotice:
      state.hasShownConnectionNotice ||
      restored.some((message) => message.role === 'system' && message.source === 'connection'),
  };
}

function settle(message: ChatMessage, awaiting: ReadonlySet<string>, tooOld: string): ChatMessage {
  if (message.role === 'assistant' && message.status === 'streaming') {
    return { ...message, status: 'interrupted', interruption: 'connection-lost' };
  }
  if (message.role === 'user' && message.status === 'sent' && awaiting.has(message.id)) {
    return { ...message, status: 'failed' };
  }
  if (message.role === 'user' && message.status === 'queued' && message.createdAt < tooOld) {
    return { ...message, status: 'failed' };
  }
  return message;
}

const isQueued = (message: ChatMessage) => message.role === 'user' && message.status === 'queued';

/**
 * Takes in what another tab open on the same conversation stored: its finished messages
 * (replies complete or interrupted, messages sent, notices) join the transcript in time
 * order. What is still in flight there (a queued message, a streaming reply) stays that
 * tab's business, so nothing is ever sent twice. A clear made there clears here too.
 */
export function shareHistory(state: ChatState, history: StoredHistory, now: string): ChatState {
  const theirClear = atMost(history.clearedAt, now);
  const clearedAt = later(state.clearedAt, theirClear);
  // A clear made there since: this tab's settled messages from before it go too.
  const clearedThere = clearedAt !== state.clearedAt;
  // A writer that knew of the last clear keeps only what survived it; one that did not may
  // still hold messages the clear removed.
  const knewOfClear = state.clearedAt === null || (theirClear ?? '') >= state.clearedAt;
  const incoming = history.messages.filter(
    (message) =>
      isSettledElsewhere(message) &&
      !state.messagesById[message.id] &&
      (knewOfClear || message.createdAt > (state.clearedAt ?? '')),
  );
  const kept = state.messageIds.filter((id) => {
    const message = state.messagesById[id];
    if (!message) return false;
    return !clearedThere || isInFlight(message) || message.createdAt > (clearedAt ?? '');
  });
  if (incoming.length === 0 && kept.length === state.messageIds.length && !clearedThere) {
    return state;
  }
  const messagesById: Record<string, ChatMessage> = {};
  for (const id of kept) {
    const message = state.messagesById[id];
    if (message) messagesById[id] = message;
  }
  for (const message of incoming) messagesById[message.id] = message;
  return {
    ...state,
    messageIds: mergeByTime(kept, incoming, messagesById),
    messagesById,
    awaitingReply: state.awaitingReply.filter((id) => id in messagesById),
    clearedAt,
  };
}

const isSettledElsewhere = (message: ChatMessage) =>
  message.role === 'system' ||
  (message.role === 'user' && message.status === 'sent') ||
  (message.role === 'assistant' && message.status !== 'streaming');

/** Still moving: a reply streaming in, or a message not yet handed to the socket. */
const isInFlight = (message: ChatMessage) =>
  (message.role === 'assistant' && message.status === 'streaming') ||
  (message.role === 'user' && message.status === 'queued');

/** `ids` (already in order) with `incoming` placed among them by creation time. */
function mergeByTime(
  ids: readonly string[],
  incoming: readonly ChatMessage[],
  byId: Readonly<Record<string, ChatMessage>>,
): string[] {
  const sorted = [...incoming].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const merged: string[] = [];
  let next = 0;
  for (const id of ids) {
    const createdAt = byId[id]?.createdAt ?? '';
    while (next < sorted.length && (sorted[next]?.createdAt ?? '') < createdAt) {
      merged.push(sorted[next++]?.id ?? '');
    }
    merged.push(id);
  }
  for (; next < sorted.length; next++) merged.push(sorted[next]?.id ?? '');
  return merged;
}

/**
 * Clears the conversation at `at`: every settled message goes; a reply still streaming and
 * messages still waiting to be sent stay, since they are still on their way.
 */
export function clearConversation(state: ChatState, at: string): ChatState {
  const kept = state.messageIds.filter((id) => {
    const message = state.messagesById[id];
    return message !== undefined && isInFlight(message);
  });
  const messagesById: Record<string, ChatMessage> = {};
  for (const id of kept) {
    const message = state.messagesById[id];
    if (message) messagesById[id] = message;
  }
  return {
    ...state,
    messageIds: kept,
    messagesById,
    awaitingReply: [],
    banners: [],
    escalation: emptyHistory().escalation,
    clearedAt: at,
  };
}

/** Forgets the whole conversation (another user's history is about to be loaded). */
export function forgetConversation(state: ChatState): ChatState {
  const fresh = initialChatState();
  return { ...fresh, connection: state.connection, sequence: state.sequence };
}

/**
 * Brings a history stored by an older version up to this one. There is no older shape yet:
 * anything that is not the current version is read as well as it can be, entry by entry.
 */
export function migrateHistory(value: unknown, _version: number): StoredHistory {
  return readStoredHistory(value).history;
}

/** `time`, but never later than `now`: a clock set ahead must not clear messages to come. */
function atMost(time: string | null, now: string): string | null {
  return time !== null && time > now ? now : time;
}

function later(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a >= b ? a : b;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A time as chatwire writes it (ISO-8601 in UTC, so times compare as strings), or null. */
function readTimestamp(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 40) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}
