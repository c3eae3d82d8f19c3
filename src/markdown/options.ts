/**
 * What the markdown renderer needs from the widget: the image policy and the words it reads
 * to screen readers. Kept apart from the renderer so the public types never reach marked's.
 */
import type { ImagePolicy } from './safe-url.ts';

/** What rendering markdown needs from the widget. */
export interface MarkdownOptions {
  /** Which images may load; none when absent. */
  allowImage?: ImagePolicy;
  /** Read to screen readers after each link's text. */
  linkOpensInNewTab: string;
  /** Read in place of a task list's ticked box. */
  taskDone: string;
  /** Read in place of a task list's empty box. */
  taskOpen: string;
  /** A finished code block's copy button: its name, and what it says after a copy. */
  copyCode: string;
  copied: string;
  copyFailed: string;
  /**
   * Colours the code of finished fenced blocks that name a language, with a highlighter
   * loaded (as a chunk of its own) the first time one is shown. Off by default.
   */
  highlightCode?: boolean;
}
