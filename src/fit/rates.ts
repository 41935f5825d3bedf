import { AGGREGATE_BUCKET_SECONDS, type AggregateBuckets } from '../summary/types.js';
import { levenbergMarquardt } from 'ml-levenberg-marquardt';
import { cos, log, sin } from '../stats/det-math.js';

/**
 * Rate change points of a window-count series (binary segmentation on a Poisson likelihood,
 * Scott & Knott 1974 / Killick et al. 2012). Bursty clients are over-dispersed, so the
 * penalty is scaled by a difference-based dispersion estimate (φ = median of (cᵢ₊₁ − cᵢ)² /
 * (cᵢ₊₁ + cᵢ), at least 1) times 3·ln n.
 * @returns indices i where a new segment starts.
 */
export function rateChangePoints(counts: number[], exposure: number[], maxShifts = 8): number[] {
  const n = counts.length;
  if (n < 4) return [];
  const ratios: number[] = [];
  for (let i = 1; i < n; i++) {
    const s = counts[i] + counts[i - 1];
    if (s > 0) ratios.push((counts[i] - counts[i - 1]) ** 2 / s);
  }
  ratios.sort((a, b) => a - b);
  const phi = Math.max(1, ratios.length ? ratios[ratios.length >> 1] / 0.455 : 1); // χ²₁ median = 0.455
  const penalty = phi * 3 * log(n);
  const cc = [0];
  const ce = [0];
  for (let i = 0; i < n; i++) {
    cc.push(cc[i] + counts[i]);
    ce.push(ce[i] + exposure[i]);
  }
  const ll = (a: number, b: number) => {
    const c = cc[b] - cc[a];
    const e = ce[b] - ce[a];
    return c > 0 && e > 0 ? c * log(c / e) - c : 0;
  };
  const cuts: number[] = [];
  const split = (a: number, b: number) => {
    if (cuts.length >= maxShifts || b - a < 4) return;
    const whole = ll(a, b);
    let best = -Infinity;
    let at = -1;
    for (let k = a + 2; k <= b - 2; k++) {
      const g = ll(a, k) + ll(k, b) - whole;
      if (g > best) {
        best = g;
        at = k;
      }
    }
    if (at < 0 || best <= penalty) return;
    cuts.push(at);
    split(a, at);
    split(at, b);
  };
  split(0, n);
  return cuts.sort((x, y) => x - y);
}

/**
 * Rate segments of a window-count series by optimal partitioning (PELT: Killick, Fearnhead &
 * Eckley 2012) on the Poisson likelihood: the segmentation maximizing Σ (c log(c/e) − c) over
 * segments less `penalty` per segment — every segmentation is weighed, not one cut at a time.
 * Binary segmentation (rateChangePoints) finds no first cut in a periodic rate (any one cut
 * leaves two halves of the same mean: a client at 2 requests a window with a daily swing of
 * ±80 % came out one flat segment). The penalty is `dispersion` × 3·ln n, the dispersion
 * (segmentDispersion) measured between adjacent windows of one segment, at least 1: a
 * segmentation at dispersion 1 first, then again at the dispersion measured inside its
 * segments while that is larger (at most 3 passes).
 *
 * Measured over all adjacent pairs (as first written), the rate's own changes counted as
 * over-dispersion: a client sending 37 requests in one hour of a 30-day log has two pairs,
 * both across the hour's edges, a "dispersion" of 37, a penalty 37× too large, and its hour
 * was spread over the 30 days (found by review); a client on for half of each day
 * (dispersion ~8 from its 14 edges) was drawn at 30 % of its requests in its off hours.
 * @returns indices i where a new segment starts (ascending; none for one segment).
 */
export function rateSegments(counts: readonly number[], exposure: readonly number[]): number[] {
  const n = counts.length;
  if (n < 2) return [];
  let dispersion = 1;
  let cuts = partition(counts, exposure, dispersion * 3 * log(n));
  // (No cut at one penalty, none at a larger: the optimal number of segments does not grow
  // with the penalty. Most sparse clients are one segment; this spares them a second pass.)
  for (let pass = 1; pass < 3 && cuts.length > 0; pass++) {
    const d = segmentDispersion(counts, exposure, cuts);
    if (!(d > dispersion)) break;
    dispersion = d;
    cuts = partition(counts, exposure, dispersion * 3 * log(n));
  }
  return cuts;
}

/**
 * Over-dispersion of counts against a segmentation: the mean over adjacent windows of one
 * segment (both with exposure, one with a count) of (cᵢ eᵢ₋₁ − cᵢ₋₁ eᵢ)² / ((cᵢ + cᵢ₋₁) eᵢ eᵢ₋₁),
 * exactly 1 in expectation for Poisson counts at one rate whatever the exposures (given the
 * pair's sum s, cᵢ is binomial(s, eᵢ / (eᵢ + eᵢ₋₁)); at equal exposures (cᵢ − cᵢ₋₁)² / (cᵢ + cᵢ₋₁)),
 * larger for bursty clients; pooled with PRIOR_PAIRS pairs at 1, and at least 1.
 */
export function segmentDispersion(counts: readonly number[], exposure: readonly number[], cuts: readonly number[]): number {
  const cut = new Set(cuts);
  let ratioSum = 0;
  let pairs = 0;
  for (let i = 1; i < counts.length; i++) {
    if (cut.has(i)) continue;
    const s = counts[i] + counts[i - 1];
    const e0 = exposure[i - 1];
    const e1 = exposure[i];
    if (s > 0 && e0 > 0 && e1 > 0) {
      ratioSum += (counts[i] * e0 - counts[i - 1] * e1) ** 2 / (s * e0 * e1);
      pairs++;
    }
  }
  return Math.max(1, (ratioSum + PRIOR_PAIRS) / (pairs + PRIOR_PAIRS));
}

/**
 * Pairs at dispersion 1 the measured ones are pooled with (segmentDispersion): one pair's ratio
 * is a χ²₁ draw (SD 1.4), and a client with its requests in a few blocks has one or two pairs
 * (a 37-request hour cut in 40 + 7 by a block edge: one pair at 23, a penalty 23× too large).
 */
const PRIOR_PAIRS = 10;

/** Optimal partitioning (PELT) of Poisson counts at `penalty` per segment: the indices where segments start. */
function partition(counts: readonly number[], exposure: readonly number[], penalty: number): number[] {
  const n = counts.length;
  const cc = new Float64Array(n + 1);
  const ce = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    cc[i + 1] = cc[i] + counts[i];
    ce[i + 1] = ce[i] + exposure[i];
  }
  // Cost of a segment [a, b): minus its Poisson log-likelihood at its own rate.
  const cost = (a: number, b: number) => {
    const c = cc[b] - cc[a];
    const e = ce[b] - ce[a];
    return c > 0 && e > 0 ? -(c * log(c / e) - c) : 0;
  };
  const best = new Float64Array(n + 1);
  const from = new Int32Array(n + 1);
  best[0] = -penalty;
  let candidates = [0];
  for (let t = 1; t <= n; t++) {
    let min = Infinity;
    let arg = 0;
    for (const a of candidates) {
      const v = best[a] + cost(a, t) + penalty;
      if (v < min) {
        min = v;
        arg = a;
      }
    }
    best[t] = min;
    from[t] = arg;
    // Pruning: a start that cannot beat the best now never will (the cost is a negative
    // log-likelihood: splitting a segment never raises it).
    const kept: number[] = [];
    for (const a of candidates) if (best[a] + cost(a, t) <= min) kept.push(a);
    kept.push(t);
    candidates = kept;
  }
  const cuts: number[] = [];
  for (let t = from[n]; t > 0; t = from[t]) cuts.push(t);
  return cuts.reverse();
}

/** Aggregate rate model: linear trend plus 24 h and 12 h Fourier terms. */
export interface AggregateRateModel {
  model: 'trend+fourier24h12h';
  bucket_seconds: number;
  /** rate(t) = a + b·t + Σ_{P∈{86400,43200}} (c_P cos 2πt/P + s_P sin 2πt/P), t in seconds from origin. */
  params: { a: number; b: number; c24: number; s24: number; c12: number; s12: number };
  rmse: number;
  /** Mean absolute error relative to the mean rate. */
  nmae: number;
  mean_rate: number;
  /** Peak of the fitted daily shape over its mean, around the trend's level at the data's mean time; null for traces shorter than a day. */
  diurnal_peak_to_mean: number | null;
  buckets: number;
}

const TWO_PI = 2 * Math.PI;
/** cos and sin of 2πt over 24 h and 12 h. */
function fourier(t: number): [number, number, number, number] {
  return [cos((TWO_PI * t) / 86400), sin((TWO_PI * t) / 86400), cos((TWO_PI * t) / 43200), sin((TWO_PI * t) / 43200)];
}
function rateAt(p: number[], t: number, f: readonly number[]): number {
  return p[0] + p[1] * t + p[2] * f[0] + p[3] * f[1] + p[4] * f[2] + p[5] * f[3];
}

/**
 * At most this many buckets in the aggregate fit: its cost (Levenberg–Marquardt, every
 * iteration over every bucket) grows with the number of buckets, i.e. with the span, not with
 * the rows. 8 192 five-minute buckets are 28.4 days: shorter traces keep 5-minute buckets.
 */
export const MAX_RATE_BUCKETS = 8192;

/**
 * The bucket width of the aggregate fit: `base` (5 minutes) unless the span needs more than
 * MAX_RATE_BUCKETS of them, then the first of 2, 3, 4, 6 or 12 × base (up to an hour at
 * 5 minutes: the daily terms stay identifiable) that fits, else whole days (the 24 h and 12 h
 * terms cannot be told from the level in day-wide buckets; the trend is fitted alone).
 */
export function aggregateBucketSeconds(first: number, last: number, base = 300): number {
  const count = (b: number) => Math.floor((last - Math.floor(first / b) * b) / b) + 1;
  for (const k of [1, 2, 3, 4, 6, 12]) if (count(k * base) <= MAX_RATE_BUCKETS) return k * base;
  const day = Math.ceil(Math.max(base, 86400) / 86400) * 86400;
  let b = Math.max(1, Math.ceil((last - first) / (MAX_RATE_BUCKETS - 1) / day)) * day;
  while (count(b) > MAX_RATE_BUCKETS) b += day;
  return b;
}

/**
 * Fits the aggregate rate (5-minute buckets; coarser when the span is long, see
 * aggregateBucketSeconds) with ml-levenberg-marquardt. The model is linear in its parameters;
 * LM with an analytic Jacobian converges in a few steps.
 */
export function fitAggregateRate(timestamps: Float64Array, baseBucketSeconds = 300): AggregateRateModel | undefined {
  const n = timestamps.length;
  if (n < 2) return undefined;
  const bucketSeconds = aggregateBucketSeconds(timestamps[0], timestamps[n - 1], baseBucketSeconds);
  const t0 = Math.floor(timestamps[0] / bucketSeconds) * bucketSeconds;
  const nb = Math.floor((timestamps[n - 1] - t0) / bucketSeconds) + 1;
  if (nb < 6) return undefined;
  const counts = new Float64Array(nb);
  for (let i = 0; i < n; i++) counts[Math.floor((timestamps[i] - t0) / bucketSeconds)]++;
  const starts = Array.from({ length: nb }, (_, i) => t0 + i * bucketSeconds);
  const s = coveredBuckets(starts, Array.from(counts), bucketSeconds, timestamps[0], timestamps[n - 1]);
  return fitAggregateRateSeries(s.x, s.y, bucketSeconds, s.exposure);
}

/**
 * fitAggregateRate from rows counted per AGGREGATE_BUCKET_SECONDS bucket (window summaries'
 * `buckets`) over a span from `first` to `last` (the first and last rows' times): the same
 * buckets (every size aggregateBucketSeconds picks is a whole number of them), so a fit from
 * summaries — the DuckDB engine's, merged partitions' — gives the model a fit from rows gives.
 */
export function fitAggregateRateFromBuckets(b: AggregateBuckets, first: number, last: number): AggregateRateModel | undefined {
  let n = 0;
  for (let i = 0; i < b.counts.length; i++) n += b.counts[i];
  if (n < 2) return undefined;
  const bucketSeconds = aggregateBucketSeconds(first, last, AGGREGATE_BUCKET_SECONDS);
  const k0 = Math.floor(first / bucketSeconds);
  const t0 = k0 * bucketSeconds;
  const nb = Math.floor((last - t0) / bucketSeconds) + 1;
  if (nb < 6) return undefined;
  const per = Math.round(bucketSeconds / AGGREGATE_BUCKET_SECONDS);
  const counts = new Float64Array(nb);
  for (let i = 0; i < b.counts.length; i++) {
    if (b.counts[i] === 0) continue;
    const k = Math.floor((b.base + i) / per) - k0;
    if (k >= 0 && k < nb) counts[k] += b.counts[i];
  }
  const starts = Array.from({ length: nb }, (_, i) => t0 + i * bucketSeconds);
  const s = coveredBuckets(starts, Array.from(counts), bucketSeconds, first, last);
  return fitAggregateRateSeries(s.x, s.y, bucketSeconds, s.exposure);
}

/**
 * Rate points of buckets over the trace's span [spanStart, spanEnd]: each bucket's count over
 * the part of it inside the span, at that part's middle. The first and last buckets are
 * usually cut by the span; taken as whole buckets their rates were low (a bucket 2/3 covered
 * read 2/3 of its rate), which biased the trend and mean_rate (found by review: Azure conv's
 * slope doubled, its mean_rate 5.38 for 5.53 req/s). Buckets less than half covered are left
 * out (a rate over a few seconds is noise).
 */
export function coveredBuckets(starts: readonly number[], counts: readonly number[], bucketSeconds: number, spanStart: number, spanEnd: number): { x: number[]; y: number[]; exposure: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  const exposure: number[] = [];
  for (let i = 0; i < starts.length; i++) {
    const lo = Math.max(starts[i], spanStart);
    const hi = Math.min(starts[i] + bucketSeconds, spanEnd);
    const covered = hi - lo;
    if (!(covered >= bucketSeconds / 2)) continue;
    x.push((lo + hi) / 2);
    y.push(counts[i] / covered);
    exposure.push(covered);
  }
  return { x, y, exposure };
}

/**
 * The aggregate model fitted to a (bucket centre, rate) series; `exposure` (seconds observed per
 * point, default the bucket) weighs mean_rate, so it is requests over observed time.
 */
export function fitAggregateRateSeries(xs: number[], ys: number[], bucketSeconds: number, exposure?: readonly number[]): AggregateRateModel | undefined {
  const nb = xs.length;
  if (nb < 6) return undefined;
  const x = Float64Array.from(xs);
  const y = Float64Array.from(ys);
  let mean: number;
  if (exposure) {
    let area = 0;
    let time = 0;
    for (let i = 0; i < nb; i++) {
      area += y[i] * exposure[i];
      time += exposure[i];
    }
    mean = area / time;
  } else mean = y.reduce((a, b) => a + b, 0) / nb;
  // Under 12 h of data the daily terms are not identifiable, nor in buckets of 6 h or more
  // (two or fewer per 12 h period): fit the trend only.
  const spanSeconds = x[nb - 1] - x[0] + bucketSeconds;
  const periodic = spanSeconds >= 43200 && bucketSeconds < 21600;
  const model = (q: number[]) => (periodic ? q : [q[0], q[1], 0, 0, 0, 0]);
  // The Fourier terms of each bucket time, once: the solver asks for them every iteration.
  const terms = new Map<number, [number, number, number, number]>();
  const termsAt = (t: number) => {
    let f = terms.get(t);
    if (!f) terms.set(t, (f = fourier(t)));
    return f;
  };
  const result = levenbergMarquardt({ x, y }, (q) => (t) => rateAt(model(q), t, termsAt(t)), {
    initialValues: periodic ? [mean, 0, 0, 0, 0, 0] : [mean, 0],
    jacobianFunction: () => (t: number) => (periodic ? [1, t, ...termsAt(t)] : [1, t]),
    maxIterations: 200,
    errorTolerance: 1e-12,
  });
  const p = model(result.parameterValues);
  let se = 0;
  let ae = 0;
  for (let i = 0; i < nb; i++) {
    const e = rateAt(p, x[i], termsAt(x[i])) - y[i];
    se += e * e;
    ae += Math.abs(e);
  }
  // Daily shape without the trend, around the trend's level over the data (its value at the
  // buckets' mean time), not its intercept at t = 0: with a trend, the intercept is the level
  // wherever the origin happens to be (the trace's start, or days before it), so peak/mean
  // depended on the origin and went negative or null for a growing trace (found by review).
  let tMean = 0;
  for (let i = 0; i < nb; i++) tMean += x[i];
  tMean /= nb;
  const level = p[0] + p[1] * tMean;
  let peak = -Infinity;
  let sum = 0;
  for (let k = 0; k < 288; k++) {
    const t = k * 300;
    const f = fourier(t);
    const v = level + p[2] * f[0] + p[3] * f[1] + p[4] * f[2] + p[5] * f[3];
    peak = Math.max(peak, v);
    sum += v;
  }
  return {
    model: 'trend+fourier24h12h',
    bucket_seconds: bucketSeconds,
    params: { a: p[0], b: p[1], c24: p[2], s24: p[3], c12: p[4], s12: p[5] },
    rmse: Math.sqrt(se / nb),
    nmae: mean > 0 ? ae / nb / mean : NaN,
    mean_rate: mean,
    // A daily shape needs a day of data.
    diurnal_peak_to_mean: periodic && spanSeconds >= 86400 && sum > 0 ? peak / (sum / 288) : null,
    buckets: nb,
  };
}
