/**
 * chatwire's connection without React or a browser: `createChatConnection` drives a chat store
 * against the real reference server over the `ws` package's WebSocket, in Node. It connects,
 * streams a reply in batches, survives the server dropping every socket, reconnects on
 * request, and stops cleanly.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { mintToken } from '../server/auth.ts';
import { type ReferenceServer, startServer } from '../server/index.ts';
import { demoReplyText } from '../server/responder.ts';
import { type ChatConnection, createChatConnection } from '../src/core/connection.ts';
import { selectConnectionStatus } from '../src/core/selectors.ts';
import type { AssistantMessage, ConnectionStatus } from '../src/core/state.ts';
import { type ChatStore, createChatStore } from '../src/core/store.ts';

const SECRET = 'chatwire-connection-node-test';

let server: ReferenceServer;
let connection: ChatConnection | null = null;

beforeEach(async () => {
  server = await startServer({ port: 0, jwtSecret: SECRET, tokenDelayMs: 1 });
});

afterEach(async () => {
  connection?.stop();
  connection = null;
  await server.close();
});

async function connect(store: ChatStore, statuses: ConnectionStatus[] = []) {
  const token = await mintToken({ subject: 'node-user', secret: SECRET });
  connection = createChatConnection(store, {
    url: server.url,
    token,
    // The `ws` package's WebSocket, as it is: it has all chatwire needs of a socket.
    WebSocket,
    reconnect: { minDelayMs: 10, maxDelayMs: 50 },
    onStatusChange: (status) => statuses.push(status),
  });
  connection.start();
  await expect.poll(() => selectConnectionStatus(store.getState())).toBe('open');
  return connection;
}

function replies(store: ChatStore): AssistantMessage[] {
  const { messageIds, messagesById } = store.getState();
  return messageIds
    .map((id) => messagesById[id])
    .filter((message): message is AssistantMessage => message?.role === 'assistant');
}

it('connects, streams a whole reply in batches and tells the host each status', async () => {
  const store = createChatStore();
  const statuses: ConnectionStatus[] = [];
  await connect(store, statuses);
  expect(statuses).toEqual(['connecting', 'open']);

  let updates = 0;
  store.subscribe(() => updates++);
  expect(store.actions.sendMessage('Hello from Node')).toBe(true);
  await expect.poll(() => replies(store)[0]?.status, { timeout: 5_000 }).toBe('complete');

  const [reply] = replies(store);
  expect(reply?.text).toBe(demoReplyText('Hello from Node'));
  // Tokens are applied a batch at a time, never one store update per token.
  expect(updates).toBeLessThan(reply?.tokenCount ?? 0);
});

it('reconnects after the server drops every socket, and the next message is answered', async () => {
  const store = createChatStore();
  const statuses: ConnectionStatus[] = [];
  await connect(store, statuses);
  server.faults.dropAll();
  await expect.poll(() => statuses.includes('reconnecting')).toBe(true);
  await expect.poll(() => selectConnectionStatus(store.getState())).toBe('open');
  expect(server.openConnections()).toBe(1);

  store.actions.sendMessage('Still there?');
  await expect.poll(() => replies(store).at(-1)?.status, { timeout: 5_000 }).toBe('complete');
  expect(replies(store).at(-1)?.text).toBe(demoReplyText('Still there?'));
});

it('reconnects at once when asked, on a fresh socket', async () => {
  const store = createChatStore();
  const live = await connect(store);
  const attempts = server.attempts();
  live.reconnectNow();
  // From open, "reconnect now" is a fresh start: the old socket goes, a new one opens.
  await expect.poll(() => server.attempts()).toBe(attempts + 1);
  await expect.poll(() => selectConnectionStatus(store.getState())).toBe('open');
  await expect.poll(() => server.openConnections()).toBe(1);
});

it('stops cleanly: the socket closes and nothing reconnects', async () => {
  const store = createChatStore();
  const live = await connect(store);
  live.stop();
  expect(selectConnectionStatus(store.getState())).toBe('idle');
  await expect.poll(() => server.openConnections()).toBe(0);
  const attempts = server.attempts();
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(server.attempts()).toBe(attempts);
  // A message written meanwhile waits for the next start.
  store.actions.sendMessage('Later');
  live.start();
  await expect.poll(() => replies(store).at(-1)?.status, { timeout: 5_000 }).toBe('complete');
});

it('survives a server that is not there, and a stop while still connecting', async () => {
  const store = createChatStore();
  const statuses: ConnectionStatus[] = [];
  const token = await mintToken({ subject: 'node-user', secret: SECRET });
  // A port that was open a moment ago and is closed now: every connect is refused.
  const gone = await startServer({ port: 0, jwtSecret: SECRET });
  const url = gone.url;
  await gone.close();
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  try {
    connection = createChatConnection(store, {
      url,
      token,
      WebSocket,
      reconnect: { minDelayMs: 10, maxDelayMs: 20, maxAttempts: 3 },
      onStatusChange: (status) => statuses.push(status),
    });
    connection.start();
    await expect
      .poll(() => selectConnectionStatus(store.getState()), { timeout: 10_000 })
      .toBe('closed');
    expect(statuses).toContain('reconnecting');
    // Stopped while a socket is still opening: `ws` reports the aborted handshake a tick later.
    connection.reconnectNow();
    connection.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(uncaught).toEqual([]);
    expect(selectConnectionStatus(store.getState())).toBe('idle');
  } finally {
    process.off('uncaughtException', onUncaught);
  }
});
