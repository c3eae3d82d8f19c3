/**
 * chatwire's three parts end to end, as a user deploys them: <ChatWidget> in real Chromium →
 * the reference server (`server/cli.ts`, its own process) → the FastAPI example under uvicorn.
 * Streaming in both formats, the user's id arriving at FastAPI, and the backend failing in the
 * ways real ones do (an error mid-answer, a crash, a hang): the widget must always end the
 * reply, with what it had, and say why. What FastAPI itself sends (its error items, `[DONE]`,
 * keep-alives, its 401 and 413) is also checked at the source, by POSTing to it directly; and
 * its OpenAI generator runs against a fake model API that misbehaves on request and records
 * when its connection closes.
 *
 * Where no Python with FastAPI and uvicorn is found these tests skip, saying how to install it,
 * except where backends are required (CI), where that fails instead.
 */
import { describe, expect, it } from 'vitest';
import { page } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { ChatWidget } from '../src/index.ts';
import {
  type FakeOpenAi,
  fastApiAvailability,
  startFakeOpenAi,
  startThreeParts,
  type ThreeParts,
} from './support/three-parts.ts';
import type {
  DirectChatResponse,
  FakeOpenAiRequest,
  ThreePartsOptions,
} from './support/three-parts-types.ts';
import { send } from './support/widget.ts';

type Screen = Awaited<ReturnType<typeof render>>;

const backend = await fastApiAvailability();

/** The note the widget shows on a reply the server could not finish. */
const SERVER_ERROR_NOTE = 'The server could not finish this reply.';

/** Twelve words, echoed back by the example one at a time. */
const QUESTION = 'Does chatwire stream this reply from FastAPI one word at a time?';

/** The error item FastAPI ends a failed reply with, in each stream format. */
const ERROR_ITEM = {
  ndjson: '{"error": "the reply could not be completed"}\n',
  sse: 'event: error\ndata: {"error": "the reply could not be completed"}\n\n',
} as const;

/** What uvicorn logs when the app raised out of the response: never wanted here. */
const ASGI_EXCEPTION = 'Exception in ASGI application';

/** A chat body as the reference server sends it. */
const chat = (message: string, subject: string | null = 'alice') => ({
  message,
  user: { subject },
});

/**
 * What a whole answer of `tokens` looks like on the wire, in each stream format, as Python's
 * `json.dumps` writes it (a space after the colon).
 */
function wire(streamFormat: 'ndjson' | 'sse', tokens: string[]): string {
  const items = tokens.map((token) => `{"token": ${JSON.stringify(token)}}`);
  if (streamFormat === 'ndjson') return items.map((item) => `${item}\n`).join('');
  return items.map((item) => `data: ${item}\n\n`).join('');
}

async function setUp(options: ThreePartsOptions): Promise<{ parts: ThreeParts; screen: Screen }> {
  const parts = await startThreeParts(options);
  const screen = await render(<ChatWidget token={parts.token} url={parts.url} />);
  // As `connected()` does, with room for a loaded machine rather than the default 1 s.
  await expect
    .element(screen.getByRole('status').filter({ hasText: /^Connected$/ }), { timeout: 10_000 })
    .toBeVisible();
  return { parts, screen };
}

/** The first reply in the transcript, found again on every retry of an assertion. */
const replyLocator = (screen: Screen) =>
  page
    .elementLocator(screen.container)
    .getByRole('log')
    .getByRole('listitem')
    .filter({ hasText: 'Assistant:' })
    .first();

/** The first reply's status and its text as shown (not its labels or notes), or undefined. */
function firstReply(screen: Screen) {
  const item = screen.container.querySelector<HTMLElement>('[role="log"] [data-role="assistant"]');
  if (!item) return undefined;
  const text = item.querySelector('[data-slot="markdown"]')?.textContent ?? '';
  return { status: item.dataset.status, text: text.trim() };
}

/**
 * Records when (`Date.now()`) the first reply first showed each status, from the DOM itself:
 * to time what happened to it without the lag of polling.
 */
function watchReplyStatus(screen: Screen) {
  const since = new Map<string, number>();
  const record = () => {
    const status = firstReply(screen)?.status;
    if (status && !since.has(status)) since.set(status, Date.now());
  };
  const observer = new MutationObserver(record);
  observer.observe(screen.container, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ['data-status'],
  });
  return {
    since: (status: string) => since.get(status),
    stop: () => observer.disconnect(),
  };
}

/**
 * Records each text the first reply shows as it grows, from the DOM itself: a reply that came
 * all at once shows one step, one streamed token by token shows many.
 */
function watchReplyText(screen: Screen) {
  const steps: string[] = [];
  const record = () => {
    const text = firstReply(screen)?.text;
    if (text && text !== steps.at(-1)) steps.push(text);
  };
  const observer = new MutationObserver(record);
  observer.observe(screen.container, { subtree: true, childList: true, characterData: true });
  return {
    steps,
    stop: () => {
      record();
      observer.disconnect();
    },
  };
}

/** Waits for the first reply to end with the server's error, keeping `text`. */
async function expectServerError(screen: Screen, text: string, timeout: number) {
  await expect
    .poll(() => firstReply(screen), { timeout, interval: 20 })
    .toEqual({ status: 'interrupted', text });
  const reply = replyLocator(screen);
  await expect.element(reply.getByText(SERVER_ERROR_NOTE), { timeout: 5_000 }).toBeVisible();
  await expect
    .element(reply.getByRole('button', { name: 'Ask again' }), { timeout: 5_000 })
    .toBeVisible();
}

if (!backend.python) {
  console.warn(backend.missingFastApi);
  if (backend.required) {
    describe('the three parts', () => {
      it('have a Python with FastAPI and uvicorn to run the backend', () => {
        throw new Error(`Backends are required here, so this fails. ${backend.missingFastApi}`);
      });
    });
  }
}

const title = backend.python
  ? 'widget → reference server → FastAPI'
  : `widget → reference server → FastAPI (skipped: ${backend.missingFastApi})`;

describe.skipIf(!backend.python)(title, { timeout: 40_000 }, () => {
  it.each(['ndjson', 'sse'] as const)(
    'streams a reply from FastAPI token by token, the text growing in steps (%s)',
    async (streamFormat) => {
      const { screen } = await setUp({ backend: 'example', streamFormat, echoDelayMs: 60 });
      const watch = watchReplyText(screen);
      await send(screen, QUESTION);
      await expect
        .poll(() => firstReply(screen), { timeout: 10_000 })
        .toEqual({ status: 'complete', text: QUESTION });
      watch.stop();
      console.log(`${streamFormat}: the reply showed ${watch.steps.length} steps`);
      // Twelve words 60 ms apart: a reply that arrived in one piece would show one step.
      expect(watch.steps.length).toBeGreaterThanOrEqual(5);
      for (const step of watch.steps) expect(QUESTION.startsWith(step)).toBe(true);
      expect(watch.steps.at(-1)).toBe(QUESTION);
    },
  );

  it('sends the JWT’s sub to FastAPI as the user, who can be answered by name', async () => {
    // No @ in it: the markdown would make an email address a link, with a label of its own.
    const subject = `fastapi-e2e-${crypto.randomUUID()}`;
    const { parts, screen } = await setUp({ backend: 'scripted', subject });
    await send(screen, 'who am i');
    await expect
      .poll(() => firstReply(screen), { timeout: 10_000 })
      .toEqual({ status: 'complete', text: `You are ${subject}.` });
    expect(await parts.received()).toEqual([{ message: 'who am i', subject }]);
  });

  it.each(['ndjson', 'sse'] as const)(
    'keeps the words before a FastAPI error mid-stream and shows the reply interrupted (%s)',
    async (streamFormat) => {
      const { parts, screen } = await setUp({ backend: 'scripted', streamFormat });
      await send(screen, 'fail after 3 words, and never the rest');
      await expectServerError(screen, 'fail after 3', 10_000);
      await expect
        .element(screen.getByRole('alert').filter({ hasText: 'could not be completed' }), {
          timeout: 5_000,
        })
        .toBeVisible();
      // FastAPI logged what went wrong, with its level and logger; the user was told only
      // that it did.
      const log = await parts.fastApiLog();
      expect(log).toMatch(/ERROR: chatwire\.backend: the token generator failed mid-stream/);
      expect(log).toContain('ScriptedFailure: the scripted model failed after 3 words');

      // "Ask again" sends the question to FastAPI once more.
      await replyLocator(screen).getByRole('button', { name: 'Ask again' }).click();
      await expect.poll(async () => (await parts.received()).length, { timeout: 10_000 }).toBe(2);

      // The widget would show the reply interrupted even if FastAPI just cut the connection
      // (uvicorn does, when the body raises): so the app's own error item is checked at the
      // source. The failed answer is a whole body ending with it, not a cut-off one.
      const failed = await parts.post({
        body: chat('fail after 3 words, and never the rest'),
        authorization: 'shared',
      });
      expect(failed).toEqual({
        status: 200,
        contentType:
          streamFormat === 'ndjson' ? 'application/x-ndjson' : 'text/event-stream; charset=utf-8',
        text: wire(streamFormat, ['fail ', 'after ', '3 ']) + ERROR_ITEM[streamFormat],
        cutOff: null,
      } satisfies DirectChatResponse);
      // A good answer ends as its format says: SSE with `[DONE]`.
      const good = await parts.post({ body: chat('hello there'), authorization: 'shared' });
      expect(good.cutOff).toBeNull();
      expect(good.text).toBe(
        wire(streamFormat, ['hello ', 'there']) +
          (streamFormat === 'sse' ? 'data: [DONE]\n\n' : ''),
      );
      // A generator yielding something other than text fails the reply, not passes it on.
      const notText = await parts.post({ body: chat('answer a number'), authorization: 'shared' });
      expect(notText.text).toBe(wire(streamFormat, ['The answer: ']) + ERROR_ITEM[streamFormat]);
      const after = await parts.fastApiLog();
      expect(after).toContain(
        'TypeError: the token generator yielded a value of type int, not str',
      );
      expect(after).not.toContain(ASGI_EXCEPTION);
    },
  );

  it('ends the reply with an error, not a reply streaming forever, when uvicorn is killed', async () => {
    // Far longer than the test waits: only the dropped connection can end the reply in time.
    const { parts, screen } = await setUp({ backend: 'scripted', upstreamTimeoutMs: 30_000 });
    await send(screen, 'long story, please');
    await expect
      .poll(() => firstReply(screen)?.text.split(' ').length ?? 0, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(3);
    const killedAt = performance.now();
    await parts.killFastApi();
    await expect
      .poll(() => firstReply(screen)?.status, { timeout: 5_000, interval: 20 })
      .toBe('interrupted');
    const toError = Math.round(performance.now() - killedAt);
    console.log(`uvicorn SIGKILLed mid-stream: the reply ended with an error ${toError} ms later`);
    expect(toError).toBeLessThan(5_000);
    const kept = firstReply(screen)?.text ?? '';
    expect(kept).toMatch(/^word1 word2 word3\b/);
    await expectServerError(screen, kept, 5_000);
  });

  it('ends a reply FastAPI is too slow to start with an error after the upstream timeout', async () => {
    const timeoutMs = 1_000;
    const { parts, screen } = await setUp({ backend: 'scripted', upstreamTimeoutMs: timeoutMs });
    const status = watchReplyStatus(screen);
    await send(screen, 'be slow, please');
    await expect
      .poll(() => firstReply(screen)?.status, { timeout: 6_000, interval: 20 })
      .toBe('interrupted');
    status.stop();
    await expectServerError(screen, '', 5_000);
    // Timed by the server's own log (the chat arriving, the upstream cut off): what the
    // browser sees of it lags by however busy the machine is.
    const log = (await parts.serverLog()).split('\n');
    const timeOf = (pattern: RegExp) => {
      const line = log.find((entry) => pattern.test(entry));
      return line === undefined ? Number.NaN : Date.parse(line.split(' ')[0] ?? '');
    };
    const elapsed = timeOf(/went quiet and was cut off/) - timeOf(/ <- chat$/);
    const seen = (status.since('interrupted') ?? 0) - (status.since('streaming') ?? 0);
    console.log(
      `FastAPI slow to answer: cut off ${elapsed} ms after the chat arrived (the browser saw ${seen} ms)`,
    );
    // The scripted backend waits 8 s before its first word: the timeout, not it, ended this.
    expect(status.since('streaming')).toBeDefined();
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs);
    expect(elapsed).toBeLessThan(timeoutMs + 1_500);
  });

  it('refuses chats without the shared secret, and messages that are empty or too long', async () => {
    const parts = await startThreeParts({ backend: 'example', echoDelayMs: 0 });
    const none = await parts.post({ body: chat('hello'), authorization: 'none' });
    expect(none.status).toBe(401);
    const wrong = await parts.post({ body: chat('hello'), authorization: { header: 'Bearer no' } });
    expect(wrong.status).toBe(401);
    const basic = await parts.post({
      body: chat('hello'),
      authorization: { header: 'Basic chatwire-three-parts-tests-backend-token' },
    });
    expect(basic.status).toBe(401);
    // Refused from the headers alone: a body that never ends still gets its 401 at once,
    // where a check run after FastAPI reads the body would wait for it forever.
    const unread = await parts.post({
      body: chat('hello'),
      authorization: 'none',
      transfer: 'unfinished',
    });
    expect(unread).toMatchObject({
      status: 401,
      text: '{"detail": "missing or wrong bearer token"}',
    });
    // The scheme is case-insensitive, as HTTP has it.
    const lower = await parts.post({
      body: chat('hi'),
      authorization: { header: 'bearer chatwire-three-parts-tests-backend-token' },
    });
    expect(lower).toMatchObject({ status: 200, text: '{"token": "hi"}\n' });

    // A body over 256 KiB cannot hold a message FastAPI would take: refused unread, whether
    // its length is declared or it comes chunked (and never ends, here: no waiting for it).
    const huge = chat('x'.repeat(300 * 1024));
    const declared = await parts.post({ body: huge, authorization: 'shared' });
    expect(declared.status).toBe(413);
    const chunked = await parts.post({
      body: huge,
      authorization: 'shared',
      transfer: 'unfinished',
    });
    expect(chunked).toMatchObject({
      status: 413,
      text: '{"detail": "the request body is over 262144 bytes"}',
    });
    // Under the cap, a chunked body is read to its end and answered as any other.
    const small = await parts.post({
      body: chat('hi'),
      authorization: 'shared',
      transfer: 'chunked',
    });
    expect(small).toMatchObject({ status: 200, text: '{"token": "hi"}\n', cutOff: null });

    const empty = await parts.post({ body: chat(''), authorization: 'shared' });
    expect(empty.status).toBe(422);
    const tooLong = await parts.post({
      body: chat('x'.repeat(64 * 1024 + 1)),
      authorization: 'shared',
    });
    expect(tooLong.status).toBe(422);
    const notText = await parts.post({ body: { message: 42 }, authorization: 'shared' });
    expect(notText.status).toBe(422);

    const ok = await parts.post({ body: chat('hello  there\nyou'), authorization: 'shared' });
    expect(ok).toEqual({
      status: 200,
      contentType: 'application/x-ndjson',
      text: '{"token": "hello  "}\n{"token": "there\\n"}\n{"token": "you"}\n',
      cutOff: null,
    });
    expect(await parts.fastApiLog()).not.toContain(ASGI_EXCEPTION);
  });

  it.each(['ndjson', 'sse'] as const)(
    'keeps a reply from a backend slow to start alive with keep-alives past the upstream timeout (%s)',
    async (streamFormat) => {
      // "think first" is silent for 2 s: without keep-alives the 1 s timeout would cut it.
      const { parts, screen } = await setUp({
        backend: 'scripted',
        streamFormat,
        upstreamTimeoutMs: 1_000,
        keepAliveSeconds: 0.25,
        maxSilenceSeconds: 3,
      });
      await send(screen, 'think first, then answer');
      // Meanwhile, straight to FastAPI: what the keep-alives look like on the wire; and a
      // generator silent for good (8 s), which keep-alives must not keep open forever.
      const direct = parts.post({ body: chat('think first'), authorization: 'shared' });
      const hung = parts.post({ body: chat('be slow'), authorization: 'shared' });
      await expect
        .poll(() => firstReply(screen), { timeout: 10_000 })
        .toEqual({ status: 'complete', text: 'think first, then answer' });
      // Blank NDJSON lines, SSE comments, before the first word.
      const { text } = await direct;
      const keepAlive = streamFormat === 'ndjson' ? '\n' : ': keep-alive\n\n';
      let rest = text;
      let keepAlives = 0;
      for (; rest.startsWith(keepAlive); keepAlives += 1) rest = rest.slice(keepAlive.length);
      console.log(`${streamFormat}: ${keepAlives} keep-alives before the first word`);
      expect(keepAlives).toBeGreaterThanOrEqual(3);
      expect(rest).toBe(
        wire(streamFormat, ['think ', 'first']) +
          (streamFormat === 'sse' ? 'data: [DONE]\n\n' : ''),
      );
      // Given up after 3 s of silence (the scripted model would take 8): the error item.
      const gaveUp = await hung;
      expect(gaveUp.cutOff).toBeNull();
      expect(gaveUp.text.endsWith(keepAlive + ERROR_ITEM[streamFormat])).toBe(true);
      expect(await parts.fastApiLog()).toMatch(
        /the token generator was silent for \d+\.\d s: reply failed/,
      );
    },
  );

  describe.skipIf(!backend.httpx && !backend.required)('the OpenAI-compatible generator', () => {
    const tokens = ['Hello', ' from', ' a', ' fake', ' model', '.'];
    const example = (openAi: FakeOpenAi, extra: Partial<ThreePartsOptions> = {}) =>
      ({
        backend: 'example',
        openAi: { baseUrl: openAi.baseUrl, model: 'fake-model', apiKey: 'sk-fake-test-key' },
        ...extra,
      }) satisfies ThreePartsOptions;

    it('streams the answer of an OpenAI-compatible API through FastAPI', async () => {
      const openAi = await startFakeOpenAi({ tokens, delayMs: 40 });
      const subject = 'openai-user@example.com';
      const { screen } = await setUp({ ...example(openAi), subject });
      const watch = watchReplyText(screen);
      await send(screen, 'Say hello');
      // The fake splits its first chunk's JSON over two `data:` lines and puts a comment
      // among the events: both plain SSE, both read as such.
      await expect
        .poll(() => firstReply(screen), { timeout: 10_000 })
        .toEqual({ status: 'complete', text: 'Hello from a fake model.' });
      watch.stop();
      expect(watch.steps.length).toBeGreaterThanOrEqual(3);
      const requests = await openAi.requests();
      expect(requests.map(({ authorization, body }) => ({ authorization, body }))).toEqual([
        {
          authorization: 'Bearer sk-fake-test-key',
          body: {
            model: 'fake-model',
            stream: true,
            messages: [{ role: 'user', content: 'Say hello' }],
            // The user's id, hashed as the reference server's own OpenAI adapter hashes it.
            user: await pseudonymOf(subject),
          },
        },
      ]);
    });

    it('fails the reply, not completes it, when the model API answers anything but a whole stream', async () => {
      const openAi = await startFakeOpenAi({ tokens, delayMs: 10 });
      const { parts, screen } = await setUp(example(openAi));
      // Through the widget: a stream cut before `[DONE]` keeps its words, marked interrupted.
      await send(screen, 'fake: no-done');
      await expectServerError(screen, 'Hello from a fake model.', 10_000);

      // At the source, each way of failing: FastAPI's answer ends with its error item, and its
      // log says what the model API did.
      const cases = [
        { behaviour: 'redirect', words: [], logged: 'the model API answered 307, a redirect to' },
        {
          behaviour: 'not-event-stream',
          words: [],
          logged: "answered 200 with 'application/json'",
        },
        { behaviour: 'no-done', words: tokens, logged: 'stream ended before `data: [DONE]`' },
        {
          behaviour: 'error-event',
          words: tokens.slice(0, 2),
          logged: 'sent an error event: \'{"message": "The model is overloaded."}\'',
        },
      ];
      for (const { behaviour, words, logged } of cases) {
        const answer = await parts.post({
          body: chat(`fake: ${behaviour}`),
          authorization: 'shared',
        });
        expect(answer, behaviour).toEqual({
          status: 200,
          contentType: 'application/x-ndjson',
          text: wire('ndjson', words) + ERROR_ITEM.ndjson,
          cutOff: null,
        } satisfies DirectChatResponse);
        expect(await parts.fastApiLog(), behaviour).toContain(logged);
      }
      expect(await parts.fastApiLog()).not.toContain(ASGI_EXCEPTION);
    });

    /** Waits for the fake model's one request to have its socket closed, or gives up. */
    async function modelSocketClosed(
      openAi: FakeOpenAi,
      timeout: number,
    ): Promise<FakeOpenAiRequest> {
      await expect
        .poll(async () => (await openAi.requests())[0]?.socketClosedAt ?? null, {
          timeout,
          interval: 20,
        })
        .not.toBeNull();
      const [request] = await openAi.requests();
      if (!request) throw new Error('the fake model got no request');
      return request;
    }

    it('closes the connection to the model as soon as the reply is cut off by the upstream timeout', async () => {
      // The model stops to think for 3 s (FAKE_OPENAI_PAUSE_MS) after two words; the server
      // gives up after 1 s of silence.
      const openAi = await startFakeOpenAi({ tokens: words(20), delayMs: 40 });
      const { screen } = await setUp(example(openAi, { upstreamTimeoutMs: 1_000 }));
      const status = watchReplyStatus(screen);
      await send(screen, 'fake: pause');
      await expectServerError(screen, 'word1 word2', 10_000);
      status.stop();
      const stoppedAt = status.since('interrupted') ?? Date.now();
      // Far less than the rest of the model's answer takes (the end of its pause, then 18
      // more chunks): a socket left open would see it all, then Node's 5 s keep-alive.
      const request = await modelSocketClosed(openAi, 2_500);
      const closedAfter = (request.socketClosedAt ?? 0) - stoppedAt;
      console.log(
        `upstream timeout: the model's socket closed ${closedAfter} ms after the reply ended`,
      );
      expect(closedAfter).toBeLessThan(2_000);
      expect(request.finishedAt).toBeNull();
      expect(request.chunksWritten).toBeLessThan(request.chunksPlanned);
    });

    it('closes the connection to the model as soon as the user goes away mid-reply', async () => {
      const openAi = await startFakeOpenAi({ tokens: words(150), delayMs: 30 });
      const { screen } = await setUp(example(openAi));
      await send(screen, 'Tell me a long story');
      await expect
        .poll(() => firstReply(screen)?.text.split(' ').length ?? 0, { timeout: 10_000 })
        .toBeGreaterThanOrEqual(3);
      // The widget unmounted, its socket closed: the server drops the reply and hangs up on
      // FastAPI, which must hang up on the model (the Stop button would not do: the protocol
      // has no cancel frame, so the server finishes a stopped reply).
      const goneAt = Date.now();
      screen.unmount();
      const request = await modelSocketClosed(openAi, 2_500);
      const closedAfter = (request.socketClosedAt ?? 0) - goneAt;
      console.log(
        `widget gone: the model's socket closed ${closedAfter} ms later, after ${request.chunksWritten} of ${request.chunksPlanned} chunks`,
      );
      expect(closedAfter).toBeLessThan(2_000);
      expect(request.finishedAt).toBeNull();
      expect(request.chunksWritten).toBeLessThan(request.chunksPlanned);
    });
  });
});

if (backend.python && !backend.httpx) console.warn(backend.missingHttpx);

/** `word1 `, `word2 `, … `word<count>`: a model's long answer. */
function words(count: number): string[] {
  return Array.from(
    { length: count },
    (_, index) => `word${index + 1}${index + 1 < count ? ' ' : ''}`,
  );
}

/** The first 32 hex digits of the SHA-256 of `subject`. */
async function pseudonymOf(subject: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(subject));
  return [...new Uint8Array(digest)]
    .map((byte) => byte.toString(16).padStart(2, '0'))
    .join('')
    .slice(0, 32);
}
