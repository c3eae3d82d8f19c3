'use client';

/**
 * chatwire: a React chat widget for AI chatbot backends.
 *
 * `import { ChatWidget } from 'chatwire'` and `import 'chatwire/styles.css'`.
 * For a UI of your own, see `chatwire/headless`.
 */
export { ChatPanel, type ChatPanelProps, type ChatTheme } from './components/chat-panel.tsx';
export {
  ChatWidget,
  type ChatWidgetProps,
  DEFAULT_SERVER_URL,
  type EscalationHappening,
} from './components/chat-widget.tsx';
export { type ChatLabels, DEFAULT_LABELS } from './components/labels.ts';
export type { ChatClassNames, ChatPart, RenderMessage } from './components/ui-context.tsx';
export type * from './public-types.ts';
