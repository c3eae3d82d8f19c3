/**
 * The shapes an incrementally parsed reply takes: the segments it is cut into and the document
 * that holds them, with the empty document every build starts from. Kept on their own so the
 * lexing, the streaming cuts and the whole-text rebuild can all speak of them without
 * depending on the parser that puts them together (`incremental.ts`).
 */
import type { Links, Token } from 'marked';

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

/** A document of no text: where building one starts. */
export const EMPTY_DOCUMENT: MarkdownDocument = {
  text: '',
  stable: [],
  open: null,
  stableEnd: 0,
  links: Object.create(null),
  carry: '',
  openContinues: false,
  complete: false,
};
