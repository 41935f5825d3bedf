import type { Trace } from '../../src/ingest/trace.js';
import type { Distribution } from '../../src/stats/distribution.js';
import { createRng } from '../../src/stats/rng.js';

/** A one-or-more-client trace from (time, client) pairs, for tests. */
export function traceOf(times: number[], clients?: number[], ids?: string[], ints: Trace['ints'] = {}): Trace {
  const order = times.map((_, i) => i).sort((a, b) => times[a] - times[b]);
  const perm = <T extends Int32Array>(a: T) => {
    const out = new Int32Array(a.length) as T;
    order.forEach((j, i) => (out[i] = a[j]));
    return out;
  };
  const c = Int32Array.from(clients ?? times.map(() => 0));
  const sortedInts: Trace['ints'] = {};
  for (const [k, v] of Object.entries(ints)) sortedInts[k as keyof Trace['ints']] = perm(v!);
  return {
    n: times.length,
    timestamp: Float64Array.from(order.map((i) => times[i])),
    client: perm(c),
    clientIds: ids ?? ['c0'],
    ints: sortedInts,
    texts: {},
    origin: null,
  };
}

/** n + 1 arrival times with gaps drawn from d (seeded), rounded to multiples of `round` when given. */
export function arrivals(d: Distribution, n: number, seed: number, round?: number): number[] {
  const rng = createRng(seed);
  let t = 0;
  const out: number[] = [];
  for (let i = 0; i <= n; i++) {
    out.push(round ? Math.round(t / round) * round : t);
    t += d.sample(rng);
  }
  return out;
}

/** Index of dispersion of the 1 s counts of `times` over [0, end). */
export function index1s(times: readonly number[], end: number): number {
  const counts = new Map<number, number>();
  for (const t of times) counts.set(Math.floor(t), (counts.get(Math.floor(t)) ?? 0) + 1);
  const bins = Math.ceil(end);
  let sq = 0;
  for (const c of counts.values()) sq += c * c;
  const mean = times.length / bins;
  return (sq / bins - mean * mean) / mean;
}

/** Requests per instant of the batch and cluster clients of the tests: 1 (20 %), 5 (30 %) or 20 (50 %); mean 11.7. */
export const BATCH_SIZES = [1, 5, 20];
/** A size of BATCH_SIZES for a uniform draw u. */
export const batchSizeAt = (u: number): number => (u < 0.2 ? 1 : u < 0.5 ? 5 : 20);

/** Poisson arrivals on [0, T) at rate(t) ≤ max (thinning), seeded. */
export function poisson(rate: (t: number) => number, max: number, T: number, seed: number): number[] {
  const rng = createRng(seed);
  const out: number[] = [];
  let t = 0;
  for (;;) {
    t += -Math.log(1 - rng.next()) / max;
    if (t >= T) return out;
    if (rng.next() * max < rate(t)) out.push(t);
  }
}
