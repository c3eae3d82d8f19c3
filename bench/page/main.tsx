/**
 * The benchmark page: three ways to show one streamed reply, fed the same event pattern (one
 * message event per token, as a WebSocket delivers them), measured from the first token to
 * the full text being in the DOM.
 *
 * - floor: raw DOM, text appended once per animation frame; nothing can be much faster.
 * - naive: what most widgets do: React state updated per token, scrolled to the bottom per
 *   token.
 * - chatwire: the real store, frame inbox and ChatPanel.
 */
import 'chatwire/styles.css';
import { ChatPanel } from 'chatwire';
import { ChatStoreProvider, createChatStore } from 'chatwire/headless';
import { useEffect, useRef, useState } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { createFrameInbox } from '../../src/react/frame-inbox.ts';

export type Implementation = 'floor' | 'naive' | 'chatwire';

export interface RunResult {
  wallMs: number;
  longestTaskMs: number;
  heapMB: number | null;
}

const timestamp = '2026-01-01T00:00:00.000Z';
const frameOf = (payload: object) => JSON.stringify({ ...payload, timestamp });

/** Words like a model's: short and long, with spaces and the odd newline. */
function makeTokens(count: number): string[] {
  const words = [
    'the ',
    'widget ',
    'streams ',
    'tokens ',
    'quickly, ',
    'and ',
    'keeps ',
    'up.\n',
    'Chat ',
    'wire ',
  ];
  return Array.from({ length: count }, (_, index) => words[index % words.length] as string);
}

/**
 * Delivers each frame as its own task, the next one queued only once the last was handled,
 * so work a handler schedules (a React render, a frame) gets its turn between tokens as it
 * would between WebSocket message events from a fast server.
 */
function deliver(frames: string[], onFrame: (data: string) => void): void {
  const channel = new MessageChannel();
  let next = 0;
  channel.port1.onmessage = (event: MessageEvent<string>) => {
    onFrame(event.data);
    const frame = frames[next++];
    if (frame !== undefined) channel.port2.postMessage(frame);
  };
  channel.port2.postMessage(frames[next++]);
}

/** Resolves on the first frame at which `isDone` holds. */
function waitFor(isDone: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (isDone() ? resolve() : requestAnimationFrame(check));
    check();
  });
}

let root: Root | null = null;
const container = () => document.getElementById('root') as HTMLElement;

function mount(node: React.ReactNode): Promise<void> {
  root?.unmount();
  root = createRoot(container());
  root.render(node);
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

/** The naive widget: one state update and one scroll per token. */
function NaiveChat({ onFrame }: { onFrame: (handler: (data: string) => void) => void }) {
  const [text, setText] = useState('');
  const scroller = useRef<HTMLDivElement>(null);
  useEffect(() => {
    onFrame((data) => {
      const frame = JSON.parse(data) as { type: string; token?: string };
      if (frame.type === 'stream-token') setText((previous) => previous + (frame.token ?? ''));
    });
  }, [onFrame]);
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

async function run(implementation: Implementation, tokenCount: number): Promise<RunResult> {
  const tokens = makeTokens(tokenCount);
  const expectedLength = tokens.join('').length;
  const frames = [
    frameOf({ type: 'stream-start', messageId: 'bench' }),
    ...tokens.map((token) => frameOf({ type: 'stream-token', messageId: 'bench', token })),
    frameOf({ type: 'stream-end', messageId: 'bench' }),
  ];
  let onFrame: (data: string) => void = () => undefined;
  let isDone: () => boolean;
  const hasAllText = (element: Element | null | undefined) =>
    (element?.textContent?.length ?? 0) >= expectedLength;

  if (implementation === 'floor') {
    root?.unmount();
    root = null;
    container().innerHTML =
      '<div style="height:600px;overflow-y:auto;white-space:pre-wrap"><div data-reply></div></div>';
    const target = container().querySelector('[data-reply]') as HTMLElement;
    let pending = '';
    let scheduled = false;
    let appended = 0;
    onFrame = (data) => {
      const frame = JSON.parse(data) as { type: string; token?: string };
      if (frame.type !== 'stream-token') return;
      pending += frame.token ?? '';
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(() => {
        appended += pending.length;
        target.append(pending);
        pending = '';
        scheduled = false;
      });
    };
    // A running count, so checking costs the floor nothing.
    isDone = () => appended >= expectedLength;
  } else if (implementation === 'naive') {
    let handler: (data: string) => void = () => undefined;
    await mount(<NaiveChat onFrame={(next) => (handler = next)} />);
    onFrame = (data) => handler(data);
    isDone = () => hasAllText(container().querySelector('[data-reply]'));
  } else {
    const store = createChatStore();
    const inbox = createFrameInbox((batch) => store.actions.receiveMany(batch));
    await mount(
      <div style={{ height: 600 }}>
        <ChatStoreProvider store={store}>
          <ChatPanel />
        </ChatStoreProvider>
      </div>,
    );
    onFrame = (data) => inbox.add(data);
    // The reply is marked complete in the same render that puts its last text in the DOM.
    isDone = () =>
      container().querySelector('[data-role="assistant"][data-status="complete"]') !== null;
  }

  let longestTaskMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longestTaskMs = Math.max(longestTaskMs, entry.duration);
  });
  observer.observe({ type: 'longtask', buffered: false });
  const started = performance.now();
  deliver(frames, onFrame);
  await waitFor(isDone);
  const wallMs = performance.now() - started;
  observer.disconnect();
  const memory = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
  return { wallMs, longestTaskMs, heapMB: memory ? memory.usedJSHeapSize / 1_048_576 : null };
}

declare global {
  interface Window {
    chatwireBench: { run: typeof run };
  }
}
window.chatwireBench = { run };
