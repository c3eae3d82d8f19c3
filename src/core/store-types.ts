/**
 * The shapes of a chat store: its options, its actions, and the transport a connection
 * attaches to it. The behaviour is in store.ts.
 */
import type { StoreApi } from 'zustand/vanilla';
import type { ChatHappening } from './events.ts';
import type { LinkState } from './link.ts';
import type { ParseResult } from './parse.ts';
import type { ChatHistory, ChatHistoryOptions } from './persistence.ts';
import type { ClientFrame, ServerFrameType } from './protocol.ts';
import type { ChatEvent } from './reduce.ts';
import type { ChatState, Problem, ReplyFeedback } from './state.ts';

/** What the store asks of the connection attached to it. */
export interface Transport {
  /** Puts one frame on the wire. Returns false when it could not be sent (no open socket). */
  send(frame: ClientFrame): boolean;
  /** Reconnects at once, skipping any backoff wait. */
  reconnectNow(): void;
}

/** Options for `createChatStore`. All are optional. */
export interface ChatStoreOptions {
  /** State to start from, e.g. a seeded conversation in a story or a test. */
  initialState?: ChatState;
  /** The clock; injectable for deterministic tests. Defaults to `new Date()`. */
  now?: () => Date;
  /**
   * Makes the ids of new messages (the user's, replies, notices), unique across the tabs that
   * may share the conversation. Defaults to `crypto.randomUUID()` (random bytes where a page
   * served over plain http: lacks it).
   */
  createId?: () => string;
  /** Called for each frame chatwire could not use. The widget carries on regardless. */
  onProblem?: (problem: Problem) => void;
  /** The longest message a user may send, in characters. Defaults to 4,000. */
  maxMessageLength?: number;
  /**
   * Keeps the conversation between visits. Nothing is read or written until
   * `store.history.open(key)` names the conversation.
   */
  history?: ChatHistoryOptions;
}

/** What the UI and the connection can do with a chat store. */
export interface ChatActions {
  /**
   * Sends a chat message, or queues it until the connection opens. Surrounding whitespace is
   * trimmed; returns false (and sends nothing) for an empty or over-long message.
   */
  sendMessage(text: string): boolean;
  /** Asks for a person. Returns false when one was already asked for or no socket is open. */
  requestHuman(reason?: string): boolean;
  /** Removes a banner. */
  dismissBanner(id: string): void;
  /**
   * Feeds one raw message from the socket: parsed, validated, then reduced. Returns the
   * frame's type, or null when it could not be used.
   */
  receive(data: unknown): ServerFrameType | null;
  /**
   * Feeds several raw messages at once (e.g. the tokens of one animation frame): they are
   * reduced in order and subscribers are told once. Returns each frame's type or null.
   */
  receiveMany(batch: readonly unknown[]): (ServerFrameType | null)[];
  /**
   * Feeds frames already parsed (by the connection, as they arrived) and, when given, the
   * link state they left the connection in: all applied as one update.
   */
  receiveParsed(batch: readonly ParseResult[], connection?: LinkState): void;
  /** Records the link machine's new state; on opening, queued messages are sent in order. */
  setConnection(connection: LinkState): void;
  /** Sends a `failed` message again (it is queued until a socket is open). */
  retryMessage(id: string): void;
  /**
   * Asks again for a reply that was interrupted: the user's message it answered is sent
   * once more, as a new message. Returns false when there is none to resend.
   */
  retryReply(assistantId: string): boolean;
  /**
   * Stops the replies still streaming: their text so far stays, marked `stopped`, and the
   * rest the server sends is declined. The protocol has no cancel frame, so the server keeps
   * generating. Returns false when nothing was streaming.
   */
  stopReplies(): boolean;
  /**
   * Keeps the user's rating of a finished reply (`'up'` or `'down'`), or takes it back
   * (`null`). Returns false when the reply is not there or not finished.
   */
  rateReply(id: string, feedback: ReplyFeedback | null): boolean;
  /** Asks the attached connection to reconnect at once, skipping any backoff wait. */
  reconnectNow(): void;
  /** Interrupts replies that received nothing for `stallTimeoutMs`. */
  checkStalledStreams(stallTimeoutMs: number): void;
  /** Lets actions send and reconnect through `transport`. Returns a function that detaches it. */
  attachTransport(transport: Transport): () => void;
  /**
   * Clears the conversation, here and in storage (and so in other tabs open on it). A reply
   * still streaming and messages still waiting to be sent stay.
   */
  clearHistory(): void;
  /** Applies any event directly: for replays, stories and custom integrations. */
  dispatch(event: ChatEvent): void;
}

/** A chat store: a zustand store of `ChatState` with its actions alongside. */
export interface ChatStore extends StoreApi<ChatState> {
  actions: ChatActions;
  /**
   * Calls `listener` with each thing that happens from now on (a message sent, a reply
   * ended, …), after the state shows it. Returns a function that stops listening.
   */
  listen(listener: (happening: ChatHappening) => void): () => void;
  /** The stored conversation, when the store was made with `history`; null otherwise. */
  history: ChatHistory | null;
}
