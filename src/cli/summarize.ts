import type { Command } from 'commander';
import { isSpecialOutput, writeFileAtomic } from '../io/atomic.js';
import { buildSummaries } from '../summary/build.js';
import { summariesJsonChunks } from '../summary/serialize.js';
import { addIngestOptions, duckdbNoAcceptedRows, duckdbRejects, mappingFrom, notOursWithoutMappingDuckdb, parseFormat, parseRatio, runIngest, type IngestCliOptions, type RejectOptions, type RejectSource, reportIngest } from './ingest-options.js';
import { humanCount, Reporter } from './progress.js';
import { checkResolution, positive, refuseClobber, UsageError, windowSeconds } from './errors.js';
import { existsSync, statSync } from 'node:fs';
import { expandInputs, type InputFormat } from '../io/input.js';
import type { Mapping } from '../ingest/mapping.js';
import { exportScanWithDuckDB, summarizeWithDuckDB } from '../summary/duckdb.js';
import { DuckDbReadError } from '../summary/duckdb-errors.js';
import { epochSeconds } from '../util/instant.js';
import { duckdb, duckdbAvailable, duckdbUnavailableReason } from '../summary/duckdb-module.js';
import { NoAcceptedRowsError } from '../ingest/errors.js';
import type { TraceSummaries } from '../summary/types.js';
import { poolSmallClients } from '../fit/fit-trace.js';
import { parseIsoSeconds } from '../ingest/timestamp.js';
import { timeAxisWarning } from '../ingest/time-axis.js';
import { rebaseToFirstSecond } from '../ingest/trace.js';
import { prefixSections } from '../fit/prefix.js';
import { sessionStats } from '../fit/sessions.js';
import { sessionStatsWithDuckDB, sessionsTooManyNote } from '../summary/duckdb-sessions.js';
import { withShare } from '../generate/prefix-section.js';
import type { PrefixSection } from '../profile/schema.js';
import { pooledPrefixTrace, pooledSliceRows, prefixRowsWithDuckDB, sayPrefixNotes, slicedNote, tooManyNote, type PrefixReadOptions } from '../summary/duckdb-prefix.js';
import type { DuckDbOptions } from '../summary/duckdb-types.js';

/** `servegen summarize`: the scan half of fit, for partitions (days, shards) fitted later together. */
export function registerSummarize(program: Command): void {
  const cmd = program
    .command('summarize')
    .description('Scan a trace (or raw logs) into mergeable window summaries (JSON, or with --engine duckdb a directory of Parquet); fit several with fit --summaries')
    .argument('<inputs...>', 'normalized trace(s), or raw logs with --preset/--map');
  addIngestOptions(cmd)
    .requiredOption('--out <summaries.json|dir>', 'summaries to write: a .json file, or (--engine duckdb) a new directory of Parquet results in the warehouse layout')
    .option('--window <seconds>', 'arrival window', '600')
    .option('--length-window <seconds>', 'length window', '21600')
    .option('--resolution <seconds>', 'clock resolution (default: detected; give the same value for every partition)')
    .option('--origin <time>', 'count times from this instant (ISO, or epoch seconds) instead of the first request: give every time partition the same one')
    .option('--engine <engine>', 'ts (default) | duckdb (the scan in embedded DuckDB, for large inputs) | auto (duckdb above 256 MB of input)', 'ts')
    .option('--duckdb-memory <size>', 'with --engine duckdb: DuckDB memory limit (e.g. 512MB); above it DuckDB spills to a temporary directory')
    .option('--quiet', 'no progress or summary on stderr')
    .addHelpText('after', '\nExamples:\n  $ servegen summarize shard-1.parquet --resolution 0.001 --out part-1.json\n  $ servegen summarize day-2.csv --preset azure-llm-2023 --origin 2023-11-16T00:00:00Z --out day-2.json\n  $ servegen summarize \'logs/*.parquet\' --map gw.json --engine duckdb --out scan-day-1/\n  $ servegen fit --summaries part-*.json scan-day-1/ --out profile.json\n')
    .action(async (inputs: string[], opts: IngestCliOptions & { out: string; window: string; lengthWindow: string; resolution?: string; origin?: string; engine: string; duckdbMemory?: string; quiet?: boolean }) => {
      const rep = new Reporter(Boolean(opts.quiet));
      refuseClobber([...inputs.map((f) => ['input', f] as const), ['--map', opts.map]], [['--out', opts.out], ['--rejects', opts.rejects]], ['--out'], ['--out']);
      const W = windowSeconds(opts.window, '--window');
      const L = windowSeconds(opts.lengthWindow, '--length-window');
      const resolution = opts.resolution !== undefined ? positive(opts.resolution, '--resolution') : undefined;
      checkResolution(resolution, W);
      const mapping = mappingFrom(opts, 'servegen');
      const origin = opts.origin !== undefined ? parseOrigin(opts.origin) : undefined;
      // A gzip name made a directory of Parquet named `part.json.gz` (found by review).
      if (/\.gz$/i.test(opts.out)) throw new UsageError(`--out ${opts.out}: summarize does not compress; give a .json file (or a directory with --engine duckdb)`);
      // /dev/stdout (a pipe, a device) is a file, as for every output: it was taken as a directory
      // and refused ("give a .json file"; found by a batch-job audit).
      if (!opts.out.endsWith('.json') && !isSpecialOutput(opts.out)) {
        // A directory: the warehouse layout in Parquet, written by DuckDB (docs/scale.md).
        // auto: a directory can only come from DuckDB.
        if (chooseEngine(inputs, opts.engine === 'auto' ? 'duckdb' : opts.engine) !== 'duckdb') throw new UsageError(`--out ${opts.out}: a directory of Parquet summaries is written by --engine duckdb; give a .json file for the TypeScript engine`);
        if (existsSync(opts.out)) throw new UsageError(`--out ${opts.out}: already exists; remove it or choose a new directory`);
        parseRatio(opts.maxRejectRatio ?? '0.01');
        await notOursWithoutMappingDuckdb(inputs, mapping, parseFormat(opts.format));
        const r = await exportScanWithDuckDB(inputs, mapping, opts.out, { arrivalSeconds: W, lengthSeconds: L, resolution, origin, format: parseFormat(opts.format), memoryLimit: opts.duckdbMemory, onStage: (t) => rep.stage(t), onNote: (l) => rep.info(l), beforeWrite: async (scan) => {
            await duckdbRejects(scan, opts, rep, { mapping, format: parseFormat(opts.format) });
          } }).catch((err: unknown) => {
          // Only DuckDB writes a directory: the TypeScript engine's way around is a .json file.
          if (err instanceof DuckDbReadError) throw new DuckDbReadError(err.message.includes('; --engine ts reads it') ? err.message.replace('; --engine ts reads it', '; --engine ts reads it (with --out FILE.json)') : `${err.message.split('; --engine ts')[0]}; --engine ts reads it (with --out FILE.json) and counts such rows as rejects`, err.file);
          if (err instanceof NoAcceptedRowsError) return duckdbNoAcceptedRows(err, opts, rep, { mapping, format: parseFormat(opts.format) });
          throw err;
        });
        if (r.warning) rep.info(`warning: ${r.warning}`);
        if (origin !== undefined) warnOriginAfterFirst(rep, origin, r.spanStart);
        // `--out scan/` printed "scan//" (found by review).
        const dir = opts.out.replace(/[/\\]+$/, '') || opts.out;
        // The requests summarized, as the .json path says it: "summarized 600 rows" counted the rows
        // read, the 150 a row filter excluded (and any rejected) among them (found by review).
        const accepted = r.rowsRead - Object.values(r.rejectsByReason).reduce<number>((a, b) => a + (b ?? 0), 0);
        rep.info(`summarized ${accepted} requests (of ${r.rowsRead} rows read) into ${r.windows} per-client arrival windows of ${W} s (clock resolution ${r.resolution} s) → ${dir}/ (Parquet; fit --summaries ${dir}/)`);
        return;
      }
      let sessionColumn = false;
      const s = await scanSummaries(inputs, mapping, parseFormat(opts.format), { arrivalSeconds: W, lengthSeconds: L, resolution, origin, memoryLimit: opts.duckdbMemory, onSessionColumn: () => (sessionColumn = true) }, opts.engine, rep, opts);
      if (origin !== undefined && s.arrivals.length > 0) warnOriginAfterFirst(rep, origin, s.span.start);
      writeFileAtomic(opts.out, summariesJsonChunks(s));
      rep.info(`summarized ${s.arrivals.reduce((a, b) => a + b.n, 0)} requests into ${s.arrivals.length} per-client arrival windows of ${W} s and ${s.lengths.length} per-client length windows of ${L} s (clock resolution ${s.resolution} s) → ${opts.out}`);
      if (sessionColumn) rep.info('note: the inputs have session ids, and summaries keep no session statistics (a profile fitted from them has none): fit the logs themselves for them (either engine)');
    });
}

/**
 * An --origin after the first request counts the earlier requests at negative seconds, and the
 * profile's span starts before its origin: said rather than done silently (found by review:
 * `--origin` of the wrong day gave windows at −6600 s without a word).
 */
function warnOriginAfterFirst(rep: Reporter, origin: number, spanStart: number): void {
  if (!(spanStart < 0)) return;
  const first = new Date(Math.round((origin + spanStart) * 1000)).toISOString();
  rep.info(`warning: --origin ${new Date(Math.round(origin * 1000)).toISOString()} is ${(-spanStart).toFixed(3)} s after the first request (${first}): earlier requests count at negative seconds; give every part an origin at or before its first request (the start of the first part)`);
}

/** `--engine ts|duckdb|auto` → the engine to use (`auto`: DuckDB above 256 MB of input). */
export function chooseEngine(inputs: string[], engine: string, rep?: Reporter): 'ts' | 'duckdb' {
  if (!['ts', 'duckdb', 'auto'].includes(engine)) throw new UsageError(`--engine: expected ts, duckdb or auto, got ${JSON.stringify(engine)}`);
  if (engine === 'duckdb') duckdb(); // where it cannot load, says so (exit 2) before any input is read
  if (engine !== 'auto') return engine as 'ts' | 'duckdb';
  const bytes = expandInputs(inputs).reduce((a, f) => a + statSync(f).size, 0);
  if (bytes <= AUTO_DUCKDB_BYTES) return 'ts';
  if (duckdbAvailable()) return 'duckdb';
  rep?.info(`note: the inputs hold ${(bytes / 2 ** 20).toFixed(0)} MB, above the 256 MB where --engine auto scans with DuckDB, but the package @duckdb/node-api ${duckdbUnavailableReason()}: scanning with the TypeScript engine (npm install @duckdb/node-api for the DuckDB engine)`);
  return 'ts';
}

/** Input size above which `--engine auto` scans with DuckDB (when it is installed). */
const AUTO_DUCKDB_BYTES = 256 * 1024 * 1024;

/**
 * Runs a DuckDB scan; with `--engine auto`, rows DuckDB's reader cannot split (a row with
 * another number of fields, bad quoting, bytes that are not UTF-8, malformed JSON) make it
 * say so and return false — the caller scans again with the TypeScript engine, which counts
 * such rows as rejects. With `--engine duckdb` the error stands (exit 2).
 */
export async function duckdbUnlessUnreadable(engine: string, rep: Reporter, scan: () => Promise<void>, rejects?: (err: NoAcceptedRowsError) => { opts: RejectOptions; source: RejectSource }): Promise<boolean> {
  try {
    await scan();
    return true;
  } catch (err) {
    // No accepted row: --rejects is written (rejects: the flags of the side the files are on).
    if (err instanceof NoAcceptedRowsError && rejects) {
      const side = rejects(err);
      await duckdbNoAcceptedRows(err, side.opts, rep, side.source);
    }
    if (engine !== 'auto' || !(err instanceof DuckDbReadError)) throw err;
    rep.info(`${err.message.split('; --engine ts')[0]}: scanning with the TypeScript engine instead (--engine auto)`);
    return false;
  }
}

/** The summary scan with the chosen engine (`auto`: DuckDB above 256 MB of input). */
export async function scanSummaries(
  inputs: string[],
  mapping: Mapping,
  format: InputFormat | undefined,
  opts: { arrivalSeconds: number; lengthSeconds: number; resolution?: number; origin?: number; firstSecond?: boolean; memoryLimit?: string; poolBelow?: number; onPooled?: (clients: number) => void; onSessionColumn?: () => void; onTimeAxisWarning?: (warning: string) => void; onPrefix?: (sections: Map<string, PrefixSection> | undefined) => void; onSessions?: (stats: Map<string, Record<string, unknown>> | undefined) => void },
  engine: string,
  rep: Reporter,
  rejects: RejectOptions = {},
): Promise<TraceSummaries> {
  if (chooseEngine(inputs, engine, rep) === 'duckdb') {
    parseRatio(rejects.maxRejectRatio ?? '0.01'); // a bad flag fails before the scan
    await notOursWithoutMappingDuckdb(inputs, mapping, format);
    let summaries: TraceSummaries | undefined;
    const done = await duckdbUnlessUnreadable(engine, rep, async () => {
      const r = await summarizeWithDuckDB(inputs, mapping, { ...opts, format, onStage: (t) => rep.stage(t), onNote: (l) => rep.info(l), onProgress: (n) => rep.progress(`duckdb: ${humanCount(n)} rows read in one pass`), ...(opts.onPrefix ? { hashIds: 'elsewhere' as const } : {}) });
      await duckdbRejects(r, rejects, rep, { mapping, format });
      // fit: the prefix model from the rows with hash_ids (a pass of their own), pooled as the scan pooled.
      if (opts.onPrefix) opts.onPrefix(await duckdbPrefixSections(inputs, mapping, { format, memoryLimit: opts.memoryLimit, firstSecond: opts.firstSecond, onStage: (t) => rep.stage(t), onNote: (l) => rep.info(l) }, opts.poolBelow, rep));
      // fit: session statistics from the accepted rows' clients, times, inputs and session ids (a pass of their own).
      if (opts.onSessions && r.sessionColumn) {
        const s = await sessionStatsWithDuckDB(inputs, mapping, { format, memoryLimit: opts.memoryLimit, firstSecond: opts.firstSecond, poolBelow: opts.poolBelow, lengthSeconds: opts.lengthSeconds, onStage: (t) => rep.stage(t) });
        if (s?.tooMany) rep.info(sessionsTooManyNote(s.tooMany));
        opts.onSessions(s?.stats);
      }
      if (r.warning) rep.info(`warning: ${r.warning}`);
      if (r.warning) opts.onTimeAxisWarning?.(r.warning);
      summaries = r.summaries;
      if (r.pooled > 0) opts.onPooled?.(r.pooled);
      if (r.sessionColumn) opts.onSessionColumn?.();
    }, () => ({ opts: rejects, source: { mapping, format } }));
    if (done) return summaries!;
  }
  const result = await runIngest(inputs, mapping, format, rep, rejects);
  reportIngest(rep, result, mapping);
  let trace = result.trace;
  if (opts.onTimeAxisWarning) {
    const axis = timeAxisWarning(trace.timestamp, trace.origin, mapping.timestamp?.marks === 'end');
    if (axis) opts.onTimeAxisWarning(axis);
  }
  if (opts.firstSecond) trace = rebaseToFirstSecond(trace);
  if (trace.texts.session_id !== undefined) opts.onSessionColumn?.();
  if (opts.poolBelow !== undefined && opts.poolBelow > 0) {
    const p = poolSmallClients(trace, opts.poolBelow);
    trace = p.trace;
    if (p.pooled > 0) opts.onPooled?.(p.pooled);
  }
  opts.onPrefix?.(prefixSections(trace));
  opts.onSessions?.(sessionStats(trace, opts.lengthSeconds));
  if (opts.origin !== undefined) {
    if (trace.origin === null) throw new UsageError('--origin: the timestamps are relative (no absolute time to count from)');
    // (to the nanosecond: a generated trace's origin has its --start's digits, as engine duckdb's originOf)
    const shift = epochSeconds(trace.origin) - opts.origin;
    const ts = new Float64Array(trace.n);
    for (let i = 0; i < trace.n; i++) ts[i] = trace.timestamp[i] + shift;
    trace = { ...trace, timestamp: ts, origin: new Date(opts.origin * 1000).toISOString() };
  }
  return buildSummaries(trace, opts);
}

/**
 * Per client, the prefix-reuse model of the inputs' rows with hash_ids read in embedded DuckDB
 * (prefixRowsWithDuckDB), small clients pooled below `poolBelow`; undefined without hash_ids.
 * Says what the TypeScript engine's ingest says of them (rows kept without ids, block sizes).
 */
export async function duckdbPrefixSections(inputs: string[], mapping: Mapping, options: DuckDbOptions & Pick<PrefixReadOptions, 'firstSecond' | 'maxRows'>, poolBelow: number | undefined, rep: Reporter): Promise<Map<string, PrefixSection> | undefined> {
  const rows = await prefixRowsWithDuckDB(inputs, mapping, { ...options, slice: true });
  if (!rows) return undefined;
  const trace = pooledPrefixTrace(rows, poolBelow);
  const sections = trace && prefixSections(trace);
  if (rows.tooMany) rep.info(slicedNote(rows, poolBelow, new Set(sections?.keys())) ?? tooManyNote(rows.tooMany, 'the profile has no prefix sections'));
  sayPrefixNotes(rows, (l) => rep.info(l));
  if (sections && rows.sliced) {
    // Generation gives ids to a client's share of requests: here the share before the slice's
    // end (its requests over the log's would be the share of a span it does not cover).
    const before = pooledSliceRows(rows, poolBelow);
    for (const [c, p] of sections) sections.set(c, withShare(p, p.requests / before.get(c)!));
  }
  return sections;
}

/** `--origin`: epoch seconds, or an ISO time (UTC unless it carries an offset). */
export function parseOrigin(text: string): number {
  const t = text.trim();
  let v = /^[+-]?\d+(\.\d+)?$/.test(t) ? Number(t) : NaN;
  // The ingest reader's ISO parser (found by review: Date.parse rolled 2023-02-30 over to
  // 2023-03-02, a day off without a word, and kept only milliseconds of 20:00:00.1234567).
  if (Number.isNaN(v) && /^\d{4}-\d{2}-\d{2}/.test(t)) v = parseIsoSeconds(t);
  // (and a time JavaScript can hold: ±8.64e12 s)
  if (!Number.isFinite(v) || Math.abs(v) > 8.64e12) throw new UsageError(`--origin: expected an ISO time or epoch seconds, got ${JSON.stringify(text)}`);
  return v;
}
