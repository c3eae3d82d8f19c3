/**
 * The re-render contract components rely on: a streamed token changes the reference of its
 * own message only, so the transcript list (selecting `messageIds`) and every other message
 * (selecting by id) keep their references and do not re-render.
 */
import { describe, expect, it } from 'vitest';
import type { ServerFrame } from './protocol.ts';
import { apply, assistantMessageKey, type ChatEvent } from './reduce.ts';
import {
  selectBanners,
  selectConnectionStatus,
  selectIsStreaming,
  selectMessage,
  selectMessageIds,
} from './selectors.ts';
import { initialChatState } from './state.ts';

const at = '2026-01-01T00:00:00.000Z';
const frame = (serverFrame: ServerFrame): ChatEvent => ({
  type: 'frame-received',
  frame: serverFrame,
  at,
});

const twoReplies = apply(
  initialChatState(),
  { type: 'user-message-added', id: 'user:1', text: 'hi', status: 'sent', at },
  frame({ type: 'stream-start', messageId: 'a', timestamp: at }),
  frame({ type: 'stream-token', messageId: 'a', token: 'done', timestamp: at }),
  frame({ type: 'stream-end', messageId: 'a', timestamp: at }),
  frame({ type: 'stream-start', messageId: 'b', timestamp: at }),
);

describe('selectors under streaming', () => {
  it('a token keeps the message order and every other message by reference', () => {
    const next = apply(
      twoReplies,
      frame({ type: 'stream-token', messageId: 'b', token: 'x', timestamp: at }),
    );
    expect(selectMessageIds(next)).toBe(selectMessageIds(twoReplies));
    expect(selectMessage('user:1')(next)).toBe(selectMessage('user:1')(twoReplies));
    expect(selectMessage(assistantMessageKey('a'))(next)).toBe(
      selectMessage(assistantMessageKey('a'))(twoReplies),
    );
    expect(selectMessage(assistantMessageKey('b'))(next)).not.toBe(
      selectMessage(assistantMessageKey('b'))(twoReplies),
    );
    expect(selectBanners(next)).toBe(selectBanners(twoReplies));
  });

  it('a new message changes the order array once', () => {
    const next = apply(twoReplies, frame({ type: 'stream-start', messageId: 'c', timestamp: at }));
    expect(selectMessageIds(next)).not.toBe(selectMessageIds(twoReplies));
    expect(selectMessageIds(next)).toEqual([
      ...selectMessageIds(twoReplies),
      assistantMessageKey('c'),
    ]);
  });

  it('reports streaming while any reply streams, and the connection status', () => {
    expect(selectIsStreaming(twoReplies)).toBe(true);
    const ended = apply(twoReplies, frame({ type: 'stream-end', messageId: 'b', timestamp: at }));
    expect(selectIsStreaming(ended)).toBe(false);
    expect(selectConnectionStatus(ended)).toBe('idle');
  });

  it('returns undefined for an id that is not there', () => {
    expect(selectMessage('nope')(twoReplies)).toBeUndefined();
  });
});
