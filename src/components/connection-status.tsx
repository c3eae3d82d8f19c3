import { selectConnectionStatus } from '../core/selectors.ts';
import { useChatStore } from '../react/context.tsx';
import { cn } from './class-names.ts';
import { useChatUi } from './ui-context.tsx';

const DOT_COLOR = {
  idle: 'cw:bg-gray-400',
  connecting: 'cw:bg-amber-400',
  open: 'cw:bg-emerald-500',
  reconnecting: 'cw:bg-amber-500',
  offline: 'cw:bg-gray-500',
  unauthorized: 'cw:bg-red-500',
  closed: 'cw:bg-gray-500',
} as const;

/** Where the connection is, announced politely to screen readers as it changes. */
export function ConnectionStatus() {
  const status = useChatStore(selectConnectionStatus);
  const { labels, classNames } = useChatUi();
  return (
    <div
      role="status"
      data-slot="connection-status"
      data-status={status}
      className={cn(
        'cw:flex cw:items-center cw:gap-1.5 cw:text-xs cw:text-(--chatwire-muted)',
        classNames.connectionStatus,
      )}
    >
      <span aria-hidden="true" className={cn('cw:size-2 cw:rounded-full', DOT_COLOR[status])} />
      {labels.connection[status]}
    </div>
  );
}
