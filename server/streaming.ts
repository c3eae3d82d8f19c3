/**
 * Streaming a reply to one `chat` frame: stream-start, the responder's tokens, stream-end. The
 * tokens are paced by the client's reading (backpressure): while the socket's send buffer is
 * over the high-water mark the responder is not asked for more, and a client that reads
 * nothing for the stall timeout is let go, so a frozen tab cannot hold replies forever.
 */
import { randomBytes } from 'node:crypto';
import { type Connection, type Context, now, type Peer } from './context.ts';
import { dropIfTokensDue } from './faults.ts';
import { waitForRoom } from './limits.ts';
import { send, sendError } from './send.ts';

/**
 * Streams one reply. Runs concurrently with any other replies on the connection; it never
 * rejects, because a responder failure becomes an error frame.
 */
export async function streamReply(
  ctx: Context,
  connection: Connection,
  content: string,
): Promise<void> {
  const messageId = nextMessageId(ctx, connection);
  const controller = new AbortController();
  const { signal } = controller;
  connection.replies.add(controller);
  try {
    send(ctx, connection, { type: 'stream-start', messageId, timestamp: now() });
    const tokens = ctx.settings.responder({
      content,
      connectionId: connection.id,
      subject: connection.subject,
      signal,
    });
    await pumpTokens(ctx, connection, messageId, tokens, signal);
  } catch (error) {
    if (!signal.aborted) {
      ctx.log(
        `#${connection.id} responder failed for ${messageId}: ${error instanceof Error ? error.message : String(error)}`,
      );
      // The client gets no internals, just enough to tie the failure to its message.
      sendError(ctx, connection, `The reply ${messageId} could not be completed`);
    }
  } finally {
    connection.replies.delete(controller);
  }
  // After an abort the socket is gone (or going); the client is not waiting for the end.
  if (!signal.aborted) send(ctx, connection, { type: 'stream-end', messageId, timestamp: now() });
}

/** Counts the reply started and names it, by the `messageIds` scheme. */
function nextMessageId(ctx: Context, connection: Connection): string {
  connection.repliesStarted += 1;
  return ctx.settings.messageIds === 'per-connection'
    ? `msg_${connection.repliesStarted}`
    : `msg_${randomBytes(6).toString('hex')}`;
}

async function pumpTokens(
  ctx: Context,
  connection: Connection,
  messageId: string,
  tokens: AsyncIterable<string>,
  signal: AbortSignal,
): Promise<void> {
  let sentTokens = 0;
  if (dropIfTokensDue(ctx, connection, sentTokens)) return;
  for await (const token of tokens) {
    // Backpressure: while the client is not reading, the responder is not asked for more.
    const { sendBufferHighWaterBytes, sendStallTimeoutMs } = ctx.settings;
    const room = await waitForRoom(
      connection.socket,
      sendBufferHighWaterBytes,
      signal,
      sendStallTimeoutMs,
    );
    if (!room) {
      terminateStalledReader(ctx, connection, sendStallTimeoutMs);
      return;
    }
    if (signal.aborted) return;
    if (send(ctx, connection, { type: 'stream-token', messageId, token, timestamp: now() }))
      sentTokens += 1;
    if (dropIfTokensDue(ctx, connection, sentTokens)) return;
  }
}

/** A reply waited `stallTimeoutMs` for a client that reads nothing: let the client go. */
function terminateStalledReader(ctx: Context, peer: Peer, stallTimeoutMs: number): void {
  ctx.log(`#${peer.id} terminated: read nothing for ${stallTimeoutMs} ms with a reply waiting`);
  peer.socket.terminate();
}
