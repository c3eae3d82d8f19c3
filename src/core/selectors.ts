/**
 * Selectors for `ChatState`. Each returns a primitive or a reference the reducer keeps
 * stable, so components subscribed through them re-render only when their slice changes.
 */
import type { AuthProblem, LinkState } from './link.ts';
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

/** The status the UI shows for the link machine's state. */
export function connectionStatusOf(link: LinkState): ConnectionStatus {
  switch (link.phase) {
    case 'idle':
      return 'idle';
    case 'connecting':
      return link.failures > 0 || link.authRetried ? 'reconnecting' : 'connecting';
    case 'open':
      return 'open';
    case 'waiting':
      return 'reconnecting';
    case 'offline':
      return 'offline';
    case 'unauthorized':
      return 'unauthorized';
    case 'stopped':
      return 'closed';
    default:
      return link.phase satisfies never;
  }
}

/** Where the socket is. */
export const selectConnectionStatus = (state: ChatState): ConnectionStatus =>
  connectionStatusOf(state.connection);

/** When the next reconnect attempt is due (ms since the epoch) while waiting for it, else null. */
export const selectNextRetryAt = (state: ChatState): number | null =>
  state.connection.phase === 'waiting' ? state.connection.retryAt : null;

/** Why the connection is unauthorized, else null. */
export const selectAuthProblem = (state: ChatState): AuthProblem | null =>
  state.connection.phase === 'unauthorized' ? state.connection.authProblem : null;

/** Where the hand-over to a person is. */
export const selectEscalationStatus = (state: ChatState): EscalationStatus =>
  state.escalation.status;

/** True while any assistant reply is still streaming. */
export const selectIsStreaming = (state: ChatState): boolean =>
  state.messageIds.some((id) => {
    const message = state.messagesById[id];
    return message?.role === 'assistant' && message.status === 'streaming';
  });

/**
 * Whether a reply is streaming in now. Only replies on the current connection can be (a lost
 * connection interrupts the others), so this looks at those alone, not the whole transcript.
 */
export function selectIsReplying(state: ChatState): boolean {
  for (const messageId in state.repliesOnConnection) {
    const message = state.messagesById[state.repliesOnConnection[messageId] ?? ''];
    if (message?.role === 'assistant' && message.status === 'streaming') return true;
  }
  return false;
}

/**
 * The reply "Ask again" is offered on: the transcript's last reply, when no message of the
 * user's follows it (then that message is the one waiting for an answer). Null otherwise.
 */
export function selectLastReplyId(state: ChatState): string | null {
  for (let index = state.messageIds.length - 1; index >= 0; index--) {
    const id = state.messageIds[index] ?? '';
    const role = state.messagesById[id]?.role;
    if (role === 'assistant') return id;
    if (role === 'user') return null;
  }
  return null;
}

/** The user's last message's id: the one "Edit" is offered on. */
export const selectLastUserMessageId = (state: ChatState): string | null =>
  state.messageIds.findLast((id) => state.messagesById[id]?.role === 'user') ?? null;
