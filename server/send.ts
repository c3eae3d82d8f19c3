/**
 * The one way a frame leaves the reference server. Every frame passes the same gates here —
 * the silence fault, a socket that is no longer open, the send buffer's hard limit — and is
 * recorded and logged the same way, whichever handler sent it.
 */
import { WebSocket } from 'ws';
import type { ServerFrame } from '../src/core/protocol.ts';
import { type Context, now, type Peer } from './context.ts';

/**
 * Writes a frame and records it; returns false (and records nothing) when the frame was
 * suppressed: by the silence fault, a socket no longer open, or a backlog over the hard limit
 * (which also terminates the socket).
 */
export function send(ctx: Context, peer: Peer, frame: ServerFrame): boolean {
  if (ctx.faults.silent || peer.socket.readyState !== WebSocket.OPEN) return false;
  if (peer.socket.bufferedAmount > ctx.settings.sendBufferLimitBytes) {
    terminateSlowReader(ctx, peer);
    return false;
  }
  peer.socket.send(JSON.stringify(frame));
  if (ctx.settings.recordFrames) ctx.sent.push({ connectionId: peer.id, at: now(), frame });
  // Tokens are too chatty to log one by one (and are the user's conversation).
  if (frame.type !== 'stream-token')
    ctx.log(`#${peer.id} -> ${frame.type}${'messageId' in frame ? ` ${frame.messageId}` : ''}`);
  return true;
}

/** Sends an `error` frame saying `message`. */
export function sendError(ctx: Context, peer: Peer, message: string): void {
  send(ctx, peer, { type: 'error', message, timestamp: now() });
}

/**
 * The client has stopped reading and the backlog passed the hard limit. A close frame would only
 * queue behind the backlog, so the socket is destroyed at once, freeing what it held.
 */
function terminateSlowReader(ctx: Context, peer: Peer): void {
  ctx.log(
    `#${peer.id} terminated: ${peer.socket.bufferedAmount} bytes unsent, over the ${ctx.settings.sendBufferLimitBytes}-byte limit (client not reading)`,
  );
  peer.socket.terminate();
}
