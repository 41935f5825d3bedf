import { describe, expect, it } from 'vitest';
import { detectResolution } from '../../src/summary/resolution.js';

/** Odd but legal traces (h-88's audit): the clock resolution. */
describe('clock resolution of odd traces', () => {
  it('reads 200 000 requests in 1 s on a 5 µs grid as no 10 µs clock', () => {
    // Every second time was looked at (⌊n / 100 000⌋ = 2): those were all on 10 µs, so the
    // clock was 1e-5 s and half the gaps 0 ticks — a spurious "uncounted batches" note, and a
    // Weibull of CV 0.07 for gaps all 5 µs.
    const t = Float64Array.from({ length: 200_000 }, (_, i) => i / 200_000);
    expect(detectResolution(t).resolution).toBe(0);
    // A real 10 µs clock of as many times is still found.
    const ten = Float64Array.from({ length: 200_000 }, (_, i) => i / 100_000);
    expect(detectResolution(ten).resolution).toBe(1e-5);
  });
});
