/**
 * What happened, as the store tells its listeners: a message sent, a reply started, resumed
 * or ended (and how: complete, interrupted or stopped), a reply rated, an escalation asked for or answered, a notice from the server, the
 * conversation cleared, a problem. The live announcer, the launcher's unread badge and the
 * host's callbacks all listen to these same events, so they can never disagree about whether
 * a reply finished.
 *
 * Events are worked out from each reducer step (the event applied and the states before and
 * after it), in `happenings`, a pure function. Only what happens here and now is news: a
 * conversation restored from storage or shared by another tab raises none.
 */
import type { ChatEvent } from './reduce.ts';
import { isOpenReply, replyIdFor } from './reply-streams.ts';
import type {
  AssistantMessage,
  ChatMessage,
  ChatState,
  Problem,
  ReplyFeedback,
  SystemMessage,
  UserMessage,
} from './state.ts';

/**
 * How a reply stopped streaming: it finished, it was cut off (see its `interruption`), or
 * the user stopped it.
 */
export type ReplyEnding = 'complete' | 'interrupted' | 'stopped';

/** Something that happened in a chat, as the store reports it. */
export type ChatHappening =
  /** The user sent a message (it may wait `queued` for the connection). */
  | { type: 'message-sent'; message: UserMessage }
  /** A reply began streaming. */
  | { type: 'reply-started'; reply: AssistantMessage }
  /** A reply that went quiet (interrupted as `stalled`) is streaming again. */
  | { type: 'reply-resumed'; reply: AssistantMessage }
  /**
   * A reply stopped streaming: `complete`, or `interrupted` (see its `interruption`). A reply
   * interrupted only for going quiet may still resume, and then ends again.
   */
  | { type: 'reply-ended'; reply: AssistantMessage; how: ReplyEnding }
  /** The user rated a finished reply (`'up'` or `'down'`), or took the rating back (`null`). */
  | { type: 'reply-rated'; reply: AssistantMessage; feedback: ReplyFeedback | null }
  /** The user asked for a person. */
  | { type: 'escalation-requested'; reason: string }
  /** The server answered the request for a person. */
  | { type: 'escalation-answered'; message: SystemMessage }
  /** The server's greeting, shown in the transcript. */
  | { type: 'notice-received'; message: SystemMessage }
  /** The user cleared the conversation. */
  | { type: 'conversation-cleared' }
  /** Something from the server or storage could not be used; the widget carries on. */
  | { type: 'problem'; problem: Problem };

/** The type of each happening, for listeners that switch on it. */
export type ChatHappeningType = ChatHappening['type'];

/** What one reducer step, `event` taking `before` to `after`, means to a listener. */
export function happenings(event: ChatEvent, before: ChatState, after: ChatState): ChatHappening[] {
  if (after === before) return [];
  const found: ChatHappening[] = [];
  if (after.problems !== before.problems) {
    const problem = after.problems.at(-1);
    if (problem) found.push({ type: 'problem', problem });
  }
  switch (event.type) {
    case 'user-message-added': {
      const message = after.messagesById[event.id];
      if (message?.role === 'user' && message !== before.messagesById[event.id])
        found.push({ type: 'message-sent', message });
      break;
    }
    case 'escalation-requested':
      found.push({ type: 'escalation-requested', reason: event.reason });
      break;
    case 'history-cleared':
      if (after.clearedAt !== before.clearedAt) found.push({ type: 'conversation-cleared' });
      break;
    case 'history-shared':
      // The messages another tab shares are old news; a clear made there empties this
      // transcript now, and that is news here too.
      if (after.clearedAt !== before.clearedAt) found.push({ type: 'conversation-cleared' });
      break;
    case 'tokens-received': {
      // Tokens touch one reply: looking at it alone keeps a token's cost a lookup, not a scan
      // of the transcript.
      const id = replyIdFor(before, event.messageId);
      if (id !== null) found.push(...replyChange(before.messagesById[id], after.messagesById[id]));
      break;
    }
    case 'reply-rated': {
      const reply = after.messagesById[event.id];
      if (reply?.role === 'assistant')
        found.push({ type: 'reply-rated', reply, feedback: reply.feedback ?? null });
      break;
    }
    case 'frame-received':
    case 'replies-stopped':
    case 'connection-changed':
    case 'stalled-streams-checked':
      found.push(...newMessages(before, after), ...replyChanges(before, after));
      break;
    default:
      // Every other event is bookkeeping, or news from elsewhere (storage, another tab).
      break;
  }
  return found;
}

/** Replies started and server notices added by this step. */
function newMessages(before: ChatState, after: ChatState): ChatHappening[] {
  if (after.messageIds === before.messageIds) return [];
  const found: ChatHappening[] = [];
  for (const id of after.messageIds.slice(before.messageIds.length)) {
    const message = after.messagesById[id];
    if (!message || before.messagesById[id]) continue;
    if (message.role === 'assistant') found.push({ type: 'reply-started', reply: message });
    if (message.role === 'system')
      found.push(
        message.source === 'escalation'
          ? { type: 'escalation-answered', message }
          : { type: 'notice-received', message },
      );
  }
  return found;
}

/** Replies that stopped streaming, or started again, in this step. */
function replyChanges(before: ChatState, after: ChatState): ChatHappening[] {
  if (after.messagesById === before.messagesById) return [];
  return before.messageIds.flatMap((id) =>
    replyChange(before.messagesById[id], after.messagesById[id]),
  );
}

/**
 * What became of one reply between two states. A reply that goes quiet is told as ended
 * (interrupted) at once; if it then resumes, or simply ends after all, that is told too,
 * whether tokens came between or not. Being cut for good after going quiet is no news.
 */
function replyChange(was: ChatMessage | undefined, now: ChatMessage | undefined): ChatHappening[] {
  if (now === was || now?.role !== 'assistant' || was?.role !== 'assistant') return [];
  if (now.status === 'streaming')
    return was.status === 'streaming' ? [] : [{ type: 'reply-resumed', reply: now }];
  const endedQuietReply = isOpenReply(was) && !isOpenReply(now) && now.status !== 'interrupted';
  if (was.status === 'streaming' || endedQuietReply)
    return [{ type: 'reply-ended', reply: now, how: now.status }];
  return [];
}
