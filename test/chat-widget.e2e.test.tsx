/**
 * The whole path, end to end: <ChatWidget> in real Chromium talking to the real reference
 * server. No socket mocks: what the server logs is what went over the wire.
 */
import { describe, expect, it } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { ChatWidget } from '../src/index.ts';
import { startTestChatServer } from './support/chat-server.ts';
import { shownWordsOf, wordsOf } from './support/reply-words.ts';

/** The first assistant reply in the transcript, found again on every retry of an assertion. */
const assistantReply = (container: HTMLElement) =>
  page
    .elementLocator(container)
    .getByRole('log')
    .getByRole('listitem')
    .filter({ hasText: 'Assistant:' })
    .first();

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('ChatWidget against the reference server', () => {
  it('streams a reply, escalates to a human, and sends exactly the protocol frames', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 10 });
    const screen = await render(<ChatWidget token={server.token} url={server.url} />);

    await expect.element(screen.getByRole('status').filter({ hasText: 'Connected' })).toBeVisible();
    await expect
      .element(screen.getByRole('log').getByText('Connected to chatbot server'))
      .toBeVisible();

    const input = screen.getByRole('textbox', { name: 'Message' });
    await userEvent.fill(input, 'What can chatwire do?');
    await userEvent.keyboard('{Enter}');
    await expect.element(input).toHaveValue('');

    const reply = assistantReply(screen.container);
    await expect.element(reply).toHaveAttribute('data-status', 'streaming');
    await expect.element(reply).toHaveAttribute('data-status', 'complete');

    const { sent } = await server.frames();
    const tokens = sent.flatMap(({ frame }) =>
      frame.type === 'stream-token' ? [frame.token] : [],
    );
    expect(tokens.length).toBeGreaterThan(5);
    // Every streamed word is shown, in order, with the markdown rendered rather than printed.
    expect(shownWordsOf(reply.element())).toEqual(wordsOf(tokens.join('')));
    expect(reply.element().querySelector('strong')?.textContent).toBe('demo');
    expect(reply.element().querySelectorAll('li')).toHaveLength(2);

    const escalate = screen.getByRole('button', { name: 'Talk to a human' });
    await escalate.click();
    await screen.getByRole('button', { name: 'Ask for a person' }).click();
    await expect
      .element(screen.getByRole('log').getByText('A human agent will contact you soon.'))
      .toBeVisible();
    await expect
      .element(screen.getByRole('button', { name: 'A person is on the way' }))
      .toHaveAttribute('data-state', 'acknowledged');

    const { received } = await server.frames();
    const frames = received.map(({ frame }) => frame);
    expect(frames).toEqual([
      {
        type: 'chat',
        content: 'What can chatwire do?',
        timestamp: expect.stringMatching(ISO_TIMESTAMP),
      },
      {
        type: 'human-escalation',
        reason: 'Need human assistance',
        timestamp: expect.stringMatching(ISO_TIMESTAMP),
      },
    ]);
    for (const frame of frames) expect(Object.keys(frame as object)).toHaveLength(3);
  });

  it('sends with the Send button, and Shift+Enter makes a new line instead of sending', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 0 });
    const screen = await render(<ChatWidget token={server.token} url={server.url} />);
    await expect
      .element(screen.getByRole('log').getByText('Connected to chatbot server'))
      .toBeVisible();

    const input = screen.getByRole('textbox', { name: 'Message' });
    await input.click();
    await userEvent.keyboard('first line{Shift>}{Enter}{/Shift}second line');
    await expect.element(input).toHaveValue('first line\nsecond line');
    await screen.getByRole('button', { name: 'Send' }).click();

    await expect
      .element(assistantReply(screen.container))
      .toHaveAttribute('data-status', 'complete');
    const { received } = await server.frames();
    expect(received.map(({ frame }) => frame)).toEqual([
      {
        type: 'chat',
        content: 'first line\nsecond line',
        timestamp: expect.stringMatching(ISO_TIMESTAMP),
      },
    ]);
  });

  it('does not send an expired token: it shows "Session expired" and makes no attempt', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 0 });
    const expiredToken = await server.mintToken(-60);
    const screen = await render(<ChatWidget token={expiredToken} url={server.url} />);
    await expect.element(screen.getByRole('alert')).toHaveTextContent('Your session has expired');
    await expect
      .element(screen.getByRole('status').filter({ hasText: 'Session expired' }))
      .toBeVisible();
    expect((await server.frames()).attempts).toBe(0);
  });

  it('shows a token the server refuses as an alert and stops instead of retrying with it', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 0 });
    const authErrors: string[] = [];
    // Retries, were there any, would come within 20 ms.
    const screen = await render(
      <ChatWidget
        token="not-a-real-token"
        url={server.url}
        reconnect={{ minDelayMs: 10, maxDelayMs: 20 }}
        onAuthError={(problem) => authErrors.push(problem)}
      />,
    );
    await expect.element(screen.getByRole('alert').first()).toBeVisible();
    await expect.element(screen.getByText(/Authentication failed/)).toBeVisible();
    await expect
      .element(screen.getByRole('status').filter({ hasText: 'Sign-in required' }))
      .toBeVisible();
    // Absence can only be shown by waiting: give a retry fifteen times the time it would need.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await server.frames()).attempts).toBe(1);
    expect(authErrors).toEqual(['rejected']);
  });

  it('in launcher mode, chats from the panel and counts replies that finish while it is closed', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 20 });
    const screen = await render(
      <ChatWidget token={server.token} url={server.url} mode="launcher" />,
    );
    const launcher = page.getByRole('button', { name: 'Open chat' });
    await launcher.click();
    const dialog = page.getByRole('dialog', { name: 'Chat' });
    await expect
      .element(dialog.getByRole('log').getByText('Connected to chatbot server'))
      .toBeVisible();

    await userEvent.fill(
      dialog.getByRole('textbox', { name: 'Message' }),
      'Answer while I am away',
    );
    await userEvent.keyboard('{Enter}');
    // Close at once: the reply streams in while the panel is shut. (Escape in the composer
    // would stop a reply that is streaming, so it is pressed from the next control.)
    await userEvent.keyboard('{Tab}{Escape}');
    await expect.element(dialog).not.toBeInTheDocument();
    await expect
      .element(page.getByRole('button', { name: 'Open chat, 1 unread reply' }))
      .toBeVisible();

    await page.getByRole('button', { name: 'Open chat, 1 unread reply' }).click();
    const reply = page.getByRole('dialog').getByRole('listitem').filter({ hasText: 'Assistant:' });
    await expect.element(reply).toHaveAttribute('data-status', 'complete');
    await expect.element(page.getByRole('button', { name: 'Open chat' })).toBeInTheDocument();
    expect(screen.container.isConnected).toBe(true);
  });
});
