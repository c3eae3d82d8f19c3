'use client';

/**
 * chatwire without its UI: what an app needs to draw a chat of its own. The chat store and its
 * selectors, the connection that keeps it talking to the server (with or without React), the
 * React hooks, the protocol's types with its parser and encoders, and the history storage's
 * types. Nothing here brings chatwire's styles. The link machine, the reducer and the policy
 * tables behind them are internals: they change without notice and are not exported.
 */
export {
  type ChatConnection,
  type ChatConnectionOptions,
  type ChatSocket,
  createChatConnection,
} from './core/connection.ts';
export { chatFrame, humanEscalationFrame, serializeClientFrame } from './core/encode.ts';
export type { ChatHappeningType } from './core/events.ts';
export type { StoredHistory } from './core/history.ts';
export type { LinkPhase, LinkPolicy, LinkState } from './core/link.ts';
export {
  type FrameProblem,
  type FrameProblemKind,
  isServerFrameType,
  type ParseResult,
  parseServerFrame,
} from './core/parse.ts';
export type { ChatHistory, ChatHistoryOptions } from './core/persistence.ts';
export type { BackoffOptions } from './core/policy.ts';
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
export type { ChatEvent } from './core/reduce.ts';
export {
  selectAuthProblem,
  selectBanners,
  selectConnectionStatus,
  selectEscalationStatus,
  selectIsStreaming,
  selectMessage,
  selectMessageIds,
  selectNextRetryAt,
} from './core/selectors.ts';
export type { ChatState, EscalationState, SystemMessageSource } from './core/state.ts';
export {
  type ChatActions,
  type ChatStore,
  type ChatStoreOptions,
  createChatStore,
  DEFAULT_MAX_MESSAGE_LENGTH,
  type Transport,
} from './core/store.ts';
export { type TokenProblem, tokenProblem } from './core/token.ts';
export type * from './public-types.ts';
export {
  ChatStoreProvider,
  type ChatStoreProviderProps,
  useChatActions,
  useChatStore,
  useChatStoreApi,
} from './react/context.tsx';
export {
  defaultHistoryKey,
  resolveHistoryStorage,
  useChatHistory,
} from './react/use-chat-history.ts';
export { useChatConnection } from './react/use-connection.ts';
