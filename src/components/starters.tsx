import type { MouseEvent } from 'react';
import { selectConnectionStatus } from '../core/selectors.ts';
import type { ChatState } from '../core/state.ts';
import { useChatActions, useChatStore } from '../react/context.tsx';
import { moveFocusToComposer } from './focus.ts';
import { useChatUi } from './ui-context.tsx';

/**
 * Whether nothing has been said yet: no message from the user or the assistant. Server
 * notices ("Connected to chatbot server") do not count: the server greets every new socket,
 * so a conversation that only counted as empty with no message at all would lose its
 * welcome and starters the moment the widget connects.
 *
 * It stops at the first user or assistant message, which in a conversation that has begun
 * is one of the first few: cheap enough to run on every store update.
 */
export const selectNothingSaid = (state: ChatState): boolean =>
  !state.messageIds.some((id) => {
    const role = state.messagesById[id]?.role;
    return role === 'user' || role === 'assistant';
  });

/**
 * The host's starter suggestions, as buttons in a group named by the `suggestions` label.
 * One click sends the starter's text as the user's message, exactly as if typed, and puts
 * focus in the composer: the button is about to go with the rest of the empty state, and the
 * composer is where the user carries on. Render it only while {@link selectNothingSaid}.
 */
export function Starters() {
  const { starters, labels } = useChatUi();
  const { sendMessage } = useChatActions();
  // Like the composer: a message can be queued while offline, but not sent without a sign-in.
  const isUnauthorized = useChatStore((state) => selectConnectionStatus(state) === 'unauthorized');
  if (starters === undefined || starters.length === 0) return null;

  const onClick = (event: MouseEvent<HTMLButtonElement>, text: string) => {
    // Before sending: the send removes this button, and focus must not fall to the page.
    moveFocusToComposer(event.currentTarget);
    sendMessage(text);
  };
  return (
    // A fieldset is for a form's inputs and wants a visible legend; these are actions, named
    // for screen readers only.
    // biome-ignore lint/a11y/useSemanticElements: a group of buttons outside any form
    <div role="group" aria-label={labels.suggestions} data-slot="starters" className="cw:starters">
      {starters.map((text) => (
        <button
          key={text}
          type="button"
          data-slot="starter"
          // Each starter takes its own direction: an English one in an Arabic panel keeps
          // its question mark at its end.
          dir="auto"
          disabled={isUnauthorized}
          onClick={(event) => onClick(event, text)}
          className="cw:starter"
        >
          {text}
        </button>
      ))}
    </div>
  );
}
