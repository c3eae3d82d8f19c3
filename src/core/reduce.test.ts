import { describe, expect, it } from 'vitest';
import { linkIn } from '../../test/support/link-states.ts';
import type { FrameProblem } from './parse.ts';
import type { ServerFrame } from './protocol.ts';
import { apply, assistantMessageKey, type ChatEvent } from './reduce.ts';
import { selectConnectionStatus, selectNextRetryAt } from './selectors.ts';
import {
  type AssistantMessage,
  type ChatState,
  type ConnectionStatus,
  initialChatState,
  MAX_BANNER_LENGTH,
  MAX_BANNERS,
  MAX_PROBLEMS,
  type SystemMessage,
  UNREADABLE_FRAMES_TEXT,
  type UserMessage,
} from './state.ts';

const SENT_AT = '2025-09-12T10:15:30.000Z';
const AT = '2025-09-12T10:15:31.000Z';
const LATER = '2025-09-12T10:15:32.000Z';

// ---------------------------------------------------------------------------------------------
// Event builders, so each test reads as the list of things that happened

const received = (frame: ServerFrame, at = AT): ChatEvent => ({
  type: 'frame-received',
  frame,
  at,
});
const streamStart = (messageId: string, at = AT) =>
  received({ type: 'stream-start', messageId, timestamp: SENT_AT }, at);
const streamToken = (messageId: string, token: string, at = AT) =>
  received({ type: 'stream-token', messageId, token, timestamp: SENT_AT }, at);
const streamEnd = (messageId: string, at = AT) =>
  received({ type: 'stream-end', messageId, timestamp: SENT_AT }, at);
const connectionFrame = (message = 'Connected to chatbot server', at = AT) =>
  received({ type: 'connection', message, timestamp: SENT_AT }, at);
const errorFrame = (message = 'Error description', at = AT) =>
  received({ type: 'error', message, timestamp: SENT_AT }, at);
const escalationResponse = (message = 'A human agent will contact you soon.', at = AT) =>
  received({ type: 'human-escalation-response', message, timestamp: SENT_AT }, at);
const pong = (at = AT) => received({ type: 'pong', timestamp: SENT_AT }, at);
const connectionChanged = (status: ConnectionStatus, at = AT): ChatEvent => ({
  type: 'connection-changed',
  connection: linkIn(status),
  at,
});
const userMessageAdded = (
  id: string,
  text = 'Hi',
  status: 'queued' | 'sent' = 'queued',
  at = AT,
): ChatEvent => ({ type: 'user-message-added', id, text, status, at });
const rejected = (problem: FrameProblem, at = AT): ChatEvent => ({
  type: 'frame-rejected',
  problem,
  at,
});

const ALL_STATUSES: ConnectionStatus[] = [
  'idle',
  'connecting',
  'open',
  'reconnecting',
  'offline',
  'unauthorized',
  'closed',
];
const NOT_OPEN_STATUSES = ALL_STATUSES.filter((status) => status !== 'open');

// ---------------------------------------------------------------------------------------------
// Readers that fail loudly instead of returning undefined

function assistant(state: ChatState, messageId: string): AssistantMessage {
  const message = state.messagesById[assistantMessageKey(messageId)];
  if (message?.role !== 'assistant') throw new Error(`no assistant message '${messageId}'`);
  return message;
}

function user(state: ChatState, id: string): UserMessage {
  const message = state.messagesById[id];
  if (message?.role !== 'user') throw new Error(`no user message '${id}'`);
  return message;
}

function systemMessages(state: ChatState): SystemMessage[] {
  return state.messageIds
    .map((id) => state.messagesById[id])
    .filter((message): message is SystemMessage => message?.role === 'system');
}

const start = (...events: ChatEvent[]) => apply(initialChatState(), ...events);

// ---------------------------------------------------------------------------------------------

describe('streamed assistant replies', () => {
  it('opens a streaming, empty assistant message on stream-start', () => {
    const state = start(streamStart('msg_abc123'));
    expect(state.messageIds).toEqual([assistantMessageKey('msg_abc123')]);
    expect(assistant(state, 'msg_abc123')).toStrictEqual({
      id: assistantMessageKey('msg_abc123'),
      role: 'assistant',
      messageId: 'msg_abc123',
      text: '',
      tokenCount: 0,
      status: 'streaming',
      interruption: null,
      createdAt: AT,
      updatedAt: AT,
    });
  });

  it('appends tokens in arrival order and counts them', () => {
    const state = start(
      streamStart('msg_abc123'),
      streamToken('msg_abc123', 'Hello'),
      streamToken('msg_abc123', ','),
      streamToken('msg_abc123', ' world'),
    );
    expect(assistant(state, 'msg_abc123')).toMatchObject({
      text: 'Hello, world',
      tokenCount: 3,
      status: 'streaming',
    });
  });

  it('counts an empty token without changing the text', () => {
    const state = start(streamStart('m1'), streamToken('m1', 'a'), streamToken('m1', ''));
    expect(assistant(state, 'm1')).toMatchObject({ text: 'a', tokenCount: 2 });
  });

  it('keeps two interleaved streams apart', () => {
    const state = start(
      streamStart('m1'),
      streamStart('m2'),
      streamToken('m1', 'one '),
      streamToken('m2', 'two '),
      streamToken('m1', 'three'),
      streamEnd('m2'),
      streamToken('m2', 'late'),
      streamToken('m1', '!'),
    );
    expect(state.messageIds).toEqual([assistantMessageKey('m1'), assistantMessageKey('m2')]);
    expect(assistant(state, 'm1')).toMatchObject({ text: 'one three!', status: 'streaming' });
    expect(assistant(state, 'm2')).toMatchObject({ text: 'two ', status: 'complete' });
  });

  it('completes the message on stream-end, keeping its text', () => {
    const state = start(streamStart('m1'), streamToken('m1', 'Done.'), streamEnd('m1'));
    expect(assistant(state, 'm1')).toMatchObject({
      text: 'Done.',
      tokenCount: 1,
      status: 'complete',
    });
  });

  it('takes createdAt from the time stream-start arrived, not later frames', () => {
    const state = start(
      streamStart('m1', AT),
      streamToken('m1', 'x', LATER),
      streamEnd('m1', LATER),
    );
    expect(assistant(state, 'm1').createdAt).toBe(AT);
  });

  it('records a duplicate stream-start as a problem and leaves the message as it was', () => {
    const before = start(streamStart('m1'), streamToken('m1', 'kept'));
    const after = apply(before, streamStart('m1', LATER));
    expect(after.problems).toEqual([
      {
        kind: 'duplicate-stream-start',
        message: expect.stringContaining("'m1'"),
        at: LATER,
      },
    ]);
    expect(after.messagesById[assistantMessageKey('m1')]).toBe(
      before.messagesById[assistantMessageKey('m1')],
    );
    expect(after.messageIds).toBe(before.messageIds);
  });

  it("starts a new reply when a finished reply's id comes again, leaving the old one as it was", () => {
    const before = start(streamStart('m1'), streamToken('m1', 'old'), streamEnd('m1'));
    const after = apply(before, streamStart('m1'), streamToken('m1', 'new'), streamEnd('m1'));
    const [first, second] = after.messageIds.map((id) => after.messagesById[id]);
    expect(first).toBe(before.messagesById[before.messageIds[0] ?? '']);
    expect(second).toMatchObject({ messageId: 'm1', text: 'new', status: 'complete' });
    expect(second?.id).not.toBe(first?.id);
    expect(after.problems).toEqual([]);
  });

  it('ignores a second stream-start for a reply still streaming on this connection', () => {
    const before = start(streamStart('m1'), streamToken('m1', 'one '));
    const after = apply(before, streamStart('m1'), streamToken('m1', 'two'));
    expect(after.messageIds).toHaveLength(1);
    expect(assistant(after, 'm1')).toMatchObject({ text: 'one two', status: 'streaming' });
    expect(after.problems.map((problem) => problem.kind)).toEqual(['duplicate-stream-start']);
  });

  it("forgets the server's ids with the connection: the same id on the next one is a new reply", () => {
    const state = start(
      connectionChanged('open'),
      streamStart('msg_1'),
      streamToken('msg_1', 'first'),
      streamEnd('msg_1'),
      connectionChanged('reconnecting'),
      connectionChanged('open'),
      streamStart('msg_1'),
      streamToken('msg_1', 'second'),
      streamEnd('msg_1'),
    );
    const replies = state.messageIds.map((id) => state.messagesById[id]);
    expect(replies.map((reply) => reply?.role === 'assistant' && reply.text)).toEqual([
      'first',
      'second',
    ]);
    expect(replies.map((reply) => reply?.role === 'assistant' && reply.status)).toEqual([
      'complete',
      'complete',
    ]);
    expect(state.problems).toEqual([]);
  });

  it('keeps interleaved replies apart when both reuse ids of earlier replies', () => {
    const state = start(
      connectionChanged('open'),
      streamStart('a'),
      streamEnd('a'),
      streamStart('b'),
      streamEnd('b'),
      streamStart('a'),
      streamStart('b'),
      streamToken('a', 'A1 '),
      streamToken('b', 'B1 '),
      streamToken('a', 'A2'),
      streamEnd('b'),
      streamToken('b', 'late'),
      streamEnd('a'),
    );
    const texts = state.messageIds.map((id) => {
      const reply = state.messagesById[id];
      return reply?.role === 'assistant' ? `${reply.text}|${reply.status}` : '';
    });
    expect(texts).toEqual(['|complete', '|complete', 'A1 A2|complete', 'B1 |complete']);
    expect(state.problems.map((problem) => problem.kind)).toEqual(['late-frame']);
  });

  it('gives a reply the id its event brings, so two tabs never make the same one', () => {
    const state = start({ ...streamStart('msg_1'), newMessageId: 'tab-a-1' } as ChatEvent);
    expect(state.messageIds).toEqual(['assistant:tab-a-1']);
  });

  it.each([
    ['stream-token', streamToken('ghost', 'boo', LATER)],
    ['stream-end', streamEnd('ghost', LATER)],
  ])('records %s for an unknown messageId and says stream-start must come first', (type, event) => {
    const state = start(event);
    expect(state.messageIds).toEqual([]);
    expect(state.problems).toEqual([
      {
        kind: 'unknown-message-id',
        message: `${type} for unknown messageId 'ghost': the server must send stream-start first (on this connection).`,
        at: LATER,
      },
    ]);
  });

  it('records a token after stream-end as a late frame and keeps the text', () => {
    const before = start(streamStart('m1'), streamToken('m1', 'final'), streamEnd('m1'));
    const after = apply(before, streamToken('m1', ' extra', LATER));
    expect(assistant(after, 'm1')).toBe(assistant(before, 'm1'));
    expect(assistant(after, 'm1').text).toBe('final');
    expect(after.problems).toEqual([
      {
        kind: 'late-frame',
        message: expect.stringMatching(/stream-token.*'m1'.*complete/),
        at: LATER,
      },
    ]);
  });

  it('records a second stream-end as a late frame', () => {
    const before = start(streamStart('m1'), streamEnd('m1'));
    const after = apply(before, streamEnd('m1'));
    expect(assistant(after, 'm1')).toBe(assistant(before, 'm1'));
    expect(after.problems.map((problem) => problem.kind)).toEqual(['late-frame']);
    expect(after.problems[0]?.message).toMatch(/stream-end.*'m1'/);
  });

  it('records a token for a reply that ended as a late frame', () => {
    const state = start(
      connectionChanged('open'),
      streamStart('m1'),
      streamToken('m1', 'part'),
      streamEnd('m1'),
      streamToken('m1', 'rest'),
    );
    expect(assistant(state, 'm1')).toMatchObject({ text: 'part', status: 'complete' });
    expect(state.problems).toEqual([
      { kind: 'late-frame', message: expect.stringContaining('complete'), at: AT },
    ]);
  });

  it('keeps a reply cut by a drop as it was: a token for its id after reconnecting is unknown', () => {
    const state = start(
      connectionChanged('open'),
      streamStart('m1'),
      streamToken('m1', 'part'),
      connectionChanged('reconnecting'),
      connectionChanged('open'),
      streamToken('m1', 'rest'),
    );
    expect(assistant(state, 'm1')).toMatchObject({ text: 'part', status: 'interrupted' });
    expect(state.problems.map((problem) => problem.kind)).toEqual(['unknown-message-id']);
  });
});

describe('the connection greeting', () => {
  it('adds one system message from the connection frame', () => {
    const state = start(connectionFrame());
    expect(state.messageIds).toHaveLength(1);
    expect(systemMessages(state)).toStrictEqual([
      {
        id: state.messageIds[0],
        role: 'system',
        source: 'connection',
        text: 'Connected to chatbot server',
        createdAt: AT,
      },
    ]);
    expect(state.hasShownConnectionNotice).toBe(true);
  });

  it('adds nothing for the connection frame of a reconnect', () => {
    const before = start(connectionChanged('open'), connectionFrame());
    const reconnected = apply(before, connectionChanged('reconnecting'), connectionChanged('open'));
    const after = apply(reconnected, connectionFrame('Connected to chatbot server', LATER));
    expect(after).toBe(reconnected);
    expect(systemMessages(after)).toHaveLength(1);
  });
});

describe('error banners', () => {
  it('raises an error banner from an error frame', () => {
    const state = start(errorFrame());
    expect(state.banners).toStrictEqual([
      { id: expect.any(String), kind: 'error', text: 'Error description', count: 1, createdAt: AT },
    ]);
  });

  it('bumps the count when the same error repeats, instead of stacking banners', () => {
    const once = start(errorFrame());
    const thrice = apply(once, errorFrame('Error description', LATER), errorFrame());
    expect(thrice.banners).toHaveLength(1);
    expect(thrice.banners[0]).toStrictEqual({ ...once.banners[0], count: 3 });
  });

  it('stacks a different error as a second banner', () => {
    const state = start(errorFrame('Rate limited'), errorFrame('Model unavailable'));
    expect(state.banners.map((banner) => [banner.text, banner.count])).toEqual([
      ['Rate limited', 1],
      ['Model unavailable', 1],
    ]);
    expect(new Set(state.banners.map((banner) => banner.id)).size).toBe(2);
  });

  it('removes a banner when it is dismissed', () => {
    const before = start(errorFrame('first'), errorFrame('second'));
    const [first, second] = before.banners;
    if (!first || !second) throw new Error('expected two banners');
    const after = apply(before, { type: 'banner-dismissed', id: first.id });
    expect(after.banners).toEqual([second]);
  });

  it('raises a fresh banner for an error repeated after its banner was dismissed', () => {
    const raised = start(errorFrame());
    const id = raised.banners[0]?.id ?? '';
    const again = apply(raised, { type: 'banner-dismissed', id }, errorFrame());
    expect(again.banners).toHaveLength(1);
    expect(again.banners[0]).toMatchObject({ count: 1, text: 'Error description' });
    expect(again.banners[0]?.id).not.toBe(id);
  });

  it('returns the same state when dismissing an unknown banner', () => {
    const before = start(errorFrame());
    expect(apply(before, { type: 'banner-dismissed', id: 'banner:nope' })).toBe(before);
  });

  it('raises notice banners through banner-raised', () => {
    const state = start({ type: 'banner-raised', kind: 'notice', text: 'Back online', at: AT });
    expect(state.banners).toMatchObject([{ kind: 'notice', text: 'Back online', count: 1 }]);
  });
});

describe('escalation to a person', () => {
  it('marks the escalation requested with its reason', () => {
    const state = start({ type: 'escalation-requested', reason: 'Need human assistance', at: AT });
    expect(state.escalation).toEqual({ status: 'requested', reason: 'Need human assistance' });
  });

  it('ignores a second request while one is pending, returning the same state', () => {
    const once = start({ type: 'escalation-requested', reason: 'first', at: AT });
    const twice = apply(once, { type: 'escalation-requested', reason: 'second', at: LATER });
    expect(twice).toBe(once);
    expect(twice.escalation).toEqual({ status: 'requested', reason: 'first' });
  });

  it('acknowledges on human-escalation-response and shows the answer as a system message', () => {
    const state = start(
      { type: 'escalation-requested', reason: 'Need human assistance', at: AT },
      escalationResponse('A human agent will contact you soon.', LATER),
    );
    expect(state.escalation).toEqual({ status: 'acknowledged', reason: 'Need human assistance' });
    expect(systemMessages(state)).toStrictEqual([
      {
        id: expect.any(String),
        role: 'system',
        source: 'escalation',
        text: 'A human agent will contact you soon.',
        createdAt: LATER,
      },
    ]);
  });
});

describe('gives every local message and banner its own id', () => {
  it('never reuses an id across system messages and banners', () => {
    const state = start(
      connectionFrame(),
      errorFrame('a'),
      escalationResponse(),
      errorFrame('b'),
      escalationResponse('Agent joined.'),
    );
    const ids = [...state.messageIds, ...state.banners.map((banner) => banner.id)];
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
  });
});

describe('pong', () => {
  it("changes nothing in the conversation: its round trip is the link machine's", () => {
    const state = start(connectionChanged('open'));
    expect(apply(state, pong(LATER))).toBe(state);
  });
});

describe('connection changes', () => {
  it.each(NOT_OPEN_STATUSES)(
    'interrupts streaming replies on %s, keeping their partial text',
    (status) => {
      const before = start(
        connectionChanged('open'),
        streamStart('done'),
        streamToken('done', 'finished'),
        streamEnd('done'),
        streamStart('live'),
        streamToken('live', 'half a '),
      );
      const after = apply(before, connectionChanged(status));
      expect(selectConnectionStatus(after)).toBe(status);
      expect(assistant(after, 'live')).toMatchObject({
        text: 'half a ',
        tokenCount: 1,
        status: 'interrupted',
      });
      expect(assistant(after, 'done')).toBe(assistant(before, 'done'));
    },
  );

  it('does not interrupt streaming replies when the connection opens', () => {
    const before = start(
      connectionChanged('connecting'),
      streamStart('m1'),
      streamToken('m1', 'a'),
    );
    const after = apply(before, connectionChanged('open'));
    expect(selectConnectionStatus(after)).toBe('open');
    expect(assistant(after, 'm1')).toBe(assistant(before, 'm1'));
  });

  it.each(ALL_STATUSES)('returns the same state for the same link state (%s)', (status) => {
    const link = linkIn(status);
    const before = start(connectionChanged('connecting'), {
      type: 'connection-changed',
      connection: link,
      at: AT,
    });
    expect(apply(before, { type: 'connection-changed', connection: link, at: LATER })).toBe(before);
  });

  it.each(ALL_STATUSES)('keeps the conversation when the link moves on within %s', (status) => {
    const before = start(connectionChanged(status), userMessageAdded('user:1', 'Hi', 'queued'));
    const after = apply(before, {
      type: 'connection-changed',
      connection: { ...before.connection, lastTickAt: 1 },
      at: LATER,
    });
    expect(after.messagesById).toBe(before.messagesById);
    expect(after.messageIds).toBe(before.messageIds);
  });
});

describe("the user's messages", () => {
  it.each(['queued', 'sent'] as const)('adds a %s user message', (status) => {
    const state = start(userMessageAdded('user:1', 'Hello there', status));
    expect(state.messageIds).toEqual(['user:1']);
    expect(user(state, 'user:1')).toStrictEqual({
      id: 'user:1',
      role: 'user',
      text: 'Hello there',
      status,
      createdAt: AT,
    });
  });

  it('ignores a second message with an id already in use', () => {
    const before = start(userMessageAdded('user:1', 'first'));
    expect(apply(before, userMessageAdded('user:1', 'second'))).toBe(before);
  });

  it('marks a queued message sent when it is delivered', () => {
    const state = start(userMessageAdded('user:1'), {
      type: 'user-message-delivered',
      id: 'user:1',
    });
    expect(user(state, 'user:1').status).toBe('sent');
  });

  it('marks a queued message failed', () => {
    const state = start(userMessageAdded('user:1'), { type: 'user-message-failed', id: 'user:1' });
    expect(user(state, 'user:1').status).toBe('failed');
  });

  it.each<[string, ChatEvent[], ChatEvent]>([
    [
      'delivered for a message already sent',
      [userMessageAdded('user:1', 'x', 'sent')],
      { type: 'user-message-delivered', id: 'user:1' },
    ],
    [
      'delivered for a failed message',
      [userMessageAdded('user:1'), { type: 'user-message-failed', id: 'user:1' }],
      { type: 'user-message-delivered', id: 'user:1' },
    ],
    [
      'failed for a message already sent',
      [userMessageAdded('user:1', 'x', 'sent')],
      { type: 'user-message-failed', id: 'user:1' },
    ],
    ['delivered for an unknown id', [], { type: 'user-message-delivered', id: 'user:9' }],
    [
      'delivered for an assistant message id',
      [streamStart('m1')],
      { type: 'user-message-delivered', id: assistantMessageKey('m1') },
    ],
  ])('changes nothing on %s', (_name, setup, event) => {
    const before = start(...setup);
    expect(apply(before, event)).toBe(before);
  });
});

describe('protocol problems', () => {
  const problem = (n: number): FrameProblem => ({
    kind: 'not-json',
    message: `problem ${n}`,
    excerpt: `excerpt ${n}`,
  });

  it('records a rejected frame as a problem with the time it arrived', () => {
    const state = start(
      rejected({ kind: 'unknown-type', message: 'Unknown frame type', excerpt: '{}' }),
    );
    expect(state.problems).toStrictEqual([
      { kind: 'unknown-type', message: 'Unknown frame type', at: AT },
    ]);
  });

  it(`keeps only the newest ${MAX_PROBLEMS} problems, oldest first`, () => {
    const total = MAX_PROBLEMS + 7;
    const events = Array.from({ length: total }, (_, n) => rejected(problem(n)));
    const state = start(...events);
    expect(state.problems).toHaveLength(MAX_PROBLEMS);
    expect(state.problems.map((entry) => entry.message)).toEqual(
      Array.from({ length: MAX_PROBLEMS }, (_, n) => `problem ${n + 7}`),
    );
  });

  it('keeps problems from frames that make no sense now under the same cap', () => {
    const events = Array.from({ length: MAX_PROBLEMS + 3 }, (_, n) => streamToken(`m${n}`, 't'));
    const state = start(...events);
    expect(state.problems).toHaveLength(MAX_PROBLEMS);
    expect(state.problems.at(-1)?.message).toContain(`'m${MAX_PROBLEMS + 2}'`);
  });

  it('cuts a huge message id short in the problem it records', () => {
    const state = start(streamToken('x'.repeat(100_000), 't'));
    expect(state.problems[0]?.message.length).toBeLessThan(200);
  });

  const minutes = (n: number) => new Date(Date.parse(AT) + n * 60_000).toISOString();
  const unreadableBanners = (state: ChatState) =>
    state.banners.filter((banner) => banner.kind === 'unreadable-frames');

  it('tells the user once a minute at most that frames could not be read', () => {
    const burst = Array.from({ length: 500 }, (_, n) => rejected(problem(n)));
    const afterBurst = start(...burst);
    expect(unreadableBanners(afterBurst)).toMatchObject([
      { text: UNREADABLE_FRAMES_TEXT, count: 1 },
    ]);
    expect(afterBurst.unreadableNoticeAt).toBe(AT);

    const withinMinute = apply(afterBurst, rejected(problem(1), minutes(0.99)));
    expect(withinMinute.banners).toBe(afterBurst.banners);

    const minuteLater = apply(withinMinute, rejected(problem(2), minutes(1)));
    expect(unreadableBanners(minuteLater)).toMatchObject([{ count: 2 }]);
    expect(minuteLater.unreadableNoticeAt).toBe(minutes(1));
  });

  it('starts a new notice interval when the clock is set back, and never repeats on bad times', () => {
    const noticed = start(rejected(problem(1), minutes(60)));
    const setBack = apply(noticed, rejected(problem(2), minutes(0)));
    expect(unreadableBanners(setBack)).toMatchObject([{ count: 2 }]);
    const badTime = apply(setBack, rejected(problem(3), 'not a time'));
    expect(badTime.banners).toBe(setBack.banners);
  });

  it('counts tokens for unknown replies and repeated stream-starts as unreadable too', () => {
    expect(unreadableBanners(start(streamToken('nope', 't')))).toHaveLength(1);
    expect(unreadableBanners(start(streamStart('m1'), streamStart('m1')))).toHaveLength(1);
  });

  it(`shows only the newest ${MAX_BANNERS} banners, each at most ${MAX_BANNER_LENGTH} characters`, () => {
    const errors = Array.from({ length: 10 }, (_, n) =>
      errorFrame(`error ${n} ${'x'.repeat(n * 100)}`),
    );
    const state = start(...errors);
    expect(state.banners.map((banner) => banner.text.slice(0, 7))).toEqual([
      'error 7',
      'error 8',
      'error 9',
    ]);
    expect(state.banners.at(-1)?.text).toHaveLength(MAX_BANNER_LENGTH + 1);
    expect(state.banners.at(-1)?.text.endsWith('…')).toBe(true);
  });

  it('records warnings and late frames without bothering the user', () => {
    const warning: ChatEvent = {
      type: 'frame-warning',
      problem: { kind: 'missing-field', message: 'no timestamp', excerpt: '' },
      at: AT,
    };
    const late = start(warning, streamStart('m1'), streamEnd('m1'), streamToken('m1', 'late'));
    expect(late.problems.map((entry) => entry.kind)).toEqual(['missing-field', 'late-frame']);
    expect(late.banners).toEqual([]);
  });
});

describe('events that change nothing return the identical state', () => {
  it.each<[string, ChatEvent[], ChatEvent]>([
    ['a second connection frame', [connectionFrame()], connectionFrame('Welcome back', LATER)],
    ['dismissing an unknown banner', [errorFrame()], { type: 'banner-dismissed', id: 'nope' }],
    ['dismissing a banner with none raised', [], { type: 'banner-dismissed', id: 'banner:0' }],
    ['the same connection status again', [connectionChanged('open')], connectionChanged('open')],
    [
      'a second escalation request',
      [{ type: 'escalation-requested', reason: 'r', at: AT }],
      { type: 'escalation-requested', reason: 'r', at: LATER },
    ],
    ['a user message with a used id', [userMessageAdded('user:1')], userMessageAdded('user:1')],
    ['delivering an unknown message', [], { type: 'user-message-delivered', id: 'user:1' }],
    ['failing an unknown message', [], { type: 'user-message-failed', id: 'user:1' }],
    ['a pong at the time already recorded', [pong(AT)], pong(AT)],
  ])('%s', (_name, setup, event) => {
    const before = start(...setup);
    expect(apply(before, event)).toBe(before);
  });

  it('returns the initial state itself for no events', () => {
    const initial = initialChatState();
    expect(apply(initial)).toBe(initial);
  });
});

describe('local ids never collide', () => {
  it('a dispatched user message with a system-like id does not hide the greeting', () => {
    const state = apply(
      initialChatState(),
      { type: 'user-message-added', id: 'system:0', text: 'odd id', status: 'sent', at: AT },
      received({ type: 'connection', message: 'Connected to chatbot server', timestamp: AT }),
    );
    expect(state.messageIds).toHaveLength(2);
    expect(new Set(state.messageIds).size).toBe(2);
    expect(state.messagesById['system:0']).toMatchObject({ role: 'user', text: 'odd id' });
    const greeting = state.messageIds
      .map((id) => state.messagesById[id])
      .find((m) => m?.role === 'system');
    expect(greeting?.text).toBe('Connected to chatbot server');
  });
});

describe('delivery when the connection drops', () => {
  const sentThenDropped = (...between: ChatEvent[]) =>
    start(
      connectionChanged('open'),
      userMessageAdded('user:1', 'first', 'sent'),
      userMessageAdded('user:2', 'second', 'sent'),
      ...between,
      connectionChanged('reconnecting'),
    );

  it('marks messages no reply started for as failed, since they may never have arrived', () => {
    const state = sentThenDropped();
    expect(user(state, 'user:1').status).toBe('failed');
    expect(user(state, 'user:2').status).toBe('failed');
    expect(state.awaitingReply).toEqual([]);
  });

  it('keeps a message whose reply started as sent, oldest first', () => {
    const state = sentThenDropped(streamStart('r1'));
    expect(user(state, 'user:1').status).toBe('sent');
    expect(user(state, 'user:2').status).toBe('failed');
  });

  it('lets a failed message be retried: it is queued again', () => {
    const state = apply(sentThenDropped(), { type: 'user-message-retried', id: 'user:1' });
    expect(user(state, 'user:1').status).toBe('queued');
    const again = apply(state, { type: 'user-message-retried', id: 'user:1' });
    expect(again).toBe(state);
  });

  it('records why a reply was interrupted', () => {
    const state = start(connectionChanged('open'), streamStart('r1'), connectionChanged('offline'));
    expect(assistant(state, 'r1')).toMatchObject({
      status: 'interrupted',
      interruption: 'connection-lost',
    });
  });
});

describe('stalled replies', () => {
  const check = (at: string): ChatEvent => ({
    type: 'stalled-streams-checked',
    at,
    stallTimeoutMs: 60_000,
  });

  it('interrupts a reply with no frame for the stall deadline, keeping its text', () => {
    const state = start(
      connectionChanged('open'),
      streamStart('r1', '2025-09-12T10:00:00.000Z'),
      streamToken('r1', 'partial', '2025-09-12T10:00:10.000Z'),
      check('2025-09-12T10:01:10.000Z'),
    );
    expect(assistant(state, 'r1')).toMatchObject({
      status: 'interrupted',
      interruption: 'stalled',
      text: 'partial',
    });
  });

  it('leaves a reply alone while tokens keep coming, returning the same state', () => {
    const before = start(
      connectionChanged('open'),
      streamStart('r1', '2025-09-12T10:00:00.000Z'),
      streamToken('r1', 'fresh', '2025-09-12T10:00:30.000Z'),
    );
    expect(apply(before, check('2025-09-12T10:01:00.000Z'))).toBe(before);
  });
});

describe('connection state', () => {
  it("keeps the link machine's state as given: the one home of attempts, retry time, round trip", () => {
    const connection = linkIn('reconnecting', { failures: 3, retryAt: 5_000, roundTripMs: 42 });
    const state = start({ type: 'connection-changed', connection, at: AT });
    expect(state.connection).toBe(connection);
    expect(selectConnectionStatus(state)).toBe('reconnecting');
    expect(selectNextRetryAt(state)).toBe(5_000);
  });
});

describe('recovering from a lost connection', () => {
  it('lets the user ask for a person again when the request was lost with the socket', () => {
    const state = start(
      connectionChanged('open'),
      { type: 'escalation-requested', reason: 'help', at: AT },
      connectionChanged('reconnecting'),
    );
    expect(state.escalation.status).toBe('idle');
  });

  it('keeps an acknowledged escalation acknowledged across a drop', () => {
    const state = start(
      connectionChanged('open'),
      { type: 'escalation-requested', reason: 'help', at: AT },
      received({ type: 'human-escalation-response', message: 'On the way', timestamp: AT }),
      connectionChanged('reconnecting'),
    );
    expect(state.escalation.status).toBe('acknowledged');
  });

  it('resumes a reply that was interrupted only for going quiet when its tokens come after all', () => {
    const state = start(
      connectionChanged('open'),
      streamStart('slow', '2025-09-12T10:00:00.000Z'),
      streamToken('slow', 'Thinking ', '2025-09-12T10:00:01.000Z'),
      { type: 'stalled-streams-checked', at: '2025-09-12T10:02:00.000Z', stallTimeoutMs: 60_000 },
      streamToken('slow', 'done.', '2025-09-12T10:02:05.000Z'),
    );
    expect(assistant(state, 'slow')).toMatchObject({
      status: 'streaming',
      interruption: null,
      text: 'Thinking done.',
    });
  });

  it('does not resume a reply interrupted by a lost connection', () => {
    const state = start(
      connectionChanged('open'),
      streamStart('cut'),
      streamToken('cut', 'Part'),
      connectionChanged('reconnecting'),
      connectionChanged('open'),
      streamToken('cut', 'more'),
    );
    expect(assistant(state, 'cut')).toMatchObject({ status: 'interrupted', text: 'Part' });
  });
});

describe('a reply ended after a server error', () => {
  const replyOf = (state: ChatState, messageId: string) =>
    state.messagesById[assistantMessageKey(messageId)];

  it('is interrupted by the error when it ends right after it (its AI backend failed)', () => {
    const state = apply(
      initialChatState(),
      streamStart('m1'),
      streamToken('m1', 'Half an'),
      errorFrame('The reply m1 could not be completed'),
      streamEnd('m1'),
    );
    expect(replyOf(state, 'm1')).toMatchObject({
      status: 'interrupted',
      interruption: 'server-error',
      text: 'Half an',
    });
    expect(state.banners).toHaveLength(1);
    expect(state.streamsAtError).toEqual([]);
  });

  it('completes as usual when it goes on after the error (the error was about something else)', () => {
    const state = apply(
      initialChatState(),
      streamStart('m1'),
      errorFrame('Too many messages'),
      streamToken('m1', 'still here'),
      streamEnd('m1'),
    );
    expect(replyOf(state, 'm1')).toMatchObject({ status: 'complete', interruption: null });
  });

  it('is interrupted by the error even when it had gone quiet (stalled) before it', () => {
    const state = apply(
      initialChatState(),
      streamStart('m1', SENT_AT),
      { type: 'stalled-streams-checked', at: LATER, stallTimeoutMs: 500 },
      errorFrame('The reply m1 could not be completed', LATER),
      streamEnd('m1', LATER),
    );
    expect(replyOf(state, 'm1')).toMatchObject({
      status: 'interrupted',
      interruption: 'server-error',
    });
  });

  it('does not touch a reply that started after the error', () => {
    const state = apply(initialChatState(), errorFrame(), streamStart('m2'), streamEnd('m2'));
    expect(replyOf(state, 'm2')).toMatchObject({ status: 'complete' });
  });
});
