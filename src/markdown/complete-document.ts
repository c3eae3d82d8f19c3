/**
 * The document of a reply that is not growing, built from one lex of its whole text. The
 * streaming rules guess where blocks end, and a guess can be wrong; this is the answer that
 * is never wrong, so a finished reply renders exactly as its whole text would in one piece.
 * Segments the guess got right keep their objects, so their views are not rendered again.
 */
import { blockSegments, lex, normaliseLineEnds, rawLength } from './lexing.ts';
import { EMPTY_DOCUMENT, type MarkdownDocument, type Segment } from './markdown-document.ts';

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

/** Whether two segments start at the same place, join the same way and hold equal tokens. */
const sameSegment = (a: Segment, b: Segment) =>
  a.key === b.key &&
  a.continuesAbove === b.continuesAbove &&
  a.continuesBelow === b.continuesBelow &&
  sameValue(a.tokens, b.tokens);

/**
 * The document of `text` as one lex of it gives, for a reply that is not growing. Segments of
 * `previous` that the lex confirms are kept as they are, so their views skip rendering.
 */
export function completeDocument(
  previous: MarkdownDocument | null,
  text: string,
): MarkdownDocument {
  if (previous?.complete && previous.text === text) return previous;
  const source = normaliseLineEnds(text);
  const tokens = lex(source, EMPTY_DOCUMENT.links);
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
    ...EMPTY_DOCUMENT,
    text,
    stable,
    stableEnd: text.length,
    complete: true,
  };
}
