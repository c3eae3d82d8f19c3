import { type ConnectionStatus, UNREADABLE_FRAMES_TEXT } from '../core/state.ts';

/** Every string chatwire shows, so a host app can translate or reword them. */
export interface ChatLabels {
  title: string;
  openChat: string;
  /** The launcher's name when replies arrived while it was closed. */
  openChatUnread: (count: number) => string;
  conversation: string;
  messageInput: string;
  messagePlaceholder: string;
  send: string;
  talkToHuman: string;
  humanRequested: string;
  humanAcknowledged: string;
  dismiss: string;
  cancel: string;
  escalationQuestion: string;
  escalationReason: string;
  escalationConfirm: string;
  you: string;
  assistant: string;
  notice: string;
  replyInterrupted: string;
  replyStalled: string;
  /** A reply the server ended after reporting an error (its AI backend failed). */
  replyFailed: string;
  /** The notice shown (once a minute at most) when the server sent frames chatwire could not read. */
  unreadableFrames: string;
  messageQueued: string;
  messageFailed: string;
  retry: string;
  /** Resends the question behind an interrupted reply. */
  askAgain: string;
  reconnectNow: string;
  /** The visible countdown while waiting to reconnect. */
  reconnectingIn: (seconds: number) => string;
  sessionExpired: string;
  /** Shown above the disabled composer while the user is not signed in. */
  composerSignInRequired: string;
  /** The counter shown as a message nears the length limit. */
  charactersLeft: (count: number) => string;
  sessionExpiredAlert: string;
  signInRejectedAlert: string;
  emptyConversation: string;
  /** The pill shown while the user reads further up and messages arrive. */
  newMessages: (count: number) => string;
  /** Read to screen readers while a reply has started but no text has come yet. */
  assistantTyping: string;
  /** Read to screen readers after the text of a link in a reply. */
  linkOpensInNewTab: string;
  /** Read in place of a ticked box in a reply's task list. */
  taskDone: string;
  /** Read in place of an empty box in a reply's task list. */
  taskOpen: string;
  /** The name of the header's menu button. */
  conversationMenu: string;
  /** The menu item that clears the conversation. */
  clearConversation: string;
  /** Announced to screen readers once the conversation is cleared. */
  conversationCleared: string;
  /** The composer's button that stops the reply streaming in (the server may finish it). */
  stop: string;
  /** The note under a reply the user stopped. */
  replyStopped: string;
  /** The visible text of a finished reply's copy button. */
  copy: string;
  /** The copy button's accessible name. */
  copyReply: string;
  /** The accessible name of a finished code block's copy button. */
  copyCode: string;
  /** Shown, and read once, after a copy. */
  copied: string;
  /** Shown, and read once, when the browser refused the copy. */
  copyFailed: string;
  /** The "thumbs up" feedback button. */
  goodReply: string;
  /** The "thumbs down" feedback button. */
  badReply: string;
  /** Puts the user's last message back in the composer. */
  editMessage: string;
  /** The name of the group of starter suggestions in an empty conversation. */
  suggestions: string;
  /** Read by a status region when replies arrive while the launcher is closed. */
  unreadReplies: (count: number) => string;
  connection: Record<ConnectionStatus, string>;
}

/** English defaults for `ChatLabels`. */
export const DEFAULT_LABELS: ChatLabels = {
  title: 'Chat',
  openChat: 'Open chat',
  openChatUnread: (count) => `Open chat, ${count} unread ${count === 1 ? 'reply' : 'replies'}`,
  conversation: 'Conversation',
  messageInput: 'Message',
  messagePlaceholder: 'Type a message…',
  send: 'Send',
  talkToHuman: 'Talk to a human',
  humanRequested: 'Asking for a person…',
  humanAcknowledged: 'A person is on the way',
  dismiss: 'Dismiss',
  cancel: 'Cancel',
  escalationQuestion: 'Ask a person to join this chat?',
  escalationReason: 'What do you need help with? (optional)',
  escalationConfirm: 'Ask for a person',
  you: 'You',
  assistant: 'Assistant',
  notice: 'Notice',
  replyInterrupted: 'Reply interrupted by a lost connection.',
  replyStalled: 'Reply stopped arriving.',
  replyFailed: 'The server could not finish this reply.',
  unreadableFrames: UNREADABLE_FRAMES_TEXT,
  messageQueued: 'Waiting for the connection to send',
  messageFailed: 'The connection dropped; this may not have been delivered.',
  retry: 'Retry',
  askAgain: 'Ask again',
  reconnectNow: 'Reconnect now',
  reconnectingIn: (seconds) => `Reconnecting in ${seconds}s`,
  sessionExpired: 'Session expired',
  composerSignInRequired: 'Sign in to send messages.',
  charactersLeft: (count) => (count === 1 ? '1 character left' : `${count} characters left`),
  sessionExpiredAlert: 'Your session has expired. Sign in again to keep chatting.',
  signInRejectedAlert:
    'The chat server did not accept your sign-in. Sign in again to keep chatting.',
  emptyConversation: 'Ask anything to get started.',
  newMessages: (count) => (count === 1 ? '1 new message ↓' : `${count} new messages ↓`),
  assistantTyping: 'Assistant is typing',
  linkOpensInNewTab: '(opens in a new tab)',
  taskDone: 'Done:',
  taskOpen: 'To do:',
  conversationMenu: 'Conversation options',
  clearConversation: 'Clear conversation',
  conversationCleared: 'Conversation cleared',
  stop: 'Stop',
  replyStopped: 'Stopped.',
  copy: 'Copy',
  copyReply: 'Copy reply',
  copyCode: 'Copy code',
  copied: 'Copied',
  copyFailed: 'Could not copy',
  goodReply: 'Good reply',
  badReply: 'Bad reply',
  editMessage: 'Edit',
  suggestions: 'Suggestions',
  unreadReplies: (count) => (count === 1 ? '1 unread reply' : `${count} unread replies`),
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
