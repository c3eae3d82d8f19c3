/**
 * What a change of the link's state does to the conversation, for the reducer. The link
 * machine (`link.ts`) decides when the connection opens or drops; this decides what that
 * means here: the server's reply ids start over, a reply cut mid-stream is marked
 * interrupted, messages that may never have arrived are marked failed, and an unanswered
 * request for a person is given up.
 */
import type { LinkState } from './link.ts';
import { interruptStreams } from './reply-streams.ts';
import { connectionStatusOf } from './selectors.ts';
import type { ChatState } from './state.ts';
import { failUnanswered } from './user-messages.ts';

/** `state` with the link's new state `connection`, and what its change of status implies. */
export function changeConnection(state: ChatState, connection: LinkState): ChatState {
  if (sameLink(connection, state.connection)) return state;
  const status = connectionStatusOf(connection);
  const previous = connectionStatusOf(state.connection);
  // The link moves on within a status all the time (a tick, a batch of frames): only a change
  // of status means anything to the conversation.
  if (status === previous) return { ...state, connection };
  // Opening or losing a socket is a new connection: the server's reply ids start over.
  const newConnection = (status === 'open') !== (previous === 'open');
  const next = newConnection
    ? { ...state, connection, repliesOnConnection: {} }
    : { ...state, connection };
  if (status === 'open') return next;
  // A request for a person that the server never answered is lost with the socket; let the
  // user ask again rather than leave "Asking for a person…" up forever.
  const escalation =
    next.escalation.status === 'requested'
      ? { ...next.escalation, status: 'idle' as const }
      : next.escalation;
  // A reply can only stream over an open socket: once it is gone, the partial text stays and
  // the reply is marked interrupted, so no spinner is left running. Messages no reply had
  // started for may never have arrived; resending them blindly could duplicate them, so they
  // are marked failed for the user to retry.
  return failUnanswered(interruptStreams({ ...next, escalation }, 'connection-lost', () => true));
}

/** Whether two link states hold the same facts (a replayed or seeded state may be a copy). */
function sameLink(a: LinkState, b: LinkState): boolean {
  if (a === b) return true;
  return (Object.keys(a) as (keyof LinkState)[]).every((key) => a[key] === b[key]);
}
