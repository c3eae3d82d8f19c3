/**
 * Link states for tests and stories: the connection as the link machine would leave it in
 * each status the UI shows, for a store seeded without a real socket.
 */
import { initialLinkState, type LinkState } from '../../src/core/link.ts';
import type { ClientFrame } from '../../src/core/protocol.ts';
import type { ConnectionStatus } from '../../src/core/state.ts';
import type { Transport } from '../../src/core/store.ts';

const PHASE_OF = {
  idle: { phase: 'idle' },
  connecting: { phase: 'connecting', socketId: 1 },
  open: { phase: 'open', socketId: 1, healthy: true },
  reconnecting: { phase: 'waiting', socketId: 1, failures: 1 },
  offline: { phase: 'offline', socketId: 1 },
  unauthorized: { phase: 'unauthorized', authProblem: 'no-token' },
  closed: { phase: 'stopped', socketId: 1, failures: 10 },
} as const satisfies Record<ConnectionStatus, Partial<LinkState>>;

/** A link state the UI shows as `status`, with `fields` on top. */
export function linkIn(status: ConnectionStatus, fields: Partial<LinkState> = {}): LinkState {
  return { ...initialLinkState(), ...PHASE_OF[status], ...fields };
}

/** A transport around `send` that counts the reconnects asked of it. */
export function transportOf(
  send: (frame: ClientFrame) => boolean,
): Transport & { reconnects: number } {
  const transport = {
    reconnects: 0,
    send,
    reconnectNow() {
      transport.reconnects++;
    },
  };
  return transport;
}
