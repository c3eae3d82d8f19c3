/**
 * The shape of one chat widget's state. Every finite state is a string union, so the UI can
 * expose it as `data-status` and a reducer switch can be checked for exhaustiveness.
 */
import { initialLinkState, type LinkState } from './link.ts';
import type { FrameProblemKind } from './parse.ts';

/**
 * A user message's delivery: waiting for a connection, handed to the socket, or possibly
 * lost (the socket died before any reply, and the protocol has no acknowledgement to tell).
 */
export type UserMessageStatus = 'queued' | 'sent' | 'failed';

/**
 * An assistant reply: tokens still arriving, finished, cut off (e.g. by a disconnect), or
 * stopped by the user (the server may still be generating it; the rest is declined).
 */
export type AssistantMessageStatus = 'streaming' | 'complete' | 'interrupted' | 'stopped';

/** What the user thought of a reply: good or bad. */
export type ReplyFeedback = 'up' | 'down';

/** Where the socket is in its life. */
export type ConnectionStatus =
  | 'idle'
  | 'connecting'
  | 'open'
  | 'reconnecting'
  | 'offline'
  | 'unauthorized'
  | 'closed';

/** Hand-over to a person: not asked, asked and waiting, or confirmed by the server. */
export type EscalationStatus = 'idle' | 'requested' | 'acknowledged';

/** A message the user wrote. */
export interface UserMessage {
  id: string;
  role: 'user';
  text: string;
  status: UserMessageStatus;
  /** ISO-8601 time the user sent it. */
  createdAt: string;
}

/** A reply streamed by the chatbot. */
export interface AssistantMessage {
  /**
   * chatwire's own id for the reply (`assistant:` and a unique suffix). Not the server's
   * `messageId`, which names a reply only on the connection it came on.
   */
  id: string;
  role: 'assistant';
  /** The server's `messageId` for this reply, as it came on its connection. */
  messageId: string;
  /** All tokens received so far, in arrival order. */
  text: string;
  tokenCount: number;
  status: AssistantMessageStatus;
  /** Why an `interrupted` reply stopped; null otherwise. */
  interruption: ReplyInterruption | null;
  /** ISO-8601 time of `stream-start`. */
  createdAt: string;
  /** ISO-8601 time of the last frame for this reply, to spot a stalled stream. */
  updatedAt: string;
  /** The user's rating of the reply, when they gave one (`onFeedback`); kept in history. */
  feedback?: ReplyFeedback | null;
  /** ISO-8601 time the rating was last given or taken back: the newest wins across tabs. */
  feedbackAt?: string;
}

/**
 * What cut a reply short: the connection dropped, the tokens stopped coming, or the server
 * reported an `error` while it streamed and then ended it (its AI backend failed).
 */
export type ReplyInterruption = 'connection-lost' | 'stalled' | 'server-error';

/** Where a system notice came from. */
export type SystemMessageSource = 'connection' | 'escalation';

/** A notice from the server shown in the transcript (welcome, escalation answer). */
export interface SystemMessage {
  id: string;
  role: 'system';
  source: SystemMessageSource;
  text: string;
  createdAt: string;
}

/** Anything in the transcript. */
export type ChatMessage = UserMessage | AssistantMessage | SystemMessage;

/**
 * What a banner is about: a failure the user should know of, a neutral notice, or chatwire's
 * own notice that something the server sent could not be read (its `text` is
 * {@link UNREADABLE_FRAMES_TEXT}; the widget shows its `unreadableFrames` label instead).
 */
export type BannerKind = 'error' | 'notice' | 'unreadable-frames';

/** A dismissible message above the composer. */
export interface Banner {
  id: string;
  kind: BannerKind;
  text: string;
  /** How many times this same text was raised in a row (shown instead of repeating it). */
  count: number;
  createdAt: string;
}

/** Kinds of protocol problem chatwire records (bad frames and frames that make no sense now). */
export type ProblemKind =
  | FrameProblemKind
  | 'unknown-message-id'
  | 'duplicate-stream-start'
  | 'late-frame'
  | 'history-unreadable'
  | 'history-not-saved';

/**
 * A frame chatwire could not use, or stored history it could not read or write, kept for
 * diagnostics; the widget carries on.
 */
export interface Problem {
  kind: ProblemKind;
  message: string;
  at: string;
}

/** The escalation to a person, if any. */
export interface EscalationState {
  status: EscalationStatus;
  reason: string | null;
}

/** Everything one widget knows. Messages are kept by id so a token re-renders one message. */
export interface ChatState {
  /** Transcript order. Its reference changes only when a message is added. */
  messageIds: string[];
  messagesById: Record<string, ChatMessage>;
  banners: Banner[];
  /**
   * The connection, as the link machine (`link.ts`) keeps it: the one home of every fact
   * about it. The connection (`connection.ts`) writes it; the UI reads it through selectors
   * (`selectConnectionStatus`, `selectNextRetryAt`, …).
   */
  connection: LinkState;
  escalation: EscalationState;
  /**
   * User messages handed to the current socket that no reply has started for yet, oldest
   * first. If the socket dies, these may never have arrived and are marked `failed`.
   */
  awaitingReply: string[];
  /** The most recent protocol problems, oldest first, at most `MAX_PROBLEMS`. */
  problems: Problem[];
  /** The server's `connection` greeting is shown once per widget, not once per reconnect. */
  hasShownConnectionNotice: boolean;
  /** Source of local ids; part of state so that reducing stays pure and replayable. */
  sequence: number;
  /** When the user last cleared the conversation (ISO-8601), or null; kept with the history. */
  clearedAt: string | null;
  /**
   * The replies started on the current connection, by the server's `messageId`: where its
   * tokens and `stream-end` go. A server may number replies per connection (`msg_1`, `msg_2`,
   * …), so an id names a reply only on the connection it came on; this map starts empty on
   * every connection, and a `stream-start` that reuses a finished reply's id starts another.
   * Keys come from the server: look them up with `Object.hasOwn`.
   */
  repliesOnConnection: Record<string, string>;
  /**
   * Replies that were streaming when the server sent an `error` and have had no token since:
   * if one ends now, the error was about it, and it ends `interrupted`.
   */
  streamsAtError: string[];
  /**
   * When the user was last told that frames could not be read (ISO-8601), or null. A server
   * sending garbage by the thousand gets one notice a minute, not one per frame.
   */
  unreadableNoticeAt: string | null;
}

/** How many banners are shown at once; raising another drops the oldest. */
export const MAX_BANNERS = 3;

/** Longer banner texts (a server's error message) are cut to this many characters. */
export const MAX_BANNER_LENGTH = 500;

/** How many problems are kept; older ones are dropped. */
export const MAX_PROBLEMS = 50;

/** The text of the `unreadable-frames` banner, for UIs without chatwire's labels. */
export const UNREADABLE_FRAMES_TEXT = 'Part of a reply could not be read.';

/** At most one "could not be read" notice per this many ms; the rest go to `onProblem` only. */
export const UNREADABLE_NOTICE_INTERVAL_MS = 60_000;

/** The state of a widget that has not connected yet. */
export function initialChatState(): ChatState {
  return {
    messageIds: [],
    messagesById: {},
    banners: [],
    connection: initialLinkState(),
    awaitingReply: [],
    escalation: { status: 'idle', reason: null },
    problems: [],
    hasShownConnectionNotice: false,
    sequence: 0,
    clearedAt: null,
    repliesOnConnection: {},
    streamsAtError: [],
    unreadableNoticeAt: null,
  };
}
