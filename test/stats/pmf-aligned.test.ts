/**
 * A PMF built in memory (a library caller editing a profile's lengths, or making one) whose
 * arrays do not line up, or hold NaN or a negative mass, is refused by PmfSampler naming the
 * array; before, the entries without a positive mass were left out of the draws without a word
 * (`{ values: [1, 2, 3], probs: [0.2, 0.8] }` never drew 3). Found by using the installed package
 * as a library (h-102).
 */
import { describe, expect, it } from 'vitest';
import { PmfError, PmfSampler, type CompactPmf } from '../../src/stats/pmf.js';

describe('PmfSampler of a malformed PMF', () => {
  it.each<[string, CompactPmf, string]>([
    ['a value without a probability', { values: [1, 2, 3], probs: [0.2, 0.8] }, 'pmf: values (3) and probs (2) differ in length'],
    ['a count without a value', { values: [1], counts: [1, 5] }, 'pmf: values (1) and counts (2) differ in length'],
    ['bins whose arrays differ', { values: [1], probs: [0.5], bins: { lo: [10, 20], hi: [19], probs: [0.25, 0.25] } }, 'pmf: bins: lo (2), hi (1) and probs (2) differ in length'],
    ['bins without the kind of mass the values have', { values: [1], counts: [1], bins: { lo: [10], hi: [19], probs: [0.5] } }, 'pmf: bins: lo (1), hi (1) and counts (0) differ in length'],
    ['a NaN probability', { values: [1, 2], probs: [NaN, 1] }, 'pmf: probs[0]: expected a finite number ≥ 0, got NaN'],
    ['a negative count', { values: [1, 2], counts: [3, -1] }, 'pmf: counts[1]: expected a finite number ≥ 0, got -1'],
    ['an infinite value', { values: [1, Infinity], probs: [0.5, 0.5] }, 'pmf: values[1]: expected a finite number, got Infinity'],
  ])('refuses %s', (_, pmf, message) => {
    expect(() => new PmfSampler(pmf)).toThrow(PmfError);
    expect(() => new PmfSampler(pmf)).toThrow(message);
  });

  it('still takes zero masses, and draws what it did', () => {
    const s = new PmfSampler({ values: [1, 2, 5], probs: [2, 0, 2] });
    expect([s.quantile(0.1), s.quantile(0.9)]).toEqual([1, 5]);
    expect(new PmfSampler({ values: [], probs: [], bins: { lo: [10], hi: [19], probs: [1] } }).mean).toBe(14.5);
  });
});
