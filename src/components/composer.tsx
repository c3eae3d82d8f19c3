import {
  type FormEvent,
  type KeyboardEvent,
  type RefObject,
  useEffect,
  useId,
  useRef,
  useState,
} from 'react';
import { selectConnectionStatus, selectIsReplying } from '../core/selectors.ts';
import { DEFAULT_MAX_MESSAGE_LENGTH } from '../core/store.ts';
import { useChatActions, useChatStore } from '../react/context.tsx';
import { cn } from './class-names.ts';
import { moveFocusToComposer } from './focus.ts';
import { type ChatUi, useChatUi } from './ui-context.tsx';

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
  const { sendMessage, stopReplies } = useChatActions();
  const isUnauthorized = useChatStore((state) => selectConnectionStatus(state) === 'unauthorized');
  const isReplying = useChatStore(selectIsReplying);
  const { labels, classNames, composer } = useChatUi();
  const inputId = useId();
  const hintId = useId();
  const counterId = useId();
  const inputRef = useRef<HTMLTextAreaElement>(null);
  useComposerControl(composer, setDraft, inputRef);

  const submit = () => {
    if (sendMessage(draft)) setDraft('');
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // Escape stops a reply streaming in; only then is it taken (it also closes the launcher).
    if (event.key === 'Escape' && isReplying && !event.nativeEvent.isComposing) {
      event.preventDefault();
      stopReplies();
      return;
    }
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    submit();
  };
  const showCounter = draft.length >= maxLength * COUNTER_THRESHOLD;
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
        {isReplying && (
          // Beside Send, not in its place: the next message can go at once. The protocol has
          // no cancel frame, so this stops showing the reply; the server may finish it.
          <button
            type="button"
            data-slot="stop-button"
            aria-keyshortcuts="Escape"
            onClick={(event) => {
              moveFocusToComposer(event.currentTarget);
              stopReplies();
            }}
            className={cn('cw:composer-stop', classNames.stopButton)}
          >
            {labels.stop}
          </button>
        )}
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

/** Lets "Edit" put a message back in this composer, with the cursor at its end. */
function useComposerControl(
  composer: ChatUi['composer'],
  setDraft: (text: string) => void,
  inputRef: RefObject<HTMLTextAreaElement | null>,
): void {
  useEffect(() => {
    if (!composer) return;
    composer.current = {
      editDraft(text) {
        setDraft(text);
        const input = inputRef.current;
        if (!input || input.disabled) return;
        input.focus();
        // After React has put the text in: the cursor goes to its end, the box to its size.
        requestAnimationFrame(() => {
          input.setSelectionRange(input.value.length, input.value.length);
          growToFit(input);
        });
      },
    };
    return () => {
      composer.current = null;
    };
  }, [composer, setDraft, inputRef]);
}
