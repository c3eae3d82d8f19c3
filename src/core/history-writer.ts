/**
 * The history writer: the storage zustand's persist middleware reads and writes through for
 * a chat store's conversation (see `createHistoryWriter`).
 */
import type { PersistStorage, StorageValue } from 'zustand/middleware';
import { HISTORY_VERSION, type StoredHistory } from './history.ts';
import type { ChatHistoryOptions, HistoryStorage } from './persistence.ts';

/** While a reply streams, the conversation is written at most this often. */
const STREAMING_WRITE_INTERVAL_MS = 1_000;

type ReportProblem = (kind: 'history-unreadable' | 'history-not-saved', message: string) => void;

/**
 * The storage zustand's persist middleware writes through: closed until the current
 * conversation has been read (and for good if reading it failed, or if a newer chatwire
 * wrote it), throttled while a reply streams, and forgiving of a full storage.
 */
export function createHistoryWriter(
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
export function parseStored(raw: string): { state: unknown; version: number } | null {
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

export function describe(error: unknown): string {
  if (error instanceof Error) return error.name === 'Error' ? error.message : error.name;
  return String(error);
}
