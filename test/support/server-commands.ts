/**
 * Browser-test commands that run in the vitest (Node) process: each test starts its own
 * real reference server, reads the frames it received and flips its fault switches.
 * Tests call them through `test/support/chat-server.ts`.
 */
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
let nextServerId = 1;

function serverById(id: string): ReferenceServer {
  const server = servers.get(id);
  if (!server) throw new Error(`No reference server '${id}' is running (stopped already?).`);
  return server;
}

const startChatServer: BrowserCommand<[options?: ChatServerOptions]> = async (
  _context,
  options = {},
): Promise<ChatServerHandle> => {
  const server = await startServer({
    port: 0,
    jwtSecret: TEST_JWT_SECRET,
    tokenDelayMs: options.tokenDelayMs ?? 5,
  });
  const id = String(nextServerId++);
  servers.set(id, server);
  const token = await mintToken({ subject: 'browser-test', secret: TEST_JWT_SECRET });
  return { id, url: server.url, token };
};

const chatServerToken: BrowserCommand<[options: { expiresInSeconds: number }]> = (
  _context,
  options,
) =>
  mintToken({
    subject: 'browser-test',
    secret: TEST_JWT_SECRET,
    expiresInSeconds: options.expiresInSeconds,
  });

const chatServerFrames: BrowserCommand<[id: string]> = (_context, id): RecordedFrames => {
  const server = serverById(id);
  return {
    received: server.received.map(({ connectionId, frame }) => ({ connectionId, frame })),
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

const stopChatServer: BrowserCommand<[id: string]> = async (_context, id) => {
  await servers.get(id)?.close();
  servers.delete(id);
};

/** Registered as `browser.commands` in vite.config.ts. */
export const chatServerCommands = {
  startChatServer,
  chatServerToken,
  chatServerFrames,
  chatServerFault,
  stopChatServer,
};
