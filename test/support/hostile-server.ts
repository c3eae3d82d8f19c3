/**
 * A hostile chat server for one browser test (see `hostile-server-commands.ts`), started in
 * the vitest process and stopped when the test finishes.
 */
import { onTestFinished } from 'vitest';
import { commands } from 'vitest/browser';
import type { BarrageReport, HostileServerHandle } from './hostile-server-commands.ts';

declare module 'vitest/browser' {
  interface BrowserCommands {
    startHostileServer(): Promise<HostileServerHandle>;
    hostileServerBarrage(id: string, seed: number, count: number): Promise<BarrageReport>;
    hostileServerReceived(id: string): Promise<unknown[]>;
    stopHostileServer(id: string): Promise<void>;
  }
}

/** A hostile server under a browser test's control. */
export interface TestHostileServer {
  url: string;
  /** Sends `count` generated bad frames (replayable from `seed`) to every connected widget. */
  barrage(seed: number, count: number): Promise<BarrageReport>;
  /** The frames the server received, parsed. */
  received(): Promise<unknown[]>;
}

/** Starts a hostile server for the current test; it stops when the test finishes. */
export async function startTestHostileServer(): Promise<TestHostileServer> {
  const handle = await commands.startHostileServer();
  onTestFinished(() => commands.stopHostileServer(handle.id));
  return {
    url: handle.url,
    barrage: (seed, count) => commands.hostileServerBarrage(handle.id, seed, count),
    received: () => commands.hostileServerReceived(handle.id),
  };
}
