/**
 * The conversation as it is kept between visits: what is written (`toStoredHistory`) and how
 * what is read back is checked (`readStoredHistory`). How it is merged into a widget's state
 * is in history-merge.ts.
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
  if (
    status !== 'streaming' &&
    status !== 'complete' &&
    status !== 'interrupted' &&
    status !== 'stopped'
  )
    return null;
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
    // Only a reply the user rated carries a rating: the shape of the others stays as written.
    ...(entry.feedback === 'up' || entry.feedback === 'down' ? { feedback: entry.feedback } : {}),
    ...(readTimestamp(entry.feedbackAt)
      ? { feedbackAt: readTimestamp(entry.feedbackAt) ?? '' }
      : {}),
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

/**
 * Brings a history stored by an older version up to this one. There is no older shape yet:
 * anything that is not the current version is read as well as it can be, entry by entry.
 */
export function migrateHistory(value: unknown, _version: number): StoredHistory {
  return readStoredHistory(value).history;
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
