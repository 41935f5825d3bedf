import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/stats/rng.js';
import { GAP_BINS_PER_DECADE, GAP_MIN, gapBin, gapBinFast } from '../../src/summary/bins.js';

/** The doubles `k` ulps from x (x > 0). */
function ulps(x: number, k: number): number {
  const f = new Float64Array([x]);
  const i = new BigInt64Array(f.buffer);
  i[0] += BigInt(k);
  return f[0];
}

describe('gapBinFast', () => {
  const fast = gapBinFast;
  it('gives gapBin’s bin on both sides of every bin edge in its table, ulp by ulp', () => {
    let bad = 0;
    let checked = 0;
    // 2⁻¹⁸ s to 2³¹ s: the table (2⁻¹⁷ to 2³⁰) and past both of its ends; each cell filled by the first gap in it.
    for (let b = gapBin(2 ** -18); b <= gapBin(2 ** 31); b++) {
      const edge = GAP_MIN * Math.pow(10, b / GAP_BINS_PER_DECADE);
      for (let k = -40; k <= 40; k++) {
        const g = ulps(edge, k);
        checked++;
        if (fast(g) !== gapBin(g)) bad++;
      }
      // Inside the guard band, and just outside it (4 000 ulps or so).
      for (const k of [-5000, -4500, -4200, -3900, -3000, 3000, 3900, 4200, 4500, 5000]) {
        const g = ulps(edge, k);
        checked++;
        if (fast(g) !== gapBin(g)) bad++;
      }
    }
    expect(checked).toBeGreaterThan(100_000);
    expect(bad).toBe(0);
  });

  it('gives gapBin’s bin for random gaps from 1 ns to centuries, and for odd values', () => {
    const rng = createRng('gap-binner');
    for (let i = 0; i < 200_000; i++) {
      const g = Math.exp(-21 + 45 * rng.next());
      expect(fast(g)).toBe(gapBin(g));
    }
    for (const g of [2 ** -17, ulps(2 ** -17, -1), 2 ** 30, ulps(2 ** 30, -1), 1e-300, 5e-324, 1e300, Number.MAX_VALUE, Infinity, 0, -0, -1, NaN]) expect(Object.is(fast(g), gapBin(g))).toBe(true);
  });
});
