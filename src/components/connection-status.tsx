import { useEffect, useState } from 'react';
import { selectAuthProblem, selectConnectionStatus, selectNextRetryAt } from '../core/selectors.ts';
import { useChatActions, useChatStore } from '../react/context.tsx';
import { cn } from './class-names.ts';
import { InlineAction } from './inline-action.tsx';
import type { ChatLabels } from './labels.ts';
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

/**
 * Where the connection is, announced politely as it changes, with "Reconnect now" while
 * chatwire is waiting to retry or has given up. The retry countdown is shown but not
 * announced, so a screen reader is not read a number every second.
 */
export function ConnectionStatus() {
  const status = useChatStore(selectConnectionStatus);
  const authProblem = useChatStore(selectAuthProblem);
  const nextRetryAt = useChatStore(selectNextRetryAt);
  const { reconnectNow } = useChatActions();
  const { labels, classNames } = useChatUi();
  const text =
    status === 'unauthorized' && authProblem === 'expired'
      ? labels.sessionExpired
      : labels.connection[status];
  // Offered while waiting out a backoff or after giving up; during an attempt it would do nothing.
  const canReconnect = (status === 'reconnecting' && nextRetryAt !== null) || status === 'closed';
  return (
    <div
      data-slot="connection-status"
      data-status={status}
      className={cn('cw:status', classNames.connectionStatus)}
    >
      <span aria-hidden="true" className={cn('cw:size-2 cw:rounded-full', DOT_COLOR[status])} />
      <span role="status">{text}</span>
      {status === 'reconnecting' && nextRetryAt !== null && (
        <Countdown until={nextRetryAt} labels={labels} />
      )}
      {canReconnect && <InlineAction onActivate={reconnectNow}>{labels.reconnectNow}</InlineAction>}
    </div>
  );
}

function Countdown({ until, labels }: { until: number; labels: ChatLabels }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  const seconds = Math.max(0, Math.ceil((until - now) / 1_000));
  if (seconds === 0) return null;
  return <span aria-hidden="true">· {labels.reconnectingIn(seconds)}</span>;
}

/** An auth failure, announced at once: the user must act before chatting again. */
export function AuthAlert() {
  const status = useChatStore(selectConnectionStatus);
  const authProblem = useChatStore(selectAuthProblem);
  const { labels, classNames } = useChatUi();
  if (status !== 'unauthorized' || (authProblem !== 'expired' && authProblem !== 'rejected'))
    return null;
  return (
    <div
      role="alert"
      data-slot="auth-alert"
      data-problem={authProblem}
      className={cn('cw:auth-alert', classNames.banner)}
    >
      {authProblem === 'expired' ? labels.sessionExpiredAlert : labels.signInRejectedAlert}
    </div>
  );
}
