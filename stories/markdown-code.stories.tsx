/**
 * Code blocks in replies: "Copy code" under each finished block, none under a block still
 * arriving, and syntax colours (`highlightCode`) in both themes and right to left. axe checks
 * every story once its play function is done, so the colours are checked for contrast too.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { ChatPanel } from '../src/components/chat-panel.tsx';
import type { ChatEvent } from '../src/core/reduce.ts';
import { assistantSaid, assistantStreaming, connected, Seeded, userSaid } from './seed.tsx';
import { replyIn } from './support.tsx';

const meta = {
  title: 'Markdown/Code blocks',
  component: ChatPanel,
} satisfies Meta<typeof ChatPanel>;

export default meta;
type Story = StoryObj<typeof meta>;

const INSTALL = 'npm install chatwire';

const EXAMPLE = `import { ChatWidget } from 'chatwire';

// Streams replies from your chatbot server.
export function Support({ jwt }: { jwt: string }) {
  return <ChatWidget token={jwt} url="wss://chat.example.com" />;
}`;

/** A reply with a shell block and a TypeScript block, and the question it answers. */
const CODE_REPLY = `Install it:\n\n\`\`\`sh\n${INSTALL}\n\`\`\`\n\nThen render it:\n\n\`\`\`tsx\n${EXAMPLE}\n\`\`\`\n\nThat is all.`;

const answered = (text: string): ChatEvent[] => [
  ...connected(),
  userSaid('user:1', 'How do I add chatwire to my app?'),
  ...assistantSaid('msg_code', text),
];

/** Each code block in `reply`, with its "Copy code" button if it offers one. */
const codeBlocksIn = (reply: HTMLElement) =>
  [...reply.querySelectorAll<HTMLElement>('pre[data-slot="code-block"]')].map((block) => {
    const after = block.nextElementSibling;
    const actions = after?.matches('[data-slot="code-block-actions"]') ? after : null;
    return { block, copy: actions?.querySelector<HTMLButtonElement>('button') ?? null };
  });

/**
 * Waits for the highlighter (a chunk of its own, fetched on demand) to have coloured `block`
 * (a block of a language it knows, even one where it found nothing to colour).
 */
const waitForColours = (block: HTMLElement | undefined) =>
  waitFor(() => expect(block).toHaveAttribute('data-highlighted', 'true'), { timeout: 10_000 });

/** After a moment the button reads as itself again ("Copy code"), as axe then sees it. */
const expectBackToIdle = (button: HTMLButtonElement | null | undefined) =>
  waitFor(() => expect(button).toHaveAttribute('data-state', 'idle'), { timeout: 5_000 });

export const FinishedReplyWithCode: Story = {
  render: () => (
    <Seeded events={answered(CODE_REPLY)}>
      <ChatPanel />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const reply = replyIn(canvasElement) as HTMLElement;
    await expect(reply).toHaveAttribute('data-status', 'complete');
    const [install, example] = codeBlocksIn(reply);
    await expect(install?.block.textContent).toBe(INSTALL);
    await expect(example?.block.textContent).toBe(EXAMPLE);
    // One button per block, named for what it does; off by default, nothing is coloured.
    const buttons = within(reply).getAllByRole('button', { name: 'Copy code' });
    await expect(buttons).toEqual([install?.copy, example?.copy]);
    await expect(reply.querySelector('[class*="cw:hl-"]')).toBeNull();
    await userEvent.click(example?.copy as HTMLButtonElement);
    await waitFor(() => expect(example?.copy).toHaveAttribute('data-state', 'copied'));
    await expect(example?.copy).toHaveTextContent('Copied');
    // The name holds the visible text while it shows (WCAG 2.5.3).
    await expect(example?.copy).toHaveAccessibleName('Copy code: Copied');
    await expect(install?.copy).toHaveTextContent('Copy code');
    await expectBackToIdle(example?.copy);
  },
};

export const StreamingOpenCodeBlock: Story = {
  render: () => (
    <Seeded
      events={[
        ...connected(),
        userSaid('user:1', 'How do I add chatwire to my app?'),
        ...assistantStreaming(
          'msg_streaming_code',
          'Install it:\n\n',
          `\`\`\`sh\n${INSTALL}\n\`\`\`\n\n`,
          'Then render it:\n\n',
          '```tsx\n',
          "import { ChatWidget } from 'chatwire';\n",
          '<ChatWidget tok',
        ),
      ]}
    >
      <ChatPanel highlightCode />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const reply = replyIn(canvasElement) as HTMLElement;
    await expect(reply).toHaveAttribute('data-status', 'streaming');
    const [install, open] = codeBlocksIn(reply);
    // The finished block offers its copy while the reply goes on…
    await expect(install?.copy).toHaveAccessibleName('Copy code');
    // …the one the caret is still in does not: half a command must not be copied.
    await expect(open?.block.querySelector('[data-slot="caret"]')).not.toBeNull();
    await expect(open?.copy).toBeNull();
    await expect(within(reply).getAllByRole('button', { name: 'Copy code' })).toHaveLength(1);
    // Nor is it coloured until it is finished.
    await waitForColours(install?.block);
    await expect(open?.block.querySelector('[class*="cw:hl-"]')).toBeNull();
  },
};

/** Code in several languages, one the highlighter does not know. */
const POLYGLOT = [
  'Here it is three ways:',
  `\`\`\`tsx\n${EXAMPLE}\n\`\`\``,
  '```python\ndef greet(name: str) -> str:\n    # Says hello.\n    return f"Hello, {name}!"\n\nprint(greet(\'chatwire\'), 42, True)\n```',
  '```json\n{ "token": "<jwt>", "retries": 10, "debug": false, "url": null }\n```',
  '```diff\n- theme="light"\n+ theme="dark"\n```',
  '```css\n[data-chatwire] { --chatwire-accent: #0550ae; }\nbody > p::before { content: "»"; }\n```',
  '```klingon\nQapla! batlh bIHeghjaj\n```',
].join('\n\n');

/** A highlighted reply and what the highlighter made of it. */
async function expectHighlighted(canvasElement: HTMLElement) {
  const reply = replyIn(canvasElement) as HTMLElement;
  const blocks = codeBlocksIn(reply);
  const [example, python, json, diff, css, klingon] = blocks;
  for (const { block } of blocks.slice(0, -1)) await waitForColours(block);
  await expect(example?.block.querySelector('.cw\\:hl-keyword')?.textContent).toBe('import');
  await expect(example?.block.querySelector('.cw\\:hl-comment')).toHaveTextContent('Streams');
  await expect(python?.block.querySelector('.cw\\:hl-title')?.textContent).toBe('greet');
  await expect(json?.block.querySelector('.cw\\:hl-constant')).not.toBeNull();
  await expect(diff?.block.querySelector('.cw\\:hl-keyword')?.textContent).toBe('- theme="light"');
  await expect(css?.block.querySelector('.cw\\:hl-name')?.textContent).toBe('body');
  // Coloured, the code reads as written; an unknown language stays plain.
  await expect(example?.block.textContent).toBe(EXAMPLE);
  await expect(klingon?.block.querySelector('span')).toBeNull();
  await expect(klingon?.block.textContent).toBe('Qapla! batlh bIHeghjaj');
  return reply;
}

export const HighlightedCode: Story = {
  render: () => (
    <Seeded events={answered(POLYGLOT)}>
      <ChatPanel highlightCode />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    await expectHighlighted(canvasElement);
  },
};

export const HighlightedCodeDarkTheme: Story = {
  render: () => (
    <div style={{ background: '#0b0d12', padding: 12 }}>
      <Seeded events={answered(POLYGLOT)}>
        <ChatPanel highlightCode theme="dark" />
      </Seeded>
    </div>
  ),
  play: async ({ canvasElement }) => {
    const reply = await expectHighlighted(canvasElement);
    // The dark palette, not the light one: the keyword is the light red of the dark theme.
    const keyword = reply.querySelector('.cw\\:hl-keyword') as Element;
    await expect(getComputedStyle(keyword).color).toBe('rgb(255, 123, 114)');
  },
};

export const CodeRightToLeft: Story = {
  render: () => (
    <Seeded
      events={[
        ...connected(),
        userSaid('user:1', 'كيف أثبّت chatwire؟'),
        ...assistantSaid('msg_rtl_code', `ثبّته هكذا:\n\n\`\`\`sh\n${INSTALL}\n\`\`\``),
      ]}
    >
      <ChatPanel dir="rtl" highlightCode labels={{ copyCode: 'نسخ الرمز', copied: 'تم النسخ' }} />
    </Seeded>
  ),
  play: async ({ canvasElement }) => {
    const reply = replyIn(canvasElement) as HTMLElement;
    const [install] = codeBlocksIn(reply);
    await expect(install?.copy).toHaveAccessibleName('نسخ الرمز');
    // The button sits at the block's inline end, which in RTL is the left.
    const block = install?.block.getBoundingClientRect();
    const button = install?.copy?.getBoundingClientRect();
    await expect(button && block && button.left - block.left).toBeLessThan(
      (block?.right ?? 0) - (button?.right ?? 0),
    );
    await userEvent.click(install?.copy as HTMLButtonElement);
    await waitFor(() => expect(install?.copy).toHaveTextContent('تم النسخ'));
    await expectBackToIdle(install?.copy);
  },
};
