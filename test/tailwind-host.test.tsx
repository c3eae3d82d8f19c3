/**
 * chatwire inside a host app that uses Tailwind v4 itself: the host's preflight and
 * utilities are on the page next to chatwire's stylesheet. The widget keeps its look, and
 * the host's own Tailwind classes passed through `classNames` win over chatwire's defaults
 * (chatwire's utilities sit in a lower cascade layer), whatever order the sheets load in.
 */
import './fixtures/tailwind-host.css';
import './fixtures/chatwire-last.css';
import { expect, it } from 'vitest';
import { render } from 'vitest-browser-react';
import { createChatStore } from '../src/core/store.ts';
import { ChatPanel } from '../src/index.ts';
import { ChatStoreProvider } from '../src/react/context.tsx';

it('keeps its look beside a Tailwind host and lets the host override parts with classNames', async () => {
  const store = createChatStore();
  const screen = await render(
    <div className="p-4">
      <h1 data-testid="host-heading" className="text-sky-700">
        Host page
      </h1>
      <div style={{ height: 400 }}>
        <ChatStoreProvider store={store}>
          <ChatPanel classNames={{ root: 'rounded-none', sendButton: 'bg-emerald-700 px-8' }} />
        </ChatStoreProvider>
      </div>
    </div>,
  );
  await expect.element(screen.getByRole('log')).toBeVisible();

  // The host's Tailwind works on the host: preflight flattened the heading, its class coloured it.
  const heading = getComputedStyle(screen.getByTestId('host-heading').element());
  expect(heading.fontSize).toBe('16px');
  expect(heading.color).not.toBe('rgb(0, 0, 0)');

  const root = screen.container.querySelector('[data-slot="root"]') as HTMLElement;
  // The host's `rounded-none` beat chatwire's rounded panel.
  expect(getComputedStyle(root).borderTopLeftRadius).toBe('0px');
  // chatwire's own layout still holds under the host's preflight.
  expect(getComputedStyle(root).display).toBe('flex');
  expect(getComputedStyle(root).borderTopWidth).toBe('1px');

  const send = getComputedStyle(screen.getByRole('button', { name: 'Send' }).element());
  // bg-emerald-700 (oklch(50.8% 0.118 165.612)) replaced the accent; px-8 is 2rem.
  expect(send.backgroundColor).toMatch(/^oklch\(0\.508 0\.118 165\.6/);
  expect(send.paddingLeft).toBe('32px');
  // Parts the host did not touch keep chatwire's styling.
  const input = getComputedStyle(screen.getByRole('textbox', { name: 'Message' }).element());
  expect(input.borderTopWidth).toBe('1px');
  expect(input.paddingLeft).toBe('12px');
});
