/**
 * Seeded chat stores for stories: each state is built by replaying protocol events through
 * the real reducer, so a story shows exactly what the widget shows after those frames.
 * No network anywhere.
 */
import { type ReactNode, useState } from 'react';
import type { LinkState } from '../src/core/link.ts';
import type { ServerFrame } from '../src/core/protocol.ts';
import type { ChatEvent } from '../src/core/reduce.ts';
import { apply } from '../src/core/reduce.ts';
import { type ConnectionStatus, initialChatState } from '../src/core/state.ts';
import { type ChatStore, createChatStore, type Transport } from '../src/core/store.ts';
import { ChatStoreProvider } from '../src/react/context.tsx';
import { linkIn, transportOf } from '../test/support/link-states.ts';

const T0 = Date.parse('2026-01-15T10:00:00.000Z');
let clockStep = 0;
/** A fixed clock, a second per event, so stories render the same every time. */
export const at = (seconds = clockStep++) => new Date(T0 + seconds * 1000).toISOString();

/** A server frame arriving. */
export const frame = (serverFrame: ServerFrame): ChatEvent => ({
  type: 'frame-received',
  frame: serverFrame,
  at: at(),
});

/** The connection as the link machine leaves it in `status`, with `fields` on top. */
export const connectionIn = (
  status: ConnectionStatus,
  fields: Partial<LinkState> = {},
): ChatEvent => ({ type: 'connection-changed', connection: linkIn(status, fields), at: at() });

/** The server's greeting. */
export const connected = (): ChatEvent[] => [
  connectionIn('open'),
  frame({ type: 'connection', message: 'Connected to chatbot server', timestamp: at() }),
];

/** The user's message, already delivered. */
export const userSaid = (id: string, text: string): ChatEvent => ({
  type: 'user-message-added',
  id,
  text,
  status: 'sent',
  at: at(),
});

/** A reply streamed token by token; `complete: false` leaves it streaming. */
export function assistantSaid(messageId: string, text: string, complete = true): ChatEvent[] {
  const tokens = text.match(/\S+\s*/g) ?? [];
  return [
    frame({ type: 'stream-start', messageId, timestamp: at() }),
    ...tokens.map((token) => frame({ type: 'stream-token', messageId, token, timestamp: at() })),
    ...(complete ? [frame({ type: 'stream-end', messageId, timestamp: at() })] : []),
  ];
}

/**
 * A reply caught mid-stream: `stream-start` and exactly these tokens, no `stream-end`. Unlike
 * `assistantSaid`, the text is cut where you say, so it can end inside markup (`**bold te`).
 */
export function assistantStreaming(messageId: string, ...tokens: string[]): ChatEvent[] {
  return [
    frame({ type: 'stream-start', messageId, timestamp: at() }),
    ...tokens.map((token) => frame({ type: 'stream-token', messageId, token, timestamp: at() })),
  ];
}

/** A store holding the state those events lead to; its transport records what it would send. */
export function seededStore(events: ChatEvent[], sent: unknown[] = []): ChatStore {
  const transport: Transport = transportOf((clientFrame) => {
    sent.push(clientFrame);
    return true;
  });
  const store = createChatStore({
    initialState: apply(initialChatState(), ...events),
    now: () => new Date(T0 + 3_600_000),
  });
  store.actions.attachTransport(transport);
  return store;
}

/** Renders its children inside `store`, in a box the size of a typical chat panel. */
export function StoryFrame({ store, children }: { store: ChatStore; children: ReactNode }) {
  return (
    <ChatStoreProvider store={store}>
      <div style={{ height: 520, maxWidth: 420 }}>{children}</div>
    </ChatStoreProvider>
  );
}

/** A `ChatPanel`-style story body: builds its store once from `events`. */
export function Seeded({
  events,
  sent,
  children,
}: {
  events: ChatEvent[];
  sent?: unknown[];
  children: ReactNode;
}) {
  const [store] = useState(() => seededStore(events, sent));
  return <StoryFrame store={store}>{children}</StoryFrame>;
}

/** Plays one frame from the server through the store's real parsing path. */
export function receiveFrame(
  store: ChatStore,
  payload: { type: string } & Record<string, string>,
): void {
  store.actions.receive(JSON.stringify({ ...payload, timestamp: at() }));
}

/** Plays a whole reply arriving at once: start, one token, end. */
export function receiveReply(store: ChatStore, messageId: string, text: string): void {
  receiveFrame(store, { type: 'stream-start', messageId });
  receiveFrame(store, { type: 'stream-token', messageId, token: text });
  receiveFrame(store, { type: 'stream-end', messageId });
}
