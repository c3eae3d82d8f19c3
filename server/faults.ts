/**
 * Fault injection for the reference server: the `ServerFaults` switches tests flip to see how
 * chatwire copes with a backend that drops, closes, goes silent or refuses. The switches only
 * set state and act on open sockets; the faults that strike at a particular moment (after
 * accepting, mid-reply) are the functions below, called by the handlers at that moment. The
 * silence and refuse-new switches are read where frames are sent and upgrades answered.
 */
import type { WebSocketServer } from 'ws';
import { abortReplies, type Connection, type Context, type Peer } from './context.ts';
import type { ServerFaults } from './index.ts';

/** Going Away: what closeAll closes with unless told otherwise. */
const CLOSE_GOING_AWAY = 1001;
/** Internal error: what setCloseAfterAccept closes with. */
const CLOSE_INTERNAL_ERROR = 1011;

/** The fault switches of one server, acting on `ctx` and on the sockets `wss` holds. */
export function createFaults(ctx: Context, wss: WebSocketServer): ServerFaults {
  return {
    dropAll: () => {
      for (const socket of wss.clients) socket.terminate();
    },
    closeAll: (code = CLOSE_GOING_AWAY, reason = 'server closing') => {
      for (const socket of wss.clients) socket.close(code, reason);
    },
    setSilent: (on) => {
      ctx.faults.silent = on;
    },
    setRefuseNew: (on) => {
      ctx.faults.refuseNew = on;
    },
    setCloseAfterAccept: (on) => {
      ctx.faults.closeAfterAccept = on;
    },
    setDropAfterTokens: (n) => {
      if (n !== null && !(Number.isInteger(n) && n >= 0))
        throw new RangeError(`setDropAfterTokens: expected a whole number >= 0 or null, got ${n}`);
      ctx.faults.dropAfterTokens = n;
    },
  };
}

/** The setCloseAfterAccept fault, once the connection frame has gone out: close with 1011. */
export function applyCloseAfterAccept(ctx: Context, peer: Peer): void {
  if (ctx.faults.closeAfterAccept)
    peer.socket.close(CLOSE_INTERNAL_ERROR, 'fault: close after accept');
}

/**
 * The setDropAfterTokens fault: terminates the connection mid-stream once `sentTokens` tokens
 * of a reply went out. True when it did, so the reply stops there.
 */
export function dropIfTokensDue(ctx: Context, connection: Connection, sentTokens: number): boolean {
  const limit = ctx.faults.dropAfterTokens;
  if (limit === null || sentTokens < limit) return false;
  ctx.log(`#${connection.id} dropped after ${sentTokens} tokens (fault)`);
  // Abort first so no reply on this connection sends stream-end before the close event arrives.
  abortReplies(connection);
  connection.socket.terminate();
  return true;
}
