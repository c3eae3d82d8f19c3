/**
 * Tokens arrive far faster than the screen refreshes (a fast model sends hundreds a second);
 * applying each one on its own would re-render and re-layout per token. The inbox buffers
 * frames, already parsed, and hands them over at most once per animation frame.
 */
import type { ParseResult } from './parse.ts';

/** A hidden tab gets no animation frames; this bounds how long tokens wait there. */
export const HIDDEN_FLUSH_MS = 100;

/** Collects parsed frames and hands them over in batches. */
export interface FrameInbox {
  /** Takes one frame as it was parsed on arrival. */
  add(result: ParseResult): void;
  /** Delivers whatever is buffered, now. */
  flush(): void;
}

/** Asks for `work` on the next animation frame where there are frames; returns a canceller. */
function onNextFrame(work: () => void): () => void {
  if (typeof requestAnimationFrame === 'function') {
    const handle = requestAnimationFrame(work);
    return () => cancelAnimationFrame(handle);
  }
  // No screen (Node, a worker): a frame's worth of time does the same job.
  const timer = setTimeout(work, 16);
  return () => clearTimeout(timer);
}

/**
 * Buffers stream tokens and delivers them at most once per animation frame (or after
 * HIDDEN_FLUSH_MS when frames do not come, as in a background tab). Any other frame (a
 * stream's end, an error, a pong) is delivered at once, with the tokens before it, so order
 * is kept and a finished reply never waits for a frame.
 */
export function createFrameInbox(deliver: (batch: ParseResult[]) => void): FrameInbox {
  let pending: ParseResult[] = [];
  let cancelFrame: (() => void) | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = () => {
    cancelFrame?.();
    if (timer !== null) clearTimeout(timer);
    cancelFrame = null;
    timer = null;
    const batch = pending;
    pending = [];
    if (batch.length > 0) deliver(batch);
  };
  return {
    add(result) {
      pending.push(result);
      if (!result.ok || result.frame.type !== 'stream-token') return flush();
      cancelFrame ??= onNextFrame(flush);
      timer ??= setTimeout(flush, HIDDEN_FLUSH_MS);
    },
    flush,
  };
}
