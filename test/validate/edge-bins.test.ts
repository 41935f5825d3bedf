import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/stats/rng.js';
import { summarizeSide } from '../../src/validate/side.js';
import type { Trace } from '../../src/ingest/trace.js';

/** Poisson arrivals at `rate` on [0, span), two clients taking turns, times to the millisecond. */
function poisson(seed: number, rate: number, span: number): Trace {
  const rng = createRng(seed);
  const t: number[] = [];
  for (let a = -Math.log(rng.nextOpen()) / rate; a < span; a += -Math.log(rng.nextOpen()) / rate) t.push(Math.round(a * 1000) / 1000);
  return { n: t.length, timestamp: Float64Array.from(t), client: Int32Array.from(t, (_, i) => i % 2), clientIds: ['a', 'b'], ints: {}, texts: {}, origin: null };
}

const index = (d: { bins: number; sum: number; sumSq: number }) => {
  const m = d.sum / d.bins;
  return (d.sumSq / d.bins - m * m) / m;
};

// Found in session 22: validate counted the bins the span's edges cut as whole bins. Azure conv
// 2023 ends 22 s into a 60 s bin, and its 60 s index of dispersion was 20.5 with that bin
// against 15.2 over its whole bins; a 3 600 s draw of its profile ends on a bin boundary.
describe('index of dispersion over the bins inside the span', () => {
  // 10 req/s for 3 630 s: the last 60 s bin holds 30 s of requests (~300 against ~600).
  const cut = summarizeSide('cut', poisson(1, 10, 3630), 0.001, 600);
  const whole = summarizeSide('whole', poisson(2, 10, 3600), 0.001, 600);

  it('is about 1 for Poisson counts whether or not the span ends inside a bin', () => {
    // 58–59 whole bins: the index's standard error is ~√(2/58) ≈ 0.19; 0.6 is > 3 of them.
    for (const side of [cut, whole]) {
      const d = side.aggregate.gaps!.disp;
      expect(Math.abs(index(d.s60) - 1), `${side.label} 60 s`).toBeLessThan(0.6);
      expect(Math.abs(index(d.s10) - 1), `${side.label} 10 s`).toBeLessThan(0.25);
      // The first and last 60 s bins are left out: 61 bins in 3 630 s, 60 in 3 600 s.
      expect(d.s60.bins, side.label).toBe(side.label === 'cut' ? 59 : 58);
    }
    // (Counted whole, the half-filled last bin added ~2.4 to the cut trace's 60 s index.)
  });

  it('per client too, and per window the counts left out are the edge bins’ own', () => {
    const all = poisson(1, 10, 3630).timestamp;
    const lastBin1s = Math.floor(all[all.length - 1]);
    for (const id of ['a', 'b']) {
      const d = cut.clients.get(id)!.gaps!.disp;
      expect(Math.abs(index(d.s60) - 1), id).toBeLessThan(0.6);
      // Requests in the kept bins: all but those in the trace's first and last bin.
      const times = Array.from(all).filter((_, i) => (i % 2 === 0) === (id === 'a'));
      expect(d.s60.sum, id).toBe(times.filter((t) => t >= 60 && t < 3600).length);
      expect(d.s1.sum, id).toBe(times.filter((t) => t >= 1 && t < lastBin1s).length);
    }
  });
});
