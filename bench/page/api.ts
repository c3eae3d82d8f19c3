/**
 * What the benchmark page offers the harness (`window.chatwireBench`), and what it returns.
 * Only types and constants live here, so the Node side can import them without pulling in the
 * page's React code.
 */

/** Who renders the streamed reply. */
export type Implementation = 'floor' | 'dom-floor' | 'react-floor' | 'naive' | 'chatwire';

/** The kind of text streamed: prose with line breaks, or markdown with every common block. */
export type TextKind = 'plain' | 'markdown';

/** One streamed reply to measure. */
export interface StreamSpec {
  implementation: Implementation;
  text: TextKind;
  tokens: number;
  /** chatwire only: ChatPanel's `renderMarkdown`; unset, the panel's default (markdown). */
  renderMarkdown?: boolean;
  /** floor only: false leaves the view unscrolled, so text past its height is not painted. */
  scroll?: boolean;
  /**
   * Measure the first reply on a freshly loaded page, when the implementation's code runs
   * (and is compiled) for the first time. Unset, a short reply of the same kind is streamed
   * through the same implementation first, as before every reply but a session's first.
   */
  firstReply?: boolean;
}

/** What the page itself measures of one stream; the harness adds CDP metrics. */
export interface StreamPageResult {
  /** From the first token being posted to the full text being in the DOM. */
  wallMs: number;
  longestTaskMs: number;
  /**
   * The longest task starting 100 ms or more after the first token: leaves out the first
   * render of a reply on a freshly loaded page, when much of the code runs (and is compiled)
   * for the first time.
   */
  longestLaterTaskMs: number;
}

/** Who renders the long transcript. */
export type HistoryImplementation = 'naive' | 'chatwire';

/** A transcript of `messages` finished messages, mounted then scrolled from bottom to top. */
export interface HistorySpec {
  implementation: HistoryImplementation;
  messages: number;
  /** How far the transcript scrolls up per animation frame. */
  scrollStepPx: number;
}

export interface HistoryResult {
  /**
   * From just before `root.render` to the first paint that shows the latest message: what
   * the user waits for. chatwire mounts the latest messages first and fills in older ones.
   */
  mountMs: number;
  /** From just before `root.render` to the first paint with every message in the DOM. */
  allInDomMs: number;
  /** The longest task from `root.render` until every message is in the DOM. */
  mountLongestTaskMs: number;
  maxFrameMs: number;
  p95FrameMs: number;
  /** How many frames took longer than two vsyncs' worth (32 ms): the frames a user sees drop. */
  slowFrames: number;
  /** Main-thread rendering work per scroll frame, from its animation frame to after its paint. */
  p95WorkMs: number;
  maxWorkMs: number;
  /** The longest task while scrolling. */
  longestTaskMs: number;
  /** How many frames the scroll took, to tell a real scroll from an empty one. */
  frames: number;
}

export interface BenchPageApi {
  /** Whether the page was built for production (dev React would skew every number). */
  production: boolean;
  /** Mounts the implementation and prepares the frames, outside the measured span. */
  prepareStream(spec: StreamSpec): Promise<void>;
  /** Streams the prepared frames and resolves once the full text is in the DOM. */
  runStream(): Promise<StreamPageResult>;
  history(spec: HistorySpec): Promise<HistoryResult>;
}

declare global {
  interface Window {
    chatwireBench: BenchPageApi;
  }
}
