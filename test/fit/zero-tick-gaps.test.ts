import { describe, expect, it } from 'vitest';
import { empiricalGaps } from '../../src/fit/arrival-fit.js';
import { clientGapShape } from '../../src/fit/client-shape.js';
import { unitGapSampler } from '../../src/generate/arrival-sampler.js';
import type { ArrivalWindow } from '../../src/profile/schema.js';
import { createRng } from '../../src/stats/rng.js';
import { gapBin, gapBinEdges } from '../../src/summary/bins.js';
import type { ArrivalSummary } from '../../src/summary/types.js';

const RES = 0.001;

/**
 * A window's gaps on a 1 ms clock: 300 of 0 ticks, 100 of 1, 80 of 2, and 520 from 5 ms up by
 * 1 % each (to ~0.9 s).
 */
function windowGaps(): ArrivalSummary {
  const hist = new Map<number, number>();
  for (let i = 0; i < 520; i++) {
    const b = gapBin(0.005 * 1.01 ** i);
    hist.set(b, (hist.get(b) ?? 0) + 1);
  }
  const disp = { bins: 0, sum: 0, sumSq: 0 };
  return { client: 'a', start: 0, n: 1001, first: 0, last: 600, gaps: 1000, sum: 0, sumSq: 0, sumLog: 0, positive: 700, quant: new Map([[0, 300], [1, 100], [2, 80]]), hist, disp: { s1: disp, s10: disp, s60: disp } };
}

/** Mean of a gap histogram as its sampler draws it (log-uniform inside a bin; `below` uniform). */
function meanOf(e: NonNullable<ArrivalWindow['empirical']>): number {
  let m = (e.below_count * e.below) / 2;
  let n = e.below_count;
  e.bins.forEach((b, i) => {
    const [lo, hi] = gapBinEdges(b);
    m += (e.counts[i] * (hi - lo)) / Math.log(hi / lo);
    n += e.counts[i];
  });
  return m / n;
}

/**
 * Shares of 0 and 1 ticks among `n` gaps drawn from `e` (`unit` seconds a unit of its gaps) from
 * a uniformly random phase, each end floored to the clock.
 */
function flooredShares(e: NonNullable<ArrivalWindow['empirical']>, n: number, seed: number, unit = 1): { zero: number; one: number } {
  const sampler = unitGapSampler({ start: 0, rate: 1, cv: null, model: null, empirical: e });
  const rng = createRng(seed);
  const mean = meanOf(e) * unit;
  let t = rng.next() * RES;
  let zero = 0;
  let one = 0;
  for (let i = 0; i < n; i++) {
    const next = t + sampler.next(rng) * mean;
    const ticks = Math.floor(next / RES) - Math.floor(t / RES);
    if (ticks === 0) zero++;
    if (ticks === 1) one++;
    t = next;
  }
  return { zero: zero / n, one: one / n };
}

describe('gaps a clock measured as 0 ticks, in a kept gap histogram', () => {
  // Spread on [0, res) as they were, half of them came out a tick long once floored to the clock
  // again (validate measures both sides at the source's clock): this window's draw had 15.3 % of
  // its gaps at 0 ticks and 24.7 % at 1, against its 30 % and 10 % (drawn at 0: 30.4 %, 9.7 %).
  // 20 000 draws: a share of 30 % has an SE of √(0.3 · 0.7 / 20 000) ≈ 0.0032; 0.013 is 4 SEs.
  it("are drawn at 0 from a window's histogram: floored from any phase, they stay 0 ticks", () => {
    const e = empiricalGaps(windowGaps(), RES);
    expect(e.below_count).toBe(300);
    const { zero, one } = flooredShares(e, 20_000, 3);
    expect(Math.abs(zero - 0.3)).toBeLessThan(0.013);
    expect(Math.abs(one - 0.1)).toBeLessThan(0.013);
    // A profile written before (`below` the clock's resolution) is drawn as it was.
    expect(flooredShares({ ...e, below: RES }, 20_000, 3).zero).toBeLessThan(0.2);
  });

  it("are drawn at 0 from a client's pooled shape too", () => {
    // The same gaps as one window of a client whose exponential misses them (its pool is kept),
    // but with 4 zero-tick and 4 one-tick gaps (no pool is kept above 2 % within a tick), its
    // mean gap 0.5 s: the pool is in mean gaps. Drawn on [0, res / mean) as they were, 0.36 % of
    // the draw's gaps were 0 ticks against its 0.76 %. 200 000 draws: the SE of a share of 0.76 %
    // is ~0.0002; 0.0008 is 4 of them.
    const summary: ArrivalSummary = { ...windowGaps(), gaps: 528, sum: 0.5 * 528, positive: 524, quant: new Map([[0, 4], [1, 4]]) };
    const shape = clientGapShape([summary], [{ start: 0, rate: 528 / 600, cv: 1, model: { family: 'exponential', scale: 0.5 } }], RES, 0.05)!;
    expect(shape.below_count).toBe(4);
    const { zero } = flooredShares(shape, 200_000, 4, 0.5);
    expect(Math.abs(zero - 4 / 528)).toBeLessThan(0.0008);
  });
});
