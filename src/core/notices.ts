/**
 * What the reducer tells rather than shows in the transcript: banners above the composer,
 * problems recorded for the host, and the once-a-minute notice that something from the server
 * could not be read. Each is bounded, so a server that misbehaves without end cannot bury the
 * conversation or grow the state without limit.
 */
import {
  type BannerKind,
  type ChatState,
  MAX_BANNER_LENGTH,
  MAX_BANNERS,
  MAX_PROBLEMS,
  type ProblemKind,
  UNREADABLE_FRAMES_TEXT,
  UNREADABLE_NOTICE_INTERVAL_MS,
} from './state.ts';

/**
 * `state` with a banner of `kind` raised: cut to a line or two, counted rather than stacked
 * when it repeats the last one, and only the newest few kept.
 */
export function raiseBanner(
  state: ChatState,
  kind: BannerKind,
  fullText: string,
  at: string,
): ChatState {
  // A banner is a line or two above the composer: a server's essay is cut, not shown whole.
  const text =
    fullText.length > MAX_BANNER_LENGTH ? `${fullText.slice(0, MAX_BANNER_LENGTH)}…` : fullText;
  const last = state.banners.at(-1);
  // The same failure repeated (a server retrying, a flapping link) bumps a counter rather
  // than stacking identical banners over the conversation.
  if (last && last.kind === kind && last.text === text) {
    const banners = [...state.banners.slice(0, -1), { ...last, count: last.count + 1 }];
    return { ...state, banners };
  }
  const banner = { id: `banner:${state.sequence}`, kind, text, count: 1, createdAt: at };
  // Only the newest few stay: a server sending error after error must not bury the chat.
  const banners = [...state.banners.slice(1 - MAX_BANNERS), banner];
  return { ...state, sequence: state.sequence + 1, banners };
}

/**
 * Tells the user, once a minute at most, that something from the server could not be read:
 * part of a reply may be missing, and only a notice says why.
 */
export function noticeUnreadable(state: ChatState, at: string): ChatState {
  const last = state.unreadableNoticeAt;
  if (last !== null) {
    const elapsed = Date.parse(at) - Date.parse(last);
    // A clock set back (elapsed < 0) starts a new interval rather than silencing the notice
    // until it catches up; times that do not parse never raise a second one.
    if (Number.isNaN(elapsed) || (elapsed >= 0 && elapsed < UNREADABLE_NOTICE_INTERVAL_MS))
      return state;
  }
  const notice = raiseBanner(state, 'unreadable-frames', UNREADABLE_FRAMES_TEXT, at);
  return { ...notice, unreadableNoticeAt: at };
}

/** A message id as quoted in a problem: ids come from the server and can be any length. */
export const quoted = (id: string) => `'${id.slice(0, 80)}'`;

/** `state` with a problem recorded; only the newest {@link MAX_PROBLEMS} are kept. */
export function addProblem(
  state: ChatState,
  kind: ProblemKind,
  message: string,
  at: string,
): ChatState {
  const problems = [...state.problems, { kind, message, at }];
  if (problems.length > MAX_PROBLEMS) problems.splice(0, problems.length - MAX_PROBLEMS);
  return { ...state, problems };
}
