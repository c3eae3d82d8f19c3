import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { useChatStoreApi } from '../react/context.tsx';
import { useLatest } from '../react/use-latest.ts';
import type { ChatTheme } from './chat-panel.tsx';
import { cn } from './class-names.ts';
import { useChatUi } from './ui-context.tsx';

/** Which corner the launcher button sits in. */
export type LauncherCorner = 'bottom-right' | 'bottom-left';

/** Props of `ChatLauncher`. */
export interface ChatLauncherProps {
  /** The chat panel shown when the launcher is open. */
  children: ReactNode;
  /** Default `bottom-right`. */
  corner?: LauncherCorner;
  /** Start open. Default false. */
  defaultOpen?: boolean;
  /** Colour theme of the button, as for the panel. */
  theme?: ChatTheme;
  /**
   * Called when the panel opens (`true`) or closes (`false`), however it happened: the
   * button, Escape, or anything else that closes the dialog. Not called on mount.
   */
  onOpenChange?: (open: boolean) => void;
}

/**
 * A floating button that opens the chat in a panel. The panel is a modal `<dialog>`: focus
 * moves into it and stays there, Escape closes it, and focus returns to the button. Replies
 * that complete while it is closed are counted on an unread badge, and announced politely.
 */
export function ChatLauncher({
  children,
  corner = 'bottom-right',
  defaultOpen = false,
  theme = 'light',
  onOpenChange,
}: ChatLauncherProps) {
  const [isOpen, setIsOpen] = useState(defaultOpen);
  const dialogRef = useRef<HTMLDialogElement>(null);
  const panelId = useId();
  const unread = useUnreadReplies(isOpen);
  const { labels } = useChatUi();

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (isOpen && !dialog.open) dialog.showModal();
    if (!isOpen && dialog.open) dialog.close();
  }, [isOpen]);
  // After the effect above, so a host that hears `true` finds the dialog already open.
  useOpenChangeCallback(isOpen, onOpenChange);

  const side = corner === 'bottom-left' ? 'cw:left-4' : 'cw:right-4';
  return (
    // The button needs the widget's design tokens too, so it carries the widget root marker.
    <div
      data-chatwire=""
      data-theme={theme}
      data-slot="launcher-root"
      data-state={isOpen ? 'open' : 'closed'}
    >
      <button
        type="button"
        data-slot="launcher"
        aria-haspopup="dialog"
        aria-expanded={isOpen}
        aria-controls={panelId}
        aria-label={unread > 0 ? labels.openChatUnread(unread) : labels.openChat}
        onClick={() => setIsOpen(true)}
        className={cn('cw:launcher', side)}
      >
        <svg
          aria-hidden="true"
          viewBox="0 0 24 24"
          className="cw:size-6"
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
        >
          <path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12Z" strokeLinejoin="round" />
        </svg>
        {unread > 0 && (
          <span aria-hidden="true" data-slot="unread-badge" className="cw:launcher-badge">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      <UnreadStatus count={unread} />
      <dialog
        ref={dialogRef}
        id={panelId}
        aria-label={labels.title}
        // Escape (the dialog's own `cancel`) and any other close keep React's state in step;
        // the browser returns focus to the launcher button.
        onClose={() => setIsOpen(false)}
        // The browser closes a modal dialog on a trusted Escape; handling it here as well
        // keeps scripted keyboards (and inner widgets that stop Escape) consistent.
        onKeyDown={(event) => {
          if (event.key === 'Escape' && !event.defaultPrevented) {
            event.preventDefault();
            dialogRef.current?.close();
          }
        }}
        className={cn(
          'cw:launcher-dialog',
          corner === 'bottom-left' ? 'cw:left-4 cw:right-auto' : 'cw:right-4 cw:left-auto',
        )}
      >
        {/* Kept mounted while closed, so a half-written draft and the scroll position survive. */}
        {children}
      </dialog>
    </div>
  );
}

/**
 * Says the unread count to screen readers, once each time it changes. The button's name
 * holds it too, but a name is only read when the button is reached; and the panel's own
 * announcer sits in the closed dialog, out of the accessibility tree. Always rendered, as a
 * live region must be in the page before its text changes to be heard; empty while the
 * panel is open, when the replies are in view.
 */
function UnreadStatus({ count }: { count: number }) {
  const { labels } = useChatUi();
  return (
    <div role="status" data-slot="unread-status" className="cw:sr-only">
      {count > 0 ? labels.unreadReplies(count) : ''}
    </div>
  );
}

/**
 * Calls the host's `onOpenChange` each time `isOpen` changes, from the state itself rather
 * than from each way of opening and closing, so a new close path cannot forget to tell it.
 * The value last told starts as the initial one: mounting (or StrictMode mounting twice)
 * tells nothing.
 */
function useOpenChangeCallback(isOpen: boolean, onOpenChange?: (open: boolean) => void): void {
  const latest = useLatest(onOpenChange);
  const told = useRef(isOpen);
  useEffect(() => {
    if (told.current === isOpen) return;
    told.current = isOpen;
    latest.current?.(isOpen);
  }, [isOpen, latest]);
}

/**
 * Replies that finished streaming while the panel was closed; reset when it opens. Only a
 * reply seen streaming here counts: a conversation restored from storage, or messages
 * another tab finished, are not news.
 */
function useUnreadReplies(isOpen: boolean): number {
  const store = useChatStoreApi();
  const [unread, setUnread] = useState(0);
  useEffect(() => {
    if (isOpen) {
      setUnread(0);
      return;
    }
    // The same events the announcer hears: a reply that went quiet and then finished counts
    // once, when it finishes.
    return store.listen((happening) => {
      if (happening.type === 'reply-ended' && happening.how === 'complete')
        setUnread((count) => count + 1);
    });
  }, [store, isOpen]);
  return unread;
}
