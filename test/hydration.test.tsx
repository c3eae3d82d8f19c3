/**
 * Server-rendered HTML hydrates without a mismatch, and the kept conversation appears right
 * after: history is read after the first client render, which matches the server's.
 */
import { hydrateRoot } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { expect, it, vi } from 'vitest';
import { ChatWidget } from '../src/index.ts';
import { startTestChatServer } from './support/chat-server.ts';

it('hydrates server HTML with no errors, then shows the kept conversation', async () => {
  const server = await startTestChatServer({ tokenDelayMs: 0 });
  const at = new Date().toISOString();
  localStorage.setItem(
    `chatwire:${server.url}:browser-test`,
    JSON.stringify({
      version: 1,
      state: {
        messages: [
          {
            id: 'user:1',
            role: 'user',
            text: 'Kept from last time',
            status: 'sent',
            createdAt: at,
          },
        ],
      },
    }),
  );
  const widget = <ChatWidget token={server.token} url={server.url} />;
  const container = document.createElement('div');
  container.style.height = '400px';
  container.innerHTML = renderToString(widget);
  document.body.append(container);
  expect(container.textContent).not.toContain('Kept from last time');

  const consoleError = vi.spyOn(console, 'error');
  const recoverable = vi.fn();
  const root = hydrateRoot(container, widget, { onRecoverableError: recoverable });
  try {
    await expect.poll(() => container.textContent).toContain('Kept from last time');
    await expect
      .poll(() => container.querySelector('[role="status"]')?.textContent)
      .toBe('Connected');
    expect(recoverable).not.toHaveBeenCalled();
    expect(consoleError).not.toHaveBeenCalled();
  } finally {
    root.unmount();
    container.remove();
    consoleError.mockRestore();
  }
});
