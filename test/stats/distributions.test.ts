import { describe, expect, it } from 'vitest';
import type { Distribution } from '../../src/stats/distribution.js';
import { exponential } from '../../src/stats/exponential.js';
import { gamma } from '../../src/stats/gamma.js';
import { weibull } from '../../src/stats/weibull.js';
import { lognormal } from '../../src/stats/lognormal.js';
import { normal } from '../../src/stats/normal.js';
import { arrivalDistribution } from '../../src/stats/registry.js';
import { ks1 } from '../../src/stats/ecdf.js';
import { createRng } from '../../src/stats/rng.js';
import { readJsonFixture } from '../helpers.js';

// Reference values from scipy.stats (fixtures/reference/scripts/distributions.py).
interface RefCase {
  family: string;
  params: Record<string, number>;
  points: { x: number; logpdf: number; cdf: number }[];
  quantiles: { p: number; x: number }[];
  mean: number;
  variance: number;
}
const ref = readJsonFixture<{ generator: string; cases: RefCase[] }>('reference', 'scipy-distributions.json');

function create(c: RefCase): Distribution {
  const p = c.params as never;
  switch (c.family) {
    case 'exponential':
      return exponential.create(p);
    case 'gamma':
      return gamma.create(p);
    case 'weibull':
      return weibull.create(p);
    case 'lognormal':
      return lognormal.create(p);
    case 'normal':
      return normal.create(p);
    default:
      throw new Error(`no family ${c.family}`);
  }
}

/** |a − b| within rel·|b| or abs, whichever is larger. */
function close(a: number, b: number, rel: number, abs = 0): boolean {
  if (a === b) return true;
  return Math.abs(a - b) <= Math.max(rel * Math.abs(b), abs);
}

describe(`distributions against ${ref.generator}`, () => {
  for (const c of ref.cases) {
    const label = `${c.family} ${JSON.stringify(c.params)}`;
    it(`${label}: logpdf, cdf, quantile, mean, variance`, () => {
      const d = create(c);
      for (const pt of c.points) {
        expect(close(d.logpdf(pt.x), pt.logpdf, 1e-9, 1e-9), `logpdf(${pt.x}) = ${d.logpdf(pt.x)} vs ${pt.logpdf}`).toBe(true);
        // Relative accuracy in the left tail, absolute near 1.
        expect(close(d.cdf(pt.x), pt.cdf, 1e-9, 1e-14), `cdf(${pt.x}) = ${d.cdf(pt.x)} vs ${pt.cdf}`).toBe(true);
      }
      for (const q of c.quantiles) {
        expect(close(d.quantile(q.p), q.x, 1e-8, 1e-300), `quantile(${q.p}) = ${d.quantile(q.p)} vs ${q.x}`).toBe(true);
      }
      expect(close(d.mean, c.mean, 1e-12)).toBe(true);
      expect(close(d.variance, c.variance, 1e-10)).toBe(true);
    });
  }
});

const battery: [string, Distribution][] = [
  ['exponential(2)', exponential.create({ scale: 2 })],
  ['gamma(0.3, 5)', gamma.create({ shape: 0.3, scale: 5 })],
  ['gamma(3.08, 0.36)', gamma.create({ shape: 3.08, scale: 0.36 })],
  ['weibull(0.5, 1)', weibull.create({ shape: 0.5, scale: 1 })],
  ['weibull(1.33, 1.17)', weibull.create({ shape: 1.33, scale: 1.17 })],
  ['lognormal(5, 1.2)', lognormal.create({ mu: 5, sigma: 1.2 })],
  ['normal(3, 2)', normal.create({ mean: 3, sd: 2 })],
];

describe('conformance battery', () => {
  for (const [name, d] of battery) {
    it(`${name}: cdf(quantile(p)) = p`, () => {
      for (const p of [1e-6, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.999999]) expect(d.cdf(d.quantile(p))).toBeCloseTo(p, 9);
    });

    it(`${name}: pdf is the derivative of cdf`, () => {
      for (const p of [0.05, 0.3, 0.6, 0.9]) {
        const x = d.quantile(p);
        const h = Math.max(1e-6, Math.abs(x) * 1e-6);
        const numeric = (d.cdf(x + h) - d.cdf(x - h)) / (2 * h);
        expect(Math.abs(Math.exp(d.logpdf(x)) / numeric - 1)).toBeLessThan(1e-5);
      }
    });

    it(`${name}: sample mean within 5 SE and KS statistic below the 1 % critical value (n = 20 000, seed 11)`, () => {
      const n = 20_000;
      const xs = d.sampleN(createRng(11), n);
      let s = 0;
      for (const x of xs) s += x;
      expect(Math.abs(s / n - d.mean)).toBeLessThan(5 * Math.sqrt(d.variance / n));
      // Critical value of the one-sample KS test at α = 0.01: 1.628/√n.
      expect(ks1(xs, (x) => d.cdf(x))).toBeLessThan(1.628 / Math.sqrt(n));
    });
  }

  it('rejects parameters outside their domain, naming them', () => {
    expect(() => gamma.create({ shape: 0, scale: 1 })).toThrow(/shape must be a finite number > 0/);
    expect(() => weibull.create({ shape: 1, scale: Number.NaN })).toThrow(/scale/);
    expect(() => exponential.create({ scale: -1 })).toThrow(/scale/);
    expect(() => gamma.create({ shape: 1, scale: 1 }).quantile(2)).toThrow(RangeError);
  });

  it('the registry maps profile families to distributions', () => {
    expect(arrivalDistribution({ family: 'gamma', shape: 2, scale: 3 }).mean).toBe(6);
    expect(arrivalDistribution({ family: 'exponential', scale: 4 }).variance).toBe(16);
    expect(arrivalDistribution({ family: 'weibull', shape: 1, scale: 2 }).mean).toBeCloseTo(2, 12);
  });

  it('very bursty Gamma (shape 0.05) keeps its mean and CV ≈ 4.47 in samples (n = 200 000, seed 3)', () => {
    const d = gamma.create({ shape: 0.05, scale: 10 });
    const xs = d.sampleN(createRng(3), 200_000);
    let s = 0;
    let s2 = 0;
    for (const x of xs) {
      s += x;
      s2 += x * x;
    }
    const m = s / xs.length;
    const cv = Math.sqrt(s2 / xs.length - m * m) / m;
    expect(Math.abs(m / 0.5 - 1)).toBeLessThan(0.05);
    expect(Math.abs(cv / Math.sqrt(20) - 1)).toBeLessThan(0.05);
  });
});

describe('fast P(a, x) used inside the fitter', () => {
  it('agrees with @stdlib gammainc to 1e-11 over shapes 0.01–200 and x across 12 decades', async () => {
    const { gammaPFixedShape } = await import('../../src/stats/fast-gamma-p.js');
    const { gammaP } = await import('../../src/stats/special.js');
    let worst = 0;
    for (const a of [0.01, 0.05, 0.3, 1, 2.5, 10, 50, 200]) {
      const P = gammaPFixedShape(a);
      for (let e = -8; e <= 4; e += 0.05) {
        const x = Math.pow(10, e);
        worst = Math.max(worst, Math.abs(P(x) - gammaP(a, x)));
      }
    }
    expect(worst).toBeLessThan(1e-11);
  });
});
