/**
 * The connection and what goes wrong with it: reconnecting (with a countdown, or with a reply
 * cut off), offline with a queued message, signed out, expired, given up; a message that may
 * not have arrived, a reply that stalled or that the server could not finish, error banners.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, within } from 'storybook/test';
import { ChatPanel } from '../src/components/chat-panel.tsx';
import { assistantSaid, at, connected, connectionIn, frame, Seeded, userSaid } from './seed.tsx';
import { conversation } from './support.tsx';

const meta = { title: 'Connection', component: ChatPanel } satisfies Meta<typeof ChatPanel>;

export default meta;
type Story = StoryObj<typeof meta>;

export const ErrorBanner: Story = {
  render: () => (
    <Seeded
      events={[
        ...connected(),
        frame({
          type: 'error',
          message: 'The assistant is overloaded. Please try again.',
          timestamp: at(),
        }),
        frame({
          type: 'error',
          message: 'The assistant is overloaded. Please try again.',
          timestamp: at(),
        }),
      ]}
    >
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const alert = canvas.getByRole('alert');
    await expect(alert).toHaveTextContent('The assistant is overloaded. Please try again.×2');
    await userEvent.click(within(alert).getByRole('button', { name: 'Dismiss' }));
    await expect(canvas.queryByRole('alert')).toBeNull();
    // The dismissed button's focus is not lost to the page: it moves to the composer.
    await expect(canvas.getByRole('textbox', { name: 'Message' })).toHaveFocus();
  },
};

/** The server reported an error while the reply streamed, then ended it: its AI backend failed. */
export const ReplyCutByServerError: Story = {
  render: () => (
    <Seeded
      events={[
        ...connected(),
        userSaid('user:1', 'Summarise the report'),
        ...assistantSaid('msg_9', 'The report covers three', false),
        frame({
          type: 'error',
          message: 'The reply msg_9 could not be completed',
          timestamp: at(),
        }),
        frame({ type: 'stream-end', messageId: 'msg_9', timestamp: at() }),
      ]}
    >
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const reply = canvasElement.querySelector('[data-role="assistant"]');
    await expect(reply).toHaveAttribute('data-status', 'interrupted');
    await expect(reply).toHaveTextContent('The server could not finish this reply.');
    await expect(canvas.getByRole('button', { name: 'Ask again' })).toBeVisible();
    await expect(canvas.getByRole('alert')).toHaveTextContent('could not be completed');
  },
};

export const ReconnectingWithInterruptedReply: Story = {
  render: () => (
    <Seeded
      events={[
        ...connected(),
        userSaid('user:1', 'Explain backoff'),
        ...assistantSaid('msg_3', 'Backoff spreads retries so that', false),
        connectionIn('reconnecting'),
      ]}
    >
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(canvas.getByRole('status')).toHaveTextContent('Connection lost. Reconnecting…');
    const reply = canvasElement.querySelector('[data-role="assistant"]');
    await expect(reply).toHaveAttribute('data-status', 'interrupted');
    await expect(reply).toHaveTextContent('Backoff spreads retries so that');
    await expect(reply).toHaveTextContent('Reply interrupted by a lost connection.');
    // "Ask again" sends the question once more, queued until the connection is back.
    await userEvent.click(canvas.getByRole('button', { name: 'Ask again' }));
    const questions = canvasElement.querySelectorAll('[data-role="user"]');
    await expect(questions).toHaveLength(2);
    await expect(questions[1]).toHaveTextContent('Explain backoff');
    await expect(questions[1]).toHaveAttribute('data-status', 'queued');
  },
};

export const OfflineWithQueuedMessage: Story = {
  render: () => (
    <Seeded
      events={[
        ...connected(),
        connectionIn('offline'),
        {
          type: 'user-message-added',
          id: 'user:q',
          text: 'Are you there?',
          status: 'queued',
          at: at(),
        },
      ]}
    >
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(canvas.getByRole('status')).toHaveTextContent('You are offline');
    const queued = canvasElement.querySelector('[data-role="user"]');
    await expect(queued).toHaveAttribute('data-status', 'queued');
    await expect(queued).toHaveTextContent('Waiting for the connection to send');
  },
};

export const Unauthorized: Story = {
  render: () => (
    <Seeded
      events={[
        frame({ type: 'error', message: 'Authentication failed: token expired', timestamp: at() }),
        connectionIn('unauthorized'),
      ]}
    >
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(canvas.getByRole('status')).toHaveTextContent('Sign-in required');
    await expect(canvas.getByRole('alert')).toHaveTextContent(
      'Authentication failed: token expired',
    );
    await expect(canvas.getByRole('button', { name: 'Talk to a human' })).toBeDisabled();
    const input = canvas.getByRole('textbox', { name: 'Message' });
    await expect(input).toBeDisabled();
    await expect(input).toHaveAccessibleDescription('Sign in to send messages.');
  },
};

export const ReconnectingWithCountdown: Story = {
  render: () => (
    <Seeded
      events={[
        ...connected(),
        // The countdown runs on the real clock, so the retry is set relative to it.
        connectionIn('reconnecting', { failures: 3, retryAt: Date.now() + 12_000 }),
      ]}
    >
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(canvas.getByRole('status')).toHaveTextContent('Connection lost. Reconnecting…');
    await expect(canvasElement).toHaveTextContent(/Reconnecting in 1[12]s/);
    await expect(canvas.getByRole('button', { name: 'Reconnect now' })).toBeEnabled();
  },
};

export const DisconnectedAfterGivingUp: Story = {
  render: () => (
    <Seeded events={[...connected(), connectionIn('closed', { failures: 10 })]}>
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(canvas.getByRole('status')).toHaveTextContent('Disconnected');
    await expect(canvas.getByRole('button', { name: 'Reconnect now' })).toBeVisible();
  },
};

export const SessionExpired: Story = {
  render: () => (
    <Seeded events={[...conversation(), connectionIn('unauthorized', { authProblem: 'expired' })]}>
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(canvas.getByRole('status')).toHaveTextContent('Session expired');
    await expect(canvas.getByRole('alert')).toHaveTextContent(
      'Your session has expired. Sign in again to keep chatting.',
    );
  },
};

export const FailedMessageWithRetry: Story = {
  render: () => (
    <Seeded
      events={[
        ...connected(),
        userSaid('user:lost', 'Did this reach you?'),
        connectionIn('reconnecting'),
      ]}
    >
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const message = () => canvasElement.querySelector('[data-role="user"]');
    await expect(message()).toHaveAttribute('data-status', 'failed');
    await expect(message()).toHaveTextContent('may not have been delivered');
    await userEvent.click(within(canvasElement).getByRole('button', { name: 'Retry' }));
    // Not connected yet: the retried message waits in the queue, in order.
    await expect(message()).toHaveAttribute('data-status', 'queued');
    await expect(within(canvasElement).getByRole('textbox', { name: 'Message' })).toHaveFocus();
  },
};

export const StalledReply: Story = {
  render: () => (
    <Seeded
      events={[
        ...connected(),
        userSaid('user:1', 'Still there?'),
        ...assistantSaid('msg_stall', 'Let me think about', false),
        { type: 'stalled-streams-checked', at: at(600), stallTimeoutMs: 60_000 },
      ]}
    >
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const reply = canvasElement.querySelector('[data-role="assistant"]');
    await expect(reply).toHaveAttribute('data-status', 'interrupted');
    await expect(reply).toHaveTextContent('Let me think about');
    await expect(reply).toHaveTextContent('Reply stopped arriving.');
  },
};
