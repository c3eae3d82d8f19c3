/**
 * The actions on messages: Stop while a reply streams, and under settled messages Copy
 * reply, Good / Bad reply (with `onFeedback`), Ask again on the last reply and Edit on the
 * user's last message. In both themes and right to left; axe checks each once its play is done.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, userEvent, waitFor, within } from 'storybook/test';
import { ChatPanel } from '../src/components/chat-panel.tsx';
import type { ChatEvent } from '../src/core/reduce.ts';
import { assistantSaid, assistantStreaming, connected, Seeded, userSaid } from './seed.tsx';
import { replyIn } from './support.tsx';

const meta = {
  title: 'Message actions',
  component: ChatPanel,
} satisfies Meta<typeof ChatPanel>;

export default meta;
type Story = StoryObj<typeof meta>;

const twoQuestions = (): ChatEvent[] => [
  ...connected(),
  userSaid('user:1', 'What is chatwire?'),
  ...assistantSaid('msg_1', 'A **chat widget** for React.'),
  userSaid('user:2', 'Does it stream?'),
  ...assistantSaid('msg_2', 'Yes, token by token.'),
];

/** Checks the actions a settled conversation offers, and uses each of them. */
async function playActions(canvasElement: HTMLElement, labels = DEFAULT_NAMES) {
  const canvas = within(canvasElement);
  const last = replyIn(canvasElement) as HTMLElement;
  // Every settled reply can be copied and rated; only the last is asked again.
  await expect(canvas.getAllByRole('button', { name: labels.copyReply })).toHaveLength(2);
  await expect(canvas.getAllByRole('button', { name: labels.askAgain })).toHaveLength(1);
  const good = within(last).getByRole('button', { name: labels.goodReply });
  const bad = within(last).getByRole('button', { name: labels.badReply });
  await userEvent.click(good);
  await expect(good).toHaveAttribute('aria-pressed', 'true');
  await userEvent.click(bad);
  await expect(bad).toHaveAttribute('aria-pressed', 'true');
  await expect(good).toHaveAttribute('aria-pressed', 'false');
  // Edit puts the last message back in the composer, focused.
  await userEvent.click(canvas.getByRole('button', { name: labels.edit }));
  const input = canvas.getByRole('textbox');
  await expect(input).toHaveValue(labels.lastQuestion);
  await expect(input).toHaveFocus();
  // Every action is drawn with a visible focus ring when reached by keyboard.
  within(last).getByRole('button', { name: labels.copyReply }).focus();
  await userEvent.tab();
  await expect(getComputedStyle(document.activeElement as Element).outlineStyle).not.toBe('none');
}

const DEFAULT_NAMES = {
  copyReply: 'Copy reply',
  askAgain: 'Ask again',
  goodReply: 'Good reply',
  badReply: 'Bad reply',
  edit: 'Edit',
  lastQuestion: 'Does it stream?',
};

export const SettledReplies: Story = {
  args: { onFeedback: fn() },
  render: (args) => (
    <Seeded events={twoQuestions()}>
      <ChatPanel {...args} />
    </Seeded>
  ),
  play: async ({ canvasElement, args }) => {
    await playActions(canvasElement);
    await expect(args.onFeedback).toHaveBeenCalledTimes(2);
    await expect(args.onFeedback).toHaveBeenLastCalledWith(
      expect.objectContaining({ text: 'Yes, token by token.' }),
      'down',
    );
  },
};

export const SettledRepliesDarkTheme: Story = {
  args: { onFeedback: fn(), theme: 'dark' },
  render: SettledReplies.render,
  play: ({ canvasElement }) => playActions(canvasElement),
};

export const SettledRepliesRightToLeft: Story = {
  args: {
    onFeedback: fn(),
    dir: 'rtl',
    labels: {
      copy: 'نسخ',
      copyReply: 'نسخ الرد',
      askAgain: 'اسأل مرة أخرى',
      goodReply: 'رد جيد',
      badReply: 'رد سيئ',
      editMessage: 'تعديل',
    },
  },
  render: SettledReplies.render,
  play: async ({ canvasElement }) => {
    await playActions(canvasElement, {
      copyReply: 'نسخ الرد',
      askAgain: 'اسأل مرة أخرى',
      goodReply: 'رد جيد',
      badReply: 'رد سيئ',
      edit: 'تعديل',
      lastQuestion: 'Does it stream?',
    });
  },
};

export const WithoutFeedback: Story = {
  render: () => (
    <Seeded events={twoQuestions()}>
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(canvas.queryByRole('button', { name: 'Good reply' })).toBeNull();
    await expect(canvas.getAllByRole('button', { name: 'Copy reply' })).toHaveLength(2);
  },
};

const streaming = (): ChatEvent[] => [
  ...connected(),
  userSaid('user:1', 'Tell me a story'),
  ...assistantStreaming('msg_story', 'Once upon a time, ', 'a widget '),
];

export const StopWhileStreaming: Story = {
  render: () => (
    <Seeded events={streaming()}>
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const reply = replyIn(canvasElement) as HTMLElement;
    // While it streams: Stop beside Send, and nothing to copy or rate yet.
    await expect(within(reply).queryByRole('button', { name: 'Copy reply' })).toBeNull();
    await userEvent.click(canvas.getByRole('button', { name: 'Stop' }));
    await expect(reply).toHaveAttribute('data-status', 'stopped');
    await expect(within(reply).getByText('Stopped.')).toBeVisible();
    await expect(canvas.queryByRole('button', { name: 'Stop' })).toBeNull();
    await expect(canvas.getByRole('textbox')).toHaveFocus();
    // Stopped, it is settled: it can be copied and asked again.
    await waitFor(() =>
      expect(within(reply).getByRole('button', { name: 'Copy reply' })).toBeVisible(),
    );
    await expect(within(reply).getByRole('button', { name: 'Ask again' })).toBeVisible();
  },
};

export const StopWithEscapeDarkTheme: Story = {
  render: () => (
    <Seeded events={streaming()}>
      <ChatPanel theme="dark" />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('textbox'));
    await userEvent.keyboard('{Escape}');
    await expect(replyIn(canvasElement)).toHaveAttribute('data-status', 'stopped');
  },
};
