'use client';

/**
 * chatwire without its UI: the protocol, the chat store, the connection machine and the
 * React hooks, for apps that draw their own chat. Nothing here brings chatwire's styles.
 */
export { chatFrame, humanEscalationFrame, pingFrame, serializeClientFrame } from './core/encode.ts';
export {
  DEFAULT_MAX_STORED_MESSAGES,
  HISTORY_VERSION,
  readStoredHistory,
  type StoredHistory,
} from './core/history.ts';
export {
  type AuthProblem,
  DEFAULT_LINK_POLICY,
  initialLinkState,
  type LinkEvent,
  type LinkPhase,
  type LinkPolicy,
  type LinkState,
  nextLinkDeadline,
  stepLink,
  wantsSocket,
} from './core/link.ts';
export {
  type FrameProblem,
  type FrameProblemKind,
  isServerFrameType,
  type ParseResult,
  parseServerFrame,
} from './core/parse.ts';
export type { ChatHistory, ChatHistoryOptions, HistoryStorage } from './core/persistence.ts';
export {
  type BackoffOptions,
  backoffDelay,
  DEFAULT_BACKOFF,
  isAuthFailureClose,
} from './core/policy.ts';
export type {
  ChatFrame,
  ClientFrame,
  ClientFrameType,
  ConnectionFrame,
  ErrorFrame,
  HumanEscalationFrame,
  HumanEscalationResponseFrame,
  PingFrame,
  PongFrame,
  ServerFrame,
  ServerFrameType,
  StreamEndFrame,
  StreamStartFrame,
  StreamTokenFrame,
} from './core/protocol.ts';
export {
  apply,
  assistantMessageKey,
  type ChatEvent,
  type ConnectionDetails,
  reduce,
} from './core/reduce.ts';
export {
  selectBanners,
  selectConnectionStatus,
  selectEscalationStatus,
  selectIsStreaming,
  selectMessage,
  selectMessageIds,
} from './core/selectors.ts';
export {
  type AssistantMessage,
  type AssistantMessageStatus,
  type Banner,
  type BannerKind,
  type ChatMessage,
  type ChatState,
  type ConnectionState,
  type ConnectionStatus,
  type EscalationState,
  type EscalationStatus,
  initialChatState,
  MAX_PROBLEMS,
  type Problem,
  type ProblemKind,
  type ReplyInterruption,
  type SystemMessage,
  type SystemMessageSource,
  type UserMessage,
  type UserMessageStatus,
} from './core/state.ts';
export {
  type ChatActions,
  type ChatStore,
  type ChatStoreOptions,
  createChatStore,
  DEFAULT_ESCALATION_REASON,
  DEFAULT_MAX_MESSAGE_LENGTH,
  type Transport,
} from './core/store.ts';
export {
  readTokenExpiry,
  readTokenSubject,
  type TokenProblem,
  tokenProblem,
} from './core/token.ts';
export {
  ChatStoreProvider,
  type ChatStoreProviderProps,
  useChatActions,
  useChatStore,
  useChatStoreApi,
} from './react/context.tsx';
export {
  defaultHistoryKey,
  type HistoryStorageOption,
  resolveHistoryStorage,
  useChatHistory,
} from './react/use-chat-history.ts';
export {
  buildSocketUrl,
  type ChatConnectionOptions,
  connectionStatusOf,
  DEFAULT_STALL_TIMEOUT_MS,
  type HeartbeatOptions,
  type ReconnectOptions,
  useChatConnection,
} from './react/use-connection.ts';
