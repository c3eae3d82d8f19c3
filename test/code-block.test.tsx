/**
 * Code blocks in replies, in real Chromium through the store and ChatPanel: "Copy code" puts
 * exactly a finished block's code on the clipboard (read back by pasting), also for a long
 * block the streaming parser cut into parts, and is never offered for a block still
 * arriving; `highlightCode` fetches the highlighter as a chunk of its own only once a
 * finished block that names a language is shown, colours it with spans, leaves an unknown
 * language or a chunk that fails to load as plain code, and never turns code into markup.
 * Last, the same through <ChatWidget> against the reference server.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { ChatPanel, type ChatPanelProps } from '../src/components/chat-panel.tsx';
import { createChatStore } from '../src/core/store.ts';
import { ChatWidget } from '../src/index.ts';
import { codeAboveEach } from '../src/markdown/code-block.tsx';
import {
  createHighlighterLoader,
  type Highlight,
  type HighlighterLoader,
  useHighlightedCode,
} from '../src/markdown/highlight.ts';
import { parseIncrementally } from '../src/markdown/incremental.ts';
import { GROUP_SIZE } from '../src/markdown/markdown-text.tsx';
import { ChatStoreProvider } from '../src/react/context.tsx';
import { startTestChatServer } from './support/chat-server.ts';
import { linkIn } from './support/link-states.ts';
import { connected, send } from './support/widget.ts';

const frame = (payload: object) =>
  JSON.stringify({ ...payload, timestamp: new Date().toISOString() });

/** Lets React render what the store holds now: a frame of the page. */
const nextFrame = () => new Promise((resolve) => requestAnimationFrame(resolve));

/** A panel on a store of its own, and a reply to stream into it. */
async function mountPanel(props: ChatPanelProps = {}) {
  const store = createChatStore();
  store.actions.setConnection(linkIn('open'));
  const screen = await render(
    <ChatStoreProvider store={store}>
      <ChatPanel {...props} />
    </ChatStoreProvider>,
  );
  const id = 'r1';
  store.actions.receive(frame({ type: 'stream-start', messageId: id }));
  const reply = () =>
    screen.container.querySelector<HTMLElement>('[data-role="assistant"]') as HTMLElement;
  return {
    screen,
    reply,
    /** Streams `text` in frames of `size` characters, letting the page render after each. */
    async say(text: string, size = text.length) {
      for (let at = 0; at < text.length; at += size) {
        store.actions.receive(
          frame({ type: 'stream-token', messageId: id, token: text.slice(at, at + size) }),
        );
        await nextFrame();
      }
    },
    async end() {
      store.actions.receive(frame({ type: 'stream-end', messageId: id }));
      await expect.element(reply()).toHaveAttribute('data-status', 'complete');
    },
  };
}

/** A panel showing the finished reply `text`. */
async function showReply(text: string, props: ChatPanelProps = {}) {
  const panel = await mountPanel(props);
  await panel.say(text);
  await panel.end();
  return panel.reply();
}

const copyButtons = (root: Element) =>
  [...root.querySelectorAll<HTMLButtonElement>('button')].filter((button) =>
    button.getAttribute('aria-label')?.startsWith('Copy code'),
  );

/** Clicks `button`, then reads back what it put on the clipboard by pasting it in a box. */
async function copiedBy(button: HTMLButtonElement): Promise<string> {
  await userEvent.click(button);
  await expect.element(button).toHaveAttribute('data-state', 'copied');
  const box = document.createElement('textarea');
  document.body.append(box);
  box.focus();
  await userEvent.paste();
  const text = box.value;
  box.remove();
  return text;
}

/** The code blocks of `root`, and each one's copy button (the element after it), if any. */
const codeBlocks = (root: Element) =>
  [...root.querySelectorAll<HTMLElement>('pre[data-slot="code-block"]')].map((block) => {
    const after = block.nextElementSibling;
    const actions = after?.matches('[data-slot="code-block-actions"]') ? after : null;
    return {
      block,
      copy: actions?.querySelector<HTMLButtonElement>('[data-slot="copy-button"]') ?? undefined,
    };
  });

const HIGHLIGHTER_MODULE = '/src/markdown/highlighter.tsx';

/** Whether the page has fetched the highlighter's module (or lowlight, which only it imports). */
const highlighterFetched = () =>
  performance
    .getEntriesByType('resource')
    .some(({ name }) => name.includes(HIGHLIGHTER_MODULE) || name.includes('lowlight'));

/**
 * Waits until `block` shows coloured tokens: the first time, until the dev server has served
 * the chunk, which on a busy machine takes a few seconds.
 */
const coloured = (block: Element | undefined) =>
  expect
    .poll(() => block?.querySelectorAll('[class*="cw:hl-"]').length ?? 0, { timeout: 10_000 })
    .toBeGreaterThan(0);

/** What a code block of TypeScript renders, with the highlighter `loader` gives. */
function Code({ code, loader }: { code: string; loader: HighlighterLoader }) {
  return <code data-testid="code">{useHighlightedCode(code, 'ts', loader) ?? code}</code>;
}

// First in the file: its first test must run before anything has loaded the highlighter.
describe('highlightCode', () => {
  const TS =
    "```ts\nconst answer: number = 42; // the answer\nexport function ask() { return 'why'; }\n```";

  it('fetches the highlighter only when a finished block with a language shows, then colours it', async () => {
    // Off; on but still streaming; on but naming no language: none of them fetches it.
    await showReply(TS);
    const streaming = await mountPanel({ highlightCode: true });
    await streaming.say('```ts\nconst open = true;\n', 5);
    await showReply('```\nplain();\n```\n\n    indented();', { highlightCode: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(highlighterFetched()).toBe(false);
    expect(document.querySelector('[class*="cw:hl-"]')).toBeNull();

    const reply = await showReply(TS, { highlightCode: true });
    const [{ block, copy } = { block: undefined, copy: undefined }] = codeBlocks(reply);
    await coloured(block);
    expect(highlighterFetched()).toBe(true);
    expect(block?.dataset.highlighted).toBe('true');
    const keyword = block?.querySelector('.cw\\:hl-keyword');
    expect(keyword?.tagName).toBe('SPAN');
    expect(keyword?.textContent).toBe('const');
    expect(block?.querySelector('.cw\\:hl-comment')?.textContent).toBe('// the answer');
    expect(block?.querySelector('.cw\\:hl-string')?.textContent).toBe("'why'");
    // Coloured in the light theme's keyword red, and the code reads and copies as before.
    expect(getComputedStyle(keyword as Element).color).toBe('rgb(207, 34, 46)');
    const code =
      "const answer: number = 42; // the answer\nexport function ask() { return 'why'; }";
    expect(block?.textContent).toBe(code);
    expect(await copiedBy(copy as HTMLButtonElement)).toBe(code);
  });

  it('leaves code plain when the chunk fails to load, and does not ask for it again', async () => {
    let fetches = 0;
    const missing = createHighlighterLoader(() => {
      fetches++;
      // A real failed fetch, as after a deploy that removed the chunk.
      const url = new URL('/no-such-highlighter-chunk.js', location.href).href;
      return import(/* @vite-ignore */ url) as Promise<{ highlight: Highlight }>;
    });
    const screen = await render(<Code code="const a = 1;" loader={missing} />);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // A block shown after the failure does not fetch it again.
    await screen.rerender(
      <>
        <Code code="const a = 1;" loader={missing} />
        <Code code="const b = 2;" loader={missing} />
      </>,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fetches).toBe(1);
    const shown = screen.container.querySelectorAll('[data-testid="code"]');
    expect([...shown].map((code) => code.innerHTML)).toEqual(['const a = 1;', 'const b = 2;']);
    // The same blocks with a highlighter that loads are coloured: the failure is what kept
    // them plain.
    const marking: Highlight = (code) => <mark>{code}</mark>;
    const loading = createHighlighterLoader(async () => ({ highlight: marking }));
    await screen.rerender(<Code code="const c = 3;" loader={loading} />);
    await expect.element(screen.getByTestId('code')).toContainHTML('<mark>const c = 3;</mark>');
  });

  it('colours in the dark theme’s palette in the dark theme', async () => {
    const reply = await showReply(TS, { highlightCode: true, theme: 'dark' });
    const [{ block } = { block: undefined }] = codeBlocks(reply);
    await coloured(block);
    const keyword = block?.querySelector('.cw\\:hl-keyword') as Element;
    expect(getComputedStyle(keyword).color).toBe('rgb(255, 123, 114)');
  });

  it('shows a language it does not know as plain code', async () => {
    const unknown = 'frobnicate --all\nwith { braces } and "quotes"';
    const reply = await showReply(`${TS}\n\n\`\`\`nosuchlanguage\n${unknown}\n\`\`\``, {
      highlightCode: true,
    });
    const [known, other] = codeBlocks(reply);
    // Once the known one is coloured the highlighter is there: the other stayed plain.
    await coloured(known?.block);
    expect(other?.block.dataset.language).toBe('nosuchlanguage');
    expect(other?.block.hasAttribute('data-highlighted')).toBe(false);
    expect(other?.block.querySelectorAll('code *')).toHaveLength(0);
    expect(other?.block.textContent).toBe(unknown);
  });

  it('keeps markup in code as text: nothing in it becomes an element or runs', async () => {
    window.__chatwireCodeRan = undefined;
    const html =
      '<img src=x onerror="window.__chatwireCodeRan=1">\n<script>window.__chatwireCodeRan=2</script>';
    const js =
      'const s = "</span><img src=x onerror=alert(1)>";\n// <svg onload="window.__chatwireCodeRan=3">';
    const reply = await showReply(
      `\`\`\`html\n${html}\n\`\`\`\n\n\`\`\`js\n${js}\n\`\`\`\n\n\`\`\`md\n<img src=x onerror=alert(1)>\n\`\`\``,
      { highlightCode: true },
    );
    const blocks = codeBlocks(reply);
    for (const { block } of blocks) await coloured(block);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(window.__chatwireCodeRan).toBeUndefined();
    expect(reply.querySelector('img, script, svg, [onerror], [onload]')).toBeNull();
    // Only chatwire's token spans inside the code, and the text exactly as written.
    const elements = blocks.flatMap(({ block }) => [...block.querySelectorAll('code *')]);
    expect(elements.every((element) => element.tagName === 'SPAN')).toBe(true);
    expect(elements.every((element) => /^cw:hl-[a-z-]+$/.test(element.className))).toBe(true);
    expect(blocks.map(({ block }) => block.textContent)).toEqual([
      html,
      js,
      '<img src=x onerror=alert(1)>',
    ]);
  });
});

describe('Copy code', () => {
  it('copies exactly the code of each finished block, with no caret or language', async () => {
    const fenced =
      '  const total = items.reduce((sum, item) => sum + item, 0); // **not bold**\n\n  return `<b>` + total;   ';
    const indented = 'npm install chatwire\nnpm run build';
    const reply = await showReply(
      `Two blocks:\n\n\`\`\`ts title="sum.ts"\n${fenced}\n\`\`\`\n\n    ${indented.replace('\n', '\n    ')}\n\nDone.`,
    );
    const [first, second] = codeBlocks(reply);
    expect(first?.block.dataset.language).toBe('ts');
    const button = first?.copy as HTMLButtonElement;
    // Named for what it does, reachable from the keyboard, and says "Copied" after a copy.
    await expect.element(button).toHaveAccessibleName('Copy code');
    await expect.element(button).toHaveTextContent('Copy code');
    expect(await copiedBy(button)).toBe(fenced);
    await expect.element(button).toHaveTextContent('Copied');
    // The name keeps the visible text while it shows (WCAG 2.5.3, label in name).
    await expect.element(button).toHaveAccessibleName('Copy code: Copied');
    // Said once to screen readers, by the polite status beside the button.
    await expect
      .poll(() => document.querySelector('[data-slot="announcer"]')?.textContent)
      .toBe('Copied');
    second?.copy?.focus();
    expect(document.activeElement).toBe(second?.copy);
    await userEvent.keyboard('{Enter}');
    await expect.element(second?.copy as HTMLButtonElement).toHaveAttribute('data-state', 'copied');
    expect(await copiedBy(second?.copy as HTMLButtonElement)).toBe(indented);
    expect(copyButtons(reply)).toHaveLength(2);
  });

  it('says so when the copy fails', async () => {
    const reply = await showReply('```\nls\n```', {
      labels: { copyCode: 'Copier le code', copied: 'Copié', copyFailed: 'Échec de la copie' },
    });
    const button = reply.querySelector<HTMLButtonElement>('[data-slot="copy-button"]');
    await expect.element(button).toHaveAccessibleName('Copier le code');
    const { clipboard } = navigator;
    const execCommand = document.execCommand;
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: undefined });
    document.execCommand = () => false;
    try {
      await userEvent.click(button as HTMLButtonElement);
      await expect.element(button).toHaveTextContent('Échec de la copie');
    } finally {
      Reflect.deleteProperty(navigator, 'clipboard');
      document.execCommand = execCommand;
      expect(navigator.clipboard).toBe(clipboard);
    }
  });

  it('is not offered for a block still arriving, and is once it is finished', async () => {
    const panel = await mountPanel();
    await panel.say('Run:\n\n```sh\nnpm install chat', 4);
    expect(codeBlocks(panel.reply())).toHaveLength(1);
    expect(copyButtons(panel.reply())).toEqual([]);
    // The fence closed but nothing follows yet: the caret still ends this block.
    await panel.say('wire\n```\n');
    expect(panel.reply().querySelector('pre [data-slot="caret"]')).not.toBeNull();
    expect(copyButtons(panel.reply())).toEqual([]);
    // A second block opens: the first is finished and offers its copy, the second does not.
    await panel.say('\nThen:\n\n```sh\nnpm run bu', 3);
    const [first, second] = codeBlocks(panel.reply());
    expect(first?.copy).toBeInstanceOf(HTMLButtonElement);
    expect(second?.copy).toBeUndefined();
    expect(copyButtons(panel.reply())).toHaveLength(1);
    expect(await copiedBy(first?.copy as HTMLButtonElement)).toBe('npm install chatwire');
    await panel.say('ild\n```');
    await panel.end();
    const blocks = codeBlocks(panel.reply());
    expect(await copiedBy(blocks[1]?.copy as HTMLButtonElement)).toBe('npm run build');
  });

  it('is not offered for a block whose fence never closed, when the reply ends inside it', async () => {
    const panel = await mountPanel();
    await panel.say('Run:\n\n```sh\nrm -rf ./bu', 3);
    await panel.end();
    expect(codeBlocks(panel.reply())).toHaveLength(1);
    expect(copyButtons(panel.reply())).toEqual([]);
  });

  it('hands down, past every cut of any long block, exactly the code the whole block has', () => {
    // Lines of code with blank and blank-looking lines, indents, tabs and fence characters;
    // none closes the fence early.
    const line = fc
      .stringMatching(/^[ \t]{0,5}(?:[a-z`~*<>"{}]{1,12}[ \t]?){0,4}$/)
      .map((text) => (/^ {0,3}(?:`{3,}|~{3,})/.test(text) ? `x${text}` : text));
    const block = fc.record({
      indent: fc.integer({ min: 0, max: 3 }),
      fence: fc.constantFrom('```', '````', '~~~'),
      lines: fc.array(line, { minLength: 150, maxLength: 300 }),
    });
    let cutRuns = 0;
    fc.assert(
      fc.property(block, fc.integer({ min: 1, max: 400 }), ({ indent, fence, lines }, size) => {
        const pad = ' '.repeat(indent);
        const text = `${pad}${fence}ts\n${lines.join('\n')}\n${pad}${fence}\n\nAfter.`;
        let document = parseIncrementally(null, '', true);
        for (let at = size; at < text.length + size; at += size) {
          document = parseIncrementally(document, text.slice(0, at), true);
        }
        const segments = document.open ? [...document.stable, document.open] : document.stable;
        const codeOf = (tokens: readonly { type: string }[]) =>
          (tokens.find((token) => token.type === 'code') as { text: string } | undefined)?.text;
        // The block's last part: what the copy button sits under.
        const lastPart = segments.findLastIndex(
          (segment) => segment.continuesAbove && segment.tokens[0]?.type === 'code',
        );
        if (lastPart === -1) return;
        cutRuns++;
        const whole = parseIncrementally(null, text, false).stable[0]?.tokens ?? [];
        const copied = `${codeAboveEach(segments)[lastPart]}${codeOf(segments[lastPart]?.tokens ?? [])}`;
        expect(copied).toBe(codeOf(whole));
      }),
      { numRuns: 60 },
    );
    // The blocks are long enough that nearly every run was cut.
    expect(cutRuns).toBeGreaterThan(50);
  });

  it('copies a long block cut into parts whole, from one button under its last part', async () => {
    const intro = Array.from({ length: GROUP_SIZE - 2 }, (_, n) => `Paragraph ${n}.`).join('\n\n');
    const lines = Array.from({ length: 400 }, (_, n) =>
      n % 9 === 4 ? '' : `    const line${n} = "**${n}**"; // <em>${n}</em>`,
    );
    const code = lines.join('\n');
    const panel = await mountPanel({ highlightCode: true });
    await panel.say(`${intro}\n\n\`\`\`ts\n${code}`, 200);
    const markdown = panel.reply().querySelector('[data-slot="markdown"]') as HTMLElement;
    const parts = () => codeBlocks(markdown);
    // Cut into parts, in more than one layout group; none offers a copy while it streams.
    expect(parts().length).toBeGreaterThan(3);
    const groupsOf = (blocks: { block: HTMLElement }[]) =>
      new Set(blocks.map(({ block }) => block.closest('[data-slot="markdown-group"]'))).size;
    expect(groupsOf(parts())).toBeGreaterThan(1);
    expect(copyButtons(markdown)).toEqual([]);

    // The fence closes and a paragraph streams after it: the block is finished, still cut.
    await panel.say('\n```\n\nAfter the code', 7);
    const finished = parts();
    expect(finished.length).toBeGreaterThan(3);
    expect(finished.slice(0, -1).every((part) => part.copy === undefined)).toBe(true);
    expect(copyButtons(markdown)).toHaveLength(1);
    expect(finished.at(-1)?.block.hasAttribute('data-continued')).toBe(true);
    expect(await copiedBy(finished.at(-1)?.copy as HTMLButtonElement)).toBe(code);
    // Parts are never coloured: a grammar needs the whole block.
    expect(markdown.querySelector('[class*="cw:hl-"]')).toBeNull();

    // Finished, the reply is one block again, copied whole from its one button.
    await panel.end();
    const [whole] = parts();
    expect(parts()).toHaveLength(1);
    expect(copyButtons(markdown)).toHaveLength(1);
    expect(await copiedBy(whole?.copy as HTMLButtonElement)).toBe(code);
  });
});

declare global {
  interface Window {
    __chatwireCodeRan?: number;
  }
}

describe('against the reference server', () => {
  it('a reply about code streams its block without a copy, then copies it exactly', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 30 });
    const screen = await render(<ChatWidget token={server.token} url={server.url} highlightCode />);
    await connected(screen);
    // Whenever the page changes, a block the caret is still in must have no copy button.
    let sawOpenBlock = false;
    let copyWhileOpen = false;
    const observer = new MutationObserver(() => {
      for (const { block, copy } of codeBlocks(screen.container)) {
        if (!block.querySelector('[data-slot="caret"]')) continue;
        sawOpenBlock = true;
        if (copy) copyWhileOpen = true;
      }
    });
    observer.observe(screen.container, { childList: true, subtree: true });
    await send(screen, 'Show me some code');
    const reply = () => screen.container.querySelector('[data-role="assistant"]');
    await expect
      .poll(() => reply()?.getAttribute('data-status'), { timeout: 10_000 })
      .toBe('complete');
    observer.disconnect();
    expect(sawOpenBlock).toBe(true);
    expect(copyWhileOpen).toBe(false);

    // What the server sent, token by token: the code is what its fence holds.
    const sent = (await server.frames()).sent.flatMap(({ frame }) =>
      frame.type === 'stream-token' ? [frame.token] : [],
    );
    const code = /```ts\n([\s\S]*?)\n```/.exec(sent.join(''))?.[1];
    expect(code).toContain('console.log');
    const [{ block, copy } = { block: undefined, copy: undefined }] = codeBlocks(
      reply() as Element,
    );
    await coloured(block);
    expect(await copiedBy(copy as HTMLButtonElement)).toBe(code);
  });
});
