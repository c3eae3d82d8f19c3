/**
 * The connection under fault injection: <ChatWidget> in real Chromium against the real
 * reference server, which drops, goes silent, refuses and flaps on command. Timings are
 * shortened through the widget's own options so each scenario runs in about a second; the
 * same rules at default timings are checked in `src/core/link.test.ts` with virtual time.
 * Measured figures are printed with a `[figure]` prefix.
 */
import { StrictMode } from 'react';
import { describe, expect, it } from 'vitest';
import { render } from 'vitest-browser-react';
import { ChatWidget, type ChatWidgetProps } from '../src/index.ts';
import { startTestChatServer, type TestChatServer } from './support/chat-server.ts';
import { shownWordsOf, wordsOf } from './support/reply-words.ts';
import { chatContents, connected, send } from './support/widget.ts';

const FAST_RECONNECT = { minDelayMs: 10, maxDelayMs: 50 } as const;

async function renderWidget(server: TestChatServer, props: Partial<ChatWidgetProps> = {}) {
  const screen = await render(
    <ChatWidget token={server.token} url={server.url} reconnect={FAST_RECONNECT} {...props} />,
  );
  return screen;
}

/** Polls `read` until `accept` holds, returning the value; fails after `timeoutMs`. */
async function waitForValue<Value>(
  read: () => Promise<Value>,
  accept: (value: Value) => boolean,
  timeoutMs = 5_000,
) {
  const started = performance.now();
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (performance.now() - started > timeoutMs)
      throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('connection resilience against the reference server', () => {
  it('survives 20 mid-stream drops: nothing lost, nothing duplicated, nothing left streaming', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 5 });
    await server.fault({ fault: 'setDropAfterTokens', tokens: 3 });
    const screen = await renderWidget(server);
    await connected(screen);

    const drops = 20;
    for (let index = 1; index <= drops; index++) {
      await send(screen, `message ${index}`);
      const replies = () => screen.container.querySelectorAll('[data-role="assistant"]');
      await expect.poll(() => replies().length).toBe(index);
      await expect
        .poll(() => replies()[index - 1]?.getAttribute('data-status'))
        .toBe('interrupted');
      await connected(screen);
    }

    const { received, sent } = await server.frames();
    const expected = Array.from({ length: drops }, (_, index) => `message ${index + 1}`);
    expect(chatContents(received)).toEqual(expected);
    const replies = [...screen.container.querySelectorAll('[data-role="assistant"]')];
    expect(replies.map((reply) => reply.getAttribute('data-status'))).toEqual(
      Array(drops).fill('interrupted'),
    );
    expect(screen.container.querySelectorAll('[data-status="streaming"]')).toHaveLength(0);
    const userStatuses = [...screen.container.querySelectorAll('[data-role="user"]')].map((m) =>
      m.getAttribute('data-status'),
    );
    expect(userStatuses).toEqual(Array(drops).fill('sent'));

    // Each reply keeps exactly the tokens the server sent for it before the drop.
    const starts = sent.flatMap(({ frame }) =>
      frame.type === 'stream-start' ? [frame.messageId] : [],
    );
    starts.forEach((messageId, index) => {
      const text = sent
        .flatMap(({ frame }) =>
          frame.type === 'stream-token' && frame.messageId === messageId ? [frame.token] : [],
        )
        .join('');
      expect(shownWordsOf(replies[index])).toEqual(wordsOf(text));
    });
    console.info(
      `[figure] ${drops} drops: ${chatContents(received).length} chat frames received for ${drops} messages, 0 left streaming`,
    );
  });

  it('detects a server that goes silent and opens a new socket within interval + timeout + 2 s', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 0 });
    const heartbeat = { intervalMs: 300, timeoutMs: 300 };
    const screen = await renderWidget(server, { heartbeat });
    await connected(screen);
    const before = (await server.frames()).attempts;

    await server.fault({ fault: 'setSilent', on: true });
    const silentAt = performance.now();
    await waitForValue(
      () => server.frames(),
      (frames) => frames.attempts > before,
      5_000,
    );
    const detectedMs = performance.now() - silentAt;
    await server.fault({ fault: 'setSilent', on: false });
    console.info(
      `[figure] silent server: new socket after ${Math.round(detectedMs)} ms (limit ${heartbeat.intervalMs + heartbeat.timeoutMs + 2000} ms)`,
    );
    expect(detectedMs).toBeLessThanOrEqual(heartbeat.intervalMs + heartbeat.timeoutMs + 2_000);
    // Pings went out on the wire as the protocol specifies.
    const pings = (await server.frames()).received.filter(
      ({ frame }) => (frame as { type?: string }).type === 'ping',
    );
    expect(pings.length).toBeGreaterThan(0);
    expect(pings[0]?.frame).toEqual({
      type: 'ping',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
  });

  it('with an invalid token, makes at most 2 attempts (one with a refreshed token) and calls onAuthError once', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 0 });
    const authErrors: string[] = [];
    let tokenRequests = 0;
    const screen = await renderWidget(server, {
      token: 'invalid.token.value',
      getToken: async () => {
        tokenRequests++;
        return 'still.not.valid';
      },
      onAuthError: (problem) => authErrors.push(problem),
    });
    await expect
      .element(screen.getByRole('status').filter({ hasText: 'Sign-in required' }))
      .toBeVisible();
    // With these timings a retry storm would make dozens of attempts a second.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const { attempts } = await server.frames();
    console.info(
      `[figure] invalid token: ${attempts} attempts, onAuthError called ${authErrors.length} time(s)`,
    );
    expect(attempts).toBeLessThanOrEqual(2);
    expect(attempts).toBeGreaterThanOrEqual(1);
    expect(authErrors).toEqual(['rejected']);
    expect(tokenRequests).toBe(2);
  });

  it('stops after 10 attempts against a server that accepts and closes at once', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 0 });
    await server.fault({ fault: 'setCloseAfterAccept', on: true });
    const screen = await renderWidget(server);
    await expect
      .element(screen.getByRole('status').filter({ hasText: 'Disconnected' }), { timeout: 5_000 })
      .toBeVisible();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { attempts } = await server.frames();
    console.info(`[figure] accept-then-close: ${attempts} attempts, then stopped`);
    expect(attempts).toBeLessThanOrEqual(10);
    // "Reconnect now" works once the server behaves.
    await server.fault({ fault: 'setCloseAfterAccept', on: false });
    await screen.getByRole('button', { name: 'Reconnect now' }).click();
    await connected(screen);
  });

  it('sends messages typed while the server is down exactly once, in order, when it returns', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 0 });
    const screen = await renderWidget(server, {
      reconnect: { ...FAST_RECONNECT, maxAttempts: 1_000 },
    });
    await connected(screen);
    await server.fault({ fault: 'setRefuseNew', on: true });
    await server.fault({ fault: 'dropAll' });
    await expect
      .element(screen.getByRole('status').filter({ hasText: /Reconnecting/ }))
      .toBeVisible();

    for (const text of ['one', 'two', 'three']) await send(screen, text);
    const queued = screen.container.querySelectorAll('[data-role="user"][data-status="queued"]');
    expect(queued).toHaveLength(3);
    expect(chatContents((await server.frames()).received)).toEqual([]);

    await server.fault({ fault: 'setRefuseNew', on: false });
    await connected(screen);
    const frames = await waitForValue(
      () => server.frames(),
      (f) => chatContents(f.received).length >= 3,
    );
    // Give a duplicate time to show up if one were coming.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(chatContents((await server.frames()).received)).toEqual(['one', 'two', 'three']);
    expect(frames.openConnections).toBe(1);
  });

  it('reconnects within 1 s of the browser coming back online', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 0 });
    const screen = await renderWidget(server, {
      reconnect: { minDelayMs: 30_000, maxDelayMs: 30_000 },
    });
    await connected(screen);
    window.dispatchEvent(new Event('offline'));
    await expect
      .element(screen.getByRole('status').filter({ hasText: 'You are offline' }))
      .toBeVisible();
    await waitForValue(
      () => server.frames(),
      (frames) => frames.openConnections === 0,
    );
    const attemptsBefore = (await server.frames()).attempts;

    const onlineAt = performance.now();
    window.dispatchEvent(new Event('online'));
    await waitForValue(
      () => server.frames(),
      (frames) => frames.attempts > attemptsBefore && frames.openConnections === 1,
    );
    const reconnectMs = performance.now() - onlineAt;
    console.info(`[figure] online → reconnected in ${Math.round(reconnectMs)} ms`);
    expect(reconnectMs).toBeLessThan(1_000);
    await connected(screen);
  });

  it('marks a message sent just before the socket died as failed, and sends it once on Retry', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 0 });
    const screen = await renderWidget(server);
    await connected(screen);
    // Silent: the server records the message but never answers, then the socket drops.
    await server.fault({ fault: 'setSilent', on: true });
    await send(screen, 'did this arrive?');
    await waitForValue(
      () => server.frames(),
      (frames) => chatContents(frames.received).length === 1,
    );
    await server.fault({ fault: 'dropAll' });
    await server.fault({ fault: 'setSilent', on: false });

    // The demo reply echoes the question, so find the user's own message by its role.
    const status = () =>
      screen.container.querySelector('[data-role="user"]')?.getAttribute('data-status');
    await expect.poll(status).toBe('failed');
    await connected(screen);
    // Not resent on its own: the protocol cannot tell whether it arrived.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(chatContents((await server.frames()).received)).toEqual(['did this arrive?']);

    await screen.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(status).toBe('sent');
    await waitForValue(
      () => server.frames(),
      (frames) => chatContents(frames.received).length === 2,
    );
    expect(chatContents((await server.frames()).received)).toEqual([
      'did this arrive?',
      'did this arrive?',
    ]);
  });

  it('reconnects with the new token when the token prop changes', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 0 });
    const authErrors: string[] = [];
    const onAuthError = (problem: string) => authErrors.push(problem);
    const screen = await renderWidget(server, { onAuthError });
    await connected(screen);
    // A token the server refuses: only if the widget really uses it does the refusal show.
    await screen.rerender(
      <ChatWidget
        token="a.refused.token"
        url={server.url}
        reconnect={FAST_RECONNECT}
        onAuthError={onAuthError}
      />,
    );
    await expect
      .element(screen.getByRole('status').filter({ hasText: 'Sign-in required' }))
      .toBeVisible();
    expect(authErrors).toEqual(['rejected']);
    // And back to a good one.
    await screen.rerender(
      <ChatWidget token={server.token} url={server.url} reconnect={FAST_RECONNECT} />,
    );
    await connected(screen);
    const frames = await waitForValue(
      () => server.frames(),
      (f) => f.openConnections === 1,
    );
    expect(frames.attempts).toBe(3);
  });

  it('opens one socket, not two, under React StrictMode, and a message still round-trips', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 0 });
    const screen = await render(
      <StrictMode>
        <ChatWidget token={server.token} url={server.url} reconnect={FAST_RECONNECT} />
      </StrictMode>,
    );
    await connected(screen);
    await send(screen, 'hello under strict mode');
    await expect
      .poll(() =>
        screen.container.querySelector('[data-role="assistant"]')?.getAttribute('data-status'),
      )
      .toBe('complete');
    const frames = await server.frames();
    expect(frames.attempts).toBe(1);
    expect(frames.openConnections).toBe(1);
    expect(chatContents(frames.received)).toEqual(['hello under strict mode']);
  });

  it('treats a URL the browser cannot open as failed attempts, not an uncaught error', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 0 });
    // vitest fails the test on any unhandled rejection, so getting here is half the check.
    const screen = await render(
      <ChatWidget
        token={server.token}
        url="ftp://localhost:3001"
        reconnect={{ ...FAST_RECONNECT, maxAttempts: 2 }}
      />,
    );
    await expect
      .element(screen.getByRole('status').filter({ hasText: /^Disconnected$/ }))
      .toBeVisible();
    expect((await server.frames()).attempts).toBe(0);
  });

  it('leaves no socket and no timer behind after unmount', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 0 });
    const heartbeat = { intervalMs: 50, timeoutMs: 50 };
    const screen = await renderWidget(server, { heartbeat });
    await connected(screen);
    await screen.unmount();
    await waitForValue(
      () => server.frames(),
      (frames) => frames.openConnections === 0,
    );
    const after = await server.frames();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const later = await server.frames();
    expect(later.attempts).toBe(after.attempts);
    expect(later.received.length).toBe(after.received.length);
  });

  it('never puts the token in the page or in console output', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 0 });
    const logged: string[] = [];
    const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
    const originals = methods.map((method) => console[method]);
    methods.forEach((method) => {
      console[method] = (...args: unknown[]) => logged.push(args.map(String).join(' '));
    });
    try {
      const screen = await renderWidget(server);
      await connected(screen);
      await send(screen, 'hello');
      await expect
        .poll(() =>
          screen.container.querySelector('[data-role="assistant"]')?.getAttribute('data-status'),
        )
        .toBe('complete');
      await server.fault({ fault: 'dropAll' });
      await connected(screen);
      expect(document.documentElement.outerHTML).not.toContain(server.token);
      expect(logged.join('\n')).not.toContain(server.token);
    } finally {
      methods.forEach((method, index) => {
        console[method] = originals[index] as (typeof console)[typeof method];
      });
    }
  });

  it('marks a reply interrupted when its tokens stop coming, keeping the partial text', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 30 });
    const screen = await renderWidget(server, {
      stallTimeoutMs: 300,
      heartbeat: { intervalMs: 60_000 },
    });
    await connected(screen);
    await send(screen, 'a long answer please');
    const reply = () => screen.container.querySelector('[data-role="assistant"]');
    const tokensSent = (frames: Awaited<ReturnType<typeof server.frames>>) =>
      frames.sent.filter(({ frame }) => frame.type === 'stream-token').length;
    await waitForValue(
      () => server.frames(),
      (frames) => tokensSent(frames) >= 3,
    );
    await server.fault({ fault: 'setSilent', on: true });
    await expect
      .poll(() => reply()?.getAttribute('data-status'), { timeout: 3_000 })
      .toBe('interrupted');
    expect(reply()?.textContent).toContain('Reply stopped arriving.');
    expect(reply()?.textContent).toContain('You asked');
  });

  it('reports each status change to onStatusChange', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 0 });
    const statuses: string[] = [];
    const screen = await renderWidget(server, {
      onStatusChange: (status) => statuses.push(status),
    });
    await connected(screen);
    await server.fault({ fault: 'dropAll' });
    await expect.poll(() => statuses.filter((status) => status === 'open').length).toBe(2);
    expect(statuses[0]).toBe('connecting');
    expect(statuses).toContain('reconnecting');
    expect(statuses.at(-1)).toBe('open');
  });
});
