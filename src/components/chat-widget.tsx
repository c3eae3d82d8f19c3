import { useEffect, useState } from 'react';
import type { ChatHappening, ReplyEnding } from '../core/events.ts';
import type { AssistantMessage, Problem, UserMessage } from '../core/state.ts';
import { type ChatStore, createChatStore } from '../core/store.ts';
import { ChatStoreProvider } from '../react/context.tsx';
import {
  defaultHistoryKey,
  type HistoryStorageOption,
  resolveHistoryStorage,
  useChatHistory,
} from '../react/use-chat-history.ts';
import { type ChatConnectionOptions, useChatConnection } from '../react/use-connection.ts';
import { useLatest } from '../react/use-latest.ts';
import { ChatLauncher, type LauncherCorner } from './chat-launcher.tsx';
import { ChatPanel, type ChatPanelProps } from './chat-panel.tsx';
import { DEFAULT_LABELS } from './labels.ts';
import { ChatUiProvider, markdownOptionsFor } from './ui-context.tsx';

/** A request for a person, or the server's answer to it, as `onEscalation` hears them. */
export type EscalationHappening = Extract<
  ChatHappening,
  { type: 'escalation-requested' | 'escalation-answered' }
>;

/** The chatbot server chatwire connects to when no `url` is given. */
export const DEFAULT_SERVER_URL = 'ws://localhost:3001';

/** Props of `<ChatWidget>`. */
export interface ChatWidgetProps
  extends ChatPanelProps,
    Omit<ChatConnectionOptions, 'url' | 'WebSocket'> {
  /**
   * The signed-in user's JWT, sent to the server as the `token` query parameter. Without one
   * (and without `getToken`) the widget does not connect and shows "Sign-in required".
   * Changing it reconnects with the new one.
   */
  token: string | null | undefined;
  /** The chatbot server's WebSocket URL. Defaults to `ws://localhost:3001`. */
  url?: string;
  /**
   * Called with each frame from the server that chatwire could not use (malformed, unknown
   * type, a token for a reply that never started). The widget carries on regardless.
   */
  onProblem?: (problem: Problem) => void;
  /** Called when the user sends a message (it may wait, `queued`, for the connection). */
  onMessageSent?: (message: UserMessage) => void;
  /**
   * Called when a reply stops streaming: `complete`, `interrupted` (the reply's
   * `interruption` says why), or `stopped` by the user. A reply interrupted for going quiet
   * may resume and end again.
   */
  onReplyComplete?: (reply: AssistantMessage, how: ReplyEnding) => void;
  /** Called when the user asks for a person, and when the server answers. */
  onEscalation?: (escalation: EscalationHappening) => void;
  /**
   * `inline` (default) fills its container; `launcher` is a floating button in a corner
   * that opens the chat in a panel, with an unread badge.
   */
  mode?: 'inline' | 'launcher';
  /** Where the launcher sits, in `launcher` mode. Default `bottom-right`. */
  launcherCorner?: LauncherCorner;
  /** In `launcher` mode, called when the chat panel opens (`true`) or closes (`false`). */
  onOpenChange?: (open: boolean) => void;
  /**
   * Where the conversation is kept between visits: `'local'` (default, localStorage, shared
   * with other tabs), `'session'` (this tab only), any object with `getItem`, `setItem` and
   * `removeItem` (synchronous or returning promises), or `false` to keep nothing. Read once,
   * when the widget mounts. The token is never stored.
   */
  storage?: HistoryStorageOption;
  /**
   * The key the conversation is kept under. Defaults to one made of `url` and the `sub`
   * claim of `token` (read, never verified); without a `sub`, nothing is kept unless this is
   * given. When it changes (another user signs in), the transcript shown is replaced by the
   * one kept under the new key.
   */
  historyKey?: string;
  /** How many messages are kept between visits; older ones are dropped. Default 200. */
  maxStoredMessages?: number;
}

/**
 * A complete chat panel connected to an AI chatbot server over WebSocket: streamed replies,
 * error and system banners, a "Talk to a human" button, and a connection that reconnects
 * after drops without losing or duplicating messages.
 *
 * @example
 * <ChatWidget token={jwt} url="wss://chat.example.com" />
 */
export function ChatWidget(props: ChatWidgetProps) {
  const {
    token,
    url = DEFAULT_SERVER_URL,
    getToken,
    reconnect,
    heartbeat,
    stallTimeoutMs,
    onAuthError,
    onStatusChange,
    onProblem,
    onMessageSent,
    onReplyComplete,
    onEscalation,
    mode = 'inline',
    launcherCorner,
    onOpenChange,
    storage = 'local',
    historyKey,
    maxStoredMessages,
    ...panelProps
  } = props;
  const latestOnProblem = useLatest(onProblem);
  // One store per widget, made once: two widgets on a page never share a conversation.
  const [store] = useState(() =>
    createChatStore({
      onProblem: (problem) => latestOnProblem.current?.(problem),
      // Read once: the composer and the store must agree on the limit from the start.
      maxMessageLength: panelProps.maxMessageLength,
      history:
        storage === false
          ? undefined
          : { storage: () => resolveHistoryStorage(storage), maxStoredMessages },
    }),
  );
  useChatHistory(store, historyKey ?? defaultHistoryKey(url, token), storage);
  useChatConnection(store, {
    url,
    token,
    getToken,
    reconnect,
    heartbeat,
    stallTimeoutMs,
    onAuthError,
    onStatusChange,
  });
  useHappeningCallbacks(store, { onMessageSent, onReplyComplete, onEscalation });
  return (
    <ChatStoreProvider store={store}>
      {mode === 'launcher' ? (
        <ChatUiProvider value={launcherUi(panelProps)}>
          <ChatLauncher
            corner={launcherCorner}
            theme={panelProps.theme}
            onOpenChange={onOpenChange}
          >
            <ChatPanel {...panelProps} />
          </ChatLauncher>
        </ChatUiProvider>
      ) : (
        <ChatPanel {...panelProps} />
      )}
    </ChatStoreProvider>
  );
}

/** What the launcher button reads: the labels and classes; replies render in the panel. */
function launcherUi({ labels, classNames = {} }: ChatPanelProps) {
  const merged = { ...DEFAULT_LABELS, ...labels };
  return { labels: merged, classNames, renderMarkdown: true, markdown: markdownOptionsFor(merged) };
}

type HappeningCallbacks = Pick<
  ChatWidgetProps,
  'onMessageSent' | 'onReplyComplete' | 'onEscalation'
>;

/** The host's callbacks, called from the store's events: the same ones the UI listens to. */
function useHappeningCallbacks(store: ChatStore, callbacks: HappeningCallbacks): void {
  const latest = useLatest(callbacks);
  useEffect(
    () =>
      store.listen((happening) => {
        const { onMessageSent, onReplyComplete, onEscalation } = latest.current;
        switch (happening.type) {
          case 'message-sent':
            return onMessageSent?.(happening.message);
          case 'reply-ended':
            return onReplyComplete?.(happening.reply, happening.how);
          case 'escalation-requested':
          case 'escalation-answered':
            return onEscalation?.(happening);
          default:
            return;
        }
      }),
    [store, latest],
  );
}
