import { useEffect, useRef, useState } from 'react';
import type { ChatState } from '../core/state.ts';
import { plainTextOf } from '../markdown/plain-text-of.ts';
import { useChatStoreApi } from '../react/context.tsx';
import { useChatUi } from './ui-context.tsx';
import { whenIdle } from './when-idle.ts';

/**
 * What screen readers hear, said once and in full. The transcript itself is not a live
 * region: a reply streaming into one is read word by word by most screen readers, which is
 * noise. Instead a finished reply and each server notice are announced politely here, and a
 * lost connection assertively. Polite announcements are prepared when the page is next idle:
 * turning a long markdown reply into its words means lexing all of it again, which should
 * not lengthen the frame that shows the reply's end.
 */
export function LiveAnnouncer() {
  const store = useChatStoreApi();
  const { labels, renderMarkdown } = useChatUi();
  const [polite, setPolite] = useState('');
  const [assertive, setAssertive] = useState('');
  const labelsRef = useRef(labels);
  labelsRef.current = labels;
  // Markdown is announced as the words it shows, not its markup ("**bold**" as "bold").
  const spokenRef = useRef((text: string) => text);
  spokenRef.current = renderMarkdown === true ? plainTextOf : (text) => text;

  useEffect(() => {
    // Only replies seen streaming are watched, so a token costs a lookup, not a scan.
    const streaming = new Set<string>();
    // What waits to be said, in order, as functions so the words are worked out when idle.
    let queued: (() => string)[] = [];
    let cancelIdle: (() => void) | null = null;
    const sayWhenIdle = (parts: (() => string)[]) => {
      queued.push(...parts);
      cancelIdle ??= whenIdle(() => {
        cancelIdle = null;
        const due = queued;
        queued = [];
        setPolite(due.map((part) => part()).join('\n'));
      });
    };
    const onChange = (state: ChatState, previous: ChatState) => {
      const said: (() => string)[] = [];
      if (state.messageIds !== previous.messageIds) {
        const known = new Set(previous.messageIds);
        for (const id of state.messageIds) {
          const message = state.messagesById[id];
          // Only what happens here and now is news: not a conversation restored from storage.
          if (known.has(id) || !message || store.history?.isRestored(id)) continue;
          if (message.role === 'assistant' && message.status === 'streaming') streaming.add(id);
          if (message.role === 'system') said.push(() => message.text);
        }
      }
      if (state.messagesById !== previous.messagesById) {
        for (const id of streaming) {
          const message = state.messagesById[id];
          if (message?.role !== 'assistant' || message.status === 'streaming') continue;
          streaming.delete(id);
          if (message.status === 'complete')
            said.push(() => `${labelsRef.current.assistant}: ${spokenRef.current(message.text)}`);
        }
      }
      if (state.clearedAt !== previous.clearedAt && state.clearedAt !== null) {
        said.push(() => labelsRef.current.conversationCleared);
      }
      if (said.length > 0) sayWhenIdle(said);
      const wasOpen = previous.connection.status === 'open';
      const lost =
        state.connection.status === 'reconnecting' || state.connection.status === 'offline';
      if (wasOpen && lost) setAssertive(labelsRef.current.connection[state.connection.status]);
      if (state.connection.status === 'open' && !wasOpen) setAssertive('');
    };
    const unsubscribe = store.subscribe(onChange);
    return () => {
      unsubscribe();
      cancelIdle?.();
    };
  }, [store]);

  return (
    <>
      <div data-slot="announcer" aria-live="polite" aria-atomic="true" className="cw:sr-only">
        {polite}
      </div>
      <div
        data-slot="announcer-urgent"
        aria-live="assertive"
        aria-atomic="true"
        className="cw:sr-only"
      >
        {assertive}
      </div>
    </>
  );
}
