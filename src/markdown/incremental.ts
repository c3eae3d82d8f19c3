/**
 * Incremental markdown for streamed replies: the text is cut into segments, each lexed once by
 * marked's lexer, so a reply that grows token by token re-lexes only its open end and the cost
 * per token does not grow with the reply's length.
 *
 * A segment is stable, and never lexed again, once the text after it shows that it cannot
 * change: the rules that say when are in `stable-cuts.ts`. A block that a long-block rule cuts
 * into parts has them marked `continuesAbove`/`continuesBelow`, so they are drawn flush, as
 * one block.
 *
 * Link reference definitions are carried forward, so `[text][ref]` works after its
 * `[ref]: url` line; while the reply streams, a definition that comes later than its use is
 * not applied backwards.
 *
 * Those rules guess, and a guess can be wrong: a tight list that turns loose near its end, a
 * definition after its use, a paragraph part that a table's delimiter row turns into a header.
 * So once the reply stops growing (complete, interrupted, stalled, or restored from
 * history) the document is rebuilt from one lex of its whole text (`complete-document.ts`):
 * one segment per top-level block, keyed by where it starts, the same whether it was streamed
 * or not. Segments whose tokens the whole lex confirms keep their objects, so their views are
 * not rendered again; only blocks the guess got wrong are. A finished reply therefore renders
 * exactly as its whole text rendered in one piece.
 */
import type { Links, Token, Tokens } from 'marked';
import { completeDocument } from './complete-document.ts';
import { closeOpenInline } from './complete-inline.ts';
import { blockSegments, lex, normaliseLineEnds, originalLength } from './lexing.ts';
import { EMPTY_DOCUMENT, type MarkdownDocument, type Segment } from './markdown-document.ts';
import { type Cut, nextCut } from './stable-cuts.ts';

// The parser's interface stays in one place, though its parts live beside it.
export { LEXER_OPTIONS } from './lexing.ts';
export type { MarkdownDocument, Segment } from './markdown-document.ts';
export { BLOCK_PART } from './stable-cuts.ts';

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
      : EMPTY_DOCUMENT;
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
