/**
 * Connects a chat store's stored conversation to the page: opens it (after the first render,
 * so server-rendered markup and the first client render match), saves what waits when the
 * page is hidden or closed, and takes in what other tabs open on the same conversation save.
 */
import { useEffect } from 'react';
import type { HistoryStorage } from '../core/persistence.ts';
import type { ChatStore } from '../core/store.ts';
import { readTokenSubject } from '../core/token.ts';

/** Where a widget keeps its conversation: the browser's storages by name, your own, or none. */
export type HistoryStorageOption = 'local' | 'session' | HistoryStorage | false;

/**
 * The storage `option` names, or null when there is none (on the server, or where the
 * browser blocks storage: reading `window.localStorage` itself can throw).
 */
export function resolveHistoryStorage(option: HistoryStorageOption): HistoryStorage | null {
  if (option === false) return null;
  if (typeof option === 'object') return option;
  if (typeof window === 'undefined') return null;
  try {
    return option === 'session' ? window.sessionStorage : window.localStorage;
  } catch {
    return null;
  }
}

/**
 * The key a conversation is kept under by default: the server's URL and the user's `sub`
 * claim, read from the token but never verified, and never the token itself (it is a
 * credential, and it changes with every refresh while the user stays the same). Null when
 * the token names no user: then nothing is kept, rather than risk showing one user's
 * conversation to another on a shared device.
 */
export function defaultHistoryKey(url: string, token: string | null | undefined): string | null {
  const subject = readTokenSubject(token);
  return subject === null ? null : `chatwire:${url}:${subject}`;
}

/**
 * Opens the conversation stored under `key` in `store` (a store made with `history`) and
 * keeps it in step with the page and with other tabs. A null key keeps nothing; changing it
 * (another user signs in) forgets the transcript shown and loads theirs.
 */
export function useChatHistory(
  store: ChatStore,
  key: string | null,
  storage: HistoryStorageOption,
): void {
  const history = store.history;

  useEffect(() => {
    // Any failure to read is reported through the store's problems; the chat goes on.
    history?.open(key).catch(() => undefined);
  }, [history, key]);

  useEffect(() => {
    if (!history) return;
    // Writes wait while a reply streams: save them as the page is hidden or unloaded.
    const save = () => history.flush();
    const onVisibilityChange = () => {
      if (document.visibilityState === 'hidden') save();
    };
    window.addEventListener('pagehide', save);
    document.addEventListener('visibilitychange', onVisibilityChange);
    return () => {
      window.removeEventListener('pagehide', save);
      document.removeEventListener('visibilitychange', onVisibilityChange);
      // Saves, and tells other tabs this widget's queued messages are no longer sent here.
      history.close();
    };
  }, [history]);

  useEffect(() => {
    // Only the browser's local storage tells other tabs about a change.
    const local = storage === 'local' ? resolveHistoryStorage('local') : null;
    if (!history || !local) return;
    const onStorage = (event: StorageEvent) => {
      if (event.storageArea === local && event.key !== null) {
        history.receiveShared(event.key, event.newValue);
      }
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, [history, storage]);
}
