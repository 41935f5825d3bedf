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
/** A client's gaps that are exactly 0 (within batches), from this share: a batch client. */
export const BATCH_SHARE = 0.5;
/** Clients with fewer gaps are not judged. */
export const BATCH_MIN_GAPS = 100;

/** Gaps of exactly 0 inside a window's batches: k − 1 for each batch of k. */
export function batchZeros(a: ArrivalSummary): number {
  let z = 0;
  a.batches?.forEach((count, size) => (z += (size - 1) * count));
  return z;
}

/** A client's requests, gaps, and 0-gaps within its batches (one per request that is not the first at its instant). */
export interface BatchCounts {
  n: number;
  zeros: number;
  gaps: number;
}

const BATCH_CLIENTS = new WeakMap<TraceSummaries, ReadonlyMap<string, BatchCounts>>();

/** Per batch client (by BATCH_SHARE at a fine clock): its requests, gaps and the 0-gaps within its batches. */
export function batchClients(summaries: TraceSummaries): ReadonlyMap<string, BatchCounts> {
  const cached = BATCH_CLIENTS.get(summaries);
  if (cached) return cached;
  const out = new Map<string, BatchCounts>();
  BATCH_CLIENTS.set(summaries, out);
  if (!(summaries.resolution <= BATCH_FINE_CLOCK)) return out;
  const by = new Map<string, BatchCounts>();
  for (const a of summaries.arrivals) {
    let e = by.get(a.client);
    if (!e) by.set(a.client, (e = { n: 0, zeros: 0, gaps: 0 }));
    e.n += a.n;
    e.zeros += batchZeros(a);
    e.gaps += a.gaps;
  }
  for (const [id, e] of by) if (e.gaps >= BATCH_MIN_GAPS && e.zeros >= BATCH_SHARE * e.gaps) out.set(id, e);
  return out;
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
