/**
 * A real reference server for one browser test, started in the vitest process and stopped
 * when the test finishes.
 */
import { onTestFinished } from 'vitest';
import { commands } from 'vitest/browser';
import type {
  ChatServerHandle,
  ChatServerOptions,
  FaultCall,
  RecordedFrames,
} from './chat-server-types.ts';

declare module 'vitest/browser' {
  interface BrowserCommands {
    startChatServer(options?: ChatServerOptions): Promise<ChatServerHandle>;
    chatServerToken(options: { expiresInSeconds: number; subject?: string }): Promise<string>;
    chatServerFrames(id: string): Promise<RecordedFrames>;
    chatServerFault(id: string, call: FaultCall): Promise<void>;
    restartChatServer(id: string, downMs: number): Promise<void>;
    stopChatServer(id: string): Promise<void>;
    measureHeap(): Promise<number>;
  }
}

/** A reference server under a browser test's control. */
export interface TestChatServer extends ChatServerHandle {
  /** The frames received and sent so far. */
  frames(): Promise<RecordedFrames>;
  /** Flips a fault switch. */
  fault(call: FaultCall): Promise<void>;
  /** A token for this server that expires in `expiresInSeconds` (negative: already expired). */
  token: string;
  mintToken(expiresInSeconds: number, subject?: string): Promise<string>;
  /** Stops the server, waits `downMs`, and starts it again on the same port. */
  restart(downMs: number): Promise<void>;
}

/** Starts a reference server for the current test; it stops when the test finishes. */
export async function startTestChatServer(options?: ChatServerOptions): Promise<TestChatServer> {
  const handle = await commands.startChatServer(options);
  onTestFinished(() => commands.stopChatServer(handle.id));
  return {
    ...handle,
    frames: () => commands.chatServerFrames(handle.id),
    fault: (call) => commands.chatServerFault(handle.id, call),
    mintToken: (expiresInSeconds, subject) =>
      commands.chatServerToken({ expiresInSeconds, subject }),
    restart: (downMs) => commands.restartChatServer(handle.id, downMs),
  };
}
