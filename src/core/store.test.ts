import { describe, expect, it, vi } from 'vitest';
import { linkIn, transportOf } from '../../test/support/link-states.ts';
import { parseServerFrame } from './parse.ts';
import type { ClientFrame } from './protocol.ts';
import type { ChatState, Problem, UserMessage } from './state.ts';
import {
  type ChatStore,
  type ChatStoreOptions,
  createChatStore,
  DEFAULT_ESCALATION_REASON,
  type Transport,
} from './store.ts';

const T0 = '2025-09-12T10:15:30.000Z';
const T1 = '2025-09-12T10:16:00.000Z';

/** A transport that records every frame it is handed and answers as `accepts` says. */
interface FakeTransport extends Transport {
  frames: ClientFrame[];
  accepts: boolean | ((frame: ClientFrame) => boolean);
  /** How many times the store asked it to reconnect. */
  reconnects: number;
}

function fakeTransport(accepts: FakeTransport['accepts'] = true): FakeTransport {
  const fake: FakeTransport = {
    frames: [],
    accepts,
    reconnects: 0,
    send: (frame) => {
      fake.frames.push(frame);
      return typeof fake.accepts === 'function' ? fake.accepts(frame) : fake.accepts;
    },
    reconnectNow: () => {
      fake.reconnects++;
    },
  };
  return fake;
}

/** A store with a settable clock and predictable ids: user:id-1, user:id-2, … */
function setup(options: ChatStoreOptions = {}) {
  const clock = { time: new Date(T0) };
  let counter = 0;
  const onProblem = vi.fn<(problem: Problem) => void>();
  const store = createChatStore({
    now: () => clock.time,
    createId: () => `id-${++counter}`,
    onProblem,
    ...options,
  });
  return { store, clock, onProblem, actions: store.actions };
}

function userMessages(state: ChatState): UserMessage[] {
  return state.messageIds
    .map((id) => state.messagesById[id])
    .filter((message): message is UserMessage => message?.role === 'user');
}

const contents = (frames: ClientFrame[]) =>
  frames.map((frame) => (frame.type === 'chat' ? frame.content : frame.type));

/** chatwire's id for the latest reply the server called `messageId`, or ''. */
function replyId(store: ChatStore, messageId: string): string {
  const { messageIds, messagesById } = store.getState();
  return (
    messageIds.findLast((id) => {
      const message = messagesById[id];
      return message?.role === 'assistant' && message.messageId === messageId;
    }) ?? ''
  );
}

describe('sendMessage', () => {
  it('queues a message while the connection is not open and sends nothing', () => {
    const { store, actions } = setup();
    const transport = fakeTransport();
    actions.attachTransport(transport);
    actions.setConnection(linkIn('connecting'));

    expect(actions.sendMessage('Hello')).toBe(true);

    expect(transport.frames).toEqual([]);
    expect(userMessages(store.getState())).toStrictEqual([
      { id: 'user:id-1', role: 'user', text: 'Hello', status: 'queued', createdAt: T0 },
    ]);
  });

  it('queues a message when no transport is attached, even if the status says open', () => {
    const { store, actions } = setup();
    actions.setConnection(linkIn('open'));
    expect(actions.sendMessage('Hello')).toBe(true);
    expect(userMessages(store.getState())[0]?.status).toBe('queued');
  });

  it('sends the queue in order, exactly once, when the connection opens', () => {
    const { store, actions } = setup();
    const transport = fakeTransport();
    actions.attachTransport(transport);
    actions.sendMessage('first');
    actions.sendMessage('second');
    actions.sendMessage('third');
    expect(transport.frames).toEqual([]);

    actions.setConnection(linkIn('open'));

    expect(contents(transport.frames)).toEqual(['first', 'second', 'third']);
    expect(userMessages(store.getState()).map((message) => message.status)).toEqual([
      'sent',
      'sent',
      'sent',
    ]);
  });

  it('sends the queue when a transport is attached to an open store', () => {
    const { store, actions } = setup();
    actions.sendMessage('waiting');
    actions.setConnection(linkIn('open'));
    const transport = fakeTransport();

    actions.attachTransport(transport);

    expect(contents(transport.frames)).toEqual(['waiting']);
    expect(userMessages(store.getState())[0]?.status).toBe('sent');
  });

  it('stamps queued messages with the time they are actually sent', () => {
    const { actions, clock } = setup();
    const transport = fakeTransport();
    actions.attachTransport(transport);
    actions.sendMessage('later');
    clock.time = new Date(T1);
    actions.setConnection(linkIn('open'));
    expect(transport.frames).toEqual([{ type: 'chat', content: 'later', timestamp: T1 }]);
  });

  it('does not resend sent messages on a second open or after a reconnect', () => {
    const { actions } = setup();
    const transport = fakeTransport();
    actions.attachTransport(transport);
    actions.sendMessage('once');
    actions.setConnection(linkIn('open'));
    actions.setConnection(linkIn('open'));
    actions.setConnection(linkIn('reconnecting'));
    actions.setConnection(linkIn('open'));
    expect(contents(transport.frames)).toEqual(['once']);
  });

  it('sends at once while open: the exact chat frame, content trimmed, time from now()', () => {
    const { store, actions } = setup();
    const transport = fakeTransport();
    actions.setConnection(linkIn('open'));
    actions.attachTransport(transport);

    expect(actions.sendMessage('  Hello there \n')).toBe(true);

    expect(transport.frames).toStrictEqual([
      { type: 'chat', content: 'Hello there', timestamp: T0 },
    ]);
    expect(userMessages(store.getState())).toStrictEqual([
      { id: 'user:id-1', role: 'user', text: 'Hello there', status: 'sent', createdAt: T0 },
    ]);
  });

  it.each(['', ' ', '\n\t  \r\n'])('refuses the empty message %j and adds nothing', (text) => {
    const { store, actions } = setup();
    const transport = fakeTransport();
    actions.setConnection(linkIn('open'));
    actions.attachTransport(transport);
    const before = store.getState();

    expect(actions.sendMessage(text)).toBe(false);

    expect(store.getState()).toBe(before);
    expect(transport.frames).toEqual([]);
  });

  it('refuses a message over maxMessageLength and says why in an error banner', () => {
    const { store, actions } = setup({ maxMessageLength: 10 });
    const transport = fakeTransport();
    actions.setConnection(linkIn('open'));
    actions.attachTransport(transport);

    expect(actions.sendMessage('x'.repeat(11))).toBe(false);

    const state = store.getState();
    expect(state.messageIds).toEqual([]);
    expect(transport.frames).toEqual([]);
    expect(state.banners).toHaveLength(1);
    expect(state.banners[0]).toMatchObject({ kind: 'error', count: 1, createdAt: T0 });
    expect(state.banners[0]?.text).toMatch(/too long.*11.*10/);
  });

  it('accepts a message of exactly maxMessageLength once trimmed', () => {
    const { store, actions } = setup({ maxMessageLength: 10 });
    expect(actions.sendMessage(`  ${'x'.repeat(10)}  `)).toBe(true);
    expect(store.getState().banners).toEqual([]);
  });

  it('keeps a message queued when the transport cannot send it', () => {
    const { store, actions } = setup();
    const transport = fakeTransport(false);
    actions.setConnection(linkIn('open'));
    actions.attachTransport(transport);

    expect(actions.sendMessage('Hello')).toBe(true);

    expect(userMessages(store.getState())[0]?.status).toBe('queued');
  });

  it('sends a queued message before a newer one once the transport works again', () => {
    const { store, actions } = setup();
    const transport = fakeTransport(false);
    actions.setConnection(linkIn('open'));
    actions.attachTransport(transport);
    actions.sendMessage('older');
    transport.accepts = true;
    transport.frames.length = 0;

    actions.sendMessage('newer');

    expect(contents(transport.frames)).toEqual(['older', 'newer']);
    expect(userMessages(store.getState()).map((message) => message.status)).toEqual([
      'sent',
      'sent',
    ]);
  });

  it('stops at the first frame the transport refuses, so the queue keeps its order', () => {
    const { store, actions } = setup();
    const transport = fakeTransport((frame) => frame.type !== 'chat' || frame.content !== 'two');
    actions.attachTransport(transport);
    actions.sendMessage('one');
    actions.sendMessage('two');
    actions.sendMessage('three');

    actions.setConnection(linkIn('open'));

    expect(contents(transport.frames)).toEqual(['one', 'two']);
    expect(userMessages(store.getState()).map((message) => message.status)).toEqual([
      'sent',
      'queued',
      'queued',
    ]);

    transport.accepts = true;
    transport.frames.length = 0;
    actions.setConnection(linkIn('reconnecting'));
    actions.setConnection(linkIn('open'));
    expect(contents(transport.frames)).toEqual(['two', 'three']);
  });

  it('never sends a new message ahead of one still queued', () => {
    const { store, actions } = setup();
    const transport = fakeTransport((frame) => frame.type !== 'chat' || frame.content !== 'older');
    actions.setConnection(linkIn('open'));
    actions.attachTransport(transport);
    actions.sendMessage('older');
    transport.frames.length = 0;

    actions.sendMessage('newer');

    expect(contents(transport.frames)).toEqual(['older']);
    expect(userMessages(store.getState()).map((message) => message.status)).toEqual([
      'queued',
      'queued',
    ]);
  });

  it('stops sending once the transport is detached', () => {
    const { store, actions } = setup();
    const transport = fakeTransport();
    actions.setConnection(linkIn('open'));
    const detach = actions.attachTransport(transport);

    detach();
    actions.sendMessage('Hello');

    expect(transport.frames).toEqual([]);
    expect(userMessages(store.getState())[0]?.status).toBe('queued');
  });

  it('keeps the new transport when an old one is detached late', () => {
    const { actions } = setup();
    const old = fakeTransport();
    const current = fakeTransport();
    actions.setConnection(linkIn('open'));
    const detachOld = actions.attachTransport(old);
    actions.attachTransport(current);

    detachOld();
    actions.sendMessage('Hello');

    expect(old.frames).toEqual([]);
    expect(contents(current.frames)).toEqual(['Hello']);
  });
});

describe('requestHuman', () => {
  it('uses the seed document reason by default', () => {
    expect(DEFAULT_ESCALATION_REASON).toBe('Need human assistance');
  });

  it.each<[string, string | undefined, string]>([
    ['no reason', undefined, 'Need human assistance'],
    ['a reason', 'Billing question', 'Billing question'],
    ['a reason with spaces around it', '  Billing question ', 'Billing question'],
    ['a blank reason', '   ', 'Need human assistance'],
  ])('sends the human-escalation frame given %s', (_name, reason, sent) => {
    const { store, actions } = setup();
    const transport = fakeTransport();
    actions.setConnection(linkIn('open'));
    actions.attachTransport(transport);

    expect(actions.requestHuman(reason)).toBe(true);

    expect(transport.frames).toStrictEqual([
      { type: 'human-escalation', reason: sent, timestamp: T0 },
    ]);
    expect(store.getState().escalation).toEqual({ status: 'requested', reason: sent });
  });

  it('refuses a second request while the first is pending, sending nothing', () => {
    const { actions } = setup();
    const transport = fakeTransport();
    actions.setConnection(linkIn('open'));
    actions.attachTransport(transport);
    actions.requestHuman();

    expect(actions.requestHuman('again')).toBe(false);

    expect(transport.frames).toHaveLength(1);
  });

  it.each<[string, (actions: ReturnType<typeof setup>['actions']) => void]>([
    ['the connection is not open', (actions) => actions.attachTransport(fakeTransport())],
    ['no transport is attached', (actions) => actions.setConnection(linkIn('open'))],
    [
      'the transport cannot send',
      (actions) => {
        actions.setConnection(linkIn('open'));
        actions.attachTransport(fakeTransport(false));
      },
    ],
  ])('refuses with an error banner when %s', (_name, prepare) => {
    const { store, actions } = setup();
    prepare(actions);

    expect(actions.requestHuman()).toBe(false);

    const state = store.getState();
    expect(state.escalation.status).toBe('idle');
    expect(state.banners).toHaveLength(1);
    expect(state.banners[0]).toMatchObject({ kind: 'error', createdAt: T0 });
    expect(state.banners[0]?.text).toMatch(/Not connected/);
  });
});

describe('receive', () => {
  it('parses and reduces JSON text from the socket, stamped with the arrival time', () => {
    const { store, actions, onProblem } = setup();
    actions.receive(
      '{"type":"stream-start","messageId":"msg_abc123","timestamp":"2025-09-12T09:00:00Z"}',
    );
    actions.receive(
      '{"type":"stream-token","messageId":"msg_abc123","token":"Hello","timestamp":"x"}',
    );

    expect(store.getState().messagesById[replyId(store, 'msg_abc123')]).toMatchObject({
      role: 'assistant',
      text: 'Hello',
      status: 'streaming',
      createdAt: T0,
    });
    expect(onProblem).not.toHaveBeenCalled();
  });

  it('records garbage as a problem and reports it once', () => {
    const { store, actions, onProblem } = setup();

    actions.receive('not json at all');

    const problems = store.getState().problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: 'not-json', at: T0 });
    expect(onProblem).toHaveBeenCalledTimes(1);
    expect(onProblem).toHaveBeenCalledWith(problems[0]);
  });

  it('reports a frame without a timestamp as a warning and still applies it', () => {
    const { store, actions, onProblem } = setup();

    actions.receive('{"type":"stream-start","messageId":"m1"}');

    expect(onProblem).toHaveBeenCalledTimes(1);
    expect(onProblem).toHaveBeenCalledWith({
      kind: 'missing-field',
      message: expect.stringContaining('"timestamp"'),
      at: T0,
    });
    expect(store.getState().messagesById[replyId(store, 'm1')]).toMatchObject({
      status: 'streaming',
    });
  });

  it('reports frames that make no sense now, like a token before its stream-start', () => {
    const { actions, onProblem } = setup();
    actions.receive('{"type":"stream-token","messageId":"m9","token":"x","timestamp":"t"}');
    expect(onProblem).toHaveBeenCalledWith({
      kind: 'unknown-message-id',
      message:
        "stream-token for unknown messageId 'm9': the server must send stream-start first (on this connection).",
      at: T0,
    });
  });

  it('reports every problem in a batch, even more than the state keeps', () => {
    const { actions, onProblem } = setup();
    actions.receiveMany(Array.from({ length: 300 }, (_, n) => `not json ${n}`));
    expect(onProblem).toHaveBeenCalledTimes(300);
    expect(onProblem).toHaveBeenLastCalledWith(expect.objectContaining({ kind: 'not-json' }));
  });

  it('works without an onProblem callback', () => {
    const store = createChatStore({ now: () => new Date(T0) });
    store.actions.receive(new Uint8Array([1, 2, 3]));
    expect(store.getState().problems).toMatchObject([{ kind: 'binary' }]);
  });
});

describe('banners and subscriptions', () => {
  it('dismisses a banner by id', () => {
    const { store, actions } = setup();
    actions.receive(`{"type":"error","message":"Error description","timestamp":"${T0}"}`);
    const id = store.getState().banners[0]?.id ?? '';

    actions.dismissBanner(id);

    expect(store.getState().banners).toEqual([]);
  });

  it('does not notify subscribers of actions that change nothing', () => {
    const { store, actions } = setup();
    actions.setConnection(linkIn('open'));
    actions.receive(`{"type":"connection","message":"hi","timestamp":"${T0}"}`);
    const listener = vi.fn();
    store.subscribe(listener);

    actions.dismissBanner('banner:none');
    actions.setConnection(linkIn('open'));
    actions.sendMessage('   ');
    actions.receive(`{"type":"connection","message":"hi again","timestamp":"${T0}"}`);
    actions.dispatch({ type: 'user-message-delivered', id: 'user:unknown' });
    expect(listener).not.toHaveBeenCalled();

    actions.setConnection(linkIn('closed'));
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('starts from the given initial state', () => {
    const seeded = createChatStore().getState();
    const initialState: ChatState = { ...seeded, banners: [] };
    expect(createChatStore({ initialState }).getState()).toBe(initialState);
  });

  it('keeps two stores apart', () => {
    const first = setup();
    const second = setup();
    first.actions.sendMessage('only in the first');
    expect(second.store.getState().messageIds).toEqual([]);
  });
});

describe('retryReply', () => {
  it('sends the question behind an interrupted reply again, as a new message', () => {
    const frames: ClientFrame[] = [];
    const store = createChatStore();
    store.actions.attachTransport(
      transportOf((frame) => {
        frames.push(frame);
        return true;
      }),
    );
    store.actions.setConnection(linkIn('open'));
    store.actions.sendMessage('What is backoff?');
    store.actions.receive(
      JSON.stringify({
        type: 'stream-start',
        messageId: 'r',
        timestamp: '2026-01-01T00:00:00.000Z',
      }),
    );
    store.actions.setConnection(linkIn('reconnecting'));
    store.actions.setConnection(linkIn('open'));

    expect(store.actions.retryReply(replyId(store, 'r'))).toBe(true);
    expect(
      frames
        .filter((frame) => frame.type === 'chat')
        .map((frame) => (frame as { content: string }).content),
    ).toEqual(['What is backoff?', 'What is backoff?']);
    const users = store
      .getState()
      .messageIds.filter((id) => store.getState().messagesById[id]?.role === 'user');
    expect(users).toHaveLength(2);
  });

  it('returns false when no question precedes the reply', () => {
    const store = createChatStore();
    store.actions.receive(
      JSON.stringify({
        type: 'stream-start',
        messageId: 'r',
        timestamp: '2026-01-01T00:00:00.000Z',
      }),
    );
    expect(store.actions.retryReply(replyId(store, 'r'))).toBe(false);
    expect(store.actions.retryReply('nope')).toBe(false);
  });
});

describe('receiveMany', () => {
  it('applies a batch of frames in order and notifies subscribers once', () => {
    const store = createChatStore();
    const timestamp = '2026-01-01T00:00:00.000Z';
    store.actions.receive(JSON.stringify({ type: 'stream-start', messageId: 'b', timestamp }));
    const listener = vi.fn();
    store.subscribe(listener);
    const batch = ['one ', 'two ', 'three'].map((token) =>
      JSON.stringify({ type: 'stream-token', messageId: 'b', token, timestamp }),
    );
    expect(store.actions.receiveMany([...batch, 'not json'])).toEqual([
      'stream-token',
      'stream-token',
      'stream-token',
      null,
    ]);
    expect(listener).toHaveBeenCalledTimes(1);
    const reply = store.getState().messagesById[replyId(store, 'b')];
    expect(reply?.role === 'assistant' && reply.text).toBe('one two three');
  });

  it('joins consecutive tokens of one reply into one update, keeping interleaved replies apart', () => {
    const store = createChatStore();
    const timestamp = '2026-01-01T00:00:00.000Z';
    const frame = (payload: object) => JSON.stringify({ ...payload, timestamp });
    store.actions.receiveMany([
      frame({ type: 'stream-start', messageId: 'a' }),
      frame({ type: 'stream-start', messageId: 'b' }),
    ]);
    const before = store.getState().messagesById;
    const tokens = (id: string, words: string[]) =>
      words.map((token) => frame({ type: 'stream-token', messageId: id, token }));
    store.actions.receiveMany([
      ...tokens('a', ['1 ', '2 ', '3 ']),
      ...tokens('b', ['x ', 'y ']),
      ...tokens('a', ['4']),
      frame({ type: 'stream-end', messageId: 'a' }),
    ]);
    const { messagesById } = store.getState();
    const a = messagesById[replyId(store, 'a')];
    const b = messagesById[replyId(store, 'b')];
    expect(a?.role === 'assistant' && [a.text, a.tokenCount, a.status]).toEqual([
      '1 2 3 4',
      4,
      'complete',
    ]);
    expect(b?.role === 'assistant' && [b.text, b.tokenCount, b.status]).toEqual([
      'x y ',
      2,
      'streaming',
    ]);
    expect(messagesById).not.toBe(before);
  });

  it('reports every problem in a batch to onProblem, in order', () => {
    const onProblem = vi.fn();
    const store = createChatStore({ onProblem });
    store.actions.receiveMany(['{', '[]']);
    expect(onProblem.mock.calls.map(([problem]) => (problem as Problem).kind)).toEqual([
      'not-json',
      'not-an-object',
    ]);
  });
});

describe('listeners that throw', () => {
  it('keep no other listener from hearing, and the error is thrown again on its own', async () => {
    const thrown: unknown[] = [];
    const onUnhandled = (error: unknown) => thrown.push(error);
    process.on('uncaughtException', onUnhandled);
    try {
      const store = createChatStore({
        onProblem: () => {
          throw new Error('host bug in onProblem');
        },
      });
      const heard: string[] = [];
      store.listen(() => {
        throw new Error('host bug in a listener');
      });
      store.listen((happening) => heard.push(happening.type));
      expect(() => store.actions.receiveMany(['{', '[]'])).not.toThrow();
      expect(heard).toEqual(['problem', 'problem']);
      expect(store.getState().problems).toHaveLength(2);
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(thrown.map((error) => (error as Error).message)).toEqual([
        'host bug in onProblem',
        'host bug in a listener',
        'host bug in onProblem',
        'host bug in a listener',
      ]);
    } finally {
      process.off('uncaughtException', onUnhandled);
    }
  });
});

describe('commands to the connection', () => {
  it('reconnectNow is a call on the attached connection, not a change of state', () => {
    const { store, actions } = setup();
    const transport = fakeTransport();
    actions.attachTransport(transport);
    actions.setConnection(linkIn('reconnecting'));
    const before = store.getState();
    actions.reconnectNow();
    expect(transport.reconnects).toBe(1);
    expect(store.getState()).toBe(before);
  });

  it('asks a connection that gave up to reconnect when the user writes, and queues the message', () => {
    const { store, actions } = setup();
    const transport = fakeTransport();
    actions.attachTransport(transport);
    actions.setConnection(linkIn('closed'));
    actions.sendMessage('Anyone there?');
    expect(transport.reconnects).toBe(1);
    expect(userMessages(store.getState()).map((message) => message.status)).toEqual(['queued']);
    actions.setConnection(linkIn('open'));
    expect(contents(transport.frames)).toEqual(['Anyone there?']);
  });

  it('takes a parsed batch and the link state after it as one update', () => {
    const { store, actions } = setup();
    actions.setConnection(linkIn('open'));
    const listener = vi.fn();
    store.subscribe(listener);
    const frames = ['a', 'b', 'c'].map((token) =>
      parseServerFrame(
        JSON.stringify({ type: 'stream-token', messageId: 'm', token, timestamp: `${T0}` }),
      ),
    );
    const start = parseServerFrame(
      JSON.stringify({ type: 'stream-start', messageId: 'm', timestamp: `${T0}` }),
    );
    const link = { ...store.getState().connection, lastReceivedAt: 1, framesThisSocket: 4 };
    actions.receiveParsed([start, ...frames], link);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(store.getState().connection).toBe(link);
    const reply = store.getState().messagesById[replyId(store, 'm')];
    expect(reply).toMatchObject({ text: 'abc', tokenCount: 3 });
  });
});
