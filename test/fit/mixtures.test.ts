import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/stats/rng.js';
import { fitLognormalPareto, fitTwoNormals } from '../../src/fit/mixtures.js';
import { characterize } from '../../src/fit/lengths.js';

describe('mixture characterizations (seeded samples, n = 20 000)', () => {
  it('two-component Gaussian mixture recovers weights and means (bimodal reason ratios)', () => {
    const rng = createRng(41);
    const v: number[] = [];
    for (let i = 0; i < 20000; i++) v.push(rng.next() < 0.3 ? 0.2 + 0.05 * rng.normal() : 0.8 + 0.1 * rng.normal());
    const m = fitTwoNormals({ v, w: v.map(() => 1) })!;
    // SEs at n = 20 000: weight ≈ 0.003, means ≈ 0.001: tolerances are > 5 SE.
    expect(Math.abs(m.w - 0.3)).toBeLessThan(0.02);
    expect(Math.abs(m.mu1 - 0.2)).toBeLessThan(0.01);
    expect(Math.abs(m.mu2 - 0.8)).toBeLessThan(0.01);
    expect(Math.abs(m.sd2 - 0.1)).toBeLessThan(0.01);
  });

  it('log-normal + Pareto tail: recovers the tail index and beats a plain log-normal on input lengths', () => {
    const rng = createRng(42);
    const h = new Map<number, number>();
    const v: number[] = [];
    for (let i = 0; i < 20000; i++) {
      // Body LN(5, 0.6) (median 148); 25 % Pareto tail from 400 with α = 1.3.
      const x = rng.next() < 0.75 ? Math.exp(5 + 0.6 * rng.normal()) : 400 * Math.pow(rng.nextOpen(), -1 / 1.3);
      const k = Math.floor(x);
      v.push(k);
      h.set(k, (h.get(k) ?? 0) + 1);
    }
    const m = fitLognormalPareto({ v, w: v.map(() => 1) })!;
    expect(Math.abs(m.alpha / 1.3 - 1)).toBeLessThan(0.15);
    const fit = characterize('input_tokens', h)!;
    expect(fit.family).toBe('lognormal+pareto');
    expect(fit.ks!).toBeLessThan(0.03);
  });
});
