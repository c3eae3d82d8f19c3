/**
 * One widget's chat store: zustand's vanilla store holding a `ChatState`, driven by the pure
 * reducer, plus the actions the UI and the connection call.
 *
 * The store never touches the network. A connection (`createChatConnection`) attaches a
 * `Transport` while it runs: actions send through it while the socket is open, keep messages
 * `queued` while it is not, and ask it to reconnect when the user wants the connection back.
 */
import { createStore, type StateCreator } from 'zustand/vanilla';
import { chatFrame, humanEscalationFrame } from './encode.ts';
import { type ChatHappening, happenings } from './events.ts';
import { parseServerFrame } from './parse.ts';
import { withHistory } from './persistence.ts';
import type { ClientFrame, ServerFrame } from './protocol.ts';
import { randomId } from './random-id.ts';
import { type ChatEvent, reduce } from './reduce.ts';
import { isOpenReply } from './reply-streams.ts';
import { selectConnectionStatus } from './selectors.ts';
import { type ChatState, initialChatState } from './state.ts';
import type { ChatActions, ChatStore, ChatStoreOptions, Transport } from './store-types.ts';

export type {
  ChatActions,
  ChatStore,
  ChatStoreOptions,
  Transport,
} from './store-types.ts';

/** The default reason sent with a `human-escalation` frame when the user gives none. */
export const DEFAULT_ESCALATION_REASON = 'Need human assistance';
/** The longest message a user may send, in characters, unless the host says otherwise. */
export const DEFAULT_MAX_MESSAGE_LENGTH = 4_000;

/**
 * Adds the event for a received frame to `events`; a token for the same reply as the event
 * before it joins that event, so a batch of tokens becomes one update of the reply. A frame
 * that adds a message gets a fresh id for it, unique across tabs that share the conversation.
 */
function addFrameEvent(
  events: ChatEvent[],
  frame: ServerFrame,
  at: string,
  createId: () => string,
): void {
  if (frame.type !== 'stream-token') {
    events.push(
      addsMessage(frame)
        ? { type: 'frame-received', frame, at, newMessageId: createId() }
        : { type: 'frame-received', frame, at },
    );
    return;
  }
  const last = events.at(-1);
  if (last?.type === 'tokens-received' && last.messageId === frame.messageId) {
    // Made in this batch and not dispatched yet: extended in place, not copied per token.
    last.text += frame.token;
    last.count++;
    return;
  }
  events.push({
    type: 'tokens-received',
    messageId: frame.messageId,
    text: frame.token,
    count: 1,
    at,
  });
}

/** Frames that may add a message to the transcript: a reply, or a notice from the server. */
function addsMessage(frame: ServerFrame): boolean {
  return (
    frame.type === 'stream-start' ||
    frame.type === 'connection' ||
    frame.type === 'human-escalation-response'
  );
}

/** Creates the store for one chat widget. Each widget needs its own. */
export function createChatStore(options: ChatStoreOptions = {}): ChatStore {
  const now = options.now ?? (() => new Date());
  const createId = options.createId ?? randomId;
  const maxMessageLength = options.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH;
  let transport: Transport | null = null;
  const timestamp = () => now().toISOString();

  const initial: StateCreator<ChatState> = () => options.initialState ?? initialChatState();
  const kept =
    options.history &&
    withHistory(initial, options.history, {
      dispatch: (event) => dispatch(event),
      timestamp,
      // Messages queued before the page closed go out now if the socket is already open.
      restored: () => flushQueue(),
    });
  const store = createStore<ChatState>()(kept ? kept.creator : initial);

  const listeners = new Set<(happening: ChatHappening) => void>();

  function dispatch(event: ChatEvent): void {
    dispatchAll([event]);
  }

  /**
   * Applies events in order and tells subscribers once, however many there were; then tells
   * listeners what happened, step by step.
   */
  function dispatchAll(events: readonly ChatEvent[]): void {
    const before = store.getState();
    // Worked out at each step: a batch of bad frames may add more problems than the state
    // keeps, and every one of them is still reported.
    const found: ChatHappening[] = [];
    let after = before;
    for (const event of events) {
      const next = reduce(after, event);
      found.push(...happenings(event, after, next));
      after = next;
    }
    if (after === before) return;
    store.setState(after, true);
    for (const happening of found) {
      if (happening.type === 'problem') tell(() => options.onProblem?.(happening.problem));
      for (const listener of listeners) tell(() => listener(happening));
    }
  }

  /**
   * Calls a listener or host callback. One that throws must not keep the others from hearing,
   * nor break the dispatch that called it (a batch of frames, the link step after it): its
   * error is thrown again on its own, where the page's error reporting sees it.
   */
  function tell(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  /** A user who writes to a connection that gave up wants it back: try again at once. */
  function requestReconnectIfStopped(): void {
    if (selectConnectionStatus(store.getState()) === 'closed') transport?.reconnectNow();
  }

  /** Sends through the attached transport, if any and if the socket is open. */
  function trySend(frame: ClientFrame): boolean {
    if (!transport || selectConnectionStatus(store.getState()) !== 'open') return false;
    return transport.send(frame);
  }

  function flushQueue(): void {
    for (const id of store.getState().messageIds) {
      const message = store.getState().messagesById[id];
      if (message?.role !== 'user' || message.status !== 'queued') continue;
      // Stop at the first failure so the queue stays in order for the next open.
      if (!trySend(chatFrame(message.text, now()))) return;
      dispatch({ type: 'user-message-delivered', id });
    }
  }

  const actions: ChatActions = {
    sendMessage(text) {
      const content = text.trim();
      if (content === '') return false;
      if (content.length > maxMessageLength) {
        dispatch({
          type: 'banner-raised',
          kind: 'error',
          text: `Message is too long (${content.length} characters; the limit is ${maxMessageLength}).`,
          at: timestamp(),
        });
        return false;
      }
      const id = `user:${createId()}`;
      requestReconnectIfStopped();
      // Anything already queued goes first, so messages reach the server in the order typed.
      flushQueue();
      const hasQueue = hasQueuedMessages(store.getState());
      const sent = !hasQueue && trySend(chatFrame(content, now()));
      dispatch({
        type: 'user-message-added',
        id,
        text: content,
        status: sent ? 'sent' : 'queued',
        at: timestamp(),
      });
      return true;
    },

    requestHuman(reason = DEFAULT_ESCALATION_REASON) {
      if (store.getState().escalation.status === 'requested') return false;
      const why = reason.trim() || DEFAULT_ESCALATION_REASON;
      if (!trySend(humanEscalationFrame(why, now()))) {
        dispatch({
          type: 'banner-raised',
          kind: 'error',
          text: 'Not connected, so no one could be asked to join. Try again once the connection is back.',
          at: timestamp(),
        });
        return false;
      }
      dispatch({ type: 'escalation-requested', reason: why, at: timestamp() });
      return true;
    },

    dismissBanner(id) {
      dispatch({ type: 'banner-dismissed', id });
    },

    receive(data) {
      return actions.receiveMany([data])[0] ?? null;
    },

    receiveMany(batch) {
      const at = timestamp();
      const results = batch.map((data) => parseServerFrame(data, at));
      actions.receiveParsed(results);
      return results.map((result) => (result.ok ? result.frame.type : null));
    },

    receiveParsed(batch, connection) {
      const at = timestamp();
      const events: ChatEvent[] = [];
      // Warnings (a frame without a timestamp) do not change the conversation: they are
      // applied after the frames, so they never split a run of tokens into many updates.
      const warnings: ChatEvent[] = [];
      for (const result of batch) {
        if (!result.ok) {
          events.push({ type: 'frame-rejected', problem: result.problem, at });
          continue;
        }
        for (const warning of result.warnings)
          warnings.push({ type: 'frame-warning', problem: warning, at });
        addFrameEvent(events, result.frame, at, createId);
      }
      if (connection) events.push({ type: 'connection-changed', connection, at });
      dispatchAll([...events, ...warnings]);
    },

    setConnection(connection) {
      const wasOpen = selectConnectionStatus(store.getState()) === 'open';
      dispatch({ type: 'connection-changed', connection, at: timestamp() });
      // Only on the way in: the link changes often while open, and the queue is already
      // empty then.
      if (selectConnectionStatus(store.getState()) === 'open' && !wasOpen) flushQueue();
    },

    retryMessage(id) {
      dispatch({ type: 'user-message-retried', id });
      flushQueue();
      requestReconnectIfStopped();
    },

    retryReply(assistantId) {
      const question = questionBefore(store.getState(), assistantId);
      return question !== null && actions.sendMessage(question);
    },

    stopReplies() {
      const before = store.getState();
      dispatch({ type: 'replies-stopped', at: timestamp() });
      return store.getState() !== before;
    },

    rateReply(id, feedback) {
      dispatch({ type: 'reply-rated', id, feedback, at: timestamp() });
      const message = store.getState().messagesById[id];
      return (
        message?.role === 'assistant' &&
        !isOpenReply(message) &&
        (message.feedback ?? null) === feedback
      );
    },

    reconnectNow() {
      transport?.reconnectNow();
    },

    clearHistory() {
      dispatch({ type: 'history-cleared', at: timestamp() });
    },

    checkStalledStreams(stallTimeoutMs) {
      dispatch({ type: 'stalled-streams-checked', at: timestamp(), stallTimeoutMs });
    },

    attachTransport(next) {
      transport = next;
      flushQueue();
      return () => {
        if (transport === next) transport = null;
      };
    },

    dispatch,
  };

  const listen = (listener: (happening: ChatHappening) => void) => {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  };
  return Object.assign(store, { actions, listen, history: kept ? kept.attach(store) : null });
}

function hasQueuedMessages(state: ChatState): boolean {
  return state.messageIds.some((id) => {
    const message = state.messagesById[id];
    return message?.role === 'user' && message.status === 'queued';
  });
}

/** The text of the user's message closest before `messageId` in the transcript, if any. */
function questionBefore(state: ChatState, messageId: string): string | null {
  const index = state.messageIds.indexOf(messageId);
  for (let at = index - 1; at >= 0; at--) {
    const message = state.messagesById[state.messageIds[at] ?? ''];
    if (message?.role === 'user') return message.text;
  }
  return null;
}
