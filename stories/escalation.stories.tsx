/**
 * Handing the user to a person: the "Talk to a human" button asked, answered, used by click,
 * cancelled with Escape, and left out.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, within } from 'storybook/test';
import { ChatPanel } from '../src/components/chat-panel.tsx';
import { at, frame, Seeded } from './seed.tsx';
import { ConversationPanel, conversation, PanelWithSentFrames } from './support.tsx';

const meta = { title: 'Escalation', component: ChatPanel } satisfies Meta<typeof ChatPanel>;

export default meta;
type Story = StoryObj<typeof meta>;

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
  render: () => <PanelWithSentFrames events={conversation()} />,
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
