/**
 * In real Chromium, through the store and ChatPanel: a generated markdown reply streamed in
 * cuts, rendered as it grows, ends with the same DOM as the same text rendered at once (as a
 * restored reply is), and the announcer says the words of the whole text.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { render } from 'vitest-browser-react';
import { ChatPanel } from '../src/components/chat-panel.tsx';
import { createChatStore } from '../src/core/store.ts';
import { ChatStoreProvider } from '../src/react/context.tsx';
import { linkIn } from './support/link-states.ts';
import { frameCuts, framesOf, markdownDocument } from './support/markdown-documents.ts';

const frame = (payload: object) =>
  JSON.stringify({ ...payload, timestamp: new Date().toISOString() });

/** A panel on a store of its own; `markdown()` is its reply's rendered markdown. */
async function mountPanel() {
  const store = createChatStore();
  store.actions.setConnection(linkIn('open'));
  const screen = await render(
    <ChatStoreProvider store={store}>
      <ChatPanel />
    </ChatStoreProvider>,
  );
  const within = screen.container;
  return {
    store,
    unmount: () => screen.unmount(),
    within,
    markdown: () => within.querySelector('[data-role="assistant"] [data-slot="markdown"]'),
    status: () => within.querySelector('[data-role="assistant"]')?.getAttribute('data-status'),
    announced: () => within.querySelector('[data-slot="announcer"]')?.textContent,
  };
}

/**
 * `node` as a tree of tags, attributes (in name order: an attribute React added on an update
 * comes last in the markup, and means the same) and text.
 */
function elementTree(node: Node): unknown {
  if (!(node instanceof Element)) return node.textContent;
  const attributes = [...node.attributes].map(({ name, value }) => `${name}=${value}`).sort();
  return { tag: node.tagName, attributes, children: [...node.childNodes].map(elementTree) };
}

/** What `node` shows a reader: its text, images as their alt text, nothing hidden or for screen readers only. */
function shownText(node: Node | null): string {
  if (node === null) return '';
  if (!(node instanceof Element)) return node.textContent ?? '';
  if (node.matches('[aria-hidden="true"], .cw\\:sr-only')) return '';
  if (node instanceof HTMLImageElement) return node.alt;
  return [...node.childNodes].map(shownText).join(' ');
}

const withoutSpace = (text: string) => text.replace(/\s+/g, '');

/** Lets React render what the store holds now: a frame of the page. */
const nextFrame = () => new Promise((resolve) => requestAnimationFrame(resolve));

it('a reply streamed in cuts ends with the DOM of its whole text, and is announced as it', async () => {
  await fc.assert(
    fc.asyncProperty(markdownDocument(6), frameCuts, async (text, cut) => {
      const streamed = await mountPanel();
      const receive = streamed.store.actions.receive;
      receive(frame({ type: 'stream-start', messageId: 'r1' }));
      const frames = framesOf(text, cut);
      // About 25 renders along the way, whatever the number of frames.
      const renderEvery = Math.max(1, Math.ceil(frames.length / 25));
      for (const [n, token] of frames.entries()) {
        receive(frame({ type: 'stream-token', messageId: 'r1', token }));
        if (n % renderEvery === 0) await nextFrame();
      }
      receive(frame({ type: 'stream-end', messageId: 'r1' }));
      await expect.poll(streamed.status).toBe('complete');
      await expect.poll(streamed.announced, { timeout: 5000 }).toMatch(/^Assistant: /);
      await nextFrame();
      // The announcer says what the reply shows: the same characters as the rendered text
      // (an image read as its alt text), whitespace aside.
      expect(withoutSpace(streamed.announced()?.replace(/^Assistant: /, '') ?? '')).toBe(
        withoutSpace(shownText(streamed.markdown())),
      );
      const streamedTree = elementTree(streamed.markdown() ?? document.createTextNode(''));
      await streamed.unmount();

      const whole = await mountPanel();
      whole.store.actions.receive(frame({ type: 'stream-start', messageId: 'r1' }));
      whole.store.actions.receive(frame({ type: 'stream-token', messageId: 'r1', token: text }));
      whole.store.actions.receive(frame({ type: 'stream-end', messageId: 'r1' }));
      await expect.poll(whole.status).toBe('complete');
      await nextFrame();
      const wholeTree = elementTree(whole.markdown() ?? document.createTextNode(''));
      await whole.unmount();
      expect(streamedTree).toMatchObject({ tag: 'DIV' });
      expect(streamedTree).toEqual(wholeTree);
    }),
    { numRuns: 25 },
  );
}, 120_000);
