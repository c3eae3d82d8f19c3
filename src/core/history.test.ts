import { describe, expect, it } from 'vitest';
import {
  QUEUED_MAX_AGE_MS,
  readStoredHistory,
  type StoredHistory,
  toStoredHistory,
} from './history.ts';
import {
  clearConversation,
  type RestoreOptions,
  restoreHistory,
  shareHistory,
} from './history-merge.ts';
import type { ServerFrame } from './protocol.ts';
import { apply } from './reduce.ts';
import {
  type AssistantMessage,
  type ChatMessage,
  type ChatState,
  initialChatState,
} from './state.ts';

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, second)).toISOString();

const user = (n: number, status: 'queued' | 'sent' | 'failed' = 'sent'): ChatMessage => ({
  id: `user:${n}`,
  role: 'user',
  text: `question ${n}`,
  status,
  createdAt: at(n),
});

const reply = (
  n: number,
  status: 'streaming' | 'complete' | 'interrupted' = 'complete',
): AssistantMessage => ({
  id: `assistant:m${n}`,
  role: 'assistant',
  messageId: `m${n}`,
  text: `answer ${n}`,
  tokenCount: 2,
  status,
  interruption: status === 'interrupted' ? 'connection-lost' : null,
  createdAt: at(n),
  updatedAt: at(n),
});

function stateWith(messages: ChatMessage[], extra: Partial<ChatState> = {}): ChatState {
  return {
    ...initialChatState(),
    messageIds: messages.map((message) => message.id),
    messagesById: Object.fromEntries(messages.map((message) => [message.id, message])),
    ...extra,
  };
}

const history = (messages: ChatMessage[], extra: Partial<StoredHistory> = {}): StoredHistory => ({
  messages,
  escalation: { status: 'idle', reason: null },
  awaitingReply: [],
  clearedAt: null,
  owner: null,
  ...extra,
});

const greetingAt = (second: number, name: string): ChatMessage => ({
  id: `system:${name}`,
  role: 'system',
  source: 'connection',
  text: 'Connected to chatbot server',
  createdAt: at(second),
});

/** A minute after the test messages were written. */
const NOW = at(60);
const restore = (state: ChatState, stored: StoredHistory, options: Partial<RestoreOptions> = {}) =>
  restoreHistory(state, stored, { now: NOW, queuedElsewhere: false, ...options });
const share = (state: ChatState, stored: StoredHistory) => shareHistory(state, stored, NOW);

/** A reply that went quiet: interrupted as `stalled`, and able to resume. */
const quiet = (n: number): ChatMessage => ({
  ...reply(n, 'interrupted'),
  interruption: 'stalled',
});

const ids = (state: ChatState) => state.messageIds;
const interruptionOf = (state: ChatState, id: string) => {
  const message = state.messagesById[id];
  return message?.role === 'assistant' ? message.interruption : undefined;
};
const statusOf = (state: ChatState, id: string) => {
  const message = state.messagesById[id];
  return message && 'status' in message ? message.status : undefined;
};

describe('toStoredHistory', () => {
  it('keeps the latest messages up to the cap, and what they need', () => {
    const state = stateWith([user(1), reply(2), user(3), reply(4, 'streaming')], {
      awaitingReply: ['user:1'],
    });
    const stored = toStoredHistory(state, 2);
    expect(stored.messages.map((message) => message.id)).toEqual(['user:3', 'assistant:m4']);
    expect(stored.awaitingReply).toEqual([]);
  });

  it('reads back exactly as written, through JSON', () => {
    const state = stateWith([user(1), reply(2), user(3, 'queued')], {
      escalation: { status: 'acknowledged', reason: 'Need a person' },
      clearedAt: at(0),
    });
    const stored = toStoredHistory(state, 200);
    expect(readStoredHistory(JSON.parse(JSON.stringify(stored)))).toEqual({
      history: stored,
      dropped: 0,
    });
  });
});

describe('readStoredHistory', () => {
  it('drops each invalid or hostile entry and keeps the rest', () => {
    const good = [user(1), reply(2)];
    const hostile: unknown[] = [
      null,
      'text',
      [],
      { ...user(3), role: 'admin' },
      { ...user(4), id: 'assistant:m9' }, // a user entry cannot take an assistant's id
      { ...reply(5), id: 'user:5' }, // an assistant entry cannot take a user's id
      { ...user(6), createdAt: 'yesterday' },
      { ...user(7), text: 42 },
      { ...user(8), text: 'x'.repeat(300_000) },
      { ...user(9), status: 'delivered' },
      { ...user(1) }, // duplicate id
      JSON.parse('{"__proto__": {"polluted": true}, "id": "user:10", "role": "user"}'),
      { id: 'system:1', role: 'system', source: 'server', text: 'x', createdAt: at(1) },
    ];
    const { history, dropped } = readStoredHistory({
      messages: [good[0], ...hostile, good[1]],
      escalation: { status: 'hijacked' },
      awaitingReply: ['user:1', 'user:999', 7],
      clearedAt: 12,
    });
    expect(history.messages).toEqual(good);
    expect(dropped).toBe(hostile.length);
    expect(history.escalation).toEqual({ status: 'idle', reason: null });
    expect(history.awaitingReply).toEqual(['user:1']);
    expect(history.clearedAt).toBeNull();
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('keeps a stopped reply stopped and its rating; a rating it does not know reads as none', () => {
    const stopped = { ...reply(1), status: 'stopped', feedback: 'up' };
    const rated = { ...reply(2), feedback: 'meh' };
    const stored = { ...history([]), messages: [stopped, rated] };
    const { history: read, dropped } = readStoredHistory(stored);
    expect(dropped).toBe(0);
    expect(read.messages[0]).toMatchObject({ status: 'stopped', feedback: 'up' });
    expect(read.messages[1]).toMatchObject({ status: 'complete' });
    expect(read.messages[1]).not.toHaveProperty('feedback');
  });

  it('reads anything that is not a history as an empty one, with one entry dropped', () => {
    for (const value of [null, 3, 'x', [], undefined]) {
      const { history, dropped } = readStoredHistory(value);
      expect(history.messages).toEqual([]);
      expect(dropped).toBe(1);
    }
  });

  it('writes times in one form, so they compare as strings', () => {
    const { history } = readStoredHistory({
      messages: [{ ...user(1), createdAt: '2026-01-01T13:00:00+01:00' }],
    });
    expect(history.messages[0]?.createdAt).toBe('2026-01-01T12:00:00.000Z');
  });
});

describe('restoreHistory', () => {
  it('puts stored messages first and settles what was in flight when the page closed', () => {
    const live = stateWith([reply(9)]);
    const stored = history([user(1), reply(2, 'streaming'), user(3), user(4, 'queued')], {
      awaitingReply: ['user:3'],
    });
    const restored = restore(live, stored);
    expect(ids(restored)).toEqual(['user:1', 'assistant:m2', 'user:3', 'user:4', 'assistant:m9']);
    expect(statusOf(restored, 'assistant:m2')).toBe('interrupted');
    expect(statusOf(restored, 'user:3')).toBe('failed');
    expect(statusOf(restored, 'user:4')).toBe('queued');
  });

  it('keeps the live version of a message it already has, and changes nothing when all are known', () => {
    const live = stateWith([user(1)]);
    expect(restore(live, history([{ ...user(1), text: 'old' }]))).toBe(live);
  });

  it('does not restore a request for a person made over a socket that is gone', () => {
    const asked = history([user(1)], { escalation: { status: 'requested', reason: 'help' } });
    expect(restore(initialChatState(), asked).escalation.status).toBe('idle');
    const joined = history([user(1)], { escalation: { status: 'acknowledged', reason: 'help' } });
    expect(restore(initialChatState(), joined).escalation.status).toBe('acknowledged');
  });

  it('brings an old queued message back failed, not sent by surprise', () => {
    const long = new Date(Date.parse(NOW) - QUEUED_MAX_AGE_MS - 1_000).toISOString();
    const stale = { ...user(1, 'queued'), createdAt: long };
    const restored = restore(initialChatState(), history([stale, user(2, 'queued')]));
    expect(statusOf(restored, 'user:1')).toBe('failed');
    expect(statusOf(restored, 'user:2')).toBe('queued');
  });

  it('leaves out messages another open tab still has queued, so they never go twice', () => {
    const stored = history([user(1), user(2, 'queued')], { owner: 'other-tab' });
    const restored = restore(initialChatState(), stored, { queuedElsewhere: true });
    expect(ids(restored)).toEqual(['user:1']);
  });

  it('leaves out replies another open tab is still streaming, to take them in once finished', () => {
    const stored = history([user(1), reply(2, 'streaming'), user(3), quiet(4)], {
      owner: 'other-tab',
    });
    const restored = restore(initialChatState(), stored, { queuedElsewhere: true });
    expect(ids(restored)).toEqual(['user:1', 'user:3']);
    // Finished there, the replies come over as soon as that tab writes again.
    const finished = history([user(1), reply(2), user(3), reply(4)], { owner: 'other-tab' });
    expect(ids(share(restored, finished))).toEqual([
      'user:1',
      'assistant:m2',
      'user:3',
      'assistant:m4',
    ]);
  });

  it('brings back a reply that had gone quiet when its page closed as cut by the lost connection', () => {
    const restored = restore(initialChatState(), history([user(1), quiet(2)]));
    expect(statusOf(restored, 'assistant:m2')).toBe('interrupted');
    expect(interruptionOf(restored, 'assistant:m2')).toBe('connection-lost');
  });

  it('does not bring back what was cleared here while the history was being read', () => {
    const cleared = clearConversation(initialChatState(), at(5));
    const restored = restore(cleared, history([user(1), reply(2), user(8)]));
    expect(ids(restored)).toEqual(['user:8']);
  });

  it('remembers that the greeting was shown, so a reconnect does not repeat it', () => {
    const greeting: ChatMessage = {
      id: 'system:0',
      role: 'system',
      source: 'connection',
      text: 'Connected to chatbot server',
      createdAt: at(0),
    };
    const restored = restore(initialChatState(), history([greeting]));
    const frame = { type: 'connection', message: 'Hi again', timestamp: at(5) } as const;
    const after = apply(restored, { type: 'frame-received', frame, at: at(5) });
    expect(ids(after)).toEqual(['system:0']);
  });

  it('keeps one greeting when the socket greeted before the history was read', () => {
    const frame: ServerFrame = { type: 'connection', message: 'Connected', timestamp: at(5) };
    const greeted = apply(initialChatState(), { type: 'frame-received', frame, at: at(5) });
    const restored = restore(greeted, history([greetingAt(0, 'old'), user(1)]));
    expect(ids(restored)).toEqual(['system:old', 'user:1']);
    expect(restored.messageIds.every((id) => restored.messagesById[id])).toBe(true);
  });

  it('restores one greeting from a history that holds two', () => {
    const stored = history([greetingAt(0, 'a'), user(1), greetingAt(2, 'b')]);
    expect(ids(restore(initialChatState(), stored))).toEqual(['system:a', 'user:1']);
  });
});

describe('shareHistory (another tab)', () => {
  it("takes in the other tab's greeting only when this tab has shown none", () => {
    const greeted = stateWith([greetingAt(0, 'mine')], { hasShownConnectionNotice: true });
    const theirs = history([greetingAt(1, 'theirs'), user(2)]);
    expect(ids(share(greeted, theirs))).toEqual(['system:mine', 'user:2']);
    const fresh = share(stateWith([]), theirs);
    expect(ids(fresh)).toEqual(['system:theirs', 'user:2']);
    const frame: ServerFrame = { type: 'connection', message: 'Connected', timestamp: at(3) };
    const after = apply(fresh, { type: 'frame-received', frame, at: at(3) });
    expect(ids(after)).toEqual(['system:theirs', 'user:2']);
  });

  it('takes in finished messages in time order, never what is in flight there', () => {
    const mine = stateWith([user(1), reply(2), user(6, 'queued')]);
    const theirs = history([user(3), reply(4), user(5, 'queued'), reply(7, 'streaming')]);
    const shared = share(mine, theirs);
    expect(ids(shared)).toEqual(['user:1', 'assistant:m2', 'user:3', 'assistant:m4', 'user:6']);
    expect(statusOf(shared, 'user:6')).toBe('queued');
  });

  it('does not take in a reply that only went quiet there: it may yet resume', () => {
    const mine = stateWith([user(1)]);
    expect(ids(share(mine, history([user(1), quiet(2)])))).toEqual(['user:1']);
  });

  it('takes a newer rating from there, and keeps its own newer one over an older write', () => {
    const mine = stateWith([user(1), reply(2)]);
    const ratedThere = { ...reply(2), feedback: 'up' as const, feedbackAt: at(30) };
    const shared = share(mine, history([user(1), ratedThere]));
    expect(shared.messagesById['assistant:m2']).toMatchObject({ feedback: 'up' });
    // Their write from before they heard of this tab's later change does not undo it.
    const ratedHere = stateWith([user(1), { ...reply(2), feedback: 'down', feedbackAt: at(40) }]);
    expect(share(ratedHere, history([user(1), ratedThere]))).toBe(ratedHere);
  });

  it('takes in what survived a clear there, once it finishes', () => {
    const mine = clearConversation(stateWith([user(1), reply(2)]), at(5));
    // Their reply was streaming through the clear, and has finished since.
    const theirs = history([reply(4)], { clearedAt: at(5) });
    expect(ids(share(mine, theirs))).toEqual(['assistant:m4']);
  });

  it('does not take back what a clear removed from a tab that has not heard of it yet', () => {
    const mine = clearConversation(stateWith([user(1), reply(2)]), at(5));
    expect(ids(share(mine, history([user(1), reply(2), user(7)])))).toEqual(['user:7']);
  });

  it('keeps its own messages that outlived a clear when the other tab writes again', () => {
    const cleared = clearConversation(stateWith([user(1), reply(2, 'streaming')]), at(5));
    const finished = {
      ...cleared,
      messagesById: { ...cleared.messagesById, 'assistant:m2': reply(2) },
    };
    expect(ids(share(finished, history([], { clearedAt: at(5) })))).toEqual(['assistant:m2']);
  });

  it('never lets a clear from a clock set ahead clear what is still to come', () => {
    const mine = stateWith([user(1)]);
    const shared = share(mine, history([], { clearedAt: '2099-01-01T00:00:00.000Z' }));
    expect(shared.clearedAt).toBe(NOW);
  });

  it('returns the same state when there is nothing new', () => {
    const mine = stateWith([user(1), reply(2)]);
    expect(share(mine, history([user(1), reply(2)]))).toBe(mine);
  });

  it('clears what a newer clear in the other tab cleared, keeping what is in flight here', () => {
    const mine = stateWith([user(1), reply(2, 'streaming'), user(3, 'queued'), user(8)]);
    const shared = share(mine, history([], { clearedAt: at(5) }));
    expect(ids(shared)).toEqual(['assistant:m2', 'user:3', 'user:8']);
    expect(shared.clearedAt).toBe(at(5));
  });
});

describe('clearConversation', () => {
  it('removes settled messages and banners, keeps in-flight ones, and records when', () => {
    const state = stateWith([user(1), reply(2, 'streaming'), user(3, 'queued'), reply(4)], {
      escalation: { status: 'acknowledged', reason: null },
      awaitingReply: ['user:1'],
    });
    const cleared = clearConversation(state, at(9));
    expect(ids(cleared)).toEqual(['assistant:m2', 'user:3']);
    expect(cleared.awaitingReply).toEqual([]);
    expect(cleared.escalation.status).toBe('idle');
    expect(cleared.clearedAt).toBe(at(9));
  });
});

describe('forgetConversation', () => {
  it('drops the rest of a reply that was streaming quietly, as late, with no banner', () => {
    const streaming = apply(initialChatState(), {
      type: 'frame-received',
      frame: { type: 'stream-start', messageId: 'm1', timestamp: at(1) },
      at: at(1),
    });
    const forgotten = apply(streaming, { type: 'history-forgotten' });
    const after = apply(forgotten, {
      type: 'tokens-received',
      messageId: 'm1',
      text: 'more',
      count: 1,
      at: at(2),
    });
    expect(after.messageIds).toEqual([]);
    expect(after.banners).toEqual([]);
    expect(after.problems.map((problem) => problem.kind)).toEqual(['late-frame']);
  });
});
