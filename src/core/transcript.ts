/**
 * The transcript's bookkeeping for the reducer: adding a message, replacing one, finding an id
 * no message has, and adding a system notice. Every kind of event that puts something in the
 * conversation goes through these, so the order (`messageIds`) and the lookup
 * (`messagesById`) can never fall out of step.
 */
import type { ChatMessage, ChatState, SystemMessageSource } from './state.ts';

/** `state` with `message` added at the end of the transcript. */
export function addMessage(state: ChatState, message: ChatMessage): ChatState {
  return {
    ...state,
    messageIds: [...state.messageIds, message.id],
    messagesById: { ...state.messagesById, [message.id]: message },
  };
}

/** `state` with the message of `message.id` replaced by `message`, in the same place. */
export function replaceMessage(state: ChatState, message: ChatMessage): ChatState {
  return { ...state, messagesById: { ...state.messagesById, [message.id]: message } };
}

/** `id`, or when a message already has it, `id` with the first free `#n` after it. */
export function freeId(state: ChatState, id: string): string {
  if (!state.messagesById[id]) return id;
  let suffix = 2;
  while (state.messagesById[`${id}#${suffix}`]) suffix++;
  return `${id}#${suffix}`;
}

/**
 * `state` with a system notice from `source` added. Its id comes from `newMessageId` when the
 * event carried one (unique across tabs), otherwise from the state's own sequence.
 */
export function addSystemMessage(
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
