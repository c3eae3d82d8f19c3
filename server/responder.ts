/**
 * Where the reference server's replies come from. The real backend forwards chats to an AI
 * service; the reference server plugs in a {@link Responder} instead, so tests can script replies.
 */
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';

/** What a responder is asked to answer. */
export interface ResponderRequest {
  /** The user's message, exactly as sent in the `chat` frame. */
  content: string;
  /** The server's id for the connection the chat arrived on. */
  connectionId: number;
  /** The user, as the verified token's `sub` claim names them; undefined when it has none. */
  subject: string | undefined;
  /** Aborted when the reply is no longer wanted (the socket closed or the server stopped). */
  signal: AbortSignal;
}

/**
 * Produces one reply as a stream of tokens; each yielded string becomes one `stream-token`
 * frame and the reply is their concatenation. Throwing ends the reply with an `error` frame.
 */
export type Responder = (request: ResponderRequest) => AsyncIterable<string>;

/** Options for {@link createDemoResponder}. */
export interface DemoResponderOptions {
  /** Pause between tokens, to look like a model typing. 0 still yields to the event loop. */
  tokenDelayMs?: number;
}

/** Longest slice of the question echoed back, in characters (code points). */
const MAX_ECHO_CHARS = 80;

/**
 * A short TypeScript block the demo reply carries when the question asks about code, so the
 * demo and the end-to-end tests have a code block to copy and colour.
 */
const DEMO_CODE_BLOCK = [
  '```ts',
  "const widget = document.querySelector('[data-chatwire]');",
  "console.log(widget?.getAttribute('data-theme') ?? 'light');",
  '```',
].join('\n');

/** Whether the question asks about code: it has the word "code", in any case. */
const asksForCode = (content: string) => /\bcode\b/i.test(content);

/**
 * The full reply the demo responder gives to `content`. Deterministic, for tests to compare
 * against; a question with the word "code" in it also gets a short fenced TypeScript block.
 */
export function demoReplyText(content: string): string {
  const code = asksForCode(content) ? `${DEMO_CODE_BLOCK}\n\n` : '';
  return (
    `You asked: "${echoOf(content)}". Here is a **demo** answer from the chatwire reference server:\n\n` +
    `- point one\n- point two\n\n${code}Ask me anything else.`
  );
}

/** The question on one line, cut to {@link MAX_ECHO_CHARS} so a long paste doesn't swamp the demo reply. */
function echoOf(content: string): string {
  const oneLine = content.replace(/\s+/g, ' ').trim();
  // Array.from splits by code point, so an emoji is never cut in half.
  const chars = Array.from(oneLine);
  return chars.length <= MAX_ECHO_CHARS
    ? oneLine
    : `${chars.slice(0, MAX_ECHO_CHARS - 1).join('')}…`;
}

/**
 * Splits text into word tokens, each carrying the whitespace after it ('Hello ', 'world\n\n'),
 * so joining the tokens gives back the text exactly.
 */
export function splitIntoTokens(text: string): string[] {
  const leading = /^\s*/.exec(text)?.[0] ?? '';
  const words = text.match(/\S+\s*/g) ?? [];
  if (leading === '') return words;
  const [first, ...rest] = words;
  return first === undefined ? [leading] : [leading + first, ...rest];
}

/** Waits `ms` (or one event-loop turn for 0). Resolves false instead of rejecting when aborted. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await (ms > 0 ? sleep(ms, undefined, { signal }) : nextTurn(undefined, { signal }));
    return true;
  } catch {
    return false;
  }
}

/**
 * A canned responder: echoes the question and streams a short markdown answer word by word,
 * `tokenDelayMs` apart. Stops as soon as the request's signal aborts.
 */
export function createDemoResponder({ tokenDelayMs = 40 }: DemoResponderOptions = {}): Responder {
  return async function* demoResponder({ content, signal }) {
    const tokens = splitIntoTokens(demoReplyText(content));
    for (const [index, token] of tokens.entries()) {
      if (index > 0 && !(await pause(tokenDelayMs, signal))) return;
      if (signal.aborted) return;
      yield token;
    }
  };
}
