import { useEffect, useRef, useState } from 'react';
import { selectConnectionStatus } from '../core/selectors.ts';
import { withoutDirectionControls } from '../markdown/bidi.ts';
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
  const { labels, renderMarkdown, announce } = useChatUi();
  const [polite, setPolite] = useState('');
  const [assertive, setAssertive] = useState('');
  // The same words twice in a row change nothing in the region, and so are not said: it is
  // emptied first, and the words put back a frame later.
  const sayAgainRef = useRef((text: string) => {
    setPolite('');
    requestAnimationFrame(() => setPolite(text));
  });
  useEffect(() => {
    if (!announce) return;
    announce.current = sayAgainRef.current;
    return () => {
      announce.current = null;
    };
  }, [announce]);
  const labelsRef = useRef(labels);
  labelsRef.current = labels;
  // Markdown is announced as the words it shows, not its markup ("**bold**" as "bold"), and
  // from the same text the transcript shows: without direction controls, which can change
  // what the markup means.
  const spokenRef = useRef(withoutDirectionControls);
  spokenRef.current =
    renderMarkdown === true
      ? (text) => plainTextOf(withoutDirectionControls(text))
      : withoutDirectionControls;

  useEffect(() => {
    // What waits to be said, in order, as functions so the words are worked out when idle.
    let queued: (() => string)[] = [];
    let cancelIdle: (() => void) | null = null;
    const sayWhenIdle = (part: () => string) => {
      queued.push(part);
      cancelIdle ??= whenIdle(() => {
        cancelIdle = null;
        const due = queued;
        queued = [];
        setPolite(due.map((say) => say()).join('\n'));
      });
    };
    // The store says what happened here and now; a conversation restored from storage is
    // not news, and raises nothing.
    const unlisten = store.listen((happening) => {
      switch (happening.type) {
        case 'reply-ended': {
          const { reply, how } = happening;
          if (how === 'complete')
            sayWhenIdle(() => `${labelsRef.current.assistant}: ${spokenRef.current(reply.text)}`);
          // The user pressed Stop (or Escape): confirm it, without reading half a reply.
          if (how === 'stopped') sayAgainRef.current(labelsRef.current.replyStopped);
          return;
        }
        case 'notice-received':
        case 'escalation-answered':
          sayWhenIdle(() => withoutDirectionControls(happening.message.text));
          return;
        case 'conversation-cleared':
          sayWhenIdle(() => labelsRef.current.conversationCleared);
          return;
        default:
          return;
      }
    });
    const unsubscribe = store.subscribe((state, previous) => {
      const status = selectConnectionStatus(state);
      const wasOpen = selectConnectionStatus(previous) === 'open';
      const lost = status === 'reconnecting' || status === 'offline';
      if (wasOpen && lost) setAssertive(labelsRef.current.connection[status]);
      if (status === 'open' && !wasOpen) setAssertive('');
    });
    return () => {
      unlisten();
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
