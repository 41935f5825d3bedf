import { describe, expect, it } from 'vitest';
import { ks1, ks2, ksPValue, quantileSorted } from '../../src/stats/ecdf.js';
import { copulaRhoFromSpearman, spearman, spearmanOfCopula } from '../../src/stats/correlation.js';
import { readJsonFixture } from '../helpers.js';

// Reference values: scipy.stats.ks_2samp / spearmanr (fixtures/reference/scripts/rank_stats.py).
const ref = readJsonFixture<{
  ks2: { a: number[]; b: number[]; statistic: number }[];
  spearman: { x: number[]; y: number[]; rho: number }[];
}>('reference', 'scipy-rank-stats.json');

describe('ks2', () => {
  it('matches scipy.stats.ks_2samp, including tied samples', () => {
    for (const c of ref.ks2) expect(ks2(c.a, c.b)).toBeCloseTo(c.statistic, 12);
  });
  it('is 0 for identical samples and 1 for disjoint ones', () => {
    expect(ks2([1, 2, 3], [3, 2, 1])).toBe(0);
    expect(ks2([1, 2], [3, 4])).toBe(1);
  });
  it('rejects empty samples', () => {
    expect(() => ks2([], [1])).toThrow(RangeError);
  });
});

describe('ks1 and p-value', () => {
  it('computes D against a CDF', () => {
    expect(ks1([0.5], (x) => x)).toBe(0.5);
    expect(ks1([0.25, 0.75], (x) => x)).toBeCloseTo(0.25, 15);
  });
  it('p-value: D = 1.36/√n is the classic 5 % critical value', () => {
    expect(ksPValue(1.36 / Math.sqrt(10000), 10000)).toBeCloseTo(0.049, 2);
    expect(ksPValue(0, 100)).toBe(1);
  });
});

describe('spearman', () => {
  it('matches scipy.stats.spearmanr (average ranks for ties)', () => {
    for (const c of ref.spearman) expect(spearman(c.x, c.y)).toBeCloseTo(c.rho, 12);
  });
  it('Gaussian copula conversions invert each other', () => {
    for (const r of [-0.9, -0.3, 0, 0.21, 0.5, 0.99]) expect(spearmanOfCopula(copulaRhoFromSpearman(r))).toBeCloseTo(r, 12);
  });
});

describe('quantileSorted', () => {
  it('interpolates like numpy (type 7)', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
  });
});
