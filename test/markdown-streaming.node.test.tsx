/**
 * A streamed reply ends rendered exactly as its whole text rendered at once (as it is after a
 * reload): generated documents stream in cuts through the incremental parser, and the finished
 * document and its element tree must equal those of one parse of the whole text. While they
 * stream, blocks once stable never change.
 */
import fc from 'fast-check';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { type MarkdownDocument, parseIncrementally } from '../src/markdown/incremental.ts';
import { MarkdownDocumentView } from '../src/markdown/markdown-text.tsx';
import type { MarkdownOptions } from '../src/markdown/options.ts';
import {
  cutBySizes,
  cutLikeAModel,
  frameCuts,
  framesOf,
  markdownDocument,
} from './support/markdown-documents.ts';

const options: MarkdownOptions = {
  linkOpensInNewTab: '(opens in a new tab)',
  taskDone: 'Done:',
  taskOpen: 'To do:',
  copyCode: 'Copy code',
  copied: 'Copied',
  copyFailed: 'Could not copy',
};

const markup = (document: MarkdownDocument) =>
  renderToStaticMarkup(<MarkdownDocumentView document={document} options={options} />);

/**
 * Streams `frames` through the parser as a reply would arrive, checking at each step that the
 * stable segments of the step before are still there, the same objects; then finishes it.
 */
function streamed(frames: readonly string[]): MarkdownDocument {
  let document: MarkdownDocument | null = null;
  let text = '';
  for (const frame of frames) {
    text += frame;
    const next = parseIncrementally(document, text, true);
    const kept = document?.stable ?? [];
    expect(next.stable.slice(0, kept.length)).toHaveLength(kept.length);
    kept.forEach((segment, n) => {
      if (next.stable[n] !== segment) {
        throw new Error(`stable segment ${segment.key} changed while streaming at ${text.length}`);
      }
    });
    // Steps render (a sample of them: rendering is most of the cost): a half-arrived construct
    // never breaks the view.
    if (frames.length < 100 || text.length % 37 === 0) markup(next);
    document = next;
  }
  return parseIncrementally(document, text, false);
}

/** The streamed document and its markup equal those of the whole text parsed at once. */
function expectSameAsWhole(frames: readonly string[]) {
  const text = frames.join('');
  const whole = parseIncrementally(null, text, false);
  const finished = streamed(frames);
  expect(finished).toEqual(whole);
  expect(markup(finished)).toBe(markup(whole));
}

// Thousands of parses per run; on a loaded 2-core CI box that takes a while.
describe('a streamed reply, once finished, renders as its whole text', { timeout: 60_000 }, () => {
  it('cut at random sizes and as a model cuts it', () => {
    fc.assert(
      fc.property(markdownDocument(), frameCuts, (text, cut) => {
        const frames = framesOf(text, cut);
        expect(frames.join('')).toBe(text);
        expectSameAsWhole(frames);
      }),
      { numRuns: 200 },
    );
  });

  it('one character at a time', () => {
    fc.assert(
      fc.property(markdownDocument(5), (text) => expectSameAsWhole([...text])),
      { numRuns: 30 },
    );
  });
});

/** The cases the issue names, and those the property test found, kept as fixed cases. */
describe('fixed cases', () => {
  const frameSizes = [[1], [3, 7, 2], [40]];

  const cases: Record<string, string> = {
    'a shortcut reference defined after its use': [
      'See [x] for more.',
      'Other words.',
      '[x]: https://example.com/x',
    ].join('\n\n'),
    'a collapsed reference and a title on the next line': [
      'Read [y][] first.',
      '[y]: https://example.com/y\n  "The title"',
    ].join('\n\n'),
    'sixty items numbered 1. throughout': Array.from({ length: 60 }, (_, n) => `1. item ${n}`).join(
      '\n',
    ),
    'a tight list that turns loose near its end': `${Array.from({ length: 40 }, (_, n) => `- item ${n}`).join('\n')}\n\n- last`,
    'a long paragraph followed by a table': `${Array.from({ length: 40 }, (_, n) => `Line ${n} of a paragraph that goes on.`).join('\n')}\nName | Age\n--- | ---\nAda | 36`,
    'a setext underline after a long paragraph': `${Array.from({ length: 40 }, (_, n) => `Line ${n} of a heading.`).join('\n')}\n===`,
    // Found by the property test on the parser before finished replies were lexed whole.
    'a table whose header line arrives alone': 'Line alpha\n\nName | Age\n--- | ---',
    'long code cut into parts, then a rule': `\`\`\`ts\n${Array.from({ length: 60 }, (_, n) => `line(${n}); // **x**`).join('\n')}\n\`\`\`\n\n---`,
    'a long fence holding a shorter one': `\`\`\`\`md\n${'text\n'.repeat(300)}\`\`\`js\ninner()\n\`\`\`\n\`\`\`\`\n\nafter`,
  };

  for (const [name, text] of Object.entries(cases)) {
    it(`${name}: ends as the whole text renders`, () => {
      for (const sizes of frameSizes) expectSameAsWhole(cutBySizes(text, sizes));
      expectSameAsWhole(cutLikeAModel(text));
    });
  }

  it('a shortcut reference defined later is a link, and sixty 1. items are one list', () => {
    const reference = streamed(
      cutLikeAModel(cases['a shortcut reference defined after its use'] ?? ''),
    );
    expect(markup(reference)).toContain('href="https://example.com/x"');
    const numbered = markup(
      streamed(cutBySizes(cases['sixty items numbered 1. throughout'] ?? '', [5])),
    );
    expect(numbered.match(/<ol/g)).toHaveLength(1);
    expect(numbered.match(/<li/g)).toHaveLength(60);
  });
});
