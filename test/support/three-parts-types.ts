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
}

/** The FastAPI app's answer to a {@link DirectChatRequest}, read to the end. */
export interface DirectChatResponse {
  status: number;
  contentType: string;
  text: string;
}

/** What a fake OpenAI-compatible API streams back for every completion. */
export interface FakeOpenAiOptions {
  /** The `delta.content` of each chunk, in order. */
  tokens: string[];
  /** Pause between chunks, in ms. */
  delayMs: number;
}

/** A fake OpenAI-compatible API running in the vitest process. */
export interface FakeOpenAiHandle {
  id: string;
  /** Its base URL, ending in `/v1`. */
  baseUrl: string;
}

/** One `chat/completions` call the fake API received. */
export interface FakeOpenAiRequest {
  authorization: string | null;
  body: unknown;
}
