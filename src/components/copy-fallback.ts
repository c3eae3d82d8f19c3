/**
 * The copy of last resort, for pages without a usable Clipboard API: a hidden text box's
 * selection and `execCommand('copy')`, which every browser still honours inside a click.
 * Loaded only when needed (`copy-button.tsx` imports it on demand).
 */
export function copyWithSelection(text: string): boolean {
  if (typeof document === 'undefined') return false;
  const box = document.createElement('textarea');
  box.value = text;
  box.setAttribute('readonly', '');
  // Off screen but in the layout, so it can be selected; never scrolls the page.
  box.style.cssText = 'position:fixed;top:0;left:-9999px;opacity:0';
  const focused = document.activeElement;
  // Beside what has focus: inside an open modal dialog (the launcher) the rest of the page is
  // inert, and a box there could not be selected.
  (focused?.closest('dialog') ?? document.body).append(box);
  box.focus({ preventScroll: true });
  box.select();
  let copied = false;
  try {
    copied = document.execCommand('copy');
  } catch {
    copied = false;
  }
  box.remove();
  if (focused instanceof HTMLElement) focused.focus();
  return copied;
}
