/**
 * What screen readers hear, in real Chromium: a finished reply once, as its words rather than
 * its markup; nothing word by word while it streams; a server notice politely; a lost
 * connection assertively.
 */
import { expect, it } from 'vitest';
import { render } from 'vitest-browser-react';
import { linkIn } from '../../test/support/link-states.ts';
import { createChatStore } from '../core/store.ts';
import { ChatStoreProvider } from '../react/context.tsx';
import { ChatPanel, type ChatPanelProps } from './chat-panel.tsx';

const timestamp = () => new Date().toISOString();
const frame = (payload: object) => JSON.stringify({ ...payload, timestamp: timestamp() });

async function renderPanel(props: ChatPanelProps = {}) {
  const store = createChatStore();
  store.actions.setConnection(linkIn('open'));
  const screen = await render(
    <ChatStoreProvider store={store}>
      <ChatPanel {...props} />
    </ChatStoreProvider>,
  );
  const polite = () => document.querySelector('[data-slot="announcer"]');
  const assertive = () => document.querySelector('[data-slot="announcer-urgent"]');
  return { store, screen, polite, assertive };
}

it('announces a finished reply once, as its words, and nothing while it streams', async () => {
  const { store, polite } = await renderPanel();
  expect(polite()?.getAttribute('aria-live')).toBe('polite');
  store.actions.receive(frame({ type: 'stream-start', messageId: 'r1' }));
  store.actions.receive(
    frame({ type: 'stream-token', messageId: 'r1', token: 'Use **bold** and [the guide]' }),
  );
  await new Promise((resolve) => setTimeout(resolve, 600));
  expect(polite()?.textContent).toBe('');

  store.actions.receive(
    frame({ type: 'stream-token', messageId: 'r1', token: '(https://example.com) `now`.' }),
  );
  store.actions.receive(frame({ type: 'stream-end', messageId: 'r1' }));
  await expect.poll(() => polite()?.textContent).toBe('Assistant: Use bold and the guide now.');
});

it('announces replies as written when markdown is off', async () => {
  const { store, polite } = await renderPanel({ renderMarkdown: false });
  store.actions.receive(frame({ type: 'stream-start', messageId: 'r1' }));
  store.actions.receive(frame({ type: 'stream-token', messageId: 'r1', token: 'Use **this**' }));
  store.actions.receive(frame({ type: 'stream-end', messageId: 'r1' }));
  await expect.poll(() => polite()?.textContent).toBe('Assistant: Use **this**');
});

it('announces a server notice politely and a lost connection assertively', async () => {
  const { store, polite, assertive } = await renderPanel();
  store.actions.receive(frame({ type: 'connection', message: 'Welcome to support.' }));
  await expect.poll(() => polite()?.textContent).toBe('Welcome to support.');

  store.actions.setConnection(linkIn('reconnecting'));
  await expect.poll(() => assertive()?.textContent).not.toBe('');
  expect(assertive()?.getAttribute('aria-live')).toBe('assertive');
  store.actions.setConnection(linkIn('open'));
  await expect.poll(() => assertive()?.textContent).toBe('');
});

it('announces that the conversation was cleared', async () => {
  const { store, polite } = await renderPanel();
  store.actions.clearHistory();
  await expect.poll(() => polite()?.textContent).toBe('Conversation cleared');
});
