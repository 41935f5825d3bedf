import { pmfMean, PmfSampler } from '../stats/pmf.js';
import { batchesHow } from '../fit/batches.js';
import { dailyBoundaries, levelRateAt, rhythmAt } from '../generate/levels.js';
import type { LengthFieldName, Profile, ProfileClient } from './schema.js';
import { countsForPeak } from './window-grid.js';

/** Quantiles reported for every length field. */
const PROBS = [0.5, 0.9, 0.99] as const;

export interface FieldSummary {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  /** For count fields: P(0), P(1), P(2), P(≥3). */
  counts?: { p0: number; p1: number; p2: number; p3plus: number };
}

export interface ProfileSummary {
  clients: number;
  clientsWithoutLengths: number;
  span: { origin: string | null; start: number; end: number; hours: number };
  windows: { arrival_seconds: number; length_seconds: number };
  requests: number;
  meanRate: number;
  peakWindowRate: number;
  /** Clients carrying 50/90/99 % of requests. */
  concentration: { p50: number; p90: number; p99: number };
  cv: { requestWeightedMedian: number; requestWeightedMean: number; shareAbove1: number };
  /** Share of requests (in fitted windows) per arrival family. */
  familyMix: Record<string, number>;
  /** Share of those requests whose gaps generate draws from a gap histogram: the window's own `empirical` or its client's pooled one. */
  empiricalShare: number;
  fields: Partial<Record<LengthFieldName, FieldSummary>>;
  /** Mean reasoning tokens / answer tokens when the profile has reason ratios. */
  reasoningToAnswer?: number;
  /** Largest clients: share of requests and burstiness (request-weighted mean window CV). */
  /** The largest clients; a level client's own daily cycle by its busiest bin: the factor there and the bin's start, seconds into the UTC day (into the cycle without an origin). */
  topClients: { id: string; share: number; cv: number | null; shifts: number; dailyPeak?: { factor: number; at: number; utc: boolean } }[];
  /** Session statistics of clients that have them. */
  sessions: { id: string; stats: Record<string, unknown> }[];
  /** Clients with a prefix section (their requests get hash_ids): how many, their share of requests, the largest few with their fitted source's infinite-cache block hit ratio. */
  prefix: { clients: number; share: number; top: { id: string; hitRatio: number; requests: number; roots: number }[] };
  /** Clients with gap memory: how many, their share of requests, the largest few. */
  gapMemory: { clients: number; share: number; top: { id: string; weight: number; phi: number }[] };
  /** Batch clients (`batches`): how many, their share of requests, the largest few with their mean and largest requests per instant. */
  batches: { clients: number; share: number; how: string; top: { id: string; meanSize: number; maxSize: number; below?: number }[] };
  /** Level clients (`levels`, sparse clients drawn at rate levels): how many, their share of requests, the shared rhythm's segments, and how many have their own daily cycle. */
  levels: { clients: number; share: number; segments: number; rhythm: number; daily: number };
  /** For a profile made with `fit --anonymize`: the weekday and hour it kept (--keep-calendar) and the PMF noise's ε (--dp-epsilon), from `provenance.options.anonymized`. */
  anonymized?: { calendar: { weekday: string; hour: number } | null; dpEpsilon: number | null };
}

/** Weighted quantile over (value, weight) pairs. */
function weightedQuantiles(values: Float64Array, weights: Float64Array, probs: readonly number[]): number[] {
  // Equal values merged first (a long profile's PMF atoms repeat the same token counts across
  // thousands of windows), then the distinct ones sorted: sorting an index of every atom with a
  // comparator took 2.6 of the 13 s `inspect` spent on a 30-day, 2 000-client profile.
  const merged = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    merged.set(values[i], (merged.get(values[i]) ?? 0) + weights[i]);
    total += weights[i];
  }
  const distinct = Float64Array.from(merged.keys()).sort();
  const out: number[] = [];
  let acc = 0;
  let k = 0;
  for (const p of probs) {
    while (k < distinct.length && (acc + merged.get(distinct[k])!) / total < p) {
      acc += merged.get(distinct[k])!;
      k++;
    }
    out.push(distinct[Math.min(k, distinct.length - 1)]);
  }
  return out;
}

/**
 * Expected requests of a client in [a, b) seconds: each arrival window's rate × the part of
 * its `width` seconds inside [a, b). (Counting whole windows that start inside [a, b) gave a
 * length window shorter than an arrival window no weight unless one started in it: with
 * `fit --length-window 7` inspect summarized 6 of 500 length windows; found by review.)
 */
export function requestsIn(client: ProfileClient, a: number, b: number, width: number, span?: { start: number; end: number }): number {
  const [lo, hi] = spanBounds(span);
  let n = 0;
  for (const w of client.arrivals) {
    const overlap = Math.min(w.start + width, b, hi) - Math.max(w.start, a, lo);
    if (overlap > 0) n += w.rate * overlap;
  }
  return n;
}

/**
 * The bounds a window's requests are counted within: the profile's span, where fit rates a window
 * the span cuts over its part inside (the last window, and since the span-start rule the first
 * one of a log that starts inside it); unbounded for an empty span. Counted over the whole
 * window, a first window of 1 s with a burst of 12 requests (a log of relative times from 599.05 s)
 * weighed as 7 200 requests beside a client's 3 660 in inspect's length mixture: input mean 666
 * and p90 1 000 for the log's 13.2 and 10 (found by review, h-97).
 */
function spanBounds(span: { start: number; end: number } | undefined): [number, number] {
  return span && span.end > span.start ? [span.start, span.end] : [-Infinity, Infinity];
}

/** The seconds of an arrival window of `width` s from `start` inside the profile's span (spanBounds): its requests are its rate × these. */
export function secondsInSpan(start: number, width: number, span: { start: number; end: number }): number {
  const [lo, hi] = spanBounds(span);
  return Math.max(0, Math.min(start + width, hi) - Math.max(start, lo));
}

/**
 * requestsIn for consecutive length windows at once: element i is the client's expected
 * requests from `starts[i]` (−∞ for i = 0) to `starts[i + 1]` (∞ for the last), the same sums
 * in the same order as requestsIn gives, found by a binary search per arrival window instead of
 * a pass over all of them per length window (120 × 4 320 windows × 2 000 clients at 30 days).
 */
export function requestsPerWindow(client: ProfileClient, starts: readonly number[], width: number, span?: { start: number; end: number }): number[] {
  const m = starts.length;
  const [first, last] = spanBounds(span);
  const lo = (i: number) => (i === 0 ? -Infinity : starts[i]);
  const hi = (i: number) => (i + 1 < m ? starts[i + 1] : Infinity);
  for (let i = 2; i < m; i++) if (!(starts[i] >= starts[i - 1])) return starts.map((_, j) => requestsIn(client, lo(j), hi(j), width, span));
  const out = new Array<number>(m).fill(0);
  if (m === 0) return out;
  for (const w of client.arrivals) {
    // The last length window starting at or before the arrival window (the first: from −∞).
    let a = 0;
    let b = m - 1;
    while (a < b) {
      const mid = (a + b + 1) >>> 1;
      if (lo(mid) <= w.start) a = mid;
      else b = mid - 1;
    }
    // Length windows with the same start are empty and were skipped by the search or are skipped here.
    for (let j = a; j < m && lo(j) < w.start + width; j++) {
      const overlap = Math.min(w.start + width, hi(j), last) - Math.max(w.start, lo(j), first);
      if (overlap > 0) out[j] += w.rate * overlap;
    }
  }
  return out;
}

/**
 * The busiest window's aggregate rate, as `generate --rate scale:1` draws it: a client's window
 * rates, a level client's level × the shared rhythm in every window of the span (README, Sparse
 * clients), not its windows' realized rates (which read a client sending its 92 requests in a
 * few windows as peaks of up to 6 requests a window), times its daily factor if it has one. Level
 * sums are piecewise constant, so they are evaluated at the window starts where any of them, the
 * rhythm or a daily bin changes.
 */
export function peakWindowRate(profile: Profile): number {
  // Over the windows that may set a peak (countsForPeak), all when none may.
  return peakOver(profile, true) || peakOver(profile, false);
}

function peakOver(profile: Profile, onlyPeakWindows: boolean): number {
  const perStart = new Map<number, number>();
  const steps = new Map<number, number>();
  // Clients with a daily cycle are evaluated one by one at every point (their factors differ).
  const daily = profile.clients.filter((c) => c.levels?.daily);
  for (const c of profile.clients) {
    if (c.levels?.daily) {
      for (const t of c.levels.starts) steps.set(t, steps.get(t) ?? 0);
    } else if (c.levels) {
      const { starts, rates } = c.levels;
      starts.forEach((t, j) => steps.set(t, (steps.get(t) ?? 0) + rates[j] - (j > 0 ? rates[j - 1] : 0)));
    } else {
      for (const w of c.arrivals) {
        if (onlyPeakWindows && !countsForPeak(profile, w.start)) continue;
        // The first window, when the span starts inside it, counts from span.start, where the
        // level clients' levels start.
        const t = w.start < profile.span.start ? profile.span.start : w.start;
        perStart.set(t, (perStart.get(t) ?? 0) + w.rate);
      }
    }
  }
  let peak = 0; // loops: spreading ~10^5 window starts overflowed the call stack (found by review)
  if (steps.size === 0) {
    for (const r of perStart.values()) if (r > peak) peak = r;
    return peak;
  }
  const shape = profile.level_shape;
  const W = profile.windows.arrival_seconds;
  const points = new Set<number>([...perStart.keys(), ...steps.keys(), ...(shape ? shape.starts : []), ...dailyBoundaries(daily, profile.span.start, profile.span.end, W)]);
  const sortedSteps = [...steps].sort((a, b) => a[0] - b[0]);
  let level = 0;
  let next = 0;
  for (const t of [...points].sort((a, b) => a - b)) {
    if (t < profile.span.start || t >= profile.span.end) continue;
    const tol = 1e-9 * Math.max(1, Math.abs(t));
    while (next < sortedSteps.length && sortedSteps[next][0] <= t + tol) level += sortedSteps[next++][1];
    let r = (perStart.get(t) ?? 0) + Math.max(0, level) * rhythmAt(shape, t);
    for (const c of daily) r += levelRateAt(c.levels!, shape, t);
    if (r > peak) peak = r;
  }
  return peak;
}

/**
 * Characterization of a profile as `inspect` prints it: volume, concentration, burstiness
 * (request-weighted CV, family mix) and rate-weighted length distributions per field.
 */
export function summarizeProfile(profile: Profile): ProfileSummary {
  const W = profile.windows.arrival_seconds;
  const clients = profile.clients;
  // Volume from `requests` (exact for fitted profiles; Σ rate·window for imported pools).
  const volumes = clients.map((c) => c.requests);
  const total = volumes.reduce((a, b) => a + b, 0);
  const sortedVol = [...volumes].sort((a, b) => b - a);
  const needed = (share: number) => {
    let acc = 0;
    for (let i = 0; i < sortedVol.length; i++) {
      acc += sortedVol[i];
      if (acc >= share * total) return i + 1;
    }
    return sortedVol.length;
  };
  const peak = peakWindowRate(profile);
  const cvVals: number[] = [];
  const cvW: number[] = [];
  const fam: Record<string, number> = {};
  let famTotal = 0;
  let empirical = 0;
  for (const c of clients) {
    // A level client's requests are drawn from its levels' shape (README, Sparse clients): its
    // windows' requests count with that shape, not the windows' own.
    const lv = c.levels;
    for (const w of c.arrivals) {
      const model = lv ? lv.model : w.model;
      const cv = lv ? lv.cv : w.cv;
      // Weighed by its requests: its rate over its seconds inside the span (spanBounds).
      const n = w.rate * secondsInSpan(w.start, W, profile.span);
      if (model && cv !== null && n > 0) {
        cvVals.push(cv);
        cvW.push(n);
        fam[model.family] = (fam[model.family] ?? 0) + n;
        famTotal += n;
        if (lv ? lv.empirical : w.empirical || c.empirical) empirical += n;
      }
    }
  }
  for (const k of Object.keys(fam)) fam[k] /= famTotal;
  let cvMean = 0;
  let cvWsum = 0;
  let above1 = 0;
  cvVals.forEach((v, i) => {
    cvMean += v * cvW[i];
    cvWsum += cvW[i];
    if (v > 1) above1 += cvW[i];
  });
  const cvMedian = cvVals.length ? weightedQuantiles(Float64Array.from(cvVals), Float64Array.from(cvW), [0.5])[0] : NaN;

  // Rate-weighted mixture of PMFs per field.
  const atoms = new Map<LengthFieldName, { v: number[]; w: number[] }>();
  let ratioWeighted = 0;
  let ratioWeight = 0;
  for (const c of clients) {
    const lw = c.lengths.filter((w) => Object.keys(w.fields).length > 0);
    const weights = requestsPerWindow(c, lw.map((w) => w.start), W, profile.span);
    lw.forEach((w, i) => {
      const weight = weights[i];
      if (!(weight > 0)) return;
      for (const [name, field] of Object.entries(w.fields) as [LengthFieldName, NonNullable<(typeof w.fields)[LengthFieldName]>][]) {
        let entry = atoms.get(name);
        if (!entry) atoms.set(name, (entry = { v: [], w: [] }));
        const s = new PmfSampler(field.pmf);
        // Expand to (value, probability) atoms; ranges contribute their midpoint.
        let prev = 0;
        for (let k = 0; k < s.lo.length; k++) {
          const p = s.cum[k] - prev;
          prev = s.cum[k];
          entry.v.push(s.isRange[k] ? s.lo[k] + s.span[k] / 2 : s.lo[k]);
          entry.w.push(p * weight);
        }
      }
      const rr = w.fields.reason_ratio;
      const out = w.fields.output_tokens;
      if (rr && out) {
        // Reasoning tokens = output × ratio (drawn independently within a window), so the
        // mean reasoning/answer split is a ratio of request-weighted sums.
        const r = new PmfSampler(rr.pmf).mean;
        const o = new PmfSampler(out.pmf).mean;
        ratioWeighted += weight * o * r;
        ratioWeight += weight * o * (1 - r);
      }
    });
  }
  const fields: Partial<Record<LengthFieldName, FieldSummary>> = {};
  for (const [name, { v, w }] of atoms) {
    const values = Float64Array.from(v);
    const weights = Float64Array.from(w);
    let sw = 0;
    let m = 0;
    for (let i = 0; i < values.length; i++) {
      sw += weights[i];
      m += values[i] * weights[i];
    }
    const [p50, p90, p99] = weightedQuantiles(values, weights, PROBS);
    const summary: FieldSummary = { mean: m / sw, p50, p90, p99 };
    if (name.endsWith('_count')) {
      const c = { p0: 0, p1: 0, p2: 0, p3plus: 0 };
      for (let i = 0; i < values.length; i++) {
        const share = weights[i] / sw;
        if (values[i] === 0) c.p0 += share;
        else if (values[i] === 1) c.p1 += share;
        else if (values[i] === 2) c.p2 += share;
        else c.p3plus += share;
      }
      summary.counts = c;
    }
    fields[name] = summary;
  }
  const span = profile.span;
  return {
    clients: clients.length,
    clientsWithoutLengths: clients.filter((c) => c.lengths.every((w) => Object.keys(w.fields).length === 0)).length,
    span: { ...span, hours: (span.end - span.start) / 3600 },
    windows: profile.windows,
    requests: Math.round(total),
    meanRate: total / (span.end - span.start),
    peakWindowRate: peak,
    concentration: { p50: needed(0.5), p90: needed(0.9), p99: needed(0.99) },
    cv: { requestWeightedMedian: cvMedian, requestWeightedMean: cvMean / cvWsum, shareAbove1: above1 / cvWsum },
    familyMix: fam,
    empiricalShare: famTotal > 0 ? empirical / famTotal : 0,
    fields,
    reasoningToAnswer: ratioWeight > 0 ? ratioWeighted / ratioWeight : undefined,
    topClients: clients
      .map((c, i) => ({ c, v: volumes[i] }))
      .sort((a, b) => b.v - a.v)
      .slice(0, 10)
      .map(({ c, v }) => {
        let cw = 0;
        let cs = 0;
        for (const w of c.arrivals) {
          if (w.cv !== null && w.model && w.rate > 0) {
            cw += w.rate;
            cs += w.rate * w.cv;
          }
        }
        // A level client is drawn from its levels' gap shape, not its windows' (README, Sparse clients).
        const cv = c.levels ? c.levels.cv : cw > 0 ? cs / cw : null;
        const out: ProfileSummary['topClients'][number] = { id: c.id, share: total > 0 ? v / total : 0, cv, shifts: c.shifts?.length ?? 0 };
        const daily = c.levels?.daily;
        if (daily) {
          let k = 0;
          daily.factors.forEach((f, i) => {
            if (f > daily.factors[k]) k = i;
          });
          const origin = profile.span.origin === null ? NaN : Date.parse(profile.span.origin) / 1000;
          const utc = Number.isFinite(origin);
          const period = daily.bin_seconds * daily.factors.length;
          const at = (((utc ? origin : 0) + daily.start + k * daily.bin_seconds) % period + period) % period;
          out.dailyPeak = { factor: daily.factors[k], at, utc };
        }
        return out;
      }),
    sessions: clients.filter((c) => c.sessions).map((c) => ({ id: c.id, stats: c.sessions! })),
    prefix: (() => {
      const withPrefix = clients.map((c, i) => ({ c, v: volumes[i] })).filter(({ c }) => c.prefix);
      const share = withPrefix.reduce((a, { v }) => a + v, 0);
      return {
        clients: withPrefix.length,
        share: total > 0 ? share / total : 0,
        top: withPrefix.sort((a, b) => b.v - a.v).slice(0, 3).map(({ c }) => ({ id: c.id, hitRatio: c.prefix!.hit_ratio, requests: c.prefix!.requests, roots: c.prefix!.roots.distinct })),
      };
    })(),
    gapMemory: (() => {
      const withMemory = clients.map((c, i) => ({ c, v: volumes[i] })).filter(({ c }) => c.gap_memory && c.gap_memory.weight > 0);
      const share = withMemory.reduce((a, { v }) => a + v, 0);
      return {
        clients: withMemory.length,
        share: total > 0 ? share / total : 0,
        top: withMemory.sort((a, b) => b.v - a.v).slice(0, 3).map(({ c }) => ({ id: c.id, weight: c.gap_memory!.weight, phi: c.gap_memory!.phi })),
      };
    })(),
    batches: (() => {
      const batched = clients.map((c, i) => ({ c, v: volumes[i] })).filter(({ c }) => c.batches);
      const share = batched.reduce((a, { v }) => a + v, 0);
      return {
        clients: batched.length,
        share: total > 0 ? share / total : 0,
        how: batchesHow(batched.map(({ c }) => c.batches!.below)),
        top: batched
          .sort((a, b) => b.v - a.v)
          .slice(0, 3)
          .map(({ c }) => {
            const pmf = c.batches!.sizes;
            return { id: c.id, meanSize: pmfMean(pmf), maxSize: Math.max(...pmf.values, ...(pmf.bins?.hi ?? [])), ...(c.batches!.below !== undefined ? { below: c.batches!.below } : {}) };
          }),
      };
    })(),
    levels: (() => {
      const levelled = clients.map((c, i) => ({ c, v: volumes[i] })).filter(({ c }) => c.levels);
      return {
        clients: levelled.length,
        share: total > 0 ? levelled.reduce((a, { v }) => a + v, 0) / total : 0,
        segments: levelled.reduce((a, { c }) => a + c.levels!.starts.length, 0),
        rhythm: profile.level_shape?.starts.length ?? 0,
        daily: levelled.filter(({ c }) => c.levels!.daily).length,
      };
    })(),
    ...anonymizedOf(profile),
  };
}

/** `anonymized`'s words, for inspect and the HTML characterization: what was removed, kept and added. */
export function anonymizedText(an: NonNullable<ProfileSummary['anonymized']>): string {
  const hh = (h: number) => String(h).padStart(2, '0');
  const kept = an.calendar ? `kept the span start's weekday and hour: ${an.calendar.weekday} ${hh(an.calendar.hour)}:00–${hh(an.calendar.hour + 1)}:00 UTC` : 'no calendar kept';
  return `ranked client ids, times from 0; ${kept}${an.dpEpsilon === null ? '' : `; length PMF counts noised (--dp-epsilon ${an.dpEpsilon})`}`;
}

/** What `fit --anonymize` recorded of itself (options are free-form JSON in a profile: read with care). */
function anonymizedOf(profile: Profile): Pick<ProfileSummary, 'anonymized'> {
  const a = (profile.provenance.options as Record<string, unknown> | undefined)?.anonymized as { calendar?: unknown; dp_epsilon?: unknown } | undefined;
  if (a === null || typeof a !== 'object') return {};
  const c = a.calendar as { weekday?: unknown; hour?: unknown } | null | undefined;
  const calendar = c && typeof c === 'object' && typeof c.weekday === 'string' && typeof c.hour === 'number' ? { weekday: c.weekday, hour: c.hour } : null;
  return { anonymized: { calendar, dpEpsilon: typeof a.dp_epsilon === 'number' ? a.dp_epsilon : null } };
}
