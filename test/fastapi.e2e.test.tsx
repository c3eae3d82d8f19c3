/**
 * chatwire's three parts end to end, as a user deploys them: <ChatWidget> in real Chromium →
 * the reference server (`server/cli.ts`, its own process) → the FastAPI example under uvicorn.
 * Streaming in both formats, the user's id arriving at FastAPI, and the backend failing in the
 * ways real ones do (an error mid-answer, a crash, a hang): the widget must always end the
 * reply, with what it had, and say why.
 *
 * Where no Python with FastAPI and uvicorn is found these tests skip, saying how to install it,
 * except where backends are required (CI), where that fails instead.
 */
import { describe, expect, it } from 'vitest';
import { page } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { ChatWidget } from '../src/index.ts';
import {
  fastApiAvailability,
  startFakeOpenAi,
  startThreeParts,
  type ThreeParts,
} from './support/three-parts.ts';
import type { ThreePartsOptions } from './support/three-parts-types.ts';
import { connected, send } from './support/widget.ts';

type Screen = Awaited<ReturnType<typeof render>>;

const backend = await fastApiAvailability();

/** The note the widget shows on a reply the server could not finish. */
const SERVER_ERROR_NOTE = 'The server could not finish this reply.';

/** Twelve words, echoed back by the example one at a time. */
const QUESTION = 'Does chatwire stream this reply from FastAPI one word at a time?';

async function setUp(options: ThreePartsOptions): Promise<{ parts: ThreeParts; screen: Screen }> {
  const parts = await startThreeParts(options);
  const screen = await render(<ChatWidget token={parts.token} url={parts.url} />);
  await connected(screen);
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
  await expect.element(reply.getByText(SERVER_ERROR_NOTE)).toBeVisible();
  await expect.element(reply.getByRole('button', { name: 'Ask again' })).toBeVisible();
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
        .element(screen.getByRole('alert').filter({ hasText: 'could not be completed' }))
        .toBeVisible();
      // FastAPI logged what went wrong; the user was told only that it did.
      const log = await parts.fastApiLog();
      expect(log).toContain('the token generator failed mid-stream');
      expect(log).toContain('ScriptedFailure: the scripted model failed after 3 words');

      // "Ask again" sends the question to FastAPI once more.
      await replyLocator(screen).getByRole('button', { name: 'Ask again' }).click();
      await expect.poll(async () => (await parts.received()).length).toBe(2);
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
    await expectServerError(screen, kept, 1_000);
  });

  it('ends a reply FastAPI is too slow to start with an error after the upstream timeout', async () => {
    const timeoutMs = 1_000;
    const { screen } = await setUp({ backend: 'scripted', upstreamTimeoutMs: timeoutMs });
    const sentAt = performance.now();
    await send(screen, 'be slow, please');
    await expect.poll(() => firstReply(screen)?.status).toBe('streaming');
    await expect
      .poll(() => firstReply(screen)?.status, { timeout: 6_000, interval: 20 })
      .toBe('interrupted');
    const elapsed = Math.round(performance.now() - sentAt);
    console.log(`FastAPI slow to answer: the reply ended with an error after ${elapsed} ms`);
    // The scripted backend waits 8 s before its first word: the timeout, not it, ended this.
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs);
    expect(elapsed).toBeLessThan(timeoutMs + 2_500);
    await expectServerError(screen, '', 1_000);
  });

  it('refuses chats without the shared secret, and messages that are empty or too long', async () => {
    const parts = await startThreeParts({ backend: 'example', echoDelayMs: 0 });
    const chat = (message: string) => ({ message, user: { subject: 'alice' } });
    const none = await parts.post({ body: chat('hello'), authorization: 'none' });
    expect(none.status).toBe(401);
    const wrong = await parts.post({ body: chat('hello'), authorization: { header: 'Bearer no' } });
    expect(wrong.status).toBe(401);
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
    });
  });

  it.skipIf(!backend.httpx && !backend.required)(
    'streams the answer of an OpenAI-compatible API through FastAPI’s OpenAI generator',
    async () => {
      const tokens = ['Hello', ' from', ' a', ' fake', ' model', '.'];
      const openAi = await startFakeOpenAi({ tokens, delayMs: 40 });
      const subject = 'openai-user@example.com';
      const { screen } = await setUp({
        backend: 'example',
        subject,
        openAi: { baseUrl: openAi.baseUrl, model: 'fake-model', apiKey: 'sk-fake-test-key' },
      });
      const watch = watchReplyText(screen);
      await send(screen, 'Say hello');
      await expect
        .poll(() => firstReply(screen), { timeout: 10_000 })
        .toEqual({ status: 'complete', text: 'Hello from a fake model.' });
      watch.stop();
      expect(watch.steps.length).toBeGreaterThanOrEqual(3);
      expect(await openAi.requests()).toEqual([
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
    },
  );
});

if (backend.python && !backend.httpx) console.warn(backend.missingHttpx);

/** The first 32 hex digits of the SHA-256 of `subject`. */
async function pseudonymOf(subject: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(subject));
  return [...new Uint8Array(digest)]
    .map((byte) => byte.toString(16).padStart(2, '0'))
    .join('')
    .slice(0, 32);
}
