/**
 * What the user can do with a message once it has settled: copy a reply, rate it, ask its
 * question again (on the last reply), and put their last message back in the composer.
 * Nothing is offered while a reply streams: a half-copied answer, or a rating of half an
 * answer, is worth nothing.
 */
import { isOpenReply } from '../core/reply-streams.ts';
import {
  selectConnectionStatus,
  selectLastReplyId,
  selectLastUserMessageId,
} from '../core/selectors.ts';
import type { AssistantMessage, UserMessage } from '../core/state.ts';
import { withoutDirectionControls } from '../markdown/bidi.ts';
import { useChatActions, useChatStore } from '../react/context.tsx';
import { cn } from './class-names.ts';
import { CopyButton } from './copy-button.tsx';
import { moveFocusToComposer } from './focus.ts';
import { useChatUi } from './ui-context.tsx';

/** The actions under a settled reply. */
export function ReplyActions({ message }: { message: AssistantMessage }) {
  const { labels, classNames, feedback } = useChatUi();
  const isLast = useChatStore((state) => selectLastReplyId(state) === message.id);
  const { retryReply } = useChatActions();
  // Streaming, or only gone quiet and able to resume: not settled yet.
  if (isOpenReply(message)) return null;
  // The reply's text as written, its markdown source, less the direction controls that are
  // never shown either (pasted elsewhere, they could make it read as something else).
  const source = () => withoutDirectionControls(message.text);
  // An interrupted reply offers "Ask again" in its note already.
  const asksAgain = isLast && message.status !== 'interrupted';
  return (
    <div
      data-slot="message-actions"
      className={cn('cw:message-actions', classNames.messageActions)}
    >
      {message.text !== '' && (
        <CopyButton
          getText={source}
          labels={{
            name: labels.copyReply,
            text: labels.copy,
            copied: labels.copied,
            copyFailed: labels.copyFailed,
          }}
        />
      )}
      {feedback && message.text !== '' && <FeedbackButtons message={message} />}
      {asksAgain && (
        <button
          type="button"
          data-slot="ask-again"
          onClick={(event) => {
            moveFocusToComposer(event.currentTarget);
            retryReply(message.id);
          }}
          className="cw:message-action"
        >
          {labels.askAgain}
        </button>
      )}
    </div>
  );
}

/** "Good reply" and "Bad reply": two toggles, at most one pressed; pressing it again clears it. */
function FeedbackButtons({ message }: { message: AssistantMessage }) {
  const { labels } = useChatUi();
  const { rateReply } = useChatActions();
  const current = message.feedback ?? null;
  const choices = [
    ['up', labels.goodReply, '👍'],
    ['down', labels.badReply, '👎'],
  ] as const;
  return choices.map(([rating, name, icon]) => (
    <button
      key={rating}
      type="button"
      data-slot={`feedback-${rating}`}
      aria-pressed={current === rating}
      aria-label={name}
      onClick={() => rateReply(message.id, current === rating ? null : rating)}
      className="cw:message-action"
    >
      <span aria-hidden="true">{icon}</span>
    </button>
  ));
}

/** "Edit" under the user's last message: puts its text back in the composer. */
export function UserActions({ message }: { message: UserMessage }) {
  const { labels, composer } = useChatUi();
  const isLast = useChatStore((state) => selectLastUserMessageId(state) === message.id);
  // Signed out, the composer is disabled: there is nowhere to put the text back.
  const canWrite = useChatStore((state) => selectConnectionStatus(state) !== 'unauthorized');
  if (!isLast || !composer || !canWrite) return null;
  return (
    <button
      type="button"
      data-slot="edit-message"
      onClick={() => composer.current?.editDraft(withoutDirectionControls(message.text))}
      className="cw:message-action"
    >
      {labels.editMessage}
    </button>
  );
}
