import { Option, type Command } from 'commander';
import { expandInputs, INPUT_FORMATS, inputFormatOf, type InputFormat } from '../io/input.js';
import { traceMeta } from '../summary/duckdb.js';
import { collectRejects, ingestFiles, type IngestResult } from '../ingest/ingest.js';
import { excludedRows, IngestError, noAcceptedRows, type NoAcceptedRowsError, type Reject } from '../ingest/errors.js';
import { wrongKindHint } from '../io/file-kind.js';
import { dropTexts, filterListText, keepTexts, readMapping, type Mapping } from '../ingest/mapping.js';
import { loadPreset } from '../ingest/presets.js';
import { writeFileAtomic } from '../io/atomic.js';
import { humanCount, type Reporter } from './progress.js';
import { flagNumber, RejectRatioError, UsageError } from './errors.js';

export interface IngestCliOptions {
  preset?: string;
  map?: string;
  format?: string;
  rejects?: string;
  maxRejectRatio?: string;
}

/** The reject handling of one ingest: where to write rejects, and the share that fails. */
export interface RejectOptions {
  rejects?: string;
  maxRejectRatio?: string;
  /** Flag prefix for messages (validate's `source`/`generated`). */
  prefix?: string;
}

/** Adds the shared ingest options (same code path for ingest, fit, validate, inspect). */
/**
 * The one-side spellings of the reading flags (`--preset`, `--map`, …), hidden, for a command
 * that takes them per side (`validate`, `capacity`): refused by refuseOneSide naming the per-side
 * ones. (`validate raw.csv gen.jsonl --preset …` was "unknown option '--preset'", found by review;
 * `capacity` still said so, found by a new user's walkthrough, h-77.)
 */
export function addOneSideSpellings(cmd: Command): void {
  for (const flag of ['preset', 'map', 'format', 'rejects', 'max-reject-ratio']) cmd.addOption(new Option(`--${flag} <value>`).hideHelp());
}

/** Refuses a one-side spelling (addOneSideSpellings) naming the per-side flags of `command`. */
export function refuseOneSide(opts: { preset?: string; map?: string; format?: string; rejects?: string; maxRejectRatio?: string }, command: string, generated: string): void {
  const oneSide = (['preset', 'map', 'format', 'rejects', 'maxRejectRatio'] as const).find((k) => opts[k] !== undefined);
  if (!oneSide) return;
  const flag = oneSide === 'maxRejectRatio' ? 'max-reject-ratio' : oneSide;
  throw new UsageError(`--${flag}: ${command} takes it per side: --source-${flag} for the source (raw logs), --generated-${flag} for ${generated}`);
}

export function addIngestOptions(cmd: Command, prefix = ''): Command {
  const p = prefix ? `${prefix}-` : '';
  return cmd
    .option(`--${p}preset <name>`, `mapping preset (servegen ingest --list-presets); without it and --${p}map: servegen, our own traces`)
    .option(`--${p}map <mapping.json>`, 'mapping file: canonical field → source column or dotted path')
    .option(`--${p}format <fmt>`, `input format: ${INPUT_FORMATS.join('|')} (default: from the file name)`)
    .option(`--${p}rejects <rejects.jsonl>`, 'write every rejected row (file, line, reason, field, original text)')
    .option(`--${p}max-reject-ratio <r>`, 'exit 1 (after writing rejects) when more rows than this share are rejected (0.05 or 5%)', '0.01');
}

/** Mapping from --preset or --map (exactly one; `fallback` preset when neither). */
/** Mappings used because no --preset/--map was given (their missing-column errors say so), with the flag prefix. */
const defaulted = new WeakMap<Mapping, string>();

export function mappingFrom(opts: { preset?: string; map?: string }, fallback?: string, flagPrefix = ''): Mapping {
  const p = flagPrefix ? `${flagPrefix}-` : '';
  if (opts.preset && opts.map) throw new UsageError(`give --${p}preset or --${p}map, not both`);
  if (opts.preset) return loadPreset(opts.preset);
  if (opts.map) return readMapping(opts.map);
  if (fallback) {
    const m = loadPreset(fallback);
    defaulted.set(m, p);
    return m;
  }
  throw new UsageError(`give --${p}preset NAME or --${p}map mapping.json (servegen ingest --list-presets lists presets)`);
}

export function parseFormat(text: string | undefined, flag = '--format'): InputFormat | undefined {
  if (text === undefined) return undefined;
  if (!(INPUT_FORMATS as readonly string[]).includes(text)) throw new UsageError(`${flag}: unknown input format ${JSON.stringify(text)}; use one of ${INPUT_FORMATS.join(', ')}`);
  return text as InputFormat;
}

export function parseRatio(text: string, prefix?: string): number {
  // "5%" is how people say a share (found by the README walkthrough: it was "expected a number").
  const pct = /^\s*([0-9.eE+-]+)\s*%\s*$/.exec(text);
  const v = pct ? flagNumber(pct[1]) / 100 : flagNumber(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0 || v > 1) throw new UsageError(`--${prefix ? `${prefix}-` : ''}max-reject-ratio: expected a share in [0, 1] (0.05) or a percentage (5%), got ${JSON.stringify(text)}`);
  return v;
}

/** Writes rejects as JSON lines (atomic). */
export function writeRejects(path: string, result: IngestResult): void {
  const lines = result.rejects.map((r) => JSON.stringify(r)).join('\n');
  writeFileAtomic(path, lines ? lines + '\n' : '');
}

/**
 * Runs ingest with progress on stderr, writes the rejects when asked, and fails (exit 1,
 * after writing them) when more than --max-reject-ratio of the rows were rejected. Every
 * command that reads raw inputs goes through here.
 */
export async function runIngest(inputs: string[], mapping: Mapping, format: InputFormat | undefined, rep: Reporter, rejects: RejectOptions = {}): Promise<IngestResult> {
  const ratio = parseRatio(rejects.maxRejectRatio ?? '0.01', rejects.prefix);
  const result = await ingestFiles({
    inputs,
    mapping,
    format,
    onProgress: (rows, file) => rep.progress(`ingest: ${humanCount(rows)} rows (${file})`),
  }).catch((err: unknown) => {
    throw withMappingHint(err, mapping);
  });
  notOursWithoutMapping(result.meta !== undefined, result.summary.files, mapping);
  if (rejects.rejects) {
    writeRejects(rejects.rejects, result);
    cappedRejectsNote(rejects.rejects, result.rejects.length, result.summary.rows_rejected - excludedRows(result.summary.rejects_by_reason), rep);
  }
  // Nothing to summarize, fit or inspect: an error (exit 2) whatever the ratio, as in the DuckDB engine.
  // With the first rejected row named, as a run stopped by the ratio does (found by a new user's
  // walkthrough: a wrong timestamp unit said only "all 400 rows rejected (bad_timestamp 400)").
  const excluded = excludedRows(result.summary.rejects_by_reason);
  if (result.summary.rows_accepted === 0) throw noAcceptedRows(result.summary.files, result.summary.rows_read, result.summary.rejects_by_reason, excluded === result.summary.rows_read ? excludedHint(mapping, result.excludedTexts) : `${rejects.rejects ? `; see ${rejects.rejects}` : ` (use --${rejects.prefix ? `${rejects.prefix}-` : ''}rejects to see them)`}${firstReject(result.rejects[0])}`);
  checkRejectRatio(result.summary.rows_rejected - excluded, result.summary.rows_read - excluded, ratio, rejects, result.rejects[0]);
  return result;
}

/**
 * A missing-column error for a mapping nobody chose (no --preset/--map: read as our own
 * trace format) says so, and what to give instead.
 */
export function withMappingHint(err: unknown, mapping: Mapping): unknown {
  if (!(err instanceof IngestError) || !/mapping names column/.test(err.message)) return err;
  // A profile's lines can read as JSON lines without a timestamp: say what the file is, whatever
  // the mapping (found by review: `fit profile.json --preset azure-llm-2023` said the preset's
  // columns were not in "the first row", naming an arrival window's keys).
  const hint = err.file === undefined ? undefined : wrongKindHint(err.file, 'trace');
  if (hint) return new IngestError(hint, err.file);
  const p = defaulted.get(mapping);
  if (p === undefined) return err;
  return new IngestError(`${err.message}; with no --${p}preset or --${p}map the input is read as a servegen trace: give --${p}preset NAME (servegen ingest --list-presets) or --${p}map mapping.json`, err.file, err.line, err.field);
}

/**
 * Inputs read with a mapping nobody chose must be our own traces (a servegen header): raw
 * logs that happen to have a `timestamp` column would otherwise be read wrongly (found by
 * review: Mooncake's millisecond times as seconds, no lengths, exit 0).
 * @throws IngestError naming the file and what to give.
 */
export function notOursWithoutMapping(ours: boolean, files: string[], mapping: Mapping): void {
  const p = defaulted.get(mapping);
  if (p === undefined || ours) return;
  // A profile or summaries file given as a trace: say what it is (found by review: `fit
  // profile.json` and `validate trace profile.json` said "give --preset").
  for (const f of files) {
    const hint = wrongKindHint(f, 'trace');
    if (hint) throw new IngestError(hint, f);
  }
  throw new IngestError(`${files.join(', ')}: not a servegen trace (no servegen header), and no --${p}preset or --${p}map was given: give --${p}preset NAME (servegen ingest --list-presets; --${p}preset servegen for a trace in that schema without a header) or --${p}map mapping.json`, files[0]);
}

/** The same check for the DuckDB engine, from the inputs' headers before the scan. */
export async function notOursWithoutMappingDuckdb(inputs: string[], mapping: Mapping, format: InputFormat | undefined): Promise<void> {
  if (!defaulted.has(mapping)) {
    // A profile or summaries file is no log whatever the mapping (found by review: with --preset
    // the DuckDB scan said "cannot read malformed JSON at line 1"). Missing files: the scan says so.
    let files: string[] = [];
    try {
      files = expandInputs(inputs);
    } catch {
      return;
    }
    for (const f of files) {
      const hint = wrongKindHint(f, 'trace');
      if (hint) throw new IngestError(hint, f);
    }
    return;
  }
  const files = expandInputs(inputs);
  const formats = files.map((f) => inputFormatOf(f, format, undefined) ?? 'csv');
  // Arrow and OTLP JSON are read by the TypeScript engine only: the DuckDB scan says so itself.
  if (formats.includes('arrow') || formats.includes('otlp-json')) return;
  const metas = await Promise.all(files.map((f, i) => traceMeta(f, formats[i])));
  notOursWithoutMapping(metas.some((m) => m.meta !== undefined), files, mapping);
}

/**
 * The first rejected row, by file, line and field, for a message that stops a run on rejects: a
 * batch job's log said only "33.33 % of rows rejected … (use --rejects to see them)", so finding
 * the bad row took a second run (found by a batch-job audit).
 */
export function firstReject(r: Reject | undefined): string {
  if (r === undefined) return '';
  const text = r.message.length > 200 ? `${r.message.slice(0, 200)}…` : r.message;
  return `; the first: ${r.file}:${r.line}: ${r.field && !text.startsWith(`${r.field}:`) ? `${r.field}: ` : ''}${text}`;
}

/** @throws RejectRatioError when rejected / read exceeds the ratio. */
export function checkRejectRatio(rejected: number, read: number, ratio: number, opts: RejectOptions, first?: Reject): void {
  const share = read > 0 ? rejected / read : 0;
  if (share <= ratio) return;
  const p = opts.prefix ? `${opts.prefix}-` : '';
  const hint = opts.rejects ? `; see ${opts.rejects}` : ` (use --${p}rejects to see them)`;
  throw new RejectRatioError(`${(100 * share).toFixed(2)} % of rows rejected (${rejected} of ${read}), above --${p}max-reject-ratio ${ratio}${hint}${firstReject(first)}`);
}

/** The one-line ingest summary, then its warnings (ingestWarnings) and oneClientNote's note. */
export function reportIngest(rep: Reporter, r: IngestResult, mapping: Mapping): void {
  rep.info(ingestLine(r));
  ingestWarnings(rep, r);
  const note = oneClientNote(r.summary.files, mapping);
  if (note) rep.info(note);
}

/**
 * Several files read with a mapping that maps no client_id are one client, `default` (found by
 * a new user's walkthrough: the Azure conv and code logs fitted together became one client
 * without a word). A mapping has no source for a row's file, so the way to a client per file is
 * a mapping per file, each ingested apart and the traces fitted together (their origins aligned).
 */
export function oneClientNote(files: readonly string[], mapping: Mapping): string | undefined {
  if (files.length < 2 || mapping.columns.client_id !== undefined) return undefined;
  return `note: the ${files.length} input files have no client column (the mapping maps no client_id): all their rows are one client, "default"; the mapping cannot name a row's file: for one client per file, ingest each with a mapping giving "client_id": {"const": "NAME"}, then fit the traces together (README, Mapping files)`;
}

/**
 * The summary `ingest --summary` writes: with oneClientNote's note among its `notes`, as printed
 * (the JSON had every other note but this one: a batch job reading it did not learn that its
 * files were read as one client; found by a new user's walkthrough, h-77).
 */
export function summaryJson<S extends { files: readonly string[]; notes?: string[] }>(summary: S, mapping: Mapping): string {
  const note = oneClientNote(summary.files, mapping);
  const out = note ? { ...summary, notes: [...(summary.notes ?? []), note.replace(/^note: /, '')] } : summary;
  return JSON.stringify(out, null, 2) + '\n';
}

/** One `warning:` line on stderr per warning of the ingest (the time axis looks wrong); not an error. */
export function ingestWarnings(rep: Reporter, r: IngestResult, label?: string): void {
  for (const w of r.summary.warnings ?? []) rep.info(`warning: ${label ? `${label}: ` : ''}${w}`);
  for (const n of r.summary.notes ?? []) rep.info(`note: ${label ? `${label}: ` : ''}${n}`);
}

/**
 * One-line ingest summary. A normalized trace's times are seconds from the origin in its header:
 * they said "(relative)", as if it had none, though the profile fitted from it keeps it (found by review).
 */
export function ingestLine(r: IngestResult): string {
  const s = r.summary;
  const ts = s.detected.timestamp;
  return `read ${s.rows_read} row${s.rows_read === 1 ? '' : 's'} from ${s.files.length} file(s): ${acceptedRejected(s.rows_accepted, s.rejects_by_reason)}; ${s.clients} client(s), span ${s.span_seconds.toFixed(1)} s, timestamps ${ts.unit}${ts.absolute ? `, origin ${s.origin}` : s.origin ? `, origin ${s.origin} (the trace's header)` : ' (relative)'}${ts.how === 'auto' ? ` [auto: ${ts.reason}]` : ''}${s.duplicate_request_ids ? `; ${s.duplicate_request_ids} duplicate request_id(s)` : ''}${s.sorted ? '' : '; rows were out of order and have been sorted'}`;
}


/**
 * "450 accepted, 2 rejected (bad_number 2)"; rows the mapping's filter excluded are said apart,
 * "450 accepted, 150 excluded by the mapping's filter, 0 rejected": they were counted as
 * "150 rejected (excluded 150)", which read as 150 bad rows in a clean log (found by review).
 * (The --summary JSON keeps them in rows_rejected, by reason: rows_read = accepted + rejected.)
 */
export function acceptedRejected(accepted: number, byReason: Partial<Record<string, number>>): string {
  const excluded = excludedRows(byReason);
  const rejects = Object.entries(byReason).filter(([k]) => k !== 'excluded');
  const rejected = rejects.reduce<number>((a, [, v]) => a + (v ?? 0), 0);
  return `${accepted} accepted, ${excluded ? `${excluded} excluded by the mapping's filter, ` : ''}${rejected} rejected${rejected ? ` (${rejects.map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`;
}

/** How summarize/fit --engine duckdb counted (docs/scale.md, "One pass"). */
const PASSES = {
  stream: 'one pass in input order',
  'table-stream': 'rows not in one-pass order (time origin or clock), or a CSV row with too few fields: read twice, then one pass',
  'sorted-stream': 'rows not in time order per client: read twice and sorted by time (slower)',
} as const;

/**
 * The DuckDB engines' reject handling: reports the counts on stderr, writes --rejects (below)
 * and applies --max-reject-ratio. Returns the rejected count.
 */
export async function duckdbRejects(
  r: { rowsRead: number; files: string[]; rejectsByReason: Partial<Record<string, number>>; pass?: 'stream' | 'table-stream' | 'sorted-stream' },
  opts: RejectOptions,
  rep: Reporter,
  source: RejectSource,
): Promise<number> {
  const rejected = Object.values(r.rejectsByReason).reduce<number>((a, b) => a + (b ?? 0), 0);
  const pass = r.pass ? `; ${PASSES[r.pass]}` : '';
  rep.info(`duckdb scan: read ${r.rowsRead} row${r.rowsRead === 1 ? '' : 's'} from ${r.files.length} file(s): ${acceptedRejected(r.rowsRead - rejected, r.rejectsByReason)}${pass}`);
  const note = oneClientNote(r.files, source.mapping);
  if (note) rep.info(note);
  if (opts.rejects) await writeDuckdbRejects(opts.rejects, r.files, r.rejectsByReason, source, rep);
  const excluded = excludedRows(r.rejectsByReason);
  checkRejectRatio(rejected - excluded, r.rowsRead - excluded, parseRatio(opts.maxRejectRatio ?? '0.01', opts.prefix), opts);
  return rejected;
}

/**
 * A DuckDB scan that found no accepted row (NoAcceptedRowsError): writes --rejects when asked,
 * then throws the error with the hint the TypeScript engine gives (where to see the rejects).
 */
export async function duckdbNoAcceptedRows(err: NoAcceptedRowsError, opts: RejectOptions, rep: Reporter, source: RejectSource): Promise<never> {
  if (err.rowsRead > 0 && opts.rejects) await writeDuckdbRejects(opts.rejects, err.files, err.rejectsByReason, source, rep);
  const p = opts.prefix ? `${opts.prefix}-` : '';
  throw noAcceptedRows(err.files, err.rowsRead, err.rejectsByReason, err.rowsRead === 0 ? '' : excludedRows(err.rejectsByReason) === err.rowsRead ? excludedHint(source.mapping) : opts.rejects ? `; see ${opts.rejects}` : ` (use --${p}rejects to see them)`);
}

/**
 * When the mapping's filter excluded every row: what it read and what it looked for, with the
 * first texts it read when the TypeScript engine read them — "POST//v1/chat/completions" against
 * "POST /v1/chat/completions" is a separator left at its default "/" (found by review: the
 * ingest --help example did just that), "Profiling" against "profiling" a case.
 */
export function excludedHint(mapping: Mapping, texts: readonly string[] = []): string {
  const f = mapping.columns.filter;
  const reads = `${JSON.stringify(f)}${Array.isArray(f) ? ` joined with ${JSON.stringify(mapping.separator)}` : ''}`;
  const seen = texts.map((t) => (t === '' ? 'blank' : JSON.stringify(t.length > 80 ? `${t.slice(0, 80)}…` : t))).join(', ');
  const list = mapping.drop !== undefined ? `drop is ${filterListText(dropTexts(mapping))}` : `keep is ${filterListText(keepTexts(mapping))}`;
  return `; columns.filter reads ${reads}${seen ? ` (the first texts read: ${seen})` : ''}, ${list}`;
}

/** How the DuckDB engine read an input: the same mapping and format give the same rejects in the TypeScript reader. */
export interface RejectSource {
  mapping: Mapping;
  format?: InputFormat;
}

/**
 * --rejects with the DuckDB engine: DuckDB counts rejects by reason in SQL but keeps neither
 * their lines nor their text, so the inputs are read again by the TypeScript engine's readers
 * (collectRejects: the same checks, keeping only rejected rows) when any row was rejected. The
 * two engines reject the same rows (tested); should their counts ever differ, the file holds
 * the TypeScript reader's rejects and a warning gives both counts.
 */
export async function writeDuckdbRejects(path: string, files: string[], counted: Partial<Record<string, number>>, source: RejectSource, rep: Reporter): Promise<void> {
  const total = Object.values(counted).reduce<number>((a, b) => a + (b ?? 0), 0);
  // (rows the mapping's filter excluded are not written: nothing to read again for them)
  const written = total - excludedRows(counted);
  if (written === 0) {
    writeFileAtomic(path, '');
    return;
  }
  rep.stage(`rejects: reading ${files.length === 1 ? files[0] : `${files.length} files`} again with the TypeScript reader for the ${written} rejected row${written === 1 ? '' : 's'} (DuckDB counts them, but keeps no lines or text)`);
  const t0 = performance.now();
  const list = (m: Partial<Record<string, number>>) => Object.entries(m).filter(([, v]) => v).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  const c = await collectRejects({ inputs: files, mapping: source.mapping, format: source.format, onProgress: (n) => rep.progress(`rejects: ${humanCount(n)} rows read`) }).catch((err: unknown) => {
    // An input DuckDB reads but the TypeScript reader refuses (CR-only line ends): its advice
    // to "read it with --engine duckdb" is what the user did; say why the reader ran at all.
    if (!(err instanceof IngestError)) throw err;
    throw new IngestError(
      `--rejects ${path}: the DuckDB scan counted ${total} rejected row${total === 1 ? '' : 's'} (${list(counted)}), but their lines and text come from the TypeScript reader, which cannot read the input: ${err.message.replace(/ or read it with --engine duckdb$/, '')}; or run without --rejects`,
      err.file,
      err.line,
      err.field,
    );
  });
  const lines = c.rejects.map((x) => JSON.stringify(x)).join('\n');
  writeFileAtomic(path, lines ? lines + '\n' : '');
  rep.info(`rejects: ${c.rejects.length} row${c.rejects.length === 1 ? '' : 's'} → ${path} (the input read again by the TypeScript reader for their lines and text: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const theirs = c.rejectsByReason as Partial<Record<string, number>>;
  const keys = new Set([...Object.keys(counted), ...Object.keys(theirs)]);
  if ([...keys].some((k) => (counted[k] ?? 0) !== (theirs[k] ?? 0))) {
    rep.info(`warning: --rejects ${path}: the TypeScript reader rejects ${list(theirs)} where the DuckDB scan counted ${list(counted)}; the file holds the TypeScript reader's rejects (the engines should agree: please report the input)`);
  }
  cappedRejectsNote(path, c.rejects.length, c.rejected - excludedRows(theirs), rep);
}

/** Both engines keep the first 1 000 000 rejected rows (TraceBuilder's maxRejectsKept): a file with fewer than were rejected says so. */
function cappedRejectsNote(path: string, kept: number, rejected: number, rep: Reporter): void {
  if (kept < rejected) rep.info(`note: --rejects ${path}: the first ${kept} of ${rejected} rejected rows written`);
}
