import type { ReactNode } from 'react';
import { cn } from './class-names.ts';
import { moveFocusToComposer } from './focus.ts';

/**
 * A small text-style action inside a note ("Retry", "Ask again", "Reconnect now"). Acting on
 * it usually makes it disappear, so focus first moves on to the composer.
 */
export function InlineAction({
  children,
  onActivate,
  className,
}: {
  children: ReactNode;
  onActivate: () => void;
  className?: string;
}) {
  return (
    <button
      type="button"
      onClick={(event) => {
        moveFocusToComposer(event.currentTarget);
        onActivate();
      }}
      className={cn('cw:inline-action', className)}
    >
      {children}
    </button>
  );
}
