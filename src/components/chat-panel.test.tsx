/**
 * The panel's behaviour in real Chromium, driven through a chat store (no socket): what the
 * user sees and can do, and that a streamed token re-renders only the reply it belongs to.
 */
import { describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import type { ClientFrame } from '../core/protocol.ts';
import { createChatStore } from '../core/store.ts';
import { ChatStoreProvider } from '../react/context.tsx';
import { ChatPanel } from './chat-panel.tsx';

function connectedStore() {
  const sent: ClientFrame[] = [];
  const store = createChatStore();
  store.actions.attachTransport((frame) => {
    sent.push(frame);
    return true;
  });
  store.actions.setConnectionStatus('open');
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
    await expect.element(screen.getByRole('button', { name: 'Send' })).toBeDisabled();
    await userEvent.keyboard('{Enter}');
    expect(sent).toEqual([]);
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

    store.actions.attachTransport((frame) => {
      sent.push(frame);
      return true;
    });
    store.actions.setConnectionStatus('open');
    await expect.element(message).toHaveAttribute('data-status', 'sent');
    expect(sent).toMatchObject([{ type: 'chat', content: 'hello later' }]);
  });
});

describe('long replies', () => {
  it('render in blocks that look exactly like the text in one piece', async () => {
    const paragraph = (index: number) =>
      `Paragraph ${index}: ${'words that wrap across the bubble '.repeat(6)}`;
    const text = Array.from({ length: 40 }, (_, index) => paragraph(index)).join('\n\n');
    const store = createChatStore();
    const timestamp = new Date().toISOString();
    store.actions.receive(JSON.stringify({ type: 'stream-start', messageId: 'long', timestamp }));
    store.actions.receive(
      JSON.stringify({ type: 'stream-token', messageId: 'long', token: text, timestamp }),
    );
    const screen = await render(
      <div style={{ height: 500, width: 400 }}>
        <ChatStoreProvider store={store}>
          <ChatPanel />
        </ChatStoreProvider>
      </div>,
    );
    await expect.element(screen.getByRole('log')).toBeVisible();
    const bubble = screen.container.querySelector('[data-role="assistant"] > div') as HTMLElement;
    expect(bubble.querySelectorAll(':scope > div').length).toBeGreaterThan(3);
    // Read as a person sees it (and copies it), the blocks give back the text exactly.
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, with the block breaks, is the point
    expect(bubble.innerText).toBe(text);

    // The same text in one piece, in a twin of the bubble, takes exactly the same height.
    const twin = bubble.cloneNode(false) as HTMLElement;
    twin.textContent = text;
    bubble.parentElement?.append(twin);
    expect(twin.getBoundingClientRect().height).toBe(bubble.getBoundingClientRect().height);
    twin.remove();
  });
});
