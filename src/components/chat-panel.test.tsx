/**
 * The panel's behaviour in real Chromium, driven through a chat store (no socket): what the
 * user sees and can do, and that a streamed token re-renders only the reply it belongs to.
 */
import { describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { linkIn, transportOf } from '../../test/support/link-states.ts';
import type { ClientFrame } from '../core/protocol.ts';
import { createChatStore } from '../core/store.ts';
import { ChatStoreProvider } from '../react/context.tsx';
import { ChatPanel, type ChatPanelProps } from './chat-panel.tsx';

function connectedStore() {
  const sent: ClientFrame[] = [];
  const store = createChatStore();
  store.actions.attachTransport(
    transportOf((frame) => {
      sent.push(frame);
      return true;
    }),
  );
  store.actions.setConnection(linkIn('open'));
  return { store, sent };
}

describe('ChatPanel', () => {
  it('does not send while an IME composition is being confirmed with Enter', async () => {
    const { store, sent } = connectedStore();
    const screen = await render(
      <ChatStoreProvider store={store}>
        <ChatPanel />
      </ChatStoreProvider>,
    );
    const input = screen.getByRole('textbox', { name: 'Message' });
    await userEvent.fill(input, 'こんにちは');
    const element = input.element() as HTMLTextAreaElement;
    element.dispatchEvent(
      new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, isComposing: true }),
    );
    expect(sent).toEqual([]);
    await expect.element(input).toHaveValue('こんにちは');
    await userEvent.keyboard('{Enter}');
    expect(sent).toMatchObject([{ type: 'chat', content: 'こんにちは' }]);
  });

  it('keeps the Send button disabled for a blank draft and sends nothing', async () => {
    const { store, sent } = connectedStore();
    const screen = await render(
      <ChatStoreProvider store={store}>
        <ChatPanel />
      </ChatStoreProvider>,
    );
    await userEvent.fill(screen.getByRole('textbox', { name: 'Message' }), '   ');
    const send = screen.getByRole('button', { name: 'Send' });
    await expect.element(send).toBeDisabled();
    await userEvent.keyboard('{Enter}');
    expect(sent).toEqual([]);
    // Only a button that can be pressed shows the pointer.
    expect(getComputedStyle(send.element()).cursor).toBe('default');
    await userEvent.fill(screen.getByRole('textbox', { name: 'Message' }), 'Hello');
    await expect.element(send).toBeEnabled();
    expect(getComputedStyle(send.element()).cursor).toBe('pointer');
  });

  it('shows a message typed while disconnected as queued, then sends it when the connection opens', async () => {
    const sent: ClientFrame[] = [];
    const store = createChatStore();
    const screen = await render(
      <ChatStoreProvider store={store}>
        <ChatPanel />
      </ChatStoreProvider>,
    );
    await userEvent.fill(screen.getByRole('textbox', { name: 'Message' }), 'hello later');
    await userEvent.keyboard('{Enter}');
    const message = screen.getByRole('listitem').filter({ hasText: 'hello later' });
    await expect.element(message).toHaveAttribute('data-status', 'queued');
    expect(sent).toEqual([]);

    store.actions.attachTransport(
      transportOf((frame) => {
        sent.push(frame);
        return true;
      }),
    );
    store.actions.setConnection(linkIn('open'));
    await expect.element(message).toHaveAttribute('data-status', 'sent');
    expect(sent).toMatchObject([{ type: 'chat', content: 'hello later' }]);
  });
});

/** A store holding one assistant reply with `text`, still streaming unless `complete`. */
function storeWithReply(text: string, complete = false) {
  const store = createChatStore();
  const timestamp = new Date().toISOString();
  const frame = (payload: object) => JSON.stringify({ ...payload, messageId: 'long', timestamp });
  store.actions.receive(frame({ type: 'stream-start' }));
  store.actions.receive(frame({ type: 'stream-token', token: text }));
  if (complete) store.actions.receive(frame({ type: 'stream-end' }));
  return store;
}

/**
 * Streams `text` into the reply `storeWithReply` began, `chunk` characters at a time, letting
 * the panel render each: a long block is cut into parts as it streams, not when it arrives
 * whole.
 */
async function streamReply(store: ReturnType<typeof createChatStore>, text: string, chunk = 300) {
  const timestamp = new Date().toISOString();
  for (let at = 0; at < text.length; at += chunk) {
    const token = text.slice(at, at + chunk);
    store.actions.receive(
      JSON.stringify({ type: 'stream-token', messageId: 'long', token, timestamp }),
    );
    await new Promise(requestAnimationFrame);
  }
}

async function renderPanel(store: ReturnType<typeof createChatStore>, props: ChatPanelProps = {}) {
  const screen = await render(
    <div style={{ height: 500, width: 400 }}>
      <ChatStoreProvider store={store}>
        <ChatPanel {...props} />
      </ChatStoreProvider>
    </div>,
  );
  await expect.element(screen.getByRole('log')).toBeVisible();
  return screen;
}

/** Appends a twin of `element` holding `fill`'s content and returns its height, then removes it. */
function twinHeight(element: HTMLElement, fill: (twin: HTMLElement) => void): number {
  const twin = element.cloneNode(false) as HTMLElement;
  fill(twin);
  element.parentElement?.append(twin);
  const height = twin.getBoundingClientRect().height;
  twin.remove();
  return height;
}

describe('long replies', () => {
  it('as plain text, render in blocks that look exactly like the text in one piece', async () => {
    const paragraph = (index: number) =>
      `Paragraph ${index}: ${'words that wrap across the bubble '.repeat(6)}`;
    const text = Array.from({ length: 40 }, (_, index) => paragraph(index)).join('\n\n');
    const screen = await renderPanel(storeWithReply(text, true), { renderMarkdown: false });
    const plain = screen.container.querySelector('[data-slot="plain-text"]') as HTMLElement;
    expect(plain.querySelectorAll(':scope > div').length).toBeGreaterThan(3);
    // Read as a person sees it (and copies it), the blocks give back the text exactly.
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, with the block breaks, is the point
    expect(plain.innerText).toBe(text);
    // The same text in one piece, in a twin of the element, takes exactly the same height.
    const onePiece = twinHeight(plain, (twin) => {
      twin.textContent = text;
    });
    expect(onePiece).toBe(plain.getBoundingClientRect().height);
  });

  it('as markdown, cut one long paragraph into parts that look exactly like it in one piece', async () => {
    const lines = Array.from(
      { length: 300 },
      (_, index) => `Line ${index} of a long answer with **bold** words that wrap in the bubble`,
    );
    const text = lines.join('\n');
    const store = storeWithReply('');
    const screen = await renderPanel(store);
    await streamReply(store, text);
    const markdown = screen.container.querySelector('[data-slot="markdown"]') as HTMLElement;
    // Top-level blocks, in their layout groups.
    const parts = markdown.querySelectorAll(':scope > div > p');
    // Enough parts that finished ones sit in more than one layout group.
    expect(parts.length).toBeGreaterThan(16);
    expect(markdown.querySelectorAll('[data-slot="markdown-group"]').length).toBeGreaterThan(0);
    expect(markdown.querySelectorAll('p[data-continued]')).toHaveLength(parts.length - 1);
    // The caret follows the last word, inside the last part.
    expect(parts[parts.length - 1]?.querySelector('[data-slot="caret"]')).not.toBeNull();
    (markdown.querySelector('[data-slot="caret"]') as HTMLElement).style.display = 'none';
    // One paragraph with a line break per line, as the text reads in one piece.
    const onePiece = twinHeight(markdown, (twin) => {
      const paragraph = document.createElement('p');
      paragraph.innerHTML = lines
        .map((line) => line.replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>'))
        .join('<br>');
      twin.append(paragraph);
    });
    expect(onePiece).toBe(markdown.getBoundingClientRect().height);
  });

  it('as markdown, cut one long code block into parts that look exactly like it in one piece', async () => {
    const lines = Array.from({ length: 300 }, (_, index) => `const line${index} = ${index};`);
    const text = ['```ts', ...lines].join('\n');
    const store = storeWithReply('');
    const screen = await renderPanel(store);
    await streamReply(store, text);
    const markdown = screen.container.querySelector('[data-slot="markdown"]') as HTMLElement;
    const parts = markdown.querySelectorAll(':scope > div > pre');
    expect(parts.length).toBeGreaterThan(3);
    expect(parts[parts.length - 1]?.querySelector('[data-slot="caret"]')).not.toBeNull();
    (markdown.querySelector('[data-slot="caret"]') as HTMLElement).style.display = 'none';
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, with the block breaks, is the point
    expect(markdown.innerText).toBe(lines.join('\n'));
    const onePiece = twinHeight(markdown, (twin) => {
      const pre = parts[0]?.cloneNode(false) as HTMLElement;
      pre.removeAttribute('data-continues-below');
      pre.textContent = lines.join('\n');
      twin.append(pre);
    });
    expect(onePiece).toBe(markdown.getBoundingClientRect().height);
  });
});

describe('a streaming reply', () => {
  it('changes nothing in the transcript but itself, and the view follows it', async () => {
    const store = createChatStore();
    store.actions.receiveMany(finishedReplies(20, (index) => `Earlier reply ${index}.`));
    const timestamp = new Date().toISOString();
    store.actions.receive(JSON.stringify({ type: 'stream-start', messageId: 'long', timestamp }));
    const screen = await renderPanel(store);
    const log = screen.getByRole('log').element() as HTMLElement;
    await expect.poll(() => log.querySelectorAll('[role="listitem"]').length).toBe(21);
    const reply = log.querySelector('[data-status="streaming"]') as HTMLElement;
    const touched: Node[] = [];
    const observer = new MutationObserver((records) => {
      for (const record of records) touched.push(record.target);
    });
    observer.observe(log, {
      childList: true,
      subtree: true,
      characterData: true,
      attributes: true,
    });
    const lines = Array.from({ length: 40 }, (_, index) => `Line ${index} of the answer.\n\n`);
    await streamReply(store, lines.join(''), 25);
    observer.disconnect();
    expect(touched.length).toBeGreaterThan(0);
    expect(touched.filter((node) => !reply.contains(node))).toEqual([]);
    expect(reply.textContent).toContain('Line 39 of the answer.');
    await expect.poll(() => log.scrollHeight - log.scrollTop - log.clientHeight).toBeLessThan(2);
  });
});

describe('a markdown reply', () => {
  it('lays out each group of blocks on its own once it has several, and a short one not at all', async () => {
    const store = storeWithReply('Some **bold** text.\n\nA second paragraph.');
    const screen = await renderPanel(store);
    const markdown = screen.container.querySelector('[data-slot="markdown"]') as HTMLElement;
    const containment = () =>
      [...markdown.children].map((group) => getComputedStyle(group).contain);
    // One group gains nothing from being an island, and each island is a layer to the browser
    // that a long history's scroll frames repaint.
    expect(containment()).toEqual(['none']);
    const paragraphs = Array.from({ length: 60 }, (_, index) => `Paragraph ${index}.\n\n`);
    await streamReply(store, paragraphs.join(''), 40);
    await expect.poll(() => containment().length).toBeGreaterThan(1);
    expect(new Set(containment())).toEqual(new Set(['layout style']));
    const timestamp = new Date().toISOString();
    store.actions.receive(JSON.stringify({ type: 'stream-end', messageId: 'long', timestamp }));
    await expect.poll(() => markdown.textContent).toContain('Paragraph 59.');
    // Finished, it keeps its islands: nothing is laid out again all at once as it ends.
    expect(new Set(containment())).toEqual(new Set(['layout style']));
  });
});

describe('a long list', () => {
  it('as markdown, cut into parts that look exactly like it in one piece', async () => {
    const items = Array.from({ length: 150 }, (_, index) => `item number ${index} of the list`);
    const text = items.map((item) => `- ${item}`).join('\n');
    const store = storeWithReply('');
    const screen = await renderPanel(store);
    await streamReply(store, text);
    const markdown = screen.container.querySelector('[data-slot="markdown"]') as HTMLElement;
    const lists = markdown.querySelectorAll(':scope > div > ul');
    expect(lists.length).toBeGreaterThan(2);
    expect(markdown.querySelectorAll('li')).toHaveLength(150);
    (markdown.querySelector('[data-slot="caret"]') as HTMLElement).style.display = 'none';
    const onePiece = twinHeight(markdown, (twin) => {
      const list = lists[0]?.cloneNode(false) as HTMLElement;
      for (const item of items) {
        const entry = document.createElement('li');
        const span = document.createElement('span');
        span.textContent = item;
        entry.append(span);
        list.append(entry);
      }
      twin.append(list);
    });
    expect(onePiece).toBe(markdown.getBoundingClientRect().height);
  });
});

/** The frames of `count` finished replies, the one at `index` holding `textOf(index)`. */
function finishedReplies(
  count: number,
  textOf: (index: number) => string,
  idPrefix = 'm',
): string[] {
  const timestamp = new Date().toISOString();
  return Array.from({ length: count }, (_, index) => {
    const frame = (payload: object) =>
      JSON.stringify({ ...payload, messageId: `${idPrefix}${index}`, timestamp });
    return [
      frame({ type: 'stream-start' }),
      frame({ type: 'stream-token', token: textOf(index) }),
      frame({ type: 'stream-end' }),
    ];
  }).flat();
}

describe('a long history', () => {
  it('shows its latest messages at once, then fills in older ones in order, pinned to the bottom', async () => {
    const store = createChatStore();
    store.actions.receiveMany(finishedReplies(300, (index) => `Reply number ${index}.`));
    const screen = await renderPanel(store);
    const log = screen.getByRole('log').element() as HTMLElement;
    const shown = () => [...log.querySelectorAll('[data-role="assistant"]')];
    // The first render holds the latest messages only.
    expect(shown().length).toBeLessThan(300);
    expect(shown().at(-1)?.textContent).toContain('Reply number 299.');
    await expect.poll(() => shown().length, { timeout: 10_000 }).toBe(300);
    const numbers = shown().map((reply) =>
      Number(/Reply number (\d+)/.exec(reply.textContent ?? '')?.[1]),
    );
    expect(numbers).toEqual(Array.from({ length: 300 }, (_, index) => index));
    await expect.poll(() => log.scrollHeight - log.scrollTop - log.clientHeight).toBeLessThan(2);
  });

  it('is one list of messages to assistive tech, laid out in pages with no layer per message', async () => {
    const store = createChatStore();
    store.actions.receiveMany(finishedReplies(100, (index) => `Reply **number** ${index}.`));
    const screen = await renderPanel(store);
    const list = screen.getByRole('log').getByRole('list');
    await expect.poll(() => list.getByRole('listitem').elements().length).toBe(100);
    const log = screen.getByRole('log').element() as HTMLElement;
    const pages = [...log.querySelectorAll<HTMLElement>('[data-slot="message-page"]')];
    expect(pages.map((page) => page.children.length)).toEqual([40, 40, 20]);
    // A page is a layout island, so adding one lays out only that page...
    for (const page of pages) expect(getComputedStyle(page).contain).toBe('layout style');
    // ...and nothing inside it makes a layer per message, which every scroll frame that moves
    // the painted area would repaint.
    const perMessage = log.querySelectorAll<HTMLElement>(
      '[role="listitem"], [role="listitem"] > :first-child, [data-slot="markdown"] > *, [data-slot="timestamp"]',
    );
    expect(perMessage.length).toBe(400);
    for (const element of perMessage) {
      const style = getComputedStyle(element);
      expect(style.contain).toBe('none');
      expect(style.opacity).toBe('1');
      expect(style.position).toBe('static');
    }
    // The speaker's name, first in each message for screen readers, takes no room on screen.
    const message = list.getByRole('listitem').first().element();
    expect(message.firstElementChild?.textContent).toBe('Assistant:');
    const bubble = message.firstElementChild?.nextElementSibling as HTMLElement;
    expect(bubble.getBoundingClientRect().top).toBe(message.getBoundingClientRect().top);
  });

  it('shows timestamps while the transcript has keyboard focus', async () => {
    const screen = await renderPanel(storeWithReply('Hello.', true));
    const time = screen.container.querySelector('[data-slot="timestamp"]') as HTMLElement;
    const color = () => getComputedStyle(time).color;
    expect(color()).toBe('rgba(0, 0, 0, 0)');
    // Hidden from sight only: screen readers still read it.
    expect(getComputedStyle(time).visibility).toBe('visible');
    const log = screen.getByRole('log').element();
    for (let press = 0; press < 5 && document.activeElement !== log; press++) {
      await userEvent.keyboard('{Tab}');
    }
    expect(document.activeElement).toBe(log);
    await expect.poll(color).not.toBe('rgba(0, 0, 0, 0)');
    // chatwire's focus ring, drawn inside the scrolling log so nothing clips it.
    const ring = getComputedStyle(log);
    expect([ring.outlineStyle, ring.outlineWidth, ring.outlineOffset]).toEqual([
      'solid',
      '2px',
      '-2px',
    ]);
  });

  it('shows a history that arrives all at once after mounting the same way', async () => {
    const store = createChatStore();
    const screen = await renderPanel(store);
    const frames = finishedReplies(300, (index) => `Reply number ${index}.`);
    const log = screen.getByRole('log').element() as HTMLElement;
    const shown = () => log.querySelectorAll('[data-role="assistant"]').length;
    const counts: number[] = [];
    const observer = new MutationObserver(() => counts.push(shown()));
    observer.observe(log, { childList: true, subtree: true });
    store.actions.receiveMany(frames);
    await expect.poll(shown, { timeout: 10_000 }).toBe(300);
    observer.disconnect();
    // The first commit held the latest messages only, not all 300.
    expect(counts[0]).toBeLessThan(300);
  });

  it('shows a history that arrives at once after a clear the same way, even mid fill', async () => {
    const store = createChatStore();
    store.actions.receiveMany(finishedReplies(300, (index) => `Reply number ${index}.`));
    const screen = await renderPanel(store);
    const log = screen.getByRole('log').element() as HTMLElement;
    const shown = () => log.querySelectorAll('[data-role="assistant"]').length;
    // Cleared before the older messages have all filled in.
    expect(shown()).toBeLessThan(300);
    store.actions.clearHistory();
    await expect.poll(shown).toBe(0);
    const counts: number[] = [];
    const observer = new MutationObserver(() => counts.push(shown()));
    observer.observe(log, { childList: true, subtree: true });
    store.actions.receiveMany(finishedReplies(300, (index) => `Again ${index}.`, 'again'));
    await expect.poll(shown, { timeout: 10_000 }).toBe(300);
    observer.disconnect();
    expect(counts[0]).toBeLessThan(300);
  });
});
