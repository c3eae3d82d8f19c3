import { afterEach, describe, expect, it, vi } from 'vitest';
import { linkIn, transportOf } from '../../test/support/link-states.ts';
import type { HistoryStorage } from './persistence.ts';
import type { ClientFrame } from './protocol.ts';
import type { Problem } from './state.ts';
import { type ChatStore, createChatStore } from './store.ts';

const KEY = 'chatwire:ws://chat.example:alice';

/** An in-memory storage that records writes and can be told to refuse them. */
function memoryStorage(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial));
  const writes: string[] = [];
  const storage = {
    items,
    writes,
    /** Refuses any value longer than this many characters, as a full quota does. */
    limit: Number.POSITIVE_INFINITY,
    getItem: (key: string) => items.get(key) ?? null,
    setItem(key: string, value: string) {
      if (value.length > storage.limit) {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      }
      writes.push(key);
      items.set(key, value);
    },
    removeItem: (key: string) => void items.delete(key),
  };
  return storage;
}

function storeOn(
  storage: HistoryStorage | (() => HistoryStorage | null),
  maxStoredMessages?: number,
) {
  const problems: Problem[] = [];
  let id = 0;
  const store = createChatStore({
    history: { storage, maxStoredMessages },
    createId: () => `id-${++id}-${Math.random().toString(36).slice(2)}`,
    onProblem: (problem) => problems.push(problem),
  });
  return { store, problems };
}

/** An open socket that records what is sent. */
function connect(store: ChatStore) {
  const sent: ClientFrame[] = [];
  store.actions.attachTransport(
    transportOf((frame) => {
      sent.push(frame);
      return true;
    }),
  );
  store.actions.setConnection(linkIn('open'));
  return sent;
}

const frame = (payload: object) =>
  JSON.stringify({ ...payload, timestamp: new Date().toISOString() });
const texts = (store: ChatStore) =>
  store.getState().messageIds.map((id) => store.getState().messagesById[id]?.text);
const stored = (storage: ReturnType<typeof memoryStorage>) =>
  JSON.parse(storage.items.get(KEY) ?? 'null') as { state: { messages: { text: string }[] } };

afterEach(() => vi.useRealTimers());

describe('a store with history', () => {
  it('touches no storage until a conversation is opened, then reads before it writes', async () => {
    const getStorage = vi.fn(() => memoryStorage());
    const { store } = storeOn(getStorage);
    store.actions.sendMessage('typed before the history was read');
    expect(getStorage).not.toHaveBeenCalled();

    await store.history?.open(KEY);
    expect(getStorage).toHaveBeenCalledTimes(1);
    const storage = getStorage.mock.results[0]?.value as ReturnType<typeof memoryStorage>;
    store.actions.sendMessage('typed after');
    expect(stored(storage).state.messages.map((message) => message.text)).toEqual([
      'typed before the history was read',
      'typed after',
    ]);
  });

  it('never overwrites a stored conversation with what was typed while it was being read', async () => {
    const memory = memoryStorage();
    const seed = storeOn(memory).store;
    await seed.history?.open(KEY);
    seed.actions.sendMessage('from the last visit');

    const reading: { release?: () => void } = {};
    const slow: HistoryStorage = {
      getItem: (key) =>
        new Promise((resolve) => {
          reading.release = () => resolve(memory.getItem(key));
        }),
      setItem: (key, value) => memory.setItem(key, value),
      removeItem: (key) => memory.removeItem(key),
    };
    const { store } = storeOn(slow);
    const opened = store.history?.open(KEY);
    store.actions.sendMessage('typed while reading');
    expect(stored(memory).state.messages.map((message) => message.text)).toEqual([
      'from the last visit',
    ]);
    await vi.waitUntil(() => reading.release !== undefined);
    reading.release?.();
    await opened;
    expect(texts(store)).toEqual(['from the last visit', 'typed while reading']);
    expect(stored(memory).state.messages.map((message) => message.text)).toEqual([
      'from the last visit',
      'typed while reading',
    ]);
  });

  it('ignores a read that finishes after the conversation was closed (a sign-out)', async () => {
    const memory = memoryStorage();
    const seed = storeOn(memory).store;
    await seed.history?.open(KEY);
    seed.actions.sendMessage("Alice's queued question");

    const pending: (() => void)[] = [];
    const slow: HistoryStorage = {
      getItem: (key) => new Promise((resolve) => pending.push(() => resolve(memory.getItem(key)))),
      setItem: (key, value) => memory.setItem(key, value),
      removeItem: (key) => memory.removeItem(key),
    };
    const { store } = storeOn(slow);
    const sent = connect(store);
    const opening = store.history?.open(KEY);
    await vi.waitUntil(() => pending.length === 1);
    await store.history?.open(null);
    for (const release of pending) release();
    await opening;
    expect(texts(store)).toEqual([]);
    expect(sent).toEqual([]);
    store.actions.sendMessage('typed after signing out');
    expect(stored(memory).state.messages.map((message) => message.text)).toEqual([
      "Alice's queued question",
    ]);
  });

  it('keeps saving the conversation open now when reads finish out of order', async () => {
    const memory = memoryStorage();
    const pending = new Map<string, () => void>();
    const slow: HistoryStorage = {
      getItem: (key) =>
        new Promise((resolve) => pending.set(key, () => resolve(memory.getItem(key)))),
      setItem: (key, value) => memory.setItem(key, value),
      removeItem: (key) => memory.removeItem(key),
    };
    const { store } = storeOn(slow);
    const first = store.history?.open('chatwire:a');
    await vi.waitUntil(() => pending.has('chatwire:a'));
    const second = store.history?.open('chatwire:b');
    await vi.waitUntil(() => pending.has('chatwire:b'));
    pending.get('chatwire:b')?.();
    await second;
    pending.get('chatwire:a')?.();
    await first;
    store.actions.sendMessage('for b');
    expect(memory.items.get('chatwire:b')).toContain('for b');
    expect(memory.items.has('chatwire:a')).toBe(false);
  });

  it('never writes over a stored conversation it could not read', async () => {
    const memory = memoryStorage({
      [KEY]: JSON.stringify({ state: { messages: [] }, version: 1 }),
    });
    const before = memory.items.get(KEY);
    const failing: HistoryStorage = {
      getItem: async () => {
        throw new Error('The database is busy');
      },
      setItem: (key, value) => memory.setItem(key, value),
      removeItem: (key) => memory.removeItem(key),
    };
    const { store, problems } = storeOn(failing);
    await store.history?.open(KEY);
    store.actions.sendMessage('not saved over the unread history');
    await Promise.resolve();
    expect(memory.items.get(KEY)).toBe(before);
    expect(problems.map((problem) => problem.kind)).toContain('history-unreadable');
    expect(texts(store)).toEqual(['not saved over the unread history']);
  });

  it('reads a history written by a newer version but never saves over it', async () => {
    const newer = JSON.stringify({ state: { messages: [], futureField: 1 }, version: 99 });
    const memory = memoryStorage({ [KEY]: newer });
    const { store } = storeOn(memory);
    await store.history?.open(KEY);
    store.actions.sendMessage('kept in memory only');
    expect(memory.items.get(KEY)).toBe(newer);
  });

  it('brings a conversation back after a reload, a streaming reply as interrupted', async () => {
    const storage = memoryStorage();
    const first = storeOn(storage).store;
    await first.history?.open(KEY);
    connect(first);
    first.actions.sendMessage('Hello');
    first.actions.receive(frame({ type: 'stream-start', messageId: 'm1' }));
    first.actions.receive(frame({ type: 'stream-token', messageId: 'm1', token: 'Half a rep' }));
    first.history?.flush(); // the page is hidden as it unloads

    const second = storeOn(storage).store;
    await second.history?.open(KEY);
    expect(texts(second)).toEqual(['Hello', 'Half a rep']);
    const { messageIds, messagesById } = second.getState();
    expect(messagesById[messageIds[1] ?? '']).toMatchObject({
      messageId: 'm1',
      status: 'interrupted',
      interruption: 'connection-lost',
    });
  });

  it('sends messages queued before a reload once the connection opens, and never twice', async () => {
    const storage = memoryStorage();
    const offline = storeOn(storage).store;
    await offline.history?.open(KEY);
    offline.actions.sendMessage('Sent after the reload');

    const reloaded = storeOn(storage).store;
    await reloaded.history?.open(KEY);
    const sent = connect(reloaded);
    expect(sent).toMatchObject([{ type: 'chat', content: 'Sent after the reload' }]);

    const again = storeOn(storage).store;
    await again.history?.open(KEY);
    expect(connect(again)).toEqual([]);
    expect(texts(again)).toEqual(['Sent after the reload']);
  });

  it('keeps at most maxStoredMessages, dropping the oldest', async () => {
    const storage = memoryStorage();
    const { store } = storeOn(storage, 3);
    await store.history?.open(KEY);
    for (const text of ['one', 'two', 'three', 'four', 'five']) store.actions.sendMessage(text);
    expect(stored(storage).state.messages.map((message) => message.text)).toEqual([
      'three',
      'four',
      'five',
    ]);
  });

  it('reports corrupted storage, starts empty, and replaces it on the next write', async () => {
    const storage = memoryStorage({ [KEY]: '{"state": [1, 2' });
    const { store, problems } = storeOn(storage);
    await store.history?.open(KEY);
    await Promise.resolve();
    expect(problems.map((problem) => problem.kind)).toEqual(['history-unreadable']);
    expect(texts(store)).toEqual([]);
    store.actions.sendMessage('still works');
    expect(stored(storage).state.messages).toHaveLength(1);
  });

  it('keeps the valid entries of a tampered history and reports the rest', async () => {
    const valid = {
      id: 'user:1',
      role: 'user',
      text: 'kept',
      status: 'sent',
      createdAt: new Date().toISOString(),
    };
    const tampered = { ...valid, id: 'user:2', text: '<img src=x onerror=alert(1)>', role: 'root' };
    const storage = memoryStorage({
      [KEY]: JSON.stringify({ state: { messages: [valid, tampered, 'junk'] }, version: 1 }),
    });
    const { store, problems } = storeOn(storage);
    await store.history?.open(KEY);
    await Promise.resolve();
    expect(texts(store)).toEqual(['kept']);
    expect(problems).toMatchObject([
      { kind: 'history-unreadable', message: expect.stringContaining('2 stored entries') },
    ]);
  });

  it('saves fewer, newer messages when storage is full, and reports once if nothing fits', async () => {
    const storage = memoryStorage();
    const { store, problems } = storeOn(storage);
    await store.history?.open(KEY);
    for (let n = 0; n < 8; n++) store.actions.sendMessage(`message ${n} ${'x'.repeat(100)}`);
    storage.limit = 700;
    store.actions.sendMessage('the newest');
    const kept = stored(storage).state.messages.map((message) => message.text);
    expect(kept.at(-1)).toBe('the newest');
    expect(kept.length).toBeLessThan(9);

    storage.limit = 10;
    store.actions.sendMessage('nothing fits now');
    store.actions.sendMessage('nor now');
    await Promise.resolve();
    expect(problems.filter((problem) => problem.kind === 'history-not-saved')).toHaveLength(1);
    expect(texts(store).at(-1)).toBe('nor now');
  });

  it('writes at most once a second while a reply streams, and at once when flushed', async () => {
    vi.useFakeTimers();
    const storage = memoryStorage();
    const { store } = storeOn(storage);
    await store.history?.open(KEY);
    connect(store);
    store.actions.receive(frame({ type: 'stream-start', messageId: 'm1' }));
    const before = storage.writes.length;
    for (let n = 0; n < 50; n++) {
      store.actions.receive(frame({ type: 'stream-token', messageId: 'm1', token: `${n} ` }));
    }
    expect(storage.writes.length - before).toBeLessThanOrEqual(1);
    vi.advanceTimersByTime(1_000);
    expect(storage.writes.length - before).toBeLessThanOrEqual(2);
    store.actions.receive(frame({ type: 'stream-token', messageId: 'm1', token: 'end' }));
    store.history?.flush();
    expect(stored(storage).state.messages.at(-1)?.text).toMatch(/end$/);
  });

  it('works with a storage that answers with promises', async () => {
    const memory = memoryStorage();
    const asyncStorage: HistoryStorage = {
      getItem: async (key) => memory.getItem(key),
      setItem: async (key, value) => memory.setItem(key, value),
      removeItem: async (key) => memory.removeItem(key),
    };
    const first = storeOn(asyncStorage).store;
    await first.history?.open(KEY);
    first.actions.sendMessage('kept in an async store');
    await Promise.resolve();
    const second = storeOn(asyncStorage).store;
    await second.history?.open(KEY);
    expect(texts(second)).toEqual(['kept in an async store']);
  });

  it('forgets the transcript when another conversation is opened', async () => {
    const storage = memoryStorage();
    const { store } = storeOn(storage);
    await store.history?.open(KEY);
    store.actions.sendMessage("Alice's question");
    await store.history?.open('chatwire:ws://chat.example:bob');
    expect(texts(store)).toEqual([]);
    store.actions.sendMessage("Bob's question");
    await store.history?.open(KEY);
    expect(texts(store)).toEqual(["Alice's question"]);
  });

  it('takes in what another tab stored, and clears when it clears', async () => {
    const storage = memoryStorage();
    const here = storeOn(storage).store;
    const there = storeOn(storage).store;
    await here.history?.open(KEY);
    await there.history?.open(KEY);
    connect(there).length;
    there.actions.sendMessage('asked in the other tab');
    here.history?.receiveShared(KEY, storage.items.get(KEY) ?? null);
    expect(texts(here)).toEqual(['asked in the other tab']);

    there.actions.clearHistory();
    here.history?.receiveShared(KEY, storage.items.get(KEY) ?? null);
    expect(texts(here)).toEqual([]);
  });

  it('clearHistory keeps a reply still streaming and clears the rest, in storage too', async () => {
    const storage = memoryStorage();
    const { store } = storeOn(storage);
    await store.history?.open(KEY);
    connect(store);
    store.actions.sendMessage('old question');
    store.actions.receive(frame({ type: 'stream-start', messageId: 'm1' }));
    store.actions.clearHistory();
    store.history?.flush();
    expect(texts(store)).toEqual(['']);
    expect(stored(storage).state.messages).toHaveLength(1);
  });
});
