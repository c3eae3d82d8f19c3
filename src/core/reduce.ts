/**
 * The chat reducer: `reduce(state, event) → state`, pure and synchronous.
 *
 * Invariants (checked by the property test beside this file):
 * - An assistant message's text is exactly the tokens accepted for its `messageId`, in
 *   arrival order; tokens for another id never touch it (interleaved streams stay apart).
 * - Once an assistant message is `complete` or `interrupted` it never changes again;
 *   duplicate and late frames are recorded as problems and otherwise ignored.
 * - Nothing a server sends throws: a frame that makes no sense now becomes a `Problem`.
 * - When an event changes nothing, the same state object is returned, so subscribers
 *   selecting from it do not re-render.
 * - The server's `connection` greeting is shown once per widget, not once per reconnect.
 *
 * Any bug can be replayed as a list of events: `events.reduce(reduce, initialChatState())`.
 */
import type { FrameProblem } from './parse.ts';
import type { ServerFrame } from './protocol.ts';
import {
  type AssistantMessage,
  type BannerKind,
  type ChatMessage,
  type ChatState,
  type ConnectionStatus,
  MAX_PROBLEMS,
  type ProblemKind,
  type SystemMessageSource,
  type UserMessage,
} from './state.ts';

/** Everything that can happen to a chat widget. `at` is an ISO-8601 time. */
export type ChatEvent =
  | { type: 'frame-received'; frame: ServerFrame; at: string }
  | { type: 'frame-rejected'; problem: FrameProblem; at: string }
  | { type: 'user-message-added'; id: string; text: string; status: 'queued' | 'sent'; at: string }
  | { type: 'user-message-delivered'; id: string }
  | { type: 'user-message-failed'; id: string }
  | { type: 'connection-changed'; status: ConnectionStatus; at: string }
  | { type: 'escalation-requested'; reason: string; at: string }
  | { type: 'banner-raised'; kind: BannerKind; text: string; at: string }
  | { type: 'banner-dismissed'; id: string };

/** The key an assistant reply is stored under, kept apart from local ids by its prefix. */
export function assistantMessageKey(messageId: string): string {
  return `assistant:${messageId}`;
}

/** Applies one event. Returns `state` itself when nothing changed. */
export function reduce(state: ChatState, event: ChatEvent): ChatState {
  switch (event.type) {
    case 'frame-received':
      return reduceFrame(state, event.frame, event.at);
    case 'frame-rejected':
      return addProblem(state, event.problem.kind, event.problem.message, event.at);
    case 'user-message-added':
      return addUserMessage(state, event);
    case 'user-message-delivered':
      return setUserStatus(state, event.id, 'queued', 'sent');
    case 'user-message-failed':
      return setUserStatus(state, event.id, 'queued', 'failed');
    case 'connection-changed':
      return changeConnection(state, event.status);
    case 'escalation-requested':
      if (state.escalation.status === 'requested') return state;
      return { ...state, escalation: { status: 'requested', reason: event.reason } };
    case 'banner-raised':
      return raiseBanner(state, event.kind, event.text, event.at);
    case 'banner-dismissed': {
      const banners = state.banners.filter((banner) => banner.id !== event.id);
      return banners.length === state.banners.length ? state : { ...state, banners };
    }
    default:
      return event satisfies never;
  }
}

/** Applies events in order: `apply(state, ...events)`. Handy for tests and replays. */
export function apply(state: ChatState, ...events: ChatEvent[]): ChatState {
  return events.reduce(reduce, state);
}

function reduceFrame(state: ChatState, frame: ServerFrame, at: string): ChatState {
  switch (frame.type) {
    case 'connection':
      if (state.hasShownConnectionNotice) return state;
      return {
        ...addSystemMessage(state, 'connection', frame.message, at),
        hasShownConnectionNotice: true,
      };
    case 'stream-start':
      return startStream(state, frame.messageId, at);
    case 'stream-token':
      return updateStream(state, frame.type, frame.messageId, at, (message) => ({
        ...message,
        text: message.text + frame.token,
        tokenCount: message.tokenCount + 1,
      }));
    case 'stream-end':
      return updateStream(state, frame.type, frame.messageId, at, (message) => ({
        ...message,
        status: 'complete',
      }));
    case 'human-escalation-response':
      return {
        ...addSystemMessage(state, 'escalation', frame.message, at),
        escalation: { ...state.escalation, status: 'acknowledged' },
      };
    case 'error':
      return raiseBanner(state, 'error', frame.message, at);
    case 'pong':
      if (state.connection.lastPongAt === at) return state;
      return { ...state, connection: { ...state.connection, lastPongAt: at } };
    default:
      return frame satisfies never;
  }
}

function startStream(state: ChatState, messageId: string, at: string): ChatState {
  const id = assistantMessageKey(messageId);
  if (state.messagesById[id]) {
    return addProblem(
      state,
      'duplicate-stream-start',
      `stream-start for messageId '${messageId}' repeats one already seen; it was ignored.`,
      at,
    );
  }
  const message: AssistantMessage = {
    id,
    role: 'assistant',
    messageId,
    text: '',
    tokenCount: 0,
    status: 'streaming',
    createdAt: at,
  };
  return addMessage(state, message);
}

function updateStream(
  state: ChatState,
  frameType: 'stream-token' | 'stream-end',
  messageId: string,
  at: string,
  update: (message: AssistantMessage) => AssistantMessage,
): ChatState {
  const message = state.messagesById[assistantMessageKey(messageId)];
  if (message?.role !== 'assistant') {
    return addProblem(
      state,
      'unknown-message-id',
      `${frameType} for unknown messageId '${messageId}': the server must send stream-start first.`,
      at,
    );
  }
  if (message.status !== 'streaming') {
    return addProblem(
      state,
      'late-frame',
      `${frameType} for messageId '${messageId}' arrived after the reply was ${message.status}; it was ignored.`,
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
  return addMessage(state, message);
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

function changeConnection(state: ChatState, status: ConnectionStatus): ChatState {
  if (state.connection.status === status) return state;
  const next = { ...state, connection: { ...state.connection, status } };
  // A reply can only stream over an open socket: once it is gone, the partial text stays
  // and the reply is marked interrupted, so no spinner is left running.
  return status === 'open' ? next : interruptStreams(next);
}

function interruptStreams(state: ChatState): ChatState {
  let messagesById = state.messagesById;
  for (const id of state.messageIds) {
    const message = messagesById[id];
    if (message?.role === 'assistant' && message.status === 'streaming') {
      if (messagesById === state.messagesById) messagesById = { ...messagesById };
      messagesById[id] = { ...message, status: 'interrupted' };
    }
  }
  return messagesById === state.messagesById ? state : { ...state, messagesById };
}

function addSystemMessage(
  state: ChatState,
  source: SystemMessageSource,
  text: string,
  at: string,
): ChatState {
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

function raiseBanner(state: ChatState, kind: BannerKind, text: string, at: string): ChatState {
  const last = state.banners.at(-1);
  // The same failure repeated (a server retrying, a flapping link) bumps a counter rather
  // than stacking identical banners over the conversation.
  if (last && last.kind === kind && last.text === text) {
    const banners = [...state.banners.slice(0, -1), { ...last, count: last.count + 1 }];
    return { ...state, banners };
  }
  const banner = { id: `banner:${state.sequence}`, kind, text, count: 1, createdAt: at };
  return { ...state, sequence: state.sequence + 1, banners: [...state.banners, banner] };
}

function addProblem(state: ChatState, kind: ProblemKind, message: string, at: string): ChatState {
  const problems = [...state.problems, { kind, message, at }];
  if (problems.length > MAX_PROBLEMS) problems.splice(0, problems.length - MAX_PROBLEMS);
  return { ...state, problems };
}
