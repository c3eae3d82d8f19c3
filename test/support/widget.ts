/**
 * What browser tests do with a mounted widget, the way a user does it: wait for it to
 * connect, type and send; and what they read back from the reference server.
 */
import { expect } from 'vitest';
import { userEvent } from 'vitest/browser';
import type { render } from 'vitest-browser-react';

type Screen = Awaited<ReturnType<typeof render>>;

/** Waits until the connection strip says the socket is open. */
export const connected = (screen: Screen) =>
  expect.element(screen.getByRole('status').filter({ hasText: /^Connected$/ })).toBeVisible();

/** Types `text` in the composer and sends it with Enter. */
export async function send(screen: Screen, text: string) {
  await userEvent.fill(screen.getByRole('textbox', { name: 'Message' }), text);
  await userEvent.keyboard('{Enter}');
}

/** The contents of the `chat` frames among those the server recorded, in order. */
export const chatContents = (frames: { frame: unknown }[]) =>
  frames.flatMap(({ frame }) => {
    const { type, content } = frame as { type?: string; content?: string };
    return type === 'chat' && content !== undefined ? [content] : [];
  });
