/**
 * The words of a reply, to compare what the server streamed with what the widget shows.
 * Markdown markers the demo responder uses (`**`, a `-` list bullet) are dropped from the
 * streamed text, as rendering drops them.
 */
export function wordsOf(text: string): string[] {
  return text
    .replace(/\*\*|^\s*-(?=\s|$)/gm, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/** The words a reader sees in a rendered reply's text (not its labels or status notes). */
export function shownWordsOf(reply: Element | null | undefined): string[] {
  const text = reply?.querySelector<HTMLElement>('[data-slot="markdown"]');
  // biome-ignore lint/performance/useDomNodeTextContent: the words as laid out, blocks apart
  return wordsOf(text?.innerText ?? '');
}
