import { type ReactNode, useEffect, useRef, useState } from 'react';
import { cn } from './class-names.ts';
import { useChatUi } from './ui-context.tsx';

/** How long "Copied" (or "Could not copy") shows before the button reads as itself again. */
const FEEDBACK_MS = 2_000;

/**
 * Puts `text` on the clipboard. The asynchronous Clipboard API where the page may use it;
 * elsewhere (an http: page, an older browser, a frame without the permission) the selection
 * of a hidden text box and `execCommand('copy')`, which every browser still honours inside a
 * click. Resolves to whether the text got there.
 */
export async function copyText(text: string): Promise<boolean> {
  if (typeof navigator !== 'undefined' && navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Refused (no permission, document not focused): the older way may still be allowed.
    }
  }
  // Rarely needed, so kept out of the main bundle.
  const { copyWithSelection } = await import('./copy-fallback.ts');
  return copyWithSelection(text);
}

/** What a copy button says, in the widget's words. */
export interface CopyLabels {
  /** The button's accessible name: "Copy reply", "Copy code". */
  name: string;
  /** Its visible text; the name when absent. */
  text?: string;
  copied: string;
  copyFailed: string;
}

type CopyState = 'idle' | 'copied' | 'failed';

/**
 * A button that copies `getText()` and says how it went: "Copied" (or "Could not copy") in
 * its own text for a moment, and once to screen readers through the panel's announcer.
 * The text is read when clicked, so it is always what is shown then.
 */
export function CopyButton({
  getText,
  labels,
  icon,
  className,
}: {
  getText: () => string;
  labels: CopyLabels;
  icon?: ReactNode;
  className?: string;
}) {
  const [state, setState] = useState<CopyState>('idle');
  const { announce } = useChatUi();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
    },
    [],
  );
  const onClick = async () => {
    const copied = await copyText(getText());
    setState(copied ? 'copied' : 'failed');
    // Said once, by the panel's announcer: one polite region for the whole transcript.
    announce?.current?.(copied ? labels.copied : labels.copyFailed);
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = setTimeout(() => setState('idle'), FEEDBACK_MS);
  };
  const said = state === 'copied' ? labels.copied : state === 'failed' ? labels.copyFailed : '';
  return (
    <button
      type="button"
      data-slot="copy-button"
      data-state={state}
      // The outcome joins the name while it shows, so the name always holds the visible
      // text (as speech input and WCAG 2.5.3 expect); the announcer says it aloud.
      aria-label={state === 'idle' ? labels.name : `${labels.name}: ${said}`}
      onClick={onClick}
      className={cn('cw:message-action', className)}
    >
      {icon}
      <span aria-hidden="true">{state === 'idle' ? (labels.text ?? labels.name) : said}</span>
    </button>
  );
}
