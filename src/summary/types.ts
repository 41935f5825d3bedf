/**
 * Window summaries (DESIGN.md): the intermediate representation between a scan of rows and
 * the fitter. Everything here is a count or a sum, so summaries of disjoint row sets merge by
 * addition — a scan can be split by time or shard and run anywhere. Histograms are read-only
 * maps: the scans return them packed (src/summary/packed.ts), merges as new Maps.
 */

/**
 * Per (client, arrival window). Gaps are between consecutive arrivals of the client; a gap
 * belongs to the window of its later arrival. The scans return views of packed records whose
 * fields are getters (one object a window instead of ~15): read the fields, and copy a summary
 * with arrivalFields — `{ ...a }` and rest patterns copy nothing of a view.
 */
export interface ArrivalSummary {
  client: string;
  start: number;
  /** Arrivals in the window. */
  n: number;
  first: number;
  last: number;
  /** Gap moments over all gaps (zeros included in sum/sumSq, logs over positive gaps only). */
  gaps: number;
  sum: number;
  sumSq: number;
  sumLog: number;
  positive: number;
  /** Gaps that are k clock ticks (k < QUANT_TICKS) when the clock resolution matters: tick count → gaps. */
  quant: ReadonlyMap<number, number>;
  /** Other gaps: log bin → count. */
  hist: ReadonlyMap<number, number>;
  /**
   * Counts per 1 s / 10 s / 60 s bin: number of bins, Σ count, Σ count² (for the index of
   * dispersion). Keyed s1/s10/s60, not "1"/"10"/"60": integer-like keys make V8 keep the object's
   * properties as sparse elements, ~1.2 KB a window against ~0.3 KB (measured: 30 days × 2 000
   * clients, 1.5 M windows, held 2.3 GB of heap). Summaries JSON keeps "1", "10", "60".
   */
  disp: Record<DispKey, { bins: number; sum: number; sumSq: number }>;
  /**
   * Gap memory (serial dependence of the window's gaps), over the gaps between its own
   * arrivals (not the gap from the previous window) as normal scores of their mid-ranks within
   * the window: per lag in MEM_LAGS, the lag's Σ zᵢ·zᵢ₊ₖ less its expectation were the gaps in
   * random order, then per lag the matching variance term (pairs/m · Σ(z − z̄)²). Their sums
   * over windows give each lag's correlation. Absent in summaries written before gap memory and
   * for windows with fewer than MEM_MIN_GAPS such gaps.
   */
  mem?: readonly number[];
  /**
   * Batches: a client's requests at one instant (equal timestamps), 2 or more, counted in the
   * window of that instant: batch size → number of such instants. Each batch of k requests adds
   * k − 1 gaps of exactly 0 to the window's gaps. Absent (or empty) when every request of the
   * window came at an instant of its own, and in summaries written before batches were counted.
   */
  batches?: ReadonlyMap<number, number>;
  /**
   * Clusters: a client's runs of 2 or more requests each less than a threshold after the one
   * before it (in clock ticks: round(gap / resolution) < clusterTicks(threshold, resolution)),
   * per threshold of CLUSTER_GAPS, within the window (a window boundary ends every run, so
   * partitions cut on window boundaries merge exactly): clusterKey(size, k) → number of such
   * runs. Requests sent together but logged apart (a fan-out on a gateway, 50
   * requests ~0.4 ms apart) are clusters, not batches. Absent (or empty) when no run at any
   * threshold has 2 requests, and in summaries written before clusters were counted.
   */
  clusters?: ReadonlyMap<number, number>;
}

/** Thresholds (s) of ArrivalSummary.clusters: runs of gaps below each are counted. */
export const CLUSTER_GAPS = [1e-3, 1e-2, 1e-1] as const;
/**
 * A threshold τ in clock ticks (a gap of fewer ticks continues a run): τ / res, or the whole
 * number it is within 1e-9 of (1e-3 / 1e-6 is 1000.0000000000001 in doubles, which would let a
 * gap of exactly 1 ms continue a run below 1 ms; found by review).
 */
export function clusterTicks(tau: number, res: number): number {
  const x = tau / res;
  const whole = Math.round(x);
  return Math.abs(x - whole) <= 1e-9 * x ? whole : x;
}
/** Keys of ArrivalSummary.clusters: CLUSTER_KEYS · size + threshold index. */
export const CLUSTER_KEYS = 4;
/** The clusters key of a run of `size` requests at threshold CLUSTER_GAPS[k]. */
export const clusterKey = (size: number, k: number): number => CLUSTER_KEYS * size + k;
/** [size, threshold index] of a clusters key. */
export const clusterOf = (key: number): [number, number] => [Math.floor(key / CLUSTER_KEYS), key % CLUSTER_KEYS];

/**
 * A plain copy of an arrival summary's fields (`mem` only when it has terms, `batches` and `clusters` only when they have any). Summaries from
 * the scans are views whose fields are getters (summariesFromParts), which `{ ...a }` and rest
 * patterns do not copy: copies go through here.
 */
export function arrivalFields(a: ArrivalSummary): ArrivalSummary {
  const mem = a.mem;
  const batches = a.batches;
  const clusters = a.clusters;
  return {
    client: a.client,
    start: a.start,
    n: a.n,
    first: a.first,
    last: a.last,
    gaps: a.gaps,
    sum: a.sum,
    sumSq: a.sumSq,
    sumLog: a.sumLog,
    positive: a.positive,
    quant: a.quant,
    hist: a.hist,
    disp: a.disp,
    ...(mem ? { mem } : {}),
    ...(batches && batches.size > 0 ? { batches } : {}),
    ...(clusters && clusters.size > 0 ? { clusters } : {}),
  };
}

/** Keys of ArrivalSummary.disp, and the bin widths (s) they count. */
export type DispKey = 's1' | 's10' | 's60';
export const DISP_SCALES: readonly (readonly [DispKey, 1 | 10 | 60])[] = [
  ['s1', 1],
  ['s10', 10],
  ['s60', 60],
];

/** Lags (in gaps) at which gap memory is summarized. */
export const MEM_LAGS = [1, 2, 4, 8, 16, 32, 64, 128] as const;
/** Windows with fewer gaps between their own arrivals add no gap-memory statistics. */
export const MEM_MIN_GAPS = 16;

/** Per (client, length window). */
export interface LengthSummary {
  client: string;
  start: number;
  n: number;
  /** Per field: value key (exact value, or −1−bin for log bins) → count. */
  fields: Map<string, ReadonlyMap<number, number>>;
  /** Joint input/output coarse bins (key = input bin · JOINT_STRIDE + output bin) → count (rows having both). */
  joint: ReadonlyMap<number, number>;
}

/** All summaries of one trace, with what the scan found about it. */
export interface TraceSummaries {
  arrivalSeconds: number;
  lengthSeconds: number;
  /** Clock resolution of the timestamps (s), or 0 when none was detected. */
  resolution: number;
  span: { start: number; end: number };
  origin: string | null;
  arrivals: ArrivalSummary[];
  lengths: LengthSummary[];
  /**
   * Accepted rows per AGGREGATE_BUCKET_SECONDS bucket of time (bucket k: [k·300, (k+1)·300) s
   * from the origin; counts[i] is bucket base + i), for the profile's aggregate rate model, which
   * a fit from rows fits to 5-minute counts (fitAggregateRate): with them a fit of summaries
   * (either engine, merged partitions) gives the same model. Absent from summaries made before
   * the thirty-seventh session and from SQL scans (`summarize --engine duckdb --out DIR`, the
   * other dialects): the model is then fitted to the arrival windows' counts.
   */
  buckets?: AggregateBuckets;
}

/** Seconds of the buckets TraceSummaries.buckets counts rows in (the aggregate rate model's finest). */
export const AGGREGATE_BUCKET_SECONDS = 300;

/** Rows per AGGREGATE_BUCKET_SECONDS bucket: bucket `base + i` holds counts[i]. */
export interface AggregateBuckets {
  base: number;
  counts: Float64Array;
}

/** Gaps below this many clock ticks are kept as exact tick counts (interval-censored in fits). */
export const QUANT_TICKS = 64;
