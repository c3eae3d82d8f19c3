import { useRef } from 'react';
import { selectMessageIds } from '../core/selectors.ts';
import { useChatStore } from '../react/context.tsx';
import { cn } from './class-names.ts';
import { MessageItem } from './message-item.tsx';
import { useChatUi } from './ui-context.tsx';
import { useStickToBottom } from './use-stick-to-bottom.ts';

/**
 * The transcript. It re-renders only when a message is added: each message subscribes to
 * its own entry, so a streamed token re-renders just the reply it belongs to.
 */
export function MessageList() {
  const messageIds = useChatStore(selectMessageIds);
  const { labels, classNames } = useChatUi();
  const scrollerRef = useRef<HTMLDivElement>(null);
  const contentRef = useRef<HTMLOListElement>(null);
  useStickToBottom(scrollerRef, contentRef);

  return (
    <div
      ref={scrollerRef}
      role="log"
      aria-label={labels.conversation}
      aria-live="polite"
      data-slot="message-list"
      // Scrollable regions must be reachable by keyboard to be scrolled without a mouse.
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable log needs keyboard focus
      tabIndex={0}
      className={cn(
        'cw:min-h-0 cw:flex-1 cw:overflow-y-auto cw:px-3 cw:py-3 cw:focus-visible:outline-2 cw:focus-visible:-outline-offset-2 cw:focus-visible:outline-(--chatwire-accent)',
        classNames.messageList,
      )}
    >
      {messageIds.length === 0 && (
        <p className="cw:py-8 cw:text-center cw:text-sm cw:text-(--chatwire-muted)">
          {labels.emptyConversation}
        </p>
      )}
      <ol ref={contentRef} className="cw:m-0 cw:flex cw:list-none cw:flex-col cw:gap-2 cw:p-0">
        {messageIds.map((id) => (
          <MessageItem key={id} id={id} />
        ))}
      </ol>
    </div>
  );
}
