/** The page's one React root, replaced for each scenario so none inherits another's DOM. */
import type { ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';

let root: Root | null = null;

export const container = (): HTMLElement => document.getElementById('root') as HTMLElement;

/** Unmounts whatever React rendered, leaving the container empty for raw DOM. */
export function clearRoot(): void {
  root?.unmount();
  root = null;
  container().replaceChildren();
}

/** Renders `node` into a fresh root; React commits it in a task of its own, soon after. */
export function render(node: ReactNode): void {
  clearRoot();
  root = createRoot(container());
  root.render(node);
}
