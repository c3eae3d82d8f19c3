/**
 * Conversation history end to end: <ChatWidget> in real Chromium against the real reference
 * server, keeping its conversation in the page's real localStorage. A reload is a widget
 * unmounted and a new one mounted on the same page, which is what the browser does to the
 * widget's state (the test runner lives in the page, so the page itself cannot reload).
 */
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import type { Problem } from '../src/core/state.ts';
import { ChatWidget, type ChatWidgetProps } from '../src/index.ts';
import { startTestChatServer, type TestChatServer } from './support/chat-server.ts';
import { chatContents, connected, send } from './support/widget.ts';

const FAST_RECONNECT = { minDelayMs: 10, maxDelayMs: 50, maxAttempts: 1_000 } as const;

type Screen = Awaited<ReturnType<typeof render>>;

const renderWidget = (server: TestChatServer, props: Partial<ChatWidgetProps> = {}) =>
  render(
    <ChatWidget token={server.token} url={server.url} reconnect={FAST_RECONNECT} {...props} />,
  );

/** The key the reference server's test token (sub "browser-test") is kept under. */
const keyFor = (server: TestChatServer) => `chatwire:${server.url}:browser-test`;

const transcript = (screen: Screen) =>
  [
    ...screen.container.querySelectorAll<HTMLElement>('[role="log"] [role="listitem"][data-role]'),
  ].map((item) => `${item.dataset.role}:${item.dataset.status ?? ''}`);

/** Stores `state` as chatwire's history under `key`, as a previous visit would have. */
function keepHistory(key: string, state: Record<string, unknown>) {
  localStorage.setItem(key, JSON.stringify({ version: 1, state }));
}

const storedMessages = (server: TestChatServer) =>
  (
    JSON.parse(localStorage.getItem(keyFor(server)) ?? 'null') as {
      state: { messages: { role: string; text: string; status?: string }[] };
    } | null
  )?.state.messages ?? [];

describe('conversation history', () => {
  it('brings a conversation back after a reload, a reply cut mid-stream as interrupted', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 60 });
    const first = await renderWidget(server);
    await connected(first);
    await send(first, 'Tell me something long');
    const reply = () => first.container.querySelector('[data-role="assistant"]');
    await expect.poll(() => reply()?.getAttribute('data-status')).toBe('streaming');
    await expect.poll(() => reply()?.textContent?.length ?? 0).toBeGreaterThan(20);
    expect(reply()?.getAttribute('data-status')).toBe('streaming');
    await first.unmount();

    const second = await renderWidget(server);
    await connected(second);
    expect(transcript(second)).toEqual(['system:', 'user:sent', 'assistant:interrupted']);
    // The greeting is kept, not repeated on the new connection.
    expect(second.container.querySelectorAll('[data-role="system"]')).toHaveLength(1);
    await expect.element(second.getByRole('button', { name: 'Ask again' })).toBeVisible();
    expect(localStorage.getItem(keyFor(server))).not.toContain(server.token);
  });

  it('sends a message queued before a reload exactly once, after it', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 0 });
    await server.fault({ fault: 'setRefuseNew', on: true });
    const offline = await renderWidget(server);
    await send(offline, 'Queued before the reload');
    await expect.poll(() => transcript(offline)).toEqual(['user:queued']);
    await offline.unmount();

    await server.fault({ fault: 'setRefuseNew', on: false });
    const reloaded = await renderWidget(server);
    await connected(reloaded);
    await expect
      .poll(async () => chatContents((await server.frames()).received))
      .toEqual(['Queued before the reload']);
    await expect.poll(() => transcript(reloaded)).toContain('assistant:complete');
    await reloaded.unmount();

    const again = await renderWidget(server);
    await connected(again);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(chatContents((await server.frames()).received)).toEqual(['Queued before the reload']);
  });

  it('keeps the valid entries of a corrupted history, renders them safely, and reports the rest', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 0 });
    const at = new Date().toISOString();
    const hostile = '<img src=x onerror="window.__pwned = 1"> [click](javascript:window.__pwned=2)';
    keepHistory(keyFor(server), {
      messages: [
        { id: 'user:1', role: 'user', text: 'A real question', status: 'sent', createdAt: at },
        {
          id: 'assistant:m1',
          role: 'assistant',
          messageId: 'm1',
          text: hostile,
          status: 'complete',
          createdAt: at,
        },
        { id: 'user:2', role: 'superuser', text: 'forged', createdAt: at },
        { id: 'user:3', text: { toString: 'no' } },
        42,
      ],
      escalation: { status: 'acknowledged', reason: null },
    });
    const problems: Problem[] = [];
    const screen = await renderWidget(server, { onProblem: (problem) => problems.push(problem) });
    await connected(screen);
    await expect
      .poll(() => transcript(screen))
      .toEqual(['user:sent', 'assistant:complete', 'system:']);
    const reply = screen.container.querySelector('[data-role="assistant"]');
    expect(reply?.textContent).toContain('<img src=x onerror=');
    expect(reply?.querySelector('img, a[href^="javascript"]')).toBeNull();
    expect((window as { __pwned?: number }).__pwned).toBeUndefined();
    expect(problems.map((problem) => problem.kind)).toEqual(['history-unreadable']);
    expect(problems[0]?.message).toContain('3 stored entries');

    // The widget works as usual, and the next write replaces the corrupted entries.
    await send(screen, 'And another');
    await expect
      .poll(() => storedMessages(server).map((message) => message.role))
      .toEqual(expect.arrayContaining(['user', 'assistant']));
    expect(JSON.stringify(storedMessages(server))).not.toContain('superuser');
  });

  it('keeps chatting when storage is full, reporting once that it cannot save', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 0 });
    fillLocalStorage();
    expect(() => localStorage.setItem('probe', 'x')).toThrow();
    const onProblem = vi.fn<(problem: Problem) => void>();
    const screen = await renderWidget(server, { onProblem });
    await connected(screen);
    await send(screen, 'Does this still work?');
    await expect.poll(() => transcript(screen)).toContain('assistant:complete');
    await send(screen, 'And again?');
    await expect
      .poll(() => transcript(screen).filter((entry) => entry === 'assistant:complete'))
      .toHaveLength(2);
    const notSaved = onProblem.mock.calls.filter(
      ([problem]) => problem.kind === 'history-not-saved',
    );
    expect(notSaved).toHaveLength(1);
  });

  it('clears the conversation from the header menu, by keyboard, here and in storage', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 0 });
    const screen = await renderWidget(server);
    await connected(screen);
    await send(screen, 'Something to forget');
    await expect.poll(() => transcript(screen)).toContain('assistant:complete');

    const menuButton = screen.getByRole('button', { name: 'Conversation options' });
    await expect.element(menuButton).toHaveAttribute('aria-haspopup', 'menu');
    (menuButton.element() as HTMLElement).focus();
    await userEvent.keyboard('{Enter}');
    const item = screen.getByRole('menuitem', { name: 'Clear conversation' });
    await expect.element(item).toHaveFocus();
    await expect.element(menuButton).toHaveAttribute('aria-expanded', 'true');
    await userEvent.keyboard('{Escape}');
    await expect.element(menuButton).toHaveFocus();
    await expect.element(menuButton).toHaveAttribute('aria-expanded', 'false');

    await userEvent.keyboard('{ArrowDown}');
    await expect.element(item).toHaveFocus();
    await userEvent.keyboard('{Enter}');
    await expect.poll(() => transcript(screen)).toEqual([]);
    await expect.element(screen.getByRole('textbox', { name: 'Message' })).toHaveFocus();
    expect(storedMessages(server)).toEqual([]);

    await screen.unmount();
    const reloaded = await renderWidget(server);
    await connected(reloaded);
    // Only the new connection's greeting: nothing cleared comes back.
    await expect.poll(() => transcript(reloaded)).toEqual(['system:']);
  });

  it('keeps two widgets on one page apart: stores, sockets and histories', async () => {
    const [one, two] = await Promise.all([
      startTestChatServer({ tokenDelayMs: 0 }),
      startTestChatServer({ tokenDelayMs: 0 }),
    ]);
    const screen = await render(
      <div style={{ display: 'flex', gap: 8 }}>
        <div data-testid="one" style={{ height: 400, flex: 1 }}>
          <ChatWidget token={one.token} url={one.url} labels={{ title: 'One' }} />
        </div>
        <div data-testid="two" style={{ height: 400, flex: 1 }}>
          <ChatWidget token={two.token} url={two.url} labels={{ title: 'Two' }} />
        </div>
      </div>,
    );
    const first = screen.getByTestId('one');
    const second = screen.getByTestId('two');
    for (const [area, text] of [
      [first, 'For the first'],
      [second, 'For the second'],
    ] as const) {
      await expect
        .element(area.getByRole('status').filter({ hasText: /^Connected$/ }))
        .toBeVisible();
      await userEvent.fill(area.getByRole('textbox', { name: 'Message' }), text);
      await userEvent.keyboard('{Enter}');
      await expect
        .poll(() => area.element().querySelector('[data-role="assistant"][data-status="complete"]'))
        .not.toBeNull();
    }
    expect(chatContents((await one.frames()).received)).toEqual(['For the first']);
    expect(chatContents((await two.frames()).received)).toEqual(['For the second']);
    expect((await one.frames()).openConnections).toBe(1);
    expect((await two.frames()).openConnections).toBe(1);
    expect(first.element().textContent).not.toContain('For the second');
    expect(second.element().textContent).not.toContain('For the first');
    expect(storedMessages(one).map((message) => message.text)).toContain('For the first');
    expect(JSON.stringify(storedMessages(one))).not.toContain('For the second');
    expect(JSON.stringify(storedMessages(two))).not.toContain('For the first');
  });

  it('shows another tab the finished messages, never sending them twice, and clears there too', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 5 });
    const here = await renderWidget(server);
    await connected(here);
    const otherTab = await openSecondTab(server);
    const other = otherTab.contentDocument as Document;
    await expect.poll(() => other.querySelector('[role="status"]')?.textContent).toBe('Connected');

    await send(here, 'Asked in the first tab');
    await expect.poll(() => transcript(here)).toContain('assistant:complete');
    const shown = () => other.querySelector('[role="log"]')?.textContent ?? '';
    await expect.poll(shown).toContain('Asked in the first tab');
    const reply = here.container.querySelector('[data-role="assistant"]')?.textContent ?? '';
    await expect.poll(shown).toContain(reply.slice(-20));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(chatContents((await server.frames()).received)).toEqual(['Asked in the first tab']);

    // Cleared in the other tab: gone here too.
    const otherButton = other.querySelector<HTMLButtonElement>('[data-slot="menu-button"]');
    otherButton?.click();
    await expect.poll(() => other.querySelector('[data-slot="clear-conversation"]')).not.toBeNull();
    other.querySelector<HTMLButtonElement>('[data-slot="clear-conversation"]')?.click();
    await expect
      .poll(() => transcript(here).filter((entry) => !entry.startsWith('system')))
      .toEqual([]);
  });

  it('treats a restored conversation as old news: no unread badge, nothing announced', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 0 });
    const at = new Date(Date.now() - 60_000).toISOString();
    keepHistory(keyFor(server), {
      messages: [
        {
          id: 'system:0',
          role: 'system',
          source: 'connection',
          text: 'Welcome back',
          createdAt: at,
        },
        { id: 'user:1', role: 'user', text: 'Earlier question', status: 'sent', createdAt: at },
        {
          id: 'assistant:m1',
          role: 'assistant',
          messageId: 'm1',
          text: 'Earlier answer',
          status: 'complete',
          createdAt: at,
        },
      ],
    });
    await renderWidget(server, { mode: 'launcher' });
    const launcher = page.getByRole('button', { name: /^Open chat/ });
    await expect.element(launcher).toBeVisible();
    await expect
      .poll(() => document.querySelector('[role="log"]')?.textContent)
      .toContain('Earlier answer');
    await new Promise((resolve) => setTimeout(resolve, 600));
    await expect.element(launcher).toHaveAccessibleName('Open chat');
    expect(document.querySelector('[data-slot="announcer"]')?.textContent).toBe('');
  });

  it('keeps the conversation in sessionStorage when asked to, and not in localStorage', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 0 });
    const screen = await renderWidget(server, { storage: 'session' });
    await connected(screen);
    await send(screen, 'Only for this tab');
    await expect
      .poll(() => sessionStorage.getItem(keyFor(server)) ?? '')
      .toContain('Only for this tab');
    expect(localStorage.getItem(keyFor(server))).toBeNull();
  });

  it('leaves a message queued in an open tab to that tab, and sends it once after that tab is gone', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 0 });
    const historyKey = 'chatwire:test:shared-conversation';
    // This tab cannot reach its server, so what it sends waits, queued.
    const offline = await render(
      <ChatWidget
        token={server.token}
        url="ws://127.0.0.1:9"
        historyKey={historyKey}
        reconnect={FAST_RECONNECT}
      />,
    );
    await send(offline, 'Queued in the first tab');
    await expect.poll(() => transcript(offline)).toEqual(['user:queued']);

    const otherTab = await openSecondTab(server, historyKey);
    const otherStatus = () =>
      otherTab.contentDocument?.querySelector('[role="status"]')?.textContent;
    await expect.poll(otherStatus).toBe('Connected');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(chatContents((await server.frames()).received)).toEqual([]);
    expect(otherTab.contentDocument?.querySelector('[role="log"]')?.textContent).not.toContain(
      'Queued in the first tab',
    );

    // The first tab closes; the other is reloaded and takes the message over, once.
    await offline.unmount();
    otherTab.contentWindow?.location.reload();
    await new Promise((resolve) => otherTab.addEventListener('load', resolve, { once: true }));
    await expect.poll(otherStatus).toBe('Connected');
    await expect
      .poll(async () => chatContents((await server.frames()).received))
      .toEqual(['Queued in the first tab']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(chatContents((await server.frames()).received)).toEqual(['Queued in the first tab']);
  });

  it('keeps nothing with storage={false}', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 0 });
    const screen = await renderWidget(server, { storage: false });
    await connected(screen);
    await send(screen, 'Not kept');
    await expect.poll(() => transcript(screen)).toContain('assistant:complete');
    expect(localStorage.length).toBe(0);
  });
});

/** A same-origin frame running its own copy of the widget: a second tab, as storage sees it. */
async function openSecondTab(
  server: TestChatServer,
  historyKey?: string,
): Promise<HTMLIFrameElement> {
  const frame = document.createElement('iframe');
  const query = new URLSearchParams({ url: server.url, token: server.token });
  if (historyKey) query.set('historyKey', historyKey);
  frame.src = `/test/fixtures/second-tab.html?${query}`;
  frame.style.cssText = 'width: 400px; height: 420px; border: 0';
  document.body.append(frame);
  onTestFinished(() => frame.remove());
  await new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
  return frame;
}

/** Fills this origin's localStorage until it refuses even one more character. */
function fillLocalStorage() {
  let index = 0;
  for (let size = 1024 * 1024; size >= 1; size = Math.floor(size / 4)) {
    const chunk = 'x'.repeat(size);
    for (;;) {
      try {
        localStorage.setItem(`f${index++}`, chunk);
      } catch {
        break;
      }
    }
  }
}
