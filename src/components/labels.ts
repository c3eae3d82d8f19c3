import type { ConnectionStatus } from '../core/state.ts';

/** Every string chatwire shows, so a host app can translate or reword them. */
export interface ChatLabels {
  title: string;
  conversation: string;
  messageInput: string;
  messagePlaceholder: string;
  send: string;
  talkToHuman: string;
  humanRequested: string;
  humanAcknowledged: string;
  dismiss: string;
  you: string;
  assistant: string;
  notice: string;
  replyInterrupted: string;
  messageQueued: string;
  messageFailed: string;
  emptyConversation: string;
  connection: Record<ConnectionStatus, string>;
}

/** English defaults for `ChatLabels`. */
export const DEFAULT_LABELS: ChatLabels = {
  title: 'Chat',
  conversation: 'Conversation',
  messageInput: 'Message',
  messagePlaceholder: 'Type a message…',
  send: 'Send',
  talkToHuman: 'Talk to a human',
  humanRequested: 'Asking for a person…',
  humanAcknowledged: 'A person is on the way',
  dismiss: 'Dismiss',
  you: 'You',
  assistant: 'Assistant',
  notice: 'Notice',
  replyInterrupted: 'Reply interrupted by a lost connection.',
  messageQueued: 'Waiting for the connection to send',
  messageFailed: 'Not sent',
  emptyConversation: 'Ask anything to get started.',
  connection: {
    idle: 'Not connected',
    connecting: 'Connecting…',
    open: 'Connected',
    reconnecting: 'Connection lost. Reconnecting…',
    offline: 'You are offline',
    unauthorized: 'Sign-in required',
    closed: 'Disconnected',
  },
};
