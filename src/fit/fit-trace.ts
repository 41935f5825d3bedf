import type { Trace } from '../ingest/trace.js';
import { buildSummaries, type SummaryOptions } from '../summary/build.js';
import { buildSummariesParallel } from '../summary/parallel-build.js';
import { mergeArrivals } from '../summary/merge.js';
import { poolClients } from '../summary/pool.js';
import { CLUSTER_GAPS, type ArrivalSummary, type LengthSummary, type TraceSummaries } from '../summary/types.js';
import { PROFILE_FORMAT, PROFILE_VERSION, type ArrivalWindow, type Profile, type PrefixSection, type ProfileClient } from '../profile/schema.js';
import type { ArrivalModel } from '../stats/registry.js';
import { weibullCv } from '../generate/arrival-sampler.js';
import { lnGamma as lnGammaLocal } from '../stats/special.js';
import { toolName } from '../version.js';
import { humanCount } from '../util/human-count.js';
import { empiricalGaps, fitArrivalWindow, fitsOnItsOwn, MIN_FIT_GAPS, type ArrivalFitOptions, type FamilyFit } from './arrival-fit.js';
import { prefitWindows, type LengthWindowFit } from './parallel-fit.js';
import { fitArrivals } from './idle-gaps.js';
import { batchClients, batchSizes, clusterWithin } from './batches.js';
import { PmfSampler } from '../stats/pmf.js';
import { aggregateBucketSeconds, coveredBuckets, fitAggregateRate, fitAggregateRateFromBuckets, fitAggregateRateSeries, rateChangePoints } from './rates.js';
import { lengthWindowOf } from './lengths.js';
import { sessionStats } from './sessions.js';
import { prefixSections } from './prefix.js';
import { clockHidesLag1, fitGapMemory, memoryCorrelations, type GapMemory } from './gap-memory.js';
import { memoryCountRatio, MEMORY_COUNT_RATIO_MAX } from './gap-memory-check.js';
import { clientGapShape } from './client-shape.js';
import { blockCounts, fitLevels, isSparseClient, LEVEL_MIN_BLOCKS, levelShape, spanBlocks, windowsAddedDispersion, type LevelShape } from './levels.js';
import { exp } from '../stats/det-math.js';

export interface FitOptions extends ArrivalFitOptions {
  /** Arrival window, seconds (`fit --window`). */
  arrivalSeconds: number;
  /** Length window, seconds (`fit --length-window`). */
  lengthSeconds: number;
  /** Windows with fewer gaps keep their rate and borrow the client's pooled shape (at least MIN_FIT_GAPS; `--min-arrivals`). */
  minArrivals: number;
  /** Clients with fewer requests are pooled into one client `tail` (0 = keep all; `--min-client-requests`). */
  minClientRequests: number;
  /** Keep a window's empirical gap distribution when the best family's KS exceeds this (default 0.05; Infinity = never). */
  empiricalAboveKs?: number;
  /** Clock resolution override in seconds (default: detected; `--resolution`). */
  resolution?: number;
  sourceSha256: string | null;
  created: string;
  /** Recorded in provenance.options. */
  recorded?: Record<string, unknown>;
  /** Progress: clients fitted of all, or (from fitTraceParallel) a line of its own. */
  onProgress?: (clientsDone: number, clients: number, text?: string) => void;
  /** Windows already fitted (prefitWindows, on worker threads): used instead of fitting them here. */
  prefit?: { arrivals: ReadonlyMap<ArrivalSummary, FamilyFit>; lengths: ReadonlyMap<LengthSummary, LengthWindowFit> };
  /**
   * Gap memory fitted to a client and not kept, because drawn with it a window's request count
   * moved by more than MEMORY_COUNT_RATIO_MAX (memoryCountRatio): called once per such client,
   * with the memory and the median count ratio (the CLI prints a note).
   */
  onMemoryDropped?: (dropped: DroppedMemory) => void;
}

/** A client's gap memory that the fit did not keep (FitOptions.onMemoryDropped). */
export interface DroppedMemory {
  client: string;
  memory: GapMemory;
  /** Median over its largest windows of the mean request count drawn with the memory over the count without it. */
  countRatio: number;
}

/** Relabels clients below `min` requests as one client `tail` (poolClients). */
export function poolSmallClients(trace: Trace, min: number): { trace: Trace; pooled: number } {
  if (!(min > 0)) return { trace, pooled: 0 };
  const counts = new Float64Array(trace.clientIds.length);
  for (let i = 0; i < trace.n; i++) counts[trace.client[i]]++;
  const pool = poolClients(trace.clientIds, counts, min);
  if (!pool) return { trace, pooled: 0 };
  const client = new Int32Array(trace.n);
  for (let i = 0; i < trace.n; i++) client[i] = pool.code[trace.client[i]];
  return { trace: { ...trace, client, clientIds: pool.ids }, pooled: pool.pooled };
}

function modelCv(m: ArrivalModel): number {
  switch (m.family) {
    case 'exponential':
      return 1;
    case 'gamma':
      return 1 / Math.sqrt(m.shape);
    case 'weibull':
      return weibullCv(m.shape);
    default: {
      const never: never = m;
      throw new Error(String(never));
    }
  }
}

/** The model of a pooled family/shape scaled to mean gap 1/rate. */
function scaledTo(m: ArrivalModel, rate: number): ArrivalModel {
  const mean = 1 / rate;
  switch (m.family) {
    case 'exponential':
      return { family: 'exponential', scale: mean };
    case 'gamma':
      return { family: 'gamma', shape: m.shape, scale: mean / m.shape };
    case 'weibull':
      return { family: 'weibull', shape: m.shape, scale: mean / exp(lnGammaLocal(1 + 1 / m.shape)) };
    default: {
      const never: never = m;
      throw new Error(String(never));
    }
  }
}

/**
 * Fits a profile to a normalized trace (DESIGN.md, Fitting): per client and arrival window the
 * rate, CV and best of Exponential/Gamma/Weibull (by KS, log-likelihood recorded); rate change
 * points; per length window compact PMFs with parametric characterizations and the
 * input/output Spearman with its Gaussian-copula parameter; session statistics when the trace
 * has sessions; the aggregate trend + 24 h/12 h Fourier rate model.
 */
export function fitTrace(source: Trace, options: FitOptions): { profile: Profile; summaries: TraceSummaries; pooledClients: number } {
  checkFitOptions(options);
  const { trace, pooled, summaries } = summarizeForFit(source, options);
  const profile = fitSummaries(summaries, options, { sessions: sessionStats(trace, options.lengthSeconds), prefix: prefixSections(trace), pooled });
  return { profile, summaries, pooledClients: pooled };
}

/** fitTrace with the arrival windows fitted on worker threads (prefitArrivalWindows): the same profile, sooner. */
export async function fitTraceParallel(source: Trace, options: FitOptions): Promise<{ profile: Profile; summaries: TraceSummaries; pooledClients: number }> {
  checkFitOptions(options);
  const { trace, pooled } = poolSmallClients(source, options.minClientRequests);
  const summaries = await buildSummariesParallel(trace, summaryOptions(options));
  const prefit = await prefitWindows(summaries, { ...options, onWindows: (d, n) => options.onProgress?.(0, 0, `${d}/${n} windows`) });
  const profile = fitSummaries(summaries, { ...options, prefit }, { sessions: sessionStats(trace, options.lengthSeconds), prefix: prefixSections(trace), pooled });
  return { profile, summaries, pooledClients: pooled };
}

/**
 * Refuses FitOptions the CLI's flags cannot give (RangeError naming the option): the library took
 * `arrivalSeconds: 0` (one window for the whole log), `-600` (six windows) and NaN (a TypeError
 * deep in the fit) without a word (found by using the installed package as a library).
 */
export function checkFitOptions(options: Pick<FitOptions, 'arrivalSeconds' | 'lengthSeconds' | 'minArrivals' | 'minClientRequests' | 'resolution'>): void {
  for (const key of ['arrivalSeconds', 'lengthSeconds'] as const) {
    const v = options[key];
    if (!(v >= 1e-6) || !Number.isFinite(v)) throw new RangeError(`${key}: windows are a finite number of seconds, at least 1e-6 (the default is ${key === 'arrivalSeconds' ? 600 : 21600}), got ${v}`);
  }
  for (const key of ['minArrivals', 'minClientRequests'] as const) {
    const v = options[key];
    if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`${key}: a finite count ≥ 0, got ${v}`);
  }
  const r = options.resolution;
  if (r !== undefined && (!(r >= 0) || !(r < options.arrivalSeconds))) throw new RangeError(`resolution: seconds ≥ 0 and below arrivalSeconds (${options.arrivalSeconds}), the timestamps' step (0.001 for milliseconds), got ${r}`);
}

function summarizeForFit(source: Trace, options: FitOptions): { trace: Trace; pooled: number; summaries: TraceSummaries } {
  const { trace, pooled } = poolSmallClients(source, options.minClientRequests);
  return { trace, pooled, summaries: buildSummaries(trace, summaryOptions(options)) };
}

function summaryOptions(options: FitOptions): SummaryOptions {
  const onProgress = options.onProgress && ((rows: number, total: number) => options.onProgress!(0, 0, `summarizing ${humanCount(rows)}/${humanCount(total)} rows`));
  return { arrivalSeconds: options.arrivalSeconds, lengthSeconds: options.lengthSeconds, resolution: options.resolution, onProgress };
}

/**
 * The profile's span.start for a log whose first request is at `first`: the first request's
 * whole second, or the arrival window boundary at or before it when that is later (windows
 * shorter than a second). The windows stay on their grid (multiples of W from the origin), so a
 * log that starts inside its first window gives a span that starts inside it too, and that
 * window is rated over its part from span.start. Until the thirty-seventh session span.start was
 * floored to the window boundary and the window rated over all of it: a Poisson log at 1 req/s
 * of relative times from 1 000 s (600 s windows) got 0.33 req/s in its first window and its
 * roundtrip failed iat_ks at 0.30; the BurstGPT slice, 110 s into its first window, was drawn
 * there at 82 % of its rate (found by the odd-traces audit, h-88, which added a note).
 */
export function profileSpanStart(first: number, W: number): number {
  const s0 = Math.floor(first / W) * W;
  return Math.max(s0, Math.floor(first));
}

/**
 * Fits a profile from window summaries alone (a scan done elsewhere, or several partitions
 * merged with mergeSummaries). Without the trace, the aggregate rate model uses the arrival
 * windows' counts instead of 5-minute buckets and there are no session statistics unless
 * given.
 */
export function fitSummaries(
  summaries: TraceSummaries,
  options: FitOptions,
  extras: { sessions?: Map<string, Record<string, unknown>>; prefix?: Map<string, PrefixSection>; aggregate?: ReturnType<typeof fitAggregateRate>; pooled?: number } = {},
): Profile {
  checkFitOptions(options);
  const res = summaries.resolution;
  const pooled = extras.pooled ?? 0;
  const W = options.arrivalSeconds;
  const { start: spanStart, end: spanEnd } = summaries.span;
  const byClient = new Map<string, { arrivals: ArrivalSummary[]; lengths: typeof summaries.lengths }>();
  // Each window's own gaps: not the gap from before a pause of a whole window (idle-gaps.ts).
  for (const a of fitArrivals(summaries)) {
    let e = byClient.get(a.client);
    if (!e) byClient.set(a.client, (e = { arrivals: [], lengths: [] }));
    e.arrivals.push(a);
  }
  for (const l of summaries.lengths) byClient.get(l.client)?.lengths.push(l);
  const clients: ProfileClient[] = [];
  const batched = batchClients(summaries);
  // A cluster client's windows as scanned (its gaps inside clusters: the views fitted have
  // none), gathered in one pass (a pass per cluster client read a 30-day log's millions of
  // windows hundreds of times; found by review).
  const scanned = new Map<string, ArrivalSummary[]>();
  for (const [id, e] of batched) if (e.cluster !== undefined) scanned.set(id, []);
  if (scanned.size > 0) for (const a of summaries.arrivals) scanned.get(a.client)?.push(a);
  // Sparse clients (src/fit/levels.ts): their shared rhythm first, from their summed counts.
  const s0 = Math.floor(spanStart / W) * W;
  const start = profileSpanStart(spanStart, W);
  const sparse = new Set<string>();
  for (const [id, { arrivals }] of byClient) if (!batched.has(id) && isSparseClient(arrivals, options.minArrivals)) sparse.add(id);
  // (Flat without sparse clients: a client with enough gaps a window may still be drawn at levels.)
  const blocks = spanBlocks(W, s0, spanEnd, summaries.origin, start, spanStart);
  const total = new Float64Array(blocks.starts.length);
  for (const id of sparse) blockCounts(byClient.get(id)!.arrivals, blocks).forEach((c, k) => (total[k] += c));
  const rhythm: LevelShape = sparse.size > 0 ? levelShape(total, blocks) : { starts: [start], factors: [1], perBlock: new Float64Array(blocks.starts.length).fill(1) };
  let levelled = 0;
  let done = 0;
  for (const [id, { arrivals, lengths }] of byClient) {
    // A batch client: requests per instant, and windows whose gaps are between instants.
    const cluster = batched.get(id)?.cluster;
    const sizes = batched.has(id) ? batchSizes(arrivals, cluster) : undefined;
    const perInstant = sizes ? new PmfSampler(sizes).mean : 1;
    // Pooled shape for windows too small to fit on their own (only when such a window
    // exists): the request-weighted median shape of the client's fitted windows in their most
    // common family; a fit of all its gaps pooled when no window was fitted.
    const fittedModels: { model: ArrivalModel; weight: number }[] = [];
    let pooledCache: { model: ArrivalModel } | undefined | null = null;
    const pooledFitOf = () => {
      if (pooledCache !== null) return pooledCache;
      if (fittedModels.length > 0) {
        const byFamily = new Map<string, { model: ArrivalModel; weight: number }[]>();
        for (const f of fittedModels) {
          const list = byFamily.get(f.model.family) ?? [];
          list.push(f);
          byFamily.set(f.model.family, list);
        }
        const [, list] = [...byFamily.entries()].sort((x, y) => y[1].reduce((a, b) => a + b.weight, 0) - x[1].reduce((a, b) => a + b.weight, 0))[0];
        const shapeOf = (m: ArrivalModel) => (m.family === 'exponential' ? 1 : m.shape);
        list.sort((x, y) => shapeOf(x.model) - shapeOf(y.model));
        const half = list.reduce((a, b) => a + b.weight, 0) / 2;
        let acc = 0;
        for (const f of list) {
          acc += f.weight;
          if (acc >= half) return (pooledCache = { model: f.model });
        }
      }
      const all = mergeArrivals(arrivals, true);
      pooledCache = all.gaps >= MIN_FIT_GAPS ? fitArrivalWindow(all, res, options)[0] : undefined;
      return pooledCache;
    };
    // Windows big enough are fitted first so small ones can borrow from them.
    const fitted = new Map<ArrivalSummary, ReturnType<typeof fitArrivalWindow>[number]>();
    for (const s of arrivals) {
      if (fitsOnItsOwn(s.gaps, options.minArrivals)) {
        const best = options.prefit?.arrivals.get(s) ?? fitArrivalWindow(s, res, options)[0];
        fitted.set(s, best);
        fittedModels.push({ model: best.model, weight: s.gaps });
      }
    }
    const windows: ArrivalWindow[] = [];
    const counts: number[] = [];
    const exposure: number[] = [];
    for (const s of arrivals) {
      const covered = Math.max(1e-9, Math.min(s.start + W, spanEnd) - Math.max(s.start, spanStart));
      // The rate is over the window's part inside the profile's span, which starts at the first
      // request's whole second (profileSpanStart) and ends at the last request: generating the
      // profile's span draws the first and last windows over those parts only. The change
      // points keep the observed exposure.
      const inSpan = Math.max(1e-9, Math.min(s.start + W, spanEnd) - Math.max(s.start, start));
      const rate = s.n / Math.max(inSpan, Math.min(W, 1));
      counts.push(s.n);
      exposure.push(covered / W);
      const mean = s.gaps > 0 ? s.sum / s.gaps : NaN;
      const cv = s.gaps > 1 && mean > 0 ? Math.sqrt(Math.max(0, s.sumSq / s.gaps - mean * mean)) / mean : null;
      if (fitsOnItsOwn(s.gaps, options.minArrivals)) {
        const best = fitted.get(s)!;
        // When the clock hides most gaps (bucketed or very bursty at 1 ms), the measured CV is
        // an artifact of the clock: record the fitted model's CV instead.
        // (A CV estimated from n gaps cannot exceed √n: a censored model implying more is not
        // credible — heavy censoring of an extremely bursty window — so keep the measured one.)
        const mcv = modelCv(best.model);
        const windowCv = best.censored && mcv <= Math.sqrt(s.gaps) ? mcv : cv;
        const w: ArrivalWindow = { start: s.start, rate, cv: windowCv, model: best.model, gof: { ks: best.ks, n: best.n, loglik: best.loglik } };
        // No family describes the window well and there is enough data: keep its gap
        // distribution too, so generation reproduces it (see docs/profile-format.md).
        // A censored window's histogram keeps the clock's ticks: sampled, the gaps within a tick
        // or two would sit on the clock's lattice (integer seconds on a 1 s clock), so it is kept
        // only where few gaps are that short. (Excluding every censored window, as before, left
        // out any bursty client on a 1 ms clock with > 0.2 % of gaps within 1 ms: two-phase
        // gaps no family fits failed per-client iat_ks at 0.18 where the empirical gives 0.002.)
        // A lattice far finer than the gaps is none to speak of, however many gaps are within a
        // tick: the Azure code log with its times cut to the millisecond (gateways log them so;
        // 16 % of its gaps within 1 ms, a mean gap of 0.3–1 s) lost its windows' histograms, and
        // its regeneration failed 8 of 41 metrics with 63 % fewer serving slots than the log,
        // where the same log at its 0.1 µs clock passes 41/41 (found by a new user's walkthrough, h-77).
        const fineLattice = res <= FINE_TICK_SHARE * mean;
        if ((!best.censored || fineLattice || withinOneTick(s) <= MAX_LATTICE_SHARE * s.gaps) && best.ks > (options.empiricalAboveKs ?? 0.05) && s.gaps >= 200) w.empirical = empiricalGaps(s, res);
        windows.push(w);
      } else if (rate > 0 && pooledFitOf()) {
        const pooledFit = pooledFitOf()!;
        windows.push({ start: s.start, rate, cv: modelCv(pooledFit.model), model: scaledTo(pooledFit.model, rate / perInstant) });
      } else {
        windows.push({ start: s.start, rate, cv: null, model: null });
      }
    }
    const shifts = rateChangePoints(counts, exposure).map((i) => arrivals[i].start);
    const client: ProfileClient = {
      id,
      requests: arrivals.reduce((sum, s) => sum + s.n, 0),
      arrivals: windows,
      lengths: lengths.map((l) => options.prefit?.lengths.get(l) ?? lengthWindowOf(l)),
    };
    if (shifts.length > 0) client.shifts = shifts;
    let memory = fitGapMemory(memoryCorrelations(arrivals), { skipLag1: clockHidesLag1(res, arrivals) });
    // The client's pooled gap shape (below) is also what the memory check draws from.
    let shape0: ReturnType<typeof clientGapShape> | null = null;
    if (memory) {
      shape0 = clientGapShape(arrivals, windows, res, options.empiricalAboveKs ?? 0.05);
      const ratio = memoryCountRatio(id, arrivals, windows, shape0, memory);
      if (ratio !== undefined && !(ratio <= MEMORY_COUNT_RATIO_MAX && ratio >= 1 / MEMORY_COUNT_RATIO_MAX)) {
        options.onMemoryDropped?.({ client: id, memory, countRatio: ratio });
        memory = undefined;
      }
    }
    // A sparse client: its rate over segments of the span, not each window's realized count
    // (src/fit/levels.ts). So is a client whose windows hold enough gaps, when its windows'
    // counts would add more over-dispersion than its levels miss (windowsAddedDispersion), over
    // LEVEL_MIN_BLOCKS blocks or more — not a batch or cluster client, and not one with gap
    // memory (levels draw independent gaps).
    let levels = sparse.has(id) ? fitLevels(arrivals, blocks, spanEnd, res, rhythm, options)?.levels : undefined;
    if (!levels && !batched.has(id) && !memory && blocks.starts.length >= LEVEL_MIN_BLOCKS) {
      const candidate = fitLevels(arrivals, blocks, spanEnd, res, rhythm, options);
      if (candidate && windowsAddedDispersion(windows, arrivals) > candidate.missed) levels = candidate.levels;
    }
    if (levels) {
      client.levels = levels;
      levelled++;
    }
    // A cluster client's gaps inside its clusters (the scan's windows': the views fitted have none).
    if (sizes) client.batches = cluster === undefined ? { sizes } : { sizes, below: CLUSTER_GAPS[cluster], within: clusterWithin(scanned.get(id) ?? [], cluster, res) };
    if (memory) client.gap_memory = memory;
    // (A level client's gaps are drawn from its levels' shape.)
    const shape = levels ? undefined : shape0 !== null ? shape0 : clientGapShape(arrivals, windows, res, options.empiricalAboveKs ?? 0.05);
    if (shape) client.empirical = shape;
    clients.push(client);
    options.onProgress?.(++done, byClient.size);
  }
  for (const c of clients) {
    const s = extras.sessions?.get(c.id);
    if (s) c.sessions = s;
    const p = extras.prefix?.get(c.id);
    if (p) c.prefix = p;
  }
  clients.sort((a, b) => b.requests - a.requests || (a.id < b.id ? -1 : 1));
  // The aggregate rate model from the rows' 5-minute counts (the summaries' buckets: every
  // engine's, so their profiles are equal; before the thirty-seventh session the DuckDB engine's
  // was fitted to its window counts), else the arrival windows' counts.
  const aggregate =
    extras.aggregate !== undefined ? extras.aggregate
    : summaries.buckets ? fitAggregateRateFromBuckets(summaries.buckets, spanStart, spanEnd)
    : aggregateFromWindows(summaries);
  const profile: Profile = {
    format: PROFILE_FORMAT,
    version: PROFILE_VERSION,
    provenance: {
      tool: toolName(),
      source_sha256: options.sourceSha256,
      created: options.created,
      options: {
        arrival_seconds: W,
        length_seconds: options.lengthSeconds,
        min_arrivals: options.minArrivals,
        min_client_requests: options.minClientRequests,
        moment_match: Boolean(options.momentMatch),
        clock_resolution_seconds: res,
        pooled_clients: pooled,
        ...options.recorded,
      },
      source: { kind: 'trace' },
    },
    windows: { arrival_seconds: W, length_seconds: options.lengthSeconds },
    span: { origin: summaries.origin, start, end: spanEnd },
    clients,
  };
  if (aggregate) profile.aggregate = { ...aggregate };
  if (levelled > 0) profile.level_shape = { starts: rhythm.starts, factors: rhythm.factors };
  return profile;
}

/** Share of a window's gaps at most one clock tick long above which a censored window keeps no empirical gap distribution. */
const MAX_LATTICE_SHARE = 0.02;

/**
 * A clock tick at most this share of a window's mean gap puts no visible lattice in gaps drawn
 * from its histogram (1 ms against gaps of 0.1 s and more), so a censored window keeps its
 * empirical gap distribution whatever share of its gaps is within a tick. A window with the 200
 * gaps an empirical needs has a mean gap under 3 s at 600 s windows: a 1 s clock never qualifies.
 */
const FINE_TICK_SHARE = 0.01;

/** Gaps measured as 0 or 1 clock tick. */
function withinOneTick(s: ArrivalSummary): number {
  return (s.quant.get(0) ?? 0) + (s.quant.get(1) ?? 0);
}

/**
 * Aggregate rate model from the arrival windows' counts (when only summaries are available);
 * windows merged into coarser buckets (aggregateBucketSeconds) when the span holds more than
 * MAX_RATE_BUCKETS of them.
 */
function aggregateFromWindows(s: TraceSummaries): ReturnType<typeof fitAggregateRate> {
  const counts = new Map<number, number>();
  for (const a of s.arrivals) counts.set(a.start, (counts.get(a.start) ?? 0) + a.n);
  let starts = [...counts.keys()].sort((a, b) => a - b);
  const W = s.arrivalSeconds;
  const B = starts.length > 0 ? aggregateBucketSeconds(starts[0], starts[starts.length - 1], W) : W;
  if (B !== W) {
    const coarse = new Map<number, number>();
    for (const t of starts) {
      const b = Math.floor(t / B) * B;
      coarse.set(b, (coarse.get(b) ?? 0) + counts.get(t)!);
    }
    counts.clear();
    for (const [b, c] of coarse) counts.set(b, c);
    starts = [...counts.keys()].sort((a, b) => a - b);
  }
  // Every bucket from the first to the last, those without a request at rate 0 (the
  // summaries have no window where nothing arrived: leaving them out overstated the rate of
  // any trace with idle windows — found by review), and the edge buckets over the part of them
  // inside the span (coveredBuckets).
  const nb = starts.length > 0 ? Math.round((starts[starts.length - 1] - starts[0]) / B) + 1 : 0;
  const all = Array.from({ length: nb }, (_, k) => starts[0] + k * B);
  const byIndex = new Float64Array(nb);
  for (const t of starts) byIndex[Math.round((t - starts[0]) / B)] += counts.get(t)!;
  const c = coveredBuckets(
    all,
    Array.from(byIndex),
    B,
    s.span.start,
    s.span.end,
  );
  return fitAggregateRateSeries(c.x, c.y, B, c.exposure);
}
