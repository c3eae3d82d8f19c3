import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createFrameInbox,
  FRAME_BUDGET_MS,
  INITIAL_TOKENS_PER_MS,
  nextLimit,
} from './frame-inbox.ts';

const token = (text: string) =>
  JSON.stringify({ type: 'stream-token', messageId: 'm', token: text });
const end = JSON.stringify({ type: 'stream-end', messageId: 'm' });
const tokens = (count: number) => Array.from({ length: count }, (_, index) => token(`t${index}`));

/** How many frames the first delivery under load may take. */
const initialLimit = INITIAL_TOKENS_PER_MS * FRAME_BUDGET_MS;

let now = 0;
let frameCallbacks = new Map<number, () => void>();
let nextHandle = 1;

/** Runs the animation frame callbacks pending now; true when there were any. */
function runFrame(): boolean {
  const due = [...frameCallbacks.values()];
  frameCallbacks = new Map();
  for (const callback of due) callback();
  return due.length > 0;
}

/** Runs animation frames until none is pending, letting the inbox learn after each. */
async function runAllFrames(): Promise<void> {
  while (runFrame()) await Promise.resolve();
}

/** An inbox whose deliveries are recorded, each taking `msPerFrame` per frame delivered. */
function inboxTaking(msPerFrame: number) {
  const batches: unknown[][] = [];
  const inbox = createFrameInbox((batch) => {
    batches.push(batch);
    now += batch.length * msPerFrame;
  });
  return { inbox, batches, sizes: () => batches.map((batch) => batch.length) };
}

beforeEach(() => {
  now = 0;
  frameCallbacks = new Map();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  vi.spyOn(performance, 'now').mockImplementation(() => now);
  vi.stubGlobal('requestAnimationFrame', (callback: () => void) => {
    frameCallbacks.set(nextHandle, callback);
    return nextHandle++;
  });
  vi.stubGlobal('cancelAnimationFrame', (handle: number) => frameCallbacks.delete(handle));
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('nextLimit', () => {
  it('falls at once to what fit the budget in a slow delivery', () => {
    // Delivered in twice the budget: half of them fit.
    expect(nextLimit(300, 200, FRAME_BUDGET_MS * 2)).toBe(100);
  });

  it('rises by halves towards what a fast delivery says would fit', () => {
    // Delivered in half the budget: twice as many would fit; halfway from 300 is 450.
    expect(nextLimit(300, 300, FRAME_BUDGET_MS / 2)).toBe(450);
  });

  it('treats a delivery under a millisecond as one, and never goes below one frame', () => {
    expect(nextLimit(300, 300, 0)).toBe(nextLimit(300, 300, 1));
    expect(nextLimit(300, 1, 10_000)).toBe(1);
  });
});

describe('createFrameInbox', () => {
  it('delivers tokens once per animation frame, all of them when they fit', async () => {
    const { inbox, batches } = inboxTaking(0);
    for (const data of tokens(3)) inbox.add(data);
    expect(batches).toEqual([]);
    runFrame();
    expect(batches).toEqual([tokens(3)]);
    expect(runFrame()).toBe(false);
  });

  it('delivers any other frame at once, with the tokens before it', () => {
    const { inbox, batches } = inboxTaking(0);
    inbox.add(token('a'));
    inbox.add(end);
    expect(batches).toEqual([[token('a'), end]]);
  });

  it('spreads a burst over frames, in order, the end waiting its turn behind the tokens', async () => {
    // Each delivery takes just what the assumed rate says, so the limit stays where it is.
    const { inbox, batches, sizes } = inboxTaking(1 / INITIAL_TOKENS_PER_MS);
    const burst = tokens(initialLimit * 2 + 5);
    for (const data of burst) inbox.add(data);
    inbox.add(end);
    expect(batches).toEqual([]);
    await runAllFrames();
    expect(sizes()).toEqual([initialLimit, initialLimit, 5 + 1]);
    expect(batches.flat()).toEqual([...burst, end]);
  });

  it('delivers less in the frame after a slow delivery', async () => {
    // A millisecond per token: only FRAME_BUDGET_MS of them fit a frame's budget.
    const { inbox, sizes } = inboxTaking(1);
    for (const data of tokens(initialLimit * 3)) inbox.add(data);
    runFrame();
    await Promise.resolve();
    runFrame();
    expect(sizes()).toEqual([initialLimit, FRAME_BUDGET_MS]);
  });

  it('delivers on a timer when no animation frame comes (a hidden tab)', () => {
    const { inbox, batches } = inboxTaking(0);
    inbox.add(token('a'));
    vi.advanceTimersByTime(100);
    expect(batches).toEqual([[token('a')]]);
  });

  it('flush delivers everything at once, whatever the limit', () => {
    const { inbox, batches } = inboxTaking(0);
    const burst = tokens(initialLimit * 3);
    for (const data of burst) inbox.add(data);
    inbox.flush();
    expect(batches).toEqual([burst]);
    expect(runFrame()).toBe(false);
  });
});
