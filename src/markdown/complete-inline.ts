/**
 * Closes inline markup left open at the end of a reply that is still streaming, for display
 * only: `**bold te` shows as bold at once instead of as raw asterisks that turn bold a few
 * frames later. The stored text is never changed; when the reply ends, it is shown as written.
 */

/** A line that starts a block of its own: inline markup never runs across its start. */
const BLOCK_START = /^ {0,3}(?:[-+*] +|\d{1,9}[.)] +|#{1,6} +|> ?|\|)/;
/** A fence line of a fenced code block. */
const FENCE = /^ {0,3}(?:`{3,}|~{3,})/;
/**
 * A link or image whose destination is still arriving: `[text](https://exa`. No bracket may
 * sit inside the text, which keeps the search linear on text full of `[`.
 */
const OPEN_DESTINATION = /(!?)\[([^[\]]*)\]\([^)\s]*$/;

const isSpace = (char: string | undefined) => char === undefined || /\s/.test(char);
const isWordChar = (char: string | undefined) => char !== undefined && /[\p{L}\p{N}]/u.test(char);

/** The text inline markup at the end can belong to: the last paragraph, list item or cell. */
function lastInlineRun(source: string): string | null {
  const lines = source.split('\n');
  let inFence = false;
  for (const line of lines) if (FENCE.test(line)) inFence = !inFence;
  if (inFence) return null;
  let start = lines.length - 1;
  while (start > 0 && lines[start - 1]?.trim() !== '' && !BLOCK_START.test(lines[start] ?? '')) {
    start--;
  }
  const first = lines[start] ?? '';
  // Indented code shows its markers as written.
  if (/^(?: {4}|\t)/.test(first)) return null;
  return [first.replace(BLOCK_START, ''), ...lines.slice(start + 1)].join('\n');
}

/** Emphasis runs: `*`, `**`, `***`, the same with `_`, and `~~` (a lone `~` means "about"). */
const isDelimiter = (char: string, run: number) =>
  ((char === '*' || char === '_') && run <= 3) || (char === '~' && run === 2);

/** The delimiter runs left open in `text`, innermost last. */
function openDelimiters(text: string): string[] {
  const open: string[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index] as string;
    if (char === '\\') {
      index += 2;
      continue;
    }
    let run = 1;
    while (text[index + run] === char) run++;
    const inCode = open.at(-1)?.startsWith('`') ?? false;
    if (char === '`') {
      const marker = '`'.repeat(run);
      if (open.at(-1) === marker) open.pop();
      else if (!inCode) open.push(marker);
    } else if (!inCode && isDelimiter(char, run)) {
      const marker = char.repeat(run);
      const before = text[index - 1];
      const after = text[index + run];
      const canClose = !isSpace(before);
      // Opening only at the start of a word: `2*3` or `snake_case` mid-stream are not
      // emphasis yet, and guessing they are would flash formatting that then goes away.
      const canOpen = !isSpace(after) && !isWordChar(before);
      const opened = open.lastIndexOf(marker);
      if (canClose && opened !== -1) open.splice(opened);
      else if (canOpen) open.push(marker);
    }
    index += run;
  }
  return open;
}

/** `source` with the inline markup still open at its end closed, for display while streaming. */
export function closeOpenInline(source: string): string {
  // A marker that ends the text opens nothing yet: hide it rather than show it for a frame.
  const trailing = /(?:^|\s)([*_~`]+)$/.exec(source);
  const shown = trailing ? source.slice(0, source.length - (trailing[1]?.length ?? 0)) : source;
  const run = lastInlineRun(shown);
  if (run === null) return source;
  // Closers go before trailing spaces: `**token **` would not close the bold.
  const body = shown.trimEnd();
  const spaces = shown.slice(body.length);
  const inRun = run.slice(0, run.length - (shown.length - body.length));
  const open = OPEN_DESTINATION.exec(inRun);
  if (!open) return body + closersFor(inRun) + spaces;
  // A link or image whose URL is still arriving shows as its text alone (an image as
  // nothing): a half URL is never clickable, and never fetched.
  const [, bang, text = ''] = open;
  const kept = bang ? '' : text;
  const before = body.slice(0, body.length - (inRun.length - open.index));
  return before + kept + closersFor(inRun.slice(0, open.index) + kept) + spaces;
}

const closersFor = (text: string) => openDelimiters(text).reverse().join('');
