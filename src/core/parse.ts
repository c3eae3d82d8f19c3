/**
 * Turns whatever arrives on the socket into a typed `ServerFrame`, or a typed problem that
 * says what was wrong. Nothing a server sends can make this throw: wire data is `unknown`
 * until the guards below say otherwise.
 */
import {
  isFrameTypeIn,
  SERVER_FRAME_FIELDS,
  type ServerFrame,
  type ServerFrameType,
} from './protocol.ts';

/** Why a frame could not be used. */
export type FrameProblemKind =
  | 'binary'
  | 'not-json'
  | 'not-an-object'
  | 'missing-type'
  | 'unknown-type'
  | 'missing-field'
  | 'wrong-field-type';

/** A frame that could not be turned into a `ServerFrame`, and why. */
export interface FrameProblem {
  kind: FrameProblemKind;
  /** Says what was wrong and what the server should have sent instead. */
  message: string;
  /** The start of the offending data, for logs (at most 200 characters). */
  excerpt: string;
}

/** The outcome of `parseServerFrame`. */
export type ParseResult =
  | {
      ok: true;
      frame: ServerFrame;
      /** Problems that did not stop the frame from being used, e.g. a missing timestamp. */
      warnings: readonly FrameProblem[];
    }
  | { ok: false; problem: FrameProblem };

const EXCERPT_LENGTH = 200;

/** Shared by every frame without warnings, nearly all of them: one array, never written. */
const NO_WARNINGS: readonly FrameProblem[] = Object.freeze([]);

/**
 * Parses one message from the server.
 *
 * Accepts JSON text (what a WebSocket delivers) or an already-decoded value. Extra fields are
 * tolerated and dropped. A missing `timestamp` is tolerated too — the frame is still used, with
 * `fallbackTimestamp` (by default the time it arrived) in its place and a warning — because
 * losing a reply token over a missing clock reading would punish the user for a server bug.
 * Every token goes through here: a frame that is fine costs one parse and one object (and
 * its result); problems and their excerpts are made only for frames that have them.
 */
export function parseServerFrame(raw: unknown, fallbackTimestamp?: string): ParseResult {
  if (isBinary(raw)) {
    return fail(
      'binary',
      'Received a binary frame; the chat protocol uses JSON text frames only.',
      '',
    );
  }
  if (typeof raw !== 'string') return readFrame(raw, raw, fallbackTimestamp);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return fail('not-json', `Frame is not valid JSON (${reason}).`, excerptOf(raw));
  }
  return readFrame(value, raw, fallbackTimestamp);
}

/** Reads the decoded `value` of `raw` (quoted, cut short, in any problem) as a frame. */
function readFrame(value: unknown, raw: unknown, fallbackTimestamp: string | undefined) {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = describeValue(value);
    return fail(
      'not-an-object',
      `Expected a JSON object with a "type" field, got ${got}.`,
      excerptOf(raw),
    );
  }
  const record = value as Record<string, unknown>;
  const type = record.type;
  if (type === undefined) {
    return fail(
      'missing-type',
      'Frame has no "type" field; every frame must name its type.',
      excerptOf(raw),
    );
  }
  if (typeof type !== 'string' || !isServerFrameType(type)) {
    // A type can be any length: only its start is quoted.
    const named = typeof type === 'string' ? JSON.stringify(type.slice(0, 80)) : printable(type);
    const expected = Object.keys(SERVER_FRAME_FIELDS).join(', ');
    return fail(
      'unknown-type',
      `Unknown frame type ${named}: expected one of ${expected}.`,
      excerptOf(raw),
    );
  }
  return readFields(type, record, fallbackTimestamp, raw);
}

/** True when `type` names one of the seven server frames. */
export function isServerFrameType(type: string): type is ServerFrameType {
  return isFrameTypeIn(SERVER_FRAME_FIELDS, type);
}

function readFields(
  type: ServerFrameType,
  record: Record<string, unknown>,
  fallbackTimestamp: string | undefined,
  raw: unknown,
): ParseResult {
  const frame: Record<string, string> = { type };
  let warnings: FrameProblem[] | undefined;
  for (const field of SERVER_FRAME_FIELDS[type]) {
    const value = record[field];
    if (typeof value === 'string') {
      frame[field] = value;
    } else if (field === 'timestamp') {
      frame[field] = fallbackTimestamp ?? new Date().toISOString();
      warnings = [fieldProblem(type, field, value, excerptOf(raw))];
    } else {
      return { ok: false, problem: fieldProblem(type, field, value, excerptOf(raw)) };
    }
  }
  // The loop above filled exactly the fields SERVER_FRAME_FIELDS lists for `type`.
  return { ok: true, frame: frame as unknown as ServerFrame, warnings: warnings ?? NO_WARNINGS };
}

function fieldProblem(type: string, field: string, value: unknown, excerpt: string): FrameProblem {
  if (value === undefined) {
    return {
      kind: 'missing-field',
      message: `"${type}" frame is missing the string field "${field}".`,
      excerpt,
    };
  }
  return {
    kind: 'wrong-field-type',
    message: `"${type}" frame field "${field}" must be a string, got ${value === null ? 'null' : typeof value}.`,
    excerpt,
  };
}

function fail(kind: FrameProblemKind, message: string, excerpt: string) {
  return { ok: false as const, problem: { kind, message, excerpt } };
}

function isBinary(raw: unknown): boolean {
  return (
    raw instanceof ArrayBuffer ||
    ArrayBuffer.isView(raw) ||
    (typeof Blob !== 'undefined' && raw instanceof Blob)
  );
}

/** "null", "an array", "a number", "an object": for messages about what arrived instead. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function excerptOf(raw: unknown): string {
  const text = printable(raw);
  return text.length > EXCERPT_LENGTH ? `${text.slice(0, EXCERPT_LENGTH)}…` : text;
}

/** Some text for any value at all; JSON.stringify and String() can both throw. */
function printable(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  try {
    return JSON.stringify(raw) ?? String(raw);
  } catch {
    try {
      return String(raw);
    } catch {
      return Object.prototype.toString.call(raw);
    }
  }
}
