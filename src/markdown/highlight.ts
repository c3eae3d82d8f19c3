/**
 * Syntax colours for code blocks, loaded on demand. The highlighter (lowlight and its common
 * grammars, `highlighter.tsx`) weighs more than the rest of the widget, and most replies have
 * no code: it is reached only through a dynamic `import()`, so bundlers emit it as a chunk of
 * its own, fetched the first time a finished block that names a language is shown with
 * highlighting on. Until it arrives, and if it never does, the code shows as plain text.
 */
import { type ReactNode, useEffect, useMemo, useSyncExternalStore } from 'react';

/** Colours `code` as `language`: React elements, or null for a language it does not know. */
export type Highlight = (code: string, language: string) => ReactNode | null;

/** The highlighter, once loaded; subscribed to like a store, so every block hears of it. */
export interface HighlighterLoader {
  /** Starts loading, once; later calls do nothing. */
  load(): void;
  /** The highlighter, or null until it has loaded (and for good if it failed to). */
  current(): Highlight | null;
  /** Calls `listener` once the highlighter has loaded; returns what unsubscribes it. */
  subscribe(listener: () => void): () => void;
}

/** A loader for the highlighter that `importChunk` fetches. */
export function createHighlighterLoader(
  importChunk: () => Promise<{ highlight: Highlight }>,
): HighlighterLoader {
  let highlight: Highlight | null = null;
  let started = false;
  const listeners = new Set<() => void>();
  return {
    load() {
      if (started) return;
      started = true;
      importChunk().then(
        (chunk) => {
          highlight = chunk.highlight;
          for (const listener of listeners) listener();
        },
        // Not asked for again: a chunk that failed once (offline, or gone after a deploy)
        // would fail for each block that asks, and plain code is always right.
        () => undefined,
      );
    },
    current: () => highlight,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The page's one highlighter: loaded once, whichever block or widget asks first. */
export const highlighter = createHighlighterLoader(() => import('./highlighter.tsx'));

// Server rendering, and hydrating what it rendered, show plain code: the chunk is loaded only
// in the browser, so the first render there must match the server's.
const plainOnServer = () => null;

/**
 * `code` coloured as `language`, or null while there is nothing to colour it with: no
 * `language` (colouring off, or the block unfinished), the highlighter not loaded yet or
 * failed to load, or a language it does not know. Asks for the highlighter when given a
 * language.
 */
export function useHighlightedCode(
  code: string,
  language: string | undefined,
  loader: HighlighterLoader = highlighter,
): ReactNode | null {
  const highlight = useSyncExternalStore(loader.subscribe, loader.current, plainOnServer);
  useEffect(() => {
    if (language !== undefined) loader.load();
  }, [language, loader]);
  return useMemo(
    () => (highlight && language !== undefined ? highlight(code, language) : null),
    [highlight, code, language],
  );
}
