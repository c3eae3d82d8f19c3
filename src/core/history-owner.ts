/**
 * The tab ownership lock behind a stored conversation: which widget wrote it, and whether
 * that widget is still alive (see `createOwner`).
 */
import { randomId } from './random-id.ts';

const OWNER_LOCK = 'chatwire-history-owner:';

/**
 * Who wrote a stored conversation, and whether they are still alive. Each store holds a Web
 * Lock named after its random id while its widget is mounted, so a tab that restores a
 * conversation can tell "the page that queued these messages was reloaded or closed" (send
 * them) from "another tab still has them queued" (leave them to it, or they would go twice).
 * Without Web Locks (old browsers, Node), every writer counts as gone.
 */
export function createOwner() {
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
