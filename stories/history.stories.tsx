/**
 * Long transcripts: a history of a thousand messages filling in while the browser is idle,
 * and replies arriving while the user reads further up.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { useState } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { ChatPanel } from '../src/components/chat-panel.tsx';
import type { ChatEvent } from '../src/core/reduce.ts';
import {
  assistantSaid,
  connected,
  receiveReply,
  Seeded,
  StoryFrame,
  seededStore,
  userSaid,
} from './seed.tsx';

const meta = { title: 'History', component: ChatPanel } satisfies Meta<typeof ChatPanel>;

export default meta;
type Story = StoryObj<typeof meta>;

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

/** The greeting, then 25 questions and their answers. */
const longConversationLength = 51;

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
    // Starts at the latest message, once the older ones have filled in above (on a busy
    // machine that takes a while; arriving after the scroll up, they would move it).
    const messages = () => log.querySelectorAll('[role="listitem"][data-role]').length;
    await waitFor(() => expect(messages()).toBe(longConversationLength));
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
