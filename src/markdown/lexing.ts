/**
 * marked's lexer as the incremental parser uses it: with chatwire's options, with link
 * definitions carried in, never throwing, and with the offsets that turn tokens back into
 * places in the reply's text (which may have `\r\n` line ends the lexer does not see).
 */
import { getDefaults, Lexer, type Links, type Token } from 'marked';
import type { Segment } from './markdown-document.ts';

/** Markdown as chat replies are written: GitHub-flavoured, a line break is a line break. */
export const LEXER_OPTIONS = { ...getDefaults(), gfm: true, breaks: true };

/** Lexes `source` as one segment, with the link definitions known so far. */
export function lex(source: string, links: Links): Token[] {
  try {
    const lexer = new Lexer(LEXER_OPTIONS);
    Object.assign(lexer.tokens.links, links);
    return lexer.lex(source);
  } catch {
    // marked recurses per nesting level: a hostile reply (thousands of `>` or `*`) overflows
    // the stack. Such a reply is shown as the plain text it is.
    return [plainParagraph(source)];
  }
}

/** `text` as one paragraph of plain text, covering it exactly (its raw is `text`). */
function plainParagraph(text: string): Token {
  return { type: 'paragraph', raw: text, text, tokens: [{ type: 'escape', raw: text, text }] };
}

/**
 * Where in `original` the text ends that, from `index` on, becomes `count` characters once
 * `\r\n` is `\n`.
 */
function originalIndex(original: string, index: number, count: number): number {
  let at = index;
  for (let seen = 0; seen < count && at < original.length; seen++) {
    at += original.startsWith('\r\n', at) ? 2 : 1;
  }
  return at;
}

/** Length in the original text of the first `count` characters after `\r\n` became `\n`. */
export const originalLength = (original: string, count: number) =>
  originalIndex(original, 0, count);

/**
 * `tokens`, lexed from `original` from `start` on, as one segment per top-level block (a block
 * and the blank lines after it), keyed by where each starts in `original`.
 */
export function blockSegments(
  tokens: readonly Token[],
  original: string,
  start: number,
): Segment[] {
  const segments: Segment[] = [];
  let at = start;
  let blocks: Token[] = [];
  const flush = () => {
    if (blocks.length === 0) return;
    segments.push({ key: at, tokens: blocks, continuesAbove: false, continuesBelow: false });
    at = originalIndex(original, at, rawLength(blocks));
    blocks = [];
  };
  for (const token of tokens) {
    if (token.type !== 'space') flush();
    blocks.push(token);
  }
  flush();
  return segments;
}

/** Line ends as marked's lexer sees them. */
export const normaliseLineEnds = (text: string) => text.replace(/\r\n?/g, '\n');

/** How many characters of the text `tokens` were lexed from. */
export const rawLength = (tokens: readonly Token[]) =>
  tokens.reduce((total, token) => total + token.raw.length, 0);
