import { expect, it } from 'vitest';
import { withoutDirectionControls } from './bidi.ts';

it('drops overrides, embeddings and isolates, and keeps right-to-left text itself', () => {
  expect(withoutDirectionControls('https://bank.example/\u202Egnp.exe')).toBe(
    'https://bank.example/gnp.exe',
  );
  expect(withoutDirectionControls('\u2067evil\u2069 \u202Atext\u202C')).toBe('evil text');
  expect(withoutDirectionControls('שלום hello مرحبا \u200F')).toBe('שלום hello مرحبا \u200F');
});

it('keeps prefixes prefixes, so a streamed reply is cleaned the same as a finished one', () => {
  const text = 'a\u202Eb\u2066c\u2069d';
  for (let end = 0; end <= text.length; end++) {
    expect(
      withoutDirectionControls(text).startsWith(withoutDirectionControls(text.slice(0, end))),
    ).toBe(true);
  }
});
