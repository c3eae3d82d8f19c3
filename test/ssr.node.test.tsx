/**
 * Server rendering: the widget renders to HTML in plain Node, with no browser globals, and
 * touches neither storage nor sockets while doing so. (Hydrating that HTML in a browser
 * without a mismatch is checked in `hydration.test.tsx`.)
 */
import { renderToString } from 'react-dom/server';
import { afterEach, expect, it } from 'vitest';
import { ChatWidget } from '../src/index.ts';

const BROWSER_GLOBALS = [
  'window',
  'document',
  'localStorage',
  'sessionStorage',
  'WebSocket',
  'navigator',
];

/** Records any read of a browser global during `run` (a `typeof` check reads it too). */
function recordingGlobalReads(run: () => void): string[] {
  const reads: string[] = [];
  const saved = BROWSER_GLOBALS.map(
    (name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const,
  );
  for (const name of BROWSER_GLOBALS) {
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get: () => {
        reads.push(name);
        return undefined;
      },
    });
  }
  try {
    run();
  } finally {
    for (const [name, descriptor] of saved) {
      if (descriptor) Object.defineProperty(globalThis, name, descriptor);
      else delete (globalThis as Record<string, unknown>)[name];
    }
  }
  return reads;
}

afterEach(() => {
  expect(typeof window).toBe('undefined');
});

// A token with a `sub`, so the widget would keep history in a browser.
const token = ['e30', btoa(JSON.stringify({ sub: 'server-user', exp: 4_102_444_800 })), 'sig'].join(
  '.',
);

it('renders to HTML in Node without reading storage, sockets or the DOM', () => {
  let html = '';
  const reads = recordingGlobalReads(() => {
    html = renderToString(<ChatWidget token={token} url="wss://chat.example" />);
  });
  expect(html).toContain('data-chatwire');
  expect(html).toContain('role="log"');
  expect(html).toContain('>Message</label>');
  // Only `typeof` probes are allowed: nothing was used.
  expect(reads.filter((name) => name !== 'window' && name !== 'document')).toEqual([]);
});

it('renders the launcher mode on the server too', () => {
  const html = renderToString(<ChatWidget token={token} mode="launcher" />);
  expect(html).toContain('Open chat');
});

it('would notice a read of a browser global (the check above can fail)', () => {
  const reads = recordingGlobalReads(
    () => void (globalThis as { localStorage?: unknown }).localStorage,
  );
  expect(reads).toEqual(['localStorage']);
});
