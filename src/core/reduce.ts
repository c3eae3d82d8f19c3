/**
 * The chat reducer: `reduce(state, event) → state`, pure and synchronous.
 *
 * Invariants (checked by the property test beside this file):
 * - An assistant message's text is exactly the tokens accepted for its `messageId` on its
 *   connection, in arrival order; tokens for another id never touch it (interleaved streams
 *   stay apart). A server's ids name replies on one connection only: the same id on a later
 *   connection, or after its reply finished, starts a new reply under chatwire's own id.
 * - Once an assistant message is `complete`, or `interrupted` by a lost connection, it never
 *   changes again; duplicate and late frames are recorded as problems and otherwise ignored.
 *   (A reply interrupted only for going quiet resumes if its tokens come after all.)
 * - Nothing a server sends throws: a frame that makes no sense now becomes a `Problem`.
 * - When an event changes nothing, the same state object is returned, so subscribers
 *   selecting from it do not re-render.
 * - The server's `connection` greeting is shown once per widget, not once per reconnect.
 *
 * Any bug can be replayed as a list of events: `events.reduce(reduce, initialChatState())`.
 *
 * This module routes each event to the part of the state it is about, and each part has its
 * own module: streamed replies (`reply-streams.ts`), the user's messages (`user-messages.ts`),
 * changes of connection (`connection-changes.ts`), stored history (`history.ts`), banners and
 * problems (`notices.ts`) and the transcript's bookkeeping (`transcript.ts`).
 */
import { changeConnection } from './connection-changes.ts';
import type { StoredHistory } from './history.ts';
import {
  clearConversation,
  forgetConversation,
  restoreHistory,
  shareHistory,
} from './history-merge.ts';
import type { LinkState } from './link.ts';
import { addProblem, noticeUnreadable, raiseBanner } from './notices.ts';
import type { FrameProblem } from './parse.ts';
import type { ServerFrame } from './protocol.ts';
import {
  appendTokens,
  endStream,
  interruptStalledStreams,
  rateReply,
  startStream,
  stopReplies,
  streamingIds,
} from './reply-streams.ts';
import type { BannerKind, ChatState, ReplyFeedback } from './state.ts';
import { addSystemMessage } from './transcript.ts';
import { addUserMessage, awaitReply, setUserStatus } from './user-messages.ts';

// How a reply's id is found is part of the reducer's interface: tests and replays name
// replies by it, so it is offered here beside `reduce`.
export { assistantMessageKey, replyIdFor } from './reply-streams.ts';

/** Everything that can happen to a chat widget. `at` is an ISO-8601 time. */
export type ChatEvent =
  | {
      type: 'frame-received';
      frame: ServerFrame;
      at: string;
      /**
       * A unique id for the message this frame adds to the transcript, if it adds one (a
       * reply's `stream-start`, a server notice); the store makes one per frame. Without it the
       * reducer derives one that is unique in this state only, which suits tests and replays
       * but not two tabs sharing a conversation.
       */
      newMessageId?: string;
    }
  /** A frame that could not be used: recorded, and the user told (at most once a minute). */
  | { type: 'frame-rejected'; problem: FrameProblem; at: string }
  /** A frame used despite a flaw (no timestamp): recorded only. */
  | { type: 'frame-warning'; problem: FrameProblem; at: string }
  /**
   * `count` consecutive `stream-token` frames for one reply, their tokens joined as `text`:
   * a frame's worth of tokens applied as one update, so a long transcript is not copied once
   * per token.
   */
  | { type: 'tokens-received'; messageId: string; text: string; count: number; at: string }
  | { type: 'user-message-added'; id: string; text: string; status: 'queued' | 'sent'; at: string }
  | { type: 'user-message-delivered'; id: string }
  | { type: 'user-message-failed'; id: string }
  /** The link machine moved on: `connection` is its new state, the one home of those facts. */
  | { type: 'connection-changed'; connection: LinkState; at: string }
  | { type: 'user-message-retried'; id: string }
  | { type: 'stalled-streams-checked'; at: string; stallTimeoutMs: number }
  /** The user stopped the replies still open: kept as they are, the rest declined. */
  | { type: 'replies-stopped'; at: string }
  /** The user rated a finished reply, or took the rating back (`null`). */
  | { type: 'reply-rated'; id: string; feedback: ReplyFeedback | null; at: string }
  | { type: 'escalation-requested'; reason: string; at: string }
  | { type: 'banner-raised'; kind: BannerKind; text: string; at: string }
  | { type: 'banner-dismissed'; id: string }
  /** This conversation's history, read back from storage as the widget starts. */
  | { type: 'history-restored'; history: StoredHistory; at: string; queuedElsewhere: boolean }
  /** What another tab open on the same conversation stored. */
  | { type: 'history-shared'; history: StoredHistory; at: string }
  /** The user cleared the conversation: settled messages go, in-flight ones stay. */
  | { type: 'history-cleared'; at: string }
  /** Another conversation is about to be loaded (the signed-in user changed): forget this one. */
  | { type: 'history-forgotten' }
  /** Stored history could not be read or written. */
  | {
      type: 'history-problem';
      kind: 'history-unreadable' | 'history-not-saved';
      message: string;
      at: string;
    };

/** Applies one event. Returns `state` itself when nothing changed. */
export function reduce(state: ChatState, event: ChatEvent): ChatState {
  switch (event.type) {
    case 'frame-received':
      return reduceFrame(state, event.frame, event.at, event.newMessageId);
    case 'frame-rejected':
      return noticeUnreadable(
        addProblem(state, event.problem.kind, event.problem.message, event.at),
        event.at,
      );
    case 'frame-warning':
      return addProblem(state, event.problem.kind, event.problem.message, event.at);
    case 'tokens-received':
      return appendTokens(state, event.messageId, event.text, event.count, event.at);
    case 'user-message-added':
      return addUserMessage(state, event);
    case 'user-message-delivered':
      return awaitReply(setUserStatus(state, event.id, 'queued', 'sent'), event.id);
    case 'user-message-failed':
      return setUserStatus(state, event.id, 'queued', 'failed');
    case 'connection-changed':
      return changeConnection(state, event.connection);
    case 'user-message-retried':
      return setUserStatus(state, event.id, 'failed', 'queued');
    case 'stalled-streams-checked':
      return interruptStalledStreams(state, event.at, event.stallTimeoutMs);
    case 'replies-stopped':
      return stopReplies(state, event.at);
    case 'reply-rated':
      return rateReply(state, event.id, event.feedback, event.at);
    case 'escalation-requested':
      if (state.escalation.status === 'requested') return state;
      return { ...state, escalation: { status: 'requested', reason: event.reason } };
    case 'banner-raised':
      return raiseBanner(state, event.kind, event.text, event.at);
    case 'banner-dismissed': {
      const banners = state.banners.filter((banner) => banner.id !== event.id);
      return banners.length === state.banners.length ? state : { ...state, banners };
    }
    case 'history-restored':
      return restoreHistory(state, event.history, {
        now: event.at,
        queuedElsewhere: event.queuedElsewhere,
      });
    case 'history-shared':
      return shareHistory(state, event.history, event.at);
    case 'history-cleared':
      return clearConversation(state, event.at);
    case 'history-forgotten':
      return forgetConversation(state);
    case 'history-problem':
      return addProblem(state, event.kind, event.message, event.at);
    default:
      return event satisfies never;
  }
}

/** Applies events in order: `apply(state, ...events)`. Handy for tests and replays. */
export function apply(state: ChatState, ...events: ChatEvent[]): ChatState {
  return events.reduce(reduce, state);
}

function reduceFrame(
  state: ChatState,
  frame: ServerFrame,
  at: string,
  newMessageId: string | undefined,
): ChatState {
  switch (frame.type) {
    case 'connection':
      if (state.hasShownConnectionNotice) return state;
      return {
        ...addSystemMessage(state, 'connection', frame.message, at, newMessageId),
        hasShownConnectionNotice: true,
      };
    case 'stream-start':
      return startStream(state, frame.messageId, at, newMessageId);
    case 'stream-token':
      return appendTokens(state, frame.messageId, frame.token, 1, at);
    case 'stream-end':
      return endStream(state, frame.messageId, at);
    case 'human-escalation-response':
      return {
        ...addSystemMessage(state, 'escalation', frame.message, at, newMessageId),
        escalation: { ...state.escalation, status: 'acknowledged' },
      };
    case 'error':
      // Replies open now may be what the error is about: one that ends next was cut by it.
      return {
        ...raiseBanner(state, 'error', frame.message, at),
        streamsAtError: streamingIds(state),
      };
    case 'pong':
      // Its round trip is the link machine's to measure; the conversation does not change.
      return state;
    default:
      return frame satisfies never;
  }
}
