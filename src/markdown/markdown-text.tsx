import { memo, type ReactNode, useRef } from 'react';
import { type MarkdownDocument, parseIncrementally, type Segment } from './incremental.ts';
import { BLOCK_FLOW, type MarkdownOptions, renderBlocks } from './render.tsx';

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
  const { open } = document;
  return (
    <div data-slot="markdown" className={BLOCK_FLOW}>
      {document.stable.map((segment) => (
        <SegmentView
          key={segment.key}
          segment={segment}
          options={options}
          tail={open === null && segment === document.stable.at(-1) ? tail : undefined}
        />
      ))}
      {open && <SegmentView key={open.key} segment={open} options={options} tail={tail} />}
    </div>
  );
}

const SegmentView = memo(function SegmentView({
  segment,
  options,
  tail,
}: {
  segment: Segment;
  options: MarkdownOptions;
  tail: ReactNode;
}) {
  return renderBlocks(segment.tokens, options, tail, segment);
});
