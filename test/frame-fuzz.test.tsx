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

/**
 * Counts the "could not be read" notices ever put on screen, from the DOM's own record of
 * inserted nodes: a notice later pushed out by newer banners still counts.
 */
function watchNotices(root: Element) {
  const notices = new Set<Element>();
  let repeated = false;
  const look = (node: Node) => {
    if (!(node instanceof Element)) return;
    const found = node.matches('[data-kind="unreadable-frames"]')
      ? [node]
      : [...node.querySelectorAll('[data-kind="unreadable-frames"]')];
    for (const notice of found) notices.add(notice);
  };
  const observer = new MutationObserver((records) => {
    for (const record of records) record.addedNodes.forEach(look);
    for (const notice of notices) if (/×\d/.test(notice.textContent ?? '')) repeated = true;
  });
  observer.observe(root, { childList: true, subtree: true, characterData: true });
  return {
    stop() {
      observer.disconnect();
      return { shown: notices.size, repeated };
    },
  };
}

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

    const noticeWatch = watchNotices(screen.container);
    const barrageStarted = performance.now();
    const report = await server.barrage(SEED, FRAMES);
    // The socket keeps order: once the answer to this shows, every bad frame was taken in.
    await send(screen, 'still there?');
    // In the transcript: the live announcer may be saying the same words at that moment.
    await expect
      .element(screen.getByRole('log').getByText('Still here, all good.'), { timeout: 60_000 })
      .toBeVisible();
    watcher.stop();
    const notices = noticeWatch.stop();
    const minutes = Math.floor((performance.now() - barrageStarted) / 60_000);

    const problemKinds: Record<string, number> = {};
    for (const { kind } of problems) problemKinds[kind] = (problemKinds[kind] ?? 0) + 1;
    console.log(
      `[figure] frame fuzz (seed ${report.seed}): ${report.frames} frames, ` +
        `${(report.bytes / 1e6).toFixed(1)} MB, by kind ${JSON.stringify(report.byKind)}; ` +
        `${problems.length} problems reported ${JSON.stringify(problemKinds)}; ` +
        `${watcher.uncaught.length} uncaught, ` +
        `${consoleErrors.mock.calls.length} console errors, ` +
        `${notices.shown} "could not be read" notice shown`,
    );
    expect(report.frames).toBe(FRAMES);
    expect(watcher.uncaught).toEqual([]);
    expect(consoleErrors).not.toHaveBeenCalled();
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
    expect({} as { polluted?: unknown }).not.toHaveProperty('polluted');
    // Every frame the parser rejects (or takes with a warning) is reported, each on its own.
    expect(Object.keys(report.parseProblems).length).toBeGreaterThan(5);
    for (const [kind, expected] of Object.entries(report.parseProblems))
      expect({ kind, reported: problemKinds[kind] ?? 0 }).toEqual({ kind, reported: expected });
    // One notice for the whole barrage (one more per minute it takes), not one per frame.
    expect(notices.shown).toBeGreaterThanOrEqual(1);
    expect(notices.shown).toBeLessThanOrEqual(1 + minutes);
    if (minutes === 0) expect(notices.repeated).toBe(false);
    expect(screen.container.querySelectorAll('[data-slot="banner"]').length).toBeLessThanOrEqual(3);
    expect(chatContents((await server.received()).map((frame) => ({ frame })))).toEqual([
      'still there?',
    ]);
    await expect
      .element(screen.getByRole('status').filter({ hasText: /^Connected$/ }))
      .toBeVisible();
  }, 120_000);
});
