/**
 * A random id, unique enough to name a message or a widget across tabs. `crypto.randomUUID`
 * exists only on secure pages (https:, localhost); a page served over plain http: still has
 * `crypto.getRandomValues`, and a runtime with neither falls back to `Math.random`.
 */
export function randomId(): string {
  const crypto = globalThis.crypto;
  if (typeof crypto?.randomUUID === 'function') return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof crypto?.getRandomValues === 'function') crypto.getRandomValues(bytes);
  else for (let index = 0; index < bytes.length; index++) bytes[index] = Math.random() * 256;
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
