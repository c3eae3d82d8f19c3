import { createContext, type ReactNode, useContext } from 'react';
import type { ChatMessage } from '../core/state.ts';
import { type ChatLabels, DEFAULT_LABELS } from './labels.ts';

/** The widget's parts, each of which takes extra classes through `classNames`. */
export type ChatPart =
  | 'root'
  | 'header'
  | 'title'
  | 'connectionStatus'
  | 'escalationButton'
  | 'messageList'
  | 'message'
  | 'userMessage'
  | 'assistantMessage'
  | 'systemMessage'
  | 'banners'
  | 'banner'
  | 'composer'
  | 'input'
  | 'sendButton';

/** Extra classes per part; they are merged last, so they win over chatwire's defaults. */
export type ChatClassNames = Partial<Record<ChatPart, string>>;

/**
 * Renders one transcript message your way. `renderDefault()` gives chatwire's own rendering,
 * to wrap or fall back to; return it for messages you do not want to change.
 */
export type RenderMessage = (message: ChatMessage, renderDefault: () => ReactNode) => ReactNode;

/** Presentation settings every part reads: the strings to show and the host's classes. */
export interface ChatUi {
  labels: ChatLabels;
  classNames: ChatClassNames;
  renderMessage?: RenderMessage;
}

const ChatUiContext = createContext<ChatUi>({ labels: DEFAULT_LABELS, classNames: {} });

export const ChatUiProvider = ChatUiContext.Provider;

/** The labels and class names of the widget this part is in. */
export function useChatUi(): ChatUi {
  return useContext(ChatUiContext);
}
