/**
 * Builders for the frames chatwire sends. Each stamps an ISO-8601 timestamp, as the protocol
 * asks of every frame; `now` is injectable so tests and replays are deterministic.
 */
import type { ChatFrame, ClientFrame, HumanEscalationFrame, PingFrame } from './protocol.ts';

/** A `chat` frame carrying the user's message. */
export function chatFrame(content: string, now: Date = new Date()): ChatFrame {
  return { type: 'chat', content, timestamp: now.toISOString() };
}

/** A `human-escalation` frame asking for a person. */
export function humanEscalationFrame(reason: string, now: Date = new Date()): HumanEscalationFrame {
  return { type: 'human-escalation', reason, timestamp: now.toISOString() };
}

/** A `ping` keep-alive frame. */
export function pingFrame(now: Date = new Date()): PingFrame {
  return { type: 'ping', timestamp: now.toISOString() };
}

/** The text to put on the wire for a client frame. */
export function serializeClientFrame(frame: ClientFrame): string {
  return JSON.stringify(frame);
}
