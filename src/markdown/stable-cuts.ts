/**
 * When streamed markdown may be cut: the rules that say a leading part of the open text can
 * no longer change, so it is lexed once and never again, and the reply's cost per token does
 * not grow with its length.
 *
 * - Blank-line rule: every block before the last blank line that precedes a block with a
 *   whole first line is finished. A blank line followed by a whole line of another block ends
 *   a paragraph, a table, a block quote or a heading for good, and a list that went on would
 *   have been lexed as one token with that line, leaving no blank line between them. That
 *   block is the last one once its first line is complete, and the one before it until then.
 * - Long-block rules: an open paragraph longer than {@link BLOCK_PART} characters is cut at
 *   the last line break (at least that far in) before a line that starts with a letter (such a
 *   line reads the same alone as inside the paragraph); an open fenced code block is cut at its
 *   last line break, and the rest is lexed after a copy of its fence line; an open list is cut
 *   before its last item. What this loses is markup that spans the cut: an emphasis across
 *   that very line break, or a setext underline (`===`) that would have made the whole
 *   paragraph a heading and now heads only its last part. That is a fair price for a reply
 *   of many kilobytes in one paragraph.
 */
import type { Links, Token } from 'marked';
import { lex, rawLength } from './lexing.ts';

/** An open paragraph or fenced code block longer than this is cut at a line break into parts. */
export const BLOCK_PART = 1_024;

/** The last token before `index` that is not a blank line, or -1. */
function blockBefore(tokens: readonly Token[], index: number): number {
  let block = index - 1;
  while (block >= 0 && tokens[block]?.type === 'space') block--;
  return block;
}

/** How many leading tokens of `source`'s `tokens` the blank-line rule makes stable. */
function stableTokenCount(tokens: readonly Token[], source: string): number {
  let lastWhole = blockBefore(tokens, tokens.length);
  // Until the last block's first line is complete, what it is stays open: `2` may yet become
  // `2. item`, which would continue a list before the blank line. The block before it has a
  // whole first line (text follows it), so the rule applies from there instead: a frame that
  // ends mid-line leaves two blocks open, not every block it brought.
  const lastBlockText = tokens.slice(lastWhole).map((token) => token.raw);
  if (!lastBlockText.join('').includes('\n')) {
    // Except near a link reference definition: one still arriving (`[1]: https://`, or its
    // title on the line after) would be applied, cut short, to the blocks made stable here.
    if (source.includes(']:')) return 0;
    lastWhole = blockBefore(tokens, lastWhole);
  }
  for (let index = lastWhole - 1; index >= 0; index--) {
    if (tokens[index]?.type === 'space') return index + 1;
  }
  return 0;
}

/** Where the long-paragraph rule cuts `source` (after a line break), or -1. */
function paragraphCut(source: string, tokens: readonly Token[]): number {
  const last = tokens.at(-1);
  if (last?.type !== 'paragraph' || last.raw.length <= BLOCK_PART) return -1;
  const start = source.length - last.raw.length;
  return lastBreakBefore(source, /\n(?=\p{L})/gu, start + BLOCK_PART);
}

/**
 * After the last match of `lineStart` (a global pattern that matches a line break) from
 * `from` on that leaves something after it, or -1. Cutting at the last one rather than the
 * first leaves only the final lines open, so a frame that brought many lines lexes them once
 * or twice instead of once per {@link BLOCK_PART}.
 */
function lastBreakBefore(source: string, lineStart: RegExp, from: number): number {
  lineStart.lastIndex = from;
  let cut = -1;
  for (let match = lineStart.exec(source); match; match = lineStart.exec(source)) {
    if (match.index >= source.length - 1) break;
    cut = match.index + 1;
  }
  return cut;
}

/** A fence line: the opening or closing line of a fenced code block. */
const FENCE_LINE = /^ {0,3}(?:`{3,}|~{3,})/;

/**
 * Where the long-code rule cuts `source` (after a line break, not before the closing fence),
 * and the fence line the rest is lexed after, or null.
 */
function codeCut(source: string, tokens: readonly Token[]): { at: number; fence: string } | null {
  const last = tokens.at(-1);
  if (last?.type !== 'code' || last.raw.length <= BLOCK_PART || !FENCE_LINE.test(last.raw)) {
    return null;
  }
  const start = source.length - last.raw.length;
  // A line break before a whole line that is not a fence line: the closing fence must stay
  // with the code, and the last line, still arriving, may yet turn out to be one ("``").
  const at = lastBreakBefore(
    source,
    /\n(?! {0,3}(?:`{3,}|~{3,}))(?=[^\n]*\n)/g,
    start + BLOCK_PART,
  );
  return at === -1 ? null : { at, fence: last.raw.slice(0, last.raw.indexOf('\n') + 1) };
}

/**
 * Where the long-list rule cuts `source`: before a later item of the open list at the same
 * indent, with the same bullet (or the same number delimiter), so the rest lexes as the
 * same list going on; or -1.
 */
function listCut(source: string, tokens: readonly Token[]): number {
  const last = tokens.at(-1);
  if (last?.type !== 'list' || last.raw.length <= BLOCK_PART) return -1;
  const first = /^( *)([-+*]|\d{1,9}([.)]))[ \t]/.exec(last.raw);
  if (!first) return -1;
  const [, indent = '', bullet = '', delimiter] = first;
  const marker = delimiter ? `\\d{1,9}\\${delimiter}` : `\\${bullet}`;
  const itemStart = new RegExp(`\n${indent}${marker}[ \t]`, 'g');
  return lastBreakBefore(source, itemStart, source.length - last.raw.length + BLOCK_PART);
}

/** A stable segment cut from the start of the open text. */
export interface Cut {
  /** Characters of the normalised tail that become a stable segment. */
  length: number;
  tokens: Token[];
  /** Lexed before the rest: the fence line of a code block cut in two, or nothing. */
  carry: string;
  /** The cut falls inside a paragraph or code block, which the next segment continues. */
  splitsBlock: boolean;
}

/**
 * The next stable segment at the start of `tail`, if the rules allow one; without one, the
 * tail's tokens, so the open end need not be lexed twice. `carry` is lexed before the tail.
 */
export function nextCut(
  tail: string,
  links: Links,
  carry: string,
): { cut: Cut } | { cut: null; tokens: Token[] } {
  const source = carry + tail;
  const tokens = lex(source, links);
  // A guard against a lexer that drops characters: offsets must add up, or nothing is stable.
  if (rawLength(tokens) !== source.length) return { cut: null, tokens };
  const count = stableTokenCount(tokens, source);
  const stable = tokens.slice(0, count);
  const stableLength = rawLength(stable) - carry.length;
  if (count > 0 && stableLength > 0) {
    return { cut: { length: stableLength, tokens: stable, carry: '', splitsBlock: false } };
  }
  const inParagraph = paragraphCut(source, tokens);
  const inCode = inParagraph === -1 ? codeCut(source, tokens) : null;
  const at = inCode ? inCode.at : inParagraph !== -1 ? inParagraph : listCut(source, tokens);
  if (at <= carry.length) return { cut: null, tokens };
  const part = lex(source.slice(0, at), links);
  return {
    cut: { length: at - carry.length, tokens: part, carry: inCode?.fence ?? '', splitsBlock: true },
  };
}
