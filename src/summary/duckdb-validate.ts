import type { Mapping } from '../ingest/mapping.js';
import type { InputFormat } from '../io/input.js';
import { NoAcceptedRowsError, type RejectReason } from '../ingest/errors.js';
import { detectResolution, RESOLUTION_SAMPLE } from './resolution.js';
import { defaultBuildWorkers } from './parallel-build.js';
import { loadBinsSql, loadFromBins, TOKEN_FIELDS, type LoadSeries } from './load.js';
import { alignTolerance, sessionSideOf, sideFromSummaries, SIDE_LENGTH_SECONDS, withHalfSides, type Side } from '../validate/side.js';
import { compareSides, firstRequestOffset, REPLAY_PHASE_BINS, replayThresholds, generatorHeader, sourceOffset, type ChartData, type FidelityReport } from '../validate/validate.js';
import { checkThresholds, type Thresholds } from '../validate/thresholds.js';
import { builderPass, inputsMeta, num, numericColumns, openScan, scanTimeWarning, sqlDouble, type DuckDbOptions, type OpenScan } from './duckdb.js';
import type { TraceSummaries } from './types.js';
import { lowerBound } from '../util/lower-bound.js';
import { PREFIX_MAX_ROWS, prefixSideWithDuckDB } from './duckdb-prefix.js';

export interface DuckDbSideInput {
  inputs: string[];
  mapping: Mapping;
  format?: InputFormat;
}

/** What each side's scan read (for the reject line and ratio). */
export interface DuckDbSideScan {
  label: string;
  rowsRead: number;
  rejectsByReason: Partial<Record<RejectReason, number>>;
  files: string[];
  /** The time-axis warning the TypeScript engine would give (outlier rows), if any. */
  warning?: string;
}

/**
 * Summaries of one variant of a side's rows: all clients or the aggregate stream (one client
 * `*`), times `t` (relative) transformed by `time`, rows filtered by `where`.
 */
async function variantSummaries(scan: OpenScan, opts: { res: number; W: number; time: string; where: string; aggregate: boolean }): Promise<TraceSummaries> {
  const { con } = scan;
  // The aggregate stream's arrivals only: its lengths are the clients' added up (sideFromSummaries).
  const present = opts.aggregate ? [] : scan.present;
  const ints = present.map((f) => `, CAST(coalesce(s."${f}", -1) AS INTEGER) AS "${f}"`).join('');
  const clientId = opts.aggregate ? '0' : 'c.cid';
  const join = opts.aggregate ? '' : 'JOIN clients c ON s.client = c.client';
  const names = opts.aggregate ? ['*'] : ((await con.runAndReadAll('SELECT client FROM clients ORDER BY cid')).getColumnsJS()[0] as unknown[]).map(String);
  // One pass over the rows sorted by time (the summarize engine's builder; rows with equal
  // times give the same gaps in any order).
  const sql = `SELECT CAST(${clientId} AS INTEGER) AS c, CAST(${opts.time} AS DOUBLE) AS t${ints}
    FROM (SELECT *, t - ${sqlDouble(scan.origin)} AS rel FROM src_rows WHERE reason IS NULL) s ${join} WHERE ${opts.where} ORDER BY t`;
  const workers = scan.rowsRead >= RESOLUTION_SAMPLE ? defaultBuildWorkers() : 0;
  const summaries = await builderPass(con, sql, present, { arrivalSeconds: opts.W, lengthSeconds: SIDE_LENGTH_SECONDS, resolution: opts.res, clients: names }, scan.originIso, workers);
  if (!summaries) throw new Error('internal: rows sorted by time are out of order');
  return summaries;
}

async function sideOf(scan: OpenScan, label: string, opts: { res: number; W: number; time: string; where: string }): Promise<Side> {
  const per = await variantSummaries(scan, { ...opts, aggregate: false });
  const agg = await variantSummaries(scan, { ...opts, aggregate: true });
  const rows = `(SELECT *, t - ${sqlDouble(scan.origin)} AS rel FROM src_rows WHERE reason IS NULL) s WHERE ${opts.where}`;
  const hasSessions = scan.mapping.columns.session_id !== undefined;
  const [c] = (await scan.con.runAndReadAll(`SELECT count(*) AS n${hasSessions ? ', count(session_id) AS s' : ''} FROM ${rows}`)).getRowObjectsJS() as Record<string, unknown>[];
  const side = { ...sideFromSummaries(label, per, agg, num(c.n), c.s !== undefined && num(c.s) > 0), load: await loadOf(scan, rows, opts.time) };
  if (!side.hasSessions) return side;
  // Session statistics as the TypeScript engine computes them (traceSessions): each session's
  // (a client's rows with one id) turns, and the gaps between its consecutive rows by time (times as the side's summaries see them).
  const turns = (await numericColumns(scan.con, `SELECT CAST(count(*) AS DOUBLE) AS k FROM ${rows} AND session_id IS NOT NULL GROUP BY client, session_id`)).k as Float64Array;
  const gaps = (await numericColumns(
    scan.con,
    `SELECT g FROM (SELECT CAST(${opts.time} AS DOUBLE) - lag(CAST(${opts.time} AS DOUBLE)) OVER (PARTITION BY client, session_id ORDER BY CAST(${opts.time} AS DOUBLE)) AS g FROM ${rows} AND session_id IS NOT NULL) WHERE g IS NOT NULL`,
  )).g as Float64Array;
  // Input growth between a session's consecutive rows with an input (the rows of one time
  // shortest first, as fit takes them), and the session rows' inputs, as traceSessions computes them.
  const hasInput = scan.present.includes('input_tokens');
  const growth = hasInput
    ? ((await numericColumns(
        scan.con,
        `SELECT g FROM (SELECT x - lag(x) OVER (PARTITION BY client, session_id ORDER BY t, x) AS g FROM (SELECT client, session_id, CAST(${opts.time} AS DOUBLE) AS t, CAST(input_tokens AS DOUBLE) AS x FROM ${rows} AND session_id IS NOT NULL AND input_tokens IS NOT NULL)) WHERE g IS NOT NULL`,
      )).g as Float64Array)
    : new Float64Array(0);
  const inputs = hasInput ? ((await numericColumns(scan.con, `SELECT CAST(input_tokens AS DOUBLE) AS x FROM ${rows} AND session_id IS NOT NULL AND input_tokens IS NOT NULL`)).x as Float64Array) : new Float64Array(0);
  return { ...side, sessions: sessionSideOf(turns, gaps, growth, inputs) };
}

/** The side's load series (traceLoad): requests and tokens per field per bin of its times. */
async function loadOf(scan: OpenScan, rows: string, time: string): Promise<LoadSeries | undefined> {
  const fields = TOKEN_FIELDS.filter((f) => scan.present.includes(f));
  return loadFromBins(await numericColumns(scan.con, loadBinsSql(time, rows, fields)), fields);
}

/** A side's scan: rows normalized into DuckDB, clients numbered. */
async function openSide(side: DuckDbSideInput, role: string, options: DuckDbOptions): Promise<OpenScan> {
  // Notes name the side, as the TypeScript engine's warnings do (`warning: source FILE: …`).
  const named = `${role} ${side.inputs.join(', ')}`;
  const onNote = options.onNote && ((l: string) => options.onNote!(/^(warning|note): /.test(l) ? l.replace(/^(warning|note): /, (w) => `${w}${named}: `) : `${named}: ${l}`));
  const scan = await openScan(side.inputs, side.mapping, { ...options, onNote, format: side.format, texts: ['session_id'], hashIds: 'elsewhere', idDigits: true }).catch((err: unknown) => {
    // Which side had no accepted row: its files alone cannot say (a pattern expands to other
    // names; source and generated may be the same file), and its --rejects flags are per side.
    if (err instanceof NoAcceptedRowsError) err.side = role;
    throw err;
  });
  await scan.con.run('CREATE TEMP TABLE clients AS SELECT client, CAST(row_number() OVER (ORDER BY client) - 1 AS INTEGER) AS cid FROM (SELECT DISTINCT client FROM src_rows WHERE reason IS NULL)');
  return scan;
}

/**
 * `validate --engine duckdb`: the same report as validateTraces, with every side summarized in
 * embedded DuckDB (per client and as one aggregate stream; the source also by halves; generated
 * sides shifted by their `generator.start` and floored to the source's clock resolution).
 * `check` runs after each side's scan (the reject ratio), before any summary is computed.
 */
export async function validateWithDuckDB(
  source: DuckDbSideInput,
  generated: DuckDbSideInput,
  thresholds: Thresholds,
  options: DuckDbOptions & { arrivalSeconds?: number; baseline?: DuckDbSideInput; replay?: boolean; check?: (scan: DuckDbSideScan) => void | Promise<void>; prefixMaxRows?: number },
): Promise<{ report: FidelityReport; charts: ChartData }> {
  checkThresholds(thresholds);
  const W = options.arrivalSeconds ?? 600;
  const check = async (label: string, s: OpenScan) => {
    if (options.check) await options.check({ label, rowsRead: s.rowsRead, rejectsByReason: s.rejectsByReason, files: s.files, warning: await scanTimeWarning(s) });
  };
  // Source: its clock resolution from all its times (as the TypeScript engine), halves at mid-span;
  // moved by its generator.start when it was generated from the generated side's profile.
  const srcOffset = sourceOffset(await inputsMeta(source.inputs, source.mapping, source.format), await inputsMeta(generated.inputs, generated.mapping, generated.format));
  const src = await openSide(source, 'source', options);
  // The time before which the sides' prefix rows are read, when the source has more than the
  // DuckDB engine holds (withPrefix).
  let prefixCut: { start: number; end: number; span: string } | undefined;
  let res: number;
  // (alignTolerance: what the generated sides are floored to the source's clock with)
  let genTol = 0;
  let srcSide: Side;
  let srcFirst: number | undefined;
  try {
    await check('source', src);
    const times = (await numericColumns(src.con, `SELECT CAST(t - ${sqlDouble(src.origin)} AS DOUBLE) AS t FROM src_rows WHERE reason IS NULL ORDER BY t`)).t as Float64Array;
    const det = detectResolution(times);
    res = Math.max(1e-6, det.resolution);
    // As validateTraces: times on a fixed quantum put on their ticks, then shifted.
    const onClock = det.kind !== 'none';
    const tol = alignTolerance(res, det.kind);
    genTol = tol;
    const srcRel = onClock ? `floor(rel / ${sqlDouble(res)} + ${sqlDouble(tol)}) * ${sqlDouble(res)}` : 'rel';
    const srcTime = srcOffset === 0 ? srcRel : `(${srcRel} + ${sqlDouble(srcOffset)})`;
    const whole = await sideOf(src, 'source', { res, W, time: srcTime, where: 'true' });
    const sliced = await withPrefix(whole, source, 'source', options, { slice: true });
    // (on the axis the sides are compared on: the source's times moved by srcOffset)
    if (sliced) prefixCut = { start: sliced.start + srcOffset, end: sliced.end + srcOffset, span: sliced.span };
    srcSide = whole;
    if (times.length > 0) {
      // Split as splitHalves splits the shifted trace (the same arithmetic, so the same bits).
      const snapped = onClock ? times.map((t) => Math.floor(t / res + tol) * res) : times;
      const shifted = srcOffset === 0 ? snapped : snapped.map((t) => t + srcOffset);
      srcFirst = shifted[0];
      // (the span's start on the compared axis: a first time a hair past its tick is put on it,
      // so a generated request on that tick is in the span — found by review)
      if (prefixCut) prefixCut.start = Math.min(prefixCut.start, srcFirst);
      const mid = (shifted[0] + shifted[shifted.length - 1]) / 2;
      const below = lowerBound(shifted, mid);
      if (below >= 2 && times.length - below >= 2) {
        const a = await sideOf(src, 'a', { res, W, time: srcTime, where: `${srcTime} < CAST('${mid}' AS DOUBLE)` });
        const b = await sideOf(src, 'b', { res, W, time: srcTime, where: `${srcTime} >= CAST('${mid}' AS DOUBLE)` });
        srcSide = withHalfSides(whole, a, b);
      }
    }
  } finally {
    src.close();
  }
  const aligned = async (input: DuckDbSideInput, label: string, role: string, replay = false) => {
    const scan = await openSide(input, role, options);
    try {
      await check(role, scan);
      // --replay: its first request on the source's (firstRequestOffset, as validateTraces).
      const first = replay ? (await numericColumns(scan.con, `SELECT CAST(t - ${sqlDouble(scan.origin)} AS DOUBLE) AS t FROM src_rows WHERE reason IS NULL ORDER BY t LIMIT 1`)).t as Float64Array : undefined;
      // and the times' phases within a tick past it (replayPhaseBin's arithmetic, in SQL).
      const phases = first?.length && res > 1e-6 ? await replayPhaseCounts(scan, first[0], res) : undefined;
      const offset = first ? firstRequestOffset(srcFirst, first.length ? first[0] : undefined, res, phases) : (generatorHeader(scan.meta)?.start ?? 0);
      // alignTrace: shifted by the offset and floored to the source's clock.
      // Numbers as text cast to DOUBLE (sqlDouble): a 17-digit literal can convert one unit off
      // in the last place (a review found 11 in 2 000 random values), and a time on a tick
      // boundary would then floor differently than in the TypeScript engine.
      const shifted = `(rel + ${sqlDouble(offset)})`;
      const time = res > 1e-6 ? `floor(${shifted} / ${sqlDouble(res)} + ${sqlDouble(genTol)}) * ${sqlDouble(res)}` : offset === 0 ? 'rel' : shifted;
      const side = await sideOf(scan, label, { res, W, time, where: 'true' });
      if (prefixCut === undefined) await withPrefix(side, input, role, options);
      else {
        const since = prefixCut.start - offset;
        const before = prefixCut.end - offset;
        await withPrefix(side, input, role, options, { since, before, within: `the first ${prefixCut.span} the source's prefix metrics are judged on` });
        // (found by review: a generated side shorter than the source's span, or starting inside
        // it, was said to be judged on the whole span)
        const { a, b } = await numericColumns(scan.con, `SELECT CAST(min(t) - ${sqlDouble(scan.origin)} AS DOUBLE) AS a, CAST(max(t) - ${sqlDouble(scan.origin)} AS DOUBLE) AS b FROM src_rows WHERE reason IS NULL`);
        const lo = Math.max(a[0], since);
        const hi = Math.min(b[0], before);
        const covered = (hi - lo) / (before - since);
        if (side.prefix && covered < PREFIX_COVER) {
          // The source over the same part (its times on its own axis: the compared axis less
          // srcOffset), a cache cold at its start as the side's is: the source's whole slice
          // against a part of it compared different spans (an infinite cache's hits grow with them).
          const part = await prefixSideWithDuckDB(source.inputs, source.mapping, { ...options, onNote: undefined, format: source.format, maxRows: options.prefixMaxRows, since: lo + offset - srcOffset, before: hi + offset - srcOffset });
          if (part.side) side.prefixSource = part.side;
          side.prefixCover = `the ${role} side's requests cover ${(100 * Math.max(0, covered)).toFixed(0)} % of that span only (from ${(lo - since).toFixed(0)} s to ${(hi - since).toFixed(0)} s into it)${part.side ? ', and the source is judged over the same part' : ''}`;
        }
      }
      return { side, files: scan.files, offset };
    } finally {
      scan.close();
    }
  };
  const gen = await aligned(generated, 'generated', 'generated', options.replay);
  const base = options.baseline ? await aligned(options.baseline, 'naive baseline', 'baseline') : undefined;
  return compareSides({ side: srcSide, files: src.files, offset: srcOffset }, gen, base, res, replayThresholds(thresholds, options.replay), W);
}

/**
 * A generated side read before the source's cut may hold this many times the rows the source's
 * slice does (a draw's count over the span is noisy, a few per cent): judged up to it.
 */
const GENERATED_SLACK = 1.25;

/** A generated side covering less than this share of the source's prefix span says so (Side.prefixCover). */
const PREFIX_COVER = 0.9;

/**
 * The side's prefix-cache statistics (Side.prefix, as summarizeSide), from its rows with hash_ids
 * when it has any. `cut`: the source's, with `slice`, when it has more than the DuckDB engine
 * holds (its earliest rows, Side.prefixSpan); then each generated side's rows over the same
 * span (`since`, `before`, on the side's own axis: `within` names it), so both are judged over
 * one span.
 */
async function withPrefix(side: Side, input: DuckDbSideInput, role: string, options: DuckDbOptions & { prefixMaxRows?: number }, cut: { slice?: boolean; since?: number; before?: number; within?: string } = {}): Promise<{ start: number; end: number; span: string } | undefined> {
  if (input.mapping.columns.hash_ids === undefined) return undefined;
  const named = `${role} ${input.inputs.join(', ')}`;
  const onNote = options.onNote && ((l: string) => options.onNote!(l.replace(/^(warning|note): /, (w) => `${w}${named}: `)));
  const prefix = await prefixSideWithDuckDB(input.inputs, input.mapping, { ...options, onNote, format: input.format, maxRows: cut.before === undefined ? options.prefixMaxRows : Math.ceil((options.prefixMaxRows ?? PREFIX_MAX_ROWS) * GENERATED_SLACK), ...cut });
  if (prefix.side) side.prefix = prefix.side;
  if (prefix.unread) side.prefixUnread = prefix.unread;
  if (!prefix.sliced) return undefined;
  const { requests, of, max, span } = prefix.sliced;
  side.prefixSpan = `judged on the first ${span} of each side: the source's earliest ${requests} of ${of} requests with hash_ids (the DuckDB engine holds ${max})`;
  options.onNote?.(`note: ${named}: hash_ids: prefix-cache metrics ${side.prefixSpan}`);
  return { start: prefix.sliced.start, end: prefix.sliced.end, span };
}

/** replayPhases of a scan's accepted times (replayPhaseBin: the same double arithmetic, so the same bins). */
async function replayPhaseCounts(scan: OpenScan, first: number, res: number): Promise<Float64Array> {
  const x = `((CAST(t - ${sqlDouble(scan.origin)} AS DOUBLE) - ${sqlDouble(first)}) / ${sqlDouble(res)})`;
  const rows = await numericColumns(scan.con, `SELECT CAST(least(${REPLAY_PHASE_BINS - 1}, floor((${x} - floor(${x})) * ${REPLAY_PHASE_BINS})) AS DOUBLE) AS bin, CAST(count(*) AS DOUBLE) AS n FROM src_rows WHERE reason IS NULL GROUP BY 1`);
  const counts = new Float64Array(REPLAY_PHASE_BINS);
  for (let i = 0; i < rows.bin.length; i++) counts[rows.bin[i]] = rows.n[i];
  return counts;
}
