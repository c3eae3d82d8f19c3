/**
 * A reply as it arrives: the typing indicator before the first token, a reply caught
 * mid-stream, and a scripted in-page server streaming one live, with what screen readers are
 * told meanwhile and once it is done.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { useEffect, useState } from 'react';
import { expect, waitFor } from 'storybook/test';
import { ChatPanel } from '../src/components/chat-panel.tsx';
import {
  assistantSaid,
  connected,
  receiveFrame,
  Seeded,
  StoryFrame,
  seededStore,
  userSaid,
} from './seed.tsx';
import { ANSWER, ANSWER_SHOWN, expectAnswerShown } from './support.tsx';

const meta = { title: 'Streaming', component: ChatPanel } satisfies Meta<typeof ChatPanel>;

export default meta;
type Story = StoryObj<typeof meta>;

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
