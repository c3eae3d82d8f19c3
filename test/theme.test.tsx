/**
 * `theme="system"` follows the user's OS colour scheme (emulated through CDP); `light` and
 * `dark` hold regardless.
 */
import { afterEach, expect, it } from 'vitest';
import { cdp } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { createChatStore } from '../src/core/store.ts';
import { ChatPanel, type ChatTheme } from '../src/index.ts';
import { ChatStoreProvider } from '../src/react/context.tsx';

const emulateColorScheme = (value: 'light' | 'dark') =>
  cdp().send('Emulation.setEmulatedMedia', { features: [{ name: 'prefers-color-scheme', value }] });

afterEach(() => emulateColorScheme('light'));

async function surfaceOf(theme: ChatTheme): Promise<string> {
  const screen = await render(
    <ChatStoreProvider store={createChatStore()}>
      <ChatPanel theme={theme} />
    </ChatStoreProvider>,
  );
  await expect.element(screen.getByRole('log')).toBeVisible();
  const root = screen.container.querySelector('[data-slot="root"]') as HTMLElement;
  return getComputedStyle(root).backgroundColor;
}

it.each([
  ['light', 'light', 'light'],
  ['light', 'dark', 'dark'],
  ['dark', 'system', 'dark'],
  ['light', 'system', 'light'],
  ['dark', 'light', 'light'],
] as const)('with the OS in %s mode, theme="%s" is %s', async (os, theme, expected) => {
  await emulateColorScheme(os);
  const surface = await surfaceOf(theme);
  const white = 'rgb(255, 255, 255)';
  if (expected === 'light') expect(surface).toBe(white);
  else expect(surface).not.toBe(white);
});
