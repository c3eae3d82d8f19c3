/**
 * The frame inbox in a real browser: parsed stream tokens wait for the next animation frame and go
 * together, any other frame takes the tokens before it along at once and in order, and when
 * animation frames stop (a hidden tab) a timer delivers them anyway.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { createFrameInbox } from '../src/core/frame-inbox.ts';
import { type ParseResult, parseServerFrame } from '../src/core/parse.ts';

/** A frame as the connection hands it to the inbox: parsed on arrival. */
const frame = (payload: object): ParseResult =>
  parseServerFrame(
    JSON.stringify({ ...payload, messageId: 'm', timestamp: '2026-01-01T00:00:00.000Z' }),
  );
const token = (text: string) => frame({ type: 'stream-token', token: text });
const end = frame({ type: 'stream-end' });

afterEach(() => {
  vi.restoreAllMocks();
});

it('delivers the tokens of one frame together, on the next animation frame', async () => {
  const batches: ParseResult[][] = [];
  const inbox = createFrameInbox((batch) => batches.push(batch));
  inbox.add(token('a'));
  inbox.add(token('b'));
  inbox.add(token('c'));
  expect(batches).toEqual([]);
  await new Promise(requestAnimationFrame);
  expect(batches).toEqual([[token('a'), token('b'), token('c')]]);
});

it("delivers a stream's end at once, with the tokens before it, in order", () => {
  const batches: ParseResult[][] = [];
  const inbox = createFrameInbox((batch) => batches.push(batch));
  inbox.add(token('a'));
  inbox.add(token('b'));
  inbox.add(end);
  expect(batches).toEqual([[token('a'), token('b'), end]]);
});

it('delivers tokens on a timer when animation frames do not come, as in a hidden tab', async () => {
  // A hidden tab runs no animation frames.
  vi.spyOn(window, 'requestAnimationFrame').mockImplementation(() => 0);
  const batches: ParseResult[][] = [];
  const inbox = createFrameInbox((batch) => batches.push(batch));
  inbox.add(token('a'));
  inbox.add(token('b'));
  expect(batches).toEqual([]);
  await expect.poll(() => batches, { timeout: 2_000 }).toEqual([[token('a'), token('b')]]);
});
