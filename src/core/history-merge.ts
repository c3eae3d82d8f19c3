/**
 * How a stored conversation is merged into a widget's state, whether it comes from this
 * tab's last visit (`restoreHistory`) or from another tab open on the same conversation
 * (`shareHistory`), and how a conversation is cleared or forgotten.
 */
import { emptyHistory, QUEUED_MAX_AGE_MS, type StoredHistory } from './history.ts';
import { declineClearedStops, isOpenReply } from './reply-streams.ts';
import { type ChatMessage, type ChatState, initialChatState } from './state.ts';

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
  const stored = history.messages
    .filter((message) => !state.messagesById[message.id])
    // What the writer, still open in another tab, has in flight is its own: its queued
    // messages are its to send, its open replies its to finish (they come over when shared).
    .filter((message) => !(queuedElsewhere && (isQueued(message) || isOpenAssistant(message))))
    .filter((message) => clearedAt === null || isInFlight(message) || message.createdAt > clearedAt)
    .map((message) => settle(message, awaiting, tooOld));
  // One greeting per widget: the first stored one. A live one leaves the transcript (the
  // socket can greet before the history is read), and so do later stored ones. The live one's
  // entry in messagesById is left for the next clear or share to drop: nothing lists it, and
  // the bytes a delete costs are not in the main entry's budget.
  const greeting = stored.find(isGreeting);
  const restored = stored.filter((message) => !isGreeting(message) || message === greeting);
  if (restored.length === 0 && clearedAt === state.clearedAt) return state;
  const messagesById = { ...state.messagesById };
  for (const message of restored) messagesById[message.id] = message;
  const live = state.messageIds.filter((id) => !(greeting && isGreeting(messagesById[id])));
  // A person asked for over the old socket was asked for on a connection that is gone.
  const escalation =
    state.escalation.status !== 'idle' || history.escalation.status === 'requested'
      ? state.escalation
      : history.escalation;
  return {
    ...state,
    messageIds: [...restored.map((message) => message.id), ...live],
    messagesById,
    escalation,
    clearedAt,
    hasShownConnectionNotice: state.hasShownConnectionNotice || greeting !== undefined,
  };
}

/** The server's `connection` greeting, shown once per widget. */
function isGreeting(message: ChatMessage | undefined): boolean {
  return message?.role === 'system' && message.source === 'connection';
}

function settle(message: ChatMessage, awaiting: ReadonlySet<string>, tooOld: string): ChatMessage {
  // A reply open when its page closed (streaming, or gone quiet) can never resume now.
  if (message.role === 'assistant' && isOpenReply(message)) {
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

/** A reply still open: streaming, or gone quiet and able to resume. */
const isOpenAssistant = (message: ChatMessage) =>
  message.role === 'assistant' && isOpenReply(message);

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
  // The other tab's greeting only when this one has shown none: one per widget.
  const incoming = history.messages.filter(
    (message) =>
      isSettledElsewhere(message) &&
      !state.messagesById[message.id] &&
      !(state.hasShownConnectionNotice && isGreeting(message)) &&
      (knewOfClear || message.createdAt > (state.clearedAt ?? '')),
  );
  const kept = state.messageIds.filter((id) => {
    const message = state.messagesById[id];
    if (!message) return false;
    return !clearedThere || isInFlight(message) || message.createdAt > (clearedAt ?? '');
  });
  const unchanged = incoming.length === 0 && kept.length === state.messageIds.length;
  if (unchanged && !clearedThere && !hasNewerRating(state.messagesById, history.messages)) {
    return state;
  }
  const messagesById = pick(state.messagesById, kept);
  for (const message of incoming) messagesById[message.id] = message;
  return {
    ...state,
    messageIds: mergeByTime(kept, incoming, messagesById),
    messagesById: withNewerRatings(messagesById, history.messages),
    awaitingReply: state.awaitingReply.filter((id) => id in messagesById),
    clearedAt,
    hasShownConnectionNotice: state.hasShownConnectionNotice || incoming.some(isGreeting),
  };
}

/**
 * A rating given (or taken back) in the other tab reaches this one: the reply is the same, and
 * the newer rating wins, so neither tab's next write loses the other's.
 */
const isNewerRating = (theirs: ChatMessage, mine: ChatMessage | undefined) =>
  theirs.role === 'assistant' &&
  mine?.role === 'assistant' &&
  (theirs.feedbackAt ?? '') > (mine.feedbackAt ?? '');

function hasNewerRating(
  byId: Readonly<Record<string, ChatMessage>>,
  theirs: readonly ChatMessage[],
): boolean {
  return theirs.some((message) => isNewerRating(message, byId[message.id]));
}

function withNewerRatings(
  byId: Record<string, ChatMessage>,
  theirs: readonly ChatMessage[],
): Record<string, ChatMessage> {
  for (const message of theirs) {
    const mine = byId[message.id];
    if (message.role !== 'assistant' || mine?.role !== 'assistant') continue;
    if (isNewerRating(message, mine)) {
      byId[message.id] = {
        ...mine,
        feedback: message.feedback ?? null,
        feedbackAt: message.feedbackAt,
      };
    }
  }
  return byId;
}

const isSettledElsewhere = (message: ChatMessage) =>
  message.role === 'system' ||
  (message.role === 'user' && message.status === 'sent') ||
  (message.role === 'assistant' && !isOpenReply(message));

/** Still moving: a reply streaming in, or a message not yet handed to the socket. */
const isInFlight = (message: ChatMessage | undefined) =>
  (message?.role === 'assistant' && message.status === 'streaming') ||
  (message?.role === 'user' && message.status === 'queued');

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
  const kept = state.messageIds.filter((id) => isInFlight(state.messagesById[id]));
  const messagesById = pick(state.messagesById, kept);
  return {
    ...state,
    messageIds: kept,
    messagesById,
    awaitingReply: [],
    banners: [],
    escalation: emptyHistory().escalation,
    clearedAt: at,
    // The server may still be sending a reply the user stopped: still declined, quietly.
    repliesOnConnection: declineClearedStops(state, messagesById),
  };
}

/** Forgets the whole conversation (another user's history is about to be loaded). */
export function forgetConversation(state: ChatState): ChatState {
  const fresh = initialChatState();
  // The socket may stay open: the server's reply ids on it stay known, so the rest of a
  // reply that was streaming is recognised as late and dropped quietly.
  return {
    ...fresh,
    connection: state.connection,
    sequence: state.sequence,
    repliesOnConnection: state.repliesOnConnection,
  };
}

/** The messages `ids` name, by id. */
function pick(
  byId: Readonly<Record<string, ChatMessage>>,
  ids: readonly string[],
): Record<string, ChatMessage> {
  const picked: Record<string, ChatMessage> = {};
  for (const id of ids) {
    const message = byId[id];
    if (message) picked[id] = message;
  }
  return picked;
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
