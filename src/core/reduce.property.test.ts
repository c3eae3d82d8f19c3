import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linkIn } from '../../test/support/link-states.ts';
import type { ServerFrame } from './protocol.ts';
import { type ChatEvent, reduce } from './reduce.ts';
import { connectionStatusOf } from './selectors.ts';
import {
  type AssistantMessageStatus,
  type ChatMessage,
  type ChatState,
  type ConnectionStatus,
  initialChatState,
  MAX_PROBLEMS,
} from './state.ts';

// ---------------------------------------------------------------------------------------------
// Random event sequences: a small pool of ids so that starts, tokens and ends collide often

const MESSAGE_IDS = ['m1', 'm2', 'm3', 'm4'] as const;
const STATUSES: ConnectionStatus[] = [
  'idle',
  'connecting',
  'open',
  'reconnecting',
  'offline',
  'unauthorized',
  'closed',
];

const messageId = fc.constantFrom(...MESSAGE_IDS);
const at = fc
  .integer({ min: 0, max: 600_000 })
  .map((ms) => new Date(Date.UTC(2025, 8, 12, 10, 0, 0) + ms).toISOString());
const token = fc.oneof(
  fc.constantFrom('Hello', ' ', 'world', '!', ''),
  fc.string({ unit: 'grapheme', maxLength: 4 }),
);
const received = (frame: ServerFrame) =>
  at.map((time): ChatEvent => ({ type: 'frame-received', frame, at: time }));

const eventArbitrary: fc.Arbitrary<ChatEvent> = fc.oneof(
  {
    weight: 4,
    arbitrary: messageId.chain((id) =>
      received({ type: 'stream-start', messageId: id, timestamp: 'sent' }),
    ),
  },
  {
    weight: 10,
    arbitrary: fc
      .tuple(messageId, token)
      .chain(([id, text]) =>
        received({ type: 'stream-token', messageId: id, token: text, timestamp: 'sent' }),
      ),
  },
  {
    weight: 3,
    arbitrary: messageId.chain((id) =>
      received({ type: 'stream-end', messageId: id, timestamp: 'sent' }),
    ),
  },
  {
    weight: 1,
    arbitrary: received({
      type: 'connection',
      message: 'Connected to chatbot server',
      timestamp: 'sent',
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('Error description', 'Rate limited')
      .chain((message) => received({ type: 'error', message, timestamp: 'sent' })),
  },
  { weight: 1, arbitrary: received({ type: 'pong', timestamp: 'sent' }) },
  {
    weight: 1,
    arbitrary: received({
      type: 'human-escalation-response',
      message: 'A human agent will contact you soon.',
      timestamp: 'sent',
    }),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom(...STATUSES), at).map(
      ([status, time]): ChatEvent => ({
        type: 'connection-changed',
        connection: linkIn(status),
        at: time,
      }),
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('user:1', 'user:2', 'user:3'), fc.constantFrom('queued', 'sent'), at)
      .map(
        ([id, status, time]): ChatEvent => ({
          type: 'user-message-added',
          id,
          text: 'Hi',
          status,
          at: time,
        }),
      ),
  },
);

const events = (maxLength: number) => fc.array(eventArbitrary, { maxLength });

// ---------------------------------------------------------------------------------------------
// An independent model of what each reply should hold, written from the protocol rules:
// a server's messageId names a reply on one connection only. A stream-start makes a new reply
// unless its id names one still streaming on this connection; the reply takes tokens while
// streaming, and stops streaming at its stream-end or when the connection changes to anything
// but open. Opening or losing the connection forgets the ids. A reply that ends right after an
// error that came while it streamed (no token in between) ends interrupted: the error was
// about it.

interface ModelReply {
  messageId: string;
  text: string;
  tokenCount: number;
  status: AssistantMessageStatus;
}

function modelReplies(sequence: ChatEvent[]): ModelReply[] {
  const replies: ModelReply[] = [];
  let onConnection = new Map<string, ModelReply>();
  let status: ConnectionStatus = 'idle';
  let atError = new Set<ModelReply>();
  for (const event of sequence) {
    if (event.type === 'connection-changed') {
      const next = connectionStatusOf(event.connection);
      if (next !== status && next !== 'open') {
        for (const reply of replies) {
          if (reply.status === 'streaming') reply.status = 'interrupted';
        }
      }
      if ((next === 'open') !== (status === 'open')) onConnection = new Map();
      status = next;
    }
    if (event.type !== 'frame-received') continue;
    const frame = event.frame;
    if (frame.type === 'error') {
      atError = new Set(replies.filter((reply) => reply.status === 'streaming'));
    }
    if (
      frame.type === 'stream-start' &&
      onConnection.get(frame.messageId)?.status !== 'streaming'
    ) {
      const reply: ModelReply = {
        messageId: frame.messageId,
        text: '',
        tokenCount: 0,
        status: 'streaming',
      };
      replies.push(reply);
      onConnection.set(frame.messageId, reply);
    }
    if (frame.type !== 'stream-token' && frame.type !== 'stream-end') continue;
    const reply = onConnection.get(frame.messageId);
    if (reply?.status !== 'streaming') continue;
    if (frame.type === 'stream-token') {
      reply.text += frame.token;
      reply.tokenCount += 1;
    } else {
      reply.status = atError.has(reply) ? 'interrupted' : 'complete';
    }
    atError.delete(reply);
  }
  return replies;
}

function isSettled(message: ChatMessage | undefined): boolean {
  return message?.role === 'assistant' && message.status !== 'streaming';
}

function checkStructure(state: ChatState): void {
  expect(new Set(state.messageIds).size).toBe(state.messageIds.length);
  for (const id of state.messageIds) expect(state.messagesById[id]?.id).toBe(id);
  expect(Object.keys(state.messagesById)).toHaveLength(state.messageIds.length);
  const greetings = state.messageIds.filter((id) => {
    const message = state.messagesById[id];
    return message?.role === 'system' && message.source === 'connection';
  });
  expect(greetings.length).toBeLessThanOrEqual(1);
  expect(state.problems.length).toBeLessThanOrEqual(MAX_PROBLEMS);
}

describe('reduce over random event sequences', () => {
  it('holds each reply to exactly the tokens that arrived while it was streaming', () => {
    fc.assert(
      fc.property(events(60), (sequence) => {
        const state = sequence.reduce(reduce, initialChatState());
        const expected = modelReplies(sequence);
        const replies = state.messageIds
          .map((id) => state.messagesById[id])
          .filter((message) => message?.role === 'assistant');
        expect(replies).toHaveLength(expected.length);
        expected.forEach((reply, index) => {
          expect(replies[index]).toMatchObject({ role: 'assistant', ...reply });
        });
      }),
      { numRuns: 1500 },
    );
  });

  it('never changes a completed or interrupted reply again, and keeps the state consistent', () => {
    fc.assert(
      fc.property(events(60), (sequence) => {
        let state = initialChatState();
        for (const event of sequence) {
          const next = reduce(state, event);
          for (const id of state.messageIds) {
            if (isSettled(state.messagesById[id])) {
              expect(next.messagesById[id]).toBe(state.messagesById[id]);
            }
          }
          // A message, once added, keeps its place in the transcript.
          expect(next.messageIds.slice(0, state.messageIds.length)).toEqual(state.messageIds);
          checkStructure(next);
          state = next;
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('caps the problems and keeps one greeting over long, hostile sequences', () => {
    fc.assert(
      fc.property(fc.array(eventArbitrary, { minLength: 100, maxLength: 300 }), (sequence) => {
        const state = sequence.reduce(reduce, initialChatState());
        checkStructure(state);
      }),
      { numRuns: 300 },
    );
  });
});
