/** Shapes passed between browser tests and the reference-server commands. */
import type { ServerFrame } from '../../src/core/protocol.ts';

/** How a test's reference server behaves. */
export interface ChatServerOptions {
  /** Delay between reply tokens, in ms. Default 5. */
  tokenDelayMs?: number;
  /** How the server names replies: `per-connection` numbers them msg_1, msg_2, … per socket. */
  messageIds?: 'random' | 'per-connection';
}

/** A running reference server, as a browser test sees it. */
export interface ChatServerHandle {
  id: string;
  url: string;
  /** A valid token for this server, good for an hour. */
  token: string;
}

/** What the server received and sent so far. */
export interface RecordedFrames {
  received: { connectionId: number; frame: unknown }[];
  sent: { connectionId: number; frame: ServerFrame }[];
  attempts: number;
  openConnections: number;
}

/** One flip of a fault switch. */
export type FaultCall =
  | { fault: 'dropAll' }
  | { fault: 'closeAll'; code?: number; reason?: string }
  | { fault: 'setSilent'; on: boolean }
  | { fault: 'setRefuseNew'; on: boolean }
  | { fault: 'setCloseAfterAccept'; on: boolean }
  | { fault: 'setDropAfterTokens'; tokens: number | null };
