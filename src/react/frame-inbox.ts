/**
 * Tokens arrive far faster than the screen refreshes (a fast model sends hundreds a second);
 * applying each one on its own would re-render and re-layout per token. The inbox buffers
 * them and hands them over at most once per animation frame.
 *
 * It also keeps each frame's share of the work bounded. It times every delivery (the store
 * update and React's render, which runs in a microtask right after it) and hands over no more
 * tokens in one frame than the widget renders in {@link FRAME_BUDGET_MS}. A burst (a fast
 * model, tokens held up by a network stall) is then shown over a few more frames instead of in
 * one long frame that freezes the page, and on a slow phone the batches are simply smaller.
 * At the pace a model writes, a frame holds a token or two and the budget never binds.
 */
import { useEffect, useState } from 'react';
import { useLatest } from './use-latest.ts';

/** A hidden tab gets no animation frames; this bounds how long tokens wait there. */
const HIDDEN_FLUSH_MS = 100;

/**
 * Script time one frame's delivery may take. With the browser's style and layout on top, a
 * burst's frames stay near the 50 ms where a long task (one that delays the user's input)
 * begins, instead of growing with the burst. A tighter budget cut long tasks further in the
 * benchmark but slowed a markdown burst by a third: every delivery has fixed costs.
 */
export const FRAME_BUDGET_MS = 30;

/**
 * Tokens rendered per millisecond, assumed until a full delivery has been timed: about what
 * a markdown-heavy reply costs on a freshly loaded page, when nothing is compiled yet.
 */
export const INITIAL_TOKENS_PER_MS = 15;

/** Collects incoming frames and hands them over in batches. */
export interface FrameInbox {
  /** Takes one raw frame from the socket. */
  add(data: unknown): void;
  /** Delivers everything buffered, now, whatever the budget. */
  flush(): void;
}

/**
 * Buffers stream tokens and delivers them at most once per animation frame (or after
 * HIDDEN_FLUSH_MS when frames do not come, as in a background tab), as many per frame as fit
 * the budget. Any other frame (a stream's end, an error, a pong) is delivered at once with the
 * tokens before it, so order is kept and a finished reply never waits for a frame; only when
 * more tokens are waiting than one frame takes does it wait its turn behind them.
 */
export function createFrameInbox(deliver: (batch: unknown[]) => void): FrameInbox {
  const pending: unknown[] = [];
  /** How many socket frames one delivery may hand over: as many as render in FRAME_BUDGET_MS. */
  let limit = INITIAL_TOKENS_PER_MS * FRAME_BUDGET_MS;
  let frame: number | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const schedule = () => {
    frame ??= requestAnimationFrame(deliverFrame);
    timer ??= setTimeout(deliverFrame, HIDDEN_FLUSH_MS);
  };

  /** Delivers up to `count` pending socket frames, and learns from how long that took. */
  function deliverUpTo(count: number) {
    // No frame or timer has the handle 0, nor undefined: cancelling those does nothing.
    cancelAnimationFrame(frame ?? 0);
    clearTimeout(timer ?? undefined);
    frame = timer = null;
    const batch = pending.splice(0, count);
    if (pending.length > 0) schedule();
    if (batch.length === 0) return;
    const started = performance.now();
    deliver(batch);
    // Only a full batch says how many fit: a token or two says little. Queued after the
    // delivery, so it runs after the render React queued during it.
    if (batch.length >= limit) {
      queueMicrotask(() => {
        limit = nextLimit(limit, batch.length, performance.now() - started);
      });
    }
  }
  const deliverFrame = () => deliverUpTo(limit);
  const flush = () => deliverUpTo(pending.length);

  return {
    add(data) {
      pending.push(data);
      // Any other frame goes at once with the tokens before it, unless they are too many.
      if (isStreamToken(data) || pending.length > limit) schedule();
      else flush();
    },
    flush,
  };
}

/**
 * The next delivery's size, learnt from one that handed over `delivered` socket frames in
 * `elapsedMs`: what would have fit in {@link FRAME_BUDGET_MS}. It falls at once, so the
 * delivery after a costly one is smaller, and rises by halves, so one cheap delivery does not
 * make the next one huge. Never below one.
 */
export function nextLimit(limit: number, delivered: number, elapsedMs: number): number {
  // A delivery faster than a millisecond is timed too coarsely to say more than "fast".
  const fits = (delivered * FRAME_BUDGET_MS) / Math.max(elapsedMs, 1);
  return Math.max(1, fits < limit ? fits : (limit + fits) / 2);
}

/** `createFrameInbox` for a component; anything still buffered on unmount is delivered. */
export function useFrameInbox(deliver: (batch: unknown[]) => void): FrameInbox {
  const deliverRef = useLatest(deliver);
  const [inbox] = useState(() => createFrameInbox((batch) => deliverRef.current(batch)));
  useEffect(() => () => inbox.flush(), [inbox]);
  return inbox;
}

/** A cheap look at the raw text; a wrong guess only delays a frame by one animation frame. */
function isStreamToken(data: unknown): boolean {
  return typeof data === 'string' && data.includes('"stream-token"');
}
