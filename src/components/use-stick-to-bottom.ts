import { type RefObject, useCallback, useEffect, useRef, useState } from 'react';

/** How close to the bottom, in px, still counts as "reading the latest". */
const BOTTOM_SLACK_PX = 24;

/** What `useStickToBottom` tells the transcript. */
export interface StickToBottom {
  /** Whether the user is reading the latest (and so the view follows new content). */
  isAtBottom: boolean;
  /** Scrolls to the latest and follows again. */
  scrollToBottom: () => void;
}

/**
 * Keeps a scroll container pinned to its bottom while its content grows (a streaming reply,
 * a new message), but only while the user is already there: once they scroll up to read,
 * nothing moves under them until they come back. Scrolling happens in a ResizeObserver
 * callback, at most once per frame, never as a forced layout per token.
 */
export function useStickToBottom(
  scrollerRef: RefObject<HTMLElement | null>,
  contentRef: RefObject<HTMLElement | null>,
): StickToBottom {
  const isPinned = useRef(true);
  const [isAtBottom, setIsAtBottom] = useState(true);

  useEffect(() => {
    const scroller = scrollerRef.current;
    const content = contentRef.current;
    if (!scroller || !content) return;
    let lastTop = scroller.scrollTop;
    const onScroll = () => {
      const distance = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight;
      // Only a scroll up lets go of the bottom. The scroll that followed the content may be
      // reported after the next growth is already in the DOM, and must not count as one.
      const movedUp = scroller.scrollTop < lastTop;
      lastTop = scroller.scrollTop;
      if (distance <= BOTTOM_SLACK_PX) isPinned.current = true;
      else if (movedUp) isPinned.current = false;
      setIsAtBottom(isPinned.current);
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

  const scrollToBottom = useCallback(() => {
    const scroller = scrollerRef.current;
    if (!scroller) return;
    isPinned.current = true;
    setIsAtBottom(true);
    scroller.scrollTo({
      top: scroller.scrollHeight,
      behavior: prefersReducedMotion() ? 'auto' : 'smooth',
    });
  }, [scrollerRef]);

  return { isAtBottom, scrollToBottom };
}

function prefersReducedMotion(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
}
