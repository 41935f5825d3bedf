import { describe, expect, it } from 'vitest';
import { checkPmf, PmfError, PmfSampler } from '../../src/stats/pmf.js';
import { createRng } from '../../src/stats/rng.js';

describe('PmfSampler', () => {
  it('draws each atom with its probability (seed 7, n = 200 000, tolerance 4 standard errors)', () => {
    const pmf = { values: [3, 10, 1, 7], probs: [0.1, 0.2, 0.3, 0.4] };
    const s = new PmfSampler(pmf);
    const rng = createRng(7);
    const n = 200_000;
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const v = s.quantile(rng.next());
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    pmf.values.forEach((v, i) => {
      const p = pmf.probs[i];
      const se = Math.sqrt((p * (1 - p)) / n);
      expect(Math.abs(counts.get(v)! / n - p)).toBeLessThan(4 * se);
    });
  });

  it('normalizes probabilities that do not sum to 1 and ignores zero entries', () => {
    const s = new PmfSampler({ values: [1, 2, 5], probs: [2, 0, 2] });
    expect(s.mean).toBe(3);
    expect(s.quantile(0.25)).toBe(1);
    expect(s.quantile(0.75)).toBe(5);
  });

  it('is monotone in u (inverse CDF), so copulas keep rank order', () => {
    const s = new PmfSampler({ values: [1, 2, 3], probs: [0.2, 0.3, 0.1], bins: { lo: [10, 100], hi: [99, 999], probs: [0.3, 0.1] } });
    let prev = -Infinity;
    for (let u = 0; u < 1; u += 0.0007) {
      const v = s.quantile(u);
      expect(v).toBeGreaterThanOrEqual(prev);
      prev = v;
    }
  });

  it('spreads a bin uniformly over its integers', () => {
    const s = new PmfSampler({ values: [], probs: [], bins: { lo: [10], hi: [19], probs: [1] } });
    const rng = createRng(3);
    const counts = new Array(10).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const v = s.quantile(rng.next());
      expect(Number.isInteger(v)).toBe(true);
      counts[v - 10]++;
    }
    for (const c of counts) expect(Math.abs(c / n - 0.1)).toBeLessThan(4 * Math.sqrt(0.09 / n));
    expect(s.mean).toBe(14.5);
  });

  it('samples count PMFs like the equivalent probabilities', () => {
    const a = new PmfSampler({ values: [1, 2, 9], counts: [1, 2, 7] });
    const b = new PmfSampler({ values: [1, 2, 9], probs: [0.1, 0.2, 0.7] });
    for (let u = 0; u < 1; u += 0.01) expect(a.quantile(u)).toBe(b.quantile(u));
  });

  it('rejects a PMF without mass', () => {
    expect(() => new PmfSampler({ values: [1], probs: [0] })).toThrow(PmfError);
  });
});

describe('checkPmf', () => {
  it('names the offending element', () => {
    expect(() => checkPmf({ values: [1, 2], probs: [0.5] }, 'f')).toThrow(/values \(2\) and probs \(1\)/);
    expect(() => checkPmf({ values: [1], probs: [1], counts: [1] }, 'f')).toThrow(/exactly one of/);
    expect(() => checkPmf({ values: [1], counts: [1.5] }, 'f')).toThrow(/f\.counts\[0\]: count must be an integer/);
    expect(() => checkPmf({ values: [1], probs: [-1] }, 'f')).toThrow(/f\.probs\[0\]/);
    expect(() => checkPmf({ values: [], probs: [], bins: { lo: [5], hi: [4], probs: [1] } }, 'f')).toThrow(/f\.bins\[0\]/);
  });
});
