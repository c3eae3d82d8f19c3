/**
 * What the launcher tells the host and the screen reader, end to end: <ChatWidget
 * mode="launcher"> in real Chromium against the reference server. `onOpenChange` hears every
 * open and close, whatever closed it, and nothing at mount; the replies that finish while it
 * is closed are said in a polite status region, once per change.
 */
import { StrictMode } from 'react';
import { describe, expect, it } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { ChatWidget } from '../src/index.ts';
import { startTestChatServer, type TestChatServer } from './support/chat-server.ts';

const launcher = () => page.getByRole('button', { name: /^Open chat/ });
const dialog = () => page.getByRole('dialog', { name: 'Chat' });

/** Waits until the widget's socket is open: its status strip sits in the closed dialog. */
const socketOpen = (server: TestChatServer) =>
  expect.poll(async () => (await server.frames()).openConnections).toBe(1);

/**
 * Opens the panel if need be, sends `text`, and closes it at once: the reply finishes while
 * it is shut. Escape is pressed from the transcript: in the composer, Escape while a reply
 * streams stops the reply instead of closing the panel.
 */
async function askAndClose(text: string) {
  if (!dialog().query()) await launcher().click();
  await userEvent.fill(dialog().getByRole('textbox', { name: 'Message' }), text);
  await userEvent.keyboard('{Enter}');
  (dialog().getByRole('log').element() as HTMLElement).focus();
  await userEvent.keyboard('{Escape}');
  await expect.element(dialog()).not.toBeInTheDocument();
}

/** Every text the status region shows, in order, from now on. */
function watchText(element: Element): string[] {
  const seen: string[] = [];
  const observer = new MutationObserver(() => seen.push(element.textContent ?? ''));
  observer.observe(element, { childList: true, characterData: true, subtree: true });
  return seen;
}

describe('the launcher’s open state and unread replies', () => {
  it('calls onOpenChange with true and false on each open and close, never on mount', async () => {
    const server = await startTestChatServer();
    const calls: boolean[] = [];
    // StrictMode runs every effect twice at mount: still nothing is told.
    const screen = await render(
      <StrictMode>
        <ChatWidget
          token={server.token}
          url={server.url}
          mode="launcher"
          onOpenChange={(open) => calls.push(open)}
        />
      </StrictMode>,
    );
    await socketOpen(server);
    expect(calls).toEqual([]);

    await launcher().click();
    await expect.element(dialog()).toBeVisible();
    expect(calls).toEqual([true]);
    await userEvent.keyboard('{Escape}');
    await expect.element(dialog()).not.toBeInTheDocument();
    await expect.poll(() => calls).toEqual([true, false]);
    await expect.element(launcher()).toHaveFocus();

    // By keyboard, and closed by a path that is neither the button nor Escape.
    await userEvent.keyboard('{Enter}');
    await expect.element(dialog()).toBeVisible();
    expect(calls).toEqual([true, false, true]);
    (dialog().element() as HTMLDialogElement).close();
    await expect.poll(() => calls).toEqual([true, false, true, false]);
    expect(screen.container.isConnected).toBe(true);
  });

  it('calls the onOpenChange given last, without the host memoising it', async () => {
    const server = await startTestChatServer();
    const first: boolean[] = [];
    const second: boolean[] = [];
    const widget = (calls: boolean[]) => (
      <ChatWidget
        token={server.token}
        url={server.url}
        mode="launcher"
        onOpenChange={(open) => calls.push(open)}
      />
    );
    const screen = await render(widget(first));
    await launcher().click();
    await expect.poll(() => first).toEqual([true]);
    await screen.rerender(widget(second));
    // A new function is not a change of state: nothing is called for it.
    expect([first, second]).toEqual([[true], []]);
    await userEvent.keyboard('{Escape}');
    await expect.poll(() => second).toEqual([false]);
    expect(first).toEqual([true]);
  });

  it('says the unread count in a polite status region, once per change, and empties it on open', async () => {
    const server = await startTestChatServer({ tokenDelayMs: 20 });
    await render(<ChatWidget token={server.token} url={server.url} mode="launcher" />);
    await socketOpen(server);
    const region = document.querySelector('[data-slot="unread-status"]') as HTMLElement;
    // A status region is polite by its role; nothing may turn that off.
    await expect.element(region).toHaveAttribute('role', 'status');
    expect(region.getAttribute('aria-live')).toBeNull();
    // Outside the dialog: the closed dialog, and every live region in it, is not heard.
    expect(region.closest('dialog')).toBeNull();
    // Heard, not seen; and empty at mount, when there is nothing new.
    expect(region.getBoundingClientRect().width).toBeLessThanOrEqual(1);
    expect(region.textContent).toBe('');
    const seen = watchText(region);

    await askAndClose('Answer while I am away');
    await expect.element(region).toHaveTextContent(/^1 unread reply$/);
    await expect
      .element(page.getByRole('button', { name: 'Open chat, 1 unread reply' }))
      .toBeVisible();
    await launcher().click();
    await expect.element(region).toBeEmptyDOMElement();

    await askAndClose('And another');
    await expect.element(region).toHaveTextContent(/^1 unread reply$/);
    // Each change said once: no repeat while the count stood still.
    expect(seen).toEqual(['1 unread reply', '', '1 unread reply']);
  });
});
