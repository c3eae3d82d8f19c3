import { Component, memo, type ReactNode } from 'react';
import { selectMessage } from '../core/selectors.ts';
import type {
  AssistantMessage,
  ChatMessage,
  ReplyInterruption,
  SystemMessage,
  UserMessage,
} from '../core/state.ts';
import { withoutDirectionControls } from '../markdown/bidi.ts';
import { MarkdownText } from '../markdown/markdown-text.tsx';
import { PlainText } from '../markdown/plain-text.tsx';
import { useChatActions, useChatStore } from '../react/context.tsx';
import { cn } from './class-names.ts';
import { InlineAction } from './inline-action.tsx';
import type { ChatLabels } from './labels.ts';
import { ReplyActions, UserActions } from './message-actions.tsx';
import { useChatUi } from './ui-context.tsx';

/** One transcript entry, subscribed to its own message only. */
export const MessageItem = memo(function MessageItem({ id }: { id: string }) {
  const message = useChatStore(selectMessage(id));
  const { renderMessage } = useChatUi();
  if (!message) return null;
  if (!renderMessage) return <MessageView message={message} role="listitem" />;
  // The host's rendering goes inside the list item chatwire keeps, so the transcript stays a
  // list; the default rendering it may fall back to becomes a plain block inside it.
  return (
    // biome-ignore lint/a11y/useSemanticElements: the transcript's pages sit between list and items, where HTML allows no li
    <div role="listitem" data-slot="message-slot" className="cw:flex cw:flex-col">
      {renderMessage(message, () => (
        <MessageView message={message} />
      ))}
    </div>
  );
});

/**
 * A message's role in the transcript: its own list item, or none for a block inside a
 * host's list item.
 */
type MessageRole = 'listitem' | undefined;

function MessageView({ message, role }: { message: ChatMessage; role?: MessageRole }) {
  switch (message.role) {
    case 'user':
      return <UserBubble message={message} role={role} />;
    case 'assistant':
      return <AssistantBubble message={message} role={role} />;
    case 'system':
      return <SystemNotice message={message} role={role} />;
    default:
      return message satisfies never;
  }
}

const BUBBLE = 'cw:bubble';

function UserBubble({ message, role }: { message: UserMessage; role: MessageRole }) {
  const { labels, classNames } = useChatUi();
  const note = userStatusNote(message.status, labels);
  return (
    <div
      role={role}
      data-slot="message"
      data-role="user"
      data-status={message.status}
      className={cn('cw:group cw:flex cw:flex-col cw:items-end', classNames.message)}
    >
      {/* Who wrote it, for screen readers only: see `speaker-label` in styles.css. */}
      <span className="cw:speaker-label">{labels.you}:</span>
      <div
        className={cn(
          BUBBLE,
          // Not (yet) delivered: an outlined bubble rather than a faded one, which would fail
          // colour contrast.
          message.status === 'sent'
            ? 'cw:bg-(--chatwire-accent) cw:text-(--chatwire-on-accent)'
            : 'cw:bubble-pending',
          classNames.userMessage,
        )}
      >
        {withoutDirectionControls(message.text)}
      </div>
      <Timestamp at={message.createdAt} />
      <UserActions message={message} />
      {note && (
        <span className="cw:message-note">
          {note}
          {message.status === 'failed' && <RetryButton id={message.id} />}
        </span>
      )}
    </div>
  );
}

/** Sends a message again that may not have arrived; the user decides, never chatwire. */
function RetryButton({ id }: { id: string }) {
  const { retryMessage } = useChatActions();
  const { labels } = useChatUi();
  return <InlineAction onActivate={() => retryMessage(id)}>{labels.retry}</InlineAction>;
}

/** Asks the question behind an interrupted reply again. */
function RetryReplyButton({ id }: { id: string }) {
  const { retryReply } = useChatActions();
  const { labels } = useChatUi();
  return (
    <InlineAction onActivate={() => retryReply(id)} className="cw:ms-2">
      {labels.askAgain}
    </InlineAction>
  );
}

function userStatusNote(status: UserMessage['status'], labels: ChatLabels): string | null {
  switch (status) {
    case 'sent':
      return null;
    case 'queued':
      return labels.messageQueued;
    case 'failed':
      return labels.messageFailed;
    default:
      return status satisfies never;
  }
}

function AssistantBubble({ message, role }: { message: AssistantMessage; role: MessageRole }) {
  const { labels, classNames } = useChatUi();
  const isStreaming = message.status === 'streaming';
  return (
    <div
      role={role}
      data-slot="message"
      data-role="assistant"
      data-status={message.status}
      // Marks the reply as still changing for assistive tech that honours it; announcing it
      // once, complete, is LiveAnnouncer's job.
      aria-busy={isStreaming}
      className={cn('cw:group cw:flex cw:flex-col cw:items-start', classNames.message)}
    >
      <span className="cw:speaker-label">{labels.assistant}:</span>
      <div
        className={cn(
          BUBBLE,
          'cw:bg-(--chatwire-bubble) cw:text-(--chatwire-text)',
          // A long reply fills the bubble's width anyway; giving it that width outright spares
          // the browser from measuring the whole text's intrinsic width on every frame.
          message.text.length > LONG_REPLY && 'cw:w-[85%]',
          classNames.assistantMessage,
        )}
      >
        {isStreaming && message.text === '' && <TypingDots label={labels.assistantTyping} />}
        {message.text !== '' && (
          <ReplyText message={message} tail={isStreaming ? <Caret /> : undefined} />
        )}
      </div>
      <Timestamp at={message.createdAt} />
      {message.status === 'interrupted' && (
        <span className="cw:reply-note">
          {interruptionLabel(message.interruption, labels)}
          <RetryReplyButton id={message.id} />
        </span>
      )}
      {message.status === 'stopped' && <span className="cw:reply-note">{labels.replyStopped}</span>}
      <ReplyActions message={message} />
    </div>
  );
}

function SystemNotice({ message, role }: { message: SystemMessage; role: MessageRole }) {
  const { labels, classNames } = useChatUi();
  return (
    <div
      role={role}
      data-slot="message"
      data-role="system"
      data-source={message.source}
      className={cn('cw:notice', classNames.message, classNames.systemMessage)}
    >
      <span className="cw:sr-only">{labels.notice}:</span>
      {withoutDirectionControls(message.text)}
    </div>
  );
}

/** Three bouncing dots while a reply has started but no text has arrived yet. */
function TypingDots({ label }: { label: string }) {
  return (
    <span data-slot="typing-indicator" className="cw:inline-flex cw:items-center cw:gap-1 cw:py-1">
      <span className="cw:sr-only">{label}</span>
      {[0, 150, 300].map((delay) => (
        <span
          key={delay}
          aria-hidden="true"
          style={{ animationDelay: `${delay}ms` }}
          className="cw:typing-dot"
        />
      ))}
    </span>
  );
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });

/**
 * When a message was sent: read by screen readers, shown on hover, while a control in the
 * message has focus, and for every message while the transcript has keyboard focus.
 * Hidden by a transparent colour rather than by opacity: an element with opacity below 1 is a
 * layer of its own to the browser, and a layer per message made every scroll frame of a long
 * history repaint them all.
 */
const Timestamp = memo(function Timestamp({ at }: { at: string }) {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return null;
  return (
    <time dateTime={at} data-slot="timestamp" className="cw:timestamp">
      {timeFormat.format(date)}
    </time>
  );
});

/** Past this many characters a reply certainly spans the bubble's full width. */
const LONG_REPLY = 400;

/**
 * Shows a reply as plain text if rendering it any other way throws (a host renderer's bug,
 * markup nested past what the parser survives): one bad reply never takes the widget down.
 * A render that failed while the reply streamed is tried again once its status changes, so a
 * finished reply is not left as plain text by a passing glitch.
 */
class PlainTextOnError extends Component<
  { text: string; opensInNewTab: string; status: AssistantMessage['status']; children: ReactNode },
  { failed: boolean; status: AssistantMessage['status'] }
> {
  override state = { failed: false, status: this.props.status };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  static getDerivedStateFromProps(
    props: { status: AssistantMessage['status'] },
    state: { status: AssistantMessage['status'] },
  ) {
    return props.status === state.status ? null : { failed: false, status: props.status };
  }

  override render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    return <PlainText text={this.props.text} opensInNewTab={this.props.opensInNewTab} />;
  }
}

/** An assistant reply's text: markdown, plain text, or the host's renderer. */
function ReplyText({ message, tail }: { message: AssistantMessage; tail: ReactNode }) {
  const { labels } = useChatUi();
  // Direction controls could make text (a link's, say) read as something it is not.
  const text = withoutDirectionControls(message.text);
  return (
    <PlainTextOnError text={text} status={message.status} opensInNewTab={labels.linkOpensInNewTab}>
      <ReplyTextAs message={message} text={text} tail={tail} />
    </PlainTextOnError>
  );
}

function ReplyTextAs({
  message,
  text,
  tail,
}: {
  message: AssistantMessage;
  /** The reply's text without direction controls. */
  text: string;
  tail: ReactNode;
}) {
  const { renderMarkdown, markdown, labels } = useChatUi();
  const streaming = message.status === 'streaming';
  if (typeof renderMarkdown === 'function') {
    return renderMarkdown(message.text, { message, streaming });
  }
  if (renderMarkdown) {
    return <MarkdownText text={text} streaming={streaming} options={markdown} tail={tail} />;
  }
  return <PlainText text={text} opensInNewTab={labels.linkOpensInNewTab} tail={tail} />;
}

/** The blinking block at the end of a reply that is still streaming. */
function Caret() {
  return <span aria-hidden="true" data-slot="caret" className="cw:caret" />;
}

/** Why a reply stopped, in the user's words. */
function interruptionLabel(interruption: ReplyInterruption | null, labels: ChatLabels): string {
  switch (interruption) {
    case 'stalled':
      return labels.replyStalled;
    case 'server-error':
      return labels.replyFailed;
    case 'connection-lost':
    case null:
      return labels.replyInterrupted;
    default:
      return interruption satisfies never;
  }
}
