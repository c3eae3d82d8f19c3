/**
 * chatwire's build ships marked's lexer without the rest of marked (scripts/marked-lexer-only.ts).
 * The cut module must lex exactly as marked does, and a marked whose bundle no longer has the
 * expected layout must stop the build with a message, not ship something else.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Lexer } from 'marked';
import { expect, it } from 'vitest';
import { keepLexerOnly } from '../scripts/marked-lexer-only.ts';

const markedSource = readFileSync(
  new URL('../node_modules/marked/lib/marked.esm.js', import.meta.url),
  'utf8',
);

const SAMPLE = [
  'Title\n=====\n',
  '| a | b |\n|---|:-:|\n| 1 | 2 |\n',
  '1. one\n1. two\n\n   loose\n',
  '> quote with `code` and [a link][x]\n\n[x]: https://example.com "Title"\n',
  '````md\n```js\nnested\n```\n````\n',
  '*em* **strong** ~~del~~ <https://auto.link> www.bare.example &amp; &copy;\n',
  '- [ ] task\n- [x] done\n\nhard  \nbreak <b>html</b>\n',
].join('\n');

it('keeps a lexer that lexes exactly as the whole of marked does, and nothing else', async () => {
  const cut = keepLexerOnly(markedSource);
  // What made all of marked stay in a bundle, its default instance, is gone.
  expect(cut).not.toMatch(/\.Parser\s*=/);
  const file = join(tmpdir(), `chatwire-marked-lexer-${process.pid}.mjs`);
  writeFileSync(file, cut);
  const lexerOnly = await import(pathToFileURL(file).href).finally(() => rmSync(file));
  expect(Object.keys(lexerOnly).sort()).toEqual(['Lexer', 'getDefaults']);
  expect(lexerOnly.Lexer.lex(SAMPLE)).toEqual(Lexer.lex(SAMPLE));
});

it('stops with a message naming itself when marked changes its bundle layout', () => {
  const markedClass = /([\w$]+) as Marked\b/.exec(markedSource)?.[1] ?? '';
  const withoutDefaultInstance = markedSource.replaceAll(`new ${markedClass};`, 'null;');
  expect(() => keepLexerOnly(withoutDefaultInstance)).toThrow(/marked-lexer-only\.ts/);
  expect(() => keepLexerOnly('export{a as b};')).toThrow(/no export list naming Marked/);
});
