import { memo, type ReactNode, useRef } from 'react';
import { sameItems } from '../core/same-items.ts';
import { codeAboveEach } from './code-block.tsx';
import { type MarkdownDocument, parseIncrementally, type Segment } from './incremental.ts';
import type { MarkdownOptions } from './options.ts';
import { BLOCK_FLOW, renderBlocks } from './render.tsx';

/**
 * A reply's text rendered as markdown, incrementally: stable segments keep their objects from
 * one render to the next, so their memoised views skip rendering and only the open end is
 * lexed and rendered again as tokens arrive.
 */
export function MarkdownText({
  text,
  streaming,
  options,
  tail,
}: {
  text: string;
  /** The reply is still arriving: open inline markup at its end is closed for display. */
  streaming: boolean;
  /** Must keep its identity between renders, or every segment renders again. */
  options: MarkdownOptions;
  /** Shown at the end of the last block: the caret of a streaming reply. */
  tail?: ReactNode;
}) {
  // The document is derived from the text alone; the ref only carries the previous one forward
  // so its stable segments can be reused. Rendering twice (Strict Mode) gives the same result.
  const documentRef = useRef<MarkdownDocument | null>(null);
  const document = parseIncrementally(documentRef.current, text, streaming);
  documentRef.current = document;
  return <MarkdownDocumentView document={document} options={options} tail={tail} />;
}

/**
 * A parsed document's view, a pure function of its props: what {@link MarkdownText} renders,
 * apart so a document built any way (streamed in cuts, or lexed whole) renders the same way.
 */
export function MarkdownDocumentView({
  document,
  options,
  tail,
}: {
  document: MarkdownDocument;
  options: MarkdownOptions;
  tail?: ReactNode;
}) {
  const { open, stable } = document;
  // The open end goes in the last group, after the finished segments, and keeps its key
  // when it is finished: its blocks then stay in the DOM instead of being built again.
  const segments = open ? [...stable, open] : stable;
  // A code block cut into parts is copied whole from its last part, which the parts above
  // hand their code to, across groups.
  const codeAbove = codeAboveEach(segments);
  const groups: number[] = [];
  for (let start = 0; start < segments.length; start += GROUP_SIZE) groups.push(start);
  const lastGroup = groups.at(-1);
  return (
    <div data-slot="markdown" className={groups.length > 1 ? ISLANDS_CLASS : BLOCK_FLOW}>
      {groups.map((start) => (
        <SegmentGroup
          key={segments[start]?.key}
          segments={segments.slice(start, start + GROUP_SIZE)}
          codeAbove={codeAbove.slice(start, start + GROUP_SIZE)}
          options={options}
          // The caret follows the reply's last block.
          tail={start === lastGroup ? tail : undefined}
        />
      ))}
    </div>
  );
}

/**
 * Segments are wrapped this many at a time in a block of their own: groups only grow at the
 * end, so a finished block is never rendered anew.
 */
export const GROUP_SIZE = 16;

/**
 * The classes of a reply of more than one group: each group is a layout island, so each frame
 * of a long reply lays out a few dozen blocks at most, not every block the reply has so far.
 * A reply of one group has nothing to gain, and an island is a layer to the browser: one per
 * short reply made every scroll frame of a long history that moved the painted area repaint
 * them all.
 */
export const ISLANDS_CLASS = `${BLOCK_FLOW} cw:[&>*]:[contain:layout_style]`;

interface SegmentGroupProps {
  segments: readonly Segment[];
  /** For each segment, the code of the parts above of a code block it continues. */
  codeAbove: readonly (string | undefined)[];
  options: MarkdownOptions;
  tail: ReactNode;
}

const sameSegments = (previous: SegmentGroupProps, next: SegmentGroupProps) =>
  previous.options === next.options &&
  previous.tail === next.tail &&
  sameItems(previous.segments, next.segments) &&
  sameItems(previous.codeAbove, next.codeAbove);

const SegmentGroup = memo(function SegmentGroup({
  segments,
  codeAbove,
  options,
  tail,
}: SegmentGroupProps) {
  return (
    <div
      data-slot="markdown-group"
      data-continued={segments[0]?.continuesAbove || undefined}
      className={BLOCK_FLOW}
    >
      {segments.map((segment, index) => (
        <SegmentView
          key={segment.key}
          segment={segment}
          codeAbove={codeAbove[index]}
          options={options}
          tail={segment === segments.at(-1) ? tail : undefined}
        />
      ))}
    </div>
  );
}, sameSegments);

const SegmentView = memo(function SegmentView({
  segment,
  codeAbove,
  options,
  tail,
}: {
  segment: Segment;
  codeAbove: string | undefined;
  options: MarkdownOptions;
  tail: ReactNode;
}) {
  const { continuesAbove, continuesBelow } = segment;
  return renderBlocks(segment.tokens, options, tail, { continuesAbove, continuesBelow, codeAbove });
});
