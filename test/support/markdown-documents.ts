/**
 * Generated markdown replies for property tests, made of the constructs whose meaning can
 * change as text arrives: setext underlines, tables whose delimiter row comes after a long
 * paragraph, fences nested in longer fences, link references defined after their use, lists
 * that turn loose or are numbered `1.` throughout, quotes holding lists, hard breaks,
 * HTML-looking text, entities, autolinks and emphasis edge cases. Also the ways a reply is
 * cut into frames: a character at a time, random sizes, and the word pieces a model sends.
 */
import fc from 'fast-check';

const WORDS = [
  'alpha',
  'beta',
  'chat',
  'widget',
  'ünïcode',
  'naïve',
  'x',
  '2*3*4',
  'snake_case_name',
  'a_b',
  '*',
  '_',
  '**',
  '~~',
  '`',
  '\\*',
  '\\',
  '#',
  '|',
  '&amp;',
  '&copy;',
  '&#65;',
  '&#x1F600;',
  '&bogus;',
  '<b>',
  '</span>',
  '<div>',
  'a<b',
  '1 < 2 > 0',
  'https://example.com/a_b',
  'www.example.org',
  'me@example.com',
  '<https://example.com/auto>',
  '<mailto:me@example.com>',
  '[x]',
  '[y][]',
  '[z][ref]',
  '[inline](https://example.com/in)',
  '![pic](https://example.com/p.png)',
  '[ref]',
  // Direction controls: stripped before the text is shown, and so before it is read.
  '\u202Eevil',
  'a\u2066b\u2069',
] as const;

const word = fc.constantFrom(...WORDS);

/** An inline run with emphasis around some of its words, closed or left open. */
const emphasised = fc
  .tuple(
    fc.constantFrom('*', '**', '_', '__', '***', '~~', '`', '``', '*a **', '**a *'),
    fc.array(word, { minLength: 1, maxLength: 3 }),
    fc.boolean(),
  )
  .map(([marker, words, closed]) => {
    const inner = words.join(' ');
    if (!closed) return `${marker}${inner}`;
    const closing = [...marker].reverse().join('').replace(' a', '');
    return `${marker}${inner}${closing}`;
  });

/** A line of prose: words, some emphasised. */
const line = fc
  .array(fc.oneof({ weight: 4, arbitrary: word }, { weight: 1, arbitrary: emphasised }), {
    minLength: 1,
    maxLength: 10,
  })
  // A line never starts with a space here: indentation is the generator's own choice.
  .map((words) => `Line ${words.join(' ')}`);

/** The ways one line of a paragraph ends before the next: a break, a hard break, or two. */
const lineBreak = fc.constantFrom('\n', '\n', '  \n', '\\\n', '\r\n');

const paragraph = fc
  .tuple(fc.array(line, { minLength: 1, maxLength: 4 }), lineBreak)
  .map(([lines, breakWith]) => lines.join(breakWith));

/** A paragraph of more than 1,024 characters: one the streaming parser cuts into parts. */
const longParagraph = fc
  .tuple(fc.array(line, { minLength: 30, maxLength: 45 }), lineBreak)
  .map(([lines, breakWith]) =>
    lines.map((text) => `${text} ${'words '.repeat(6)}`).join(breakWith),
  );

const setextHeading = fc
  .tuple(paragraph, fc.constantFrom('===', '---', '=', '-----------'))
  .map(([text, underline]) => `${text}\n${underline}`);

const atxHeading = fc
  .tuple(fc.integer({ min: 1, max: 6 }), line, fc.boolean())
  .map(([level, text, closed]) => `${'#'.repeat(level)} ${text}${closed ? ' ##' : ''}`);

const tableRow = fc
  .array(fc.oneof(word, fc.constant('')), { minLength: 2, maxLength: 3 })
  .map((cells) => `| ${cells.join(' | ')} |`);

/** A table, sometimes right after a (long) paragraph, whose last line becomes its header. */
const table = fc
  .tuple(
    fc.option(fc.oneof(paragraph, longParagraph), { nil: undefined }),
    fc.constantFrom('Name | Age', '| Name | Age |', 'a | b'),
    fc.constantFrom('--- | ---', '|:--|--:|', '-|-', '| --- | :-: |'),
    fc.array(tableRow, { maxLength: 4 }),
  )
  .map(([before, header, delimiter, rows]) =>
    [...(before ? [before] : []), header, delimiter, ...rows].join('\n'),
  );

const codeLines = fc.array(
  fc.constantFrom('const a = 1;', '  indented()', '**not bold**', '<b>raw</b>', '', '# comment'),
  { minLength: 0, maxLength: 5 },
);

/** A fence of 3 to 5 backticks or tildes, closed or not, sometimes holding a shorter one. */
const fencedCode = fc
  .tuple(
    fc.constantFrom('`', '~'),
    fc.integer({ min: 3, max: 5 }),
    fc.constantFrom('', 'ts', 'python', 'md'),
    codeLines,
    fc.boolean(),
    fc.boolean(),
  )
  .map(([mark, length, language, lines, nested, closed]) => {
    const fence = mark.repeat(length);
    const inner = nested ? [`${mark.repeat(3)}js`, 'inner()', mark.repeat(3)] : [];
    return [`${fence}${language}`, ...lines, ...inner, ...(closed ? [fence] : [])].join('\n');
  });

/** Code longer than 1,024 characters, cut into parts while it streams. */
const longCode = fc
  .tuple(fc.constantFrom('```', '~~~~'), fc.integer({ min: 60, max: 90 }))
  .map(([fence, count]) =>
    [`${fence}ts`, ...Array.from({ length: count }, (_, n) => `line(${n}); // **x**`), fence].join(
      '\n',
    ),
  );

const indentedCode = codeLines.map((lines) =>
  ['    first()', ...lines.map((l) => `    ${l}`)].join('\n'),
);

/** A link reference definition, its title on the same line, the next, or absent. */
const definition = fc
  .tuple(
    fc.constantFrom('x', 'y', 'z', 'ref', 'X'),
    fc.constantFrom('https://example.com/d', '<https://example.com/d d>', 'javascript:alert(1)'),
    fc.constantFrom('', ' "Title"', "\n  'Next line title'", ' (paren)'),
  )
  .map(([label, url, title]) => `[${label}]: ${url}${title}`);

const bullet = fc.constantFrom('-', '*', '+');

/** A list: bulleted, numbered from a start, or numbered `1.` throughout; tight or loose. */
const list = fc
  .tuple(
    fc.oneof(
      bullet.map((marker) => () => `${marker} `),
      fc.integer({ min: 0, max: 12 }).map((start) => (n: number) => `${start + n}. `),
      fc.constant(() => '1. '),
      fc.constant((n: number) => `${n + 1}) `),
    ),
    fc.array(fc.oneof(line, emphasised, fc.constant('[ ] task'), fc.constant('[x] done')), {
      minLength: 1,
      maxLength: 60,
    }),
    fc.constantFrom('tight', 'loose', 'turns-loose', 'nested'),
  )
  .map(([marker, items, shape]) =>
    items
      .map((item, n) => {
        const prefix = marker(n);
        const child =
          shape === 'nested' && n % 3 === 1 ? `\n${' '.repeat(prefix.length)}- child` : '';
        const gap = shape === 'loose' || (shape === 'turns-loose' && n === items.length - 2);
        return `${prefix}${item}${child}${gap ? '\n' : ''}`;
      })
      .join('\n'),
  );

const quote = fc.tuple(fc.oneof(paragraph, list, fencedCode), fc.boolean()).map(([inner, lazy]) =>
  inner
    .split('\n')
    .map((text, n) => (lazy && n > 0 && /^\p{L}/u.test(text) ? text : `> ${text}`))
    .join('\n'),
);

const html = fc.constantFrom(
  '<div>hi</div>',
  '<script>alert(1)</script>',
  '<!-- a comment -->',
  '<details><summary>s</summary>body</details>',
  '<img src=x onerror=alert(1)>',
);

const rule = fc.constantFrom('---', '***', '___', '- - -');

const block = fc.oneof(
  { weight: 6, arbitrary: paragraph },
  { weight: 1, arbitrary: longParagraph },
  { weight: 2, arbitrary: setextHeading },
  { weight: 1, arbitrary: atxHeading },
  { weight: 2, arbitrary: table },
  { weight: 2, arbitrary: fencedCode },
  { weight: 1, arbitrary: longCode },
  { weight: 1, arbitrary: indentedCode },
  { weight: 3, arbitrary: definition },
  { weight: 3, arbitrary: list },
  { weight: 2, arbitrary: quote },
  { weight: 1, arbitrary: html },
  { weight: 1, arbitrary: rule },
);

/** What goes between two blocks: a blank line (or two), or only a line break. */
const separator = fc.constantFrom('\n\n', '\n\n', '\n', '\r\n\r\n', '\n\n\n');

/** A generated markdown reply of up to `maxBlocks` blocks. */
export const markdownDocument = (maxBlocks = 8) =>
  fc
    .array(fc.tuple(block, separator), { minLength: 1, maxLength: maxBlocks })
    .map((parts) =>
      parts.map(([text, after], n) => (n === parts.length - 1 ? text : text + after)).join(''),
    );

/** `text` cut into frames of the given sizes, repeated as needed; the last frame ends it. */
export function cutBySizes(text: string, sizes: readonly number[]): string[] {
  const frames: string[] = [];
  let at = 0;
  for (let n = 0; at < text.length; n++) {
    const size = Math.max(1, sizes[n % sizes.length] ?? 1);
    frames.push(text.slice(at, at + size));
    at += size;
  }
  return frames;
}

/**
 * `text` cut as a model sends it: word pieces of up to six characters with the space before
 * them, line breaks alone or in runs.
 */
export const cutLikeAModel = (text: string): string[] =>
  text.match(/[^\S\n]*[^\s]{1,6}|\n+|[^\S\n]+/g) ?? [];

/** The ways a reply is cut into frames, for fast-check to pick from. */
export const frameCuts = fc.oneof(
  fc.constant({ kind: 'model' as const, sizes: [] as number[] }),
  fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }).map((sizes) => ({
    kind: 'sizes' as const,
    sizes,
  })),
);

/** `text` in frames as `cut` says. */
export const framesOf = (text: string, cut: { kind: 'model' | 'sizes'; sizes: number[] }) =>
  cut.kind === 'model' ? cutLikeAModel(text) : cutBySizes(text, cut.sizes);
