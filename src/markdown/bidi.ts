/**
 * Unicode's explicit direction controls: embeddings and overrides (U+202A–U+202E) and
 * isolates (U+2066–U+2069). In a model's reply they have no honest use (mixed left-to-right
 * and right-to-left text lays itself out by the bidi algorithm) and one dishonest one: making
 * text read as something it is not, e.g. link text that shows one address and leads to
 * another. chatwire drops them from every message and banner it shows.
 */
const DIRECTION_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

/** `text` without explicit direction controls. Prefix-stable, so streaming stays incremental. */
export function withoutDirectionControls(text: string): string {
  return text.replace(DIRECTION_CONTROLS, '');
}
