/**
 * The launcher: the button that opens the chat panel as a dialog, counting unread replies on
 * its badge while closed, and handing focus back when it closes.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { useState } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { ChatLauncher } from '../src/components/chat-launcher.tsx';
import { ChatPanel } from '../src/components/chat-panel.tsx';
import { ChatStoreProvider } from '../src/react/context.tsx';
import { receiveReply, seededStore } from './seed.tsx';
import { conversation } from './support.tsx';

const meta = { title: 'Launcher', component: ChatPanel } satisfies Meta<typeof ChatPanel>;

export default meta;
type Story = StoryObj<typeof meta>;

/** The launcher around a seeded panel, with a button that plays a reply arriving. */
function LauncherWithIncoming() {
  const [store] = useState(() => seededStore(conversation()));
  const [count, setCount] = useState(0);
  const receiveAnother = () => {
    receiveReply(store, `msg_badge_${count}`, 'Here is the answer you were waiting for.');
    setCount((value) => value + 1);
  };
  return (
    <ChatStoreProvider store={store}>
      <button type="button" onClick={receiveAnother}>
        Receive a reply
      </button>
      <ChatLauncher>
        <ChatPanel />
      </ChatLauncher>
    </ChatStoreProvider>
  );
}

export const LauncherClosedWithBadge: Story = {
  render: () => <LauncherWithIncoming />,
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement.ownerDocument.body);
    const launcher = canvas.getByRole('button', { name: 'Open chat' });
    await expect(launcher).toHaveAttribute('aria-expanded', 'false');
    // Replies that arrive while closed show on the badge and in the button's name.
    await userEvent.click(canvas.getByRole('button', { name: 'Receive a reply' }));
    await userEvent.click(canvas.getByRole('button', { name: 'Receive a reply' }));
    await expect(canvas.getByRole('button', { name: 'Open chat, 2 unread replies' })).toBeVisible();
    await expect(
      canvasElement.ownerDocument.querySelector('[data-slot="unread-badge"]'),
    ).toHaveTextContent('2');
    await expect(canvas.queryByRole('dialog')).toBeNull();
  },
};

export const LauncherOpen: Story = {
  render: () => <LauncherWithIncoming />,
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement.ownerDocument.body);
    await userEvent.click(canvas.getByRole('button', { name: 'Receive a reply' }));
    const launcher = canvas.getByRole('button', { name: 'Open chat, 1 unread reply' });
    await userEvent.click(launcher);
    const dialog = canvas.getByRole('dialog', { name: 'Chat' });
    await expect(dialog).toBeVisible();
    // Focus moved into the panel, and opening it read the unread replies.
    await waitFor(() => expect(dialog.contains(document.activeElement)).toBe(true));
    await expect(canvas.getByRole('button', { name: 'Open chat' })).toBeInTheDocument();
    await expect(
      within(dialog).getByText('Here is the answer you were waiting for.'),
    ).toBeVisible();

    await userEvent.keyboard('{Escape}');
    await waitFor(() => expect(canvas.queryByRole('dialog')).toBeNull());
    await expect(launcher).toHaveFocus();
    // The dialog's `close` event, which updates the button, follows the close by a task.
    await waitFor(() => expect(launcher).toHaveAttribute('aria-expanded', 'false'));
  },
};

/** The unread count, said by a polite status region beside the button; silent once opened. */
export const LauncherAnnouncesUnread: Story = {
  render: () => <LauncherWithIncoming />,
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement.ownerDocument.body);
    const status = canvasElement.ownerDocument.querySelector<HTMLElement>(
      '[data-slot="unread-status"]',
    );
    await expect(status).toHaveAttribute('role', 'status');
    await expect(status).toBeEmptyDOMElement();
    const receive = canvas.getByRole('button', { name: 'Receive a reply' });
    await userEvent.click(receive);
    await expect(status).toHaveTextContent(/^1 unread reply$/);
    await userEvent.click(receive);
    await expect(status).toHaveTextContent(/^2 unread replies$/);
    // Heard, not seen: it takes no room on the page.
    await expect(status?.getBoundingClientRect().width).toBeLessThanOrEqual(1);

    await userEvent.click(canvas.getByRole('button', { name: 'Open chat, 2 unread replies' }));
    await expect(canvas.getByRole('dialog', { name: 'Chat' })).toBeVisible();
    await expect(status).toBeEmptyDOMElement();
    await userEvent.keyboard('{Escape}');
    await waitFor(() => expect(canvas.queryByRole('dialog')).toBeNull());
    // The replies were read while open: closing again says nothing.
    await expect(status).toBeEmptyDOMElement();
  },
};
