/**
 * Browser-test commands that run in the vitest (Node) process: each test starts its own
 * real reference server, reads the frames it received and flips its fault switches.
 * Tests call them through `test/support/chat-server.ts`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type {} from '@vitest/browser-playwright';
import type { BrowserCommand } from 'vitest/node';
import { mintToken } from '../../server/auth.ts';
import { type ReferenceServer, type ServerFaults, startServer } from '../../server/index.ts';
import type {
  ChatServerHandle,
  ChatServerOptions,
  FaultCall,
  RecordedFrames,
} from './chat-server-types.ts';

/** Signs the tokens of browser tests; never used outside them. */
const TEST_JWT_SECRET = 'chatwire-browser-tests-only-secret';

const servers = new Map<string, ReferenceServer>();
/** Each server's options, so a restart brings back the same server on the same port. */
const serverOptions = new Map<string, ChatServerOptions>();
/** Frames received by the earlier runs of a restarted server, oldest first. */
const receivedBefore = new Map<string, RecordedFrames['received']>();
let nextServerId = 1;

function startTestServer(options: ChatServerOptions, port = 0): Promise<ReferenceServer> {
  return startServer({
    port,
    jwtSecret: TEST_JWT_SECRET,
    tokenDelayMs: options.tokenDelayMs ?? 5,
    ...(options.messageIds && { messageIds: options.messageIds }),
  });
}

function serverById(id: string): ReferenceServer {
  const server = servers.get(id);
  if (!server) throw new Error(`No reference server '${id}' is running (stopped already?).`);
  return server;
}

const startChatServer: BrowserCommand<[options?: ChatServerOptions]> = async (
  _context,
  options = {},
): Promise<ChatServerHandle> => {
  const server = await startTestServer(options);
  const id = String(nextServerId++);
  servers.set(id, server);
  serverOptions.set(id, options);
  const token = await mintToken({ subject: 'browser-test', secret: TEST_JWT_SECRET });
  return { id, url: server.url, token };
};

const chatServerToken: BrowserCommand<[options: { expiresInSeconds: number; subject?: string }]> = (
  _context,
  options,
) =>
  mintToken({
    subject: options.subject ?? 'browser-test',
    secret: TEST_JWT_SECRET,
    expiresInSeconds: options.expiresInSeconds,
  });

const chatServerFrames: BrowserCommand<[id: string]> = (_context, id): RecordedFrames => {
  const server = serverById(id);
  return {
    received: [
      ...(receivedBefore.get(id) ?? []),
      ...server.received.map(({ connectionId, frame }) => ({ connectionId, frame })),
    ],
    sent: server.sent.map(({ connectionId, frame }) => ({ connectionId, frame })),
    attempts: server.attempts(),
    openConnections: server.openConnections(),
  };
};

const chatServerFault: BrowserCommand<[id: string, call: FaultCall]> = (_context, id, call) => {
  const faults: ServerFaults = serverById(id).faults;
  switch (call.fault) {
    case 'dropAll':
      return faults.dropAll();
    case 'closeAll':
      return faults.closeAll(call.code, call.reason);
    case 'setSilent':
      return faults.setSilent(call.on);
    case 'setRefuseNew':
      return faults.setRefuseNew(call.on);
    case 'setCloseAfterAccept':
      return faults.setCloseAfterAccept(call.on);
    case 'setDropAfterTokens':
      return faults.setDropAfterTokens(call.tokens);
    default:
      return call satisfies never;
  }
};

/**
 * Stops the server (every socket drops, as in a deploy or a crash), waits `downMs`, and starts
 * it again on the same port. What the earlier run received stays in `chatServerFrames`.
 */
const restartChatServer: BrowserCommand<[id: string, downMs: number]> = async (
  _context,
  id,
  downMs,
) => {
  const server = serverById(id);
  const kept = server.received.map(({ connectionId, frame }) => ({ connectionId, frame }));
  receivedBefore.set(id, [...(receivedBefore.get(id) ?? []), ...kept]);
  servers.delete(id);
  await server.close();
  await sleep(downMs);
  servers.set(id, await startTestServer(serverOptions.get(id) ?? {}, server.port));
};

const stopChatServer: BrowserCommand<[id: string]> = async (_context, id) => {
  await servers.get(id)?.close();
  servers.delete(id);
  serverOptions.delete(id);
  receivedBefore.delete(id);
};

/** The page's JavaScript heap in bytes, after a full garbage collection (Chromium's CDP). */
const measureHeap: BrowserCommand<[]> = async (context) => {
  const session = await context.page.context().newCDPSession(context.page);
  try {
    await session.send('HeapProfiler.collectGarbage');
    const { usedSize } = await session.send('Runtime.getHeapUsage');
    return usedSize;
  } finally {
    await session.detach();
  }
};

/** Registered as `browser.commands` in vite.config.ts. */
export const chatServerCommands = {
  startChatServer,
  chatServerToken,
  chatServerFrames,
  chatServerFault,
  restartChatServer,
  stopChatServer,
  measureHeap,
};
