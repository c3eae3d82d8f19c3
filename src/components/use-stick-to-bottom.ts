import { type RefObject, useEffect, useRef } from 'react';

/** How close to the bottom, in px, still counts as "reading the latest". */
const BOTTOM_SLACK_PX = 24;

/**
 * Keeps a scroll container pinned to its bottom while its content grows (a streaming reply,
 * a new message), but only while the user is already at the bottom: scrolling up to read
 * is never undone.
 */
export function useStickToBottom(
  scrollerRef: RefObject<HTMLElement | null>,
  contentRef: RefObject<HTMLElement | null>,
): void {
  const isPinned = useRef(true);

  useEffect(() => {
    const scroller = scrollerRef.current;
    const content = contentRef.current;
    if (!scroller || !content) return;
    const onScroll = () => {
      const distance = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight;
      isPinned.current = distance <= BOTTOM_SLACK_PX;
    };
    const observer = new ResizeObserver(() => {
      if (isPinned.current) scroller.scrollTop = scroller.scrollHeight;
    });
    scroller.addEventListener('scroll', onScroll, { passive: true });
    observer.observe(content);
    return () => {
      scroller.removeEventListener('scroll', onScroll);
      observer.disconnect();
    };
  }, [scrollerRef, contentRef]);
}
