/**
 * The live announcer and the launcher's unread badge hear the same events from the store, so
 * a reply that went quiet (interrupted as stalled) and then resumed and finished is announced
 * once and counted once. Before the store said what happened, each diffed state on its own:
 * the badge counted this reply and the announcer never said it.
 */
import { expect, it } from 'vitest';
import { render } from 'vitest-browser-react';
import { ChatLauncher } from '../src/components/chat-launcher.tsx';
import { ChatPanel } from '../src/components/chat-panel.tsx';
import { createChatStore } from '../src/core/store.ts';
import { ChatStoreProvider } from '../src/react/context.tsx';
import { linkIn } from './support/link-states.ts';

const frame = (payload: object, at: Date) =>
  JSON.stringify({ ...payload, timestamp: at.toISOString() });

it('announces and counts a reply that stalled, resumed and finished exactly once', async () => {
  const clock = { time: new Date() };
  const store = createChatStore({ now: () => clock.time });
  store.actions.setConnection(linkIn('open'));
  const screen = await render(
    <ChatStoreProvider store={store}>
      <ChatLauncher>
        <ChatPanel />
      </ChatLauncher>
    </ChatStoreProvider>,
  );
  const polite = () => document.querySelector('[data-slot="announcer"]')?.textContent ?? '';
  // The launcher is closed: the panel's announcer is not mounted, so a second one is.
  const announcer = await render(
    <ChatStoreProvider store={store}>
      <ChatPanel />
    </ChatStoreProvider>,
  );

  store.actions.receive(frame({ type: 'stream-start', messageId: 'r1' }, clock.time));
  store.actions.receive(
    frame({ type: 'stream-token', messageId: 'r1', token: 'Half ' }, clock.time),
  );
  // Nothing for two minutes: the reply is marked interrupted, as stalled.
  clock.time = new Date(clock.time.getTime() + 120_000);
  store.actions.checkStalledStreams(60_000);
  const reply = () =>
    Object.values(store.getState().messagesById).find((m) => m.role === 'assistant');
  expect(reply()).toMatchObject({ status: 'interrupted', interruption: 'stalled' });
  // It was only slow: the rest comes, and it ends.
  store.actions.receive(
    frame({ type: 'stream-token', messageId: 'r1', token: 'done.' }, clock.time),
  );
  store.actions.receive(frame({ type: 'stream-end', messageId: 'r1' }, clock.time));
  expect(reply()).toMatchObject({ status: 'complete', text: 'Half done.' });

  await expect.poll(polite).toBe('Assistant: Half done.');
  await expect
    .element(screen.getByRole('button', { name: /open chat/i }))
    .toHaveAccessibleName('Open chat, 1 unread reply');
  await announcer.unmount();
  await screen.unmount();
});
