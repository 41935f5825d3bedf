import { describe, expect, it } from 'vitest';
import { addSeconds, epochSeconds, formatInstant, parseInstant, sameInstant, secondsBetween } from '../../src/util/instant.js';

describe('instants to the nanosecond (generated traces\' origins)', () => {
  it('reads the digits past the millisecond that Date.parse drops', () => {
    expect(Date.parse('2023-11-16T18:50:03.4567Z')).toBe(Date.parse('2023-11-16T18:50:03.456Z'));
    expect(parseInstant('2023-11-16T18:50:03.4567Z')).toEqual({ ms: Date.parse('2023-11-16T18:50:03.456Z'), sub: 0.7 });
    expect(parseInstant('2023-11-16T18:50:03.456789123Z')).toEqual({ ms: Date.parse('2023-11-16T18:50:03.456Z'), sub: 0.789123 });
    expect(parseInstant('2023-11-16T18:50:03Z')).toEqual({ ms: Date.parse('2023-11-16T18:50:03Z'), sub: 0 });
    expect(parseInstant('2023-11-16T18:50:03.4567+05:30')?.sub).toBe(0.7);
    expect(parseInstant('not a date')).toBeUndefined();
  });

  it('adds seconds without losing them to the epoch\'s magnitude, carrying across milliseconds, seconds and days', () => {
    const o = parseInstant('2025-03-03T00:00:00Z')!;
    expect(formatInstant(addSeconds(o, 1200.4567))).toBe('2025-03-03T00:20:00.4567Z');
    expect(formatInstant(addSeconds(o, 1200))).toBe('2025-03-03T00:20:00.000Z');
    expect(formatInstant(addSeconds(o, 0.000000001))).toBe('2025-03-03T00:00:00.000000001Z');
    expect(formatInstant(addSeconds(o, -0.0000005))).toBe('2025-03-02T23:59:59.9999995Z');
    expect(formatInstant(addSeconds(parseInstant('2025-03-03T23:59:59.9999Z')!, 0.0002))).toBe('2025-03-04T00:00:00.0001Z');
    // Before 1970: the fraction still counts forward from the whole millisecond.
    expect(formatInstant(addSeconds(parseInstant('1969-12-31T23:59:59Z')!, 0.9995))).toBe('1969-12-31T23:59:59.9995Z');
    expect(formatInstant(addSeconds(o, 1e15))).toBeUndefined(); // past Date's range
  });

  it('gives the seconds between instants to the nanosecond, and tells one instant spelled two ways', () => {
    const a = parseInstant('2025-03-03T00:20:00.4567Z')!;
    const b = parseInstant('2025-03-03T00:00:00Z')!;
    expect(secondsBetween(a, b)).toBe(1200.4567);
    expect(secondsBetween(b, a)).toBe(-1200.4567);
    // The same difference taken through one double of epoch milliseconds is off.
    expect((Date.parse('2025-03-03T00:20:00.456Z') + 0.7 - Date.parse('2025-03-03T00:00:00Z')) / 1000).toBe(1200.456699951172);
    expect(sameInstant(parseInstant('2024-01-01T00:00:00Z')!, parseInstant('2024-01-01T00:00:00.000000Z')!)).toBe(true);
    expect(sameInstant(parseInstant('2024-01-01T00:00:00.0001Z')!, parseInstant('2024-01-01T00:00:00Z')!)).toBe(false);
  });

  it('reads the digits past the millisecond whatever separates date and time, as Date.parse reads them all (a space or a lowercase t: they were dropped, so one instant spelled two ways was two origins)', () => {
    expect(parseInstant('2023-11-16 18:50:03.4567Z')).toEqual(parseInstant('2023-11-16T18:50:03.4567Z'));
    expect(parseInstant('2023-11-16t18:50:03.4567z')).toEqual(parseInstant('2023-11-16T18:50:03.4567Z'));
    expect(sameInstant(parseInstant('2023-11-16 18:50:03.4567Z')!, parseInstant('2023-11-16T18:50:03.456Z')!)).toBe(false);
  });

  it('gives an origin\'s epoch seconds with its digits past the millisecond, and Date.parse\'s very double on the millisecond', () => {
    expect(epochSeconds('2025-03-03T00:20:00.456Z')).toBe(Date.parse('2025-03-03T00:20:00.456Z') / 1000);
    expect(epochSeconds('2025-03-03T00:20:00.4567Z') - Date.parse('2025-03-03T00:00:00Z') / 1000).toBeCloseTo(1200.4567, 6);
    expect(epochSeconds('not a date')).toBeNaN();
  });
});
