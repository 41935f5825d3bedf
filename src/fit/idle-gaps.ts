import { gapBin, gapBinEdges } from '../summary/bins.js';
import { QUANT_TICKS, type ArrivalSummary, type TraceSummaries } from '../summary/types.js';
import { log } from '../stats/det-math.js';
import { batchClients, batchZeros, BetweenClusters, BetweenInstants } from './batches.js';
import { LessBy, WindowView } from '../summary/window-view.js';

/**
 * The arrival windows a fit reads: each window's gaps without the gap from a client's previous
 * request when a whole arrival window without that client's requests lies between (an
 * outage, a night, a batch client's idle hour). Scans count every gap in the window of its
 * later request, so the first window after such a pause carried one gap of hours or days among
 * its own: a measured CV of 24.6 and a Weibull shape of 0.41 for the first window after a
 * day-long gap in a Poisson log, which generation then drew as 259 requests in one second
 * (found in session 21). The pause is already in the profile as windows without requests; the
 * window's own gaps describe its arrivals.
 *
 * The gap is removed from the window's moments and histogram when the window holds it (a
 * window counts as many gaps as requests then; partitions cut at a window boundary leave it
 * out already): it is `first − last` of the two windows, the subtraction the scan made.
 * Windows without such a gap are returned as they are; the same array (and objects) for the
 * same summaries, so prefitWindows and fitSummaries agree on which windows they fitted.
 *
 * Batch clients' windows (src/fit/batches.ts) are read without the 0-gaps inside their batches:
 * their models describe the gaps between instants.
 */
export function fitArrivals(summaries: TraceSummaries): readonly ArrivalSummary[] {
  const cached = CACHE.get(summaries);
  if (cached) return cached;
  const free = pauseFree(summaries);
  // Batch clients' windows: the gaps between their instants (src/fit/batches.ts).
  const batched = batchClients(summaries);
  const out = batched.size > 0 ? free.slice() : free;
  if (batched.size > 0) {
    (out as ArrivalSummary[]).forEach((a, i, list) => {
      if (!batched.has(a.client)) return;
      const k = batched.get(a.client)!.cluster;
      if (k !== undefined) list[i] = new BetweenClusters(a, k, summaries.resolution);
      else {
        const zeros = batchZeros(summaries.arrivals[i]);
        if (zeros > 0) list[i] = new BetweenInstants(a, zeros);
      }
    });
  }
  CACHE.set(summaries, out);
  return out;
}

/** The windows without the gap from before a pause (fitArrivals less its batch views). */
function pauseFree(summaries: TraceSummaries): readonly ArrivalSummary[] {
  const cached = PAUSE_FREE.get(summaries);
  if (cached) return cached;
  const W = summaries.arrivalSeconds;
  const res = summaries.resolution;
  const byClient = new Map<string, number[]>();
  summaries.arrivals.forEach((a, i) => {
    const list = byClient.get(a.client);
    if (list) list.push(i);
    else byClient.set(a.client, [i]);
  });
  const out = summaries.arrivals.slice();
  for (const list of byClient.values()) {
    list.sort((x, y) => out[x].start - out[y].start);
    for (let k = 1; k < list.length; k++) {
      const prev = summaries.arrivals[list[k - 1]];
      const s = summaries.arrivals[list[k]];
      // Window indices, not starts: starts are index × W, and for a W like 0.7 s two adjacent
      // windows' starts differ by W ± an ulp (4 × 0.7 − 0.7 > 3 × 0.7): one window in ten lost
      // its first gap, an ordinary one, as if a pause came before it.
      if (!afterPause(prev, s, W)) continue;
      const fixed = withoutGap(s, s.first - prev.last, res);
      if (fixed) out[list[k]] = fixed;
    }
  }
  PAUSE_FREE.set(summaries, out);
  return out;
}

const PAUSE_FREE = new WeakMap<TraceSummaries, readonly ArrivalSummary[]>();
const CACHE = new WeakMap<TraceSummaries, readonly ArrivalSummary[]>();

/** Whether window `s` follows its client's window `prev` after a pause of a whole window, and holds the gap from it. */
function afterPause(prev: ArrivalSummary, s: ArrivalSummary, W: number): boolean {
  return Math.round(s.start / W) - Math.round(prev.start / W) >= 2 && s.gaps === s.n && s.gaps >= 1;
}

/** Gap count and moments. */
export interface GapTotals {
  gaps: number;
  sum: number;
  sumSq: number;
}

/**
 * Per client, the count and moments of the gaps fitArrivals leaves in its windows (each
 * window's own gaps), summed over its windows — for validate's count allowances, which need
 * only these: no window is copied (building fitArrivals' copies for every side of a 30-day
 * validate took it from 35–46 s to 48–57 s and 0.5 GB more). A window after a pause adds its
 * moments less the pause's, or, where the rounding could dominate the rest, its counted
 * moments (as withoutGap). Windows out of time order within a client take fitArrivals' way.
 */
export function ownGapTotals(summaries: TraceSummaries): Map<string, GapTotals> {
  const W = summaries.arrivalSeconds;
  const res = summaries.resolution;
  const out = new Map<string, GapTotals>();
  const prevOf = new Map<string, ArrivalSummary>();
  for (const a of summaries.arrivals) {
    const prev = prevOf.get(a.client);
    if (prev && !(prev.start < a.start)) return totalsOf(pauseFree(summaries));
    prevOf.set(a.client, a);
    let t = out.get(a.client);
    if (!t) out.set(a.client, (t = { gaps: 0, sum: 0, sumSq: 0 }));
    if (!prev || !afterPause(prev, a, W) || !(a.first - prev.last > 0)) {
      t.gaps += a.gaps;
      t.sum += a.sum;
      t.sumSq += a.sumSq;
      continue;
    }
    const g = a.first - prev.last;
    const gaps = a.gaps - 1;
    if (gaps === 0) continue;
    const rest = { sum: a.sum - g, sumSq: a.sumSq - g * g };
    const counted = a.gaps * Number.EPSILON * a.sumSq > 1e-3 * Math.abs(rest.sumSq) || a.gaps * Number.EPSILON * a.sum > 1e-3 * Math.abs(rest.sum);
    const own = counted ? withoutGap(a, g, res) : undefined;
    t.gaps += gaps;
    t.sum += own ? own.sum : rest.sum;
    t.sumSq += own ? own.sumSq : Math.max(0, rest.sumSq);
  }
  return out;
}

function totalsOf(arrivals: readonly ArrivalSummary[]): Map<string, GapTotals> {
  const out = new Map<string, GapTotals>();
  for (const a of arrivals) {
    let t = out.get(a.client);
    if (!t) out.set(a.client, (t = { gaps: 0, sum: 0, sumSq: 0 }));
    t.gaps += a.gaps;
    t.sum += a.sum;
    t.sumSq += a.sumSq;
  }
  return out;
}

/** The window without one gap of length g (as the scan coded it), or undefined when its histogram has no such gap. */
function withoutGap(s: ArrivalSummary, g: number, res: number): ArrivalSummary | undefined {
  if (!(g > 0)) return undefined;
  const ticks = Math.round(g / res);
  const inQuant = ticks < QUANT_TICKS;
  const key = inQuant ? ticks : gapBin(g);
  if (!(((inQuant ? s.quant : s.hist).get(key) ?? 0) >= 1)) return undefined;
  const gaps = s.gaps - 1;
  // The scan added the window's own gaps to the pause's (its first gap): each addition rounded
  // to the ulp of a sum near g, g² (ulp(g²) ≈ 1e-6 s² for a day, 1e-3 for 30 days), so the
  // residue of a window of millisecond gaps (Σ g² ≈ 1e-2) can be any value, 0 included (a
  // 30-day pause before 2 ms gaps: a measured CV of 0 against 1.07). Where the rounding could
  // make more than 0.1 % of the rest, the moments come from the window's gap counts instead.
  let est: { sum: number; sumSq: number } | undefined;
  const moment = (total: number, drop: number, k: 'sum' | 'sumSq') => {
    const rest = total - drop;
    if (!(s.gaps * Number.EPSILON * total > 1e-3 * Math.abs(rest))) return rest;
    est ??= countedMoments(inQuant ? new LessBy(s.quant, key, 1) : s.quant, inQuant ? s.hist : new LessBy(s.hist, key, 1), res);
    return est[k];
  };
  // With no gap left the sums are 0 exactly (a subtraction could leave a rounding residue).
  const sum = gaps === 0 ? 0 : moment(s.sum, g, 'sum');
  const sumSq = gaps === 0 ? 0 : Math.max(0, moment(s.sumSq, g * g, 'sumSq'));
  return new PausedWindow(s, { gaps, sum, sumSq, sumLog: s.positive <= 1 ? 0 : s.sumLog - log(g), positive: s.positive - 1 }, key, inQuant);
}

/**
 * A window less its first gap: the window's own fields, read through (a scan's windows are
 * views of shared arrays), with the gap's moments and its histogram count taken out. Nothing
 * is copied: copies of the 588 000 such windows (of 1.5 M) of a 30-day, 2 000-client log took its fit from 30
 * to 39 s and 0.8 GB more.
 */
class PausedWindow extends WindowView {
  constructor(
    w: ArrivalSummary,
    private readonly own: { gaps: number; sum: number; sumSq: number; sumLog: number; positive: number },
    private readonly key: number,
    private readonly inQuant: boolean,
  ) {
    super(w);
  }
  override get gaps(): number {
    return this.own.gaps;
  }
  override get sum(): number {
    return this.own.sum;
  }
  override get sumSq(): number {
    return this.own.sumSq;
  }
  override get sumLog(): number {
    return this.own.sumLog;
  }
  override get positive(): number {
    return this.own.positive;
  }
  override get quant(): ReadonlyMap<number, number> {
    return this.inQuant ? new LessBy(this.w.quant, this.key, 1) : this.w.quant;
  }
  override get hist(): ReadonlyMap<number, number> {
    return this.inQuant ? this.w.hist : new LessBy(this.w.hist, this.key, 1);
  }
}

/** Σ g and Σ g² of a window's counted gaps: k ticks of the clock, or a log bin's geometric midpoint. */
function countedMoments(quant: ReadonlyMap<number, number>, hist: ReadonlyMap<number, number>, res: number): { sum: number; sumSq: number } {
  let sum = 0;
  let sumSq = 0;
  for (const [ticks, count] of quant) {
    const g = ticks * res;
    sum += count * g;
    sumSq += count * g * g;
  }
  for (const [bin, count] of hist) {
    const [lo, hi] = gapBinEdges(bin);
    const g = Math.sqrt(lo * hi);
    sum += count * g;
    sumSq += count * g * g;
  }
  return { sum, sumSq };
}
