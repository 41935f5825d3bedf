import { describe, expect, it } from 'vitest';
import { fitTrace, fitTraceParallel, type FitOptions } from '../../src/fit/fit-trace.js';
import { fitArrivals, ownGapTotals } from '../../src/fit/idle-gaps.js';
import { exponential } from '../../src/stats/exponential.js';
import { planGeneration } from '../../src/generate/compose.js';
import { arrivals, traceOf } from './helpers.js';

const base: FitOptions = { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' };

// Found in session 21: a Poisson log with a day-long pause. The first window after the pause
// held the day-long gap among its own, was fitted with a CV of 24.6, and generation drew it as
// 259 requests in one second (the generated 1 s dispersion 2.07 against the log's 1.56).
describe('the first window after a pause of whole windows', () => {
  // Poisson at 2 req/s: 0 … ~2 h, then the same again from t = 93 600 s (a day later).
  const before = arrivals(exponential.create({ scale: 0.5 }), 14_000, 1);
  const after = arrivals(exponential.create({ scale: 0.5 }), 14_000, 2).map((t) => 93_600 + t);
  const trace = traceOf([...before, ...after]);

  it('is fitted from its own gaps: its CV is the Poisson 1, not the pause’s', () => {
    const { profile, summaries } = fitTrace(trace, base);
    const w = profile.clients[0].arrivals.find((x) => x.start === 93_600)!;
    // ~1 200 gaps: the CV's SE for exponential gaps is ~1/√n ≈ 0.03; 0.1 is > 3 SEs.
    expect(w.cv).toBeGreaterThan(0.9);
    expect(w.cv).toBeLessThan(1.1);
    // The summary keeps the gap (validation compares every gap); the fit's copy drops exactly it.
    const raw = summaries.arrivals.find((a) => a.start === 93_600)!;
    const fit = fitArrivals(summaries).find((a) => a.start === 93_600)!;
    expect(raw.gaps).toBe(raw.n);
    expect(fit.gaps).toBe(raw.n - 1);
    const pause = raw.first - before[before.length - 1];
    expect(pause).toBeGreaterThan(86_000);
    expect(fit.sum).toBeCloseTo(raw.sum - pause, 6);
    // Windows after an adjacent window are the same objects: nothing to drop.
    const next = summaries.arrivals.find((a) => a.start === 94_200)!;
    expect(fitArrivals(summaries)).toContain(next);
    expect(fitArrivals(summaries)).toBe(fitArrivals(summaries));
  });

  it('ownGapTotals (validate\'s count allowances) sums what fitArrivals leaves, without copying windows; also for windows out of order', () => {
    const { summaries } = fitTrace(traceOf([...before, ...after, ...before.map((t) => t + 0.25)], [...before.map(() => 0), ...after.map(() => 0), ...before.map(() => 1)], ['a', 'b']), base);
    const expected = new Map<string, { gaps: number; sum: number; sumSq: number }>();
    for (const w of fitArrivals(summaries)) {
      const e = expected.get(w.client) ?? { gaps: 0, sum: 0, sumSq: 0 };
      expected.set(w.client, { gaps: e.gaps + w.gaps, sum: e.sum + w.sum, sumSq: e.sumSq + w.sumSq });
    }
    const close = (got: Map<string, { gaps: number; sum: number; sumSq: number }>) => {
      expect([...got.keys()].sort()).toEqual(['a', 'b']);
      for (const [id, e] of expected) {
        const g = got.get(id)!;
        expect(g.gaps, id).toBe(e.gaps);
        expect(Math.abs(g.sum / e.sum - 1), id).toBeLessThan(1e-9);
        expect(Math.abs(g.sumSq / e.sumSq - 1), id).toBeLessThan(1e-9);
      }
    };
    close(ownGapTotals(summaries));
    // Client a lost exactly the pause; client b (no pause) nothing.
    const raw = (id: string) => summaries.arrivals.filter((w) => w.client === id).reduce((n, w) => n + w.gaps, 0);
    expect(ownGapTotals(summaries).get('a')!.gaps).toBe(raw('a') - 1);
    expect(ownGapTotals(summaries).get('b')!.gaps).toBe(raw('b'));
    close(ownGapTotals({ ...summaries, arrivals: [...summaries.arrivals].reverse() }));
  });

  it('the worker-thread fit gives the same profile, and a draw of it keeps the log’s 1 s dispersion', async () => {
    const serial = fitTrace(trace, base).profile;
    const parallel = (await fitTraceParallel(trace, base)).profile;
    expect(JSON.stringify(parallel)).toBe(JSON.stringify(serial));
    const drawn: number[] = [];
    for (const b of planGeneration(serial, { start: 0, duration: 93_600 + 7_000, rate: { kind: 'scale', factor: 1 }, seed: 3 }).batches) for (let i = 0; i < b.n; i++) drawn.push(b.timestamp[i]);
    const index = (ts: ArrayLike<number>) => {
      // Index of dispersion of 1 s counts inside the 600 s windows that have requests.
      const windows = new Set<number>();
      const counts = new Map<number, number>();
      for (let i = 0; i < ts.length; i++) {
        windows.add(Math.floor(ts[i] / 600));
        counts.set(Math.floor(ts[i]), (counts.get(Math.floor(ts[i])) ?? 0) + 1);
      }
      const bins = windows.size * 600;
      let sq = 0;
      for (const c of counts.values()) sq += c * c;
      const mean = ts.length / bins;
      return (sq / bins - mean * mean) / mean;
    };
    expect(drawn.length).toBeGreaterThan(25_000);
    // The log's is 1.08 (Poisson, and partly filled windows at each end); ~14 000 bins put the
    // estimate's SE near 0.012, so 10 % is far outside chance. Before the fix the draw's was 5.8.
    expect(Math.abs(index(drawn) / index(trace.timestamp) - 1)).toBeLessThan(0.1);
  });
});

// Found by review: the scan adds a window's own gaps to the pause's, each addition rounded to
// the ulp of a sum near the pause² (1e-3 s² for 30 days), so a window of millisecond gaps kept
// Σ g² − pause² as rounding noise: a measured CV of 0 (true 1.07) written to the profile (and
// to an exported ServeGen pool's cv column).
describe('a window of millisecond gaps after a pause of 30 days', () => {
  const pause = 30 * 86_400;
  const before = arrivals(exponential.create({ scale: 0.002 }), 1000, 1);
  const after = arrivals(exponential.create({ scale: 0.002 }), 1000, 2).map((t) => pause + t);
  const own = after.slice(1).map((t, i) => t - after[i]);
  const mean = own.reduce((a, b) => a + b, 0) / own.length;
  const sumSq = own.reduce((a, b) => a + b * b, 0);
  const trueCv = Math.sqrt(sumSq / own.length - mean * mean) / mean;

  it('keeps its own gaps’ second moment, and the profile its measured CV', () => {
    const { profile, summaries } = fitTrace(traceOf([...before, ...after]), base);
    const fit = fitArrivals(summaries).find((a) => a.start === pause)!;
    expect(fit.gaps).toBe(own.length);
    // Bins are 1.2 % wide: counted moments within 0.5 % (measured 0.02 %).
    expect(Math.abs(fit.sumSq / sumSq - 1)).toBeLessThan(0.005);
    expect(Math.abs(fit.sum / (mean * own.length) - 1)).toBeLessThan(1e-6);
    const w = profile.clients[0].arrivals.find((x) => x.start === pause)!;
    expect(trueCv).toBeGreaterThan(1);
    expect(Math.abs(w.cv! / trueCv - 1)).toBeLessThan(0.005);
  });
});

// Found by review: pauses were told from window starts (index × W), and for W = 0.7 s two
// adjacent windows' starts differ by W ± an ulp, so ~1 window in 10 of a log without pauses lost
// an ordinary gap (its first) as if a pause came before it.
describe('windows of a length that is not a binary fraction (--window 0.7)', () => {
  it('keep every gap when no window without requests lies between', () => {
    const times = arrivals(exponential.create({ scale: 0.05 }), 20_000, 1);
    for (const W of [0.7, 1.1, 2.7, 7.7]) {
      const { summaries } = fitTrace(traceOf(times), { ...base, arrivalSeconds: W });
      const own = fitArrivals(summaries);
      const changed = summaries.arrivals.filter((a, i) => own[i] !== a).map((a) => a.start);
      // Poisson at 20 req/s: a pause of a whole 0.7 s window has chance e^-14 per window.
      expect(changed, `W ${W}`).toEqual([]);
    }
  });
});
