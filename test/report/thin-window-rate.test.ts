/**
 * A window the span cuts to under a tenth of it in validate's rate chart (ratePoints; the profile
 * report draws its windows so too). Rated over a tenth of the window at least, so one request at
 * an edge makes no spike, a busy thin edge was drawn as a dip: two 2 h draws of the mm-image pool
 * at 5 req/s with 30 s more (`generate --duration 3630`, validated against each other) fell to
 * ~2.5 req/s at their last point (session 39). Now such a window is rated together with the
 * window next to it.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/stats/rng.js';
import type { Trace } from '../../src/ingest/trace.js';
import { ratePoints, validateTraces } from '../../src/validate/validate.js';
import { loadThresholds } from '../../src/validate/thresholds.js';
import { asResult } from '../validate/traces.js';

/** Poisson arrivals at `rate` req/s on [0, span), ms clock; seeded. */
function poisson(seed: number, rate: number, span: number): Trace {
  const rng = createRng(seed);
  const ts: number[] = [];
  for (let t = -Math.log(rng.nextOpen()) / rate; t < span; t += -Math.log(rng.nextOpen()) / rate) ts.push(Math.round(t * 1000) / 1000);
  return { n: ts.length, timestamp: Float64Array.from(ts), client: new Int32Array(ts.length), clientIds: ['c'], ints: {}, texts: {}, origin: null };
}

describe('a window the span cuts to under a tenth of it is no dip in the rate chart', () => {
  it('two Poisson draws at 5 req/s over 3 630 s: the last window (30 s) is drawn near 5 req/s', () => {
    const { charts } = validateTraces(asResult(poisson(1, 5, 3630)), asResult(poisson(2, 5, 3630)), loadThresholds());
    for (const side of charts.rate) {
      const last = side.points.at(-1)!;
      expect(last[0]).toBe(3600);
      // Rated alone over a tenth of the window (60 s) it read ~2.5 (its ~150 requests over 60 s).
      expect(last[1], side.label).toBeGreaterThan(4.5);
      expect(last[1], side.label).toBeLessThan(5.5);
    }
  });

  it('a thin edge is rated with its neighbour over the seconds of both; one request there is no spike', () => {
    const W = 600;
    // 3 000 requests in [0, 600), 150 in [600, 630): 3 150 over 630 s = 5 req/s.
    expect(ratePoints(new Map([[0, 3000], [600, 150]]), W, { start: 0, end: 630 })).toEqual([[0, 5], [600, 5]]);
    // The first window cut to 20 s at the start holding one request (the span starts at it).
    const pts = ratePoints(new Map([[0, 1], [600, 30]]), W, { start: 580, end: 1200 });
    expect(pts[0][0]).toBe(0);
    expect(pts[0][1]).toBeCloseTo(31 / 620, 12);
    // The neighbour with no request (no entry): the thin window's requests over both.
    expect(ratePoints(new Map([[0, 3000], [1200, 100]]), W, { start: 0, end: 1220 })).toEqual([[0, 5], [600, 0], [1200, 100 / 620]]);
    // A span inside one thin window: over a tenth of the window, as before.
    expect(ratePoints(new Map([[0, 1]]), W, { start: 595, end: 600 })).toEqual([[0, 1 / 60]]);
  });
});
