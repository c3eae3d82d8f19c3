import { describe, expect, it } from 'vitest';
import { decodeEntities } from './entities.ts';

describe('decodeEntities', () => {
  it.each([
    ['no references', 'no references'],
    ['a &amp; b', 'a & b'],
    ['&lt;script&gt;', '<script>'],
    ['&copy; 2026 &mdash; &hellip;', '© 2026 — …'],
    ['&#65;&#x42;&#X43;', 'ABC'],
    ['&#0; &#xD800; &#1114112;', '\ufffd \ufffd \ufffd'],
    ['&unknown; &amp', '&unknown; &amp'],
    ['&constructor; &__proto__;', '&constructor; &__proto__;'],
  ])('%j reads %j', (text, decoded) => {
    expect(decodeEntities(text)).toBe(decoded);
  });
});
