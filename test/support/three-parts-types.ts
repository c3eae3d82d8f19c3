/**
 * Shapes passed between the three-part browser tests (widget → reference server → FastAPI) and
 * the commands in `three-parts-commands.ts` that run the server and the backend as processes.
 */

/** How the FastAPI backend streams its answer to the reference server. */
export type StreamFormat = 'ndjson' | 'sse';

/** What the test machine has to run the FastAPI part with. */
export interface BackendAvailability {
  /** The Python that imports fastapi and uvicorn, or null when there is none. */
  python: string | null;
  /** Whether that Python also imports httpx, which the OpenAI-compatible generator needs. */
  httpx: boolean;
  /** True where a missing backend must fail the tests instead of skipping them (CI). */
  required: boolean;
  /** What to say when something is missing: how to install it. */
  missingFastApi: string;
  missingHttpx: string;
}

/** Where the FastAPI part's tokens come from. */
export type BackendApp =
  /** `examples/fastapi/app.py` itself, configured from its environment like a user runs it. */
  | 'example'
  /** `test/support/fastapi_test_app.py`: the example with a generator that acts out faults. */
  | 'scripted';

/** An OpenAI-compatible API for the example's `openai_generator` to call. */
export interface OpenAiSettings {
  baseUrl: string;
  model: string;
  apiKey?: string;
}

/** How to set up the two server-side parts for one test. */
export interface ThreePartsOptions {
  backend: BackendApp;
  /** Default `ndjson`. */
  streamFormat?: StreamFormat;
  /** The reference server's CHATWIRE_UPSTREAM_TIMEOUT_MS. Default 10,000. */
  upstreamTimeoutMs?: number;
  /** The `sub` of the token the widget connects with. Default `three-parts-test`. */
  subject?: string;
  /** The example's CHATWIRE_ECHO_DELAY_MS (the example backend only). */
  echoDelayMs?: number;
  /** Makes the example answer through this API instead of echoing (the example backend only). */
  openAi?: OpenAiSettings;
  /** FastAPI's CHATWIRE_KEEPALIVE_SECONDS: silence before a keep-alive. Default: the app's (15). */
  keepAliveSeconds?: number;
  /** FastAPI's CHATWIRE_MAX_SILENCE_SECONDS: silence before it fails a reply. Default: 120. */
  maxSilenceSeconds?: number;
}

/** The running parts, as a browser test sees them. */
export interface ThreePartsHandle {
  id: string;
  /** The reference server's WebSocket URL, for the widget's `url`. */
  url: string;
  /** A token for the server, with the `sub` asked for, good for an hour. */
  token: string;
  /** The FastAPI app's base URL, e.g. `http://127.0.0.1:41234`. */
  backendUrl: string;
}

/** One chat as the scripted FastAPI app received it (its `GET /_test/requests`). */
export interface ReceivedChat {
  message: string;
  subject: string | null;
}

/** A request a test sends straight to the FastAPI app, bypassing the reference server. */
export interface DirectChatRequest {
  /** The JSON body, sent as it is. */
  body: unknown;
  /** The Authorization header: the shared secret the reference server is given, none, or this. */
  authorization: 'shared' | 'none' | { header: string };
  /**
   * How the body is sent: with a `Content-Length` (the default), chunked (no length given, as
   * a stream is), or chunked and never finished: the request stays open after the body's last
   * byte, so an answer can only come from an app that does not wait for the end.
   */
  transfer?: 'content-length' | 'chunked' | 'unfinished';
}

/** The FastAPI app's answer to a {@link DirectChatRequest}, read to the end. */
export interface DirectChatResponse {
  /** The HTTP status, or 0 when no answer came. */
  status: number;
  contentType: string;
  /** The body as far as it came. */
  text: string;
  /** Why the answer is not whole (the connection was cut mid-body, or none came), or null. */
  cutOff: string | null;
}

/** What a fake OpenAI-compatible API streams back for every completion. */
export interface FakeOpenAiOptions {
  /** The `delta.content` of each chunk, in order. */
  tokens: string[];
  /** Pause between chunks, in ms. */
  delayMs: number;
}

/**
 * How the fake answers one completion, chosen by the user's message: `fake: <behaviour>`
 * (anything else gets `complete`).
 * - `complete`: `tokens` as server-sent events (one chunk's JSON split over two `data:` lines,
 *   and a comment line among them, as the SSE format allows), then `data: [DONE]`;
 * - `pause`: two tokens, then {@link FAKE_OPENAI_PAUSE_MS} of silence, then the rest, as a
 *   model that stops to think does;
 * - `redirect`: a 307 to another path;
 * - `not-event-stream`: a 200 with a whole JSON completion instead of a stream;
 * - `no-done`: the tokens, then the end of the body without `data: [DONE]`;
 * - `error-event`: two tokens, an `event: error` whose data has no `error` key, then `[DONE]`.
 */
export type FakeOpenAiBehaviour =
  | 'complete'
  | 'pause'
  | 'redirect'
  | 'not-event-stream'
  | 'no-done'
  | 'error-event';

/** How long the fake's `pause` behaviour is silent, in ms. */
export const FAKE_OPENAI_PAUSE_MS = 3_000;

/** A fake OpenAI-compatible API running in the vitest process. */
export interface FakeOpenAiHandle {
  id: string;
  /** Its base URL, ending in `/v1`. */
  baseUrl: string;
}

/** One `chat/completions` call the fake API received, and what became of its answer. */
export interface FakeOpenAiRequest {
  authorization: string | null;
  body: unknown;
  behaviour: FakeOpenAiBehaviour;
  /** Chunks of the stream written so far, of how many there are to write. */
  chunksWritten: number;
  chunksPlanned: number;
  /** When (`Date.now()`) the caller's socket closed, or null while it is open. */
  socketClosedAt: number | null;
  /** When (`Date.now()`) the last chunk was written, or null if it never was. */
  finishedAt: number | null;
}
