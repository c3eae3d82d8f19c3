/**
 * Ways to show one streamed reply, fed the same event pattern (one message event per token,
 * as a WebSocket delivers them), measured from the first token to the full text being in the
 * DOM. Each is measured on a page where the same implementation has already streamed one short
 * reply (then been unmounted, so the measured one starts in an empty view), unless the spec
 * asks for the first reply (see `firstReply`).
 *
 * - floor: raw DOM, text appended and scrolled into view once per animation frame; nothing
 *   can be much faster. Also measured without the scroll, as a stricter floor.
 * - dom-floor: the elements chatwire's markdown ends up as, with its styles, each top-level
 *   block appended as HTML once its last token has arrived, once per animation frame: what
 *   building a markdown reply's DOM costs at the least, with nothing parsed or re-rendered
 *   while the reply streams.
 * - react-floor: the least a React component can do: one state update per animation frame
 *   with the text so far, shown as plain text and scrolled to the bottom. What React's own
 *   render and commit cost, with no store, markdown or chat UI.
 * - naive: what most widgets do: React state updated per token, scrolled to the bottom per
 *   token.
 * - chatwire: the real store, frame inbox and ChatPanel.
 */
import { ChatPanel } from 'chatwire';
import { ChatStoreProvider, createChatStore } from 'chatwire/headless';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { createFrameInbox } from '../../src/core/frame-inbox.ts';
import { parseServerFrame } from '../../src/core/parse.ts';
import type { StreamPageResult, StreamSpec } from './api.ts';
import { type Receiver, tokenOf } from './receiver.ts';
import { clearRoot, container, render } from './root.ts';
import { makeTokens } from './text.ts';
import { deliver, nextFrame, waitFor, watchLongTasks } from './timing.ts';

const timestamp = '2026-01-01T00:00:00.000Z';
const frameOf = (payload: object) => JSON.stringify({ ...payload, timestamp });

function framesOf(tokens: readonly string[]): string[] {
  return [
    frameOf({ type: 'stream-start', messageId: 'bench' }),
    ...tokens.map((token) => frameOf({ type: 'stream-token', messageId: 'bench', token })),
    frameOf({ type: 'stream-end', messageId: 'bench' }),
  ];
}

/**
 * Raw DOM: the text appended once per animation frame and, unless `scroll` is false, the
 * view scrolled to the bottom in the same frame, as any chat view must to show a reply longer
 * than itself.
 */
function mountFloor(expectedLength: number, scroll: boolean): Receiver {
  // No React root: a root's first commit empties its container, and the floor would then
  // append to a detached element that is never laid out or painted.
  clearRoot();
  container().innerHTML =
    '<div style="height:600px;overflow-y:auto;white-space:pre-wrap"><div data-reply></div></div>';
  const scroller = container().firstElementChild as HTMLElement;
  const target = container().querySelector('[data-reply]') as HTMLElement;
  let pending = '';
  let scheduled = false;
  let appended = 0;
  const flush = () => {
    appended += pending.length;
    target.append(pending);
    if (scroll) scroller.scrollTop = scroller.scrollHeight;
    pending = '';
    scheduled = false;
  };
  return {
    onFrame: (data) => {
      const token = tokenOf(data);
      if (token === null) return;
      pending += token;
      if (!scheduled) requestAnimationFrame(flush);
      scheduled = true;
    },
    // A running count, so checking costs the floor nothing.
    isDone: () => appended >= expectedLength,
  };
}

/** How a React baseline is fed: it hands over the function that takes each frame. */
interface FeedProps {
  onFrame: (handler: (data: string) => void) => void;
}

/** The reply as plain text in a scroller that is scrolled to the bottom after every render. */
function ScrolledText({ text }: { text: string }) {
  const scroller = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = scroller.current;
    if (element) element.scrollTop = element.scrollHeight;
  });
  return (
    <div ref={scroller} style={{ height: 600, overflowY: 'auto', whiteSpace: 'pre-wrap' }}>
      <div data-reply="">{text}</div>
    </div>
  );
}

/** React at its cheapest: the text so far, set once per animation frame. */
function ReactFloorChat({ onFrame }: FeedProps) {
  const [text, setText] = useState('');
  useEffect(() => {
    let received = '';
    let scheduled = false;
    onFrame((data) => {
      const token = tokenOf(data);
      if (token === null) return;
      received += token;
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(() => {
        scheduled = false;
        setText(received);
      });
    });
  }, [onFrame]);
  return <ScrolledText text={text} />;
}

/** The naive widget: one state update and one scroll per token. */
function NaiveChat({ onFrame }: FeedProps) {
  const [text, setText] = useState('');
  useEffect(() => {
    onFrame((data) => {
      const token = tokenOf(data);
      if (token !== null) setText((previous) => previous + token);
    });
  }, [onFrame]);
  return <ScrolledText text={text} />;
}

function mountReactBaseline(Chat: (props: FeedProps) => ReactNode, expectedLength: number) {
  let handler: (data: string) => void = () => undefined;
  render(<Chat onFrame={(next) => (handler = next)} />);
  return {
    onFrame: (data: string) => handler(data),
    isDone: () =>
      (container().querySelector('[data-reply]')?.textContent?.length ?? 0) >= expectedLength,
  };
}

function mountChatwire(renderMarkdown: boolean | undefined): Receiver {
  const store = createChatStore();
  const inbox = createFrameInbox((batch) => store.actions.receiveParsed(batch));
  render(
    <div style={{ height: 600 }}>
      <ChatStoreProvider store={store}>
        {/* Left undefined, the prop takes ChatPanel's own default, as for a host that omits it. */}
        <ChatPanel renderMarkdown={renderMarkdown} />
      </ChatStoreProvider>
    </div>,
  );
  return {
    // Parsed on arrival, as chatwire's connection does.
    onFrame: (data) => inbox.add(parseServerFrame(data)),
    // The reply is marked complete in the same render that puts its last text in the DOM.
    isDone: () =>
      container().querySelector('[data-role="assistant"][data-status="complete"]') !== null,
  };
}

function mount(spec: StreamSpec, tokens: readonly string[]): Receiver {
  const expectedLength = tokens.join('').length;
  switch (spec.implementation) {
    case 'floor':
      return mountFloor(expectedLength, spec.scroll !== false);
    case 'dom-floor':
      if (!domFloor) throw new Error('prepareStream() loads the DOM floor before mounting it.');
      return domFloor.mountDomFloor(tokens);
    case 'react-floor':
      return mountReactBaseline(ReactFloorChat, expectedLength);
    case 'naive':
      return mountReactBaseline(NaiveChat, expectedLength);
    case 'chatwire':
      return mountChatwire(spec.renderMarkdown);
    default:
      return spec.implementation satisfies never;
  }
}

let prepared: { frames: string[]; receiver: Receiver } | null = null;

/** Loaded only when measured: it brings react-dom/server, which nothing else here needs. */
let domFloor: typeof import('./dom-floor.tsx') | null = null;

/**
 * Tokens in the reply streamed before the measured one: enough to run every code path the
 * measured reply runs (a markdown section has each kind of block), so the browser has
 * compiled them and begun to optimise them, as it has for every reply after a session's first.
 */
const WARM_UP_TOKENS = 300;

async function streamWarmUpReply(spec: StreamSpec): Promise<void> {
  const tokens = makeTokens(spec.text, WARM_UP_TOKENS);
  const receiver = mount(spec, tokens);
  await nextFrame();
  deliver(framesOf(tokens), receiver.onFrame);
  await waitFor(receiver.isDone);
}

/** Long enough to hold the first render of a reply, when code runs for the first time. */
const FIRST_RENDER_MS = 100;

export async function prepareStream(spec: StreamSpec): Promise<void> {
  if (spec.implementation === 'dom-floor') domFloor ??= await import('./dom-floor.tsx');
  if (!spec.firstReply) await streamWarmUpReply(spec);
  const tokens = makeTokens(spec.text, spec.tokens);
  const receiver = mount(spec, tokens);
  prepared = { frames: framesOf(tokens), receiver };
  // Two frames: React has committed the empty panel and the browser has painted it.
  await nextFrame();
  await nextFrame();
}

export async function runStream(): Promise<StreamPageResult> {
  if (!prepared) throw new Error('runStream() needs prepareStream() first.');
  const { frames, receiver } = prepared;
  prepared = null;
  const stopWatching = watchLongTasks();
  const stopWatchingLater = watchLongTasks(FIRST_RENDER_MS);
  const started = performance.now();
  deliver(frames, receiver.onFrame);
  await waitFor(receiver.isDone);
  const wallMs = performance.now() - started;
  return {
    wallMs,
    longestTaskMs: stopWatching(),
    longestLaterTaskMs: stopWatchingLater(),
  };
}
