/**
 * Every state of the chat panel, each from a store seeded by replaying protocol frames
 * through the real reducer. No network: the play functions assert what each state shows.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { useEffect, useState } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { ChatLauncher } from '../src/components/chat-launcher.tsx';
import { ChatPanel } from '../src/components/chat-panel.tsx';
import type { ChatEvent } from '../src/core/reduce.ts';
import { ChatStoreProvider } from '../src/react/context.tsx';
import {
  assistantSaid,
  at,
  connected,
  frame,
  receiveFrame,
  receiveReply,
  Seeded,
  StoryFrame,
  seededStore,
  userSaid,
} from './seed.tsx';

const meta = {
  title: 'ChatPanel',
  component: ChatPanel,
} satisfies Meta<typeof ChatPanel>;

export default meta;
type Story = StoryObj<typeof meta>;

const ANSWER =
  'chatwire streams replies **token by token**, keeps your place while you scroll, and hands you to a person whenever you ask.';

const conversation = (): ChatEvent[] => [
  ...connected(),
  userSaid('user:1', 'What does chatwire do?'),
  ...assistantSaid('msg_1', ANSWER),
];

export const Empty: Story = {
  render: () => (
    <Seeded events={[]}>
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(canvas.getByRole('log', { name: 'Conversation' })).toHaveTextContent(
      'Ask anything to get started.',
    );
    await expect(canvas.getByRole('status')).toHaveTextContent('Not connected');
    await expect(canvas.getByRole('button', { name: 'Talk to a human' })).toBeDisabled();
  },
};

export const Welcome: Story = {
  render: () => (
    <Seeded events={connected()}>
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(canvas.getByRole('status')).toHaveTextContent('Connected');
    await expect(canvas.getByText('Connected to chatbot server')).toBeVisible();
    await expect(canvas.getByRole('button', { name: 'Talk to a human' })).toBeEnabled();
  },
};

export const Conversation: Story = {
  render: () => (
    <Seeded events={conversation()}>
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const log = within(canvasElement).getByRole('log');
    await expect(within(log).getByText('What does chatwire do?')).toBeVisible();
    const reply = log.querySelector('[data-role="assistant"]');
    await expect(reply).toHaveAttribute('data-status', 'complete');
    await expect(reply).toHaveTextContent(ANSWER);
  },
};

export const StreamingReply: Story = {
  render: () => (
    <Seeded
      events={[
        ...connected(),
        userSaid('user:1', 'Tell me more'),
        ...assistantSaid('msg_2', 'Here is what I', false),
      ]}
    >
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const reply = canvasElement.querySelector('[data-role="assistant"]');
    await expect(reply).toHaveAttribute('data-status', 'streaming');
    // Marked busy while it streams; the announcer speaks it once it is complete.
    await expect(reply).toHaveAttribute('aria-busy', 'true');
    await expect(reply).toHaveTextContent('Here is what I');
  },
};

/** A scripted in-page server streams a reply, a token every 60 ms. */
function LiveStream() {
  const [store] = useState(() =>
    seededStore([...connected(), userSaid('user:1', 'Stream something')]),
  );
  useEffect(() => {
    const tokens = ANSWER.match(/\S+\s*/g) ?? [];
    const receive = (payload: { type: string } & Record<string, string>) =>
      receiveFrame(store, payload);
    receive({ type: 'stream-start', messageId: 'msg_live' });
    let index = 0;
    const timer = setInterval(() => {
      const token = tokens[index++];
      if (token === undefined) {
        receive({ type: 'stream-end', messageId: 'msg_live' });
        clearInterval(timer);
      } else {
        receive({ type: 'stream-token', messageId: 'msg_live', token });
      }
    }, 60);
    return () => clearInterval(timer);
  }, [store]);
  return (
    <StoryFrame store={store}>
      <ChatPanel />
    </StoryFrame>
  );
}

export const StreamingAnimated: Story = {
  render: () => <LiveStream />,
  play: async ({ canvasElement }) => {
    const reply = () => canvasElement.querySelector('[data-role="assistant"]');
    const announced = () =>
      canvasElement.querySelector('[data-slot="announcer"]')?.textContent ?? '';
    await waitFor(() => expect(reply()).toHaveAttribute('data-status', 'streaming'));
    await waitFor(() => expect(reply()?.textContent).toContain('token'));
    // Mid-stream, screen readers are told nothing: the log is not live, the announcer waits.
    await expect(canvasElement.querySelector('[role="log"]')).toHaveAttribute('aria-live', 'off');
    await expect(announced()).not.toContain('token');
    await waitFor(() => expect(reply()).toHaveAttribute('data-status', 'complete'), {
      timeout: 5000,
    });
    await expect(reply()).toHaveTextContent(ANSWER);
    // Then the whole reply is announced, once.
    await expect(announced()).toBe(`Assistant: ${ANSWER}`);
  },
};

export const SendingAMessage: Story = {
  render: () => {
    const sent: unknown[] = [];
    return (
      <div>
        <Seeded events={connected()} sent={sent}>
          <ChatPanel />
        </Seeded>
        <SentFrames sent={sent} />
      </div>
    );
  },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const input = canvas.getByRole('textbox', { name: 'Message' });
    await userEvent.type(input, '  Hello there  {Enter}');
    await expect(input).toHaveValue('');
    const message = canvasElement.querySelector('[data-role="user"]');
    await expect(message).toHaveTextContent('Hello there');
    await expect(message).toHaveAttribute('data-status', 'sent');
    await userEvent.click(canvas.getByRole('button', { name: 'Show sent frames' }));
    await expect(canvas.getByTestId('sent-frames')).toHaveTextContent(
      '"type":"chat","content":"Hello there"',
    );
  },
};

/** Shows the frames a story's store handed to its transport, on demand. */
function SentFrames({ sent }: { sent: unknown[] }) {
  const [shown, setShown] = useState('');
  return (
    <div style={{ marginTop: 8, fontSize: 12 }}>
      <button
        type="button"
        onClick={() => setShown(sent.map((item) => JSON.stringify(item)).join('\n'))}
      >
        Show sent frames
      </button>
      <pre data-testid="sent-frames">{shown}</pre>
    </div>
  );
}

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

export const EscalationRequested: Story = {
  render: () => (
    <Seeded
      events={[
        ...conversation(),
        { type: 'escalation-requested', reason: 'Need human assistance', at: at() },
      ]}
    >
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const button = within(canvasElement).getByRole('button', { name: 'Asking for a person…' });
    await expect(button).toHaveAttribute('data-state', 'requested');
    await expect(button).toBeDisabled();
  },
};

export const EscalationAcknowledged: Story = {
  render: () => (
    <Seeded
      events={[
        ...conversation(),
        { type: 'escalation-requested', reason: 'Need human assistance', at: at() },
        frame({
          type: 'human-escalation-response',
          message: 'A human agent will contact you soon.',
          timestamp: at(),
        }),
      ]}
    >
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(canvas.getByRole('button', { name: 'A person is on the way' })).toHaveAttribute(
      'data-state',
      'acknowledged',
    );
    await expect(
      within(canvas.getByRole('log')).getByText('A human agent will contact you soon.'),
    ).toBeVisible();
  },
};

export const EscalatingByClick: Story = {
  render: () => {
    const sent: unknown[] = [];
    return (
      <div>
        <Seeded events={conversation()} sent={sent}>
          <ChatPanel />
        </Seeded>
        <SentFrames sent={sent} />
      </div>
    );
  },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const button = canvas.getByRole('button', { name: 'Talk to a human' });
    await userEvent.click(button);
    await expect(button).toHaveAttribute('aria-expanded', 'true');
    const reason = canvas.getByRole('textbox', { name: 'What do you need help with? (optional)' });
    await expect(reason).toHaveFocus();
    await userEvent.type(reason, 'Billing question');
    await userEvent.click(canvas.getByRole('button', { name: 'Ask for a person' }));
    const requested = canvas.getByRole('button', { name: 'Asking for a person…' });
    await expect(requested).toBeDisabled();
    await expect(canvas.getByRole('textbox', { name: 'Message' })).toHaveFocus();
    await expect(requested).toHaveAttribute('data-state', 'requested');
    await userEvent.click(canvas.getByRole('button', { name: 'Show sent frames' }));
    await expect(canvas.getByTestId('sent-frames')).toHaveTextContent(
      '"type":"human-escalation","reason":"Billing question"',
    );
  },
};

export const EscalationCancelledWithEscape: Story = {
  render: () => (
    <Seeded events={conversation()}>
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const button = canvas.getByRole('button', { name: 'Talk to a human' });
    await userEvent.click(button);
    await userEvent.keyboard('{Escape}');
    await expect(canvas.queryByRole('group')).toBeNull();
    await expect(button).toHaveFocus();
    await expect(button).toHaveAttribute('data-state', 'idle');
  },
};

export const WithoutEscalation: Story = {
  render: () => (
    <Seeded events={conversation()}>
      <ChatPanel showEscalation={false} />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    await expect(
      within(canvasElement).queryByRole('button', { name: 'Talk to a human' }),
    ).toBeNull();
  },
};

export const ReconnectingWithInterruptedReply: Story = {
  render: () => (
    <Seeded
      events={[
        ...connected(),
        userSaid('user:1', 'Explain backoff'),
        ...assistantSaid('msg_3', 'Backoff spreads retries so that', false),
        { type: 'connection-changed', status: 'reconnecting', at: at() },
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
        { type: 'connection-changed', status: 'offline', at: at() },
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
        { type: 'connection-changed', status: 'unauthorized', at: at() },
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

export const CustomLabelsAndClasses: Story = {
  render: () => (
    <Seeded events={conversation()}>
      <ChatPanel
        labels={{ title: 'Support', send: 'Envoyer' }}
        classNames={{ root: 'cw:rounded-none', userMessage: 'cw:bg-emerald-700' }}
      />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(canvas.getByRole('region', { name: 'Support' })).toBeVisible();
    await expect(canvas.getByRole('button', { name: 'Envoyer' })).toBeVisible();
    const root = canvasElement.querySelector('[data-slot="root"]');
    // The host's class replaced chatwire's rounding rather than fighting it.
    await expect(root?.className).toContain('cw:rounded-none');
    await expect(root?.className).not.toContain('cw:rounded-(--chatwire-radius-panel)');
  },
};

export const ReconnectingWithCountdown: Story = {
  render: () => (
    <Seeded
      events={[
        ...connected(),
        {
          type: 'connection-changed',
          status: 'reconnecting',
          at: at(),
          // The countdown runs on the real clock, so the retry is set relative to it.
          details: { attempt: 3, nextRetryAt: new Date(Date.now() + 12_000).toISOString() },
        },
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
    <Seeded
      events={[
        ...connected(),
        { type: 'connection-changed', status: 'closed', at: at(), details: { attempt: 10 } },
      ]}
    >
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
    <Seeded
      events={[
        ...conversation(),
        {
          type: 'connection-changed',
          status: 'unauthorized',
          at: at(),
          details: { authProblem: 'expired' },
        },
      ]}
    >
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
        { type: 'connection-changed', status: 'reconnecting', at: at() },
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

export const DarkTheme: Story = {
  render: () => (
    <div style={{ background: '#0b0d12', padding: 12 }}>
      <Seeded
        events={[
          ...conversation(),
          frame({
            type: 'error',
            message: 'The assistant is overloaded. Please try again.',
            timestamp: at(),
          }),
        ]}
      >
        <ChatPanel theme="dark" />
      </Seeded>
    </div>
  ),
  play: async ({ canvasElement }) => {
    const root = canvasElement.querySelector<HTMLElement>('[data-slot="root"]');
    await expect(root).toHaveAttribute('data-theme', 'dark');
    const style = getComputedStyle(root as HTMLElement);
    await expect(style.colorScheme).toBe('dark');
    // The surface token resolved to its dark value, not white.
    await expect(style.backgroundColor).not.toBe('rgb(255, 255, 255)');
  },
};

export const RightToLeft: Story = {
  render: () => (
    <Seeded events={[...connected(), userSaid('user:1', 'مرحبا، كيف يمكنني المساعدة؟')]}>
      <ChatPanel dir="rtl" labels={{ title: 'الدردشة', send: 'إرسال', messageInput: 'رسالة' }} />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const root = canvasElement.querySelector<HTMLElement>('[data-slot="root"]');
    await expect(root).toHaveAttribute('dir', 'rtl');
    await expect(canvas.getByRole('textbox', { name: 'رسالة' })).toBeVisible();
    // The user's bubble sits at the inline end, which in RTL is the left.
    const bubble = canvasElement.querySelector<HTMLElement>('[data-role="user"] > div');
    const log = canvas.getByRole('log').getBoundingClientRect();
    const box = bubble?.getBoundingClientRect();
    await expect(box && box.left - log.left).toBeLessThan(log.right - (box?.right ?? 0));
  },
};

export const ComposerNearLengthLimit: Story = {
  render: () => (
    <Seeded events={connected()}>
      <ChatPanel maxMessageLength={20} />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const input = canvas.getByRole('textbox', { name: 'Message' });
    await userEvent.type(input, 'fifteen chars..');
    await expect(canvasElement.querySelector('[data-slot="character-count"]')).toBeNull();
    await userEvent.type(input, '!!');
    await expect(input).toHaveAccessibleDescription('3 characters left');
    // The limit holds: typing past it adds nothing.
    await userEvent.type(input, 'more text');
    await expect(input).toHaveValue('fifteen chars..!!mor');
    await expect(input).toHaveAccessibleDescription('0 characters left');
  },
};

export const TypingIndicator: Story = {
  render: () => (
    <Seeded
      events={[
        ...connected(),
        userSaid('user:1', 'Hello?'),
        ...assistantSaid('msg_wait', '', false),
      ]}
    >
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const reply = canvasElement.querySelector('[data-role="assistant"]');
    await expect(reply).toHaveAttribute('data-status', 'streaming');
    await expect(reply?.querySelector('[data-slot="typing-indicator"]')).toBeVisible();
  },
};

const longConversation = (): ChatEvent[] => [
  ...connected(),
  ...Array.from({ length: 25 }, (_, index) => [
    userSaid(`user:${index}`, `Question number ${index + 1}?`),
    ...assistantSaid(
      `msg_long_${index}`,
      `Answer number ${index + 1}, with a few more words to wrap.`,
    ),
  ]).flat(),
];

/** A long conversation plus a button that plays the server sending one more reply. */
function LongConversationWithIncoming() {
  const [store] = useState(() => seededStore(longConversation()));
  const [replies, setReplies] = useState(0);
  const receiveAnother = () => {
    receiveReply(store, `msg_incoming_${replies}`, 'A reply that arrived while you were reading.');
    setReplies((count) => count + 1);
  };
  return (
    <div>
      <StoryFrame store={store}>
        <ChatPanel />
      </StoryFrame>
      <button type="button" onClick={receiveAnother} style={{ marginTop: 8 }}>
        Receive a reply
      </button>
    </div>
  );
}

export const LongConversationWithNewMessagesPill: Story = {
  render: () => <LongConversationWithIncoming />,
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const log = canvas.getByRole('log');
    // Starts at the latest message.
    await waitFor(() =>
      expect(log.scrollHeight - log.scrollTop - log.clientHeight).toBeLessThan(30),
    );
    log.scrollTop = 0;
    log.dispatchEvent(new Event('scroll'));
    await userEvent.click(canvas.getByRole('button', { name: 'Receive a reply' }));
    await userEvent.click(canvas.getByRole('button', { name: 'Receive a reply' }));
    // Reading further up is never interrupted: the view stays put and a pill counts the news.
    await expect(log.scrollTop).toBe(0);
    const pill = await canvas.findByRole('button', { name: '2 new messages ↓' });
    await userEvent.click(pill);
    await waitFor(() =>
      expect(log.scrollHeight - log.scrollTop - log.clientHeight).toBeLessThan(30),
    );
    await waitFor(() => expect(canvas.queryByRole('button', { name: /new message/ })).toBeNull());
  },
};

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
    await expect(launcher).toHaveAttribute('aria-expanded', 'false');
  },
};

export const CustomMessageRendering: Story = {
  render: () => (
    <Seeded events={conversation()}>
      <ChatPanel
        renderMessage={(message, renderDefault) =>
          message.role === 'assistant' ? (
            <div
              data-testid="custom-bubble"
              style={{ display: 'flex', gap: 8, alignItems: 'flex-start' }}
            >
              <span role="img" aria-label="Bot avatar">
                🤖
              </span>
              {renderDefault()}
            </div>
          ) : (
            renderDefault()
          )
        }
      />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const custom = canvas.getByTestId('custom-bubble');
    await expect(within(custom).getByRole('img', { name: 'Bot avatar' })).toBeVisible();
    await expect(custom).toHaveTextContent(ANSWER);
    // Other messages keep chatwire's rendering, and the transcript is still one list.
    await expect(canvas.getByText('What does chatwire do?')).toBeVisible();
    await expect(canvasElement.querySelectorAll('[role="log"] > ol > li')).toHaveLength(3);
  },
};

export const NarrowMobileViewport: Story = {
  render: () => (
    <div style={{ width: 320 }}>
      <Seeded
        events={[
          ...conversation(),
          frame({ type: 'error', message: 'Something went wrong.', timestamp: at() }),
        ]}
      >
        <ChatPanel />
      </Seeded>
    </div>
  ),
  play: async ({ canvasElement }) => {
    const root = canvasElement.querySelector<HTMLElement>('[data-slot="root"]');
    await expect(root?.getBoundingClientRect().width).toBeLessThanOrEqual(320);
    // Nothing overflows sideways at phone width.
    await expect(root?.scrollWidth).toBeLessThanOrEqual(root?.clientWidth ?? 0);
    await expect(within(canvasElement).getByRole('button', { name: 'Send' })).toBeVisible();
  },
};

export const MarkdownHeavyReply: Story = {
  render: () => (
    <Seeded
      events={[
        ...connected(),
        userSaid('user:1', 'Give me a formatted answer'),
        ...assistantSaid(
          'msg_md',
          '## Steps\n\n1. **Install** with `npm install chatwire`\n2. Import the *styles*\n\n```tsx\n<ChatWidget token={jwt} />\n```\n\n> Tip: see [the docs](https://example.com).',
        ),
      ]}
    >
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const reply = canvasElement.querySelector('[data-role="assistant"]');
    await expect(reply).toHaveAttribute('data-status', 'complete');
    // Until markdown rendering lands, model output is shown as text, never as HTML.
    await expect(reply?.querySelector('a, strong, code')).toBeNull();
    await expect(reply).toHaveTextContent('<ChatWidget token={jwt} />');
  },
};

export const KeyboardOnly: Story = {
  render: () => (
    <Seeded
      events={[
        ...conversation(),
        frame({ type: 'error', message: 'Try again later.', timestamp: at() }),
      ]}
    >
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const order = [
      canvas.getByRole('button', { name: 'Talk to a human' }),
      canvas.getByRole('log'),
      canvas.getByRole('button', { name: 'Dismiss' }),
      canvas.getByRole('textbox', { name: 'Message' }),
    ];
    (order[0] as HTMLElement).focus();
    for (const element of order.slice(1)) {
      await userEvent.tab();
      await expect(element).toHaveFocus();
      // Focus is visible: an outline is drawn on whatever has it.
      await expect(getComputedStyle(element).outlineStyle).not.toBe('none');
    }
    // With the transcript focused by keyboard, timestamps show for every message.
    canvas.getByRole('log').focus();
    const stamp = canvasElement.querySelector('[data-slot="timestamp"]') as HTMLElement;
    await waitFor(() => expect(getComputedStyle(stamp).opacity).toBe('1'));
    // Typing and Enter send without a mouse.
    await userEvent.click(canvas.getByRole('textbox', { name: 'Message' }));
    await userEvent.keyboard('By keyboard{Enter}');
    await expect(canvas.getByText('By keyboard')).toBeVisible();
  },
};

export const ComposerGrowsWithText: Story = {
  render: () => (
    <Seeded events={connected()}>
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const input = within(canvasElement).getByRole('textbox', { name: 'Message' });
    const oneLine = input.getBoundingClientRect().height;
    await userEvent.type(input, 'one{Shift>}{Enter}{/Shift}two{Shift>}{Enter}{/Shift}three');
    await waitFor(() =>
      expect(input.getBoundingClientRect().height).toBeGreaterThan(oneLine * 1.8),
    );
    await userEvent.keyboard('{Enter}');
    await waitFor(() => expect(input.getBoundingClientRect().height).toBe(oneLine));
  },
};
