import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { useChatActions } from '../react/context.tsx';
import { cn } from './class-names.ts';
import { moveFocusToComposer } from './focus.ts';
import { useChatUi } from './ui-context.tsx';

/**
 * The header's menu of things to do with the conversation as a whole ("Clear conversation"),
 * built to the WAI-ARIA menu button pattern: Enter, Space or the arrow keys open it with
 * focus on an item, the arrow keys, Home and End move between items, Escape closes it and
 * returns focus to the button, and Tab or a click elsewhere closes it.
 */
export function ConversationMenu() {
  const { labels, classNames } = useChatUi();
  const { clearHistory } = useChatActions();
  const [open, setOpen] = useState<false | 'first' | 'last'>(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const menuId = useId();
  const buttonId = useId();

  const close = (returnFocus: boolean) => {
    setOpen(false);
    if (returnFocus) buttonRef.current?.focus();
  };

  // Focus lands on the first (or last) item as the menu opens.
  useEffect(() => {
    if (!open) return;
    const all = itemsOf(menuRef.current);
    (open === 'first' ? all[0] : all.at(-1))?.focus();
  }, [open]);

  // A press anywhere outside closes the menu, leaving focus where the user put it.
  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!menuRef.current?.contains(target) && !buttonRef.current?.contains(target)) {
        setOpen(false);
      }
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);

  const onButtonKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      setOpen(event.key === 'ArrowDown' ? 'first' : 'last');
    }
  };

  const onMenuKeyDown = (event: KeyboardEvent) => {
    const all = itemsOf(menuRef.current);
    const index = all.indexOf(document.activeElement as HTMLElement);
    const focusAt = (at: number) => all[(at + all.length) % all.length]?.focus();
    switch (event.key) {
      case 'ArrowDown':
        focusAt(index + 1);
        break;
      case 'ArrowUp':
        focusAt(index - 1);
        break;
      case 'Home':
        focusAt(0);
        break;
      case 'End':
        focusAt(all.length - 1);
        break;
      case 'Escape':
        close(true);
        break;
      case 'Tab':
        close(false);
        return;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
  };

  const clear = () => {
    clearHistory();
    setOpen(false);
    moveFocusToComposer(buttonRef.current);
  };

  return (
    <div data-slot="menu" className="cw:relative">
      <button
        ref={buttonRef}
        id={buttonId}
        type="button"
        data-slot="menu-button"
        aria-label={labels.conversationMenu}
        aria-haspopup="menu"
        aria-expanded={open !== false}
        aria-controls={open ? menuId : undefined}
        onClick={() => (open ? close(false) : setOpen('first'))}
        onKeyDown={onButtonKeyDown}
        className={cn('cw:menu-button', classNames.menuButton)}
      >
        <span aria-hidden="true">⋯</span>
      </button>
      {open && (
        <div
          ref={menuRef}
          id={menuId}
          role="menu"
          aria-labelledby={buttonId}
          data-slot="menu-items"
          onKeyDown={onMenuKeyDown}
          className={cn('cw:menu', classNames.menu)}
        >
          <button
            type="button"
            role="menuitem"
            tabIndex={-1}
            data-slot="clear-conversation"
            onClick={clear}
            className="cw:menu-item"
          >
            {labels.clearConversation}
          </button>
        </div>
      )}
    </div>
  );
}

function itemsOf(menu: HTMLElement | null): HTMLElement[] {
  return [...(menu?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
}
