import fc from 'fast-check';
import { getDefaults, Lexer, type Token, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { BLOCK_PART, type MarkdownDocument, parseIncrementally } from './incremental.ts';

const lexWhole = (text: string) =>
  Lexer.lex(text.replace(/\r\n?/g, '\n'), { ...getDefaults(), gfm: true, breaks: true });

const allTokens = (document: MarkdownDocument): Token[] => [
  ...document.stable.flatMap((segment) => segment.tokens),
  ...(document.open?.tokens ?? []),
];

/** Feeds `text` in the given chunk sizes, as a stream would, and returns every step. */
function stream(text: string, sizes: number[]): MarkdownDocument[] {
  const steps: MarkdownDocument[] = [];
  let document: MarkdownDocument | null = null;
  let end = 0;
  for (let index = 0; end < text.length; index++) {
    end = Math.min(text.length, end + Math.max(1, sizes[index % sizes.length] ?? 1));
    document = parseIncrementally(document, text.slice(0, end), true);
    steps.push(document);
  }
  steps.push(parseIncrementally(document, text, false));
  return steps;
}

// Blocks as models write them, short enough that no paragraph is cut into parts.
const word = fc.constantFrom('alpha', 'beta', '**bold**', '*em*', '`code`', '[link](https://x.io)');
const line = fc.array(word, { minLength: 1, maxLength: 6 }).map((words) => words.join(' '));
const block = fc.oneof(
  fc.array(line, { minLength: 1, maxLength: 3 }).map((lines) => lines.join('\n')),
  line.map((text) => `## ${text}`),
  fc
    .array(line, { minLength: 1, maxLength: 3 })
    .map((lines) => lines.map((l) => `- ${l}`).join('\n')),
  fc
    .array(line, { minLength: 1, maxLength: 3 })
    .map((lines) => lines.map((l, i) => `${i + 1}. ${l}`).join('\n\n')),
  fc
    .array(line, { minLength: 1, maxLength: 2 })
    .map((lines) => lines.map((l) => `> ${l}`).join('\n')),
  fc
    .array(line, { minLength: 0, maxLength: 3 })
    .map((lines) => ['```ts', ...lines, '', ...lines, '```'].join('\n')),
  fc.constant('| a | b |\n|---|:-:|\n| 1 | 2 |\n| 3 | 4 |'),
  fc.constant('---'),
  fc.constant('<div onclick="x()">raw</div>'),
);
const document = fc
  .array(fc.tuple(block, fc.constantFrom('\n\n', '\n\n\n', '\n', '\r\n\r\n')), { maxLength: 8 })
  .map((parts) => parts.map(([text, gap]) => text + gap).join(''));

describe('parseIncrementally', () => {
  it('ends with the same tokens as lexing the whole reply at once, however it was streamed', () => {
    fc.assert(
      fc.property(
        document,
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1 }),
        (text, sizes) => {
          const steps = stream(text, sizes);
          const final = steps.at(-1) as MarkdownDocument;
          expect(allTokens(final)).toEqual([...lexWhole(text)]);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('keeps finished segments as the very same objects while the reply grows', () => {
    fc.assert(
      fc.property(
        document,
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1 }),
        (text, sizes) => {
          const steps = stream(text, sizes);
          for (let index = 1; index < steps.length; index++) {
            const before = steps[index - 1] as MarkdownDocument;
            const after = steps[index] as MarkdownDocument;
            before.stable.forEach((segment, position) => {
              expect(after.stable[position]).toBe(segment);
            });
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('covers the text exactly: segment keys are offsets, raw text adds up', () => {
    fc.assert(
      fc.property(document, (text) => {
        const parsed = stream(text, [7]).at(-1) as MarkdownDocument;
        const segments = [...parsed.stable, ...(parsed.open ? [parsed.open] : [])];
        for (const segment of segments) {
          const raw = segment.tokens.map((token) => token.raw).join('');
          expect(text.slice(segment.key).replace(/\r\n?/g, '\n').startsWith(raw)).toBe(true);
        }
      }),
    );
  });

  it('re-lexes only the open end: it stays one block long however long the reply gets', () => {
    const paragraph = 'A paragraph with **bold** and `code` in it.\n\n';
    const text = paragraph.repeat(400);
    const steps = stream(text, [3, 7, 5]);
    const longestOpen = Math.max(
      ...steps.map((step) => (step.open ? step.text.length - step.stableEnd : 0)),
    );
    expect(longestOpen).toBeLessThanOrEqual(paragraph.length * 2);
    expect(steps.at(-1)?.stable.length).toBeGreaterThan(100);
  });

  it('leaves two blocks open, not all it brought, when a chunk ends inside a first line', () => {
    const blocks = Array.from({ length: 20 }, (_, index) => `Paragraph ${index} is here.`);
    const text = `${blocks.join('\n\n')}\n\n2`;
    const document = parseIncrementally(null, text, true);
    // The last paragraph stays open with the `2` that may yet become a list item after it.
    expect(text.slice(document.stableEnd)).toBe('Paragraph 19 is here.\n\n2');
    expect(allTokens(document)).toEqual([...lexWhole(text)]);
  });

  it('keeps blocks open while a link definition they may use is still arriving', () => {
    // The first frame ends inside a definition's URL, then inside its title's line.
    for (const [partial, whole] of [
      [
        'See [the docs][1].\n\nHope that helps.\n\n[1]: https://',
        'See [the docs][1].\n\nHope that helps.\n\n[1]: https://example.com/docs\n',
      ],
      ['see [x][r]\n\n[r]: /u\n"', 'see [x][r]\n\n[r]: /u\n"t"\n'],
    ] as const) {
      const streamed = parseIncrementally(parseIncrementally(null, partial, true), whole, true);
      expect(allTokens(streamed)).toEqual([...lexWhole(whole)]);
    }
  });

  it('cuts a long paragraph into parts at line breaks, later parts marked as continuing it', () => {
    const text = 'the widget streams tokens quickly, and keeps up.\nChat wire '.repeat(400);
    const steps = stream(text, [4, 9]);
    const longestOpen = Math.max(...steps.map((step) => step.text.length - step.stableEnd));
    expect(longestOpen).toBeLessThan(BLOCK_PART + 200);
    const final = steps.at(-2) as MarkdownDocument;
    const segments = [...final.stable, ...(final.open ? [final.open] : [])];
    expect(segments.length).toBeGreaterThan(15);
    expect(segments[0]?.continuesAbove).toBe(false);
    expect(segments.slice(1).every((segment) => segment.continuesAbove)).toBe(true);
    expect(segments.slice(0, -1).every((segment) => segment.continuesBelow)).toBe(true);
    expect(segments.every((segment) => segment.tokens.every((t) => t.type === 'paragraph'))).toBe(
      true,
    );
    const shown = segments.flatMap((segment) => segment.tokens.map((token) => token.raw)).join('');
    expect(shown).toBe(text);
  });

  it('leaves only the last line of a long paragraph open after a large chunk arrives', () => {
    // A burst of many lines at once is cut at its last line break, not BLOCK_PART by
    // BLOCK_PART: the lines are lexed once, and the open end is what the next chunk extends.
    const line = 'the widget streams tokens quickly, and keeps up.\n';
    const steps = stream(line.repeat(400), [3_000]);
    for (const step of steps.slice(0, -1)) {
      if (step.text.length <= BLOCK_PART + line.length) continue;
      expect(step.text.length - step.stableEnd).toBeLessThanOrEqual(line.length);
    }
  });

  it('cuts a long fenced code block into parts, each lexed after the fence line', () => {
    const lines = Array.from(
      { length: 300 },
      (_, index) => `  const line${index} = "**${index}**";`,
    );
    const text = ['Code:', '', '```ts', ...lines, '```', '', 'After.'].join('\n');
    const steps = stream(text, [5, 11]);
    const longestOpen = Math.max(...steps.map((step) => step.text.length - step.stableEnd));
    expect(longestOpen).toBeLessThan(BLOCK_PART + 200);
    const final = steps.at(-2) as MarkdownDocument;
    const segments = [...final.stable, ...(final.open ? [final.open] : [])];
    const code = segments.flatMap((segment) =>
      segment.tokens.flatMap((token) => (token.type === 'code' ? [token] : [])),
    );
    expect(code.length).toBeGreaterThan(5);
    expect(code.every((token) => token.lang === 'ts')).toBe(true);
    expect(code.map((token) => token.text).join('\n')).toBe(lines.join('\n'));
    const last = allTokens(final)
      .filter((token) => token.type !== 'space')
      .at(-1);
    expect(last?.raw).toBe('After.');
  });

  it('never cuts a long code block before a closing fence that has only partly arrived', () => {
    const lines = Array.from({ length: 60 }, (_, index) => `  const line${index} = ${index};`);
    for (const indent of ['', '  ']) {
      const body = ['```ts', ...lines].join('\n');
      const text = `${body}\n${indent}\`\`\`\n\nAfter.`;
      // Frames that end inside the closing fence: after its first backtick, after its second.
      const cutAt = [body.length + 1 + indent.length + 1, body.length + 1 + indent.length + 2];
      let document: MarkdownDocument | null = null;
      for (const end of [...cutAt, text.length]) {
        document = parseIncrementally(document, text.slice(0, end), true);
      }
      const final = allTokens(parseIncrementally(document, text, false));
      const code = final.filter((token): token is Tokens.Code => token.type === 'code');
      // However it was cut into parts, the code is all there, with no empty part at its end.
      expect(code.map((token) => token.text).join('\n')).toBe(lines.join('\n'));
      expect(code.every((token) => token.text !== '')).toBe(true);
      expect(final.filter((token) => token.type !== 'space').at(-1)?.raw).toBe('After.');
    }
  });

  it('cuts a long list before one of its items, numbering going on', () => {
    const items = Array.from({ length: 200 }, (_, index) => `${index + 1}. item **${index}**`);
    const text = ['Steps:', '', ...items, '', 'Done.'].join('\n');
    const steps = stream(text, [4, 9]);
    const longestOpen = Math.max(...steps.map((step) => step.text.length - step.stableEnd));
    expect(longestOpen).toBeLessThan(BLOCK_PART + 200);
    const lists = allTokens(steps.at(-2) as MarkdownDocument).filter(
      (token): token is Tokens.List => token.type === 'list',
    );
    expect(lists.length).toBeGreaterThan(2);
    expect(lists.flatMap((list) => list.items.map((item) => item.text))).toEqual(
      items.map((item) => item.replace(/^\d+\. /, '')),
    );
    expect(lists.map((list) => list.start)).toEqual(
      lists.map((_, index) => 1 + lists.slice(0, index).reduce((n, l) => n + l.items.length, 0)),
    );
  });

  it('does not cut before a line that would read differently on its own', () => {
    const text = `${'word '.repeat(230)}\n    indented continuation\n=== not a heading ${'x '.repeat(10)}`;
    const parsed = stream(text, [7]).at(-2) as MarkdownDocument;
    expect(parsed.stable).toEqual([]);
    expect(parsed.open?.tokens.map((token) => token.type)).toEqual(['paragraph']);
  });

  it('builds a finished reply from one lex of it, a segment per block keyed by its offset', () => {
    const text = 'One.\r\n\r\nTwo.\n\n\nThree\n';
    const parsed = parseIncrementally(null, text, false);
    expect(parsed.complete).toBe(true);
    expect(parsed.open).toBeNull();
    expect(parsed.stable.map((segment) => segment.key)).toEqual([0, 8, 15]);
    expect(parsed.stable.map((segment) => segment.tokens.map((token) => token.type))).toEqual([
      ['paragraph', 'space'],
      ['paragraph', 'space'],
      ['paragraph'],
    ]);
    expect(parseIncrementally(parsed, text, false)).toBe(parsed);
  });

  it('finishes a streamed reply with the segments of its whole text, keeping confirmed ones', () => {
    const text = 'One.\n\nTwo.\n\nThree and **four**\n';
    const streamed = parseIncrementally(null, text, true);
    const finished = parseIncrementally(streamed, text, false);
    expect(finished).toEqual(parseIncrementally(null, text, false));
    expect(finished.stable[0]).toBe(streamed.stable[0]);
    expect(finished.stable[1]).toBe(streamed.stable[1]);
  });

  it('streams again from the start when a finished reply grows', () => {
    const finished = parseIncrementally(null, 'One.\n\nTwo', false);
    const resumed = parseIncrementally(finished, 'One.\n\nTwo more\n\nThree', true);
    expect(resumed.complete).toBe(false);
    expect(allTokens(resumed).map((token) => token.raw)).toEqual([
      'One.',
      '\n\n',
      'Two more',
      '\n\n',
      'Three',
    ]);
  });

  it('starts afresh when the text is not a continuation of the previous one', () => {
    const first = parseIncrementally(null, 'One.\n\nTwo.\n\nThree\n', true);
    expect(first.stable.length).toBe(2);
    const replaced = parseIncrementally(first, 'Other.\n\nText', true);
    expect(allTokens(replaced).map((token) => token.raw)).toEqual(['Other.', '\n\n', 'Text']);
  });

  it('applies link definitions to the segments after them', () => {
    const text = '[docs]: https://example.com/docs\n\nSee [the docs][docs].\n\nMore.';
    const parsed = stream(text, [7]).at(-1) as MarkdownDocument;
    const paragraph = allTokens(parsed).find((token) => token.raw.startsWith('See'));
    expect(JSON.stringify(paragraph)).toContain('"href":"https://example.com/docs"');
  });

  it('shows open inline markup closed while streaming, and as written once complete', () => {
    const streaming = parseIncrementally(null, 'Some **bold te', true);
    expect(JSON.stringify(streaming.open?.tokens)).toContain('"type":"strong"');
    const complete = parseIncrementally(streaming, 'Some **bold te', false);
    expect(JSON.stringify(allTokens(complete))).not.toContain('"type":"strong"');
  });

  it('leaves code in a quote or a list item alone while it streams', () => {
    const quoted = parseIncrementally(null, '> ```py\n> def f(*args', true);
    expect(JSON.stringify(quoted.open?.tokens)).toContain('def f(*args');
    expect(JSON.stringify(quoted.open?.tokens)).not.toContain('*args*');
    const listed = parseIncrementally(null, '- a\n  - b\n    ```py\n    def f(*args', true);
    expect(JSON.stringify(listed.open?.tokens)).not.toContain('*args*');
  });

  it('renders an unclosed code fence as code while it streams', () => {
    const parsed = parseIncrementally(null, 'Look:\n\n```js\nconst a = "**";\n', true);
    expect(parsed.open?.tokens.map((token) => token.type)).toEqual(['code']);
    expect(JSON.stringify(parsed.open?.tokens)).toContain('const a = \\"**\\";');
  });
});
