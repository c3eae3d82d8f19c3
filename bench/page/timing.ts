/** Page-side timing helpers shared by the stream and history scenarios. */

/**
 * Delivers each frame as its own task, the next one queued only once the last was handled,
 * so work a handler schedules (a React render, a frame) gets its turn between tokens as it
 * would between WebSocket message events from a fast server.
 */
export function deliver(frames: readonly string[], onFrame: (data: string) => void): void {
  const channel = new MessageChannel();
  let next = 0;
  channel.port1.onmessage = (event: MessageEvent<string>) => {
    onFrame(event.data);
    const frame = frames[next++];
    if (frame !== undefined) channel.port2.postMessage(frame);
    else channel.port1.close();
  };
  channel.port2.postMessage(frames[next++]);
}

/** Resolves, inside an animation frame callback, on the first frame at which `isDone` holds. */
export function waitFor(isDone: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (isDone() ? resolve() : requestAnimationFrame(check));
    check();
  });
}

export const nextFrame = (): Promise<number> =>
  new Promise((resolve) => requestAnimationFrame(resolve));

/**
 * Resolves just after the current frame is painted, when called from an animation frame
 * callback: a message posted there is handled once the frame's style, layout and paint ran.
 */
export function afterPaint(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/**
 * Starts recording long tasks; the returned function stops and gives the longest, in ms.
 * Tasks that start in the first `skipFirstMs` are left out.
 */
export function watchLongTasks(skipFirstMs = 0): () => number {
  const from = performance.now() + skipFirstMs;
  let longest = 0;
  const record = (entries: PerformanceEntryList) => {
    for (const entry of entries) {
      if (entry.startTime >= from) longest = Math.max(longest, entry.duration);
    }
  };
  const observer = new PerformanceObserver((list) => record(list.getEntries()));
  observer.observe({ type: 'longtask', buffered: false });
  return () => {
    // Entries are delivered asynchronously: the task that just ended may still be pending.
    record(observer.takeRecords());
    observer.disconnect();
    return longest;
  };
}
