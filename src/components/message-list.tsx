import { startTransition, useEffect, useRef, useState } from 'react';
import { selectMessageIds } from '../core/selectors.ts';
import { useChatStore } from '../react/context.tsx';
import { cn } from './class-names.ts';
import { MessageItem } from './message-item.tsx';
import { useChatUi } from './ui-context.tsx';
import { useStickToBottom } from './use-stick-to-bottom.ts';
import { whenIdle } from './when-idle.ts';

/**
 * The transcript. It re-renders only when a message is added: each message subscribes to
 * its own entry, so a streamed token re-renders just the reply it belongs to. While the user
 * reads further up, new messages are counted in a "new messages" pill that jumps back down.
 */
export function MessageList() {
  const allMessageIds = useChatStore(selectMessageIds);
  const messageIds = useProgressiveMount(allMessageIds);
  const { labels, classNames } = useChatUi();
  const scrollerRef = useRef<HTMLDivElement>(null);
  const contentRef = useRef<HTMLOListElement>(null);
  const { isAtBottom, scrollToBottom } = useStickToBottom(scrollerRef, contentRef);
  const unread = useUnreadWhileAway(allMessageIds.length, isAtBottom);

  return (
    <div className="cw:relative cw:flex cw:min-h-0 cw:flex-1 cw:flex-col">
      <div
        ref={scrollerRef}
        role="log"
        aria-label={labels.conversation}
        // Not live: LiveAnnouncer says each finished reply once instead of word by word.
        aria-live="off"
        data-slot="message-list"
        // Scrollable regions must be reachable by keyboard to be scrolled without a mouse.
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable log needs keyboard focus
        tabIndex={0}
        className={cn(
          'cw:group/log cw:min-h-0 cw:flex-1 cw:overflow-y-auto cw:overscroll-contain cw:px-3 cw:py-3 cw:focus-visible:outline-2 cw:focus-visible:-outline-offset-2 cw:focus-visible:outline-(--chatwire-accent)',
          classNames.messageList,
        )}
      >
        {allMessageIds.length === 0 && (
          <p className="cw:py-8 cw:text-center cw:text-sm cw:text-(--chatwire-muted)">
            {labels.emptyConversation}
          </p>
        )}
        <ol
          ref={contentRef}
          // Each message is its own layout island: adding one (or older ones above) lays out
          // that message, not every message after it. Without it, each background step of a
          // long history's mount re-laid out the whole transcript.
          className="cw:m-0 cw:flex cw:list-none cw:flex-col cw:gap-2 cw:p-0 cw:[&>li]:[contain:layout_style]"
        >
          {messageIds.map((id) => (
            <MessageItem key={id} id={id} />
          ))}
        </ol>
      </div>
      {unread > 0 && (
        <button
          type="button"
          data-slot="new-messages"
          onClick={scrollToBottom}
          className="cw:absolute cw:bottom-2 cw:left-1/2 cw:-translate-x-1/2 cw:cursor-pointer cw:rounded-full cw:bg-(--chatwire-accent) cw:px-3 cw:py-1 cw:text-xs cw:font-medium cw:text-(--chatwire-on-accent) cw:shadow-md cw:focus-visible:outline-2 cw:focus-visible:outline-offset-2 cw:focus-visible:outline-(--chatwire-accent)"
        >
          {labels.newMessages(unread)}
        </button>
      )}
    </div>
  );
}

/** How many messages arrived since the user scrolled away from the bottom. */
function useUnreadWhileAway(messageCount: number, isAtBottom: boolean): number {
  const [countWhenLeft, setCountWhenLeft] = useState<number | null>(null);
  useEffect(() => {
    setCountWhenLeft(isAtBottom ? null : (previous) => previous ?? messageCount);
  }, [isAtBottom, messageCount]);
  return countWhenLeft === null ? 0 : Math.max(0, messageCount - countWhenLeft);
}

/** Messages rendered at once when a transcript mounts with a long history. */
const FIRST_WINDOW = 40;
/**
 * Older messages added per background step after that: few enough that a step's render,
 * commit and layout stay under a long task on a small machine.
 */
const FILL_STEP = 40;

/**
 * The messages to render: all of them, except that a long history mounts with its latest
 * {@link FIRST_WINDOW} and fills in older ones {@link FILL_STEP} at a time in the background,
 * as interruptible transitions when the browser is idle (so a scroll keeps its frames). The latest messages, which are what a user
 * sees first, show at once; the full transcript follows within a second or so, above the
 * view, where the browser's scroll anchoring keeps whatever the user is reading in place.
 */
function useProgressiveMount(ids: readonly string[]): readonly string[] {
  // The oldest message rendered so far, or null once every message is.
  const [firstShown, setFirstShown] = useState(() => latestWindowStart(ids));
  // A history that arrives all at once after mounting (restored from storage) is shown the
  // same way: its latest messages first. Set while rendering, so the whole history is never
  // rendered in between.
  const knownLength = useRef(ids.length);
  const arrivedAtOnce = ids.length - knownLength.current > FIRST_WINDOW;
  knownLength.current = ids.length;
  if (arrivedAtOnce && firstShown === null) setFirstShown(latestWindowStart(ids));
  // A message list that no longer holds that message (a cleared conversation) shows in full.
  const start = firstShown === null ? 0 : Math.max(0, ids.indexOf(firstShown));
  useEffect(() => {
    if (start === 0) return;
    return whenIdle(() => {
      startTransition(() => {
        const next = start - FILL_STEP;
        setFirstShown(next > 0 ? (ids[next] ?? null) : null);
      });
    });
  }, [ids, start]);
  return start === 0 ? ids : ids.slice(start);
}

/** The first of the latest {@link FIRST_WINDOW} messages, or null when there are no more. */
function latestWindowStart(ids: readonly string[]): string | null {
  return ids.length > FIRST_WINDOW ? (ids[ids.length - FIRST_WINDOW] ?? null) : null;
}
