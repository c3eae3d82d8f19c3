/**
 * A fenced or indented code block: its code as text, a "Copy code" button once it is
 * finished, and, when the widget asks for it, colours from a highlighter loaded on demand.
 *
 * A block is finished when the streaming caret is no longer in it: every block of a reply
 * that has stopped growing, and every block but the one the caret follows in a reply that
 * still streams. An unfinished block offers no copy, since a command copied half-arrived can
 * do harm when pasted.
 *
 * While a reply streams, a long code block is cut into parts (see `stable-cuts.ts`), each
 * its own `<pre>`, so each token re-lexes only the last part. The copy button sits once under
 * the last part and copies the code of every part; the parts above hand their code down as
 * `codeAbove` (see {@link codeAboveEach}). Parts are never coloured: a grammar needs the
 * whole block to know where a string or comment starts, and once the reply ends it is one
 * block again, lexed whole, and coloured then.
 */
import type { Token, Tokens } from 'marked';
import type { ReactNode } from 'react';
import { CopyButton } from '../components/copy-button.tsx';
import { useHighlightedCode } from './highlight.ts';
import type { Segment } from './markdown-document.ts';
import type { MarkdownOptions } from './options.ts';

/** Where a code block stands among the parts of a block cut in two, and what is after it. */
export interface CodeBlockPlacement {
  /** Shown at the end of the code: the caret of a streaming reply, which means unfinished. */
  tail: ReactNode;
  /** This part continues the part above it. */
  continued: boolean;
  /** The block goes on in the part below. */
  continuesBelow: boolean;
  /**
   * The code of the parts above a continued part, each followed by its line break: what
   * "Copy code" puts before this part's own code. Without it a continued part offers no copy,
   * rather than copy half a block.
   */
  codeAbove?: string;
}

/** A code block's code, shown as text (never as HTML), with its copy button once finished. */
export function CodeBlock({
  token,
  options,
  tail,
  continued,
  continuesBelow,
  codeAbove,
}: CodeBlockPlacement & { token: Tokens.Code; options: MarkdownOptions }) {
  const language = token.lang?.trim().split(/\s/)[0] || undefined;
  const finished = tail === undefined || tail === null;
  const whole = !continued && !continuesBelow;
  const colours = useHighlightedCode(
    token.text,
    options.highlightCode && finished && whole ? language : undefined,
  );
  const copyable =
    finished &&
    !continuesBelow &&
    (!continued || codeAbove !== undefined) &&
    fenceClosed(token, continued);
  return (
    <>
      <pre
        // biome-ignore lint/a11y/noNoninteractiveTabindex: focusable so a keyboard can scroll it sideways
        tabIndex={0}
        data-slot="code-block"
        data-language={language}
        // Code reads left to right in any language's widget: `a();` keeps its semicolon last.
        dir="ltr"
        data-highlighted={colours !== null || undefined}
        // The parts of a long block cut in two meet flush, as one block.
        data-continued={continued || undefined}
        data-continues-below={continuesBelow || undefined}
        className="cw:md-code-block"
      >
        {/* Inherits the block's font: the browser's own `code` font would change the line height. */}
        <code className="cw:[font:inherit]">{colours ?? token.text}</code>
        {tail}
      </pre>
      {copyable && (
        <div data-slot="code-block-actions" className="cw:md-code-actions">
          <CopyButton
            getText={() => (continued ? (codeAbove ?? '') : '') + token.text}
            labels={{
              name: options.copyCode,
              copied: options.copied,
              copyFailed: options.copyFailed,
            }}
          />
        </div>
      )}
    </>
  );
}

/**
 * Whether the block's closing fence arrived. marked runs a fence that never closed to the end
 * of the text, so a reply stopped or cut off inside a code block ends with half of it: that
 * half offers no copy either. An indented block has no fence to wait for.
 */
function fenceClosed(token: Tokens.Code, continued: boolean): boolean {
  if (token.codeBlockStyle === 'indented') return true;
  const lines = token.raw.replace(/\n+$/, '').split('\n');
  // A part below a cut has no opening fence of its own: its last line alone may close it.
  return (continued || lines.length > 1) && /^ {0,3}(`{3,}|~{3,})[ \t]*$/.test(lines.at(-1) ?? '');
}

/** The last block of `tokens` that is not a blank line, if it is code. */
function lastCode(tokens: readonly Token[]): Tokens.Code | undefined {
  const last = tokens.findLast((token) => token.type !== 'space');
  return last?.type === 'code' ? (last as Tokens.Code) : undefined;
}

/**
 * The code of a part above the cut, with the line break the cut came after. marked drops a
 * code block's last line break, except after a blank last line, where it keeps it (and its
 * text then already ends in one): adding one only where it is missing gives the part's code
 * as the whole block has it.
 */
const withLineBreak = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);

/**
 * What {@link codeAboveEach} hands down past each segment that ends in a cut code block.
 * A segment never changes once made, nor do the segments above it, so the text is computed
 * once and the same string is handed down on every render: memoised views compare it by
 * identity, not character by character.
 */
const codeThrough = new WeakMap<Segment, string>();

/**
 * For each segment, the code of the parts above it of the code block it continues (as
 * {@link CodeBlockPlacement.codeAbove} takes it), or undefined when it does not continue one.
 * The long-code rule cuts only top-level blocks, so a continued block is always its
 * segment's first token and the part above it the last token of the segment before.
 */
export function codeAboveEach(segments: readonly Segment[]): (string | undefined)[] {
  let above: string | undefined;
  return segments.map((segment) => {
    const own = segment.continuesAbove && segment.tokens[0]?.type === 'code' ? above : undefined;
    const part = segment.continuesBelow ? lastCode(segment.tokens) : undefined;
    above = undefined;
    if (part) {
      above = codeThrough.get(segment) ?? `${own ?? ''}${withLineBreak(part.text)}`;
      codeThrough.set(segment, above);
    }
    return own;
  });
}
