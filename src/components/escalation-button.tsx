import { selectConnectionStatus, selectEscalationStatus } from '../core/selectors.ts';
import { useChatActions, useChatStore } from '../react/context.tsx';
import { cn } from './class-names.ts';
import { useChatUi } from './ui-context.tsx';

/** "Talk to a human": asks the server for a person, once, and shows how far that got. */
export function EscalationButton() {
  const escalation = useChatStore(selectEscalationStatus);
  const isOpen = useChatStore((state) => selectConnectionStatus(state) === 'open');
  const { requestHuman } = useChatActions();
  const { labels, classNames } = useChatUi();
  const label = {
    idle: labels.talkToHuman,
    requested: labels.humanRequested,
    acknowledged: labels.humanAcknowledged,
  }[escalation];
  return (
    <button
      type="button"
      data-slot="escalation-button"
      data-state={escalation}
      // Once asked, asking again would only page a second person: the button stays off.
      disabled={escalation !== 'idle' || !isOpen}
      onClick={() => requestHuman()}
      className={cn(
        'cw:rounded-(--chatwire-radius) cw:border cw:border-(--chatwire-border) cw:px-2.5 cw:py-1 cw:text-xs cw:font-medium',
        'cw:cursor-pointer cw:hover:bg-(--chatwire-hover) cw:disabled:cursor-default cw:disabled:opacity-60 cw:disabled:hover:bg-transparent',
        'cw:focus-visible:outline-2 cw:focus-visible:outline-offset-2 cw:focus-visible:outline-(--chatwire-accent)',
        classNames.escalationButton,
      )}
    >
      {label}
    </button>
  );
}
