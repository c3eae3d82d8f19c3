/**
 * Responders that forward each chat to a real AI backend and stream its answer back as
 * tokens, as the seed's flow draws it (client → WebSocket server → AI backend):
 * - {@link createHttpStreamResponder}: POSTs `{ message, user }` to any HTTP endpoint (a FastAPI
 *   backend, say) and streams its response body, as plain text chunks, NDJSON or server-sent
 *   events, chosen by the response's `Content-Type`;
 * - {@link createOpenAiResponder}: an OpenAI-compatible `chat/completions` endpoint with
 *   `stream: true` (OpenAI, or a local model server such as llama.cpp, vLLM or Ollama).
 *
 * An upstream that answers with an error status, sends something unreadable or goes quiet
 * for `idleTimeoutMs` makes the responder throw, which the server turns into an `error`
 * frame: the client is never left with a reply that streams forever.
 */
import { createHash } from 'node:crypto';
import type { Responder, ResponderRequest } from './responder.ts';

/** Default longest silence from an upstream before its reply is cut off. */
export const DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS = 30_000;

/** Options shared by the upstream responders. */
interface UpstreamOptions {
  /** Extra request headers, e.g. the backend's own API key. */
  headers?: Record<string, string>;
  /** A reply whose upstream sends nothing for this long is cut off. Default 30 s. */
  idleTimeoutMs?: number;
  /** The `fetch` to use; the global one by default. */
  fetch?: typeof fetch;
}

/** Options for {@link createHttpStreamResponder}. */
export interface HttpStreamResponderOptions extends UpstreamOptions {
  /** The endpoint that answers a chat. */
  url: string;
}

/**
 * Forwards each chat as `POST url` with `{ message, user }` (the user is the verified JWT's
 * subject) and streams the response back. The body may be plain text (each chunk is a token),
 * NDJSON (`{"token": "…"}`, `{"text": "…"}`, `{"content": "…"}` or a JSON string per line) or
 * server-sent events (the same, in each event's `data`; `[DONE]` ends it).
 */
export function createHttpStreamResponder(options: HttpStreamResponderOptions): Responder {
  return (request) =>
    streamFrom(options, request, () => ({
      url: options.url,
      body: { message: request.content, user: { subject: request.subject ?? null } },
      headers: { accept: 'text/event-stream, application/x-ndjson, text/plain' },
    }));
}

/** Options for {@link createOpenAiResponder}. */
export interface OpenAiResponderOptions extends UpstreamOptions {
  /** The API's base URL, e.g. `https://api.openai.com/v1` or `http://localhost:8080/v1`. */
  baseUrl: string;
  model: string;
  /** Sent as a bearer token; local model servers usually need none. */
  apiKey?: string;
  /** An optional system message put before the user's. */
  systemPrompt?: string;
}

/** Streams each chat through an OpenAI-compatible `chat/completions` endpoint. */
export function createOpenAiResponder(options: OpenAiResponderOptions): Responder {
  const messages = (content: string) => [
    ...(options.systemPrompt ? [{ role: 'system', content: options.systemPrompt }] : []),
    { role: 'user', content },
  ];
  return (request) =>
    streamFrom(options, request, () => ({
      url: `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`,
      body: {
        model: options.model,
        stream: true,
        messages: messages(request.content),
        // OpenAI asks for a stable user id to spot abuse; a hash, so no email address leaves.
        ...(request.subject ? { user: pseudonymOf(request.subject) } : {}),
      },
      headers: {
        accept: 'text/event-stream',
        ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
      },
    }));
}

/** A stable pseudonym for a user id: the first 32 hex digits of its SHA-256. */
function pseudonymOf(subject: string): string {
  return createHash('sha256').update(subject).digest('hex').slice(0, 32);
}

interface UpstreamCall {
  url: string;
  body: unknown;
  headers: Record<string, string>;
}

/** Makes the call and yields the tokens of the answer, whatever its format. */
async function* streamFrom(
  options: UpstreamOptions,
  request: ResponderRequest,
  describeCall: () => UpstreamCall,
): AsyncGenerator<string> {
  const call = describeCall();
  const idle = idleDeadline(
    options.idleTimeoutMs ?? DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS,
    request.signal,
  );
  try {
    const response = await (options.fetch ?? fetch)(call.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...call.headers, ...options.headers },
      body: JSON.stringify(call.body),
      signal: idle.signal,
    }).catch((error: unknown) => {
      // The fetch error can quote the URL; the log gets only what kind of failure it was.
      if (idle.signal.aborted) throw error;
      throw new Error(`the upstream could not be reached (${describe(error)})`);
    });
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      throw new Error(`the upstream answered ${response.status} ${response.statusText}`.trim());
    }
    const type = response.headers.get('content-type') ?? '';
    const chunks = textChunks(response.body, idle);
    if (type.includes('text/event-stream')) yield* fromServerSentEvents(chunks);
    else if (/ndjson|jsonl|json-seq/.test(type)) yield* fromJsonLines(chunks);
    else if (type.includes('json')) yield* fromJsonBody(chunks);
    else yield* chunks;
  } catch (error) {
    if (request.signal.aborted) return;
    throw idle.timedOut ? new Error('the upstream went quiet and was cut off') : error;
  } finally {
    idle.stop();
  }
}

/** An abort signal that fires when the request is aborted or `ms` pass without `touch()`. */
function idleDeadline(ms: number, outer: AbortSignal) {
  const controller = new AbortController();
  const onAbort = () => controller.abort(outer.reason);
  outer.addEventListener('abort', onAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const state = {
    signal: controller.signal,
    timedOut: false,
    touch() {
      clearTimeout(timer);
      timer = setTimeout(() => {
        state.timedOut = true;
        controller.abort(new Error('upstream idle timeout'));
      }, ms);
    },
    stop() {
      clearTimeout(timer);
      outer.removeEventListener('abort', onAbort);
    },
  };
  state.touch();
  return state;
}

/** The body as UTF-8 text, chunk by chunk, each one resetting the idle deadline. */
async function* textChunks(
  body: ReadableStream<Uint8Array>,
  idle: { touch(): void; signal: AbortSignal },
): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  const cancel = () => void reader.cancel().catch(() => undefined);
  idle.signal.addEventListener('abort', cancel, { once: true });
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (idle.signal.aborted) throw idle.signal.reason;
      if (done) break;
      idle.touch();
      const text = decoder.decode(value, { stream: true });
      if (text !== '') yield text;
    }
    finished = true;
    const rest = decoder.decode();
    if (rest !== '') yield rest;
  } finally {
    idle.signal.removeEventListener('abort', cancel);
    // Stopped early ([DONE], an error, a closed socket): let the upstream connection go.
    if (!finished) cancel();
    reader.releaseLock();
  }
}

/** Whole lines from text chunks (the last one even without a final line break). */
async function* lines(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let buffer = '';
  for await (const chunk of chunks) {
    buffer += chunk;
    // CRLF, LF or a lone CR ends a line; a CR at the very end may be half of a CRLF.
    const ending = /\r\n|\n|\r(?!$)/g;
    let start = 0;
    for (let match = ending.exec(buffer); match; match = ending.exec(buffer)) {
      yield buffer.slice(start, match.index);
      start = match.index + match[0].length;
    }
    buffer = buffer.slice(start);
  }
  if (buffer !== '') yield buffer.replace(/\r$/, '');
}

async function* fromJsonLines(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  for await (const line of lines(chunks)) {
    // JSON text sequences put a record separator before each item.
    const item = line.startsWith(RECORD_SEPARATOR) ? line.slice(1) : line;
    if (item.trim() === '') continue;
    const token = tokenOf(parseJson(item, 'an NDJSON line'));
    if (token !== '') yield token;
  }
}

const RECORD_SEPARATOR = String.fromCharCode(0x1e);

/** A plain JSON answer, all at once: its text is the one token. */
async function* fromJsonBody(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let body = '';
  for await (const chunk of chunks) body += chunk;
  const token = tokenOf(parseJson(body, 'a body'));
  if (token !== '') yield token;
}

async function* fromServerSentEvents(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let data: string[] = [];
  let event = 'message';
  for await (const line of lines(chunks)) {
    if (line.startsWith('data:')) {
      data.push(line.slice(5).replace(/^ /, ''));
      continue;
    }
    if (line.startsWith('event:')) {
      event = line.slice(6).trim();
      continue;
    }
    if (line !== '') continue;
    // A blank line ends the event. An error event fails the reply even with no data; any other
    // event with no data is nothing, and the next one starts afresh (as the SSE spec has it).
    if (event === 'error') throw new Error('the upstream reported an error mid-stream');
    const payload = data.join('\n');
    const empty = data.length === 0;
    data = [];
    event = 'message';
    if (empty) continue;
    if (payload === '[DONE]') return;
    const token = tokenOfEventData(payload);
    if (token !== '') yield token;
  }
  // The SSE spec drops an event the stream cut off before its blank line; an error event so
  // cut still means the reply failed, and must not end as a complete one.
  if (event === 'error') throw new Error('the upstream reported an error mid-stream');
}

/** An event's data: JSON when it parses as JSON, the text as it is otherwise. */
function tokenOfEventData(payload: string): string {
  if (!payload.startsWith('{') && !payload.startsWith('"')) return payload;
  try {
    return tokenOf(JSON.parse(payload));
  } catch (error) {
    if (error instanceof SyntaxError) return payload;
    throw error;
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? cause.code : error.name;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`the upstream sent ${what} that is not JSON`);
  }
}

/**
 * The text in one streamed item: a JSON string, `{ token | text | content | delta }`, or an
 * OpenAI chunk (`choices[0].delta.content`). An item with no text (a role announcement, a
 * finish reason) gives ''.
 */
function tokenOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return '';
  const record = value as Record<string, unknown>;
  for (const field of ['token', 'text', 'content', 'delta']) {
    if (typeof record[field] === 'string') return record[field];
  }
  const choices = record.choices;
  if (Array.isArray(choices)) {
    const delta = (choices[0] as { delta?: { content?: unknown } } | undefined)?.delta;
    return typeof delta?.content === 'string' ? delta.content : '';
  }
  if (typeof record.error === 'object' || typeof record.error === 'string') {
    throw new Error('the upstream reported an error mid-stream');
  }
  return '';
}
