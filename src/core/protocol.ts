/**
 * The chatwire wire contract: every frame the browser sends and every frame the chatbot
 * server sends, exactly as the backend's WebSocket Chat API document defines them.
 *
 * Frames are JSON objects with a `type` discriminant and an ISO-8601 `timestamp`.
 * Nothing here validates beyond `isFrameTypeIn`; see `parse.ts` for turning untrusted data
 * into these types.
 */

/** A user's chat message, sent to the chatbot. */
export interface ChatFrame {
  type: 'chat';
  content: string;
  timestamp: string;
}

/** A request to hand the conversation over to a person. */
export interface HumanEscalationFrame {
  type: 'human-escalation';
  reason: string;
  timestamp: string;
}

/** Keep-alive; the server answers with `pong`. */
export interface PingFrame {
  type: 'ping';
  timestamp: string;
}

/** Every frame the client may send. */
export type ClientFrame = ChatFrame | HumanEscalationFrame | PingFrame;

/** Sent by the server once a connection is accepted. */
export interface ConnectionFrame {
  type: 'connection';
  message: string;
  timestamp: string;
}

/** An assistant reply begins; tokens for `messageId` follow. */
export interface StreamStartFrame {
  type: 'stream-start';
  messageId: string;
  timestamp: string;
}

/** One token (a word or part of one) of the reply `messageId`. */
export interface StreamTokenFrame {
  type: 'stream-token';
  messageId: string;
  token: string;
  timestamp: string;
}

/** The reply `messageId` is complete. */
export interface StreamEndFrame {
  type: 'stream-end';
  messageId: string;
  timestamp: string;
}

/** The server's answer to a `human-escalation` request. */
export interface HumanEscalationResponseFrame {
  type: 'human-escalation-response';
  message: string;
  timestamp: string;
}

/** Something went wrong on the server, or the client sent something it could not use. */
export interface ErrorFrame {
  type: 'error';
  message: string;
  timestamp: string;
}

/** The answer to `ping`. */
export interface PongFrame {
  type: 'pong';
  timestamp: string;
}

/** Every frame the server may send. */
export type ServerFrame =
  | ConnectionFrame
  | StreamStartFrame
  | StreamTokenFrame
  | StreamEndFrame
  | HumanEscalationResponseFrame
  | ErrorFrame
  | PongFrame;

/** The `type` of a client frame. */
export type ClientFrameType = ClientFrame['type'];
/** The `type` of a server frame. */
export type ServerFrameType = ServerFrame['type'];

/**
 * The string fields each server frame must carry, besides `type`.
 * `timestamp` is listed too: the protocol puts one on every frame.
 */
export const SERVER_FRAME_FIELDS = {
  connection: ['message', 'timestamp'],
  'stream-start': ['messageId', 'timestamp'],
  'stream-token': ['messageId', 'token', 'timestamp'],
  'stream-end': ['messageId', 'timestamp'],
  'human-escalation-response': ['message', 'timestamp'],
  error: ['message', 'timestamp'],
  pong: ['timestamp'],
} as const satisfies {
  [Type in ServerFrameType]: readonly Exclude<keyof Extract<ServerFrame, { type: Type }>, 'type'>[];
};

/** The string fields each client frame must carry, besides `type`. */
export const CLIENT_FRAME_FIELDS = {
  chat: ['content', 'timestamp'],
  'human-escalation': ['reason', 'timestamp'],
  ping: ['timestamp'],
} as const satisfies {
  [Type in ClientFrameType]: readonly Exclude<keyof Extract<ClientFrame, { type: Type }>, 'type'>[];
};

/**
 * True when `type` names one of the frames in `fields` (`SERVER_FRAME_FIELDS` or
 * `CLIENT_FRAME_FIELDS`). Own keys only, so a `type` of 'toString' or '__proto__' is not
 * mistaken for a frame type. Shared by chatwire's parser and the reference server, so both
 * ends tell frame types apart the same way.
 */
export function isFrameTypeIn<Fields extends Readonly<Record<string, readonly string[]>>>(
  fields: Fields,
  type: string,
): type is Extract<keyof Fields, string> {
  return Object.hasOwn(fields, type);
}
