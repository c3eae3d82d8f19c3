import { useMemo } from 'react';
import type { ImagePolicy } from '../markdown/safe-url.ts';
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
  ChatUiProvider,
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
}: ChatPanelProps) {
  const merged: ChatLabels = { ...DEFAULT_LABELS, ...labels };
  const { linkOpensInNewTab, taskDone, taskOpen } = merged;
  // One object while its inputs stay the same: every finished block of every reply is
  // memoised on it. `allowImage` is read through a ref, so the usual inline arrow does not
  // make every block render again on each render of the panel.
  const latestAllowImage = useLatest(allowImage);
  const allowsImages = allowImage !== undefined;
  const markdown = useMemo(
    () => ({
      ...markdownOptionsFor({ linkOpensInNewTab, taskDone, taskOpen }),
      allowImage: allowsImages ? (url: URL) => latestAllowImage.current?.(url) ?? false : undefined,
    }),
    [linkOpensInNewTab, taskDone, taskOpen, allowsImages, latestAllowImage],
  );
  return (
    <ChatUiProvider value={{ labels: merged, classNames, renderMessage, renderMarkdown, markdown }}>
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
