import { describe, expect, it } from 'vitest';
import { safeImageUrl, safeLinkUrl } from './safe-url.ts';

describe('safeLinkUrl', () => {
  it.each([
    ['https://example.com/a?b=1', 'https://example.com/a?b=1'],
    ['http://example.com', 'http://example.com/'],
    ['HTTPS://EXAMPLE.com/x', 'https://example.com/x'],
    ['mailto:help@example.com', 'mailto:help@example.com'],
    ['  https://example.com/padded  ', 'https://example.com/padded'],
    ['https://example.com/?a=1&amp;b=2', 'https://example.com/?a=1&b=2'],
  ])('allows %j as %j', (raw, href) => {
    expect(safeLinkUrl(raw)).toBe(href);
  });

  it.each([
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    'java\tscript:alert(1)',
    'java\nscript:alert(1)',
    ' javascript:alert(1)',
    '&#106;avascript:alert(1)',
    '&#x6A;avascript:alert(1)',
    'javascript&colon;alert(1)',
    'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    '/relative/path',
    '//evil.example/protocol-relative',
    '#fragment',
    '',
    'not a url',
  ])('refuses %j', (raw) => {
    expect(safeLinkUrl(raw)).toBeNull();
  });
});

describe('safeImageUrl', () => {
  const onlyCdn = (url: URL) => url.hostname === 'cdn.example.com';

  it('loads no image without a policy', () => {
    expect(safeImageUrl('https://cdn.example.com/a.png', undefined)).toBeNull();
  });

  it('loads images from the hosts the policy allows, and only over http(s)', () => {
    expect(safeImageUrl('https://cdn.example.com/a.png', onlyCdn)).toBe(
      'https://cdn.example.com/a.png',
    );
    expect(safeImageUrl('https://evil.example/?q=secret', onlyCdn)).toBeNull();
    expect(safeImageUrl('data:image/png;base64,AAAA', () => true)).toBeNull();
    expect(safeImageUrl('mailto:a@b.c', () => true)).toBeNull();
  });

  it('treats a policy that throws as a refusal', () => {
    expect(
      safeImageUrl('https://cdn.example.com/a.png', () => {
        throw new Error('policy bug');
      }),
    ).toBeNull();
  });
});
