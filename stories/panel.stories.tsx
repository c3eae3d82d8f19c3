/**
 * The chat panel itself: empty, greeted, in conversation; the composer, sending, the header
 * menu; and how a host adapts it (labels, classes, theme, direction, width, message rendering,
 * keyboard use). Each from a store seeded by replaying protocol frames; no network.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { useLayoutEffect } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { ChatPanel } from '../src/components/chat-panel.tsx';
import { at, connected, frame, Seeded, userSaid } from './seed.tsx';
import {
  ConversationPanel,
  conversation,
  expectAnswerShown,
  PanelWithSentFrames,
} from './support.tsx';

const meta = { title: 'Panel', component: ChatPanel } satisfies Meta<typeof ChatPanel>;

export default meta;
type Story = StoryObj<typeof meta>;

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

export const SendingAMessage: Story = {
  render: () => <PanelWithSentFrames events={connected()} />,
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
      // The actions on messages (Edit, Copy reply, Ask again), in transcript order.
      ...within(canvas.getByRole('log')).getAllByRole('button'),
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
