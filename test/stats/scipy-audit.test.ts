import { describe, expect, it } from 'vitest';
import { gammaP, gammaPInv, gammaQ, gammaQInv } from '../../src/stats/special.js';
import { gammaPFixedShape } from '../../src/stats/fast-gamma-p.js';
import { gamma } from '../../src/stats/gamma.js';
import { weibull } from '../../src/stats/weibull.js';
import { exponential } from '../../src/stats/exponential.js';
import { readJsonFixture } from '../helpers.js';

// P(a, x), Q(a, x) by mpmath quadrature (30 digits) and scipy.special.gammaincinv at large
// shapes: fixtures/reference/scripts/fits.py.
const ref = readJsonFixture<{
  generator: string;
  gammainc: { a: number; x: number; p: number; q: number }[];
  gammaincinv: { a: number; p: number; lower: number; upper: number }[];
}>('reference', 'scipy-fits.json');

describe(`incomplete gamma at large shapes (near-periodic clients) against ${ref.generator}`, () => {
  it('P and Q within 1e-12 for a = 300–1e8, x within 6 SDs (@stdlib was off by 1.2e-2 at a = 1000)', () => {
    let worst = 0;
    for (const r of ref.gammainc) {
      worst = Math.max(worst, Math.abs(gammaP(r.a, r.x) - r.p), Math.abs(gammaQ(r.a, r.x) - r.q));
      // gamma.cdf goes through gammaP; the survival function through gammaQ.
      worst = Math.max(worst, Math.abs(gamma.create({ shape: r.a, scale: 2 }).cdf(2 * r.x) - r.p));
    }
    expect(worst).toBeLessThan(1e-12);
  });

  it("the fitter's fast P agrees too (its 1000-term caps gave P(1e6, 1e6) = 0.342 for 0.500)", () => {
    let worst = 0;
    for (const r of ref.gammainc) worst = Math.max(worst, Math.abs(gammaPFixedShape(r.a)(r.x) - r.p));
    expect(worst).toBeLessThan(1e-12);
  });

  it('inverses match scipy to 1e-9 SDs in the body and 1e-5 SDs in the tails (p = 1e-12 … 0.99)', () => {
    // scipy's inverse is only as good as its gammainc: ≤ 1e-16 off in the body here, but 4e-11
    // at a = 1e6, 4.5 SDs below (mpmath), ~3e-6 SDs of x at p = 1e-6. @stdlib's inverse was
    // off by up to 0.017 SDs (a = 1000, p = 0.3).
    for (const r of ref.gammaincinv) {
      const sd = Math.sqrt(r.a);
      const tol = r.p < 1e-3 ? 1e-5 : 1e-9;
      expect(Math.abs(gammaPInv(r.a, r.p) - r.lower) / sd, `a ${r.a} p ${r.p}`).toBeLessThan(tol);
      expect(Math.abs(gammaQInv(r.a, r.p) - r.upper) / sd, `a ${r.a} q ${r.p}`).toBeLessThan(tol);
      // The distribution's quantile uses the upper inverse above p = 0.5.
      const d = gamma.create({ shape: r.a, scale: 1 });
      expect(d.quantile(r.p)).toBe(r.p > 0.5 ? gammaQInv(r.a, 1 - r.p) : gammaPInv(r.a, r.p));
    }
  });
});

describe('Weibull where x/λ under- or overflows', () => {
  it('logpdf is finite at a subnormal x (it was NaN at k = 1: 0·ln 0) and equals the exponential at k = 1', () => {
    const x = 5e-324;
    expect(weibull.create({ shape: 1, scale: 1e6 }).logpdf(x)).toBe(exponential.create({ scale: 1e6 }).logpdf(x));
    // ln f = ln(k/λ) + (k − 1)(ln x − ln λ) − (x/λ)^k, the last term ≈ 2.6e-7 here (mpmath).
    const lf = weibull.create({ shape: 0.02, scale: 1e6 }).logpdf(x);
    const lz = Math.log(x) - Math.log(1e6);
    expect(lf).toBeCloseTo(Math.log(0.02 / 1e6) + (0.02 - 1) * lz - Math.exp(0.02 * lz), 9);
    expect(weibull.create({ shape: 0.02, scale: 1e6 }).cdf(x)).toBeCloseTo(2.593436607569609e-7, 15);
    expect(weibull.create({ shape: 3, scale: 1e-10 }).logpdf(1e300)).toBe(-Infinity);
  });
});

describe('KS p-value (Kolmogorov distribution) against scipy.stats.kstwobign', () => {
  it('matches the survival function to 1e-12 for λ = 0.002–2.5 (λ = 0.002 gave 0.078 for 1)', async () => {
    const { ksPValue } = await import('../../src/stats/ecdf.js');
    const kol = readJsonFixture<{ kolmogorov_sf: { lambda: number; sf: number }[] }>('reference', 'scipy-fits.json').kolmogorov_sf;
    // λ = (√n + 0.12 + 0.11/√n)·D: with n = 1e12, D = λ/1e6 gives λ to 1.2e-7 relative.
    for (const { lambda, sf } of kol) {
      const n = 1e12;
      const d = lambda / (Math.sqrt(n) + 0.12 + 0.11 / Math.sqrt(n));
      expect(Math.abs(ksPValue(d, n) - sf), `λ ${lambda}`).toBeLessThan(1e-12);
    }
  });
});
