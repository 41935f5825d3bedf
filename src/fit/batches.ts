import type { CompactPmf } from '../stats/pmf.js';
import { log, pow } from '../stats/det-math.js';
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
/**
 * A batch client's sizes per instant are not those that chance runs of 0-gaps make: by chance —
 * independent gaps, each 0 with its window's share p = zeros / n — an instant's size is
 * geometric, P(S = k) = (1 − p)·p^(k−1). A client drawing gaps of a Gamma of shape 0.05 (the
 * burstiest windows of upstream's mm-image pool), logged to the µs, has half its gaps at 0 µs,
 * 28 times those at 1 µs, in runs of just that length: the renewal model reproduces it, while a
 * batch model with its pooled sizes failed the pool trace's roundtrip (session 22). The test
 * is a G-test of the pooled sizes against the windows' geometric sizes (cells 1 … SIZE_CELLS
 * and a tail): G above its χ² mean by BATCH_G_SDS standard deviations, and a total variation
 * of at least BATCH_MIN_TV (a large client's small departures are left to the renewal model).
 */
export const BATCH_G_SDS = 5;
/** The least total variation between a batch client's sizes and chance's. */
export const BATCH_MIN_TV = 0.05;
/** Size cells of the chance test: 1 … SIZE_CELLS, then one for larger sizes. */
const SIZE_CELLS = 64;
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

/** A window as the chance test reads it: requests, 0-gaps inside batches, batch size → count. */
export interface BatchWindow {
  n: number;
  zeros: number;
  batches: ReadonlyMap<number, number> | undefined;
}

/**
 * Whether a client's sizes per instant depart from those chance runs of 0-gaps make in its
 * windows (BATCH_G_SDS, BATCH_MIN_TV).
 */
export function sizesNotChance(windows: Iterable<BatchWindow>): boolean {
  const cells = SIZE_CELLS + 1;
  const observed = new Float64Array(cells + 1);
  const expected = new Float64Array(cells + 1);
  let instants = 0;
  for (const w of windows) {
    if (!(w.n > 0)) continue;
    let inBatches = 0;
    w.batches?.forEach((count, size) => {
      observed[Math.min(size, cells)] += count;
      inBatches += size * count;
    });
    observed[1] += w.n - inBatches;
    const I = w.n - w.zeros;
    instants += I;
    const p = w.zeros / w.n;
    if (p === 0) {
      expected[1] += I;
      continue;
    }
    let pk = I * (1 - p);
    for (let k = 1; k <= SIZE_CELLS; k++, pk *= p) expected[k] += pk;
    expected[cells] += I * pow(p, SIZE_CELLS);
  }
  if (!(instants > 0)) return false;
  let g = 0;
  let tv = 0;
  let df = -1;
  for (let k = 1; k <= cells; k++) {
    if (observed[k] > 0) g += 2 * observed[k] * log(observed[k] / Math.max(expected[k], 1e-300));
    tv += Math.abs(observed[k] - expected[k]);
    if (observed[k] > 0 || expected[k] >= 1) df++;
  }
  df = Math.max(1, df);
  return g > df + BATCH_G_SDS * Math.sqrt(2 * df) && tv / (2 * instants) >= BATCH_MIN_TV;
}

/** Totals of no window. */
export function noBatchTotals(): BatchTotals {
  return { gaps: 0, zeros: 0, oneTick: 0 };
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
      if (!e) by.set(a.client, (e = noBatchTotals()));
      e.zeros += batchZeros(a);
      e.gaps += a.gaps;
      e.oneTick += a.quant.get(1) ?? 0;
    }
  }
  const out = batchesAmong(by, summaries.resolution, (ids) => {
    const of = new Map<string, BatchWindow[]>([...ids].map((id) => [id, []]));
    for (const a of summaries.arrivals) of.get(a.client)?.push({ n: a.n, zeros: batchZeros(a), batches: a.batches });
    return of;
  });
  BATCH_CLIENTS.set(summaries, out);
  return out;
}

/**
 * The batch clients among per-client totals, at clock `resolution`: BATCH_MIN_GAPS or more
 * gaps, BATCH_SHARE of them exactly 0 and BATCH_OVER_ONE_TICK times those of one tick, at
 * BATCH_FINE_CLOCK or finer, with sizes per instant that chance does not make (sizesNotChance
 * over the windows `windowsOf` gives for the clients that pass the rest).
 */
export function batchesAmong(totals: ReadonlyMap<string, BatchTotals>, resolution: number, windowsOf: (ids: ReadonlySet<string>) => ReadonlyMap<string, readonly BatchWindow[]>): Map<string, BatchTotals> {
  const out = new Map<string, BatchTotals>();
  if (!(resolution <= BATCH_FINE_CLOCK)) return out;
  const candidates = new Set<string>();
  for (const [id, e] of totals) if (e.gaps >= BATCH_MIN_GAPS && e.zeros >= BATCH_SHARE * e.gaps && e.zeros >= BATCH_OVER_ONE_TICK * e.oneTick) candidates.add(id);
  if (candidates.size === 0) return out;
  const windows = windowsOf(candidates);
  for (const id of candidates) if (sizesNotChance(windows.get(id) ?? [])) out.set(id, { ...totals.get(id)! });
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
