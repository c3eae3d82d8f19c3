/**
 * The chat reducer: `reduce(state, event) → state`, pure and synchronous.
 *
 * Invariants (checked by the property test beside this file):
 * - An assistant message's text is exactly the tokens accepted for its `messageId` on its
 *   connection, in arrival order; tokens for another id never touch it (interleaved streams
 *   stay apart). A server's ids name replies on one connection only: the same id on a later
 *   connection, or after its reply finished, starts a new reply under chatwire's own id.
 * - Once an assistant message is `complete`, or `interrupted` by a lost connection, it never
 *   changes again; duplicate and late frames are recorded as problems and otherwise ignored.
 *   (A reply interrupted only for going quiet resumes if its tokens come after all.)
 * - Nothing a server sends throws: a frame that makes no sense now becomes a `Problem`.
 * - When an event changes nothing, the same state object is returned, so subscribers
 *   selecting from it do not re-render.
 * - The server's `connection` greeting is shown once per widget, not once per reconnect.
 *
 * Any bug can be replayed as a list of events: `events.reduce(reduce, initialChatState())`.
 */
import {
  clearConversation,
  forgetConversation,
  restoreHistory,
  type StoredHistory,
  shareHistory,
} from './history.ts';
import type { LinkState } from './link.ts';
import type { FrameProblem } from './parse.ts';
import type { ServerFrame } from './protocol.ts';
import { connectionStatusOf } from './selectors.ts';
import {
  type AssistantMessage,
  type BannerKind,
  type ChatMessage,
  type ChatState,
  MAX_BANNER_LENGTH,
  MAX_BANNERS,
  MAX_PROBLEMS,
  type ProblemKind,
  type ReplyInterruption,
  type SystemMessageSource,
  UNREADABLE_FRAMES_TEXT,
  UNREADABLE_NOTICE_INTERVAL_MS,
  type UserMessage,
} from './state.ts';

/** Everything that can happen to a chat widget. `at` is an ISO-8601 time. */
export type ChatEvent =
  | {
      type: 'frame-received';
      frame: ServerFrame;
      at: string;
      /**
       * A unique id for the message this frame adds to the transcript, if it adds one (a
       * reply's `stream-start`, a server notice); the store makes one per frame. Without it the
       * reducer derives one that is unique in this state only, which suits tests and replays
       * but not two tabs sharing a conversation.
       */
      newMessageId?: string;
    }
  /** A frame that could not be used: recorded, and the user told (at most once a minute). */
  | { type: 'frame-rejected'; problem: FrameProblem; at: string }
  /** A frame used despite a flaw (no timestamp): recorded only. */
  | { type: 'frame-warning'; problem: FrameProblem; at: string }
  /**
   * `count` consecutive `stream-token` frames for one reply, their tokens joined as `text`:
   * a frame's worth of tokens applied as one update, so a long transcript is not copied once
   * per token.
   */
  | { type: 'tokens-received'; messageId: string; text: string; count: number; at: string }
  | { type: 'user-message-added'; id: string; text: string; status: 'queued' | 'sent'; at: string }
  | { type: 'user-message-delivered'; id: string }
  | { type: 'user-message-failed'; id: string }
  /** The link machine moved on: `connection` is its new state, the one home of those facts. */
  | { type: 'connection-changed'; connection: LinkState; at: string }
  | { type: 'user-message-retried'; id: string }
  | { type: 'stalled-streams-checked'; at: string; stallTimeoutMs: number }
  | { type: 'escalation-requested'; reason: string; at: string }
  | { type: 'banner-raised'; kind: BannerKind; text: string; at: string }
  | { type: 'banner-dismissed'; id: string }
  /** This conversation's history, read back from storage as the widget starts. */
  | { type: 'history-restored'; history: StoredHistory; at: string; queuedElsewhere: boolean }
  /** What another tab open on the same conversation stored. */
  | { type: 'history-shared'; history: StoredHistory; at: string }
  /** The user cleared the conversation: settled messages go, in-flight ones stay. */
  | { type: 'history-cleared'; at: string }
  /** Another conversation is about to be loaded (the signed-in user changed): forget this one. */
  | { type: 'history-forgotten' }
  /** Stored history could not be read or written. */
  | {
      type: 'history-problem';
      kind: 'history-unreadable' | 'history-not-saved';
      message: string;
      at: string;
    };

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
  const replies = state.repliesOnConnection;
  return Object.hasOwn(replies, messageId) ? (replies[messageId] ?? null) : null;
}

/** Applies one event. Returns `state` itself when nothing changed. */
export function reduce(state: ChatState, event: ChatEvent): ChatState {
  switch (event.type) {
    case 'frame-received':
      return reduceFrame(state, event.frame, event.at, event.newMessageId);
    case 'frame-rejected':
      return noticeUnreadable(
        addProblem(state, event.problem.kind, event.problem.message, event.at),
        event.at,
      );
    case 'frame-warning':
      return addProblem(state, event.problem.kind, event.problem.message, event.at);
    case 'tokens-received':
      return appendTokens(state, event.messageId, event.text, event.count, event.at);
    case 'user-message-added':
      return addUserMessage(state, event);
    case 'user-message-delivered':
      return awaitReply(setUserStatus(state, event.id, 'queued', 'sent'), event.id);
    case 'user-message-failed':
      return setUserStatus(state, event.id, 'queued', 'failed');
    case 'connection-changed':
      return changeConnection(state, event.connection);
    case 'user-message-retried':
      return setUserStatus(state, event.id, 'failed', 'queued');
    case 'stalled-streams-checked':
      return interruptStreams(state, 'stalled', (message) =>
        isStalled(message, event.at, event.stallTimeoutMs),
      );
    case 'escalation-requested':
      if (state.escalation.status === 'requested') return state;
      return { ...state, escalation: { status: 'requested', reason: event.reason } };
    case 'banner-raised':
      return raiseBanner(state, event.kind, event.text, event.at);
    case 'banner-dismissed': {
      const banners = state.banners.filter((banner) => banner.id !== event.id);
      return banners.length === state.banners.length ? state : { ...state, banners };
    }
    case 'history-restored':
      return restoreHistory(state, event.history, {
        now: event.at,
        queuedElsewhere: event.queuedElsewhere,
      });
    case 'history-shared':
      return shareHistory(state, event.history, event.at);
    case 'history-cleared':
      return clearConversation(state, event.at);
    case 'history-forgotten':
      return forgetConversation(state);
    case 'history-problem':
      return addProblem(state, event.kind, event.message, event.at);
    default:
      return event satisfies never;
  }
}

/** Applies events in order: `apply(state, ...events)`. Handy for tests and replays. */
export function apply(state: ChatState, ...events: ChatEvent[]): ChatState {
  return events.reduce(reduce, state);
}

function reduceFrame(
  state: ChatState,
  frame: ServerFrame,
  at: string,
  newMessageId: string | undefined,
): ChatState {
  switch (frame.type) {
    case 'connection':
      if (state.hasShownConnectionNotice) return state;
      return {
        ...addSystemMessage(state, 'connection', frame.message, at, newMessageId),
        hasShownConnectionNotice: true,
      };
    case 'stream-start':
      return startStream(state, frame.messageId, at, newMessageId);
    case 'stream-token':
      return appendTokens(state, frame.messageId, frame.token, 1, at);
    case 'stream-end': {
      const id = replyIdFor(state, frame.messageId);
      // Ended right after an error that came while it streamed: the error was about it.
      const cut = id !== null && state.streamsAtError.includes(id);
      const ended = updateStream(state, frame.type, frame.messageId, at, (message) => ({
        ...message,
        status: cut ? 'interrupted' : 'complete',
        interruption: cut ? 'server-error' : null,
        updatedAt: at,
      }));
      return withoutStreamAtError(ended, id);
    }
    case 'human-escalation-response':
      return {
        ...addSystemMessage(state, 'escalation', frame.message, at, newMessageId),
        escalation: { ...state.escalation, status: 'acknowledged' },
      };
    case 'error':
      return {
        ...raiseBanner(state, 'error', frame.message, at),
        streamsAtError: streamingIds(state),
      };
    case 'pong':
      // Its round trip is the link machine's to measure; the conversation does not change.
      return state;
    default:
      return frame satisfies never;
  }
}

function appendTokens(
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

/** Replies still open: streaming, or only gone quiet (they may yet resume or end). */
function streamingIds(state: ChatState): string[] {
  return state.messageIds.filter((id) => {
    const message = state.messagesById[id];
    return message?.role === 'assistant' && isOpen(message);
  });
}

function withoutStreamAtError(state: ChatState, id: string | null): ChatState {
  if (id === null || !state.streamsAtError.includes(id)) return state;
  return { ...state, streamsAtError: state.streamsAtError.filter((other) => other !== id) };
}

function startStream(
  state: ChatState,
  messageId: string,
  at: string,
  newMessageId: string | undefined,
): ChatState {
  // Only a reply still open on this connection makes the id a duplicate: once its reply has
  // finished, or on another connection, a server may use the same id again.
  const current = state.messagesById[replyIdFor(state, messageId) ?? ''];
  if (current?.role === 'assistant' && isOpen(current)) {
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
    { ...answered, repliesOnConnection: { ...state.repliesOnConnection, [messageId]: id } },
    message,
  );
}

/** Still open: streaming, or only gone quiet (it may yet resume or end). */
const isOpen = (message: AssistantMessage) =>
  message.status === 'streaming' || message.interruption === 'stalled';

/** `id`, or when a message already has it, `id` with the first free `#n` after it. */
function freeId(state: ChatState, id: string): string {
  if (!state.messagesById[id]) return id;
  let suffix = 2;
  while (state.messagesById[`${id}#${suffix}`]) suffix++;
  return `${id}#${suffix}`;
}

function updateStream(
  state: ChatState,
  frameType: 'stream-token' | 'stream-end',
  messageId: string,
  at: string,
  update: (message: AssistantMessage) => AssistantMessage,
): ChatState {
  const id = replyIdFor(state, messageId);
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

function addUserMessage(
  state: ChatState,
  event: Extract<ChatEvent, { type: 'user-message-added' }>,
): ChatState {
  // An id already in the transcript (a replayed event, or one that clashes with an assistant
  // key) is ignored rather than overwriting another message.
  if (state.messagesById[event.id]) return state;
  const message: UserMessage = {
    id: event.id,
    role: 'user',
    text: event.text,
    status: event.status,
    createdAt: event.at,
  };
  const added = addMessage(state, message);
  return event.status === 'sent' ? awaitReply(added, event.id) : added;
}

function awaitReply(state: ChatState, id: string): ChatState {
  const message = state.messagesById[id];
  if (message?.role !== 'user' || message.status !== 'sent' || state.awaitingReply.includes(id))
    return state;
  return { ...state, awaitingReply: [...state.awaitingReply, id] };
}

function setUserStatus(
  state: ChatState,
  id: string,
  from: UserMessage['status'],
  to: UserMessage['status'],
): ChatState {
  const message = state.messagesById[id];
  if (message?.role !== 'user' || message.status !== from) return state;
  return replaceMessage(state, { ...message, status: to });
}

function changeConnection(state: ChatState, connection: LinkState): ChatState {
  if (sameLink(connection, state.connection)) return state;
  const status = connectionStatusOf(connection);
  const previous = connectionStatusOf(state.connection);
  // The link moves on within a status all the time (a tick, a batch of frames): only a change
  // of status means anything to the conversation.
  if (status === previous) return { ...state, connection };
  // Opening or losing a socket is a new connection: the server's reply ids start over.
  const newConnection = (status === 'open') !== (previous === 'open');
  const next = newConnection
    ? { ...state, connection, repliesOnConnection: {} }
    : { ...state, connection };
  if (status === 'open') return next;
  // A request for a person that the server never answered is lost with the socket; let the
  // user ask again rather than leave "Asking for a person…" up forever.
  const escalation =
    next.escalation.status === 'requested'
      ? { ...next.escalation, status: 'idle' as const }
      : next.escalation;
  // A reply can only stream over an open socket: once it is gone, the partial text stays and
  // the reply is marked interrupted, so no spinner is left running. Messages no reply had
  // started for may never have arrived; resending them blindly could duplicate them, so they
  // are marked failed for the user to retry.
  return failUnanswered(interruptStreams({ ...next, escalation }, 'connection-lost', () => true));
}

/** Whether two link states hold the same facts (a replayed or seeded state may be a copy). */
function sameLink(a: LinkState, b: LinkState): boolean {
  if (a === b) return true;
  return (Object.keys(a) as (keyof LinkState)[]).every((key) => a[key] === b[key]);
}

function failUnanswered(state: ChatState): ChatState {
  if (state.awaitingReply.length === 0) return state;
  let next: ChatState = { ...state, awaitingReply: [] };
  for (const id of state.awaitingReply) next = setUserStatus(next, id, 'sent', 'failed');
  return next;
}

function interruptStreams(
  state: ChatState,
  interruption: ReplyInterruption,
  shouldInterrupt: (message: AssistantMessage) => boolean,
): ChatState {
  let messagesById = state.messagesById;
  for (const id of state.messageIds) {
    const message = messagesById[id];
    if (
      message?.role === 'assistant' &&
      message.status === 'streaming' &&
      shouldInterrupt(message)
    ) {
      if (messagesById === state.messagesById) messagesById = { ...messagesById };
      messagesById[id] = { ...message, status: 'interrupted', interruption };
    }
  }
  return messagesById === state.messagesById ? state : { ...state, messagesById };
}

function isStalled(message: AssistantMessage, at: string, stallTimeoutMs: number): boolean {
  return Date.parse(at) - Date.parse(message.updatedAt) >= stallTimeoutMs;
}

function addSystemMessage(
  state: ChatState,
  source: SystemMessageSource,
  text: string,
  at: string,
  newMessageId?: string,
): ChatState {
  if (newMessageId !== undefined) {
    const id = freeId(state, `system:${newMessageId}`);
    return addMessage(state, { id, role: 'system', source, text, createdAt: at });
  }
  // Skip any id a caller already used through `dispatch`, so nothing is overwritten.
  let sequence = state.sequence;
  while (state.messagesById[`system:${sequence}`]) sequence++;
  const id = `system:${sequence}`;
  const withId = { ...state, sequence: sequence + 1 };
  return addMessage(withId, { id, role: 'system', source, text, createdAt: at });
}

function addMessage(state: ChatState, message: ChatMessage): ChatState {
  return {
    ...state,
    messageIds: [...state.messageIds, message.id],
    messagesById: { ...state.messagesById, [message.id]: message },
  };
}

function replaceMessage(state: ChatState, message: ChatMessage): ChatState {
  return { ...state, messagesById: { ...state.messagesById, [message.id]: message } };
}

function raiseBanner(state: ChatState, kind: BannerKind, fullText: string, at: string): ChatState {
  // A banner is a line or two above the composer: a server's essay is cut, not shown whole.
  const text =
    fullText.length > MAX_BANNER_LENGTH ? `${fullText.slice(0, MAX_BANNER_LENGTH)}…` : fullText;
  const last = state.banners.at(-1);
  // The same failure repeated (a server retrying, a flapping link) bumps a counter rather
  // than stacking identical banners over the conversation.
  if (last && last.kind === kind && last.text === text) {
    const banners = [...state.banners.slice(0, -1), { ...last, count: last.count + 1 }];
    return { ...state, banners };
  }
  const banner = { id: `banner:${state.sequence}`, kind, text, count: 1, createdAt: at };
  // Only the newest few stay: a server sending error after error must not bury the chat.
  const banners = [...state.banners.slice(1 - MAX_BANNERS), banner];
  return { ...state, sequence: state.sequence + 1, banners };
}

/**
 * Tells the user, once a minute at most, that something from the server could not be read:
 * part of a reply may be missing, and only a notice says why.
 */
function noticeUnreadable(state: ChatState, at: string): ChatState {
  const last = state.unreadableNoticeAt;
  if (last !== null) {
    const elapsed = Date.parse(at) - Date.parse(last);
    // A clock set back (elapsed < 0) starts a new interval rather than silencing the notice
    // until it catches up; times that do not parse never raise a second one.
    if (Number.isNaN(elapsed) || (elapsed >= 0 && elapsed < UNREADABLE_NOTICE_INTERVAL_MS))
      return state;
  }
  const notice = raiseBanner(state, 'unreadable-frames', UNREADABLE_FRAMES_TEXT, at);
  return { ...notice, unreadableNoticeAt: at };
}

/** A message id as quoted in a problem: ids come from the server and can be any length. */
const quoted = (id: string) => `'${id.slice(0, 80)}'`;

function addProblem(state: ChatState, kind: ProblemKind, message: string, at: string): ChatState {
  const problems = [...state.problems, { kind, message, at }];
  if (problems.length > MAX_PROBLEMS) problems.splice(0, problems.length - MAX_PROBLEMS);
  return { ...state, problems };
}
