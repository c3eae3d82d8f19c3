import { describe, expect, it } from 'vitest';
import { closeOpenInline } from './complete-inline.ts';

describe('closeOpenInline', () => {
  it.each([
    ['plain text', 'plain text'],
    ['Some **bold te', 'Some **bold te**'],
    ['streams **token ', 'streams **token** '],
    ['an *em\n', 'an *em*\n'],
    ['Some *emphasis', 'Some *emphasis*'],
    ['Some _emphasis', 'Some _emphasis_'],
    ['**bold and *both', '**bold and *both***'],
    ['Some ~~gone', 'Some ~~gone~~'],
    ['Run `npm te', 'Run `npm te`'],
    ['`a * b` and **c', '`a * b` and **c**'],
    ['**done** and more', '**done** and more'],
    ['snake_case_name', 'snake_case_name'],
    ['2 * 3 = 6', '2 * 3 = 6'],
    ['escaped \\*star', 'escaped \\*star'],
    ['See [the docs](https://exa', 'See the docs'],
    ['See [**the** docs](https://exa', 'See **the** docs'],
    ['Look: ![a cat](https://cdn.example.com/ca', 'Look: '],
    ['See [the *docs](https://exa', 'See the *docs*'],
    ['It takes ~2 minutes', 'It takes ~2 minutes'],
    ['2*3 is', '2*3 is'],
    ['see https://x.com/~u/p', 'see https://x.com/~u/p'],
    ['A list:\n- **item one', 'A list:\n- **item one**'],
    ['ends with an opener **', 'ends with an opener '],
    ['ends with `', 'ends with '],
  ])('%j shows as %j', (source, shown) => {
    expect(closeOpenInline(source)).toBe(shown);
  });

  it('leaves code alone: inside a fence, markers are text', () => {
    const source = 'Code:\n\n```py\nprint("**")\n';
    expect(closeOpenInline(source)).toBe(source);
  });

  it('leaves indented code alone', () => {
    const source = 'Code:\n\n    x = a * b';
    expect(closeOpenInline(source)).toBe(source);
  });

  it('closes markup of the last paragraph only, not of an earlier one', () => {
    expect(closeOpenInline('An *open one\n\nthen **this')).toBe('An *open one\n\nthen **this**');
  });
});
