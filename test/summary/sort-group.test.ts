import { describe, expect, it } from 'vitest';
import { sortGroup } from '../../src/summary/duckdb.js';
import { createRng } from '../../src/stats/rng.js';

describe('sortGroup (histogram rows of one group, as loaded from a warehouse in any order)', () => {
  it('sorts by key and sums repeated keys in row order (−0 is 0), by insertion (≤ 32 rows) and by native sort (more): 2 000 random groups against a Map', () => {
    const rng = createRng('sort-group');
    let large = 0;
    let repeated = 0;
    for (let trial = 0; trial < 2000; trial++) {
      const n = Math.floor(rng.next() * (trial % 2 ? 40 : 400));
      const pool = Array.from({ length: 1 + Math.floor(rng.next() * n * 1.2) }, () => [Math.floor(rng.next() * 5000) - 1000, Math.floor(rng.next() * 500) / 500, -Math.floor(rng.next() * 300), 0, -0][Math.floor(rng.next() * 5)]);
      const pad = 3;
      const keys = new Float64Array(n + 2 * pad).fill(7);
      const counts = new Float64Array(n + 2 * pad).fill(9);
      const want = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const k = pool[Math.floor(rng.next() * pool.length)];
        // Non-integer counts, so the order of the additions shows in the sums.
        const c = 1 + Math.floor(rng.next() * 100) + rng.next();
        keys[pad + i] = k;
        counts[pad + i] = c;
        want.set(k, (want.get(k) ?? 0) + c);
      }
      if (n > 32) large++;
      if (want.size < n) repeated++;
      const u = sortGroup(keys, counts, pad, pad + n);
      const expected = [...want].map(([k, c]) => [k + 0, c]).sort((x, y) => x[0] - y[0]);
      expect(u).toBe(expected.length);
      expect(Array.from(keys.subarray(pad, pad + u))).toEqual(expected.map(([k]) => k));
      expect(Array.from(counts.subarray(pad, pad + u))).toEqual(expected.map(([, c]) => c));
      // Rows outside [a, b) untouched.
      expect([...keys.subarray(0, pad), ...keys.subarray(pad + n)]).toEqual(new Array(2 * pad).fill(7));
      expect([...counts.subarray(0, pad), ...counts.subarray(pad + n)]).toEqual(new Array(2 * pad).fill(9));
    }
    expect(large).toBeGreaterThan(800);
    expect(repeated).toBeGreaterThan(1500);
  });
});
