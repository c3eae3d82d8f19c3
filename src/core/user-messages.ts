/**
 * The user's messages in the reducer: added queued or sent, delivered, failed, retried, and
 * the list of sent ones still awaiting a reply. That list is how a lost connection knows which
 * messages may never have arrived: those are marked failed for the user to retry, since
 * resending them blindly could deliver them twice.
 */
import type { ChatState, UserMessage } from './state.ts';
import { addMessage, replaceMessage } from './transcript.ts';

/** A message the user just wrote, as its `user-message-added` event carries it. */
export interface NewUserMessage {
  id: string;
  text: string;
  status: 'queued' | 'sent';
  at: string;
}

/** Adds the user's message, unless its id is taken; a sent one starts awaiting its reply. */
export function addUserMessage(state: ChatState, added: NewUserMessage): ChatState {
  // An id already in the transcript (a replayed event, or one that clashes with an assistant
  // key) is ignored rather than overwriting another message.
  if (state.messagesById[added.id]) return state;
  const message: UserMessage = {
    id: added.id,
    role: 'user',
    text: added.text,
    status: added.status,
    createdAt: added.at,
  };
  const next = addMessage(state, message);
  return added.status === 'sent' ? awaitReply(next, added.id) : next;
}

/** Counts the sent message `id` as awaiting a reply, once. */
export function awaitReply(state: ChatState, id: string): ChatState {
  const message = state.messagesById[id];
  if (message?.role !== 'user' || message.status !== 'sent' || state.awaitingReply.includes(id))
    return state;
  return { ...state, awaitingReply: [...state.awaitingReply, id] };
}

/** Moves the user's message `id` from status `from` to `to`; any other status is left be. */
export function setUserStatus(
  state: ChatState,
  id: string,
  from: UserMessage['status'],
  to: UserMessage['status'],
): ChatState {
  const message = state.messagesById[id];
  if (message?.role !== 'user' || message.status !== from) return state;
  return replaceMessage(state, { ...message, status: to });
}

/** Marks failed every sent message still awaiting a reply, and awaits none. */
export function failUnanswered(state: ChatState): ChatState {
  if (state.awaitingReply.length === 0) return state;
  let next: ChatState = { ...state, awaitingReply: [] };
  for (const id of state.awaitingReply) next = setUserStatus(next, id, 'sent', 'failed');
  return next;
}
