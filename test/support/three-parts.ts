/**
 * The three parts of a chatwire deployment for one browser test: this page's widget, the
 * reference server and the FastAPI example, the last two as real processes started in the
 * vitest process and stopped when the test finishes.
 */
import { onTestFinished } from 'vitest';
import { commands } from 'vitest/browser';
import type {
  BackendAvailability,
  DirectChatRequest,
  DirectChatResponse,
  FakeOpenAiHandle,
  FakeOpenAiOptions,
  FakeOpenAiRequest,
  ReceivedChat,
  ThreePartsHandle,
  ThreePartsOptions,
} from './three-parts-types.ts';

declare module 'vitest/browser' {
  interface BrowserCommands {
    fastApiAvailability(): Promise<BackendAvailability>;
    startThreeParts(options: ThreePartsOptions): Promise<ThreePartsHandle>;
    stopThreeParts(id: string): Promise<void>;
    killFastApi(id: string): Promise<void>;
    fastApiRequests(id: string): Promise<ReceivedChat[]>;
    fastApiLog(id: string): Promise<string>;
    serverLog(id: string): Promise<string>;
    postToFastApi(id: string, request: DirectChatRequest): Promise<DirectChatResponse>;
    startFakeOpenAi(options: FakeOpenAiOptions): Promise<FakeOpenAiHandle>;
    fakeOpenAiRequests(id: string): Promise<FakeOpenAiRequest[]>;
    stopFakeOpenAi(id: string): Promise<void>;
  }
}

/** Whether this machine can run the FastAPI part, and what to say if not. */
export const fastApiAvailability = () => commands.fastApiAvailability();

/** The reference server and FastAPI behind it, under a browser test's control. */
export interface ThreeParts extends ThreePartsHandle {
  /** SIGKILLs uvicorn, mid-stream or not. */
  killFastApi(): Promise<void>;
  /** The chats the scripted backend received, oldest first. */
  received(): Promise<ReceivedChat[]>;
  /** What uvicorn and the app logged so far. */
  fastApiLog(): Promise<string>;
  /** What the reference server logged so far, one line per event, each starting with its time. */
  serverLog(): Promise<string>;
  /** Sends a request straight to FastAPI's `/chat`, past the reference server. */
  post(request: DirectChatRequest): Promise<DirectChatResponse>;
}

/** Starts the server-side parts for the current test; they stop when the test finishes. */
export async function startThreeParts(options: ThreePartsOptions): Promise<ThreeParts> {
  const handle = await commands.startThreeParts(options);
  onTestFinished(() => commands.stopThreeParts(handle.id));
  return {
    ...handle,
    killFastApi: () => commands.killFastApi(handle.id),
    received: () => commands.fastApiRequests(handle.id),
    fastApiLog: () => commands.fastApiLog(handle.id),
    serverLog: () => commands.serverLog(handle.id),
    post: (request) => commands.postToFastApi(handle.id, request),
  };
}

/** A fake OpenAI-compatible API for the current test, stopped when it finishes. */
export interface FakeOpenAi extends FakeOpenAiHandle {
  requests(): Promise<FakeOpenAiRequest[]>;
}

export async function startFakeOpenAi(options: FakeOpenAiOptions): Promise<FakeOpenAi> {
  const handle = await commands.startFakeOpenAi(options);
  onTestFinished(() => commands.stopFakeOpenAi(handle.id));
  return { ...handle, requests: () => commands.fakeOpenAiRequests(handle.id) };
}
