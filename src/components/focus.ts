/**
 * Where focus goes when the control that had it disappears (a dismissed banner, a retried
 * message, a reconnect button that did its job): to the composer, so the keyboard user is
 * back where they write, or to the transcript when the composer is disabled.
 */
export function moveFocusToComposer(from: Element | null): void {
  const root = from?.closest('[data-slot="root"]');
  const input = root?.querySelector<HTMLTextAreaElement>(
    '[data-slot="composer"] textarea:not(:disabled)',
  );
  (input ?? root?.querySelector<HTMLElement>('[role="log"]'))?.focus();
}
