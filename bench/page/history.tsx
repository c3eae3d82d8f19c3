/**
 * A long conversation: mounted over a store that already holds every message, then scrolled
 * from the bottom to the top, one step per animation frame. chatwire is compared with a
 * naive list (one div per message, no optimisation) in the same run.
 */
import { ChatPanel } from 'chatwire';
import { type ChatStore, ChatStoreProvider, createChatStore } from 'chatwire/headless';
import type { ReactNode } from 'react';
import type { HistoryResult, HistorySpec } from './api.ts';
import { container, render } from './root.ts';
import { historyQuestion, historyReply } from './text.ts';
import { afterPaint, nextFrame, waitFor, watchLongTasks } from './timing.ts';

const T0 = Date.parse('2026-01-01T09:00:00.000Z');
const at = (index: number) => new Date(T0 + index * 20_000).toISOString();

interface Turn {
  id: number;
  question: string;
  reply: string;
}

/** Ends the last reply, so a test can tell it is on screen. */
const LAST_MARK = 'End of the conversation.';

const turnsOf = (messages: number): Turn[] => {
  const count = Math.ceil(messages / 2);
  return Array.from({ length: count }, (_, index) => ({
    id: index,
    question: historyQuestion(index),
    reply: historyReply(index) + (index === count - 1 ? `\n\n${LAST_MARK}` : ''),
  }));
};

/**
 * Seeds a store through the public API, as a conversation would have filled it: each question
 * added as sent, each reply streamed in with its whole text as one token, then ended.
 */
function seededStore(turns: readonly Turn[]): ChatStore {
  const store = createChatStore({ now: () => new Date(T0) });
  for (const { id, question, reply } of turns) {
    const timestamp = at(2 * id + 1);
    const frame = (payload: object) => JSON.stringify({ ...payload, timestamp });
    const messageId = `reply-${id}`;
    store.actions.dispatch({
      type: 'user-message-added',
      id: `user:${id}`,
      text: question,
      status: 'sent',
      at: at(2 * id),
    });
    store.actions.receiveMany([
      frame({ type: 'stream-start', messageId }),
      frame({ type: 'stream-token', messageId, token: reply }),
      frame({ type: 'stream-end', messageId }),
    ]);
  }
  return store;
}

/** The naive transcript: every message a div in one scrolling box. */
function NaiveHistory({ turns }: { turns: readonly Turn[] }) {
  return (
    <div role="log" style={{ height: 600, overflowY: 'auto', whiteSpace: 'pre-wrap' }}>
      {turns.flatMap(({ id, question, reply }) => [
        <div key={`q${id}`} data-role="user" style={{ margin: 8, textAlign: 'end' }}>
          {question}
        </div>,
        <div key={`a${id}`} data-role="assistant" style={{ margin: 8 }}>
          {reply}
        </div>,
      ])}
    </div>
  );
}

function viewOf(spec: HistorySpec, turns: readonly Turn[]): ReactNode {
  if (spec.implementation === 'naive') return <NaiveHistory turns={turns} />;
  return (
    <div style={{ height: 600 }}>
      <ChatStoreProvider store={seededStore(turns)}>
        <ChatPanel />
      </ChatStoreProvider>
    </div>
  );
}

/**
 * Renders `view` and times it: to the first paint that shows the last message, and to the
 * first paint with all `count` messages in the DOM.
 */
async function timeMount(
  view: ReactNode,
  count: number,
): Promise<{ mountMs: number; allInDomMs: number; mountLongestTaskMs: number }> {
  const messages = () => container().querySelectorAll('[data-role]');
  const showsLast = () => messages()[messages().length - 1]?.textContent?.includes(LAST_MARK);
  const stopWatching = watchLongTasks();
  const started = performance.now();
  render(view);
  await waitFor(() => showsLast() === true);
  await afterPaint();
  const mountMs = performance.now() - started;
  await waitFor(() => messages().length >= count);
  await afterPaint();
  return { mountMs, allInDomMs: performance.now() - started, mountLongestTaskMs: stopWatching() };
}

/** One animation frame of the scroll. */
interface ScrollFrame {
  /** From the previous frame's start to this one's: what the user sees. */
  intervalMs: number;
  /**
   * The main thread's rendering work for this frame: from its animation frame callback until
   * after its paint. Steadier than intervals on a noisy machine, since it leaves out time the
   * page spends waiting for the processor.
   */
  workMs: number;
}

/** Scrolls up by `stepPx` per frame until the top and returns each frame's timing. */
function scrollToTop(scroller: HTMLElement, stepPx: number): Promise<ScrollFrame[]> {
  return new Promise((resolve) => {
    const frames: ScrollFrame[] = [];
    let previous: number | null = null;
    const step = (now: number) => {
      if (previous !== null) frames.push({ intervalMs: now - previous, workMs: 0 });
      previous = now;
      if (scroller.scrollTop <= 0) return resolve(frames);
      const frame = frames.at(-1);
      const started = performance.now();
      if (frame) void afterPaint().then(() => (frame.workMs = performance.now() - started));
      scroller.scrollTop = Math.max(0, scroller.scrollTop - stepPx);
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
}

/** A frame longer than this missed at least one vsync at 60 Hz. */
const SLOW_FRAME_MS = 32;

const percentile = (values: readonly number[], fraction: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(sorted.length * fraction) - 1)] ?? Number.NaN;
};

export async function history(spec: HistorySpec): Promise<HistoryResult> {
  const turns = turnsOf(spec.messages);
  // Built before the clock starts: seeding the store is not part of mounting it.
  const view = viewOf(spec, turns);
  // Seeding is a long task of its own: let it end before long tasks are watched.
  await nextFrame();
  const mount = await timeMount(view, turns.length * 2);
  const scroller = container().querySelector<HTMLElement>('[role="log"]');
  if (!scroller) throw new Error('No role="log" transcript to scroll.');
  scroller.scrollTop = scroller.scrollHeight;
  // Let the jump to the bottom (and anything it sets off) settle before timing frames.
  await nextFrame();
  await nextFrame();
  const stopWatching = watchLongTasks();
  const frames = await scrollToTop(scroller, spec.scrollStepPx);
  const intervals = frames.map((frame) => frame.intervalMs);
  const work = frames.map((frame) => frame.workMs);
  return {
    ...mount,
    maxFrameMs: Math.max(...intervals),
    p95FrameMs: percentile(intervals, 0.95),
    slowFrames: intervals.filter((ms) => ms > SLOW_FRAME_MS).length,
    p95WorkMs: percentile(work, 0.95),
    maxWorkMs: Math.max(...work),
    longestTaskMs: stopWatching(),
    frames: frames.length,
  };
}
