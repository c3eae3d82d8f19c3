/**
 * Streamed tokens reach the store in per-frame batches: a fast stream from the reference
 * server causes far fewer store updates (and so renders) than it has tokens, and the text
 * still ends up exactly as sent.
 */
import { expect, it } from 'vitest';
import { render } from 'vitest-browser-react';
import { selectConnectionStatus } from '../src/core/selectors.ts';
import { type ChatStore, createChatStore } from '../src/core/store.ts';
import { useChatConnection } from '../src/react/use-connection.ts';
import { startTestChatServer } from './support/chat-server.ts';

/** Only the connection, with no UI: the test reads the store directly. */
function Connection({ store, url, token }: { store: ChatStore; url: string; token: string }) {
  useChatConnection(store, { url, token });
  return null;
}

it('applies a fast token stream in far fewer store updates than tokens', async () => {
  const server = await startTestChatServer({ tokenDelayMs: 0 });
  const store = createChatStore();
  await render(<Connection store={store} url={server.url} token={server.token} />);
  await expect.poll(() => selectConnectionStatus(store.getState())).toBe('open');

  let updates = 0;
  const unsubscribe = store.subscribe(() => updates++);
  store.actions.sendMessage('Stream as fast as you can');
  await expect
    .poll(() =>
      store
        .getState()
        .messageIds.some(
          (id) =>
            store.getState().messagesById[id]?.role === 'assistant' &&
            (store.getState().messagesById[id] as { status: string }).status === 'complete',
        ),
    )
    .toBe(true);
  unsubscribe();

  const { sent } = await server.frames();
  const tokens = sent.flatMap(({ frame }) => (frame.type === 'stream-token' ? [frame.token] : []));
  const reply = Object.values(store.getState().messagesById).find(
    (message) => message.role === 'assistant',
  );
  expect(reply?.text).toBe(tokens.join(''));
  console.info(`[figure] ${tokens.length} tokens applied in ${updates} store updates`);
  expect(updates).toBeLessThan(tokens.length / 2);
});

it('updates the store at most once per animation frame while tokens stream', async () => {
  // Tokens a few milliseconds apart: several to a frame, over a dozen frames or more.
  const server = await startTestChatServer({ tokenDelayMs: 8 });
  const store = createChatStore();
  await render(<Connection store={store} url={server.url} token={server.token} />);
  await expect.poll(() => selectConnectionStatus(store.getState())).toBe('open');

  const question = Array.from({ length: 20 }, (_, index) => `word${index}`).join(' ');
  let frames = 0;
  let counting = true;
  const countFrames = () => {
    frames++;
    if (counting) requestAnimationFrame(countFrames);
  };
  let updates = 0;
  const unsubscribe = store.subscribe(() => updates++);
  requestAnimationFrame(countFrames);
  store.actions.sendMessage(question);
  const isComplete = () =>
    Object.values(store.getState().messagesById).some(
      (message) => message.role === 'assistant' && message.status === 'complete',
    );
  await expect.poll(isComplete, { timeout: 10_000 }).toBe(true);
  counting = false;
  unsubscribe();

  const { sent } = await server.frames();
  const tokens = sent.filter(({ frame }) => frame.type === 'stream-token').length;
  console.info(`[figure] ${tokens} tokens over ${frames} animation frames: ${updates} updates`);
  expect(frames).toBeGreaterThan(5);
  // One update per frame of tokens, plus the few frames applied at once: the user's message,
  // stream-start, stream-end, and a link tick or two.
  expect(updates).toBeLessThanOrEqual(frames + 5);
});
