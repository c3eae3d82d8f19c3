/**
 * What several story files share: the seeded conversation and its reply, the default panel
 * showing it, a panel that lists the frames it sent, and the checks on how replies render.
 */
import { useState } from 'react';
import { expect } from 'storybook/test';
import { ChatPanel } from '../src/components/chat-panel.tsx';
import type { ChatEvent } from '../src/core/reduce.ts';
import { assistantSaid, connected, Seeded, userSaid } from './seed.tsx';

export const ANSWER =
  'chatwire streams replies **token by token**, keeps your place while you scroll, and hands you to a person whenever you ask.';

/** What a reader sees of ANSWER: its words, the `**` markers turned into bold. */
export const ANSWER_SHOWN =
  'chatwire streams replies token by token, keeps your place while you scroll, and hands you to a person whenever you ask.';

/** `element` shows ANSWER as rendered markdown: the words, no markers, the bold in <strong>. */
export async function expectAnswerShown(element: Element | null | undefined) {
  await expect(element).toHaveTextContent(ANSWER_SHOWN);
  await expect(element).not.toHaveTextContent('**');
  const bold = element?.querySelectorAll('strong') ?? [];
  await expect(bold).toHaveLength(1);
  await expect(bold[0]?.textContent).toBe('token by token');
}

/** The greeting, one question, and ANSWER to it. */
export const conversation = (): ChatEvent[] => [
  ...connected(),
  userSaid('user:1', 'What does chatwire do?'),
  ...assistantSaid('msg_1', ANSWER),
];

/** The seeded conversation in a default panel: the starting point of the interaction stories. */
export function ConversationPanel() {
  return (
    <Seeded events={conversation()}>
      <ChatPanel />
    </Seeded>
  );
}

/** Shows the frames a story's store handed to its transport, on demand. */
function SentFrames({ sent }: { sent: unknown[] }) {
  const [shown, setShown] = useState('');
  return (
    <div style={{ marginTop: 8, fontSize: 12 }}>
      <button
        type="button"
        onClick={() => setShown(sent.map((item) => JSON.stringify(item)).join('\n'))}
      >
        Show sent frames
      </button>
      <pre data-testid="sent-frames">{shown}</pre>
    </div>
  );
}

/** A default panel seeded with `events`, and below it a button that lists the frames it sent. */
export function PanelWithSentFrames({ events }: { events: ChatEvent[] }) {
  const [sent] = useState<unknown[]>(() => []);
  return (
    <div>
      <Seeded events={events} sent={sent}>
        <ChatPanel />
      </Seeded>
      <SentFrames sent={sent} />
    </div>
  );
}

/** The `index`-th assistant reply in the transcript; the last one by default. */
export const replyIn = (canvasElement: HTMLElement, index = -1) =>
  [...canvasElement.querySelectorAll<HTMLElement>('[data-role="assistant"]')].at(index) as
    | HTMLElement
    | undefined;

/** Every link in `element` points at a web or mail address: no script, data or relative URL. */
export async function expectOnlySafeLinks(element: HTMLElement) {
  for (const link of element.querySelectorAll('a')) {
    await expect(link.getAttribute('href')).toMatch(/^(?:https?:\/\/|mailto:)/);
  }
}

/** A link out of the conversation: opens in a new tab, says so, and leaks nothing. */
export async function expectExternalLink(link: HTMLElement, href: string) {
  await expect(link).toHaveAttribute('href', href);
  await expect(link).toHaveAttribute('target', '_blank');
  await expect(link).toHaveAttribute('rel', 'noopener noreferrer nofollow ugc');
  await expect(link).toHaveAccessibleName(/\(opens in a new tab\)$/);
}
