import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type FrameProblemKind, isServerFrameType, parseServerFrame } from './parse.ts';
import type { ServerFrame } from './protocol.ts';

const SENT_AT = '2025-09-12T10:15:30.123Z';
const ARRIVED_AT = '2025-09-12T10:15:31.000Z';

const PROBLEM_KINDS: readonly FrameProblemKind[] = [
  'binary',
  'not-json',
  'not-an-object',
  'missing-type',
  'unknown-type',
  'missing-field',
  'wrong-field-type',
];

/** Every incoming example of the WebSocket Chat API document, as the server puts it on the wire. */
const SEED_FRAMES: [string, ServerFrame][] = [
  [
    `{"type":"connection","message":"Connected to chatbot server","timestamp":"${SENT_AT}"}`,
    { type: 'connection', message: 'Connected to chatbot server', timestamp: SENT_AT },
  ],
  [
    `{"type":"stream-start","messageId":"msg_abc123","timestamp":"${SENT_AT}"}`,
    { type: 'stream-start', messageId: 'msg_abc123', timestamp: SENT_AT },
  ],
  [
    `{"type":"stream-token","messageId":"msg_abc123","token":"Hello","timestamp":"${SENT_AT}"}`,
    { type: 'stream-token', messageId: 'msg_abc123', token: 'Hello', timestamp: SENT_AT },
  ],
  [
    `{"type":"stream-end","messageId":"msg_abc123","timestamp":"${SENT_AT}"}`,
    { type: 'stream-end', messageId: 'msg_abc123', timestamp: SENT_AT },
  ],
  [
    `{"type":"human-escalation-response","message":"A human agent will contact you soon.","timestamp":"${SENT_AT}"}`,
    {
      type: 'human-escalation-response',
      message: 'A human agent will contact you soon.',
      timestamp: SENT_AT,
    },
  ],
  [
    `{"type":"error","message":"Error description","timestamp":"${SENT_AT}"}`,
    { type: 'error', message: 'Error description', timestamp: SENT_AT },
  ],
  [`{"type":"pong","timestamp":"${SENT_AT}"}`, { type: 'pong', timestamp: SENT_AT }],
];

const SERVER_TYPES = [
  'connection',
  'stream-start',
  'stream-token',
  'stream-end',
  'human-escalation-response',
  'error',
  'pong',
] as const;

/** Parses and insists on failure, so each test can look at the problem itself. */
function problemOf(raw: unknown) {
  const result = parseServerFrame(raw, ARRIVED_AT);
  if (result.ok) throw new Error(`expected ${String(raw)} to be rejected, got a frame`);
  return result.problem;
}

describe('parseServerFrame: the seed document examples', () => {
  it('covers all seven incoming frame types of the protocol', () => {
    expect(SEED_FRAMES.map(([, frame]) => frame.type).sort()).toEqual([...SERVER_TYPES].sort());
  });

  it.each(SEED_FRAMES)('parses %s to exactly its typed frame', (text, expected) => {
    expect(parseServerFrame(text, ARRIVED_AT)).toStrictEqual({
      ok: true,
      frame: expected,
      warnings: [],
    });
  });

  it.each(SEED_FRAMES)('parses the already-decoded object of %s the same way', (text, expected) => {
    const decoded: unknown = JSON.parse(text);
    expect(parseServerFrame(decoded, ARRIVED_AT)).toStrictEqual({
      ok: true,
      frame: expected,
      warnings: [],
    });
  });

  it.each(SEED_FRAMES)('tolerates and drops extra fields on %s', (text, expected) => {
    const withExtras = JSON.stringify({
      ...(JSON.parse(text) as object),
      userId: 42,
      meta: { model: 'gpt' },
      tokens: ['a', 'b'],
    });
    expect(parseServerFrame(withExtras, ARRIVED_AT)).toStrictEqual({
      ok: true,
      frame: expected,
      warnings: [],
    });
  });

  it('keeps an empty token, which is still a string', () => {
    const text = `{"type":"stream-token","messageId":"m1","token":"","timestamp":"${SENT_AT}"}`;
    expect(parseServerFrame(text, ARRIVED_AT)).toStrictEqual({
      ok: true,
      frame: { type: 'stream-token', messageId: 'm1', token: '', timestamp: SENT_AT },
      warnings: [],
    });
  });
});

describe('parseServerFrame: frames that cannot be used', () => {
  it.each<[string, unknown, FrameProblemKind, RegExp]>([
    ['text that is not JSON', 'Hello, world', 'not-json', /not valid JSON/],
    ['truncated JSON', '{"type":"pong"', 'not-json', /not valid JSON/],
    ['an empty string', '', 'not-json', /not valid JSON/],
    ['JSON null', 'null', 'not-an-object', /JSON object.*got null/],
    ['a JSON array', '[{"type":"pong"}]', 'not-an-object', /JSON object.*got an array/],
    ['a JSON number', '42', 'not-an-object', /JSON object.*got a number/],
    ['a JSON string', '"stream-token"', 'not-an-object', /JSON object.*got a string/],
    ['a JSON boolean', 'true', 'not-an-object', /JSON object.*got a boolean/],
    ['a decoded null', null, 'not-an-object', /got null/],
    ['a decoded array', [], 'not-an-object', /got an array/],
    ['a decoded number', 7, 'not-an-object', /got a number/],
    [
      'an object without type',
      `{"messageId":"m1","timestamp":"${SENT_AT}"}`,
      'missing-type',
      /"type"/,
    ],
    ['an empty object', '{}', 'missing-type', /no "type" field/],
    ['a numeric type', '{"type":42}', 'unknown-type', /Unknown frame type 42/],
    ['a null type', '{"type":null}', 'unknown-type', /Unknown frame type null/],
    ['an object type', '{"type":{"name":"pong"}}', 'unknown-type', /Unknown frame type/],
    ['an unknown type', '{"type":"stream-pause"}', 'unknown-type', /"stream-pause"/],
    ['a client frame type', '{"type":"chat","content":"hi"}', 'unknown-type', /"chat"/],
    ['a type in the wrong case', '{"type":"Pong"}', 'unknown-type', /"Pong"/],
    ['an inherited property name as type', '{"type":"toString"}', 'unknown-type', /"toString"/],
  ])('rejects %s', (_name, raw, kind, message) => {
    const problem = problemOf(raw);
    expect(problem.kind).toBe(kind);
    expect(problem.message).toMatch(message);
  });

  it('names every valid type when the type is unknown', () => {
    const problem = problemOf('{"type":"stream-pause"}');
    for (const type of SERVER_TYPES) expect(problem.message).toContain(type);
  });

  it.each([
    ['connection', 'message'],
    ['stream-start', 'messageId'],
    ['stream-token', 'messageId'],
    ['stream-token', 'token'],
    ['stream-end', 'messageId'],
    ['human-escalation-response', 'message'],
    ['error', 'message'],
  ])('rejects a "%s" frame without its "%s" field', (type, field) => {
    const seed = SEED_FRAMES.find(([, frame]) => frame.type === type);
    if (!seed) throw new Error(`no seed frame of type ${type}`);
    const record = JSON.parse(seed[0]) as Record<string, unknown>;
    delete record[field];
    const problem = problemOf(JSON.stringify(record));
    expect(problem.kind).toBe('missing-field');
    expect(problem.message).toBe(`"${type}" frame is missing the string field "${field}".`);
  });

  it.each<[string, string, RegExp]>([
    [
      'a numeric token',
      `{"type":"stream-token","messageId":"m1","token":7,"timestamp":"${SENT_AT}"}`,
      /"stream-token" frame field "token" must be a string, got number/,
    ],
    [
      'a null messageId',
      `{"type":"stream-start","messageId":null,"timestamp":"${SENT_AT}"}`,
      /"stream-start" frame field "messageId" must be a string, got null/,
    ],
    [
      'a boolean error message',
      `{"type":"error","message":false,"timestamp":"${SENT_AT}"}`,
      /"error" frame field "message" must be a string, got boolean/,
    ],
    [
      'an object connection message',
      `{"type":"connection","message":{"text":"hi"},"timestamp":"${SENT_AT}"}`,
      /"connection" frame field "message" must be a string, got object/,
    ],
  ])('rejects %s as a wrong field type', (_name, text, message) => {
    const problem = problemOf(text);
    expect(problem.kind).toBe('wrong-field-type');
    expect(problem.message).toMatch(message);
  });

  it.each<[string, unknown]>([
    ['an ArrayBuffer', new TextEncoder().encode('{"type":"pong"}').buffer],
    ['a Uint8Array', new TextEncoder().encode('{"type":"pong"}')],
    ['a Node Buffer', Buffer.from('{"type":"pong"}')],
    ['a DataView', new DataView(new ArrayBuffer(4))],
    ['a Blob', new Blob(['{"type":"pong"}'])],
  ])('rejects %s as a binary frame', (_name, raw) => {
    expect(problemOf(raw)).toStrictEqual({
      kind: 'binary',
      message: 'Received a binary frame; the chat protocol uses JSON text frames only.',
      excerpt: '',
    });
  });

  it('keeps the offending text as the excerpt', () => {
    expect(problemOf('{"type":"stream-pause"}').excerpt).toBe('{"type":"stream-pause"}');
    expect(problemOf('not json').excerpt).toBe('not json');
  });

  it('keeps a decoded value as its JSON text in the excerpt', () => {
    expect(problemOf({ type: 'nope' }).excerpt).toBe('{"type":"nope"}');
  });

  it.each([
    ['text that is not JSON', 'x'.repeat(500), 'x'.repeat(200)],
    ['a JSON object without a type', JSON.stringify({ padding: 'y'.repeat(400) }), ''],
  ])('truncates the excerpt of %s to 200 characters and an ellipsis', (_name, raw, prefix) => {
    const excerpt = problemOf(raw).excerpt;
    expect(excerpt).toHaveLength(201);
    expect(excerpt).toBe(`${raw.slice(0, 200)}…`);
    expect(excerpt.startsWith(prefix)).toBe(true);
  });

  it('does not truncate an excerpt of exactly 200 characters', () => {
    const raw = 'z'.repeat(200);
    expect(problemOf(raw).excerpt).toBe(raw);
  });
});

describe('parseServerFrame: a missing timestamp', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('accepts the frame with the fallback timestamp and a missing-field warning', () => {
    const text = '{"type":"stream-token","messageId":"msg_abc123","token":"Hello"}';
    expect(parseServerFrame(text, ARRIVED_AT)).toStrictEqual({
      ok: true,
      frame: {
        type: 'stream-token',
        messageId: 'msg_abc123',
        token: 'Hello',
        timestamp: ARRIVED_AT,
      },
      warnings: [
        {
          kind: 'missing-field',
          message: '"stream-token" frame is missing the string field "timestamp".',
          excerpt: text,
        },
      ],
    });
  });

  it('accepts a non-string timestamp the same way, warning that its type is wrong', () => {
    const result = parseServerFrame('{"type":"pong","timestamp":1757672130}', ARRIVED_AT);
    expect(result).toMatchObject({ ok: true, frame: { type: 'pong', timestamp: ARRIVED_AT } });
    if (!result.ok) throw new Error('expected a frame');
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]?.kind).toBe('wrong-field-type');
    expect(result.warnings[0]?.message).toMatch(/"timestamp" must be a string, got number/);
  });

  it('uses the current time when no fallback is given', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date(ARRIVED_AT));
    const result = parseServerFrame('{"type":"pong"}');
    expect(result).toMatchObject({ ok: true, frame: { type: 'pong', timestamp: ARRIVED_AT } });
  });

  it('still rejects a frame missing a required field besides the timestamp', () => {
    expect(problemOf('{"type":"stream-end"}')).toMatchObject({
      kind: 'missing-field',
      message: '"stream-end" frame is missing the string field "messageId".',
    });
  });
});

describe('parseServerFrame never throws', () => {
  const isWellFormed = (raw: unknown): boolean => {
    const result = parseServerFrame(raw, ARRIVED_AT);
    if (result.ok) return isServerFrameType(result.frame.type);
    return (
      PROBLEM_KINDS.includes(result.problem.kind) &&
      result.problem.message.length > 0 &&
      result.problem.excerpt.length <= 201
    );
  };

  it('for any JavaScript value', () => {
    fc.assert(fc.property(fc.anything(), isWellFormed), { numRuns: 1000 });
  });

  it('for any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), isWellFormed), { numRuns: 1000 });
  });

  it('for any JSON text', () => {
    fc.assert(fc.property(fc.json(), isWellFormed), { numRuns: 1000 });
  });

  it('for a decoded frame whose extra field neither JSON nor String() can print', () => {
    // A BigInt-aware JSON parser can hand over a null-prototype record with a BigInt in it:
    // JSON.stringify throws on the BigInt and String() finds no toString to call.
    const decoded: unknown = Object.assign(Object.create(null) as object, {
      type: 'pong',
      timestamp: SENT_AT,
      sequence: 12345678901234567890n,
    });
    let result: ReturnType<typeof parseServerFrame> | undefined;
    expect(() => {
      result = parseServerFrame(decoded, ARRIVED_AT);
    }).not.toThrow();
    expect(result).toStrictEqual({
      ok: true,
      frame: { type: 'pong', timestamp: SENT_AT },
      warnings: [],
    });
  });
});

describe('parseServerFrame round trip', () => {
  const text = fc.string({ unit: 'grapheme', maxLength: 20 });
  // Plain objects, as JSON.parse makes them (fc.record would also make null-prototype ones).
  const plain = { noNullPrototype: true };
  const frameArbitrary: fc.Arbitrary<ServerFrame> = fc.oneof(
    fc.record({ type: fc.constant('connection' as const), message: text, timestamp: text }, plain),
    fc.record(
      { type: fc.constant('stream-start' as const), messageId: text, timestamp: text },
      plain,
    ),
    fc.record(
      { type: fc.constant('stream-token' as const), messageId: text, token: text, timestamp: text },
      plain,
    ),
    fc.record(
      { type: fc.constant('stream-end' as const), messageId: text, timestamp: text },
      plain,
    ),
    fc.record(
      { type: fc.constant('human-escalation-response' as const), message: text, timestamp: text },
      plain,
    ),
    fc.record({ type: fc.constant('error' as const), message: text, timestamp: text }, plain),
    fc.record({ type: fc.constant('pong' as const), timestamp: text }, plain),
  );

  it('gives back any well-formed frame from its JSON text, without warnings', () => {
    fc.assert(
      fc.property(frameArbitrary, (frame) => {
        expect(parseServerFrame(JSON.stringify(frame), ARRIVED_AT)).toStrictEqual({
          ok: true,
          frame,
          warnings: [],
        });
      }),
      { numRuns: 500 },
    );
  });
});

describe('isServerFrameType', () => {
  it.each(SERVER_TYPES)('accepts the server frame type %s', (type) => {
    expect(isServerFrameType(type)).toBe(true);
  });

  it.each([
    'chat',
    'human-escalation',
    'ping',
    '',
    'Pong',
    ' pong',
    'stream_token',
    'toString',
    'constructor',
    'hasOwnProperty',
    '__proto__',
  ])('rejects %j', (type) => {
    expect(isServerFrameType(type)).toBe(false);
  });
});
