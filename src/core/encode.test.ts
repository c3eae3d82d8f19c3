import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chatFrame, humanEscalationFrame, pingFrame, serializeClientFrame } from './encode.ts';
import type { ClientFrame } from './protocol.ts';

const NOW = new Date('2025-09-12T10:15:30.123Z');
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('frame builders', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each<[string, ClientFrame, string]>([
    [
      'chat',
      chatFrame('Your message here', NOW),
      '{"type":"chat","content":"Your message here","timestamp":"2025-09-12T10:15:30.123Z"}',
    ],
    [
      'human-escalation',
      humanEscalationFrame('Need human assistance', NOW),
      '{"type":"human-escalation","reason":"Need human assistance","timestamp":"2025-09-12T10:15:30.123Z"}',
    ],
    ['ping', pingFrame(NOW), '{"type":"ping","timestamp":"2025-09-12T10:15:30.123Z"}'],
  ])('builds the %s frame of the seed document, fields in its order', (_type, frame, wire) => {
    expect(serializeClientFrame(frame)).toBe(wire);
  });

  it('builds a chat frame with the content as given and the injected time', () => {
    expect(chatFrame('Your message here', NOW)).toStrictEqual({
      type: 'chat',
      content: 'Your message here',
      timestamp: '2025-09-12T10:15:30.123Z',
    });
  });

  it('builds a human-escalation frame with the reason as given and the injected time', () => {
    expect(humanEscalationFrame('Billing question', NOW)).toStrictEqual({
      type: 'human-escalation',
      reason: 'Billing question',
      timestamp: '2025-09-12T10:15:30.123Z',
    });
  });

  it('builds a ping frame with the injected time', () => {
    expect(pingFrame(NOW)).toStrictEqual({ type: 'ping', timestamp: '2025-09-12T10:15:30.123Z' });
  });

  it('stamps the frame with an ISO-8601 UTC time from the Date it is given', () => {
    const later = new Date(Date.UTC(2031, 0, 2, 3, 4, 5, 6));
    expect(chatFrame('hi', later).timestamp).toBe('2031-01-02T03:04:05.006Z');
    expect(chatFrame('hi', later).timestamp).toMatch(ISO_8601);
  });

  it.each<[string, () => ClientFrame]>([
    ['chat', () => chatFrame('hi')],
    ['human-escalation', () => humanEscalationFrame('why')],
    ['ping', () => pingFrame()],
  ])('stamps a %s frame with the current time when no Date is given', (_type, build) => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
    expect(build().timestamp).toBe('2025-09-12T10:15:30.123Z');
  });

  it('leaves the content untouched: no trimming or escaping of its own', () => {
    const content = '  "quoted" \\ back\nslash \u2028 😀 <b>  ';
    expect(chatFrame(content, NOW).content).toBe(content);
  });
});

describe('serializeClientFrame', () => {
  it.each<[string, ClientFrame]>([
    ['chat', chatFrame('Your message here', NOW)],
    ['human-escalation', humanEscalationFrame('Need human assistance', NOW)],
    ['ping', pingFrame(NOW)],
  ])('round-trips a %s frame through JSON.parse', (_type, frame) => {
    expect(JSON.parse(serializeClientFrame(frame))).toStrictEqual(frame);
  });

  it('round-trips any content and reason, however odd the characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.date({ noInvalidDate: true }), (text, date) => {
        const frames = [chatFrame(text, date), humanEscalationFrame(text, date)];
        // Plain comparisons, not expect(): this runs a thousand times and must stay cheap.
        return frames.every((frame) => {
          const back = JSON.parse(serializeClientFrame(frame)) as Record<string, unknown>;
          const keys = Object.keys(back);
          return (
            keys.length === 3 && keys.every((key) => back[key] === frame[key as keyof typeof frame])
          );
        });
      }),
      { numRuns: 500 },
    );
  });

  it('produces one line of text, since a frame is one WebSocket message', () => {
    expect(serializeClientFrame(chatFrame('line one\nline two', NOW))).not.toContain('\n');
  });
});
