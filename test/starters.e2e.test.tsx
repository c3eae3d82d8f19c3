/**
 * Starters and the welcome, end to end: <ChatWidget> in real Chromium against the reference
 * server. A starter is sent as an ordinary `chat` frame and answered like a typed message;
 * the empty state (welcome, starters) lasts until something is said, ignoring the server's
 * greeting, and comes back after "Clear conversation". Bad starters cost a warning, not the
 * widget.
 */
import { describe, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { ChatWidget } from '../src/index.ts';
import { startTestChatServer, type TestChatServer } from './support/chat-server.ts';
import { chatContents, connected, send } from './support/widget.ts';

type Screen = Awaited<ReturnType<typeof render>>;

const STARTERS = ['How do I reset my password?', 'Where is my order?'];

const WELCOME = <p>Hi! I answer questions about your account.</p>;

const startersOf = (screen: Screen) => screen.getByRole('group', { name: 'Suggestions' });

/** The starters offered, in order. */
const starterTexts = (screen: Screen) =>
  startersOf(screen)
    .getByRole('button')
    .elements()
    .map((button) => button.textContent);

/** The transcript's replies, found again on every retry of an assertion. */
const replies = (screen: Screen) =>
  screen.getByRole('log').getByRole('listitem').filter({ hasText: 'Assistant:' });

const receivedChats = async (server: TestChatServer) =>
  chatContents((await server.frames()).received);

async function clearConversation(screen: Screen) {
  await screen.getByRole('button', { name: 'Conversation options' }).click();
  await screen.getByRole('menuitem', { name: 'Clear conversation' }).click();
}

describe('starters and the welcome against the reference server', () => {
  it('sends a clicked starter as a chat frame, streams its reply, and offers the starters again after a clear', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 5 });
    const screen = await render(
      <ChatWidget token={server.token} url={server.url} starters={STARTERS} welcome={WELCOME} />,
    );
    await connected(screen);
    // The server's greeting is in the transcript, and the conversation still counts as empty.
    await expect
      .element(screen.getByRole('log').getByText('Connected to chatbot server'))
      .toBeVisible();
    await expect.element(startersOf(screen)).toBeVisible();
    expect(starterTexts(screen)).toEqual(STARTERS);

    await startersOf(screen).getByRole('button', { name: 'Where is my order?' }).click();
    await expect.poll(() => receivedChats(server)).toEqual(['Where is my order?']);
    const { received } = await server.frames();
    expect(received.map(({ frame }) => frame)).toEqual([
      { type: 'chat', content: 'Where is my order?', timestamp: expect.any(String) },
    ]);
    await expect.element(replies(screen)).toHaveAttribute('data-status', 'complete');
    await expect.element(replies(screen)).toHaveTextContent('You asked: "Where is my order?"');
    await expect.element(startersOf(screen)).not.toBeInTheDocument();
    await expect
      .element(screen.getByText('Hi! I answer questions about your account.'))
      .not.toBeInTheDocument();
    await expect.element(screen.getByRole('textbox', { name: 'Message' })).toHaveFocus();

    await clearConversation(screen);
    await expect.element(startersOf(screen)).toBeVisible();
    await expect
      .element(screen.getByText('Hi! I answer questions about your account.'))
      .toBeVisible();
    // A second starter after the clear goes out just the same.
    await startersOf(screen).getByRole('button', { name: 'How do I reset my password?' }).click();
    await expect
      .poll(() => receivedChats(server))
      .toEqual(['Where is my order?', 'How do I reset my password?']);
    await expect.element(startersOf(screen)).not.toBeInTheDocument();
  });

  it('hides the starters once the user types a message of their own', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 5 });
    const screen = await render(
      <ChatWidget token={server.token} url={server.url} starters={STARTERS} />,
    );
    await connected(screen);
    await expect.element(startersOf(screen)).toBeVisible();
    await send(screen, 'Something else entirely');
    await expect.element(startersOf(screen)).not.toBeInTheDocument();
    await expect.element(replies(screen)).toHaveAttribute('data-status', 'complete');
    expect(await receivedChats(server)).toEqual(['Something else entirely']);
  });

  it('shows the welcome in place of the empty text, beside the server’s greeting', async () => {
    const server = await startTestChatServer();
    const screen = await render(
      <ChatWidget token={server.token} url={server.url} welcome={WELCOME} />,
    );
    await connected(screen);
    const log = screen.getByRole('log');
    await expect.element(log.getByText('Connected to chatbot server')).toBeVisible();
    await expect.element(log.getByText('Hi! I answer questions about your account.')).toBeVisible();
    await expect.element(log).not.toHaveTextContent('Ask anything to get started.');
    // No starters were given: no empty group is left for screen readers to find.
    await expect.element(startersOf(screen)).not.toBeInTheDocument();
  });

  it('keeps the default empty text beside the greeting when no welcome is given', async () => {
    const server = await startTestChatServer();
    const screen = await render(<ChatWidget token={server.token} url={server.url} />);
    await connected(screen);
    await expect
      .element(screen.getByRole('log').getByText('Connected to chatbot server'))
      .toBeVisible();
    await expect.element(screen.getByText('Ask anything to get started.')).toBeVisible();
  });

  it('leaves bad starters out with one console warning, and the widget works', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const server = await startTestChatServer({ tokenDelayMs: 5 });
    // What a host without TypeScript might pass: blanks, a repeat, a number, one too many.
    const bad = ['  Hello  ', '', 'Hello', 42, '   ', 'Pricing', 'Orders', 'Returns', 'Fifth'];
    const widget = (starters: readonly unknown[]) => (
      <ChatWidget token={server.token} url={server.url} starters={starters as readonly string[]} />
    );
    const screen = await render(widget(bad));
    await connected(screen);
    expect(starterTexts(screen)).toEqual(['Hello', 'Pricing', 'Orders', 'Returns']);
    // A host that renders the same bad list again (a new array each render) is not told again.
    await screen.rerender(widget([...bad]));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/`starters` takes up to 4 different non-empty strings/);

    await startersOf(screen).getByRole('button', { name: 'Hello' }).click();
    await expect.element(replies(screen)).toHaveAttribute('data-status', 'complete');
    await send(screen, 'And a typed one');
    await expect.poll(() => receivedChats(server)).toEqual(['Hello', 'And a typed one']);
    await expect.element(replies(screen).nth(1)).toHaveAttribute('data-status', 'complete');
    warn.mockRestore();
  });

  it('shows no starters and warns once when starters is not an array', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const server = await startTestChatServer();
    const notAList = 'Where is my order?' as unknown as readonly string[];
    const screen = await render(
      <ChatWidget token={server.token} url={server.url} starters={notAList} />,
    );
    await connected(screen);
    await expect.element(startersOf(screen)).not.toBeInTheDocument();
    expect(warn).toHaveBeenCalledTimes(1);
    await expect.element(screen.getByText('Ask anything to get started.')).toBeVisible();
    await send(screen, 'Still works');
    await expect.poll(() => receivedChats(server)).toEqual(['Still works']);
    warn.mockRestore();
  });

  it('sends the focused starter with Enter and moves focus to the composer', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 5 });
    const screen = await render(
      <ChatWidget token={server.token} url={server.url} starters={STARTERS} />,
    );
    await connected(screen);
    (screen.getByRole('log').element() as HTMLElement).focus();
    await userEvent.tab();
    await expect
      .element(screen.getByRole('button', { name: 'How do I reset my password?' }))
      .toHaveFocus();
    await userEvent.keyboard('{Enter}');
    await expect.poll(() => receivedChats(server)).toEqual(['How do I reset my password?']);
    await expect.element(screen.getByRole('textbox', { name: 'Message' })).toHaveFocus();
  });
});
