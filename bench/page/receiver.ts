/** What the streamed implementations share. */

/** A mounted implementation: where frames go, and how it says the whole reply is shown. */
export interface Receiver {
  onFrame: (data: string) => void;
  isDone: () => boolean;
}

/** A frame's token, or null for any other frame. */
export const tokenOf = (data: string): string | null => {
  const frame = JSON.parse(data) as { type: string; token?: string };
  return frame.type === 'stream-token' ? (frame.token ?? '') : null;
};
