import type { CompactPmf } from '../stats/pmf.js';
import type { ArrivalSummary, TraceSummaries } from '../summary/types.js';
import { LessBy, WindowView } from '../summary/window-view.js';

/**
 * Batch clients: a client that sends several requests at one instant (a batch job, a fan-out:
 * 50 requests at one millisecond every 5 minutes). Its gaps are mostly exactly 0, and no
 * renewal process of gaps makes such batches: a Gamma fitted to them (98 % zeros, 2 % of 300 s)
 * has a shape of 0.0013, and drawn one gap at a time it spreads a batch over seconds or piles
 * up hundreds (the 1 s index of dispersion of examples/batch-client.sh: 8.08 in the log, 3.18
 * or 41 generated). Such a client's profile gets `batches.sizes` (requests per instant) and its
 * windows describe the gaps between instants; generation draws instants and a size for each.
 */

/** Clocks this fine or finer: requests at one tick were sent together, not rounded together by a coarse clock (1 s, Mooncake's 3 s buckets). */
export const BATCH_FINE_CLOCK = 0.01;
/**
 * A client's gaps that are exactly 0 (within batches), from this share: a batch client — when
 * they are also BATCH_OVER_ONE_TICK times its gaps of one clock tick. At a fine clock, chance
 * puts about as many gaps at 0 ticks as at 1 (a Poisson client at 100/s on a 1 ms clock: 9.5 %
 * and 8.6 %), while batches pile them at 0 only. A client sending 30 % of its requests in
 * batches of 10 beside single ones has 27 % of its gaps 0 and 0.1 % at 1 ms; drawn one gap at
 * a time it failed roundtrip on every dispersion and needed 90 % more serving slots than its log
 * (session 22; with 0.5 it was not a batch client).
 */
export const BATCH_SHARE = 0.2;
/** A batch client's 0-gaps are at least this many times its gaps of one tick. */
export const BATCH_OVER_ONE_TICK = 10;
/** Clients with fewer gaps are not judged. */
export const BATCH_MIN_GAPS = 100;

/** Gaps of exactly 0 inside a window's batches: k − 1 for each batch of k. */
export function batchZeros(a: ArrivalSummary): number {
  let z = 0;
  a.batches?.forEach((count, size) => (z += (size - 1) * count));
  return z;
}

/** A client's gaps, its gaps of exactly 0 (inside batches) and its gaps of one clock tick. */
export interface BatchTotals {
  gaps: number;
  zeros: number;
  oneTick: number;
}

const BATCH_CLIENTS = new WeakMap<TraceSummaries, ReadonlyMap<string, BatchTotals>>();

/** Per batch client (by BATCH_SHARE at a fine clock): its gaps and the 0-gaps within its batches. */
export function batchClients(summaries: TraceSummaries): ReadonlyMap<string, BatchTotals> {
  const cached = BATCH_CLIENTS.get(summaries);
  if (cached) return cached;
  const by = new Map<string, BatchTotals>();
  if (summaries.resolution <= BATCH_FINE_CLOCK) {
    for (const a of summaries.arrivals) {
      let e = by.get(a.client);
      if (!e) by.set(a.client, (e = { zeros: 0, gaps: 0, oneTick: 0 }));
      e.zeros += batchZeros(a);
      e.gaps += a.gaps;
      e.oneTick += a.quant.get(1) ?? 0;
    }
  }
  const out = batchesAmong(by, summaries.resolution);
  BATCH_CLIENTS.set(summaries, out);
  return out;
}

/**
 * The batch clients among per-client totals, at clock `resolution`: BATCH_MIN_GAPS or more
 * gaps, BATCH_SHARE of them exactly 0 and BATCH_OVER_ONE_TICK times those of one tick, at
 * BATCH_FINE_CLOCK or finer.
 */
export function batchesAmong(totals: ReadonlyMap<string, BatchTotals>, resolution: number): Map<string, BatchTotals> {
  const out = new Map<string, BatchTotals>();
  if (!(resolution <= BATCH_FINE_CLOCK)) return out;
  for (const [id, e] of totals) if (e.gaps >= BATCH_MIN_GAPS && e.zeros >= BATCH_SHARE * e.gaps && e.zeros >= BATCH_OVER_ONE_TICK * e.oneTick) out.set(id, { ...e });
  return out;
}

/** Batch clients of a trace as inspect reports them: how many, their share of requests, the largest few. */
export interface TraceBatches {
  clients: number;
  share: number;
  top: { id: string; zeroShare: number; meanSize: number }[];
}

/** TraceBatches from the batch clients (batchesAmong), the request count per client and all requests. */
export function traceBatches(batched: ReadonlyMap<string, BatchTotals>, requests: (id: string) => number, total: number): TraceBatches {
  const list = [...batched].sort((x, y) => requests(y[0]) - requests(x[0]) || (x[0] < y[0] ? -1 : 1));
  const share = list.reduce((a, [id]) => a + requests(id), 0);
  return {
    clients: list.length,
    share: total > 0 ? share / total : 0,
    // Instants: every request but the 0-gaps' (a batch of k requests has k − 1 of them).
    top: list.slice(0, 3).map(([id, e]) => ({ id, zeroShare: e.zeros / e.gaps, meanSize: requests(id) / (requests(id) - e.zeros) })),
  };
}

/**
 * Requests per instant over a client's windows, as a profile's `batches.sizes`: size 1 counts
 * the requests alone at their instant (n less the requests in batches).
 */
export function batchSizes(windows: readonly ArrivalSummary[]): CompactPmf {
  const counts = new Map<number, number>();
  let alone = 0;
  for (const a of windows) {
    let inBatches = 0;
    a.batches?.forEach((count, size) => {
      counts.set(size, (counts.get(size) ?? 0) + count);
      inBatches += size * count;
    });
    alone += a.n - inBatches;
  }
  if (alone > 0) counts.set(1, alone);
  const values = [...counts.keys()].sort((x, y) => x - y);
  return { values, counts: values.map((v) => counts.get(v)!) };
}

/**
 * A window without the 0-gaps inside its batches: the gaps between its instants (counts and
 * the 0-tick cell less `zeros`; sums unchanged, as the gaps removed are 0), read through. Its
 * gap-memory terms are left out: they rank the 0-gaps among the others.
 */
export class BetweenInstants extends WindowView {
  constructor(
    w: ArrivalSummary,
    private readonly zeros: number,
  ) {
    super(w);
  }
  override get gaps(): number {
    return this.w.gaps - this.zeros;
  }
  override get quant(): ReadonlyMap<number, number> {
    return new LessBy(this.w.quant, 0, this.zeros);
  }
  override get mem(): readonly number[] | undefined {
    return undefined;
  }
}
