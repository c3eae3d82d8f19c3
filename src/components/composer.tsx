import { type FormEvent, type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { selectConnectionStatus } from '../core/selectors.ts';
import { DEFAULT_MAX_MESSAGE_LENGTH } from '../core/store.ts';
import { useChatActions, useChatStore } from '../react/context.tsx';
import { cn } from './class-names.ts';
import { useChatUi } from './ui-context.tsx';

/** The counter appears once the draft is this close to the limit. */
const COUNTER_THRESHOLD = 0.8;

/** Props of `Composer`. */
export interface ComposerProps {
  /** The longest message, in characters. Default 4,000. */
  maxLength?: number;
}

/**
 * Where the user writes. Enter sends, Shift+Enter starts a new line, and Enter that confirms
 * an IME composition (Japanese, Chinese, …) does not send half a word. Messages typed while
 * disconnected are queued by the store, so the composer stays usable then; only a missing
 * sign-in disables it, with the reason shown.
 */
export function Composer({ maxLength = DEFAULT_MAX_MESSAGE_LENGTH }: ComposerProps) {
  const [draft, setDraft] = useState('');
  const { sendMessage } = useChatActions();
  const isUnauthorized = useChatStore((state) => selectConnectionStatus(state) === 'unauthorized');
  const { labels, classNames } = useChatUi();
  const inputId = useId();
  const hintId = useId();
  const counterId = useId();

  const submit = () => {
    if (sendMessage(draft)) setDraft('');
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    submit();
  };
  const showCounter = draft.length >= maxLength * COUNTER_THRESHOLD;
  const inputRef = useRef<HTMLTextAreaElement>(null);
  // After sending, the emptied draft shrinks the box back to one line.
  useEffect(() => {
    if (draft === '' && inputRef.current) growToFit(inputRef.current);
  }, [draft]);

  return (
    <form
      data-slot="composer"
      onSubmit={onSubmit}
      className={cn('cw:composer', classNames.composer)}
    >
      {isUnauthorized && (
        <p id={hintId} className="cw:composer-hint">
          {labels.composerSignInRequired}
        </p>
      )}
      <div className="cw:flex cw:items-end cw:gap-2">
        <label htmlFor={inputId} className="cw:sr-only">
          {labels.messageInput}
        </label>
        <textarea
          ref={inputRef}
          id={inputId}
          rows={1}
          value={draft}
          maxLength={maxLength}
          disabled={isUnauthorized}
          // Described by the sign-in hint and the counter when they show; the counter is not a
          // live region, so it is read on request rather than at every keystroke.
          aria-describedby={
            [isUnauthorized && hintId, showCounter && counterId].filter(Boolean).join(' ') ||
            undefined
          }
          placeholder={labels.messagePlaceholder}
          onChange={(event) => {
            setDraft(event.target.value);
            growToFit(event.target);
          }}
          onKeyDown={onKeyDown}
          className={cn('cw:composer-input', classNames.input)}
        />
        <button
          type="submit"
          disabled={draft.trim() === '' || isUnauthorized}
          className={cn('cw:composer-send', classNames.sendButton)}
        >
          {labels.send}
        </button>
      </div>
      {showCounter && (
        <p
          id={counterId}
          data-slot="character-count"
          className={cn(
            'cw:m-0 cw:mt-1 cw:text-end cw:text-xs',
            draft.length >= maxLength
              ? 'cw:text-(--chatwire-danger-text)'
              : 'cw:text-(--chatwire-muted)',
          )}
        >
          {labels.charactersLeft(maxLength - draft.length)}
        </p>
      )}
    </form>
  );
}

const supportsFieldSizing = typeof CSS !== 'undefined' && CSS.supports('field-sizing', 'content');

/**
 * Grows the textarea with its text (up to its max-height, then it scrolls). Browsers with
 * `field-sizing: content` do this in CSS; the others get the same from its scroll height.
 */
function growToFit(textarea: HTMLTextAreaElement): void {
  if (supportsFieldSizing) return;
  textarea.style.height = 'auto';
  textarea.style.height = `${textarea.scrollHeight}px`;
}
