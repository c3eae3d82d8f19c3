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
import { persist } from 'zustand/middleware';
import type { StateCreator, StoreApi } from 'zustand/vanilla';
import {
  DEFAULT_MAX_STORED_MESSAGES,
  HISTORY_VERSION,
  migrateHistory,
  readStoredHistory,
  type StoredHistory,
  toStoredHistory,
} from './history.ts';
import { restoreHistory } from './history-merge.ts';
import { createOwner } from './history-owner.ts';
import { createHistoryWriter, describe, parseStored } from './history-writer.ts';
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
