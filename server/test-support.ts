/**
 * Helpers shared by the reference server's tests (not a test file itself): a real `ws` client
 * that queues every frame, and waits with timeouts so a broken server fails a test instead of
 * hanging it.
 */
import { randomBytes } from 'node:crypto';
import { createConnection, type Socket } from 'node:net';
import { expect } from 'vitest';
import { type ClientOptions, WebSocket } from 'ws';
import type { ServerFrame } from '../src/core/protocol.ts';
import type { ReferenceServer } from './index.ts';

export const TIMEOUT_MS = 2000;

export const timestamp = (): string => new Date().toISOString();
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls a condition the test cannot be notified about (server-side counters). */
export async function waitUntil(
  condition: () => boolean,
  what: string,
  ms = TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

export interface CloseInfo {
  code: number;
  reason: string;
}

/** A ws client that queues every frame from the moment it is created, so none can be missed. */
export class TestClient {
  readonly queue: ServerFrame[] = [];
  readonly closed: Promise<CloseInfo>;
  private closeInfo: CloseInfo | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.queue.push(JSON.parse(String(data)) as ServerFrame);
      this.notify();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        this.notify();
      });
    });
    // Errors (e.g. a 503 handshake) surface through `open`/`close`; keep them from crashing the run.
    socket.on('error', () => undefined);
  }

  private notify(): void {
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.add(resolve));
  }

  /** The next frame, waiting for it if need be. */
  next(ms = TIMEOUT_MS): Promise<ServerFrame> {
    const take = async (): Promise<ServerFrame> => {
      for (;;) {
        const frame = this.queue.shift();
        if (frame !== undefined) return frame;
        if (this.closeInfo)
          throw new Error(`socket closed (${this.closeInfo.code}) before the next frame`);
        await this.changed();
      }
    };
    return withTimeout(take(), ms, 'the next frame');
  }

  /** Frames up to and including the first one matching `last`. */
  async until(last: (frame: ServerFrame) => boolean, ms = TIMEOUT_MS): Promise<ServerFrame[]> {
    const frames: ServerFrame[] = [];
    for (;;) {
      const frame = await this.next(ms);
      frames.push(frame);
      if (last(frame)) return frames;
    }
  }

  waitClosed(ms = TIMEOUT_MS): Promise<CloseInfo> {
    return withTimeout(this.closed, ms, 'the socket to close');
  }

  /** The one check that has to be a plain wait: nothing arrives within `ms`. */
  async expectNothingFor(ms: number): Promise<void> {
    await sleep(ms);
    expect(this.queue).toEqual([]);
  }

  send(value: unknown): void {
    this.socket.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  close(): void {
    this.socket.close();
  }
}

/** A socket to `server`, with `?token=` when a token is given; `options` can set e.g. `origin`. */
export function socketFor(
  server: Pick<ReferenceServer, 'url'>,
  token?: string,
  options?: ClientOptions,
): WebSocket {
  return new WebSocket(
    token === undefined ? server.url : `${server.url}/?token=${encodeURIComponent(token)}`,
    options,
  );
}

export async function connect(
  server: Pick<ReferenceServer, 'url'>,
  token?: string,
  options?: ClientOptions,
): Promise<TestClient> {
  const socket = socketFor(server, token, options);
  const client = new TestClient(socket);
  await withTimeout(
    new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    }),
    TIMEOUT_MS,
    'the socket to open',
  );
  return client;
}

/** Connects and consumes the `connection` frame. */
export async function connectReady(
  server: Pick<ReferenceServer, 'url'>,
  token: string,
  options?: ClientOptions,
): Promise<TestClient> {
  const client = await connect(server, token, options);
  expect(await client.next()).toMatchObject({ type: 'connection' });
  return client;
}

/** The server-side id of the most recently accepted connection. */
export function lastConnectionId(server: ReferenceServer): number | undefined {
  return server.sent.findLast((entry) => entry.frame.type === 'connection')?.connectionId;
}

export function tokensOf(frames: ServerFrame[], messageId: string): string {
  return frames
    .map((frame) =>
      frame.type === 'stream-token' && frame.messageId === messageId ? frame.token : '',
    )
    .join('');
}

export const isStreamEnd = (frame: ServerFrame): boolean => frame.type === 'stream-end';

/** A JWT with an arbitrary header, signed with nothing (for `alg: none`). */
export function unsignedToken(header: object, payload: object): string {
  const encode = (part: object): string => Buffer.from(JSON.stringify(part)).toString('base64url');
  return `${encode(header)}.${encode(payload)}.`;
}

/** A client frame as the protocol requires it from clients: a masked text frame (payloads < 64 KiB). */
export function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  if (payload.length >= 65_536) throw new RangeError('maskedTextFrame: payload too large');
  const header =
    payload.length < 126
      ? Buffer.from([0x81, 0x80 | payload.length])
      : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const mask = randomBytes(4);
  const masked = Buffer.alloc(payload.length);
  for (const [index, byte] of payload.entries()) masked[index] = byte ^ (mask[index % 4] ?? 0);
  return Buffer.concat([header, mask, masked]);
}

/**
 * A WebSocket client made by hand on a TCP socket, so a test can do what `ws` never does: stop
 * reading altogether (`pauseReading`), like a stalled or malicious client, while still writing.
 */
export class RawClient {
  private constructor(readonly socket: Socket) {}

  /** Connects and completes the upgrade; rejects unless the server answers 101. */
  static async open(server: ReferenceServer, token: string): Promise<RawClient> {
    const socket = createConnection({ host: '127.0.0.1', port: server.port });
    // After the server drops the connection, writes fail with EPIPE/ECONNRESET: expected here.
    socket.on('error', () => undefined);
    const key = randomBytes(16).toString('base64');
    socket.write(
      `GET /?token=${encodeURIComponent(token)} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n` +
        `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\n` +
        'Sec-WebSocket-Version: 13\r\n\r\n',
    );
    const head = await withTimeout(responseHead(socket), TIMEOUT_MS, 'the upgrade response');
    if (!head.startsWith('HTTP/1.1 101'))
      throw new Error(`upgrade refused: ${head.split('\r\n')[0]}`);
    return new RawClient(socket);
  }

  sendText(text: string): boolean {
    return this.socket.write(maskedTextFrame(text));
  }

  /** Stops reading: the kernel buffers fill, then the server's writes back up. */
  pauseReading(): void {
    this.socket.pause();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Reads up to the blank line ending the HTTP response head; whatever follows is left unread. */
function responseHead(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      socket.pause();
      resolve(received.subarray(0, end).toString('latin1'));
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('socket closed during the upgrade')));
  });
}
