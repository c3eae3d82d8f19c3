/**
 * Streamed replies in the reducer: a `stream-start` opens one, tokens grow it, `stream-end`
 * finishes it, and silence or a lost socket interrupts it.
 *
 * A server's `messageId` names a reply on one connection only, so each reply gets chatwire's
 * own id and `repliesOnConnection` maps the server's ids to them until the connection
 * changes. Tokens for an id no reply started on this connection, or for a reply already
 * finished, are recorded as problems and change nothing else.
 */
import { addProblem, noticeUnreadable, quoted } from './notices.ts';
import type { AssistantMessage, ChatState, ReplyFeedback, ReplyInterruption } from './state.ts';
import { addMessage, freeId, replaceMessage } from './transcript.ts';

/**
 * The id a reply started by `stream-start` for `messageId` gets when its event carries no
 * `newMessageId` (tests and replays) and the id is still free. Prefer {@link replyIdFor},
 * which asks the state.
 */
export function assistantMessageKey(messageId: string): string {
  return `assistant:${messageId}`;
}

/**
 * chatwire's id for the reply the server's `messageId` names on the current connection, or
 * null when no reply with that id started on it.
 */
export function replyIdFor(state: ChatState, messageId: string): string | null {
  // A state seeded by a host (or stored by an older chatwire) may not have the map yet.
  const replies = state.repliesOnConnection ?? {};
  return Object.hasOwn(replies, messageId) ? (replies[messageId] ?? null) : null;
}

/**
 * Opens a reply for the server's `messageId`, unless one with that id is still open on this
 * connection, and takes the oldest message awaiting a reply as answered.
 */
export function startStream(
  state: ChatState,
  messageId: string,
  at: string,
  newMessageId: string | undefined,
): ChatState {
  // Only a reply still open on this connection makes the id a duplicate: once its reply has
  // finished, or on another connection, a server may use the same id again.
  const current = state.messagesById[replyIdFor(state, messageId) ?? ''];
  if (current?.role === 'assistant' && isOpenReply(current)) {
    const problem = `stream-start for messageId ${quoted(messageId)} repeats one still streaming on this connection; it was ignored.`;
    return noticeUnreadable(addProblem(state, 'duplicate-stream-start', problem, at), at);
  }
  const id = freeId(
    state,
    newMessageId === undefined ? assistantMessageKey(messageId) : `assistant:${newMessageId}`,
  );
  const message: AssistantMessage = {
    id,
    role: 'assistant',
    messageId,
    text: '',
    tokenCount: 0,
    status: 'streaming',
    interruption: null,
    createdAt: at,
    updatedAt: at,
  };
  // The protocol does not say which message a reply answers; the oldest one waiting is the
  // best reading, and all that matters is that it was evidently received.
  const answered =
    state.awaitingReply.length > 0
      ? { ...state, awaitingReply: state.awaitingReply.slice(1) }
      : state;
  return addMessage(
    { ...answered, repliesOnConnection: { ...(state.repliesOnConnection ?? {}), [messageId]: id } },
    message,
  );
}

/** Adds `count` tokens, joined as `text`, to the reply the server's `messageId` names. */
export function appendTokens(
  state: ChatState,
  messageId: string,
  text: string,
  count: number,
  at: string,
): ChatState {
  const appended = updateStream(state, 'stream-token', messageId, at, (message) => ({
    ...message,
    text: message.text + text,
    tokenCount: message.tokenCount + count,
    updatedAt: at,
  }));
  // A reply that goes on after an error was not the one the error was about.
  return withoutStreamAtError(appended, replyIdFor(state, messageId));
}

/**
 * Finishes the reply the server's `messageId` names: complete, or interrupted by the server's
 * error when an `error` frame came while it streamed.
 */
export function endStream(state: ChatState, messageId: string, at: string): ChatState {
  const id = replyIdFor(state, messageId);
  // Ended right after an error that came while it streamed: the error was about it.
  const cut = id !== null && state.streamsAtError.includes(id);
  const ended = updateStream(state, 'stream-end', messageId, at, (message) => ({
    ...message,
    status: cut ? 'interrupted' : 'complete',
    interruption: cut ? 'server-error' : null,
    updatedAt: at,
  }));
  return withoutStreamAtError(ended, id);
}

/**
 * Stops every reply still open (streaming, or gone quiet), as the user asked: the text so far
 * stays, and whatever more the server sends for them is declined without complaint. The
 * protocol has no cancel frame, so the server may well go on generating them.
 */
export function stopReplies(state: ChatState, at: string): ChatState {
  let messagesById = state.messagesById;
  for (const id of streamingIds(state)) {
    const message = messagesById[id];
    if (message?.role !== 'assistant') continue;
    if (messagesById === state.messagesById) messagesById = { ...messagesById };
    messagesById[id] = { ...message, status: 'stopped', interruption: null, updatedAt: at };
  }
  return messagesById === state.messagesById ? state : { ...state, messagesById };
}

/**
 * What a server id maps to once the stopped reply it named is cleared away: the rest of that
 * reply is still declined quietly, as it was before the clear.
 */
const DECLINED = 'declined:';

/** `replies` with every id whose stopped reply is not in `kept` marked declined. */
export function declineClearedStops(
  state: ChatState,
  kept: Readonly<Record<string, unknown>>,
): Record<string, string> {
  const replies = { ...(state.repliesOnConnection ?? {}) };
  for (const [messageId, id] of Object.entries(replies)) {
    const message = state.messagesById[id];
    if (message?.role === 'assistant' && message.status === 'stopped' && !(id in kept))
      replies[messageId] = DECLINED + id;
  }
  return replies;
}

/** Keeps the user's rating of a finished reply (or takes it back, with `null`). */
export function rateReply(
  state: ChatState,
  id: string,
  feedback: ReplyFeedback | null,
  at: string,
): ChatState {
  const message = state.messagesById[id];
  if (message?.role !== 'assistant' || isOpenReply(message)) return state;
  if ((message.feedback ?? null) === feedback) return state;
  return replaceMessage(state, { ...message, feedback, feedbackAt: at });
}

/** Replies still open: streaming, or only gone quiet (they may yet resume or end). */
export function streamingIds(state: ChatState): string[] {
  return state.messageIds.filter((id) => {
    const message = state.messagesById[id];
    return message?.role === 'assistant' && isOpenReply(message);
  });
}

/** Marks as `interrupted` for going quiet every streaming reply silent for `stallTimeoutMs`. */
export function interruptStalledStreams(
  state: ChatState,
  at: string,
  stallTimeoutMs: number,
): ChatState {
  return interruptStreams(state, 'stalled', (message) => isStalled(message, at, stallTimeoutMs));
}

/**
 * Marks as `interrupted`, for `interruption`, every open reply (streaming, or gone quiet)
 * that `shouldInterrupt` picks. A reply that went quiet and then lost its connection can no
 * longer resume: it is cut by the lost connection, and says so.
 */
export function interruptStreams(
  state: ChatState,
  interruption: ReplyInterruption,
  shouldInterrupt: (message: AssistantMessage) => boolean,
): ChatState {
  let messagesById = state.messagesById;
  for (const id of state.messageIds) {
    const message = messagesById[id];
    if (
      message?.role === 'assistant' &&
      isOpenReply(message) &&
      message.interruption !== interruption &&
      shouldInterrupt(message)
    ) {
      if (messagesById === state.messagesById) messagesById = { ...messagesById };
      messagesById[id] = { ...message, status: 'interrupted', interruption };
    }
  }
  return messagesById === state.messagesById ? state : { ...state, messagesById };
}

function withoutStreamAtError(state: ChatState, id: string | null): ChatState {
  if (id === null || !state.streamsAtError.includes(id)) return state;
  return { ...state, streamsAtError: state.streamsAtError.filter((other) => other !== id) };
}

/** Still open: streaming, or only gone quiet (it may yet resume or end). */
export const isOpenReply = (message: AssistantMessage) =>
  message.status === 'streaming' || message.interruption === 'stalled';

function updateStream(
  state: ChatState,
  frameType: 'stream-token' | 'stream-end',
  messageId: string,
  at: string,
  update: (message: AssistantMessage) => AssistantMessage,
): ChatState {
  const id = replyIdFor(state, messageId);
  if (id?.startsWith(DECLINED)) return state;
  if (id === null) {
    const problem = `${frameType} for unknown messageId ${quoted(messageId)}: the server must send stream-start first (on this connection).`;
    return noticeUnreadable(addProblem(state, 'unknown-message-id', problem, at), at);
  }
  const message = state.messagesById[id];
  // Started here but gone since: cleared by the user, who wants no more of it.
  if (message?.role !== 'assistant') {
    return addProblem(
      state,
      'late-frame',
      `${frameType} for messageId ${quoted(messageId)} arrived after its reply was cleared; it was ignored.`,
      at,
    );
  }
  // Stopped by the user: the rest of it was declined, not lost. Nothing to report.
  if (message.status === 'stopped') return state;
  // A reply cut off only because it went quiet picks up again when tokens resume: the
  // socket was fine, the model was just slow.
  if (message.status === 'interrupted' && message.interruption === 'stalled') {
    return replaceMessage(state, update({ ...message, status: 'streaming', interruption: null }));
  }
  if (message.status !== 'streaming') {
    return addProblem(
      state,
      'late-frame',
      `${frameType} for messageId ${quoted(messageId)} arrived after the reply was ${message.status}; it was ignored.`,
      at,
    );
  }
  return replaceMessage(state, update(message));
}

function isStalled(message: AssistantMessage, at: string, stallTimeoutMs: number): boolean {
  return Date.parse(at) - Date.parse(message.updatedAt) >= stallTimeoutMs;
}
