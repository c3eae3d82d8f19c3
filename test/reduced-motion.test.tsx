/**
 * Users who ask their system for reduced motion get a still widget: no bouncing typing dots,
 * no pulsing caret. Checked in Chromium with the preference emulated through CDP.
 */
import { afterEach, expect, it } from 'vitest';
import { cdp } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { createChatStore } from '../src/core/store.ts';
import { ChatPanel } from '../src/index.ts';
import { ChatStoreProvider } from '../src/react/context.tsx';

const emulateReducedMotion = (value: 'reduce' | 'no-preference') =>
  cdp().send('Emulation.setEmulatedMedia', {
    features: [{ name: 'prefers-reduced-motion', value }],
  });

afterEach(() => emulateReducedMotion('no-preference'));

async function renderStreaming(withText: boolean) {
  const store = createChatStore();
  const timestamp = new Date().toISOString();
  store.actions.receive(JSON.stringify({ type: 'stream-start', messageId: 'm', timestamp }));
  if (withText)
    store.actions.receive(
      JSON.stringify({ type: 'stream-token', messageId: 'm', token: 'Hi', timestamp }),
    );
  const screen = await render(
    <div style={{ height: 400 }}>
      <ChatStoreProvider store={store}>
        <ChatPanel />
      </ChatStoreProvider>
    </div>,
  );
  await expect.element(screen.getByRole('log')).toBeVisible();
  return screen.container;
}

it.each([
  ['no-preference', true],
  ['reduce', false],
] as const)('with prefers-reduced-motion: %s, animations run: %s', async (preference, animates) => {
  await emulateReducedMotion(preference);
  const dots = (await renderStreaming(false)).querySelector(
    '[data-slot="typing-indicator"] [aria-hidden="true"]',
  );
  expect(dots).not.toBeNull();
  expect(getComputedStyle(dots as Element).animationName !== 'none').toBe(animates);
});

it('keeps the streaming caret still under reduced motion', async () => {
  await emulateReducedMotion('reduce');
  const container = await renderStreaming(true);
  const caret = container.querySelector('[data-role="assistant"] [data-slot="caret"]');
  expect(caret).not.toBeNull();
  expect(getComputedStyle(caret as Element).animationName).toBe('none');
});
