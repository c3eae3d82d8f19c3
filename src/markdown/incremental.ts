/**
 * Incremental markdown for streamed replies: the text is cut into segments, each lexed once by
 * marked's lexer, so a reply that grows token by token re-lexes only its open end and the cost
 * per token does not grow with the reply's length.
 *
 * A segment is stable, and never lexed again, once the text after it shows that it cannot
 * change:
 * - Blank-line rule: every block before the last blank line that precedes a block with a
 *   whole first line is finished. A blank line followed by a whole line of another block ends
 *   a paragraph, a table, a block quote or a heading for good, and a list that went on would
 *   have been lexed as one token with that line, leaving no blank line between them. That
 *   block is the last one once its first line is complete, and the one before it until then.
 * - Long-block rules: an open paragraph longer than {@link BLOCK_PART} characters is cut at
 *   the last line break (at least that far in) before a line that starts with a letter (such a
 *   line reads the same alone as inside the paragraph); an open fenced code block is cut at its
 *   last line break, and the rest is lexed after a copy of its fence line; an open list is cut
 *   before its last item. Parts are marked `continuesAbove`/`continuesBelow` so they are drawn
 *   flush, as one block. What this loses is markup that spans the cut: an emphasis across
 *   that very line break, or a setext underline (`===`) that would have made the whole
 *   paragraph a heading and now heads only its last part. That is a fair price for a reply
 *   of many kilobytes in one paragraph.
 *
 * Link reference definitions are carried forward, so `[text][ref]` works after its
 * `[ref]: url` line; while the reply streams, a definition that comes later than its use is
 * not applied backwards.
 *
 * Those rules guess, and a guess can be wrong: a tight list that turns loose near its end, a
 * definition after its use, a paragraph part that a table's delimiter row turns into a header.
 * So once the reply stops growing (complete, interrupted, stalled, or restored from
 * history) the document is rebuilt from one lex of its whole text: one segment per top-level
 * block, keyed by where it starts, the same whether it was streamed or not. Segments whose
 * tokens the whole lex confirms keep their objects, so their views are not rendered again;
 * only blocks the guess got wrong are. A finished reply therefore renders exactly as its whole
 * text rendered in one piece.
 */
import { getDefaults, Lexer, type Links, type Token, type Tokens } from 'marked';
import { closeOpenInline } from './complete-inline.ts';

/** Markdown as chat replies are written: GitHub-flavoured, a line break is a line break. */
export const LEXER_OPTIONS = { ...getDefaults(), gfm: true, breaks: true };

/** An open paragraph or fenced code block longer than this is cut at a line break into parts. */
export const BLOCK_PART = 1_024;

/** A run of top-level blocks lexed together. */
export interface Segment {
  /** Where the segment starts in the reply's text: unique and stable, a React key. */
  readonly key: number;
  /** marked's top-level tokens for the segment. */
  readonly tokens: readonly Token[];
  /** The segment starts in the middle of a paragraph or code block the one before began. */
  readonly continuesAbove: boolean;
  /** The segment ends in the middle of a paragraph or code block the next one finishes. */
  readonly continuesBelow: boolean;
}

/** A reply's markdown: stable segments that never change, and the open end. */
export interface MarkdownDocument {
  /** The text this document was built from. */
  readonly text: string;
  /** Segments that later text cannot change, in order. */
  readonly stable: readonly Segment[];
  /** The open end, re-lexed whenever the text grows; null when nothing follows the stable part. */
  readonly open: Segment | null;
  /** Length of the text the stable segments cover. */
  readonly stableEnd: number;
  /** Link reference definitions seen in the stable segments. */
  readonly links: Links;
  /** Lexed before the open end: the fence line of a code block the cut went through. */
  readonly carry: string;
  /** The open end continues a paragraph or code block cut by a long-block rule. */
  readonly openContinues: boolean;
  /**
   * Built from one lex of the whole text, for a reply that is not growing: one segment per
   * top-level block, all of them in `stable`.
   */
  readonly complete: boolean;
}

/** Lexes `source` as one segment, with the link definitions known so far. */
function lex(source: string, links: Links): Token[] {
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
const originalLength = (original: string, count: number) => originalIndex(original, 0, count);

/**
 * `tokens`, lexed from `original` from `start` on, as one segment per top-level block (a block
 * and the blank lines after it), keyed by where each starts in `original`.
 */
function blockSegments(tokens: readonly Token[], original: string, start: number): Segment[] {
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
const normaliseLineEnds = (text: string) => text.replace(/\r\n?/g, '\n');

const rawLength = (tokens: readonly Token[]) =>
  tokens.reduce((total, token) => total + token.raw.length, 0);

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

interface Cut {
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
function nextCut(
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

/** Whether the last block of `tokens`, at any depth (in a quote, in a list item), is code. */
function endsInCode(tokens: readonly Token[]): boolean {
  const last = tokens.findLast((token) => token.type !== 'space');
  if (!last) return false;
  if (last.type === 'code') return true;
  if (last.type === 'blockquote') return endsInCode(last.tokens ?? []);
  if (last.type === 'list') return endsInCode((last as Tokens.List).items.at(-1)?.tokens ?? []);
  return false;
}

/** The link definitions among `tokens`, added to `links`. */
function withDefinitions(links: Links, tokens: readonly Token[]): Links {
  const definitions = tokens.filter((token): token is Tokens.Def => token.type === 'def');
  if (definitions.length === 0) return links;
  const next: Links = Object.assign(Object.create(null), links);
  for (const { tag, href, title } of definitions) {
    if (!(tag in next)) next[tag] = { href, title };
  }
  return next;
}

const EMPTY: MarkdownDocument = {
  text: '',
  stable: [],
  open: null,
  stableEnd: 0,
  links: Object.create(null),
  carry: '',
  openContinues: false,
  complete: false,
};

/** Whether two values made of JSON-like parts (marked's tokens) are equal, part for part. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  return keys.every((key) => Object.hasOwn(right, key) && sameValue(left[key], right[key]));
}

const sameSegment = (a: Segment, b: Segment) =>
  a.key === b.key &&
  a.continuesAbove === b.continuesAbove &&
  a.continuesBelow === b.continuesBelow &&
  sameValue(a.tokens, b.tokens);

/**
 * The document of `text` as one lex of it gives, for a reply that is not growing. Segments of
 * `previous` that the lex confirms are kept as they are, so their views skip rendering.
 */
function completeDocument(previous: MarkdownDocument | null, text: string): MarkdownDocument {
  if (previous?.complete && previous.text === text) return previous;
  const source = normaliseLineEnds(text);
  const tokens = lex(source, EMPTY.links);
  // A lexer that dropped characters leaves no offsets to key blocks by: one segment, then.
  const segments =
    rawLength(tokens) === source.length
      ? blockSegments(tokens, text, 0)
      : [{ key: 0, tokens, continuesAbove: false, continuesBelow: false }];
  const earlier = new Map<number, Segment>();
  for (const segment of previous?.stable ?? []) earlier.set(segment.key, segment);
  if (previous?.open) earlier.set(previous.open.key, previous.open);
  const stable = segments.map((segment) => {
    const kept = earlier.get(segment.key);
    return kept && sameSegment(kept, segment) ? kept : segment;
  });
  return {
    ...EMPTY,
    text,
    stable,
    stableEnd: text.length,
    complete: true,
  };
}

/**
 * `tokens`, a part of a list cut by the long-list rule, numbered on from the part `before`
 * it, as the whole list is: a list written `1.` `1.` `1.` … would otherwise restart at 1.
 */
function numberedOn(tokens: Token[], before: Segment | undefined): Token[] {
  const [first, ...rest] = tokens;
  const last = before?.tokens.at(-1);
  if (first?.type !== 'list' || last?.type !== 'list' || !first.ordered || !last.ordered) {
    return tokens;
  }
  const start = (last.start === '' ? 1 : last.start) + last.items.length;
  return first.start === start ? tokens : [{ ...first, start }, ...rest];
}

/**
 * The stable segment(s) of a cut made at `key`: one per block when the cut is whole blocks,
 * or the cut as one part of a block a long-block rule divided.
 */
function cutSegments(cut: Cut, tail: string, key: number, continuesAbove: boolean): Segment[] {
  if (!continuesAbove && !cut.splitsBlock)
    return blockSegments(cut.tokens, tail, 0).map((segment) => ({
      ...segment,
      key: key + segment.key,
    }));
  return [{ key, tokens: cut.tokens, continuesAbove, continuesBelow: cut.splitsBlock }];
}

/** `segment` numbered on from the segment before it when it continues a list. */
function continuing(segment: Segment, before: Segment | undefined): Segment {
  if (!segment.continuesAbove) return segment;
  const tokens = numberedOn([...segment.tokens], before);
  return tokens[0] === segment.tokens[0] ? segment : { ...segment, tokens };
}

/**
 * Brings `previous` up to date with `text`. When `text` extends the text `previous` was built
 * from, its stable segments are kept as they are (same objects) and only the rest is lexed;
 * otherwise the document is built afresh. While `streaming`, inline markup left open at the
 * end (`**bold`, `` `code ``) is closed for display, so it does not flicker from raw markers to
 * formatting when its closing marker arrives.
 */
export function parseIncrementally(
  previous: MarkdownDocument | null,
  text: string,
  streaming: boolean,
): MarkdownDocument {
  if (!streaming) return completeDocument(previous, text);
  // A complete document's blocks were not cut by the streaming rules: it starts afresh.
  const base =
    previous && !previous.complete && text.startsWith(previous.text.slice(0, previous.stableEnd))
      ? previous
      : EMPTY;
  const stable = [...base.stable];
  let { stableEnd, links, carry, openContinues } = base;
  let openTokens: Token[] = [];
  for (;;) {
    const tail = text.slice(stableEnd);
    const next = nextCut(normaliseLineEnds(tail), links, carry);
    const { cut } = next;
    if (!cut) {
      openTokens = next.tokens;
      break;
    }
    for (const segment of cutSegments(cut, tail, stableEnd, openContinues)) {
      stable.push(continuing(segment, stable.at(-1)));
    }
    links = withDefinitions(links, cut.tokens);
    stableEnd += originalLength(tail, cut.length);
    carry = cut.carry;
    openContinues = cut.splitsBlock;
  }
  const rest = normaliseLineEnds(text.slice(stableEnd));
  // Inside code, markers are text: only prose gets its open markup closed.
  const shown = streaming && !endsInCode(openTokens) ? closeOpenInline(carry + rest) : carry + rest;
  const open: Segment | null =
    rest === ''
      ? null
      : continuing(
          {
            key: stableEnd,
            tokens: shown === carry + rest ? openTokens : lex(shown, links),
            continuesAbove: openContinues,
            continuesBelow: false,
          },
          stable.at(-1),
        );
  return {
    text,
    stable: stable.length === base.stable.length ? base.stable : stable,
    open,
    stableEnd,
    links,
    carry,
    openContinues,
    complete: false,
  };
}
