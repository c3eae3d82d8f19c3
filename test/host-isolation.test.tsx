/**
 * A host page that does not use Tailwind imports `chatwire/styles.css` (here: the source it is
 * built from) and renders the widget beside its own content. chatwire must style itself and
 * leave the host's elements exactly as the browser and the host styled them: no preflight.
 */
import { expect, it } from 'vitest';
import { render } from 'vitest-browser-react';
import { createChatStore } from '../src/core/store.ts';
import { ChatPanel } from '../src/index.ts';
import { ChatStoreProvider } from '../src/react/context.tsx';

it('styles the widget and leaves the host page alone', async () => {
  const store = createChatStore();
  const screen = await render(
    <div>
      <h1 data-testid="host-heading">Host page</h1>
      <ul data-testid="host-list">
        <li>host item</li>
      </ul>
      <button type="button" data-testid="host-button">
        Host button
      </button>
      <div style={{ height: 400 }}>
        <ChatStoreProvider store={store}>
          <ChatPanel />
        </ChatStoreProvider>
      </div>
    </div>,
  );
  await expect.element(screen.getByRole('log')).toBeVisible();

  // The host keeps the browser's defaults that a preflight would have wiped.
  const heading = getComputedStyle(screen.getByTestId('host-heading').element());
  expect(heading.fontSize).toBe('32px');
  expect(heading.fontWeight).toBe('700');
  const list = getComputedStyle(screen.getByTestId('host-list').element());
  expect(list.listStyleType).toBe('disc');
  expect(list.paddingLeft).toBe('40px');
  const hostButton = getComputedStyle(screen.getByTestId('host-button').element());
  expect(hostButton.borderTopStyle).not.toBe('none');
  expect(hostButton.backgroundColor).not.toBe('rgba(0, 0, 0, 0)');

  // chatwire's own parts are styled from its tokens.
  const root = screen.container.querySelector('[data-slot="root"]') as HTMLElement;
  const rootStyle = getComputedStyle(root);
  expect(rootStyle.borderTopLeftRadius).toBe('16px');
  expect(rootStyle.display).toBe('flex');
  const send = getComputedStyle(screen.getByRole('button', { name: 'Send' }).element());
  expect(send.backgroundColor).not.toBe('rgba(0, 0, 0, 0)');
  expect(send.borderTopStyle === 'none' || send.borderTopWidth === '0px').toBe(true);
  // Theme variables are prefixed and live on the widget, not the page's root.
  expect(getComputedStyle(document.documentElement).getPropertyValue('--chatwire-accent')).toBe('');
  expect(getComputedStyle(document.documentElement).getPropertyValue('--spacing')).toBe('');
});
