/**
 * Peak load: what a serving system must be provisioned for. The paper's case for per-client
 * generation is that naive generation under-provisions; a generator can match every
 * distribution and still miss the bursts of heavy requests that set the capacity. Per side,
 * requests and tokens (input, output) arriving per LOAD_BIN_SECONDS bin over the side's span
 * (empty bins included), and their 99th percentiles as rates.
 */
import { createRng } from '../stats/rng.js';

/** Bin width (s) of the load series. */
export const LOAD_BIN_SECONDS = 10;
/** The percentile of bins a capacity is provisioned for. */
export const LOAD_P = 0.99;
/** Bins below which the peak metrics are not judged (p99 of fewer is the maximum of a handful). */
export const LOAD_MIN_BINS = 100;
/**
 * Bins above which there is no load series (~485 days of 10 s): a row far from all the others
 * (a default date, a wrong clock) would otherwise allocate a bin for every 10 s in between —
 * found in review: one row at 1970 in a 2023 log took `inspect` 11 s and 4 GB.
 */
export const LOAD_MAX_BINS = 2 ** 22;

export interface LoadSeries {
  /** Bin index (floor(t / LOAD_BIN_SECONDS)) of the first bin. */
  first: number;
  /** Requests per bin. */
  requests: Float64Array;
  /** Tokens per bin by field (absent values count 0); a field the side does not have is absent. */
  tokens: Partial<Record<TokenField, Float64Array>>;
}

/** The token fields a load counts. */
export const TOKEN_FIELDS = ['input_tokens', 'output_tokens'] as const;
export type TokenField = (typeof TOKEN_FIELDS)[number];

/**
 * The load series of rows given as bin indices (any order), each with a row count (undefined:
 * 1 each) and per token field its values (negative: absent). Undefined without rows or over
 * LOAD_MAX_BINS bins.
 */
export function loadSeries(bins: ArrayLike<number>, count: ArrayLike<number> | undefined, fields: Partial<Record<TokenField, ArrayLike<number>>>): LoadSeries | undefined {
  const n = bins.length;
  if (n === 0) return undefined;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    if (bins[i] < lo) lo = bins[i];
    if (bins[i] > hi) hi = bins[i];
  }
  if (hi - lo + 1 > LOAD_MAX_BINS) return undefined;
  const requests = new Float64Array(hi - lo + 1);
  for (let i = 0; i < n; i++) requests[bins[i] - lo] += count ? count[i] : 1;
  const tokens: LoadSeries['tokens'] = {};
  for (const f of TOKEN_FIELDS) {
    const v = fields[f];
    if (!v) continue;
    const t = (tokens[f] = new Float64Array(hi - lo + 1));
    for (let i = 0; i < n; i++) if (v[i] > 0) t[bins[i] - lo] += v[i];
  }
  return { first: lo, requests, tokens };
}

/** The load series of a trace's rows (times on the side's axis). */
export function traceLoad(timestamp: Float64Array, ints: Partial<Record<TokenField, Int32Array>>): LoadSeries | undefined {
  const bins = new Float64Array(timestamp.length);
  for (let i = 0; i < timestamp.length; i++) bins[i] = Math.floor(timestamp[i] / LOAD_BIN_SECONDS);
  return loadSeries(bins, undefined, ints);
}

/** Tokens per bin over the given fields (undefined when the side has none of them). */
export function tokenLoad(l: LoadSeries, fields: readonly TokenField[]): Float64Array | undefined {
  const parts = fields.map((f) => l.tokens[f]).filter((t): t is Float64Array => t !== undefined);
  if (parts.length === 0) return undefined;
  const out = Float64Array.from(parts[0]);
  for (const p of parts.slice(1)) for (let i = 0; i < out.length; i++) out[i] += p[i];
  return out;
}

/** SQL (DuckDB) of a load series' bins: bin index `b`, rows `n` and per token field its sum, of the rows `from` at times `time`. */
export function loadBinsSql(time: string, from: string, fields: readonly TokenField[]): string {
  const sums = fields.map((f) => `, CAST(sum(coalesce(greatest("${f}", 0), 0)) AS DOUBLE) AS "${f}"`).join('');
  return `SELECT CAST(floor(CAST(${time} AS DOUBLE) / ${LOAD_BIN_SECONDS}) AS DOUBLE) AS b, CAST(count(*) AS DOUBLE) AS n${sums} FROM ${from} GROUP BY b`;
}

/** The load series of loadBinsSql's result columns. */
export function loadFromBins(cols: Record<string, ArrayLike<number>>, fields: readonly TokenField[]): LoadSeries | undefined {
  return loadSeries(cols.b, cols.n, Object.fromEntries(fields.map((f) => [f, cols[f]])));
}

/** The token fields a side has. */
export const tokenFields = (l: LoadSeries): TokenField[] => TOKEN_FIELDS.filter((f) => l.tokens[f] !== undefined);

/**
 * The k-th smallest value (0-based) of `a`, which it reorders (quickselect: median-of-three
 * pivots, no randomness; O(m) on average rather than a sort's O(m log m) — the bootstrap below
 * takes 200 quantiles of series of up to one bin per 10 s of the span).
 */
export function selectKth(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // Median of three as the pivot value.
    const x = a[lo];
    const y = a[mid];
    const z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/** The p-quantile of values (nearest rank below: sorted[⌊p·(m − 1)⌋]) as a rate per second. */
export function peakRate(values: Float64Array, p = LOAD_P): number {
  return selectKth(Float64Array.from(values), Math.floor(p * (values.length - 1))) / LOAD_BIN_SECONDS;
}

/** Replicates of the moving-block bootstrap behind a peak's standard error (up to 2^18 bins, ~30 days). */
const BOOTSTRAP_REPLICATES = 200;
/** Replicates for the longest series. */
const MIN_REPLICATES = 40;
/** Block length in bins (600 s: the arrival window, so a burst stays in one block). */
const BLOCK_BINS = 60;
/** Blocks below which the block length shrinks (too few blocks resample too coarsely). */
const MIN_BLOCKS = 8;

/**
 * Relative standard error of peakRate(values) by a moving-block bootstrap: bins are
 * dependent (a burst spans several), so whole blocks of consecutive bins are resampled with
 * replacement (block starts drawn uniformly; a fixed seed: deterministic). Blocks are 600 s,
 * shorter when the series has fewer than MIN_BLOCKS of them. Undefined when the peak is 0.
 */
export function peakRelSE(values: Float64Array, seed: string): number | undefined {
  const m = values.length;
  const full = peakRate(values);
  if (!(full > 0) || m < 2) return undefined;
  const L = Math.max(1, Math.min(BLOCK_BINS, Math.floor(m / MIN_BLOCKS)));
  const starts = m - L + 1;
  const blocks = Math.ceil(m / L);
  // Fewer replicates for long series (a month of bins and up): their SE needs less, and 200
  // selections of millions of bins took 24 s at 3 M (found by review).
  const replicates = Math.max(MIN_REPLICATES, Math.min(BOOTSTRAP_REPLICATES, Math.round((BOOTSTRAP_REPLICATES * 2 ** 18) / m)));
  const rng = createRng(`load:${seed}`);
  const sample = new Float64Array(blocks * L);
  const k = Math.floor(LOAD_P * (m - 1));
  let sum = 0;
  let sumSq = 0;
  for (let r = 0; r < replicates; r++) {
    for (let b = 0; b < blocks; b++) {
      const s = Math.floor(rng.nextOpen() * starts);
      sample.set(values.subarray(s, s + L), b * L);
    }
    // The replicate is rebuilt each round: select in place.
    const v = selectKth(sample.subarray(0, m), k) / LOAD_BIN_SECONDS;
    sum += v;
    sumSq += v * v;
  }
  const mean = sum / replicates;
  return Math.sqrt(Math.max(0, sumSq / replicates - mean * mean)) / full;
}
