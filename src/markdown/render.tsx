/**
 * marked's block tokens as React elements (inline ones are in render-inline.tsx). Every string from the model reaches the DOM as a React
 * text node or a checked attribute, never as HTML: raw HTML in a reply is shown as the text it
 * is, links and images pass the URL allow-list, and there is no `dangerouslySetInnerHTML`.
 */
import type { MarkedToken, Token, Tokens } from 'marked';
import { Fragment, type ReactNode } from 'react';
import { CodeBlock } from './code-block.tsx';
import { decodeEntities } from './entities.ts';
import type { MarkdownOptions } from './options.ts';
import { known, renderInline } from './render-inline.tsx';

/**
 * Vertical rhythm for a run of blocks: no outer margins, a gap between blocks, none before a
 * block that continues the one above it (a long paragraph or code block cut into parts).
 */
export const BLOCK_FLOW = 'cw:md-flow';

/** Where a run of blocks meets the parts of a block cut in two. */
export interface BlockEdges {
  /** The first block continues the block the run before ended with. */
  continuesAbove?: boolean;
  /** The last block goes on in the next run. */
  continuesBelow?: boolean;
  /**
   * When the first block continues a code block, the code of its parts above: what its copy
   * button copies before the block's own code (see `codeAboveEach` in code-block.tsx).
   */
  codeAbove?: string;
}

/**
 * How deep quotes and lists nest before the rest is shown as text: far beyond any real reply,
 * well before a hostile one could exhaust the stack.
 */
const MAX_DEPTH = 24;

/** Renders top-level or nested block tokens; `tail` (the streaming caret) ends the last one. */
export function renderBlocks(
  tokens: readonly Token[],
  options: MarkdownOptions,
  tail?: ReactNode,
  { continuesAbove = false, continuesBelow = false, codeAbove }: BlockEdges = {},
  depth = 0,
): ReactNode[] {
  if (depth > MAX_DEPTH) return [tokens.map((token) => token.raw).join('')];
  const last = lastContentIndex(tokens);
  return tokens.map((token, index) =>
    renderBlock(known(token), index, options, {
      tail: index === last ? tail : undefined,
      continued: continuesAbove && index === 0,
      continuesBelow: continuesBelow && index === last,
      codeAbove: index === 0 ? codeAbove : undefined,
      depth,
    }),
  );
}

function lastContentIndex(tokens: readonly Token[]): number {
  for (let index = tokens.length - 1; index >= 0; index--) {
    const type = tokens[index]?.type;
    if (type !== 'space' && type !== 'def') return index;
  }
  return -1;
}

interface BlockPlacement {
  /** Inline content placed at the end of this block: the caret of a streaming reply. */
  tail: ReactNode;
  /** This block continues the part of it the previous run of blocks ended with. */
  continued: boolean;
  /** This block goes on in the next run of blocks. */
  continuesBelow: boolean;
  /** The code of the parts above, when this block continues a code block. */
  codeAbove: string | undefined;
  /** How many quotes and lists this block is nested in. */
  depth: number;
}

function renderBlock(
  token: MarkedToken,
  key: number,
  options: MarkdownOptions,
  { tail, continued, continuesBelow, codeAbove, depth }: BlockPlacement,
): ReactNode {
  switch (token.type) {
    case 'space':
    case 'def':
      return null;
    case 'paragraph':
      return (
        <p key={key} data-continued={continued || undefined}>
          {renderInline(token.tokens, options)}
          {tail}
        </p>
      );
    case 'heading':
      return <Heading key={key} token={token} options={options} tail={tail} />;
    case 'code':
      return (
        <CodeBlock
          key={key}
          token={token}
          options={options}
          tail={tail}
          continued={continued}
          continuesBelow={continuesBelow}
          codeAbove={codeAbove}
        />
      );
    case 'blockquote':
      return (
        <blockquote key={key} className={`cw:md-quote ${BLOCK_FLOW}`}>
          {renderBlocks(token.tokens, options, tail, {}, depth + 1)}
        </blockquote>
      );
    case 'list':
      return (
        <List
          key={key}
          token={token}
          options={options}
          tail={tail}
          depth={depth}
          continued={continued}
        />
      );
    case 'table':
      return <Table key={key} token={token} options={options} tail={tail} />;
    case 'hr':
      return <hr key={key} className="cw:md-rule" />;
    case 'html':
      // Raw HTML is shown as the text it is, never parsed.
      return (
        <p key={key}>
          {token.raw.trimEnd()}
          {tail}
        </p>
      );
    case 'text':
      // Block-level text: the content of a tight list item, inline in the item, with no element
      // of its own (a long reply has hundreds of items, each element one more to lay out).
      return (
        <Fragment key={key}>
          {token.tokens ? renderInline(token.tokens, options) : decodeEntities(token.text)}
          {tail}
        </Fragment>
      );
    case 'br':
    case 'checkbox':
    case 'codespan':
    case 'del':
    case 'em':
    case 'escape':
    case 'image':
    case 'link':
    case 'list_item':
    case 'strong':
      return <span key={key}>{renderInline([token], options)}</span>;
    default:
      return token satisfies never;
  }
}

function Heading({
  token,
  options,
  tail,
}: {
  token: Tokens.Heading;
  options: MarkdownOptions;
  tail: ReactNode;
}) {
  // The widget's own title is a level-2 heading, so a reply's headings nest below it, from
  // level 3: models open with `#` or `##` alike, and either must not skip a level.
  const level = Math.min(6, Math.max(3, token.depth + 1));
  const Tag = `h${level}` as 'h3';
  return (
    <Tag
      className={`cw:font-semibold ${token.depth === 1 ? 'cw:text-base' : 'cw:text-sm'}`}
      data-depth={token.depth}
    >
      {renderInline(token.tokens, options)}
      {tail}
    </Tag>
  );
}

function List({
  token,
  options,
  tail,
  depth,
  continued,
}: {
  token: Tokens.List;
  options: MarkdownOptions;
  tail: ReactNode;
  depth: number;
  /** The list goes on from the part of it the previous run of blocks ended with. */
  continued: boolean;
}) {
  const items = token.items.map((item, index) => (
    // biome-ignore lint/suspicious/noArrayIndexKey: a list's items never move
    <li key={index} className={item.loose ? BLOCK_FLOW : undefined}>
      {/* A task's box is among the item's tokens (inside its paragraph in a loose list). */}
      {renderBlocks(
        item.tokens,
        options,
        index === token.items.length - 1 ? tail : undefined,
        {},
        depth + 1,
      )}
    </li>
  ));
  const taskList = token.items.some((item) => item.task);
  const className = taskList
    ? 'cw:list-none cw:ps-1'
    : `cw:ps-5 ${token.ordered ? 'cw:list-decimal' : 'cw:list-disc'}`;
  if (token.ordered) {
    const start = typeof token.start === 'number' && token.start !== 1 ? token.start : undefined;
    return (
      <ol start={start} data-continued={continued || undefined} className={className}>
        {items}
      </ol>
    );
  }
  return (
    <ul data-continued={continued || undefined} className={className}>
      {items}
    </ul>
  );
}

function Table({
  token,
  options,
  tail,
}: {
  token: Tokens.Table;
  options: MarkdownOptions;
  tail: ReactNode;
}) {
  const cell = (content: Tokens.TableCell, index: number, Tag: 'th' | 'td', end?: ReactNode) => (
    <Tag
      key={index}
      scope={Tag === 'th' ? 'col' : undefined}
      style={content.align ? { textAlign: content.align } : undefined}
      className="cw:md-cell"
    >
      {renderInline(content.tokens, options)}
      {end}
    </Tag>
  );
  return (
    <div
      // biome-ignore lint/a11y/noNoninteractiveTabindex: focusable so a keyboard can scroll it sideways
      tabIndex={0}
      data-slot="table"
      className="cw:overflow-x-auto"
    >
      <table className="cw:border-collapse cw:text-xs">
        <thead>
          <tr>{token.header.map((content, index) => cell(content, index, 'th'))}</tr>
        </thead>
        <tbody>
          {token.rows.map((row, rowIndex) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a table's rows never move
            <tr key={rowIndex}>
              {row.map((content, index) =>
                cell(
                  content,
                  index,
                  'td',
                  rowIndex === token.rows.length - 1 && index === row.length - 1 ? tail : undefined,
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
