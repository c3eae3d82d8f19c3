/**
 * The types both entry points export: a conversation's messages, banners and problems, the
 * connection's status and the events the store tells of. Listed once here, so `chatwire` and
 * `chatwire/headless` cannot drift apart in what they call a message.
 */
export type { HeartbeatOptions, ReconnectOptions } from './core/connection.ts';
export type { ChatHappening, ReplyEnding } from './core/events.ts';
export type { AuthProblem } from './core/link.ts';
export type { HistoryStorage } from './core/persistence.ts';
export type {
  AssistantMessage,
  AssistantMessageStatus,
  Banner,
  BannerKind,
  ChatMessage,
  ConnectionStatus,
  EscalationStatus,
  Problem,
  ProblemKind,
  ReplyFeedback,
  ReplyInterruption,
  SystemMessage,
  UserMessage,
  UserMessageStatus,
} from './core/state.ts';
export type { HistoryStorageOption } from './react/use-chat-history.ts';
