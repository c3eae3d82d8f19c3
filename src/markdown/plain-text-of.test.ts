import { describe, expect, it } from 'vitest';
import { plainTextOf } from './plain-text-of.ts';

describe('plainTextOf', () => {
  it.each([
    ['chatwire streams **token by token**.', 'chatwire streams token by token.'],
    ['## Steps\n\n1. **Install**\n2. Import', 'Steps\nInstall\nImport'],
    ['See [the docs](https://example.com) &amp; more', 'See the docs & more'],
    ['```js\nconst a = 1;\n```', 'const a = 1;'],
    ['| a | b |\n|---|---|\n| 1 | 2 |', 'a b\n1 2'],
    ['<b>raw</b> html', '<b>raw</b> html'],
    ['> quoted *words*', 'quoted words'],
  ])('%j reads %j', (markdown, text) => {
    expect(plainTextOf(markdown)).toBe(text);
  });
});
