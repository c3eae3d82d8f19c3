import { type ReactNode, useEffect, useMemo, useRef } from 'react';
import type { AssistantMessage, ReplyFeedback } from '../core/state.ts';
import type { ImagePolicy } from '../markdown/safe-url.ts';
import { useChatStoreApi } from '../react/context.tsx';
import { useLatest } from '../react/use-latest.ts';
import { Banners } from './banners.tsx';
import { cn } from './class-names.ts';
import { Composer } from './composer.tsx';
import { AuthAlert, ConnectionStatus } from './connection-status.tsx';
import { ConversationMenu } from './conversation-menu.tsx';
import { EscalationButton } from './escalation-button.tsx';
import { type ChatLabels, DEFAULT_LABELS } from './labels.ts';
import { LiveAnnouncer } from './live-announcer.tsx';
import { MessageList } from './message-list.tsx';
import {
  type ChatClassNames,
  type ChatUi,
  ChatUiProvider,
  type ComposerControl,
  markdownOptionsFor,
  type RenderMessage,
  type ReplyTextMode,
} from './ui-context.tsx';

/** Props of `ChatPanel`: presentation only. */
export interface ChatPanelProps {
  /** Extra classes for the root element; they win over chatwire's defaults. */
  className?: string;
  /** Extra classes per part of the widget; they win over chatwire's defaults. */
  classNames?: ChatClassNames;
  /** Replacement strings; any left out keep their English default. */
  labels?: Partial<ChatLabels>;
  /** Colour theme: `light` (default), `dark`, or `system` to follow the user's OS setting. */
  theme?: ChatTheme;
  /**
   * Renders transcript messages your way, e.g. custom bubbles or avatars. Gets the message and
   * chatwire's default rendering, to wrap or return unchanged.
   */
  renderMessage?: RenderMessage;
  /** Whether to offer "Talk to a human". Default true. */
  showEscalation?: boolean;
  /** Whether to show the header's menu (with "Clear conversation"). Default true. */
  showConversationMenu?: boolean;
  /** The longest message a user may type, in characters. Default 4,000. */
  maxMessageLength?: number;
  /** Text direction; `rtl` mirrors the layout for Arabic, Hebrew, Persian, … Default `ltr`. */
  dir?: 'ltr' | 'rtl';
  /**
   * How assistant replies are shown. `true` (default): markdown, rendered safely and
   * incrementally as the reply streams (paragraphs, emphasis, links, lists, quotes, tables,
   * code; raw HTML is shown as text). `false`: plain text with web addresses linked.
   * A function: your own renderer, given the text so far.
   */
  renderMarkdown?: ReplyTextMode;
  /**
   * Which images in replies may load, e.g. `(url) => url.hostname === 'cdn.example.com'`.
   * By default none do: an image loads without a click, so a reply could leak data to any
   * host it names. Only `http:` and `https:` images are considered. A refused image is shown
   * as a link.
   */
  allowImage?: ImagePolicy;
  /**
   * Up to four suggestions offered in an empty conversation; a click sends one as the user's
   * message. They go once the conversation has messages, and come back after it is cleared.
   */
  starters?: readonly string[];
  /** Shown in an empty conversation instead of "Ask anything to get started." */
  welcome?: ReactNode;
  /**
   * Called when the user rates a finished reply ("Good reply" / "Bad reply"), or takes the
   * rating back (`null`). The rating is kept in the history. Without it no rating is offered.
   */
  onFeedback?: (reply: AssistantMessage, feedback: ReplyFeedback | null) => void;
  /**
   * Colours fenced code blocks that name a language (```` ```ts ````), with a highlighter
   * loaded as a chunk of its own the first time such a block has finished. Default false.
   */
  highlightCode?: boolean;
}

/** The widget's colour theme. */
export type ChatTheme = 'light' | 'dark' | 'system';

/**
 * The chat UI without a connection: it renders whatever chat store it is placed in
 * (`<ChatStoreProvider>`). `<ChatWidget>` wraps it with a store and a live connection;
 * on its own it suits stories, tests and apps that drive the store themselves.
 */
export function ChatPanel({
  className,
  classNames = {},
  labels,
  theme = 'light',
  dir,
  maxMessageLength,
  showEscalation = true,
  showConversationMenu = true,
  renderMessage,
  renderMarkdown = true,
  allowImage,
  starters,
  welcome,
  onFeedback,
  highlightCode = false,
}: ChatPanelProps) {
  const merged: ChatLabels = { ...DEFAULT_LABELS, ...labels };
  const { linkOpensInNewTab, taskDone, taskOpen, copyCode, copied, copyFailed } = merged;
  // One object while its inputs stay the same: every finished block of every reply is
  // memoised on it. `allowImage` is read through a ref, so the usual inline arrow does not
  // make every block render again on each render of the panel.
  const latestAllowImage = useLatest(allowImage);
  const allowsImages = allowImage !== undefined;
  const markdown = useMemo(
    () => ({
      ...markdownOptionsFor({
        linkOpensInNewTab,
        taskDone,
        taskOpen,
        copyCode,
        copied,
        copyFailed,
      }),
      allowImage: allowsImages ? (url: URL) => latestAllowImage.current?.(url) ?? false : undefined,
      highlightCode,
    }),
    [
      linkOpensInNewTab,
      taskDone,
      taskOpen,
      copyCode,
      copied,
      copyFailed,
      allowsImages,
      latestAllowImage,
      highlightCode,
    ],
  );
  const composer = useRef<ComposerControl | null>(null);
  const announce = useRef<((text: string) => void) | null>(null);
  const checkedStarters = useMemo(() => checkStarters(starters), [starters]);
  useFeedbackCallback(onFeedback);
  const ui: ChatUi = {
    labels: merged,
    classNames,
    renderMessage,
    renderMarkdown,
    markdown,
    starters: checkedStarters,
    welcome,
    feedback: onFeedback !== undefined,
    composer,
    announce,
  };
  return (
    <ChatUiProvider value={ui}>
      <section
        data-chatwire=""
        data-slot="root"
        data-theme={theme}
        dir={dir}
        aria-label={merged.title}
        className={cn('cw:panel', classNames.root, className)}
      >
        <header data-slot="header" className={cn('cw:panel-header', classNames.header)}>
          <div className="cw:flex cw:flex-1 cw:flex-col">
            <h2 className={cn('cw:m-0 cw:text-sm cw:font-semibold', classNames.title)}>
              {merged.title}
            </h2>
            <ConnectionStatus />
          </div>
          {showEscalation && <EscalationButton />}
          {showConversationMenu && <ConversationMenu />}
        </header>
        <AuthAlert />
        <MessageList />
        <Banners />
        <Composer maxLength={maxMessageLength} />
        <LiveAnnouncer />
      </section>
    </ChatUiProvider>
  );
}

/** At most this many starters are offered: more would crowd an empty panel. */
const MAX_STARTERS = 4;

/**
 * The starters worth offering: strings with text, trimmed, each once, at most four. Anything
 * else a host passes (a number, an empty string, a fifth) is left out with a warning, once.
 */
function checkStarters(starters: readonly unknown[] | undefined): readonly string[] {
  if (starters === undefined) return NO_STARTERS;
  const given = Array.isArray(starters) ? starters : [];
  const texts = given.flatMap((starter) =>
    typeof starter === 'string' && starter.trim() !== '' ? [starter.trim()] : [],
  );
  const unique = [...new Set(texts)].slice(0, MAX_STARTERS);
  if (unique.length !== given.length || given !== starters) {
    warnOnce(
      `chatwire: \`starters\` takes up to ${MAX_STARTERS} different non-empty strings; ${unique.length} shown.`,
    );
  }
  return unique;
}

const NO_STARTERS: readonly string[] = [];

/** The last warning given, so a host rendering the same bad list again is told only once. */
let lastWarning = '';

function warnOnce(message: string): void {
  if (message === lastWarning) return;
  lastWarning = message;
  console.warn(message);
}

/** Calls the host's `onFeedback` when the store says the user rated a reply. */
function useFeedbackCallback(onFeedback: ChatPanelProps['onFeedback']): void {
  const store = useChatStoreApi();
  const latest = useLatest(onFeedback);
  useEffect(
    () =>
      store.listen((happening) => {
        if (happening.type === 'reply-rated') latest.current?.(happening.reply, happening.feedback);
      }),
    [store, latest],
  );
}
