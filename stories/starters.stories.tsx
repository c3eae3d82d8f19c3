/**
 * An empty conversation with the host's welcome and starter suggestions: what a user sees
 * before saying anything, how a starter is sent (by pointer or keyboard), and the starters
 * coming back once the conversation is cleared; in both themes and right to left.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { ChatPanel, type ChatPanelProps } from '../src/components/chat-panel.tsx';
import { connected, Seeded } from './seed.tsx';
import { conversation } from './support.tsx';

const meta = { title: 'Starters', component: ChatPanel } satisfies Meta<typeof ChatPanel>;

export default meta;
type Story = StoryObj<typeof meta>;

const STARTERS = ['How do I reset my password?', 'Where is my order?', 'Talk about pricing'];

const WELCOME = (
  <>
    <strong>Hi, I am the support assistant.</strong>
    <br />
    Ask me about your account, orders or billing.
  </>
);

/** A connected panel (the server's greeting shown, nothing said yet) offering STARTERS. */
function EmptyWithStarters(props: ChatPanelProps) {
  return (
    <Seeded events={connected()}>
      <ChatPanel starters={STARTERS} welcome={WELCOME} {...props} />
    </Seeded>
  );
}

const startersIn = (canvasElement: HTMLElement) =>
  within(canvasElement).queryByRole('group', { name: 'Suggestions' });

/**
 * What a user sees first. Left as it is after its play function, so axe (which runs after
 * it) checks the welcome and the starters; the stories that send one check what follows.
 */
export const WithStartersAndWelcome: Story = {
  render: () => <EmptyWithStarters />,
  play: async ({ canvasElement }) => {
    const log = within(canvasElement).getByRole('log', { name: 'Conversation' });
    // The welcome stands in for the default empty text, beside the server's greeting.
    await expect(within(log).getByText('Hi, I am the support assistant.')).toBeVisible();
    await expect(log).not.toHaveTextContent('Ask anything to get started.');
    await expect(within(log).getByText('Connected to chatbot server')).toBeVisible();
    const group = startersIn(canvasElement) as HTMLElement;
    const buttons = within(group).getAllByRole('button');
    await expect(buttons.map((button) => button.textContent)).toEqual(STARTERS);
  },
};

export const SendingAStarter: Story = {
  render: () => <EmptyWithStarters />,
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const log = canvas.getByRole('log', { name: 'Conversation' });
    const group = startersIn(canvasElement) as HTMLElement;
    await userEvent.click(within(group).getByRole('button', { name: 'Where is my order?' }));
    const message = canvasElement.querySelector('[data-role="user"]');
    await expect(message).toHaveTextContent('Where is my order?');
    await expect(message).toHaveAttribute('data-status', 'sent');
    // Something was said: the starters and the welcome are gone, and the user writes on.
    await expect(startersIn(canvasElement)).toBeNull();
    await expect(within(log).queryByText('Hi, I am the support assistant.')).toBeNull();
    await expect(canvas.getByRole('textbox', { name: 'Message' })).toHaveFocus();
  },
};

export const StartersByKeyboard: Story = {
  render: () => <EmptyWithStarters />,
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    canvas.getByRole('log').focus();
    // The starters follow the transcript in the tab order, each one a stop, focus drawn.
    for (const text of STARTERS) {
      await userEvent.tab();
      const starter = canvas.getByRole('button', { name: text });
      await expect(starter).toHaveFocus();
      await expect(getComputedStyle(starter).outlineStyle).not.toBe('none');
    }
    await userEvent.tab({ shift: true });
    await userEvent.keyboard('{Enter}');
    await expect(canvasElement.querySelector('[data-role="user"]')).toHaveTextContent(
      'Where is my order?',
    );
    await expect(canvas.getByRole('textbox', { name: 'Message' })).toHaveFocus();
  },
};

/** Starters are for an empty conversation only: they come back once it is cleared. */
export const BackAfterClear: Story = {
  render: () => (
    <Seeded events={conversation()}>
      <ChatPanel starters={STARTERS} />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(startersIn(canvasElement)).toBeNull();
    await expect(canvas.getByRole('log')).not.toHaveTextContent('Ask anything to get started.');
    await userEvent.click(canvas.getByRole('button', { name: 'Conversation options' }));
    await userEvent.click(canvas.getByRole('menuitem', { name: 'Clear conversation' }));
    await waitFor(() => expect(startersIn(canvasElement)).not.toBeNull());
    // Without a welcome, the default empty text shows.
    await expect(canvas.getByRole('log')).toHaveTextContent('Ask anything to get started.');
    await expect(
      within(startersIn(canvasElement) as HTMLElement).getAllByRole('button'),
    ).toHaveLength(STARTERS.length);
  },
};

export const StartersDarkTheme: Story = {
  render: () => (
    <div style={{ background: '#0b0d12', padding: 12 }}>
      <EmptyWithStarters theme="dark" />
    </div>
  ),
  play: async ({ canvasElement }) => {
    const starter = within(canvasElement).getByRole('button', { name: STARTERS[0] });
    // The pill takes the dark surface and text, not the light ones.
    await expect(getComputedStyle(starter).backgroundColor).not.toBe('rgb(255, 255, 255)');
    await expect(getComputedStyle(starter).color).not.toBe(
      getComputedStyle(starter).backgroundColor,
    );
  },
};

const ARABIC_STARTERS = ['كيف أعيد تعيين كلمة المرور؟', 'أين طلبي؟'];

export const StartersRightToLeft: Story = {
  render: () => (
    <Seeded events={connected()}>
      <ChatPanel
        dir="rtl"
        starters={ARABIC_STARTERS}
        welcome="مرحبا! كيف يمكنني المساعدة؟"
        labels={{ title: 'الدردشة', messageInput: 'رسالة', suggestions: 'اقتراحات' }}
      />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const group = canvas.getByRole('group', { name: 'اقتراحات' });
    const [first, second] = within(group).getAllByRole('button');
    // In a right-to-left panel the first starter comes first from the right.
    const firstBox = (first as HTMLElement).getBoundingClientRect();
    const secondBox = (second as HTMLElement).getBoundingClientRect();
    await expect(firstBox.top).toBe(secondBox.top);
    await expect(firstBox.left).toBeGreaterThan(secondBox.right);
    await expect(canvas.getByText('مرحبا! كيف يمكنني المساعدة؟')).toBeVisible();
  },
};
