/**
 * The actions on messages, in real Chromium against the reference server: Stop (the button and
 * Escape), Copy reply, Good/Bad reply, Ask again on the last reply and Edit on the last message.
 */
import { describe, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import type { AssistantMessage, ReplyFeedback } from '../src/index.ts';
import { ChatWidget, type ChatWidgetProps } from '../src/index.ts';
import { startTestChatServer, type TestChatServer } from './support/chat-server.ts';
import { chatContents, connected, send } from './support/widget.ts';

type Screen = Awaited<ReturnType<typeof render>>;

/** A widget on its own key in sessionStorage, so a test's history is its own. */
function renderWidget(server: TestChatServer, props: Partial<ChatWidgetProps> = {}) {
  return render(
    <ChatWidget
      token={server.token}
      url={server.url}
      storage="session"
      historyKey={`actions-${server.id}`}
      {...props}
    />,
  );
}

const replyItems = (screen: Screen) =>
  [...screen.container.querySelectorAll<HTMLElement>('[role="log"] [data-role="assistant"]')].map(
    (item) => ({
      status: item.dataset.status,
      text: item.querySelector('[data-slot="markdown"]')?.textContent ?? '',
    }),
  );

/** The demo reply's text as its markdown shows it (without the markup). */
const shownAnswerTo = (question: string) =>
  `You asked: "${question}". Here is a demo answer from the chatwire reference server:point onepoint twoAsk me anything else.`;

async function askAndWait(screen: Screen, question: string) {
  const before = replyItems(screen).length;
  await send(screen, question);
  await expect
    .poll(() => replyItems(screen)[before], { timeout: 5_000 })
    .toEqual({ status: 'complete', text: shownAnswerTo(question) });
}

/** The last reply exactly as the server streamed it: its markdown source, token by token. */
async function lastStreamed(server: TestChatServer): Promise<string> {
  const { sent } = await server.frames();
  const last = sent.findLast(({ frame }) => frame.type === 'stream-start')?.frame;
  if (last?.type !== 'stream-start') return '';
  return sent
    .flatMap(({ frame }) =>
      frame.type === 'stream-token' && frame.messageId === last.messageId ? [frame.token] : [],
    )
    .join('');
}

/** What the panel's polite announcer says now. */
const announced = (screen: Screen) =>
  screen.container.querySelector('[data-slot="announcer"]')?.textContent;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Stop', () => {
  it('keeps the text so far, declines the rest without a problem, and the next message goes at once', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 80 });
    const onProblem = vi.fn();
    const onReplyComplete = vi.fn();
    const screen = await renderWidget(server, { onProblem, onReplyComplete });
    await connected(screen);
    await send(screen, 'Tell me a long story');
    const stop = screen.getByRole('button', { name: 'Stop' });
    await expect.element(stop).toBeVisible();
    await expect.poll(() => replyItems(screen)[0]?.text.length ?? 0).toBeGreaterThan(10);
    await stop.click();

    await expect.poll(() => replyItems(screen)[0]?.status).toBe('stopped');
    const kept = replyItems(screen)[0]?.text ?? '';
    await expect
      .element(screen.getByRole('log').getByText('Stopped.', { exact: true }))
      .toBeVisible();
    await expect.element(stop).not.toBeInTheDocument();
    // Focus went on to the composer, where the user writes next.
    expect(document.activeElement).toBe(screen.getByRole('textbox', { name: 'Message' }).element());

    // The server goes on generating (there is no cancel frame); none of it shows.
    await expect
      .poll(
        async () => (await server.frames()).sent.some(({ frame }) => frame.type === 'stream-end'),
        {
          timeout: 10_000,
        },
      )
      .toBe(true);
    await sleep(100);
    expect(replyItems(screen)[0]).toEqual({ status: 'stopped', text: kept });
    expect(onProblem).not.toHaveBeenCalled();
    expect(screen.container.querySelector('[data-slot="banner"]')).toBeNull();
    expect(onReplyComplete).toHaveBeenCalledWith(
      expect.objectContaining({ status: 'stopped' }),
      'stopped',
    );

    await send(screen, 'Next question');
    await expect
      .poll(() => replyItems(screen)[1], { timeout: 10_000 })
      .toEqual({ status: 'complete', text: shownAnswerTo('Next question') });
  });

  it('stops with Escape in the composer, and the stopped reply stays stopped after a reload', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 80 });
    const screen = await renderWidget(server);
    await connected(screen);
    await send(screen, 'Another long one');
    await expect.poll(() => replyItems(screen)[0]?.text.length ?? 0).toBeGreaterThan(5);
    await userEvent.click(screen.getByRole('textbox', { name: 'Message' }));
    await userEvent.keyboard('{Escape}');
    await expect.poll(() => replyItems(screen)[0]?.status).toBe('stopped');
    const kept = replyItems(screen)[0]?.text;
    await screen.unmount();

    const reloaded = await renderWidget(server);
    await connected(reloaded);
    await expect.poll(() => replyItems(reloaded)).toEqual([{ status: 'stopped', text: kept }]);
  });
});

describe('Copy reply', () => {
  it('puts the reply as written, its markdown, on the clipboard and says so', async () => {
    const server = await startTestChatServer();
    const screen = await renderWidget(server);
    await connected(screen);
    await askAndWait(screen, 'What is chatwire?');
    await screen.getByRole('button', { name: 'Copy reply' }).click();
    const source = await lastStreamed(server);
    expect(source).toContain('**demo**');
    await expect.poll(() => navigator.clipboard.readText()).toBe(source);
    await expect.poll(() => announced(screen)).toBe('Copied');
  });

  it('falls back to the selection where the Clipboard API refuses, and says when that fails too', async () => {
    const server = await startTestChatServer();
    const screen = await renderWidget(server);
    await connected(screen);
    await askAndWait(screen, 'Fallback please');
    const writeText = vi
      .spyOn(navigator.clipboard, 'writeText')
      .mockRejectedValue(new DOMException('Refused', 'NotAllowedError'));
    try {
      await screen.getByRole('button', { name: 'Copy reply' }).click();
      const source = await lastStreamed(server);
      await expect.poll(() => navigator.clipboard.readText()).toBe(source);
      const execCommand = vi.spyOn(document, 'execCommand').mockReturnValue(false);
      const copyButton = screen.getByRole('button', { name: 'Copy reply' });
      // Once it reads as itself again, the next copy's outcome is told afresh.
      await expect.element(copyButton, { timeout: 5_000 }).toHaveAttribute('data-state', 'idle');
      await copyButton.click();
      await expect.poll(() => announced(screen)).toBe('Could not copy');
      execCommand.mockRestore();
    } finally {
      writeText.mockRestore();
    }
  });
});

describe('Feedback', () => {
  it('offers nothing without onFeedback', async () => {
    const server = await startTestChatServer();
    const screen = await renderWidget(server);
    await connected(screen);
    await askAndWait(screen, 'No rating');
    expect(screen.container.querySelector('[data-slot="feedback-up"]')).toBeNull();
  });

  it('rates a reply, changes and takes back the rating, and keeps it after a reload', async () => {
    const server = await startTestChatServer();
    const ratings: [string, ReplyFeedback | null][] = [];
    const onFeedback = (reply: AssistantMessage, feedback: ReplyFeedback | null) =>
      ratings.push([reply.text, feedback]);
    const screen = await renderWidget(server, { onFeedback });
    await connected(screen);
    await askAndWait(screen, 'Rate me');
    const good = screen.getByRole('button', { name: 'Good reply' });
    const bad = screen.getByRole('button', { name: 'Bad reply' });
    await expect.element(good).toHaveAttribute('aria-pressed', 'false');
    await good.click();
    await expect.element(good).toHaveAttribute('aria-pressed', 'true');
    await bad.click();
    await expect.element(bad).toHaveAttribute('aria-pressed', 'true');
    await expect.element(good).toHaveAttribute('aria-pressed', 'false');
    await bad.click();
    await expect.element(bad).toHaveAttribute('aria-pressed', 'false');
    await good.click();
    const answer = await lastStreamed(server);
    expect(ratings).toEqual([
      [answer, 'up'],
      [answer, 'down'],
      [answer, null],
      [answer, 'up'],
    ]);
    await screen.unmount();

    const reloaded = await renderWidget(server, { onFeedback });
    await expect
      .element(reloaded.getByRole('button', { name: 'Good reply' }))
      .toHaveAttribute('aria-pressed', 'true');
  });
});

describe('Ask again and Edit', () => {
  it('asks the last question again as a new message, the old reply kept; only on the last reply', async () => {
    const server = await startTestChatServer();
    const screen = await renderWidget(server);
    await connected(screen);
    await askAndWait(screen, 'First question');
    await askAndWait(screen, 'Second question');
    const askAgain = screen.getByRole('button', { name: 'Ask again' });
    expect(askAgain.elements()).toHaveLength(1);
    await askAgain.click();
    await expect
      .poll(() => replyItems(screen).map((reply) => reply.text), { timeout: 5_000 })
      .toEqual([
        shownAnswerTo('First question'),
        shownAnswerTo('Second question'),
        shownAnswerTo('Second question'),
      ]);
    expect(chatContents((await server.frames()).received)).toEqual([
      'First question',
      'Second question',
      'Second question',
    ]);
  });

  it('puts the last message back in the composer, focused, to change and send', async () => {
    const server = await startTestChatServer();
    const screen = await renderWidget(server);
    await connected(screen);
    await askAndWait(screen, 'Typo in this questoin');
    const edit = screen.getByRole('button', { name: 'Edit' });
    expect(edit.elements()).toHaveLength(1);
    await edit.click();
    const input = screen.getByRole('textbox', { name: 'Message' });
    await expect.element(input).toHaveValue('Typo in this questoin');
    await expect.element(input).toHaveFocus();
  });
});
