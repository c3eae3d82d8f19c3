/**
 * Selectors for `ChatState`. Each returns a primitive or a reference the reducer keeps
 * stable, so components subscribed through them re-render only when their slice changes.
 */
import type {
  Banner,
  ChatMessage,
  ChatState,
  ConnectionStatus,
  EscalationStatus,
} from './state.ts';

/** Transcript order; a new array only when a message is added. */
export const selectMessageIds = (state: ChatState): string[] => state.messageIds;

/** One message by id, or undefined. */
export const selectMessage =
  (id: string) =>
  (state: ChatState): ChatMessage | undefined =>
    state.messagesById[id];

/** The banners, oldest first. */
export const selectBanners = (state: ChatState): Banner[] => state.banners;

/** Where the socket is. */
export const selectConnectionStatus = (state: ChatState): ConnectionStatus =>
  state.connection.status;

/** Where the hand-over to a person is. */
export const selectEscalationStatus = (state: ChatState): EscalationStatus =>
  state.escalation.status;

/** True while any assistant reply is still streaming. */
export const selectIsStreaming = (state: ChatState): boolean =>
  state.messageIds.some((id) => {
    const message = state.messagesById[id];
    return message?.role === 'assistant' && message.status === 'streaming';
  });
