/**
 * A dropped connection, end to end: the widget notices, keeps the partial reply marked as
 * interrupted, reconnects on its own, and does not greet the user twice.
 */
import { describe, expect, it } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { ChatWidget } from '../src/index.ts';
import { startTestChatServer } from './support/chat-server.ts';

describe('ChatWidget after a dropped connection', () => {
  it('marks the cut reply interrupted, reconnects, and shows the greeting once', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 20 });
    await server.fault({ fault: 'setDropAfterTokens', tokens: 3 });
    const screen = await render(
      <ChatWidget
        token={server.token}
        url={server.url}
        reconnect={{ minDelayMs: 50, maxDelayMs: 200 }}
      />,
    );
    await expect
      .element(screen.getByRole('log').getByText('Connected to chatbot server'))
      .toBeVisible();

    await userEvent.fill(screen.getByRole('textbox', { name: 'Message' }), 'Tell me a story');
    await userEvent.keyboard('{Enter}');

    const reply = page
      .elementLocator(screen.container)
      .getByRole('listitem')
      .filter({ hasText: 'Assistant:' });
    await expect.element(reply).toHaveAttribute('data-status', 'interrupted');
    await expect.element(reply).toHaveTextContent('Reply interrupted by a lost connection.');
    const { sent } = await server.frames();
    const partial = sent
      .flatMap(({ frame }) => (frame.type === 'stream-token' ? [frame.token] : []))
      .join('');
    expect(partial.split(' ').filter(Boolean)).toHaveLength(3);
    await expect.element(reply).toHaveTextContent(partial.trim());

    await expect.element(screen.getByRole('status').filter({ hasText: 'Connected' })).toBeVisible();
    const frames = await server.frames();
    expect(frames.attempts).toBe(2);
    expect(frames.openConnections).toBe(1);
    expect(
      screen.getByRole('log').getByText('Connected to chatbot server').elements(),
    ).toHaveLength(1);
    // The message went out once, before the drop: it is not resent on reconnect.
    expect(
      frames.received.filter(({ frame }) => (frame as { type?: string }).type === 'chat'),
    ).toHaveLength(1);
  });
});
