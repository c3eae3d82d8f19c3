/**
 * Hostile frames, in real Chromium: a mounted <ChatWidget> connected over a real WebSocket
 * to a server that sends 10,000 generated bad frames (fast-check, from a fixed seed): not
 * JSON, not objects, wrong field types, missing fields, unknown types, huge strings, binary
 * frames, tokens before their stream-start, repeated stream-ends, `__proto__` and
 * `constructor` keys, interleaved message ids. Afterwards nothing may have been thrown or
 * logged as an error, no prototype may be polluted, every problem must have reached
 * `onProblem`, the user must have been told once (not ten thousand times), and the composer
 * must still send and a normal reply still render.
 */
import { describe, expect, it, vi } from 'vitest';
import { commands } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import type { Problem } from '../src/core/state.ts';
import { ChatWidget } from '../src/index.ts';
import { startTestHostileServer } from './support/hostile-server.ts';
import { chatContents, connected, send } from './support/widget.ts';

/** Change it to explore; a failure prints the seed that found it. */
const SEED = 20261126;
const FRAMES = 10_000;

/** Collects what a page reports as uncaught: errors and unhandled rejections. */
function watchUncaught() {
  const uncaught: string[] = [];
  const onError = (event: ErrorEvent) => uncaught.push(event.message);
  const onRejection = (event: PromiseRejectionEvent) => uncaught.push(String(event.reason));
  window.addEventListener('error', onError);
  window.addEventListener('unhandledrejection', onRejection);
  return {
    uncaught,
    stop() {
      window.removeEventListener('error', onError);
      window.removeEventListener('unhandledrejection', onRejection);
    },
  };
}

describe('frame fuzzing against a mounted widget', () => {
  it(`survives ${FRAMES.toLocaleString('en')} generated bad frames and still chats`, async () => {
    const server = await startTestHostileServer();
    const token = await commands.chatServerToken({ expiresInSeconds: 3600 });
    const problems: Problem[] = [];
    const watcher = watchUncaught();
    // React reports a render error an error boundary caught (or a bad key) with console.error.
    const consoleErrors = vi.spyOn(console, 'error');
    const screen = await render(
      <ChatWidget token={token} url={server.url} onProblem={(problem) => problems.push(problem)} />,
    );
    await connected(screen);

    const report = await server.barrage(SEED, FRAMES);
    // The socket keeps order: once the answer to this shows, every bad frame was taken in.
    await send(screen, 'still there?');
    await expect
      .element(screen.getByText('Still here, all good.'), { timeout: 60_000 })
      .toBeVisible();
    watcher.stop();

    const problemKinds: Record<string, number> = {};
    for (const { kind } of problems) problemKinds[kind] = (problemKinds[kind] ?? 0) + 1;
    const notices = screen.container.querySelectorAll('[data-kind="unreadable-frames"]');
    console.log(
      `[figure] frame fuzz (seed ${report.seed}): ${report.frames} frames, ` +
        `${(report.bytes / 1e6).toFixed(1)} MB, by kind ${JSON.stringify(report.byKind)}; ` +
        `${problems.length} problems reported ${JSON.stringify(problemKinds)}; ` +
        `${watcher.uncaught.length} uncaught, ` +
        `${consoleErrors.mock.calls.length} console errors, ` +
        `${screen.container.querySelectorAll('[data-slot="banner"]').length} banners shown`,
    );
    expect(report.frames).toBe(FRAMES);
    expect(watcher.uncaught).toEqual([]);
    expect(consoleErrors).not.toHaveBeenCalled();
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
    expect({} as { polluted?: unknown }).not.toHaveProperty('polluted');
    // Every rejected frame is reported; tokens for unknown replies may come in batches.
    const rejected = FRAMES - (report.byKind.valid ?? 0) - (report.byKind.interleaved ?? 0);
    expect(problems.length).toBeGreaterThanOrEqual(rejected * 0.9);
    // One notice for the whole barrage, not one per frame (later error banners may have
    // displaced it: only the newest three banners are kept).
    expect(notices.length).toBeLessThanOrEqual(1);
    for (const notice of notices) expect(notice.textContent).not.toMatch(/×\d/);
    expect(screen.container.querySelectorAll('[data-slot="banner"]').length).toBeLessThanOrEqual(3);
    expect(problemKinds.binary).toBe(report.byKind.binary);
    expect(chatContents((await server.received()).map((frame) => ({ frame })))).toEqual([
      'still there?',
    ]);
    await expect
      .element(screen.getByRole('status').filter({ hasText: /^Connected$/ }))
      .toBeVisible();
  }, 120_000);
});
