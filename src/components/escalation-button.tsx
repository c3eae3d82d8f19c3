import { type KeyboardEvent, useId, useRef, useState } from 'react';
import { selectConnectionStatus, selectEscalationStatus } from '../core/selectors.ts';
import { useChatActions, useChatStore } from '../react/context.tsx';
import { cn } from './class-names.ts';
import { moveFocusToComposer } from './focus.ts';
import { useChatUi } from './ui-context.tsx';

const BUTTON = 'cw:escalation-action';

/**
 * "Talk to a human": a small confirm with an optional reason, then one `human-escalation`
 * frame. Once asked, the button stays off (a second request would only page a second
 * person) and shows how far the hand-over got.
 */
export function EscalationButton() {
  const escalation = useChatStore(selectEscalationStatus);
  const isOpen = useChatStore((state) => selectConnectionStatus(state) === 'open');
  const { labels, classNames } = useChatUi();
  const [isConfirming, setIsConfirming] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const confirmId = useId();
  const label = {
    idle: labels.talkToHuman,
    requested: labels.humanRequested,
    acknowledged: labels.humanAcknowledged,
  }[escalation];

  /** Closes the confirm; focus goes back to the button, or, once it is disabled by a sent
   * request, on to the composer. */
  const close = (requested: boolean) => {
    setIsConfirming(false);
    if (requested) moveFocusToComposer(buttonRef.current);
    else buttonRef.current?.focus();
  };

  return (
    <div data-slot="escalation" className="cw:relative">
      <button
        ref={buttonRef}
        type="button"
        data-slot="escalation-button"
        data-state={escalation}
        aria-expanded={escalation === 'idle' ? isConfirming : undefined}
        aria-controls={isConfirming ? confirmId : undefined}
        disabled={escalation !== 'idle' || !isOpen}
        onClick={() => setIsConfirming((open) => !open)}
        className={cn(BUTTON, 'cw:escalation-trigger', classNames.escalationButton)}
      >
        {label}
      </button>
      {isConfirming && escalation === 'idle' && <EscalationConfirm id={confirmId} onDone={close} />}
    </div>
  );
}

function EscalationConfirm({ id, onDone }: { id: string; onDone: (requested: boolean) => void }) {
  const { requestHuman } = useChatActions();
  const { labels } = useChatUi();
  const [reason, setReason] = useState('');
  const reasonId = useId();

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      onDone(false);
    }
  };
  const confirm = () => {
    onDone(requestHuman(reason.trim() || undefined));
  };

  return (
    <fieldset
      id={id}
      data-slot="escalation-confirm"
      onKeyDown={onKeyDown}
      className="cw:escalation-form"
    >
      <legend className="cw:escalation-legend">{labels.escalationQuestion}</legend>
      <label htmlFor={reasonId} className="cw:escalation-label">
        {labels.escalationReason}
      </label>
      <textarea
        id={reasonId}
        rows={2}
        maxLength={500}
        value={reason}
        // Focus moves into the confirm as it opens, so a keyboard user can type at once.
        // biome-ignore lint/a11y/noAutofocus: the confirm was opened on purpose by this user
        autoFocus
        onChange={(event) => setReason(event.target.value)}
        className="cw:escalation-input"
      />
      <div className="cw:mt-2 cw:flex cw:justify-end cw:gap-2">
        <button
          type="button"
          onClick={() => onDone(false)}
          className={cn(BUTTON, 'cw:hover:bg-(--chatwire-hover)')}
        >
          {labels.cancel}
        </button>
        <button
          type="button"
          onClick={confirm}
          className={cn(BUTTON, 'cw:bg-(--chatwire-accent) cw:text-(--chatwire-on-accent)')}
        >
          {labels.escalationConfirm}
        </button>
      </div>
    </fieldset>
  );
}
