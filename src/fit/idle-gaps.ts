import { gapBin } from '../summary/bins.js';
import { arrivalFields, QUANT_TICKS, type ArrivalSummary, type TraceSummaries } from '../summary/types.js';
import { log } from '../stats/det-math.js';

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
 */
export function fitArrivals(summaries: TraceSummaries): readonly ArrivalSummary[] {
  const cached = CACHE.get(summaries);
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
      if (!(prev.start < s.start - W) || s.gaps !== s.n || s.gaps < 1) continue;
      const fixed = withoutGap(s, s.first - prev.last, res);
      if (fixed) out[list[k]] = fixed;
    }
  }
  CACHE.set(summaries, out);
  return out;
}

const CACHE = new WeakMap<TraceSummaries, readonly ArrivalSummary[]>();

/** The window without one gap of length g (as the scan coded it), or undefined when its histogram has no such gap. */
function withoutGap(s: ArrivalSummary, g: number, res: number): ArrivalSummary | undefined {
  if (!(g > 0)) return undefined;
  const ticks = Math.round(g / res);
  const inQuant = ticks < QUANT_TICKS;
  const key = inQuant ? ticks : gapBin(g);
  const from = inQuant ? s.quant : s.hist;
  const count = from.get(key) ?? 0;
  if (count < 1) return undefined;
  const map = new Map(from);
  if (count === 1) map.delete(key);
  else map.set(key, count - 1);
  const a = arrivalFields(s);
  const gaps = s.gaps - 1;
  return {
    ...a,
    gaps,
    // With no gap left the sums are 0 exactly (a subtraction could leave a rounding residue).
    sum: gaps === 0 ? 0 : s.sum - g,
    sumSq: gaps === 0 ? 0 : Math.max(0, s.sumSq - g * g),
    sumLog: s.positive <= 1 ? 0 : s.sumLog - log(g),
    positive: s.positive - 1,
    quant: inQuant ? map : s.quant,
    hist: inQuant ? s.hist : map,
  };
}
