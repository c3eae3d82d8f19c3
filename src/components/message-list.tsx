import { memo, type ReactNode, startTransition, useEffect, useRef, useState } from 'react';
import { sameItems } from '../core/same-items.ts';
import { selectMessageIds } from '../core/selectors.ts';
import { useChatStore } from '../react/context.tsx';
import { cn } from './class-names.ts';
import { MessageItem } from './message-item.tsx';
import { Starters, selectNothingSaid } from './starters.tsx';
import { useChatUi } from './ui-context.tsx';
import { useStickToBottom } from './use-stick-to-bottom.ts';
import { whenIdle } from './when-idle.ts';

/**
 * The transcript. It re-renders only when a message is added: each message subscribes to
 * its own entry, so a streamed token re-renders just the reply it belongs to. While the user
 * reads further up, new messages are counted in a "new messages" pill that jumps back down.
 * Until anything is said it shows the empty state: the host's welcome (or the
 * `emptyConversation` label) above the transcript, and its starters below it.
 */
export function MessageList() {
  const messageIds = useChatStore(selectMessageIds);
  const nothingSaid = useChatStore(selectNothingSaid);
  const firstShown = useProgressiveMount(messageIds);
  const { labels, classNames } = useChatUi();
  const scrollerRef = useRef<HTMLDivElement>(null);
  const contentRef = useRef<HTMLDivElement>(null);
  const { isAtBottom, scrollToBottom } = useStickToBottom(scrollerRef, contentRef);
  const unread = useUnreadWhileAway(messageIds.length, isAtBottom);

  return (
    <div className="cw:log-frame">
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
        className={cn('cw:group/log cw:log', classNames.messageList)}
      >
        {nothingSaid && <EmptyConversation />}
        {/* A list by role, not an ol: its items sit in pages (see PAGE_SIZE), and HTML allows
            nothing but li between an ol and its items. */}
        {/* biome-ignore lint/a11y/useSemanticElements: pages sit between the list and its items */}
        <div ref={contentRef} role="list" className="cw:flex cw:flex-col cw:gap-2">
          {pagesFrom(messageIds, firstShown)}
        </div>
        {/* After the transcript, so they follow the server's greeting, beside the composer. */}
        {nothingSaid && <Starters />}
      </div>
      {unread > 0 && (
        <button
          type="button"
          data-slot="new-messages"
          onClick={scrollToBottom}
          className="cw:jump-latest"
        >
          {labels.newMessages(unread)}
        </button>
      )}
    </div>
  );
}

/**
 * The host's `welcome` in place of the `emptyConversation` label, when given. A `div`, not a
 * `p`: a welcome may hold paragraphs of its own. `null` or `false` shows neither.
 */
function EmptyConversation() {
  const { labels, welcome } = useChatUi();
  if (welcome === undefined) return <p className="cw:log-empty">{labels.emptyConversation}</p>;
  if (welcome === null || welcome === false) return null;
  return (
    <div data-slot="welcome" className="cw:welcome">
      {welcome}
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

/**
 * Messages per page of the transcript. Each page is a layout island, so a step of a long
 * history's mount lays out the page it adds rather than the whole transcript. A step adds one
 * page: few enough messages that its render, commit and layout stay under a long task on a
 * small machine.
 *
 * Pages rather than an island per message: every island is a layer to the browser, and with
 * thousands of them each scroll frame that moved the painted area repainted them all.
 */
const PAGE_SIZE = 40;

/** Messages rendered at once when a transcript mounts with a long history: at least this many. */
const FIRST_WINDOW = 40;

/**
 * The transcript's pages from the one that holds `ids[first]` on: page n holds the messages
 * whose index divided by {@link PAGE_SIZE} is n. A message added or removed anywhere but at
 * the end (a reply another tab shares by time, a history restored late, a clear that keeps
 * the reply still streaming) moves one message per later page to the next page, which builds
 * it anew; keeping each message on its page would cost bytes the main entry does not have.
 */
function pagesFrom(ids: readonly string[], first: number): ReactNode[] {
  const pages: ReactNode[] = [];
  for (let start = first; start < ids.length; ) {
    const page = Math.floor(start / PAGE_SIZE);
    const end = (page + 1) * PAGE_SIZE;
    pages.push(<MessagePage key={page} ids={ids.slice(start, end)} />);
    start = end;
  }
  return pages;
}

/** One page: renders again only when its own messages change, as the latest page does. */
const MessagePage = memo(
  function MessagePage({ ids }: { ids: readonly string[] }) {
    return (
      // No role: the messages are the list's items to assistive tech, the page only groups them.
      <div
        data-slot="message-page"
        className="cw:flex cw:flex-col cw:gap-2 cw:[contain:layout_style]"
      >
        {ids.map((id) => (
          <MessageItem key={id} id={id} />
        ))}
      </div>
    );
  },
  (previous, next) => sameItems(previous.ids, next.ids),
);

/**
 * The index of the first message to render: 0, except that a long history mounts with its
 * latest pages (at least {@link FIRST_WINDOW} messages) and fills in older ones a page at a
 * time in the background, as interruptible transitions when the browser is idle (so a scroll
 * keeps its frames). The latest messages, which are what a user sees first, show at once; the
 * full transcript follows within a second or so, above the view, where the browser's scroll
 * anchoring keeps whatever the user is reading in place.
 */
function useProgressiveMount(ids: readonly string[]): number {
  // The oldest message rendered so far, or null once every message is.
  const [firstShown, setFirstShown] = useState(() => latestWindowStart(ids));
  // A history that arrives all at once after mounting (restored from storage) is shown the
  // same way: its latest messages first. Set while rendering, so the whole history is never
  // rendered in between.
  const knownLength = useRef(ids.length);
  const arrivedAtOnce = ids.length - knownLength.current > FIRST_WINDOW;
  knownLength.current = ids.length;
  // A message list that no longer holds that message (a cleared conversation) shows in full.
  const start = firstShown === null ? 0 : Math.max(0, ids.indexOf(firstShown));
  if (arrivedAtOnce && start === 0) setFirstShown(latestWindowStart(ids));
  useEffect(() => {
    if (start === 0) return;
    return whenIdle(() => {
      startTransition(() => {
        const next = start - PAGE_SIZE;
        setFirstShown(next > 0 ? (ids[next] ?? null) : null);
      });
    });
  }, [ids, start]);
  return start;
}

/**
 * The first message of the page that holds the {@link FIRST_WINDOW}th latest, or null when
 * that is the first page.
 */
function latestWindowStart(ids: readonly string[]): string | null {
  const start = ids.length - FIRST_WINDOW;
  return start < PAGE_SIZE ? null : (ids[start - (start % PAGE_SIZE)] ?? null);
}
