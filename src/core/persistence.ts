/**
 * Keeps a chat store's conversation in storage with zustand's `persist` middleware, adding
 * what a chat widget needs on top of it:
 * - Nothing is read or written until a conversation is opened (`ChatHistory.open`), so a
 *   store made during server rendering never touches storage, and a write made before the
 *   stored history was read can never overwrite it.
 * - Writes are immediate, except while a reply streams: then at most one a second, and
 *   whatever waits is written when the page is hidden (`flush`).
 * - A write the storage refuses (quota full) is retried with fewer, newer messages; if even
 *   that fails it is reported, and the widget carries on without saving.
 * - What is read back is checked entry by entry (`readStoredHistory`) before it is merged.
 */
import { type PersistStorage, persist, type StorageValue } from 'zustand/middleware';
import type { StateCreator, StoreApi } from 'zustand/vanilla';
import {
  DEFAULT_MAX_STORED_MESSAGES,
  HISTORY_VERSION,
  migrateHistory,
  readStoredHistory,
  restoreHistory,
  type StoredHistory,
  toStoredHistory,
} from './history.ts';
import type { ChatEvent } from './reduce.ts';
import { sameItems } from './same-items.ts';
import type { ChatState } from './state.ts';

/**
 * Where a conversation is kept: `localStorage`, `sessionStorage`, or anything with the same
 * three methods, synchronous or returning promises (IndexedDB wrappers, React Native's
 * AsyncStorage).
 */
export interface HistoryStorage {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): unknown;
  removeItem(key: string): unknown;
}

/** How a chat store keeps its conversation between visits. */
export interface ChatHistoryOptions {
  /**
   * The storage, or a function that returns it (or null when there is none). A function is
   * called only when a conversation is first opened, so it is safe on the server.
   */
  storage: HistoryStorage | (() => HistoryStorage | null);
  /** How many messages are kept; older ones are dropped. Defaults to 200. */
  maxStoredMessages?: number;
}

/** A chat store's stored conversation. */
export interface ChatHistory {
  /** The key the current conversation is stored under, or null when none is open. */
  readonly key: string | null;
  /**
   * Opens the conversation stored under `key` and merges it into the transcript; resolves
   * once it is read. Switching from one key to another (or to null) first forgets the
   * transcript shown, as it belongs to someone else.
   */
  open(key: string | null): Promise<void>;
  /** Writes anything still waiting to be written, now. */
  flush(): void;
  /**
   * Saves what waits and lets other tabs know this widget is gone (its queued messages are
   * theirs to send after a reload). Call it when the widget unmounts; `open` takes over again.
   */
  close(): void;
  /**
   * Takes in what another tab stored under `key` (e.g. from a `storage` event): its finished
   * messages join this transcript, and a clear made there clears here too.
   */
  receiveShared(key: string, value: string | null): void;
  /**
   * Whether the message came from storage or from another tab rather than from this page's
   * own conversation: old news, not to be announced.
   */
  isRestored(id: string): boolean;
}

/** While a reply streams, the conversation is written at most this often. */
const STREAMING_WRITE_INTERVAL_MS = 1_000;

/** What the history needs from its store. */
interface StoreHooks {
  dispatch(event: ChatEvent): void;
  timestamp(): string;
  /** Called once a stored conversation has been merged in (queued messages can go now). */
  restored(): void;
}

/** Wraps `creator` so the store keeps its conversation as `options` says. */
export function withHistory(
  creator: StateCreator<ChatState>,
  options: ChatHistoryOptions,
  hooks: StoreHooks,
): { creator: StateCreator<ChatState>; attach(store: StoreApi<ChatState>): ChatHistory } {
  const maxMessages = Math.max(0, options.maxStoredMessages ?? DEFAULT_MAX_STORED_MESSAGES);
  /** The conversation open now, and the one whose stored value is being read. */
  let key: string | null = null;
  let reading: string | null = null;
  const owner = createOwner();
  /** Other widgets (in this tab or others) alive at the last open, by owner id. */
  let liveOwners: ReadonlySet<string> = new Set();
  const writer = createHistoryWriter(
    options.storage,
    (kind, message) =>
      // Reported after the store update that led here has finished.
      queueMicrotask(() =>
        hooks.dispatch({ type: 'history-problem', kind, message, at: hooks.timestamp() }),
      ),
    (name) => name === key,
  );
  const partialize = memoisedPartialize(maxMessages, owner.id);
  /** Ids of messages that came from storage or another tab. */
  const restored = new Set<string>();
  const noteRestored = (history: StoredHistory) => {
    for (const message of history.messages) restored.add(message.id);
  };
  const persisted = persist<ChatState, [], [], StoredHistory>(creator, {
    name: 'chatwire',
    storage: writer.storage,
    partialize,
    version: HISTORY_VERSION,
    migrate: (value, version) => migrateHistory(value, version),
    merge: (value, current) => {
      // Nothing stored yet (or nothing readable, already reported), or a read for a
      // conversation closed since: the live state as it is.
      if (value === undefined || reading !== key) return current;
      const { history, dropped } = readStoredHistory(value);
      if (dropped > 0) {
        writer.report(
          'history-unreadable',
          `${dropped} stored ${dropped === 1 ? 'entry was' : 'entries were'} not valid and ${dropped === 1 ? 'was' : 'were'} left out.`,
        );
      }
      noteRestored(history);
      return restoreHistory(current, history, {
        now: hooks.timestamp(),
        queuedElsewhere: history.owner !== null && liveOwners.has(history.owner),
      });
    },
    skipHydration: true,
    onRehydrateStorage: () => (_state, error) => {
      if (error) {
        writer.report(
          'history-unreadable',
          `Stored history could not be read (${describe(error)}); it will not be saved over.`,
        );
      }
      if (reading === key) hooks.restored();
    },
  }) as StateCreator<ChatState>;

  const attach = (store: StoreApi<ChatState>): ChatHistory => {
    const api = (store as StoreApi<ChatState> & PersistApi).persist;
    return {
      get key() {
        return key;
      },
      async open(next) {
        owner.claim();
        if (next === key) return;
        writer.flush();
        const previous = key;
        key = next;
        writer.close();
        if (previous !== null) hooks.dispatch({ type: 'history-forgotten' });
        if (next === null) return;
        const others = await owner.othersAlive();
        if (key !== next) return;
        liveOwners = others;
        reading = next;
        api.setOptions({ name: next });
        await api.rehydrate();
        // Whatever happened while the stored value was being read is saved with it now
        // (unless reading failed: then nothing is written over what could not be read).
        if (key === next) {
          writer.storage.setItem(next, {
            state: partialize(store.getState()),
            version: HISTORY_VERSION,
          });
        }
      },
      close() {
        writer.flush();
        owner.release();
      },
      flush: () => writer.flush(),
      receiveShared(from, value) {
        if (from !== key || value === null) return;
        const stored = parseStored(value);
        if (!stored) return;
        const history =
          stored.version === HISTORY_VERSION
            ? readStoredHistory(stored.state).history
            : migrateHistory(stored.state, stored.version);
        noteRestored(history);
        hooks.dispatch({ type: 'history-shared', history, at: hooks.timestamp() });
      },
      isRestored: (id) => restored.has(id),
    };
  };
  return { creator: persisted, attach };
}

/** The part of zustand's persist API used here. */
interface PersistApi {
  persist: { setOptions(options: { name: string }): void; rehydrate(): Promise<void> };
}

const OWNER_LOCK = 'chatwire-history-owner:';

/**
 * Who wrote a stored conversation, and whether they are still alive. Each store holds a Web
 * Lock named after its random id while its widget is mounted, so a tab that restores a
 * conversation can tell "the page that queued these messages was reloaded or closed" (send
 * them) from "another tab still has them queued" (leave them to it, or they would go twice).
 * Without Web Locks (old browsers, Node), every writer counts as gone.
 */
function createOwner() {
  const id = randomId();
  let release: (() => void) | null = null;
  const locks = () =>
    typeof navigator !== 'undefined' && navigator.locks ? navigator.locks : null;
  return {
    id,
    claim() {
      const available = locks();
      if (release || !available) return;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      available.request(OWNER_LOCK + id, () => held).catch(() => undefined);
    },
    release() {
      release?.();
      release = null;
    },
    async othersAlive(): Promise<ReadonlySet<string>> {
      const available = locks();
      if (!available) return new Set();
      try {
        const { held = [] } = await available.query();
        const names = held.flatMap(({ name }) => (name?.startsWith(OWNER_LOCK) ? [name] : []));
        return new Set(
          names.map((name) => name.slice(OWNER_LOCK.length)).filter((other) => other !== id),
        );
      } catch {
        return new Set();
      }
    },
  };
}

function randomId(): string {
  return typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function'
    ? crypto.randomUUID()
    : Math.random().toString(36).slice(2);
}

/**
 * `toStoredHistory`, returning the very same object while none of its inputs changed, so a
 * store update that touches nothing kept (a pong, a connection detail) writes nothing.
 */
function memoisedPartialize(
  maxMessages: number,
  owner: string,
): (state: ChatState) => StoredHistory {
  let last: { inputs: unknown[]; result: StoredHistory } | null = null;
  return (state) => {
    const inputs = [
      state.messageIds,
      state.messagesById,
      state.escalation,
      state.awaitingReply,
      state.clearedAt,
    ];
    if (last && sameItems(inputs, last.inputs)) return last.result;
    last = { inputs, result: toStoredHistory(state, maxMessages, owner) };
    return last.result;
  };
}

type ReportProblem = (kind: 'history-unreadable' | 'history-not-saved', message: string) => void;

/**
 * The storage zustand's persist middleware writes through: closed until the current
 * conversation has been read (and for good if reading it failed, or if a newer chatwire
 * wrote it), throttled while a reply streams, and forgiving of a full storage.
 */
function createHistoryWriter(
  storageOption: ChatHistoryOptions['storage'],
  report: ReportProblem,
  isCurrent: (name: string) => boolean,
) {
  let backend: HistoryStorage | null | undefined;
  const resolve = () => {
    if (backend === undefined) {
      try {
        backend = typeof storageOption === 'function' ? storageOption() : storageOption;
      } catch {
        // Storage can throw on access (blocked cookies, a sandboxed frame): keep nothing.
        backend = null;
      }
    }
    return backend;
  };
  /** The conversation whose stored value has been read, and which may now be written. */
  let openName: string | null = null;
  let waiting: { name: string; value: StorageValue<StoredHistory> } | null = null;
  let lastWritten: StoredHistory | null = null;
  let lastWriteAt = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | null = null;
  /** Counts writes, so a retry of an older one never lands over a newer one. */
  let writes = 0;
  let reportedNotSaved = false;

  const write = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const pending = waiting;
    waiting = null;
    if (!pending) return;
    lastWritten = pending.value.state;
    lastWriteAt = Date.now();
    writeTrimmed(pending.name, pending.value, ++writes);
  };

  /** Writes `value`, with fewer messages each time the storage refuses it. */
  const writeTrimmed = (name: string, value: StorageValue<StoredHistory>, write: number) => {
    const store = resolve();
    if (!store) return;
    const saved = () => {
      reportedNotSaved = false;
    };
    const attempt = (messages: number): void => {
      if (write !== writes || name !== openName) return;
      const state = trimmed(value.state, messages);
      const onRefused = (error: unknown) => {
        if (messages > 0) return attempt(Math.floor(messages / 2));
        if (reportedNotSaved) return;
        reportedNotSaved = true;
        report('history-not-saved', `The conversation could not be saved (${describe(error)}).`);
      };
      try {
        const result = store.setItem(name, JSON.stringify({ state, version: value.version }));
        if (isPromiseLike(result)) result.then(saved, onRefused);
        else saved();
      } catch (error) {
        onRefused(error);
      }
    };
    attempt(value.state.messages.length);
  };

  const storage: PersistStorage<StoredHistory> = {
    getItem(name) {
      const store = resolve();
      const opened = (raw: string | null) => {
        const stored = raw === null ? null : parseStored(raw);
        if (raw !== null && !stored) {
          report(
            'history-unreadable',
            'The stored conversation is not valid JSON; it was replaced.',
          );
        }
        if (stored && stored.version > HISTORY_VERSION) {
          // Written by a newer chatwire (another tab after a deploy): read what can be read,
          // but never write it back in this older shape.
          report(
            'history-not-saved',
            'The stored conversation is from a newer version; it is not saved over.',
          );
        } else if (isCurrent(name)) {
          openName = name;
        }
        return stored as StorageValue<StoredHistory> | null;
      };
      if (!store) return null;
      const raw = store.getItem(name);
      return isPromiseLike(raw) ? Promise.resolve(raw).then(opened) : opened(raw);
    },
    setItem(name, value) {
      if (name !== openName || value.state === lastWritten) return;
      waiting = { name, value };
      const streaming = value.state.messages.some(
        (message) => message.role === 'assistant' && message.status === 'streaming',
      );
      const wait = lastWriteAt + STREAMING_WRITE_INTERVAL_MS - Date.now();
      if (!streaming || wait <= 0) write();
      else timer ??= setTimeout(write, wait);
    },
    removeItem(name) {
      resolve()?.removeItem(name);
    },
  };
  return {
    storage,
    report,
    flush: write,
    /** Stops writing until the next conversation has been read. */
    close() {
      openName = null;
      lastWritten = null;
    },
  };
}

/** `history` with only its latest `count` messages. */
function trimmed(history: StoredHistory, count: number): StoredHistory {
  if (count >= history.messages.length) return history;
  const messages = history.messages.slice(history.messages.length - count);
  const kept = new Set(messages.map((message) => message.id));
  return {
    ...history,
    messages,
    awaitingReply: history.awaitingReply.filter((id) => kept.has(id)),
  };
}

/** `{ state, version }` from stored JSON, or null when it is not that. */
function parseStored(raw: string): { state: unknown; version: number } | null {
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return null;
    const { state, version } = value as { state?: unknown; version?: unknown };
    return typeof version === 'number' ? { state, version } : null;
  } catch {
    return null;
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.name === 'Error' ? error.message : error.name;
  return String(error);
}
