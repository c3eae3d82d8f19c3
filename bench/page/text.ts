/**
 * The text the benchmark streams, cut into tokens the way a model sends them: a word with
 * the whitespace after it, markdown punctuation attached to its word.
 */
import type { TextKind } from './api.ts';

const PLAIN_WORDS = [
  'the ',
  'widget ',
  'streams ',
  'tokens ',
  'quickly, ',
  'and ',
  'keeps ',
  'up.\n',
  'Chat ',
  'wire ',
];

/** Words like a model's: short and long, with spaces and the odd newline. */
function plainTokens(count: number): string[] {
  return Array.from({ length: count }, (_, index) => PLAIN_WORDS[index % PLAIN_WORDS.length] ?? '');
}

/**
 * One section of a markdown-heavy reply, numbered so sections differ: every block and inline
 * construct a model's answer commonly uses, with blank lines between blocks.
 */
function markdownSection(index: number): string {
  return `## Section ${index}: streaming replies

The widget **streams tokens** as they arrive and *keeps the view steady* while the reader scrolls. Call \`store.actions.receiveMany()\` once per frame, as [the guide](https://example.com/x/${index}) explains.

A second paragraph with **more bold text**, some *emphasis here*, a \`code span\` and [another link](https://example.com/y/${index}) so that inline parsing has work to do.

- first item with \`inline code\`
- second item with **bold words**
- third item with [a link](https://example.com/z/${index})

1. Open the socket.
2. Wait for *the greeting*.
3. Send the **first message**.

> A quoted remark about **latency** and *throughput*, with \`code\` too.

| metric | value | note |
| --- | --- | --- |
| tokens | ${index * 100} | \`per frame\` |
| wall | ${index} ms | **fast** |

\`\`\`ts
const reply = await stream({ id: ${index} });
for (const token of reply) render(token);
console.log('done', reply.length);
\`\`\`

`;
}

/** Sections of markdown until there are `count` tokens; the last may stop mid-block. */
function markdownTokens(count: number): string[] {
  const tokens: string[] = [];
  for (let index = 1; tokens.length < count; index++) {
    tokens.push(...toTokens(markdownSection(index)));
  }
  return tokens.slice(0, count);
}

/** A word and the whitespace after it; joined back, the tokens are the text exactly. */
export function toTokens(text: string): string[] {
  return text.match(/\s+|\S+\s*/gy) ?? [];
}

export function makeTokens(kind: TextKind, count: number): string[] {
  return kind === 'plain' ? plainTokens(count) : markdownTokens(count);
}

/** The user's side of a long conversation. */
export function historyQuestion(index: number): string {
  return `How do I set up step ${index} so the widget reconnects after a drop?`;
}

/** A finished reply of a few sentences with some markdown, varied by `index`. */
export function historyReply(index: number): string {
  const variants = [
    `Step ${index} is short. Call \`connect()\` first, then **wait** for the \`open\` status before sending. See [the guide](https://example.com/docs/${index}) for the details.`,
    `Here is how it works:\n\n- the socket **reconnects** with backoff\n- queued messages are sent *in order*\n\nNothing else is needed for step ${index}.`,
    `Yes. The reply to message ${index} keeps its text if the connection drops, and it is marked *interrupted* so you can ask again. A \`ping\` every 30 seconds keeps the socket alive.`,
  ];
  return variants[index % variants.length] ?? '';
}
