import { type FormEvent, type KeyboardEvent, useId, useState } from 'react';
import { useChatActions } from '../react/context.tsx';
import { cn } from './class-names.ts';
import { useChatUi } from './ui-context.tsx';

/**
 * Where the user writes. Enter sends, Shift+Enter starts a new line, and Enter that confirms
 * an IME composition (Japanese, Chinese, …) does not send half a word. Messages typed while
 * disconnected are queued by the store, so the composer never has to be disabled for that.
 */
export function Composer() {
  const [draft, setDraft] = useState('');
  const { sendMessage } = useChatActions();
  const { labels, classNames } = useChatUi();
  const inputId = useId();

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

  return (
    <form
      data-slot="composer"
      onSubmit={onSubmit}
      className={cn(
        'cw:flex cw:items-end cw:gap-2 cw:border-t cw:border-(--chatwire-border) cw:p-3',
        classNames.composer,
      )}
    >
      <label htmlFor={inputId} className="cw:sr-only">
        {labels.messageInput}
      </label>
      <textarea
        id={inputId}
        rows={1}
        value={draft}
        placeholder={labels.messagePlaceholder}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={onKeyDown}
        className={cn(
          'cw:field-sizing-content cw:max-h-40 cw:min-h-9 cw:flex-1 cw:resize-none cw:rounded-(--chatwire-radius) cw:border cw:border-(--chatwire-border) cw:bg-(--chatwire-surface) cw:px-3 cw:py-2 cw:text-sm cw:text-(--chatwire-text)',
          'cw:focus-visible:outline-2 cw:focus-visible:-outline-offset-1 cw:focus-visible:outline-(--chatwire-accent)',
          classNames.input,
        )}
      />
      <button
        type="submit"
        disabled={draft.trim() === ''}
        className={cn(
          'cw:h-9 cw:cursor-pointer cw:rounded-(--chatwire-radius) cw:bg-(--chatwire-accent) cw:px-4 cw:text-sm cw:font-medium cw:text-(--chatwire-on-accent)',
          'cw:disabled:cursor-default cw:disabled:opacity-50',
          'cw:focus-visible:outline-2 cw:focus-visible:outline-offset-2 cw:focus-visible:outline-(--chatwire-accent)',
          classNames.sendButton,
        )}
      >
        {labels.send}
      </button>
    </form>
  );
}
