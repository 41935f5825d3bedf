import { describe, expect, it } from 'vitest';
import { fitTrace, type FitOptions } from '../../src/fit/fit-trace.js';
import { planGeneration } from '../../src/generate/compose.js';
import { planNaiveGeneration } from '../../src/generate/naive.js';
import { peakWindowRate } from '../../src/profile/summarize.js';
import { countsForPeak } from '../../src/profile/window-grid.js';
import { traceOf } from '../fit/helpers.js';

// A window the span cuts to under a tenth of it does not set the peak (countsForPeak): found by
// the review of the span-start rule (h-97). A relative log whose first request is 1 s before a
// window boundary, a burst of 12 requests there, beside a client at ~1 req/s from the boundary:
// the first window, rated over its 1 s, read 12 req/s, and peak:1 planned 306 requests for the
// ~3 670 of a run at the log's own peak.
const base: FitOptions = { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' };

function log(): { times: number[]; clients: number[] } {
  const times: number[] = [];
  const clients: number[] = [];
  for (let k = 0; k < 12; k++) {
    times.push(599.05 + 0.07 * k);
    clients.push(0);
  }
  // Client b: ~1 req/s with uneven gaps (a seeded xorshift), 600 … 4 260 s.
  let x = 2463534242;
  let t = 600;
  while (t < 4260) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    t += -Math.log(((x >>> 0) + 0.5) / 2 ** 32);
    times.push(t);
    clients.push(1);
  }
  return { times, clients };
}

describe('peak:R and inspect\'s peak skip a window the span cuts to under a tenth of it', () => {
  const { times, clients } = log();
  const { profile } = fitTrace(traceOf(times, clients, ['burst', 'steady']), base);
  const span = profile.span.end - profile.span.start;

  it('the first window is rated over its second in the span, and may not set the peak', () => {
    expect(profile.span.start).toBe(599);
    const burst = profile.clients.find((c) => c.id === 'burst')!;
    expect(burst.arrivals[0].rate).toBeGreaterThan(5);
    expect(countsForPeak(profile, 0)).toBe(false);
    expect(countsForPeak(profile, 600)).toBe(true);
    // The steady client's busiest window, ~1 req/s (a window of ~600 requests: ±4 %).
    expect(peakWindowRate(profile)).toBeGreaterThan(0.85);
    expect(peakWindowRate(profile)).toBeLessThan(1.2);
  });

  it('peak:1 over the span plans about the log\'s requests (it planned 306), per client and naive', () => {
    const n = times.length;
    for (const plan of [planGeneration, planNaiveGeneration]) {
      const expected = plan(profile, { start: profile.span.start, duration: span, rate: { kind: 'peak', rate: 1 }, seed: 1 }).expectedRequests;
      expect(expected / n, plan.name).toBeGreaterThan(0.8);
      expect(expected / n, plan.name).toBeLessThan(1.25);
    }
  });

  it('a profile whose every window is cut that thin still has a peak (all windows count then)', () => {
    const { profile: tiny } = fitTrace(traceOf([599.1, 599.3, 599.5, 599.7, 600.2, 600.4], [0, 0, 0, 0, 0, 0], ['a']), { ...base, minArrivals: 1 });
    expect(peakWindowRate(tiny)).toBeGreaterThan(0);
    expect(planGeneration(tiny, { start: tiny.span.start, duration: 10, rate: { kind: 'peak', rate: 1 }, seed: 1 }).expectedRequests).toBeGreaterThan(0);
  });
});
