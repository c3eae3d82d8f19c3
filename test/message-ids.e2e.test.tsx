/**
 * A server that numbers its replies per connection (`msg_1`, `msg_2`, … on each socket, as
 * the protocol document allows): <ChatWidget> in real Chromium against the reference server
 * set to do so. Every reply must show, whatever ids came before it: from stored history, an
 * earlier connection, another tab, or a reply streaming beside it.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { render } from 'vitest-browser-react';
import { ChatWidget } from '../src/index.ts';
import { startTestChatServer, type TestChatServer } from './support/chat-server.ts';
import { connected, send } from './support/widget.ts';

const FAST_RECONNECT = { minDelayMs: 10, maxDelayMs: 50, maxAttempts: 1_000 } as const;

type Screen = Awaited<ReturnType<typeof render>>;

const renderWidget = (server: TestChatServer) =>
  render(<ChatWidget token={server.token} url={server.url} reconnect={FAST_RECONNECT} />);

/** Each reply in the transcript as `status: text`. */
const replies = (root: ParentNode) =>
  [...root.querySelectorAll<HTMLElement>('[role="log"] [data-role="assistant"]')].map(
    (item) =>
      `${item.dataset.status}: ${item.querySelector('[data-slot="markdown"]')?.textContent}`,
  );

/** The demo responder's reply to `question`, as the markdown shows its text. */
const answerTo = (question: string) =>
  `complete: You asked: "${question}". Here is a demo answer from the chatwire reference server:point onepoint twoAsk me anything else.`;

const startServer = () => startTestChatServer({ tokenDelayMs: 5, messageIds: 'per-connection' });

async function ask(screen: Screen, question: string, repliesBefore: number) {
  await send(screen, question);
  await expect
    .poll(() => replies(screen.container).slice(repliesBefore))
    .toEqual([answerTo(question)]);
}

describe('replies from a server that numbers them per connection', () => {
  it('shows the reply after a reload, when the new connection uses the stored reply’s id again', async () => {
    const server = await startServer();
    const first = await renderWidget(server);
    await connected(first);
    await ask(first, 'Before the reload', 0);
    await first.unmount();

    const second = await renderWidget(server);
    await connected(second);
    await ask(second, 'After the reload', 1);
    expect(replies(second.container)).toEqual([
      answerTo('Before the reload'),
      answerTo('After the reload'),
    ]);
    const ids = (await server.frames()).sent.flatMap(({ frame }) =>
      frame.type === 'stream-start' ? [frame.messageId] : [],
    );
    expect(ids).toEqual(['msg_1', 'msg_1']);
  });

  it('shows the reply after a reconnect, and the one after that', async () => {
    const server = await startServer();
    const screen = await renderWidget(server);
    await connected(screen);
    await ask(screen, 'First connection', 0);
    await server.fault({ fault: 'dropAll' });
    await connected(screen);
    await ask(screen, 'Second connection', 1);
    await ask(screen, 'Still the second', 2);
    await server.fault({ fault: 'dropAll' });
    await connected(screen);
    await ask(screen, 'Third connection', 3);
    expect(screen.container.querySelectorAll('[data-slot="banner"]')).toHaveLength(0);
  });

  it('keeps two replies streaming side by side apart when both reuse earlier ids', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 15, messageIds: 'per-connection' });
    const screen = await renderWidget(server);
    await connected(screen);
    await ask(screen, 'Earlier one', 0);
    await ask(screen, 'Earlier two', 1);
    await server.fault({ fault: 'dropAll' });
    await connected(screen);
    // Sent at once: msg_1 and msg_2 of the new connection stream interleaved.
    await send(screen, 'Question A');
    await send(screen, 'Question B');
    await expect
      .poll(() => replies(screen.container))
      .toEqual([
        answerTo('Earlier one'),
        answerTo('Earlier two'),
        answerTo('Question A'),
        answerTo('Question B'),
      ]);
    const sent = (await server.frames()).sent.map(({ frame }) => frame.type);
    const starts = sent.flatMap((type, index) => (type === 'stream-start' ? [index] : []));
    const [startA = -1, startB = -1] = starts.slice(-2);
    // The two replies really overlapped: the second started before the first ended.
    expect(startB).toBeLessThan(sent.indexOf('stream-end', startA));
  });

  it('shows another tab’s reply with the same server id as this tab’s own', async () => {
    const server = await startServer();
    const here = await renderWidget(server);
    await connected(here);
    const otherTab = await openSecondTab(server);
    const other = otherTab.contentDocument as Document;
    await expect.poll(() => other.querySelector('[role="status"]')?.textContent).toBe('Connected');

    // Each tab has its own socket, so both replies are msg_1.
    await ask(here, 'Asked here', 0);
    const input = other.querySelector<HTMLTextAreaElement>('textarea');
    if (!input) throw new Error('the second tab has no composer');
    const setValue = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')?.set;
    setValue?.call(input, 'Asked there');
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));

    await expect
      .poll(() => replies(here.container))
      .toEqual([answerTo('Asked here'), answerTo('Asked there')]);
    await expect
      .poll(() => replies(other))
      .toEqual([answerTo('Asked here'), answerTo('Asked there')]);
  });
});

/** A same-origin frame running its own copy of the widget: a second tab, as storage sees it. */
async function openSecondTab(server: TestChatServer): Promise<HTMLIFrameElement> {
  const frame = document.createElement('iframe');
  const query = new URLSearchParams({ url: server.url, token: server.token });
  frame.src = `/test/fixtures/second-tab.html?${query}`;
  frame.style.cssText = 'width: 400px; height: 420px; border: 0';
  document.body.append(frame);
  onTestFinished(() => frame.remove());
  await new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
  return frame;
}
