/**
 * The DOM floor for markdown: the elements chatwire's markdown ends up as, with its styles,
 * each top-level block appended as HTML once its last token has arrived, once per animation
 * frame. What building a markdown reply's DOM costs at the least, with nothing parsed or
 * re-rendered while the reply streams. Loaded on its own, as it needs react-dom/server.
 */
import { Lexer } from 'marked';
import { renderToStaticMarkup } from 'react-dom/server';
import { DEFAULT_LABELS } from '../../src/components/labels.ts';
import { markdownOptionsFor } from '../../src/components/ui-context.tsx';
import { LEXER_OPTIONS } from '../../src/markdown/incremental.ts';
import { GROUP_SIZE, ISLANDS_CLASS } from '../../src/markdown/markdown-text.tsx';
import { BLOCK_FLOW, renderBlocks } from '../../src/markdown/render.tsx';
import { type Receiver, tokenOf } from './receiver.ts';
import { clearRoot, container } from './root.ts';

/** A top-level markdown block as HTML, and how many tokens must arrive before it is whole. */
interface FinishedBlock {
  tokensNeeded: number;
  html: string;
}

/** The reply's top-level blocks, each rendered once by chatwire's own markdown renderer. */
function finishedBlocksOf(tokens: readonly string[]): FinishedBlock[] {
  const options = markdownOptionsFor(DEFAULT_LABELS);
  const lexed = new Lexer(LEXER_OPTIONS).lex(tokens.join(''));
  const blocks: FinishedBlock[] = [];
  let textEnd = 0;
  let tokensNeeded = 0;
  let received = 0;
  for (const block of lexed) {
    textEnd += block.raw.length;
    while (received < textEnd && tokensNeeded < tokens.length) {
      received += tokens[tokensNeeded++]?.length ?? 0;
    }
    blocks.push({ tokensNeeded, html: renderToStaticMarkup(renderBlocks([block], options)) });
  }
  // Whatever the lexer's offsets say, the reply is not shown in full before its last token.
  const last = blocks.at(-1);
  if (last) last.tokensNeeded = tokens.length;
  return blocks;
}

/**
 * chatwire's finished markdown DOM, inside chatwire's styles, appended a block at a time once
 * per animation frame and scrolled to the bottom: no parsing and no React while it streams.
 * Blocks go in groups of GROUP_SIZE with the layout containment of chatwire's (chatwire's
 * groups hold segments, often of several blocks each, so these groups are if anything
 * smaller and cheaper to lay out).
 */
export function mountDomFloor(tokens: readonly string[]): Receiver {
  const blocks = finishedBlocksOf(tokens);
  clearRoot();
  container().innerHTML = `<div data-chatwire style="height:600px;overflow-y:auto"><div data-slot="markdown" class="${ISLANDS_CLASS}"></div></div>`;
  const scroller = container().firstElementChild as HTMLElement;
  const markdown = scroller.firstElementChild as HTMLElement;
  let group: HTMLElement | null = null;
  let received = 0;
  let appended = 0;
  let scheduled = false;
  const append = (html: string) => {
    if (!group || appended % GROUP_SIZE === 0) {
      group = document.createElement('div');
      group.dataset.slot = 'markdown-group';
      group.className = BLOCK_FLOW;
      markdown.append(group);
    }
    group.insertAdjacentHTML('beforeend', html);
    appended++;
  };
  const flush = () => {
    scheduled = false;
    while (appended < blocks.length && (blocks[appended]?.tokensNeeded ?? 0) <= received) {
      append(blocks[appended]?.html ?? '');
    }
    scroller.scrollTop = scroller.scrollHeight;
  };
  return {
    onFrame: (data) => {
      if (tokenOf(data) === null) return;
      received++;
      if (!scheduled) requestAnimationFrame(flush);
      scheduled = true;
    },
    isDone: () => appended >= blocks.length,
  };
}
