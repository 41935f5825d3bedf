import type { IngestResult } from '../ingest/ingest.js';
import { detectResolution } from '../summary/resolution.js';
import { toolName } from '../version.js';
import { cdfPoints, gapCells, lengthCells } from './distributions.js';
import { peakRate, tokenFields, tokenLoad, type LoadSeries } from '../summary/load.js';
import { computeMetrics, topClients, type Metric } from './metrics.js';
import { alignTolerance, alignTrace, splitHalves, summarizeSide, withHalfSides, type Side, type Stats } from './side.js';
import { summarizeSides, type SideJob } from './parallel-sides.js';
import { defaultWorkers } from '../util/worker.js';
import { checkThresholds, loadThresholds, type Thresholds } from './thresholds.js';
import { ratePoints } from '../report/rate-points.js';

/** (Shared with the profile report: src/report/rate-points.ts.) */
export { ratePoints };

export interface SideSummary {
  file: string[];
  requests: number;
  clients: number;
  span_seconds: number;
  mean_rate: number;
  iat_cv: number | null;
  index_of_dispersion: { '1s': number | null; '10s': number | null; '60s': number | null };
  /** 99th percentiles of requests and of input + output tokens per second, over 10 s bins (null: no requests, or no token counts); a generated side's tokens over the source's token fields. */
  peak_p99: { requests_per_s: number | null; tokens_per_s: number | null };
  time_offset_seconds: number;
}

export interface FidelityReport {
  format: 'servegen-fidelity';
  version: 1;
  tool: string;
  pass: boolean;
  failed: string[];
  clock_resolution_seconds: number;
  source: SideSummary;
  generated: SideSummary;
  baseline?: SideSummary;
  top_clients: string[];
  metrics: Record<string, Metric>;
  thresholds: Thresholds;
}

/** Series the HTML report draws (not part of the JSON report). */
export interface ChartData {
  rate: { label: string; points: [number, number][] }[];
  iatCdf: { label: string; points: [number, number][] }[];
  dispersion: { label: string; points: [number, number][] }[];
  lengthCdfs: { field: string; series: { label: string; points: [number, number][] }[] }[];
  shares: { id: string; values: number[] }[];
  shareLabels: string[];
}

function ioD(s: Stats, scale: '1' | '10' | '60'): number | null {
  const d = s.gaps?.disp[`s${scale}`];
  if (!d || d.bins === 0 || d.sum === 0) return null;
  const m = d.sum / d.bins;
  return (d.sumSq / d.bins - m * m) / m;
}

/**
 * p99 of the side's tokens (input + output) per second, null without token counts; a generated
 * side's over the token fields the source has too (as peak_tokens_p99_rel_err compares them).
 */
function peakTokens(load: LoadSeries | undefined, source?: LoadSeries): number | null {
  const fields = load ? tokenFields(load).filter((f) => !source || source.tokens[f] !== undefined) : [];
  const t = load && fields.length ? tokenLoad(load, fields) : undefined;
  return t ? peakRate(t) : null;
}

function sideSummary(side: Side, files: string[], offset: number, source?: Side): SideSummary {
  const g = side.aggregate.gaps;
  const m = g && g.gaps > 0 ? g.sum / g.gaps : NaN;
  const span = side.span.end - side.span.start;
  return {
    file: files,
    requests: side.requests,
    clients: side.clients.size,
    span_seconds: span,
    mean_rate: span > 0 ? side.requests / span : NaN,
    iat_cv: g && g.gaps > 1 ? Math.sqrt(Math.max(0, g.sumSq / g.gaps - m * m)) / m : null,
    index_of_dispersion: { '1s': ioD(side.aggregate, '1'), '10s': ioD(side.aggregate, '10'), '60s': ioD(side.aggregate, '60') },
    peak_p99: { requests_per_s: side.load ? peakRate(side.load.requests) : null, tokens_per_s: peakTokens(side.load, source?.load) },
    time_offset_seconds: offset,
  };
}

/** A generated trace's header: where its span starts on its profile's time axis, and which profile. */
export function generatorHeader(meta: Record<string, unknown> | undefined): { start: number; profile?: string; rate?: string; naive?: boolean } | undefined {
  const gen = (meta as { generator?: { start?: unknown; profile_sha256?: unknown; rate?: unknown; naive?: unknown } } | undefined)?.generator;
  if (!gen || typeof gen !== 'object') return undefined;
  return {
    start: typeof gen.start === 'number' ? gen.start : 0,
    ...(typeof gen.profile_sha256 === 'string' ? { profile: gen.profile_sha256 } : {}),
    ...(typeof gen.rate === 'string' ? { rate: gen.rate } : {}),
    ...(gen.naive === true ? { naive: true } : {}),
  };
}

/** The `version` of the fidelity reports this tool writes (and the newest `fidelity-table` reads). */
export const FIDELITY_VERSION = 1;

/** Offset that puts a generated trace on the source's time axis (its header's `generator.start`). */
export function generatorOffset(r: IngestResult): number {
  return generatorHeader(r.meta)?.start ?? 0;
}

/**
 * Offset of the source's times. A generated trace's times count from its `generator.start` on
 * its profile's time axis, and validation puts it there. A source generated from the same
 * profile (the same profile_sha256: two draws compared) is put there too; any other source's
 * own times are that axis (a profile fitted from it starts where its times do), so it stays.
 * Found by review: two draws made with the same --start ≠ 0 failed rate_mape at 1.
 */
export function sourceOffset(sourceMeta: Record<string, unknown> | undefined, generatedMeta: Record<string, unknown> | undefined): number {
  const s = generatorHeader(sourceMeta);
  const g = generatorHeader(generatedMeta);
  return s?.profile !== undefined && s.profile === g?.profile ? s.start : 0;
}

/**
 * `validate --replay`: the generated side is a load generator's record of replaying the source
 * (AIPerf's profile_export.jsonl of a `generate --format mooncake` file). Its metrics are judged
 * without sampling-noise allowances (Thresholds.replay), and its times are moved so that its
 * first request falls on the source's first (firstRequestOffset).
 */
export function replayThresholds(t: Thresholds, replay: boolean | undefined): Thresholds {
  return replay ? { ...t, replay: true } : t;
}

/**
 * The offset `--replay` gives the generated side in place of its `generator.start`: its first
 * request on the source's first (both sorted, the source's already shifted and on its clock).
 * A replay's times count from a wall-clock instant its record does not hold (AIPerf keeps no
 * schedule zero), so its first request is the only anchor. 0 when a side has no request. The
 * same arithmetic in both engines (the DuckDB one passes the first time it reads).
 *
 * On a clock (`res` > 1 µs, where alignTrace floors the shifted times to the source's ticks)
 * the offset also takes the phase within a tick that keeps each request on its own tick:
 * a replay sends each request at its tick plus a small lag, and put first request on first
 * request, every request less late than the first fell below its tick and was floored a whole
 * tick early (found by review: sends up to 5 ms late of a file on a 1 s clock moved half its
 * requests a second early and failed dispersion_rel_err_1s, 0.31). `phases` counts the
 * generated times by their phase past the first, in REPLAY_PHASE_BINS bins of a tick
 * (replayPhaseBin); the tick's boundary is put in the middle of the longest run of empty bins,
 * or left where the first request puts it when that run ends the tick (nothing would move) or
 * no bin is empty (lags spread over a tick or more: no phase keeps them apart).
 */
export function firstRequestOffset(sourceFirst: number | undefined, generatedFirst: number | undefined, res = 0, phases?: ArrayLike<number>): number {
  if (sourceFirst === undefined || generatedFirst === undefined) return 0;
  const offset = sourceFirst - generatedFirst;
  if (!(res > 1e-6) || phases === undefined) return offset;
  const K = REPLAY_PHASE_BINS;
  // The longest circular run of empty bins (bin 0, the first request's, is never empty).
  let best = 0;
  let bestStart = 0;
  let run = 0;
  for (let i = 1; i < K; i++) {
    if (phases[i] === 0) {
      run++;
      if (run > best) {
        best = run;
        bestStart = i - run + 1;
      }
    } else run = 0;
  }
  if (best === 0 || bestStart + best === K) return offset;
  // The boundary at the run's middle: phases past it start a tick, those before it end one.
  const middle = (2 * bestStart + best) / (2 * K);
  return offset + (1 - middle) * res;
}

/** Bins of a clock tick that firstRequestOffset reads a replay's phases in. */
export const REPLAY_PHASE_BINS = 100;

/** The bin of a generated time's phase within a tick of `res` past the first time (the DuckDB engine's replayPhaseSql, the same arithmetic). */
export function replayPhaseBin(t: number, first: number, res: number): number {
  const x = (t - first) / res;
  return Math.min(REPLAY_PHASE_BINS - 1, Math.floor((x - Math.floor(x)) * REPLAY_PHASE_BINS));
}

/** Counts of sorted generated times by replayPhaseBin past the first. */
export function replayPhases(times: ArrayLike<number>, n: number, res: number): Float64Array {
  const counts = new Float64Array(REPLAY_PHASE_BINS);
  for (let i = 0; i < n; i++) counts[replayPhaseBin(times[i], times[0], res)]++;
  return counts;
}

/**
 * Compares a generated trace (and optionally a naive baseline) with its source, statistic
 * by statistic (DESIGN.md, Validation). Both sides are summarized the same way, at the
 * source's clock resolution; a generated trace is shifted onto the source's time axis by
 * the `generator.start` in its header. `thresholds` default to docs/thresholds.json's
 * (loadThresholds(); loadThresholds(file) merges a file's overrides, as --thresholds does).
 */
export function validateTraces(
  source: IngestResult,
  generated: IngestResult,
  thresholds: Thresholds = loadThresholds(),
  options: { arrivalSeconds?: number; baseline?: IngestResult; replay?: boolean } = {},
): { report: FidelityReport; charts: ChartData } {
  checkThresholds(thresholds);
  const plan = planSides(source, generated, options);
  return plan.compare(plan.jobs.map((j) => summarizeSide(j.label, j.trace, plan.res, plan.W)), replayThresholds(thresholds, options.replay));
}

/**
 * validateTraces with the sides (source, its two halves, generated, baseline) summarized on
 * worker threads beside the calling thread (summarizeSides): the same report, sooner, for
 * traces of at least `minRows` rows in all (fewer are summarized here, as validateTraces does).
 */
export async function validateTracesParallel(
  source: IngestResult,
  generated: IngestResult,
  thresholds: Thresholds = loadThresholds(),
  options: { arrivalSeconds?: number; baseline?: IngestResult; replay?: boolean; workers?: number; minRows?: number; onSide?: (done: number, sides: number) => void } = {},
): Promise<{ report: FidelityReport; charts: ChartData }> {
  checkThresholds(thresholds);
  const plan = planSides(source, generated, options);
  const rows = plan.jobs.reduce((n, j) => n + j.trace.n, 0);
  const workers = rows >= (options.minRows ?? PARALLEL_MIN_ROWS) ? (options.workers ?? defaultWorkers()) : 0;
  return plan.compare(await summarizeSides(plan.jobs, plan.res, plan.W, workers, options.onSide), replayThresholds(thresholds, options.replay));
}

/** Rows (all sides together) below which validateTracesParallel starts no worker. */
const PARALLEL_MIN_ROWS = 400_000;

/**
 * The sides to summarize, in order (source, its halves when both have 2 rows, generated,
 * baseline), and how their summaries make the report.
 */
function planSides(
  source: IngestResult,
  generated: IngestResult,
  options: { arrivalSeconds?: number; baseline?: IngestResult; replay?: boolean },
): { res: number; W: number; jobs: SideJob[]; compare: (sides: Side[], thresholds: Thresholds) => { report: FidelityReport; charts: ChartData } } {
  const W = options.arrivalSeconds ?? 600;
  const det = detectResolution(source.trace.timestamp);
  const res = Math.max(1e-6, det.resolution);
  const srcOffset = sourceOffset(source.meta, generated.meta);
  // The source's clock is the reference: on a fixed quantum its times are put on their ticks
  // (epoch times carry float error, and regular gaps would otherwise differ from the
  // generated side's in CV), then shifted; bucketed or continuous times are shifted only.
  const srcTrace = alignTrace(det.kind !== 'none' ? alignTrace(source.trace, 0, res, alignTolerance(res, det.kind)) : source.trace, srcOffset, 0);
  const [x, y] = splitHalves(srcTrace);
  const halves = x.n >= 2 && y.n >= 2;
  const genOffset = options.replay ? firstRequestOffset(srcTrace.n ? srcTrace.timestamp[0] : undefined, generated.trace.n ? generated.trace.timestamp[0] : undefined, res, replayPhases(generated.trace.timestamp, generated.trace.n, res)) : generatorOffset(generated);
  const baseOffset = options.baseline ? generatorOffset(options.baseline) : 0;
  const jobs: SideJob[] = [
    { label: 'source', trace: srcTrace },
    ...(halves ? [{ label: 'a', trace: x }, { label: 'b', trace: y }] : []),
    { label: 'generated', trace: alignTrace(generated.trace, genOffset, res, alignTolerance(res, det.kind)) },
    ...(options.baseline ? [{ label: 'naive baseline', trace: alignTrace(options.baseline.trace, baseOffset, res, alignTolerance(res, det.kind)) }] : []),
  ];
  const compare = (sides: Side[], thresholds: Thresholds) => {
    const [whole, ...rest] = sides;
    const src = halves ? withHalfSides(whole, rest.shift()!, rest.shift()!) : whole;
    const [gen, base] = rest;
    return compareSides(
      { side: src, files: source.summary.files, offset: srcOffset },
      { side: gen, files: generated.summary.files, offset: genOffset },
      base && options.baseline ? { side: base, files: options.baseline.summary.files, offset: baseOffset } : undefined,
      res,
      thresholds,
      W,
    );
  };
  return { res, W, jobs, compare };
}

/** The report and charts from summarized sides (either engine). */
export function compareSides(
  source: { side: Side; files: string[]; offset?: number },
  generated: { side: Side; files: string[]; offset: number },
  baseline: { side: Side; files: string[]; offset: number } | undefined,
  res: number,
  thresholds: Thresholds,
  W: number,
): { report: FidelityReport; charts: ChartData } {
  const src = source.side;
  const gen = generated.side;
  const base = baseline?.side;
  const genOffset = generated.offset;
  const baseOffset = baseline?.offset ?? 0;
  const metrics = computeMetrics(src, gen, res, thresholds, base);
  const failed = Object.entries(metrics)
    .filter(([, m]) => !m.pass)
    .map(([k]) => k);
  const report: FidelityReport = {
    format: 'servegen-fidelity',
    version: FIDELITY_VERSION,
    tool: toolName(),
    pass: failed.length === 0,
    failed,
    clock_resolution_seconds: res,
    source: sideSummary(src, source.files, source.offset ?? 0),
    generated: sideSummary(gen, generated.files, genOffset, src),
    top_clients: topClients(src, thresholds),
    metrics,
    thresholds,
  };
  if (base && baseline) report.baseline = sideSummary(base, baseline.files, baseOffset, src);
  const sides = [src, gen, ...(base ? [base] : [])];
  const fields = [...(src.aggregate.lengths?.fields.keys() ?? [])];
  const charts: ChartData = {
    rate: sides.map((s) => ({ label: s.label, points: ratePoints(s.aggregate.windows, W, s.span) })),
    iatCdf: sides.map((s) => ({ label: s.label, points: s.aggregate.gaps ? cdfPoints(gapCells(s.aggregate.gaps.quant, s.aggregate.gaps.hist, res)).filter(([x]) => x > 0) : [] })),
    dispersion: sides.map((s) => ({
      label: s.label,
      points: (['1', '10', '60'] as const).map((sc) => [Number(sc), ioD(s.aggregate, sc) ?? NaN] as [number, number]).filter(([, v]) => Number.isFinite(v)),
    })),
    // A field with no value above 0 on any side (a multimodal trace's audio and video counts,
    // all 0) gets no chart: on the log axis the report showed four empty "no data" panels.
    lengthCdfs: fields
      .map((field) => ({
        field,
        series: sides.map((s) => {
          const h = s.aggregate.lengths?.fields.get(field);
          return { label: s.label, points: h ? cdfPoints(lengthCells(h)) : [] };
        }),
      }))
      .filter((f) => f.series.some((s) => s.points.some(([x]) => x > 0))),
    shareLabels: sides.map((s) => s.label),
    shares: [...src.clientShares.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([id]) => ({ id, values: sides.map((s) => (s.clientShares.get(id) ?? 0) / Math.max(1, s.requests)) })),
  };
  return { report, charts };
}

