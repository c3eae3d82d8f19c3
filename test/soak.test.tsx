/**
 * The soak: four widgets in real Chromium chat without pause while the real reference server
 * is stopped and started again every few seconds, as a deploy or a crash loop would. Every
 * message must reach the server exactly once or be shown as failed (with Retry), no reply may
 * be left streaming, no widget may hold more than one socket, and once the widgets unmount
 * the heap must come back and no timer may be left running.
 *
 * `npm run soak` runs it for CHATWIRE_SOAK_MINUTES (10 by default) and prints the figures;
 * `npm test` runs the same test for half a minute, so the soak cannot rot between runs.
 */
import { expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { ChatWidget } from '../src/index.ts';
import { startTestChatServer } from './support/chat-server.ts';
import { chatContents } from './support/widget.ts';

declare const __CHATWIRE_SOAK_MINUTES__: number;

/** Set by `npm run soak` (CHATWIRE_SOAK_MINUTES, default 10); half a minute under `npm test`. */
const MINUTES = __CHATWIRE_SOAK_MINUTES__;
const WIDGETS = 4;
/** Each widget sends one message this often: 24 a minute, under the server's 30. */
const SEND_EVERY_MS = 2_500;
const RESTART_EVERY_MS = { min: 2_000, max: 6_000 };
const DOWN_FOR_MS = { min: 0, max: 1_500 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Polls `isTrue` until it holds or `timeoutMs` passes; says which, rather than throwing. */
async function eventually(isTrue: () => boolean | Promise<boolean>, timeoutMs: number) {
  const giveUpAt = performance.now() + timeoutMs;
  while (!(await isTrue())) {
    if (performance.now() > giveUpAt) return false;
    await sleep(100);
  }
  return true;
}
const between = ({ min, max }: { min: number; max: number }) => min + Math.random() * (max - min);

/** Counts the sockets each widget holds, by the token in their URL (one token per widget). */
function watchSockets(tokens: string[]) {
  const sockets: { widget: number; socket: WebSocket }[] = [];
  let mostLive = 0;
  const Native = window.WebSocket;
  const Counting = class extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      const widget = tokens.findIndex((token) => String(url).includes(token));
      sockets.push({ widget, socket: this });
      // Two sockets can only overlap from the moment the second is made: counted right here,
      // the most a widget held at once is exact, not sampled.
      mostLive = Math.max(mostLive, live(widget));
    }
  };
  window.WebSocket = Counting;
  const live = (widget: number) =>
    sockets.filter(
      (entry) =>
        entry.widget === widget &&
        (entry.socket.readyState === Native.CONNECTING || entry.socket.readyState === Native.OPEN),
    ).length;
  return {
    created: () => sockets.length,
    mostLiveAtOnce: () => mostLive,
    /** Puts the browser's WebSocket back and lets go of the sockets counted. */
    restore: () => {
      window.WebSocket = Native;
      sockets.length = 0;
    },
  };
}

/** Counts timers and animation frames that are still pending: set, and neither run nor cleared. */
function watchTimers() {
  const pending = new Set<unknown>();
  const original = {
    setTimeout: window.setTimeout,
    clearTimeout: window.clearTimeout,
    setInterval: window.setInterval,
    clearInterval: window.clearInterval,
    requestAnimationFrame: window.requestAnimationFrame,
    cancelAnimationFrame: window.cancelAnimationFrame,
  };
  // Called through these, never as methods of `original`: the browser wants `this` = window.
  const native = {
    setTimeout: original.setTimeout.bind(window),
    clearTimeout: original.clearTimeout.bind(window),
    setInterval: original.setInterval.bind(window),
    clearInterval: original.clearInterval.bind(window),
    requestAnimationFrame: original.requestAnimationFrame.bind(window),
    cancelAnimationFrame: original.cancelAnimationFrame.bind(window),
  };
  const patched = window as unknown as Record<keyof typeof native, unknown>;
  patched.setTimeout = (run: TimerHandler, ms?: number, ...args: unknown[]) => {
    const id = native.setTimeout(
      (...inner: unknown[]) => {
        pending.delete(`t${id}`);
        if (typeof run === 'function') run(...inner);
      },
      ms,
      ...args,
    );
    pending.add(`t${id}`);
    return id;
  };
  patched.clearTimeout = (id?: number) => {
    pending.delete(`t${id}`);
    native.clearTimeout(id);
  };
  patched.setInterval = (run: TimerHandler, ms?: number, ...args: unknown[]) => {
    const id = native.setInterval(run, ms, ...args);
    pending.add(`i${id}`);
    return id;
  };
  patched.clearInterval = (id?: number) => {
    pending.delete(`i${id}`);
    native.clearInterval(id);
  };
  patched.requestAnimationFrame = (run: FrameRequestCallback) => {
    const id = native.requestAnimationFrame((time) => {
      pending.delete(`f${id}`);
      run(time);
    });
    pending.add(`f${id}`);
    return id;
  };
  patched.cancelAnimationFrame = (id: number) => {
    pending.delete(`f${id}`);
    native.cancelAnimationFrame(id);
  };
  return {
    pending: () => pending.size,
    restore: () => Object.assign(window, original),
  };
}

/**
 * One widget connects, chats and unmounts first, so the heap measured at the start already
 * holds what any first render leaves for good (compiled code, React's and Vite's own caches).
 */
async function warmUp() {
  const server = await startTestChatServer({ tokenDelayMs: 0 });
  const screen = await render(<ChatWidget token={server.token} url={server.url} />);
  await screen.getByRole('textbox', { name: 'Message' }).fill('warming up');
  await screen.getByRole('button', { name: 'Send' }).click();
  await expect
    .poll(() => screen.container.querySelector('[data-role="assistant"][data-status="complete"]'))
    .not.toBeNull();
  await screen.unmount();
}

it(
  'keeps every message exactly once while the server restarts every few seconds',
  async () => {
    const durationMs = MINUTES * 60_000;
    await warmUp();
    const server = await startTestChatServer({ tokenDelayMs: 10 });
    const tokens = await Promise.all(
      Array.from({ length: WIDGETS }, (_, n) => server.mintToken(7_200, `soak-${n}`)),
    );
    const sockets = watchSockets(tokens);
    const timers = watchTimers();
    const heapAtStart = await commands.measureHeap();
    const timersAtStart = timers.pending();

    const screen = await render(
      <div style={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 8 }}>
        {tokens.map((token, n) => (
          <section key={token} data-testid={`widget-${n}`} style={{ height: 360 }}>
            <ChatWidget token={token} url={server.url} reconnect={{ maxDelayMs: 2_000 }} />
          </section>
        ))}
      </div>,
    );
    const widget = (n: number) => screen.getByTestId(`widget-${n}`);
    const sent: string[][] = tokens.map(() => []);
    let restarts = 0;
    const deadline = performance.now() + durationMs;
    const running = () => performance.now() < deadline;

    const restartLoop = async () => {
      while (running()) {
        await sleep(between(RESTART_EVERY_MS));
        if (!running()) break;
        await server.restart(between(DOWN_FOR_MS));
        restarts += 1;
      }
    };
    const sendLoop = async () => {
      for (let round = 0; running(); round++) {
        const started = performance.now();
        for (let n = 0; n < WIDGETS; n++) {
          const text = `[w${n}#${round}] hello`;
          await widget(n).getByRole('textbox', { name: 'Message' }).fill(text);
          await widget(n).getByRole('button', { name: 'Send' }).click();
          sent[n]?.push(text);
        }
        await sleep(Math.max(0, SEND_EVERY_MS - (performance.now() - started)));
      }
    };
    await Promise.all([restartLoop(), sendLoop()]);

    // The server stays up now: every widget reconnects, sends what it queued, gets its replies.
    const settled = () => {
      const busy = screen.container.querySelectorAll(
        '[data-status="streaming"], [data-status="queued"]',
      ).length;
      const open = screen.container.querySelectorAll(
        '[data-slot="connection-status"][data-status="open"]',
      ).length;
      return busy === 0 && open === WIDGETS;
    };
    // Each message counted once the server has it or the widget shows it failed: a message
    // marked sent may still be on its way when the last reply ends.
    const allSent = sent.flat();
    const tally = async () => {
      const received = chatContents((await server.frames()).received);
      const timesReceived = new Map<string, number>();
      for (const text of received) timesReceived.set(text, (timesReceived.get(text) ?? 0) + 1);
      const failedShown = [
        ...screen.container.querySelectorAll('[data-role="user"][data-status="failed"]'),
      ].map((message) => message.textContent ?? '');
      // "[w0#1] hello" cannot be found inside "[w0#12] hello": the tag is closed.
      const isShownFailed = (text: string) => failedShown.some((shown) => shown.includes(text));
      return {
        delivered: allSent.filter((text) => timesReceived.has(text)),
        duplicated: allSent.filter((text) => (timesReceived.get(text) ?? 0) > 1),
        failed: allSent.filter(isShownFailed),
        lost: allSent.filter((text) => !timesReceived.has(text) && !isShownFailed(text)),
        timesReceived,
      };
    };
    await eventually(async () => settled() && (await tally()).lost.length === 0, 30_000);
    const { delivered, duplicated, failed, lost, timesReceived } = await tally();
    // Where a lost message stands on screen, so a failure says whether the widget never took
    // it in, still holds it as sent, or lost track of it.
    const lostWhere = lost.map((text) => {
      const shown = [...screen.container.querySelectorAll('[data-role="user"]')].find((message) =>
        message.textContent?.includes(text),
      );
      return `${text}: ${shown ? `shown as ${shown.getAttribute('data-status')}` : 'not on screen'}`;
    });
    const failedButDelivered = failed.filter((text) => timesReceived.has(text));
    const mostSockets = sockets.mostLiveAtOnce();
    const streamingLeft = screen.container.querySelectorAll('[data-status="streaming"]').length;
    const heapMounted = await commands.measureHeap();

    const socketsOpened = sockets.created();
    await screen.unmount();
    // The test's own records of every socket would otherwise count as the widgets' heap.
    sockets.restore();
    // Timers about to fire on their own (a last frame's flush) get their moment; one that
    // never goes is what this counts.
    await eventually(() => timers.pending() <= timersAtStart, 5_000);
    const timersLeft = timers.pending() - timersAtStart;
    const heapAfter = await commands.measureHeap();
    timers.restore();

    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    console.log(
      [
        `[figure] soak: ${MINUTES} min, ${WIDGETS} widgets, server restarted ${restarts} times, ${socketsOpened} sockets opened`,
        `[figure] soak messages: ${allSent.length} sent, ${delivered.length} delivered, ` +
          `${duplicated.length} duplicated, ${lost.length} lost, ${failed.length} shown failed ` +
          `with Retry (${failedButDelivered.length} of them had in fact arrived)`,
        `[figure] soak replies left streaming: ${streamingLeft}; most sockets one widget held at once: ${mostSockets}`,
        `[figure] soak heap: ${mb(heapAtStart)} at start, ${mb(heapMounted)} at the end with ` +
          `${allSent.length * 2} messages on screen, ${mb(heapAfter)} after unmount ` +
          `(${heapAfter - heapAtStart >= 0 ? '+' : ''}${mb(heapAfter - heapAtStart)}); timers left: ${timersLeft}`,
      ].join('\n'),
    );

    expect(restarts).toBeGreaterThan(0);
    expect(duplicated).toEqual([]);
    expect(lostWhere).toEqual([]);
    expect(streamingLeft).toBe(0);
    expect(mostSockets).toBeLessThanOrEqual(1);
    expect(timersLeft).toBe(0);
    // What the widgets held is let go; 8 MB of slack covers the test runner's own growth.
    expect(heapAfter - heapAtStart).toBeLessThan(8 * 1024 * 1024);
  },
  MINUTES * 60_000 + 120_000,
);
