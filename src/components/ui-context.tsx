import { createContext, type ReactNode, useContext } from 'react';
import type { AssistantMessage, ChatMessage } from '../core/state.ts';
import type { MarkdownOptions } from '../markdown/options.ts';
import { type ChatLabels, DEFAULT_LABELS } from './labels.ts';

/** The widget's parts, each of which takes extra classes through `classNames`. */
export type ChatPart =
  | 'root'
  | 'header'
  | 'title'
  | 'connectionStatus'
  | 'escalationButton'
  | 'menuButton'
  | 'menu'
  | 'messageList'
  | 'message'
  | 'userMessage'
  | 'assistantMessage'
  | 'systemMessage'
  | 'banners'
  | 'banner'
  | 'composer'
  | 'input'
  | 'sendButton'
  | 'stopButton'
  | 'messageActions';

/**
 * Extra classes per part. They win over chatwire's defaults, which sit in a lower cascade
 * layer, whatever order the stylesheets load in.
 */
export type ChatClassNames = Partial<Record<ChatPart, string>>;

/**
 * Renders one transcript message your way. `renderDefault()` gives chatwire's own rendering,
 * to wrap or fall back to; return it for messages you do not want to change.
 */
export type RenderMessage = (message: ChatMessage, renderDefault: () => ReactNode) => ReactNode;

/**
 * Renders the text of an assistant reply your way, e.g. with a markdown library of your
 * choice. Called on every update while the reply streams, with the text so far.
 */
export type RenderReplyText = (
  text: string,
  reply: { message: AssistantMessage; streaming: boolean },
) => ReactNode;

/** How assistant replies are shown: markdown (default), plain text, or your renderer. */
export type ReplyTextMode = boolean | RenderReplyText;

/** Presentation settings every part reads: the strings to show and the host's classes. */
export interface ChatUi {
  labels: ChatLabels;
  classNames: ChatClassNames;
  renderMessage?: RenderMessage;
  renderMarkdown: ReplyTextMode;
  /** Options for chatwire's markdown; keeps its identity between renders. */
  markdown: MarkdownOptions;
  /** Suggestions offered in an empty conversation (at most four, checked). */
  starters?: readonly string[];
  /** Shown in an empty conversation in place of the `emptyConversation` label. */
  welcome?: ReactNode;
  /** Whether finished replies offer "Good reply" and "Bad reply" (`onFeedback` given). */
  feedback?: boolean;
  /** The composer, once mounted, for "Edit". */
  composer?: { current: ComposerControl | null };
  /**
   * Says `text` politely through the panel's one announcer (a copy's outcome), even when it
   * is the same words as last time. Set by `LiveAnnouncer` once mounted.
   */
  announce?: { current: ((text: string) => void) | null };
}

/** The labels the markdown renderer reads. */
export type MarkdownLabels = Pick<
  ChatLabels,
  'linkOpensInNewTab' | 'taskDone' | 'taskOpen' | 'copyCode' | 'copied' | 'copyFailed'
>;

/** The markdown options for `labels`, without images or highlighting. */
export const markdownOptionsFor = (labels: MarkdownLabels): MarkdownOptions => ({
  linkOpensInNewTab: labels.linkOpensInNewTab,
  taskDone: labels.taskDone,
  taskOpen: labels.taskOpen,
  copyCode: labels.copyCode,
  copied: labels.copied,
  copyFailed: labels.copyFailed,
});

/** What the composer lets other parts do: "Edit" puts a message back in it. */
export interface ComposerControl {
  /** Replaces the draft with `text` and puts the cursor at its end. */
  editDraft(text: string): void;
}

const ChatUiContext = createContext<ChatUi>({
  labels: DEFAULT_LABELS,
  classNames: {},
  renderMarkdown: true,
  markdown: markdownOptionsFor(DEFAULT_LABELS),
});

export const ChatUiProvider = ChatUiContext.Provider;

/** The labels and class names of the widget this part is in. */
export function useChatUi(): ChatUi {
  return useContext(ChatUiContext);
}
