import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/stats/rng.js';
import { summarizeSide } from '../../src/validate/side.js';
import { gapCells, ks, quantile, w1 } from '../../src/validate/distributions.js';
import { PAIR_CASES, clockTimes, registryCreate, type PairCase } from '../../fixtures/reference/scripts/fit-cases.js';
import { readJsonFixture } from '../helpers.js';
import { traceOf } from '../fit/helpers.js';

// scipy.stats.ks_2samp, wasserstein_distance and numpy's inverted-CDF quantiles of two gap
// samples measured on a clock (fixtures/reference/scripts/fits.py); validate computes the same
// metrics from the packed gap histograms (exact ticks near 0, 200 log bins per decade above).
interface RefPair {
  id: string;
  res: number;
  n: [number, number];
  sum: [number, number];
  ks: number;
  w1: number;
  quantiles: Record<string, number>;
  cv: number;
}
const ref = readJsonFixture<{ generator: string; pairs: RefPair[] }>('reference', 'scipy-fits.json');

/** Keep in step with fixtures/reference/scripts/fit-samples.ts. */
function times(c: PairCase['a'], res: number): number[] {
  return Array.from(clockTimes(registryCreate(c).sampleN(createRng(c.seed), c.n), res));
}

describe(`validate's histogram metrics against ${ref.generator} on the raw gaps`, () => {
  for (const p of PAIR_CASES) {
    const r = ref.pairs.find((x) => x.id === p.id)!;
    it(`${p.id}: KS, W1, quantiles, CV`, () => {
      const ta = times(p.a, p.res);
      const tb = times(p.b, p.res);
      const A = summarizeSide('a', traceOf(ta), p.res, 1e12).aggregate.gaps!;
      const B = summarizeSide('b', traceOf(tb), p.res, 1e12).aggregate.gaps!;
      expect([A.gaps, B.gaps]).toEqual(r.n);
      expect(Math.abs(A.sum / r.sum[0] - 1)).toBeLessThan(1e-9);
      const ca = gapCells(A.quant, A.hist, p.res);
      const cb = gapCells(B.quant, B.hist, p.res);
      // Binned KS sees the ECDFs at cell ends only: at most scipy's, and below it by at most a
      // 1.2 %-wide bin's share of either sample (measured ≤ 0.0013 here; 0 on a 1 s clock,
      // where every gap is an exact tick).
      const d = ks(ca, cb);
      expect(d).toBeLessThanOrEqual(r.ks + 1e-12);
      expect(d).toBeGreaterThan(r.ks - (p.res >= 1 ? 1e-12 : 0.005));
      // W1 with each bin's gaps at its geometric midpoint: within ±0.58 % of their values, so
      // ∫|F_a − F_b| moves by at most ~0.6 % (measured 0.15 %).
      expect(Math.abs(w1(ca, cb) / r.w1 - 1)).toBeLessThan(p.res >= 1 ? 1e-9 : 0.01);
      // Quantiles: exact ticks are the inverted-CDF quantile; inside a log bin, interpolated
      // (bins are 1.16 % wide). On the 1 ms clock gaps up to a few ms are ticks.
      for (const [q, x] of Object.entries(r.quantiles)) {
        const got = quantile(ca, Number(q));
        if (x < 4 * p.res || p.res >= 1) expect(got, `q ${q}`).toBeCloseTo(x, 9);
        else expect(Math.abs(got / x - 1), `q ${q}`).toBeLessThan(0.0116);
      }
      // CV from the summary's sums (the iat_cv metric's formula): population SD / mean.
      const m = A.sum / A.gaps;
      expect(Math.abs(Math.sqrt(A.sumSq / A.gaps - m * m) / m / r.cv - 1)).toBeLessThan(1e-9);
    });
  }
});
