/**
 * gapBin by table (src/summary/bins.ts) against its definition, gapBinByLog: every summary,
 * every engine and every merge bins gaps with gapBin, so one gap binned otherwise would make
 * summaries from different scans disagree. Checked on the values where a difference could hide:
 * both sides of every bin edge the table holds from 1 µs to 10⁷ s, clock multiples (decimal
 * values land near edges: 10^(k/200) µs), log-uniform draws, and values outside the table.
 */
import { describe, expect, it } from 'vitest';
import { GAP_BINS_PER_DECADE, GAP_MIN, gapBin, gapBinByLog } from '../../src/summary/bins.js';
import { createRng } from '../../src/stats/rng.js';

/** The adjacent doubles below and above x (x positive, finite). */
function neighbours(x: number): [number, number] {
  const f = new Float64Array([x]);
  const u = new BigUint64Array(f.buffer);
  const bits = u[0];
  u[0] = bits - 1n;
  const below = f[0];
  u[0] = bits + 1n;
  return [below, f[0]];
}

describe('gapBin (table) equals gapBinByLog (definition)', () => {
  it('on both sides of every bin edge from 1 µs to 10⁷ s', () => {
    let checked = 0;
    const bad: string[] = [];
    for (let b = 0; b <= 13 * GAP_BINS_PER_DECADE; b++) {
      // The edge is near GAP_MIN · 10^(b/200); search the doubles around that estimate.
      const estimate = GAP_MIN * 10 ** (b / GAP_BINS_PER_DECADE);
      let lo = estimate * (1 - 1e-9);
      let hi = estimate * (1 + 1e-9);
      expect([gapBinByLog(lo) < b, gapBinByLog(hi) >= b]).toEqual([true, true]);
      for (;;) {
        const mid = lo + (hi - lo) / 2;
        if (mid === lo || mid === hi) break;
        if (gapBinByLog(mid) < b) lo = mid;
        else hi = mid;
      }
      // hi is the first double of bin b; the two doubles below and above it agree.
      let y = neighbours(neighbours(hi)[0])[0];
      for (let k = 0; k < 5; k++, y = neighbours(y)[1]) {
        checked++;
        if (gapBin(y) !== gapBinByLog(y)) bad.push(`${y}: ${gapBin(y)} vs ${gapBinByLog(y)}`);
      }
    }
    expect(bad).toEqual([]);
    expect(checked).toBe(5 * (13 * GAP_BINS_PER_DECADE + 1));
  });

  it('on clock multiples and log-uniform draws', () => {
    let bad = 0;
    for (const res of [1e-6, 1e-3, 0.01, 0.1, 1]) for (let k = 1; k <= 200_000; k++) if (gapBin(k * res) !== gapBinByLog(k * res)) bad++;
    const rng = createRng(11);
    for (let i = 0; i < 500_000; i++) {
      const g = 10 ** (-8 + 22 * rng.next());
      if (gapBin(g) !== gapBinByLog(g)) bad++;
    }
    expect(bad).toBe(0);
  });

  it('outside the table and on non-positive values, as the definition', () => {
    for (const g of [1e-300, 5e-324, 1e-9, 1e13, 1e300, Number.MAX_VALUE, 0, -0, -1, Infinity, -Infinity]) expect(gapBin(g)).toBe(gapBinByLog(g));
    expect(Number.isNaN(gapBin(NaN))).toBe(true);
    // The table's first and last octaves.
    for (const g of [2 ** -24, 2 ** -24 * 1.5, 2 ** 40 * 0.999, 2 ** 40, 2 ** 40 * 1.5]) expect(gapBin(g)).toBe(gapBinByLog(g));
  });
});
