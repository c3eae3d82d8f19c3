/**
 * Tokens arrive far faster than the screen refreshes (a fast model sends hundreds a second);
 * applying each one on its own would re-render and re-layout per token. The inbox buffers
 * them and hands them over at most once per animation frame.
 */
import { useEffect, useState } from 'react';
import { useLatest } from './use-latest.ts';

/** A hidden tab gets no animation frames; this bounds how long tokens wait there. */
const HIDDEN_FLUSH_MS = 100;

/** Collects incoming frames and hands them over in batches. */
export interface FrameInbox {
  /** Takes one raw frame from the socket. */
  add(data: unknown): void;
  /** Delivers whatever is buffered, now. */
  flush(): void;
}

/**
 * Buffers stream tokens and delivers them at most once per animation frame (or after
 * HIDDEN_FLUSH_MS when frames do not come, as in a background tab). Any other frame (a
 * stream's end, an error, a pong) is delivered at once, with the tokens before it, so order
 * is kept and a finished reply never waits for a frame.
 */
export function createFrameInbox(deliver: (batch: unknown[]) => void): FrameInbox {
  let pending: unknown[] = [];
  let frame: number | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = () => {
    if (frame !== null) cancelAnimationFrame(frame);
    if (timer !== null) clearTimeout(timer);
    frame = null;
    timer = null;
    const batch = pending;
    pending = [];
    if (batch.length > 0) deliver(batch);
  };
  return {
    add(data) {
      pending.push(data);
      if (!isStreamToken(data)) return flush();
      if (frame === null) frame = requestAnimationFrame(flush);
      if (timer === null) timer = setTimeout(flush, HIDDEN_FLUSH_MS);
    },
    flush,
  };
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
