import { describe, expect, it } from 'vitest';
import { gamma } from '../../src/stats/gamma.js';
import { weibull } from '../../src/stats/weibull.js';
import { exponential } from '../../src/stats/exponential.js';
import type { Distribution } from '../../src/stats/distribution.js';
import type { ArrivalModel } from '../../src/stats/registry.js';
import { buildSummaries } from '../../src/summary/build.js';
import { fitArrivalWindow, supCdfDistance } from '../../src/fit/arrival-fit.js';
import { arrivals, traceOf } from './helpers.js';

function fitOne(ts: number[], resolution?: number) {
  const s = buildSummaries(traceOf(ts), { arrivalSeconds: 1e9, lengthSeconds: 1e9, resolution });
  return { fits: fitArrivalWindow(s.arrivals[0], s.resolution), res: s.resolution };
}

describe('arrival fits recover known parameters', () => {
  it('shape within 5 % at n = 5 000 (Gamma 0.5 and 3, Weibull 0.6 and 1.5; seeds 1–5)', () => {
    // SE of the shape MLE at n = 5 000 is ≈ 1.1–2 % here, so 5 % is ≥ 2.5 SE.
    const cases: [ArrivalModel, Distribution][] = [
      [{ family: 'gamma', shape: 0.5, scale: 2 }, gamma.create({ shape: 0.5, scale: 2 })],
      [{ family: 'gamma', shape: 3, scale: 0.1 }, gamma.create({ shape: 3, scale: 0.1 })],
      [{ family: 'weibull', shape: 0.6, scale: 1 }, weibull.create({ shape: 0.6, scale: 1 })],
      [{ family: 'weibull', shape: 1.5, scale: 0.3 }, weibull.create({ shape: 1.5, scale: 0.3 })],
    ];
    for (const [truth, d] of cases) {
      for (let seed = 1; seed <= 5; seed++) {
        const { fits } = fitOne(arrivals(d, 5000, seed));
        const same = fits.find((f) => f.model.family === truth.family)!.model as { shape: number };
        expect(Math.abs(same.shape / (truth as { shape: number }).shape - 1), `${truth.family} seed ${seed}`).toBeLessThan(0.05);
      }
    }
  });

  it('picks the right family ≥ 95 % of the time when KS separates them (n = 2 000–20 000)', () => {
    const cases: [string, Distribution][] = [
      ['gamma', gamma.create({ shape: 0.4, scale: 1 })],
      ['weibull', weibull.create({ shape: 0.5, scale: 1 })],
      ['exponential', exponential.create({ scale: 1 })],
    ];
    let right = 0;
    let total = 0;
    for (const [family, d] of cases) {
      for (const n of [2000, 5000, 20000]) {
        for (let seed = 10; seed < 14; seed++) {
          const { fits } = fitOne(arrivals(d, n, seed));
          // "Separates": the true family's KS is below the others' by more than sampling noise.
          const truthKs = fits.find((f) => f.model.family === family)!.ks;
          const others = fits.filter((f) => f.model.family !== family);
          if (family === 'exponential') {
            // Exponential is nested in both; accept a nested fit with shape ≈ 1.
            const m = fits[0].model;
            const ok = m.family === 'exponential' || ('shape' in m && Math.abs(m.shape - 1) < 0.05);
            right += ok ? 1 : 0;
            total++;
            continue;
          }
          if (others.every((o) => o.ks - truthKs > 0.5 / Math.sqrt(n))) {
            total++;
            if (fits[0].model.family === family) right++;
          }
        }
      }
    }
    expect(total).toBeGreaterThan(20);
    expect(right / total).toBeGreaterThanOrEqual(0.95);
  });
});

describe('clock resolution', () => {
  it('detects 1 ms timestamps and fits very bursty gaps through interval censoring (sup CDF distance < 0.03 at n = 2 000)', () => {
    const truths: [ArrivalModel, Distribution][] = [
      [{ family: 'gamma', shape: 0.06, scale: 0.5 / 0.06 }, gamma.create({ shape: 0.06, scale: 0.5 / 0.06 })],
      [{ family: 'weibull', shape: 0.35, scale: 0.05 }, weibull.create({ shape: 0.35, scale: 0.05 })],
    ];
    for (const [truth, d] of truths) {
      const dists: number[] = [];
      for (let seed = 0; seed < 10; seed++) {
        const { fits, res } = fitOne(arrivals(d, 2000, 100 + seed, 1e-3));
        expect(res).toBe(1e-3);
        dists.push(supCdfDistance(fits.find((f) => f.model.family === truth.family)!.model, truth));
      }
      dists.sort((a, b) => a - b);
      expect(dists[dists.length - 1], `${truth.family}: ${dists.map((x) => x.toFixed(3)).join(' ')}`).toBeLessThan(0.03);
    }
  });

  it('µs-rounded timestamps (as our writers print them) do not bias a Gamma(0.3) shape (within 3 % at n = 5 000)', () => {
    // ~1 % of Gamma(0.3) gaps fall under 2 µs; dropping or flooring them biased the plain MLE by +6 %.
    const d = gamma.create({ shape: 0.3, scale: 1 / 0.3 });
    const est: number[] = [];
    for (let seed = 0; seed < 7; seed++) {
      const { fits } = fitOne(arrivals(d, 5000, 300 + seed, 1e-6));
      est.push((fits.find((f) => f.model.family === 'gamma')!.model as { shape: number }).shape);
    }
    est.sort((a, b) => a - b);
    expect(Math.abs(est[3] / 0.3 - 1)).toBeLessThan(0.03);
  });

  it('a plain fit that ignores the resolution is far off on the same data (why censoring matters)', () => {
    const d = gamma.create({ shape: 0.06, scale: 0.5 / 0.06 });
    const { fits } = fitOne(arrivals(d, 2000, 7, 1e-3), 1e-6);
    const g = fits.find((f) => f.model.family === 'gamma')!.model;
    expect(supCdfDistance(g, { family: 'gamma', shape: 0.06, scale: 0.5 / 0.06 })).toBeGreaterThan(0.05);
  });
});

describe('binned summaries are fine enough', () => {
  it('KS from the 200-per-decade histogram is within 0.005 of the exact KS; shapes match exact MLEs', async () => {
    const { ks1 } = await import('../../src/stats/ecdf.js');
    const { gammaMle } = await import('../../src/fit/arrival-fit.js');
    for (const [d, name] of [[gamma.create({ shape: 0.5, scale: 2 }), 'gamma'], [weibull.create({ shape: 0.7, scale: 1 }), 'weibull']] as const) {
      const ts = arrivals(d, 5000, 77);
      const gaps = ts.slice(1).map((t, i) => t - ts[i]);
      const { fits } = fitOne(ts);
      const f = fits.find((x) => x.model.family === name)!;
      const exact = ks1(gaps, (x) => (name === 'gamma' ? gamma.create(f.model as never) : weibull.create(f.model as never)).cdf(x));
      expect(Math.abs(f.ks - exact), name).toBeLessThan(0.005);
      if (name === 'gamma') {
        const m = gaps.reduce((a, b) => a + b, 0) / gaps.length;
        const ml = gaps.reduce((a, b) => a + Math.log(b), 0) / gaps.length;
        expect(Math.abs((f.model as { shape: number }).shape / gammaMle(m, ml).shape - 1)).toBeLessThan(0.005);
      }
    }
  });
});
