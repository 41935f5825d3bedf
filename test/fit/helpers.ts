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
