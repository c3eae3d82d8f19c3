import { memo, type ReactNode } from 'react';
import { ExternalLink } from './render-inline.tsx';
import { safeLinkUrl } from './safe-url.ts';

/** A long reply is cut into blocks of at least this many characters, at line breaks. */
const TEXT_CHUNK = 1_024;

/** Web and mail addresses in plain text; trailing punctuation is left out of the link. */
const ADDRESS = /\b(?:https?:\/\/|mailto:)[^\s<>"'`]+/giu;
const TRAILING_PUNCTUATION = /[.,:;!?)\]}'"]+$/u;

/** `text` with its web addresses turned into links (those that pass the allow-list). */
function withLinks(text: string, opensInNewTab: string): ReactNode[] {
  const parts: ReactNode[] = [];
  let from = 0;
  for (const match of text.matchAll(ADDRESS)) {
    const address = match[0].replace(TRAILING_PUNCTUATION, '');
    const href = safeLinkUrl(address);
    if (!href) continue;
    parts.push(text.slice(from, match.index));
    parts.push(
      <ExternalLink key={match.index} href={href} opensInNewTab={opensInNewTab}>
        {address}
      </ExternalLink>,
    );
    from = match.index + address.length;
  }
  parts.push(text.slice(from));
  return parts;
}

/** One block of plain text; unchanged blocks skip rendering. */
const TextBlock = memo(function TextBlock({
  text,
  opensInNewTab,
  tail,
}: {
  text: string;
  opensInNewTab: string;
  tail?: ReactNode;
}) {
  return (
    <div>
      {withLinks(text, opensInNewTab)}
      {tail}
    </div>
  );
});

/**
 * A reply as plain text with its web addresses linked, cut into blocks at line breaks, so
 * each frame of a stream changes only the last block: the browser lays out that block alone
 * instead of the whole reply, and the cost per frame stays flat however long the reply grows.
 * Block boundaries depend only on the text before them, so earlier blocks never change.
 */
export function PlainText({
  text,
  opensInNewTab,
  tail,
}: {
  text: string;
  /** Read to screen readers after each link's text. */
  opensInNewTab: string;
  /** Shown at the end of the text: the caret of a streaming reply. */
  tail?: ReactNode;
}) {
  const blocks: string[] = [];
  let start = 0;
  while (start < text.length || blocks.length === 0) {
    const lineEnd = text.indexOf('\n', start + TEXT_CHUNK);
    // The line break between two blocks is the block boundary itself, so it is not repeated
    // inside either block (a trailing one would add a blank line in some engines).
    const end = lineEnd === -1 ? text.length : lineEnd;
    blocks.push(text.slice(start, end));
    start = end + 1;
  }
  return (
    <div data-slot="plain-text" className="cw:whitespace-pre-wrap">
      {blocks.map((block, index) => (
        <TextBlock
          // Blocks only ever grow or get added at the end, so their index is a stable key.
          // biome-ignore lint/suspicious/noArrayIndexKey: block positions never move
          key={index}
          text={block}
          opensInNewTab={opensInNewTab}
          // The caret follows the last word, inside the last block, not on a line of its own.
          tail={index === blocks.length - 1 ? tail : undefined}
        />
      ))}
    </div>
  );
}
