import { describe, expect, it } from 'vitest';
import { linkIn, transportOf } from '../../test/support/link-states.ts';
import type { ChatHappening } from './events.ts';
import type { StoredHistory } from './history.ts';
import { createChatStore } from './store.ts';

const T0 = '2025-09-12T10:15:30.000Z';

/** A connected store with a settable clock, and every happening it tells its listeners. */
function setup() {
  const clock = { time: new Date(T0) };
  let counter = 0;
  const store = createChatStore({ now: () => clock.time, createId: () => `id-${++counter}` });
  store.actions.attachTransport(transportOf(() => true));
  store.actions.setConnection(linkIn('open'));
  const heard: ChatHappening[] = [];
  store.listen((happening) => heard.push(happening));
  const frame = (type: string, fields: Record<string, string> = {}) =>
    store.actions.receive(JSON.stringify({ type, timestamp: clock.time.toISOString(), ...fields }));
  const later = (ms: number) => {
    clock.time = new Date(clock.time.getTime() + ms);
  };
  return { store, heard, frame, later, types: () => heard.map((happening) => happening.type) };
}

describe('the store tells what happened', () => {
  it('tells of a sent message once, with the message', () => {
    const { store, heard } = setup();
    store.actions.sendMessage('Hello');
    expect(heard).toEqual([
      {
        type: 'message-sent',
        message: expect.objectContaining({ role: 'user', text: 'Hello' }),
      },
    ]);
  });

  it('tells of a reply starting and ending, not of each token', () => {
    const { frame, heard, types } = setup();
    frame('stream-start', { messageId: 'm1' });
    frame('stream-token', { messageId: 'm1', token: 'Hi ' });
    frame('stream-token', { messageId: 'm1', token: 'there' });
    frame('stream-end', { messageId: 'm1' });
    expect(types()).toEqual(['reply-started', 'reply-ended']);
    expect(heard[1]).toMatchObject({
      how: 'complete',
      reply: { status: 'complete', text: 'Hi there' },
    });
  });

  it('tells of the tokens of a batch as nothing but the reply they end', () => {
    const { store, types } = setup();
    const at = T0;
    store.actions.receiveMany([
      JSON.stringify({ type: 'stream-start', messageId: 'm1', timestamp: at }),
      JSON.stringify({ type: 'stream-token', messageId: 'm1', token: 'a', timestamp: at }),
      JSON.stringify({ type: 'stream-end', messageId: 'm1', timestamp: at }),
    ]);
    expect(types()).toEqual(['reply-started', 'reply-ended']);
  });

  it('tells of a reply that goes quiet, resumes and ends: ended, resumed, ended', () => {
    const { store, frame, heard, later, types } = setup();
    frame('stream-start', { messageId: 'm1' });
    frame('stream-token', { messageId: 'm1', token: 'Hi' });
    later(61_000);
    store.actions.checkStalledStreams(60_000);
    frame('stream-token', { messageId: 'm1', token: ' again' });
    frame('stream-end', { messageId: 'm1' });
    expect(types()).toEqual(['reply-started', 'reply-ended', 'reply-resumed', 'reply-ended']);
    expect(
      heard.map((happening) => (happening.type === 'reply-ended' ? happening.how : null)),
    ).toEqual([null, 'interrupted', null, 'complete']);
  });

  it('tells of a reply that goes quiet and then simply ends as ended once more, complete', () => {
    const { store, frame, heard, later, types } = setup();
    frame('stream-start', { messageId: 'm1' });
    frame('stream-token', { messageId: 'm1', token: 'Hi' });
    later(61_000);
    store.actions.checkStalledStreams(60_000);
    frame('stream-end', { messageId: 'm1' });
    expect(types()).toEqual(['reply-started', 'reply-ended', 'reply-ended']);
    expect(heard[2]).toMatchObject({ how: 'complete', reply: { status: 'complete', text: 'Hi' } });
  });

  it('tells of a quiet reply cut by the connection dropping, and never again after', () => {
    const { store, frame, later, types } = setup();
    frame('stream-start', { messageId: 'm1' });
    later(61_000);
    store.actions.checkStalledStreams(60_000);
    store.actions.setConnection(linkIn('reconnecting'));
    expect(store.getState().messagesById[store.getState().messageIds[0] ?? '']).toMatchObject({
      status: 'interrupted',
      interruption: 'connection-lost',
    });
    store.actions.checkStalledStreams(60_000);
    // Ended when it went quiet, and its end is final now; nothing more is told.
    expect(types()).toEqual(['reply-started', 'reply-ended']);
  });

  it('tells of a reply the user stopped as ended, stopped; the rest of it is declined quietly', () => {
    const { store, frame, heard, types } = setup();
    frame('stream-start', { messageId: 'm1' });
    frame('stream-token', { messageId: 'm1', token: 'Half an ' });
    expect(store.actions.stopReplies()).toBe(true);
    frame('stream-token', { messageId: 'm1', token: 'answer' });
    frame('stream-end', { messageId: 'm1' });
    expect(types()).toEqual(['reply-started', 'reply-ended']);
    expect(heard[1]).toMatchObject({
      how: 'stopped',
      reply: { status: 'stopped', text: 'Half an ' },
    });
    const state = store.getState();
    expect(state.problems).toEqual([]);
    expect(state.banners).toEqual([]);
    expect(store.actions.stopReplies()).toBe(false);
    // The server may use the id again on this connection for a new reply, once it has ended.
    frame('stream-start', { messageId: 'm1' });
    frame('stream-token', { messageId: 'm1', token: 'Next' });
    expect(store.getState().messageIds).toHaveLength(2);
  });

  it('declines the rest of a stopped reply quietly even once the conversation is cleared', () => {
    const { store, frame } = setup();
    frame('stream-start', { messageId: 'm1' });
    frame('stream-token', { messageId: 'm1', token: 'Half' });
    store.actions.stopReplies();
    store.actions.clearHistory();
    frame('stream-token', { messageId: 'm1', token: ' more' });
    frame('stream-end', { messageId: 'm1' });
    expect(store.getState().messageIds).toEqual([]);
    expect(store.getState().problems).toEqual([]);
  });

  it('tells of a rating given, changed and taken back; a streaming reply cannot be rated', () => {
    const { store, frame, heard } = setup();
    frame('stream-start', { messageId: 'm1' });
    const [id = ''] = store.getState().messageIds;
    expect(store.actions.rateReply(id, 'up')).toBe(false);
    frame('stream-end', { messageId: 'm1' });
    expect(store.actions.rateReply(id, 'up')).toBe(true);
    expect(store.actions.rateReply(id, 'down')).toBe(true);
    expect(store.actions.rateReply(id, null)).toBe(true);
    const ratings = heard.flatMap((happening) =>
      happening.type === 'reply-rated' ? [happening.feedback] : [],
    );
    expect(ratings).toEqual(['up', 'down', null]);
    expect(store.actions.rateReply('assistant:nope', 'up')).toBe(false);
  });

  it('tells of a reply cut by the connection dropping as interrupted', () => {
    const { store, frame, heard, types } = setup();
    frame('stream-start', { messageId: 'm1' });
    store.actions.setConnection(linkIn('reconnecting'));
    expect(types()).toEqual(['reply-started', 'reply-ended']);
    expect(heard[1]).toMatchObject({ how: 'interrupted', reply: { status: 'interrupted' } });
  });

  it('tells of an escalation asked for and answered', () => {
    const { store, frame, heard } = setup();
    store.actions.requestHuman('Billing');
    frame('human-escalation-response', { message: 'A person will join shortly' });
    expect(heard).toEqual([
      { type: 'escalation-requested', reason: 'Billing' },
      {
        type: 'escalation-answered',
        message: expect.objectContaining({ text: 'A person will join shortly' }),
      },
    ]);
  });

  it('tells of the server greeting as a notice', () => {
    const { frame, heard } = setup();
    frame('connection', { message: 'Connected to chat server' });
    expect(heard).toEqual([
      {
        type: 'notice-received',
        message: expect.objectContaining({ text: 'Connected to chat server' }),
      },
    ]);
  });

  it('tells of a frame it could not use as a problem, and the conversation cleared', () => {
    const { store, frame, types } = setup();
    store.actions.receive('{not json');
    frame('stream-token', { messageId: 'never-started', token: 'x' });
    store.actions.sendMessage('Hello');
    store.actions.clearHistory();
    expect(types()).toEqual(['problem', 'problem', 'message-sent', 'conversation-cleared']);
  });

  it('tells nothing of a pong, a status change without a reply, or an unchanged link', () => {
    const { store, frame, heard } = setup();
    frame('pong');
    store.actions.setConnection(linkIn('reconnecting'));
    store.actions.setConnection(linkIn('reconnecting'));
    expect(heard).toEqual([]);
  });

  it('tells nothing of a conversation restored from storage or shared by another tab', () => {
    const { store, heard } = setup();
    const history: StoredHistory = {
      messages: [
        { id: 'user:a', role: 'user', text: 'Hi', status: 'sent', createdAt: T0 },
        {
          id: 'assistant:b',
          role: 'assistant',
          messageId: 'm1',
          text: 'Hello',
          status: 'complete',
          tokenCount: 1,
          interruption: null,
          createdAt: T0,
          updatedAt: T0,
        },
      ],
      escalation: { status: 'idle', reason: null },
      awaitingReply: [],
      clearedAt: null,
      owner: null,
    };
    store.actions.dispatch({ type: 'history-restored', history, at: T0, queuedElsewhere: false });
    store.actions.dispatch({ type: 'history-shared', history, at: T0 });
    expect(store.getState().messageIds.length).toBeGreaterThan(0);
    expect(heard).toEqual([]);
  });

  it('tells of a clear made in another tab, as the transcript empties here too', () => {
    const { store, types } = setup();
    store.actions.sendMessage('Hello');
    const later = new Date(Date.parse(T0) + 1_000).toISOString();
    store.actions.dispatch({
      type: 'history-shared',
      history: {
        messages: [],
        escalation: { status: 'idle', reason: null },
        awaitingReply: [],
        clearedAt: later,
        owner: null,
      },
      at: later,
    });
    expect(types()).toEqual(['message-sent', 'conversation-cleared']);
  });

  it('tells nothing once the listener has stopped listening', () => {
    const { store } = setup();
    const heard: ChatHappening[] = [];
    const stop = store.listen((happening) => heard.push(happening));
    store.actions.sendMessage('one');
    stop();
    store.actions.sendMessage('two');
    expect(heard).toHaveLength(1);
  });
});
