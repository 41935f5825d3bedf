import { otherCompression, utf16Kind } from '../io/binary-probe.js';
import { readHead, readTextHead } from '../io/file-kind.js';
import { closeSync, mkdirSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { DuckDBConnection, DuckDBDataChunk } from '@duckdb/node-api';
import { duckdb } from './duckdb-module.js';
import { compressionOf, expandInputs, formatFromName, formatReason, inputFormatOf, jsonLinesReadAsCsv, openByteStream, openRandomAccess, type InputFormat } from '../io/input.js';
import { delimiterHint, duplicateColumnError } from '../io/from-csv.js';
import { headerlessAmongShifted, IngestError, noAcceptedRows, originMismatch, originOffsets, originShift, refuseNewerTrace, REJECT_REASONS, sameOrigin, type RejectReason } from '../ingest/errors.js';
import { csvDelimiter, missingCoalesce, missingCoalesceError, missingCoalescePathsError, missingPathError, withoutHashIds, type FieldSource, type Mapping } from '../ingest/mapping.js';
import { detectResolution, RESOLUTION_SAMPLE } from './resolution.js';
import { poolClients } from './pool.js';
import { clientRaw, fieldSql, HASH_SPACE, hashIdsSpec, ident, idDigitsByText, ORIGIN_SHIFT, rowsSql, SQL_INT_FIELDS, summaryQueries } from './sql.js';
import { DEFAULT_BLOCK_TOKENS, NUMERIC_RE } from '../ingest/normalize.js';
import { detectNumericUnit, originIsoOf } from '../ingest/timestamp.js';
import { TEXT_FIELDS } from '../ingest/fields.js';
import { DISP_SCALES, MEM_LAGS, type AggregateBuckets, type ArrivalSummary, type DispKey, type LengthSummary, type TraceSummaries } from './types.js';
import type { DuckDbExportOptions, DuckDbExportResult, DuckDbOptions, DuckDbScanResult, DuckDbSummarizeOptions } from './duckdb-types.js';
export type { DuckDbExportOptions, DuckDbExportResult, DuckDbOptions, DuckDbScanResult, DuckDbSummarizeOptions } from './duckdb-types.js';
import { memFromSums } from './mem-terms.js';
import { EMPTY_COUNTS, PackedCounts } from './packed.js';
import { SummaryBuilder, SUMMARY_FIELDS, type RowChunk } from './build.js';
import { RowWidthError, streamSummarize } from './duckdb-stream.js';
import { defaultBuildWorkers, ParallelSummaryBuilder } from './parallel-build.js';
import { threadsSet } from '../util/worker.js';
import { JsonArraySplitter } from '../io/json-array.js';
import { didYouMean } from '../io/json-text.js';
import { checkCompressedInputs, checkJsonGrammar, duckdbReadError, DuckDbReadError } from './duckdb-errors.js';
import { sameBytesWarnings } from './duckdb-same-bytes.js';
import { fieldCountsFrom, withFieldCounts, type CsvFields } from './duckdb-csv-fields.js';
import { commitTemporary, discardTemporary, outputError, trackTemporary } from '../io/atomic.js';
import { mixedUnitWarning, OUTLIER_MAX_SHARE, OUTLIER_MIN_ROWS, timeAxisWarning } from '../ingest/time-axis.js';
import { epochSeconds } from '../util/instant.js';
import { ID_DIGIT_FIELDS, idDigitsWarnings } from '../ingest/id-digits.js';
import { idDigitsWithDuckDB } from './duckdb-id-digits.js';


/**
 * read_csv's comment option: '#' for our own traces' `# servegen:` lines, else none, said
 * explicitly: DuckDB's sniffer otherwise picks '#' on its own when a data row starts with one
 * (`#,a,1`), silently dropping those rows; and no rows skipped: the first line is the header,
 * as the TypeScript reader takes it (the sniffer skipped the header and the rows above a row
 * with more fields, taking that row for the header). Both found by the engines' fuzzer. (Our
 * own traces keep the sniffer's skip: after a BOM their first comment line is skipped so.)
 */
const commentOption = (ours: boolean) => (ours ? "comment = '#'" : "comment = '', skip = 0");

/** A date format no JSON value has (see fromClause). */
const NO_DATES = '%Y-%m-%d (servegen: strings are not dates)';

/** Our own traces' reads: leading comment lines per file, a JSON header line, the CSV delimiter, and each file's seconds after the earliest origin (originOffsets). */
interface Ours {
  comments?: number[];
  jsonHeader?: boolean;
  delim?: string;
  shifts?: number[];
  /** JSON lines read with these columns and types (DuckDB's sampled types otherwise): columnsAsJson. */
  columns?: [string, string][];
  /** Per file: whose hash_ids its rows' are (HASH_SPACE: 0 a log's, k the k-th of our own traces). */
  hashSpaces?: number[];
  /**
   * CSV rows that DuckDB cannot split are skipped (the id check: the TypeScript reader rejects
   * such rows before their ids are read); not in our own traces with `#` lines, which have none
   * and whose header DuckDB's sniffer then missed after a BOM (test/summary/duckdb-csv-bom.test.ts).
   */
  skipBadRows?: boolean;
}

function fromClause(files: string[], format: InputFormat, ours: Ours = {}): string {
  const byFile = ours.shifts !== undefined || ours.hashSpaces !== undefined;
  const read = readClause(files, format, { ...ours, shifts: undefined, hashSpaces: undefined }, byFile);
  if (!byFile) return read;
  // Each row's file (DuckDB's `filename`, the path as listed) gives its seconds after the
  // earliest origin, added to its time by rowsSql (NULL: none, the time as read), and whose
  // hash_ids its are (0: a log's).
  const perFile = (values: number[], sql: (x: number) => string, other: string) => {
    const set = files.map((f, i) => [f, values[i]] as const).filter(([, s]) => s !== 0);
    return set.length ? `CASE ${ident(SHIFT_FILE)} ${set.map(([f, s]) => `WHEN '${f.replace(/'/g, "''")}' THEN ${sql(s)}`).join(' ')} ELSE ${other} END` : other;
  };
  const columns = [
    ...(ours.shifts ? [`CAST(${perFile(ours.shifts, sqlDouble, 'NULL')} AS DOUBLE) AS ${ident(ORIGIN_SHIFT)}`] : []),
    ...(ours.hashSpaces ? [`CAST(${perFile(ours.hashSpaces, String, '0')} AS INTEGER) AS ${ident(HASH_SPACE)}`] : []),
  ];
  return `(SELECT * EXCLUDE (${ident(SHIFT_FILE)}), ${columns.join(', ')} FROM ${read} AS sg_files)`;
}

/** The column of each row's file while the shift is looked up (fromClause). */
const SHIFT_FILE = '__sg_file';

function readClause(files: string[], format: InputFormat, ours: Ours, withFile: boolean): string {
  const list = (fs: string[]) => `[${fs.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ')}]`;
  const filename = withFile ? `, filename = '${SHIFT_FILE}'` : '';
  // union_by_name: files whose columns differ (an optional column only in some) read as one.
  // Our own CSV traces' leading `# servegen:` lines are skipped as comments (DuckDB's `skip`
  // fails to sniff them), which cuts unquoted values at a '#' — our writer quotes them — so
  // only in files that have such lines: the others are read apart and unioned by name.
  const csv = (delim: string) => {
    const read = (fs: string[], comments: boolean) => `read_csv(${list(fs)}, header = true, all_varchar = true, delim = '${delim}', quote = '"', escape = '"', allow_quoted_nulls = false, union_by_name = true, ${commentOption(comments)}${ours.skipBadRows && !comments ? ', ignore_errors = true' : ''}${filename})`;
    const has = files.map((_, i) => (ours.comments?.[i] ?? 0) > 0);
    const groups = [true, false].map((c) => ({ comments: c, files: files.filter((_, i) => has[i] === c) })).filter((g) => g.files.length > 0);
    return groups.length === 1 ? read(files, groups[0].comments) : `(${groups.map((g) => `SELECT * FROM ${read(g.files, g.comments)}`).join(' UNION ALL BY NAME ')})`;
  };
  switch (format) {
    case 'csv':
      return csv((ours.delim ?? ',').replace(/'/g, "''"));
    case 'tsv':
      return csv('\t');
    case 'jsonl': {
      // Strings stay strings: DuckDB types a key whose sampled values look like dates as DATE or
      // TIMESTAMP, printing "2023-1-5" back as 2023-01-05 and refusing the file when a later value
      // does not fit ("2023-11-14" then "2023-11-14T22:13:50Z"); a format given (one no value has)
      // turns that detection off. Found by the engines' fuzzer.
      const sql = (s: string) => `'${s.replace(/'/g, "''")}'`;
      const columns = ours.columns ? `, columns = {${ours.columns.map(([c, t]) => `${sql(c)}: ${sql(t)}`).join(', ')}}` : '';
      const json = `read_json(${list(files)}, format = 'newline_delimited', union_by_name = true, dateformat = '${NO_DATES}', timestampformat = '${NO_DATES}'${columns}${filename})`;
      // Our own traces start with a {"servegen": …} header line: metadata, not a row.
      return ours.jsonHeader ? `(SELECT * EXCLUDE (servegen) FROM ${json} WHERE servegen IS NULL)` : json;
    }
    case 'parquet':
      return `read_parquet(${list(files)}, union_by_name = true${filename})`;
    case 'arrow':
      throw new IngestError('engine duckdb: Arrow IPC input is read by the TypeScript engine only (use --engine ts)');
    case 'otlp-json':
      throw new DuckDbReadError(otlpRefusal(files[0]), files[0]);
    default: {
      const never: never = format;
      throw new IngestError(`engine duckdb: unsupported format ${String(never)}`);
    }
  }
}

/** The rows of one file as the scan reads it (0 when DuckDB cannot read it alone: the scan's read names the problem). */
async function fileRows(con: DuckDBConnection, file: string, format: InputFormat, ours: Ours): Promise<number> {
  try {
    return num((await con.runAndReadAll(`SELECT count(*) FROM ${fromClause([file], format, ours)}`)).getColumnsJS()[0][0]);
  } catch {
    return 0;
  }
}

/**
 * The `servegen` metadata of our own traces (as the TypeScript readers find it): Parquet
 * key-value metadata, the jsonl header line, or `# servegen: {…}` lines before a CSV header.
 */
export async function traceMeta(file: string, format: InputFormat): Promise<{ meta?: Record<string, unknown>; comments: number }> {
  try {
    if (format === 'parquet') {
      const source = await openRandomAccess(file);
      try {
        const md = await (await import('hyparquet')).parquetMetadataAsync(source);
        const kv = md.key_value_metadata?.find((e) => e.key === 'servegen');
        return { meta: kv?.value ? (JSON.parse(kv.value) as Record<string, unknown>) : undefined, comments: 0 };
      } finally {
        source.close();
      }
    }
    if (format === 'arrow' || format === 'otlp-json') return { comments: 0 };
    // Enough of the head to hold the leading lines (a comment line may be long).
    let head = '';
    for await (const chunk of openByteStream(file)) {
      head += (chunk as Buffer).toString('utf8');
      if (head.length >= 65536 && (format === 'jsonl' ? head.includes('\n') : /(^|\n)[^#]/.test(head))) break;
    }
    if (format === 'jsonl') {
      const first = head.split('\n', 1)[0];
      const o = JSON.parse(first) as Record<string, unknown>;
      return { meta: o && typeof o.servegen === 'object' ? (o.servegen as Record<string, unknown>) : undefined, comments: 0 };
    }
    const meta: Record<string, unknown> = {};
    let comments = 0;
    // (a BOM at the file's start is not text: both engines' CSV readers drop it)
    for (const line of head.replace(/^\uFEFF/, '').split('\n')) {
      if (!line.startsWith('#')) break;
      comments++;
      const m = /^#\s*servegen:\s*(\{.*\})\s*$/.exec(line.replace(/\r$/, ''));
      try {
        if (m) Object.assign(meta, JSON.parse(m[1]) as Record<string, unknown>);
      } catch {
        // not our header: a comment, skipped as the TypeScript reader skips it
      }
    }
    return { meta: Object.keys(meta).length ? meta : undefined, comments };
  } catch {
    return { comments: 0 }; // not ours: read as any other file
  }
}

export const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : (v as number));

/**
 * A double as SQL: text cast to DOUBLE, which DuckDB parses correctly rounded (a 17-digit
 * literal is read as a DECIMAL and can convert one unit off in the last place).
 */
export const sqlDouble = (x: number): string => `CAST('${x}' AS DOUBLE)`;

/** Runs a query and returns its columns by name (columnar: much faster than row objects for millions of rows). */
async function columns(con: { runAndReadAll(sql: string): Promise<{ columnNames(): string[]; getColumnsJS(): unknown[][] }> }, sql: string): Promise<Record<string, unknown[]>> {
  const r = await con.runAndReadAll(sql);
  const names = r.columnNames();
  const cols = r.getColumnsJS();
  return Object.fromEntries(names.map((n, i) => [n, cols[i]]));
}

/**
 * Runs a query whose columns are all INTEGER or DOUBLE and copies its chunks into typed
 * arrays (the vectors' own buffers are copied, no JS value per cell): millions of histogram
 * rows come back in a fraction of the time getColumnsJS takes. NULLs become NaN.
 */
export async function numericColumns(con: DuckDBConnection, sql: string): Promise<Record<string, Float64Array | Int32Array>> {
  // A materialized result read chunk by chunk: streaming results (con.stream) of UNION ALL
  // queries were seen to never deliver their first chunk with @duckdb/node-api 1.5.
  const result = await con.run(sql);
  const names = result.columnNames();
  const types = result.columnTypes().map((t) => t.typeId);
  const { DuckDBTypeId } = duckdb();
  const parts: (Float64Array | Int32Array)[][] = names.map(() => []);
  let rows = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const n = chunk.rowCount;
    for (let c = 0; c < names.length; c++) {
      const v = chunk.getColumnVector(c) as unknown as { items: Float64Array | Int32Array; getItem(i: number): unknown };
      if (types[c] !== DuckDBTypeId.INTEGER && types[c] !== DuckDBTypeId.DOUBLE) throw new Error(`numericColumns: column ${names[c]} is not INTEGER or DOUBLE`);
      const copy = v.items.slice(0, n);
      // NULLs (validity) only in DOUBLE columns here: mark them.
      if (copy instanceof Float64Array) for (let i = 0; i < n; i++) if (v.getItem(i) === null) copy[i] = NaN;
      parts[c].push(copy);
    }
    rows += n;
  }
  const out: Record<string, Float64Array | Int32Array> = {};
  names.forEach((name, c) => {
    const col = types[c] === DuckDBTypeId.INTEGER ? new Int32Array(rows) : new Float64Array(rows);
    let at = 0;
    for (const p of parts[c]) {
      col.set(p, at);
      at += p.length;
    }
    out[name] = col;
  });
  return out;
}

/** Inputs read and normalized into DuckDB's `src_rows` table, rejects counted. */
export interface OpenScan {
  con: DuckDBConnection;
  /** Another connection to the same database (queries on it run alongside `con`'s). */
  connect(): Promise<DuckDBConnection>;
  /** Reports a stage with the time since the scan started. */
  stage(text: string): void;
  /** Closes the connection and the database, releasing DuckDB's memory (idempotent). */
  close(): void;
  files: string[];
  mapping: Mapping;
  /** Integer fields summarized (SQL_INT_FIELDS that are mapped and present). */
  present: (typeof SQL_INT_FIELDS)[number][];
  rowsRead: number;
  rejectsByReason: Partial<Record<RejectReason, number>>;
  absolute: boolean;
  /** Seconds subtracted from every time (0 for relative times). */
  origin: number;
  /** ISO time of t = 0 after subtracting `origin`, or null (relative times, no metadata). */
  originIso: string | null;
  /** `servegen` metadata of our own traces (first file that has it). */
  meta?: Record<string, unknown>;
  /** With `timestamp.unit: auto`: what it decided (Source.autoTimestamp). */
  autoTimestamp?: AutoTimestamp;
  /** Source.hashIds: `src_rows` has their values as JSON text (`hash_raw`). */
  hashIds?: Source['hashIds'];
  /** Source.idDigits. */
  idDigits?: string[];
  /** Source.sameBytes. */
  sameBytes?: string[];
}

/** A DuckDB memory limit such as `512MB` or `2GiB`. @throws IngestError otherwise. */
export function parseMemoryLimit(text: string): string {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$/i.exec(text);
  if (!m) throw new IngestError(`--duckdb-memory: expected a size like 512MB or 2GiB, got ${JSON.stringify(text)}`);
  return `${m[1]}${m[2]}`;
}


/** Inputs opened in embedded DuckDB: the FROM clause and the mapping applied to it (nothing read yet but column names). */
export interface Source {
  con: DuckDBConnection;
  /** Another connection to the same database (queries on it run alongside `con`'s). */
  connect(): Promise<DuckDBConnection>;
  stage(text: string): void;
  close(): void;
  files: string[];
  /** The inputs as a relation, for rowsSql. */
  from: string;
  dotted: boolean;
  /** Source columns typed as numbers (`json`: typed as JSON, values of mixed types; `clientMissing`: see TypedColumns). */
  numericSource: Set<string> & { json?: Set<string>; clientMissing?: boolean; blob?: Set<string>; fieldCounts?: boolean; shifted?: boolean; hashSpaces?: boolean };
  /** The mapping with optional fields whose columns are missing dropped. */
  mapping: Mapping;
  /** Integer fields summarized (SQL_INT_FIELDS that are mapped and present). */
  present: (typeof SQL_INT_FIELDS)[number][];
  meta?: Record<string, unknown>;
  /** With `timestamp.unit: auto`: the unit decided (now in `mapping`), why, and the mixed-magnitude warning. */
  autoTimestamp?: AutoTimestamp;
  /** CSV inputs: how to read them with their rows' field counts (src/summary/duckdb-csv-fields.ts). */
  fields?: CsvFields;
  /** With DuckDbOptions.idDigits: the warnings of ids whose digits were lost (idDigitsWarnings), when any. */
  idDigits?: string[];
  /** With DuckDbOptions.idDigits: the warnings of inputs holding another input's bytes (sameBytesWarnings), when any. */
  sameBytes?: string[];
  /**
   * With DuckDbOptions.idDigits `client-later`: the client column's ids are yet to be checked;
   * this reads the inputs for them (and says the warning, adding it to idDigits). The one pass
   * calls it when one of the column's distinct texts is in exponent form past 2^53.
   */
  clientIdDigits?: () => Promise<void>;
  /**
   * With options.hashIds 'read': the mapped hash_ids source, the blocks' tokens (mapping, trace
   * header or 512), whether rows are decoded values (Parquet), not text, whether `hash_raw` is
   * JSON text (not a CSV cell's own: hashIdsJsonSql), and whether rows carry `hash_space`
   * beside it (several of our own traces: HASH_SPACE, read with hashSpaceKey).
   */
  hashIds?: { src: FieldSource; blockTokens: number; decoded: boolean; json: boolean; spaces: boolean };
}

/** The source read with its rows' field counts from now on (some row has another number of fields). */
export function useFieldCounts(src: Pick<Source, 'fields' | 'from' | 'numericSource'>): void {
  src.from = fieldCountsFrom(src.fields!);
  src.numericSource.fieldCounts = true;
}

/** What `timestamp.unit: auto` decided on the DuckDB side (the TypeScript engine's detected.timestamp). */
export interface AutoTimestamp {
  unit: 'iso' | 's' | 'ms' | 'us' | 'ns';
  reason: string;
  warning?: string;
}

/**
 * `timestamp.unit: auto` decided as the TypeScript engine decides it (normalize.ts): the first
 * non-blank timestamp in input order says numbers or date-time strings; numbers take their
 * unit from the largest magnitude among the accepted rows (detectNumericUnit), with the same
 * mixed-magnitude warning. Numbers cost one more read of the inputs: of a CSV, with its rows'
 * field counts (the accepted rows are those the TypeScript engine accepts), which sets `fields.found`.
 */
async function autoUnit(con: DuckDBConnection, from: string, mapping: Mapping, dotted: boolean, numericSource: Set<string> & { json?: Set<string> }, fields?: CsvFields): Promise<AutoTimestamp> {
  const text = fieldSql(mapping.columns.timestamp!, dotted, mapping.separator, undefined, numericSource);
  await con.run('SET preserve_insertion_order = true');
  let first: unknown;
  try {
    first = (await con.runAndReadAll(`SELECT x FROM (SELECT ${text} AS x FROM ${from} AS src_in) AS sg_ts WHERE x IS NOT NULL LIMIT 1`)).getColumnsJS()[0]?.[0];
  } finally {
    await con.run('SET preserve_insertion_order = false');
  }
  // A column typed as numbers is numbers whatever its first value (NaN, Infinity: rejected
  // rows, as the TypeScript engine reads a typed number).
  const col = mapping.columns.timestamp;
  const typedNumber = typeof col === 'string' && (!dotted || !col.includes('.')) && numericSource.has(col);
  if (first !== undefined && first !== null && !typedNumber && !NUMERIC_RE.test(String(first))) return { unit: 'iso', reason: 'date-time strings' };
  // Read as seconds (unit s: the values as they are), the accepted rows' magnitudes (end times
  // as the log holds them, before a duration is subtracted: the TypeScript engine's too).
  const asIs: Mapping = { ...mapping, timestamp: { ...mapping.timestamp, unit: 's' } };
  const classes = MAGNITUDE_LIMITS.map((lo, i) => `CAST(count(*) FILTER (WHERE a >= ${lo}${i > 0 ? ` AND a < ${MAGNITUDE_LIMITS[i - 1]}` : ''}) AS DOUBLE)`).join(', ');
  // (a: NULL for a rejected row, which no aggregate of it counts)
  const magnitudes = (rows: string) =>
    `SELECT CAST(coalesce(max(a), 0) AS DOUBLE), ${classes}, CAST(count(*) FILTER (WHERE a < ${MAGNITUDE_LIMITS[MAGNITUDE_LIMITS.length - 1]}) AS DOUBLE), CAST(count(*) FILTER (WHERE w) AS DOUBLE) FROM (SELECT CASE WHEN reason IS NULL THEN abs(t) END AS a, reason = 'wrong_column_count' AS w FROM (${rows}) AS sg_rows) AS sg_a`;
  const counted = fields && fields.found === undefined ? Object.assign(new Set(numericSource), numericSource, { fieldCounts: true }) : undefined;
  const row = (
    counted
      ? await withFieldCounts(fields!, async (csv) => (await con.runAndReadAll(magnitudes(rowsSql(csv, asIs, dotted, undefined, counted, [], { endTimes: true })))).getRows()[0])
      : (await con.runAndReadAll(magnitudes(rowsSql(from, asIs, dotted, undefined, numericSource, [], { endTimes: true })))).getRows()[0]
  ).map(Number);
  if (counted) fields!.found = row[row.length - 1] > 0;
  const d = detectNumericUnit(row[0]);
  return { unit: d.unit, reason: d.reason, warning: mixedUnitWarning(row.slice(1, -1), d.unit) ?? undefined };
}

/** Lower bounds of magnitudeCounts' classes but the last (epoch ns, µs, ms, s; below: relative). */
const MAGNITUDE_LIMITS = [1e17, 1e14, 1e11, 1e8];

/**
 * The `servegen` metadata of the inputs (our own traces), read from headers only: the first
 * input's that has it, or of traces counting from different origins the earliest's (the
 * trace's, as openSource and the TypeScript engine take it).
 */
export async function inputsMeta(inputs: string[], mapping: Mapping, format?: InputFormat): Promise<Record<string, unknown> | undefined> {
  const metas: (Record<string, unknown> | undefined)[] = [];
  for (const f of expandInputs(inputs)) {
    const fmt = inputFormatOf(f, format, mapping.format);
    if (!fmt) return undefined; // openSource names the problem
    const m = (await traceMeta(f, fmt)).meta;
    refuseNewerTrace(f, m);
    metas.push(m);
  }
  const offsets = originOffsets(metas);
  return offsets ? metas[offsets.earliest] : metas.find((m) => m !== undefined);
}

/** Source columns (or dotted paths) a mapping reads. */
/** DuckDB column types read as numbers. */
const NUMERIC_TYPE = /^(DOUBLE|FLOAT|REAL|(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?)|DECIMAL.*)$/;
/** Number types whose text DuckDB prints otherwise than JavaScript prints the double the TypeScript reader makes (TypedColumns.inexact). */
// (a DECIMAL of scale 0 is whole: both engines read its every digit, parquet-flat.ts wholeDecimal)
const INEXACT_TYPE = /^(FLOAT|REAL|DECIMAL\(\d+, ?[1-9]\d*\))$/;

function mappedSpecs(mapping: Mapping): string[] {
  return Object.values(mapping.columns).flatMap((src) => (typeof src === 'string' ? [src] : Array.isArray(src) ? src : 'coalesce' in src ? src.coalesce : 'length' in src ? [src.length] : []));
}

/** Whether a column of DuckDB type `type` has every key of `path` (by name, in its nested struct type). */
function structHasPath(type: string, path: string[]): boolean {
  return path.every((key) => new RegExp(`(^|[(,]\\s*)"?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\\s`).test(type));
}

/**
 * A dotted path into a MAP column (a Parquet map, as Langfuse's blob export writes
 * `usage_details`): DuckDB's reads of a path are struct field accesses, which a MAP has not, so
 * the path looked absent from every row and a required field was refused as a typo. Refused by
 * name instead (exit 2; `--engine auto` reads the file with the TypeScript engine, which reads a
 * MAP as an object of its keys).
 */
function mapPathError(files: readonly string[], spec: string, type: string | undefined, path: string[]): DuckDbReadError | undefined {
  if (path.length === 0 || type === undefined || !type.includes('MAP(') || structHasPath(type, path)) return undefined;
  const col = spec.split('.')[0];
  return new DuckDbReadError(`${files.join(', ')}: mapping reads ${JSON.stringify(spec)} inside column ${JSON.stringify(col)} of type ${type}, a map, which engine duckdb does not read by a dotted path; --engine ts reads it (a map as an object of its keys)`, files[0]);
}

/** Top-level source columns a mapping reads (JSON-like inputs: the first segment of a dotted path). */
/** The columns of the mapping's required fields (plain, joined and length sources; not coalesce), in field order. */
function requiredSpecs(mapping: Mapping): string[] {
  const out: string[] = [];
  for (const [field, src] of Object.entries(mapping.columns)) {
    if (src === undefined || mapping.optional.includes(field as never)) continue;
    if (typeof src === 'string') out.push(src);
    else if (Array.isArray(src)) out.push(...src);
    else if ('length' in src) out.push(src.length);
  }
  return out;
}

function mappedTop(mapping: Mapping): Set<string> {
  return new Set(mappedSpecs(mapping).map((c) => c.split('.')[0]));
}

/**
 * DuckDB reads JSON lines as one `json` column when the files have no object at all (empty
 * files) or some line that is not an object (an array, a string, a number, null): the same
 * "no data rows" as the TypeScript engine for the first, and for the second an error naming
 * the file that points to --engine ts, which counts such lines as unparseable_line.
 * @throws IngestError always
 */
async function notRecords(con: DuckDBConnection, files: string[]): Promise<never> {
  const count = async (fs: string[]) => num((await con.runAndReadAll(`SELECT count(*) FROM ${fromClause(fs, 'jsonl')}`)).getColumnsJS()[0][0]);
  if ((await count(files)) === 0) throw noAcceptedRows(files, 0, {});
  let file = files[0];
  if (files.length > 1) {
    for (const f of files) {
      const d = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${fromClause([f], 'jsonl')}`)).getRowObjectsJS();
      if (d.length === 1 && d[0].column_name === 'json' && (await count([f])) > 0) {
        file = f;
        break;
      }
    }
  }
  throw new DuckDbReadError(`${file}: engine duckdb cannot read lines that are not JSON objects (arrays, strings, numbers, null); --engine ts reads it and counts such rows as rejects (unparseable_line)`, file);
}

/**
 * Dotted specs whose path reaches a value typed JSON (JSON lines whose values mix types: an
 * object in one row and a string in another, or a number here and a string there), with the
 * index of the first such segment (TypedColumns.jsonPaths). A path into a struct that lacks a
 * key is left out (the caller finds it missing).
 */
async function jsonPaths(con: DuckDBConnection, from: string, mapping: Mapping, types: Map<string, string>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const spec of new Set(mappedSpecs(mapping))) {
    const parts = spec.split('.');
    // (a struct type with no JSON inside needs no look: DESCRIBE samples JSON lines again)
    if (parts.length < 2 || !types.get(parts[0])?.includes('JSON')) continue;
    let type = types.get(parts[0]);
    for (let k = 0; k < parts.length; k++) {
      if (k > 0) {
        try {
          type = String((await con.runAndReadAll(`DESCRIBE SELECT ${parts.slice(0, k + 1).map((p) => `"${p.replace(/"/g, '""')}"`).join('.')} FROM ${from} AS src_in`)).getRowObjectsJS()[0].column_type);
        } catch {
          break; // not a field of the struct: missing
        }
      }
      if (type === 'JSON') {
        out.set(spec, k);
        break;
      }
      if (!type?.startsWith('STRUCT(')) break;
    }
  }
  return out;
}

/**
 * JSON lines' columns and types with the hash_ids column (or the struct field at its path) typed
 * JSON, for the prefix pass (duckdb-prefix.ts), and each column (or struct field) of a value read
 * as text (`ids`: idSpecs) that DuckDB typed as a number; undefined when none is to change.
 * DuckDB types a list by its sampled values, DOUBLE[] when some row holds a fraction, an
 * exponent or an integer past 64 bits: to_json then printed every row's 64-bit ids rounded (kept
 * without ids, as bad) where the TypeScript engine reads their digits (found by review: one
 * `[1.5]` row lost the ids of every row). JSON keeps each value's own digits: a number column of
 * ids read through DOUBLE (as JSON.parse read it) merged 64-bit ids one apart, and one typed
 * DOUBLE (a row holds 1.5) holds no digits to read at all (sql.ts jsonIdText reads them).
 */
async function columnsAsJson(con: DuckDBConnection, files: string[], hashSrc: FieldSource | undefined, ids: string[]): Promise<[string, string][] | undefined> {
  const hashSpec = hashSrc === undefined ? undefined : hashIdsSpec(hashSrc);
  if (hashSpec === undefined && ids.length === 0) return undefined;
  // (`numbers`: only a leaf typed as a number; hash_ids whatever their type)
  const jsonAt = (type: string, p: string[], numbers: boolean): string => {
    if (p.length === 0) return numbers && !NUMERIC_TYPE.test(type) ? type : 'JSON';
    const fields = structFields(type);
    if (!fields?.has(p[0])) return type; // (a path no row has: said missing as without this)
    return `STRUCT(${[...fields].map(([n, t]) => `${ident(n)} ${n === p[0] ? jsonAt(t, p.slice(1), numbers) : t}`).join(', ')})`;
  };
  const described = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${readClause(files, 'jsonl', {}, false)}`)).getRowObjectsJS() as { column_name: unknown; column_type: unknown }[];
  const columns = described.map((r): [string, string] => [String(r.column_name), String(r.column_type)]);
  let changed = false;
  const retype = (spec: string, numbers: boolean) => {
    const [top, ...path] = spec.split('.');
    const at = columns.findIndex(([c]) => c === top);
    if (at < 0) return;
    const json = jsonAt(columns[at][1], path, numbers);
    if (json === columns[at][1]) return;
    columns[at] = [top, json];
    changed = true;
  };
  if (hashSpec !== undefined) retype(hashSpec, false);
  for (const spec of ids) retype(spec, true);
  return changed ? columns : undefined;
}

/**
 * The source specs of the values read as text: the client, model, session and request ids and
 * the row filter (their JSON numbers past 2^53 keep their digits: TypedColumns.exactIds).
 */
function idSpecs(mapping: Mapping): string[] {
  const out: string[] = [];
  for (const field of ['client_id', ...TEXT_FIELDS, 'filter'] as const) {
    const src = mapping.columns[field];
    if (src === undefined) continue;
    out.push(...(typeof src === 'string' ? [src] : Array.isArray(src) ? src : 'coalesce' in src ? src.coalesce : []));
  }
  return [...new Set(out)];
}

/**
 * The fields of a DuckDB STRUCT type as DESCRIBE writes it (`STRUCT(who BLOB, "a b" DOUBLE,
 * inner STRUCT(x BIGINT))`): name → type; undefined when `type` is not a struct.
 */
export function structFields(type: string): Map<string, string> | undefined {
  if (!type.startsWith('STRUCT(') || !type.endsWith(')')) return undefined;
  const body = type.slice(7, -1);
  const out = new Map<string, string>();
  let i = 0;
  while (i < body.length) {
    while (body[i] === ' ') i++;
    let name = '';
    if (body[i] === '"') {
      for (i++; i < body.length; i++) {
        if (body[i] === '"' && body[i + 1] === '"') (name += '"'), i++;
        else if (body[i] === '"') break;
        else name += body[i];
      }
      i++;
    } else {
      while (i < body.length && body[i] !== ' ') name += body[i++];
    }
    i++; // the space before the type
    let depth = 0;
    const from = i;
    for (; i < body.length; i++) {
      if (body[i] === '(') depth++;
      else if (body[i] === ')') depth--;
      else if (body[i] === '"') while (++i < body.length && body[i] !== '"');
      else if (body[i] === ',' && depth === 0) break;
    }
    out.set(name, body.slice(from, i).trim());
    i++; // the comma
  }
  return out;
}

/**
 * The type of each mapped dotted path into STRUCT columns (Parquet groups, JSON objects DuckDB
 * typed as structs), from the columns' types: `meta.n` → DOUBLE. The leaves read as text need
 * the TypeScript engine's spelling (numbers as JavaScript prints them: `2`, not DuckDB's `2.0`;
 * BLOB bytes decoded as UTF-8), as top-level columns get. Paths through JSON-typed values
 * (jsonPaths) or to fields a struct lacks are left out.
 */
function structLeafTypes(mapping: Mapping, types: Map<string, string>, json: Map<string, number>): Map<string, string> {
  const out = new Map<string, string>();
  for (const spec of new Set(mappedSpecs(mapping))) {
    const parts = spec.split('.');
    if (parts.length < 2 || json.has(spec)) continue;
    let type = types.get(parts[0]);
    for (let k = 1; k < parts.length && type !== undefined; k++) {
      const fields = structFields(type);
      // DuckDB finds struct fields case-insensitively (names differing only in case cannot share a struct).
      type = fields?.get(parts[k]) ?? [...(fields ?? [])].find(([n]) => n.toLowerCase() === parts[k].toLowerCase())?.[1];
    }
    if (type !== undefined) out.set(spec, type);
  }
  return out;
}

/**
 * A duration (`"marks": "end"`) read from an INTERVAL column (a Parquet `end - start`) is no
 * number: DuckDB rejected every row as bad_duration without saying why, and the TypeScript
 * engine's Parquet reader cannot decode INTERVAL at all. @throws IngestError naming the column.
 */
function intervalDuration(mapping: Mapping, dotted: boolean, types: Map<string, string>, leaves: Map<string, string>, files: string[]): void {
  const src = mapping.columns.duration;
  if (mapping.timestamp?.marks !== 'end' || typeof src !== 'string') return;
  if (!/^INTERVAL/.test((dotted && src.includes('.') ? leaves.get(src) : types.get(src)) ?? '')) return;
  throw new IngestError(`${files.join(', ')}: columns.duration ${JSON.stringify(src)} is an INTERVAL column, not a number: write it as a number (seconds: epoch(${src}); or milliseconds, with the matching duration_unit) before ingest (the TypeScript engine cannot read INTERVAL either)`, files[0], undefined, 'duration');
}

/**
 * Opens the inputs in a new embedded DuckDB: format, our own traces' metadata, the columns
 * the mapping names (a missing required column is an error here, before anything is read).
 * The caller closes it.
 */
/** Whether a file starts with Parquet's magic bytes. */
function startsWithPar1(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(4);
    return readSync(fd, b, 0, 4, 0) === 4 && b.toString('latin1') === 'PAR1';
  } finally {
    closeSync(fd);
  }
}

export async function openSource(inputs: string[], mapping: Mapping, options: DuckDbOptions): Promise<Source> {
  const files = expandInputs(inputs);
  const formats = new Set(files.map((f) => inputFormatOf(f, options.format, mapping.format)));
  // OpenTelemetry traces hold many spans per line, nested: the TypeScript engine flattens them.
  const otlp = files.find((f) => inputFormatOf(f, options.format, mapping.format) === 'otlp-json');
  if (otlp) throw new DuckDbReadError(otlpRefusal(otlp), otlp);
  // As the TypeScript engine names them (ingest.ts, binary-probe.ts): DuckDB said "all inputs
  // must have one known format" of a workbook and "bytes that are not UTF-8" of xz, zip or a
  // workbook named .csv (found in session 21).
  const sheet = files.find((f) => /\.(xlsx|xlsm|xls|ods|numbers)$/i.test(f) && !formatFromName(f));
  if (sheet && !options.format) throw new IngestError(`${sheet}: a spreadsheet workbook, which is not read: export it as CSV (or Parquet) from the spreadsheet program first`, sheet);
  if (formats.size !== 1 || formats.has(undefined)) throw new IngestError('engine duckdb: all inputs must have one known format (use --format)');
  const format = [...formats][0]!;
  const dotted = format !== 'csv' && format !== 'tsv';
  if (format !== 'parquet' && format !== 'arrow') {
    for (const f of files) {
      // (UTF-16 inside gzip or zstd: DuckDB named rows it could not split; found by review.)
      const other = otherCompression(readHead(f, 512)) ?? (compressionOf(f) ? utf16Kind(readTextHead(f, 512), compressionOf(f)) : undefined);
      if (other) throw new IngestError(`${f}: ${other}, not ${format === 'jsonl' ? 'JSON lines' : `${format.toUpperCase()} text`}`, f);
      const json = dotted ? undefined : jsonLinesReadAsCsv(f, format, formatReason(f, options.format, mapping.format));
      if (json) throw new IngestError(json, f, 1);
    }
  }
  const threads = options.threads ?? threadsSet();
  const db = await duckdb().DuckDBInstance.create(':memory:', threads ? { threads: String(threads) } : {});
  const con = await db.connect();
  const t0 = performance.now();
  const stage = (text: string) => options.onStage?.(`duckdb: ${text} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  let closed = false;
  const spill = join(tmpdir(), `servegen-duckdb-${process.pid}-${Date.now()}`);
  const close = () => {
    if (closed) return;
    closed = true;
    con.closeSync();
    db.closeSync();
    rmSync(spill, { recursive: true, force: true });
  };
  try {
    // An empty CSV stops the TypeScript engine (no header row); DuckDB would skip it among others.
    if (!dotted) for (const f of files) if (statSync(f).size === 0) throw new IngestError(`${f}: empty file (no header row)`, f, 1);
    // DuckDB reads Parquet only as it is (compressed inside), and said "No magic bytes found at
    // end of file" of a gzipped one, which the TypeScript engine reads (found by review).
    if (format === 'parquet') {
      for (const f of files) {
        const compression = compressionOf(f);
        if (compression) throw new DuckDbReadError(`${f}: engine duckdb cannot read ${compression}-compressed Parquet (Parquet is compressed inside: ${compression === 'gzip' ? 'gunzip' : 'unzstd'} it); --engine ts reads it`, f);
        // Not Parquet at all (a CSV given --format parquet): said as the TypeScript engine says
        // it, rather than DuckDB's "No magic bytes found at end of file".
        if (!startsWithPar1(f)) throw new IngestError(`${f}: not a readable Parquet file (it does not start with PAR1)`, f);
      }
    }
    let gzipSizes = new Map<string, number>();
    if (format !== 'parquet') {
      // DuckDB reads a truncated gzip or zstd file as if it ended there: each is checked to its end first.
      if (files.some((f) => compressionOf(f))) stage('checking the compressed inputs decompress to their end');
      gzipSizes = await checkCompressedInputs(files);
    }
    // A log given twice under two names (found by a new user's review; said by the TypeScript
    // engine only). Once per command: the inputs' first opening (options.idDigits set).
    const sameBytes = options.idDigits ? await sameBytesWarnings(files, gzipSizes) : [];
    for (const w of sameBytes) options.onNote?.(`warning: ${w}`);
    // NaN, Infinity and trailing commas: DuckDB's JSON reader takes them, JSON.parse (the TypeScript engine) does not.
    if (format === 'jsonl') {
      // A JSON array of records read as JSON lines is one column "json" (DuckDB said the mapped
      // columns were not in the input): the TypeScript engine reads it element by element.
      for (const f of files) {
        if (JsonArraySplitter.startsArray(readTextHead(f).toString('utf8'))) throw new DuckDbReadError(`${f}: a JSON array of records, which engine duckdb reads as JSON lines only; --engine ts reads it (each element a record), or convert it: ${jqConvert(f)}`, f);
      }
      stage('checking the JSON lines against JSON.parse grammar (NaN, Infinity, trailing commas)');
      await checkJsonGrammar(con, files);
    }
    await con.run("SET TimeZone = 'UTC'");
    await con.run('SET preserve_insertion_order = false');
    // Streamed results: DuckDB's threads compute ahead into this buffer while JavaScript
    // counts. With the default (~1 MB) a streamed CSV scan ran one thread, 40 % slower than a
    // materialized result; with 16 MB it is as fast, and nothing is held whole.
    await con.run("SET streaming_buffer_size = '16MB'");
    if (options.memoryLimit) {
      // DuckDB keeps to the limit by spilling to a temporary directory (removed on close).
      await con.run(`SET memory_limit = '${parseMemoryLimit(options.memoryLimit)}'`);
      await con.run(`SET temp_directory = '${spill.replace(/'/g, "''")}'`);
    }
    // Optional fields whose columns a file lacks are dropped from the mapping (absent, as in
    // the TypeScript engine); a missing required column is an error before anything runs.
    let available: string[];
    const numericSource: Set<string> & { json?: Set<string>; jsonPaths?: Map<string, number>; clientMissing?: boolean; blob?: Set<string>; numericPaths?: Set<string>; blobPaths?: Set<string>; absent?: Set<string>; fieldCounts?: boolean; shifted?: boolean; hashSpaces?: boolean; inexact?: Set<string>; exactIds?: Set<string> } = new Set<string>();
    const types = new Map<string, string>();
    // Our own traces: metadata (origin) from the first file that has it (of traces counting from
    // different origins, the earliest's: below), header lines skipped.
    let meta: Record<string, unknown> | undefined;
    let metaFile: string | undefined;
    const delim = format === 'csv' || format === 'tsv' ? csvDelimiter(format, mapping) : ',';
    const ours: Ours = { comments: [], delim };
    const metas: (Record<string, unknown> | undefined)[] = [];
    for (const f of files) {
      const m = await traceMeta(f, format);
      refuseNewerTrace(f, m.meta);
      metas.push(m.meta);
      if (m.meta && !meta) {
        meta = m.meta;
        metaFile = f;
      } else if (m.meta && meta && !sameOrigin(m.meta.origin, meta.origin) && originShift(meta, m.meta, mapping.timestamp?.unit) === undefined) {
        // What the TypeScript engine cannot put on one origin either, refused in its words.
        throw originMismatch({ file: metaFile!, meta }, f, m.meta, mapping.timestamp?.unit)!;
      }
      // Leading '#' lines are skipped as DuckDB comments, which also cuts unquoted values at a
      // '#' (a last column '12#' would read as 12): only in our own traces, whose writer quotes
      // such values. Another CSV with them is left to the TypeScript engine.
      if (m.comments > 0 && !m.meta) {
        throw new DuckDbReadError(`${f}: engine duckdb cannot read a CSV that starts with '#' comment lines but is not a servegen trace (DuckDB would cut any value at a '#'); --engine ts reads it and skips those lines`, f);
      }
      ours.comments!.push(m.comments);
    }
    // Our own traces counting from different origins: one trace counted from the earliest, as
    // the TypeScript engine reads them (ingestFiles), each file's rows moved by its seconds
    // after it (fromClause, rowsSql), the earliest's header the trace's.
    const offsets = originOffsets(metas);
    if (offsets) {
      for (let i = 0; i < files.length; i++) {
        if (metas[i] || (await fileRows(con, files[i], format, { comments: [ours.comments![i]], delim })) === 0) continue;
        throw headerlessAmongShifted(files[i]);
      }
      ours.shifts = offsets.seconds;
      meta = metas[offsets.earliest];
      numericSource.shifted = true;
      const later = files.flatMap((f, i) => (offsets.seconds[i] !== 0 ? [`${f} +${offsets.seconds[i]} s`] : []));
      options.onNote?.(`note: traces counting from different origins are counted from the earliest, ${String(meta!.origin)} (${files[offsets.earliest]}'s): ${later.join(', ')}`);
    }
    // Several of our own traces with hash_ids read together: each numbered its ids from 0 when it
    // was written, so each file's are its own, as the TypeScript engine keeps them
    // (TraceBuilder.hashIdsLocalToFile: the k-th of our traces in the inputs' order; a log's
    // files share one space). Each row carries its file's (HASH_SPACE).
    if (options.hashIds === 'read' && mapping.columns.hash_ids !== undefined && files.length > 1 && metas.some((m) => m?.format === 'servegen-trace')) {
      let k = 0;
      ours.hashSpaces = metas.map((m) => (m?.format === 'servegen-trace' ? ++k : 0));
      numericSource.hashSpaces = true;
    }
    let from = fromClause(files, format, ours);
    // Each CSV file's columns as DuckDB names them, to read it with its rows' field counts.
    const csvColumns: string[][] = [];
    try {
      let described = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`)).getRowObjectsJS() as { column_name: unknown; column_type: unknown }[];
      if (format === 'jsonl' && described.some((r) => r.column_name === 'servegen')) {
        ours.jsonHeader = true;
        from = fromClause(files, format, ours);
        described = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`)).getRowObjectsJS() as { column_name: unknown; column_type: unknown }[];
      }
      const ids = format === 'jsonl' ? idSpecs(mapping) : [];
      if (ids.length > 0) numericSource.exactIds = new Set(ids);
      if (format === 'jsonl' && (ours.columns = await columnsAsJson(con, files, options.hashIds === 'read' ? mapping.columns.hash_ids : undefined, ids))) {
        from = fromClause(files, format, ours);
        described = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`)).getRowObjectsJS() as { column_name: unknown; column_type: unknown }[];
      }
      // (the origin shift is the scan's column, not the inputs')
      described = described.filter((r) => r.column_name !== ORIGIN_SHIFT && r.column_name !== HASH_SPACE);
      if (format === 'jsonl' && described.length === 1 && described[0].column_name === 'json' && described[0].column_type === 'JSON' && !mappedTop(mapping).has('json')) {
        await notRecords(con, files);
      }
      // In a CSV of one column DuckDB reads a blank line as a row (NULL), where the TypeScript
      // reader skips it (found by the engines' fuzzer); `""` is '' there (allow_quoted_nulls =
      // false), a row, so NULL is a blank line only.
      if ((format === 'csv' || format === 'tsv') && described.length === 1) from = `(SELECT * FROM ${from} WHERE ${ident(String(described[0].column_name))} IS NOT NULL)`;
      available = described.map((r) => String(r.column_name));
      if (!dotted) csvColumns[0] = available;
      for (const r of described) types.set(String(r.column_name), String(r.column_type));
      for (const r of described) if (NUMERIC_TYPE.test(String(r.column_type))) numericSource.add(String(r.column_name));
      // JSON numbers are doubles to the TypeScript engine (JSON.parse): an integer column of JSON
      // lines is read through DOUBLE too, so an id beyond 2^53 has the digits that engine reads.
      const inexact = (type: string) => INEXACT_TYPE.test(type) || (format === 'jsonl' && NUMERIC_TYPE.test(type));
      for (const r of described) if (inexact(String(r.column_type))) (numericSource.inexact ??= new Set()).add(String(r.column_name));
      // JSON lines whose values mix types (a string here, a number there) come as JSON columns.
      numericSource.json = new Set(described.filter((r) => r.column_type === 'JSON').map((r) => String(r.column_name)));
      // Parquet BYTE_ARRAY columns without a string annotation: decoded as UTF-8 (sql.ts blobText).
      numericSource.blob = new Set(described.filter((r) => r.column_type === 'BLOB').map((r) => String(r.column_name)));
      const leaves = dotted ? structLeafTypes(mapping, types, (numericSource.jsonPaths = await jsonPaths(con, from, mapping, types))) : new Map<string, string>();
      for (const [spec, type] of leaves) {
        if (NUMERIC_TYPE.test(type)) (numericSource.numericPaths ??= new Set()).add(spec);
        // (a DECIMAL in a struct is a double to the TypeScript engine's nested reader, whatever its scale)
        if (inexact(type) || type.startsWith('DECIMAL')) (numericSource.inexact ??= new Set()).add(spec);
        if (type === 'BLOB') (numericSource.blobPaths ??= new Set()).add(spec);
      }
      intervalDuration(mapping, dotted, types, leaves, files);
    } catch (err) {
      throw duckdbReadError(err, files);
    }
    // A mapped column twice in a CSV header: DuckDB renames the second `in_1` and reads the
    // first, as the TypeScript reader did; both now refuse it, named (duplicateColumnError).
    if (format === 'csv' || format === 'tsv') {
      const top = mappedTop(mapping);
      const esc = (c: string) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if ([...top].some((c) => available.some((a) => new RegExp(`^${esc(c)}_\\d+$`).test(a)))) {
        for (let i = 0; i < files.length; i++) {
          const comments = ours.comments?.[i] ?? 0;
          const first = (await con.runAndReadAll(`SELECT * FROM read_csv('${files[i].replace(/'/g, "''")}', header = false, all_varchar = true, delim = '${delim.replace(/'/g, "''")}', quote = '"', escape = '"', ${commentOption(comments > 0)}) LIMIT 1`)).getRows()[0] ?? [];
          const duplicate = duplicateColumnError(files[i], comments + 1, first.map((v) => String(v ?? '').trim()), top);
          if (duplicate) throw duplicate;
        }
      }
    }
    const given = mapping;
    const effective: Mapping = { ...mapping, columns: { ...mapping.columns } };
    for (const [field, src] of Object.entries(mapping.columns) as [keyof Mapping['columns'], NonNullable<Mapping['columns'][keyof Mapping['columns']]>][]) {
      const specs = typeof src === 'string' ? [src] : Array.isArray(src) ? src : 'coalesce' in src ? src.coalesce : 'length' in src ? [src.length] : [];
      const missing = specs.filter((c) => {
        if (!dotted) return !available.includes(c);
        const [col, ...path] = c.split('.');
        if (!available.includes(col)) return true;
        if (numericSource.jsonPaths?.has(c)) return false;
        const map = mapPathError(files, c, types.get(col), path);
        if (map) throw map;
        // A dotted path into a struct: every key must be a field of the (nested) struct type,
        // else DuckDB refuses the whole query (the TypeScript engine reads it as absent).
        return !structHasPath(types.get(col) ?? '', path);
      });
      if (missing.length === 0) continue;
      // DuckDB's column names are case-insensitive: of `TS` and `ts` it keeps the first and
      // renames the other `ts_1`, so the mapped one looked missing (and a JSON key, absent).
      const renamed = missing.map((c) => (dotted ? c.split('.')[0] : c)).find((c) => available.some((a) => a !== c && a.toLowerCase() === c.toLowerCase()) && available.some((a) => new RegExp(`^${c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_\\d+$`, 'i').test(a)));
      if (renamed !== undefined) {
        throw new DuckDbReadError(`${files.join(', ')}: engine duckdb cannot read column ${JSON.stringify(renamed)} beside another whose name differs only in case (it renames one); --engine ts reads it`, files[0]);
      }
      // A path inside an existing column or struct that no row has (`usage.prompt_tokns`) is a
      // typo, as a missing top-level column is: exit 2 in both engines unless the field is
      // optional (ingest.ts; it left the field absent from every row with exit 0, found by review).
      const absentValue = (c: string) => dotted && available.includes(c.split('.')[0]);
      const coalesce = typeof src === 'object' && !Array.isArray(src) && 'coalesce' in src;
      if (!coalesce && !mapping.optional.includes(field as never) && missing.every(absentValue)) {
        throw missingPathError(files[0], field, missing[0]);
      }
      if (mapping.optional.includes(field as never) || (coalesce && missing.length < specs.length)) {
        // (an optional coalesce none of whose columns is there is absent, as any optional field)
        if (typeof src === 'object' && !Array.isArray(src) && 'coalesce' in src && missing.length < specs.length) effective.columns[field] = { coalesce: specs.filter((c) => !missing.includes(c)) } as never;
        // Columns joined (client_id: ["user", "rid"]) of which only some are there: the others
        // are empty in every row (`b/`), as the TypeScript engine joins them (found by the
        // engines' fuzzer: the field was dropped, every row client `unknown`).
        else if (Array.isArray(src) && missing.length < specs.length) for (const c of missing) (numericSource.absent ??= new Set()).add(c);
        else {
          delete effective.columns[field];
          // Found by review: the TypeScript engine reads such rows as client `unknown` (an absent value), not `default`.
          if (field === 'client_id') numericSource.clientMissing = true;
        }
        continue;
      }
      const none = missingCoalesce(mapping, available, dotted);
      if (none) throw missingCoalesceError(files[0], none, available);
      if (coalesce) throw missingCoalescePathsError(files[0], field, specs);
      // Every required column the input lacks, as the TypeScript engine names them (it named the first only).
      const required = [...new Set(requiredSpecs(mapping).filter((c) => !available.includes(dotted ? c.split('.')[0] : c)))];
      const absent = required.includes(missing[0]) ? required : [missing[0]];
      throw new IngestError(`${files[0]}: mapping names column${absent.length > 1 ? 's' : ''} ${absent.map((c) => JSON.stringify(c)).join(', ')} not in the input (columns: ${available.map((c) => JSON.stringify(c)).join(', ')})${(dotted ? '' : delimiterHint(available, missing, delim)) || didYouMean([...mappedTop(mapping)].filter((c) => !available.includes(c)).length === 1 ? missing : [], available)}`, files[0], undefined, absent[0]);
    }
    mapping = effective;
    // Ids whose digits were lost before they were read: said, as the TypeScript engine says them.
    let idDigits: string[] | undefined;
    let clientIdDigits: (() => Promise<void>) | undefined;
    if (options.idDigits) {
      // (CSV rows of another width than the header are skipped: the TypeScript reader rejects
      // them before their ids are read, and DuckDB's reader would stop at them.)
      const read = readClause(files, format, { ...ours, shifts: undefined, hashSpaces: undefined, skipBadRows: true }, true);
      const texts = format === 'csv' || format === 'tsv' || format === 'jsonl';
      const check = async (m: Mapping) => {
        const found = await idDigitsWithDuckDB(con, read, SHIFT_FILE, files, m, dotted, numericSource, texts).catch((err: unknown) => {
          throw duckdbReadError(err, files);
        });
        const warnings = idDigitsWarnings(found);
        for (const w of warnings) options.onNote?.(`warning: ${w}`);
        return warnings;
      };
      // The one pass tests a text client column on its distinct texts (onePassQuery), and reads
      // the inputs for it only when one is in exponent form past 2^53 (for the files it is in):
      // a CSV read again for every row's client cost ~12 % of the pass.
      const client = mapping.columns.client_id;
      const later = options.idDigits === 'client-later' && typeof client === 'string' && clientRaw(mapping, dotted, numericSource) !== undefined && idDigitsByText(client, dotted, numericSource, texts);
      const rest: Mapping = later ? { ...mapping, columns: { ...mapping.columns, client_id: undefined } } : mapping;
      if (ID_DIGIT_FIELDS.some((f) => rest.columns[f] !== undefined)) {
        stage('ids past 2^53 read as floating-point numbers');
        idDigits = await check(rest);
      }
      if (later) {
        clientIdDigits = async () => {
          stage('client ids past 2^53 in exponent form');
          const more = await check({ ...mapping, columns: { client_id: client } as Mapping['columns'] });
          if (more.length) source.idDigits = [...(source.idDigits ?? []), ...more];
        };
      }
    }
    // hash_ids (a prompt's block ids) are not scanned with the other fields: fit, validate and
    // inspect read them in a pass of their own (src/summary/duckdb-prefix.ts: options.hashIds
    // 'read' there, 'elsewhere' in the scan beside it, which says what is left out); ingest reads
    // them in its table ('read'); window summaries keep none (in either engine). Several of our
    // own traces read together keep separate id spaces, as in the TypeScript engine (HASH_SPACE).
    const hashSrc = mapping.columns.hash_ids;
    let hashIds: Source['hashIds'];
    if (hashSrc !== undefined) {
      const bt = meta?.block_tokens;
      if (options.hashIds === 'read') hashIds = { src: hashSrc, blockTokens: mapping.block_tokens ?? (typeof bt === 'number' && Number.isSafeInteger(bt) && bt > 0 ? bt : DEFAULT_BLOCK_TOKENS), decoded: format === 'parquet', json: dotted, spaces: Boolean(numericSource.hashSpaces) };
      mapping = withoutHashIds(mapping);
    }
    // A Parquet column typed as a date-time is read as one whatever the mapping's numeric unit
    // (`ms`, …), as the TypeScript engine reads the typed values (it had rejected every row as
    // bad_timestamp here); a zone-less one (TIMESTAMP, DATE) at the mapping's timezone.
    const tsSrc = mapping.columns.timestamp;
    const tsUnit = mapping.timestamp?.unit ?? 'auto';
    if (format === 'parquet' && typeof tsSrc === 'string' && !(dotted && tsSrc.includes('.')) && tsUnit !== 'auto' && tsUnit !== 'iso' && /^(TIMESTAMP(_S|_MS|_NS)?|TIMESTAMP WITH TIME ZONE|DATE)$/.test(types.get(tsSrc) ?? '')) {
      mapping = { ...mapping, timestamp: { ...mapping.timestamp, unit: 'iso' } };
    }
    // union_by_name reads a column that only some files have as NULL in the others: a column
    // the mapping requires must be in every file (the TypeScript engine stops at the first
    // file without it), not only in one of them. So must a JSON key (the TypeScript engine
    // refuses a key no row of a file has: found by the engines' fuzzer, DuckDB read the others'
    // rows and this file's with the field absent).
    if (files.length > 1) {
      const required = new Set<string>();
      const optional = new Set<string>();
      for (const [field, src] of Object.entries(mapping.columns) as [keyof Mapping['columns'], NonNullable<Mapping['columns'][keyof Mapping['columns']]>][]) {
        const coalesce = typeof src === 'object' && !Array.isArray(src) && 'coalesce' in src;
        const specs = typeof src === 'string' ? [src] : Array.isArray(src) ? src : 'coalesce' in src ? src.coalesce : 'length' in src ? [src.length] : [];
        for (const c of specs) (coalesce || mapping.optional.includes(field as never) ? optional : required).add(dotted ? c.split('.')[0] : c);
      }
      const perFile: string[][] = [];
      for (let i = 0; i < files.length; i++) {
        let columns: string[];
        let fileTypes: Map<string, string>;
        try {
          const rows = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${fromClause([files[i]], format, format === 'jsonl' ? {} : { comments: [ours.comments![i]], delim })}`)).getRowObjectsJS() as { column_name: unknown; column_type: unknown }[];
          columns = rows.map((r) => String(r.column_name));
          fileTypes = new Map(rows.map((r) => [String(r.column_name), String(r.column_type)]));
        } catch (err) {
          throw duckdbReadError(err, [files[i]]);
        }
        // A JSON lines file without records (empty, blank lines) reads as one `json` column: it has no rows to check.
        if (format === 'jsonl' && columns.length === 1 && columns[0] === 'json' && !mappedTop(given).has('json')) continue;
        perFile.push(columns);
        if (!dotted) csvColumns[i] = columns;
        const none = missingCoalesce(given, columns, dotted);
        if (none) throw missingCoalesceError(files[i], none, columns);
        const missing = [...required].filter((c) => !columns.includes(c));
        if (missing.length > 0) {
          throw new IngestError(`${files[i]}: mapping names column${missing.length > 1 ? 's' : ''} ${missing.map((m) => JSON.stringify(m)).join(', ')} not in the input (columns: ${columns.map((c) => JSON.stringify(c)).join(', ')})${didYouMean(missing, columns)}`, files[i], undefined, missing[0]);
        }
        // A dotted path of a required field that no row of this file has (its column a struct
        // without the key, or not an object at all), though other files have it: refused, as
        // the TypeScript engine checks each file (found by the engines' fuzzer). A column of
        // mixed types (JSON) is not looked into.
        if (dotted) {
          for (const [field, src] of Object.entries(given.columns) as [keyof Mapping['columns'], NonNullable<Mapping['columns'][keyof Mapping['columns']]>][]) {
            if (given.optional.includes(field as never) || (typeof src === 'object' && !Array.isArray(src) && 'const' in src)) continue;
            const noPath = (spec: string) => {
              const [col, ...path] = spec.split('.');
              const type = fileTypes.get(col);
              const map = mapPathError([files[i]], spec, type, path);
              if (map) throw map;
              return path.length > 0 && type !== undefined && type !== 'JSON' && !structHasPath(type, path);
            };
            if (typeof src === 'object' && !Array.isArray(src) && 'coalesce' in src) {
              if (src.coalesce.every((spec) => noPath(spec) || !fileTypes.has(spec.split('.')[0]))) throw missingCoalescePathsError(files[i], field, src.coalesce);
              continue;
            }
            for (const spec of typeof src === 'string' ? [src] : Array.isArray(src) ? src : 'length' in src ? [src.length] : [src.token_blocks]) if (noPath(spec)) throw missingPathError(files[i], field, spec);
          }
        }
      }
      // union_by_name matches names without case: a mapped column that one file has and another
      // spells otherwise (`created at`, `CREATED AT`) is read from both, where the TypeScript
      // engine reads it as missing from the second (found by the engines' fuzzer).
      for (const c of dotted ? mappedTop(given) : new Set(mappedSpecs(given))) {
        if (!perFile.some((cols) => cols.includes(c))) continue;
        const k = perFile.findIndex((cols) => !cols.includes(c) && cols.some((a) => a.toLowerCase() === c.toLowerCase()));
        if (k >= 0) {
          const other = perFile[k].find((a) => a.toLowerCase() === c.toLowerCase())!;
          throw new DuckDbReadError(`${files.join(', ')}: engine duckdb cannot read column ${JSON.stringify(c)} of some files beside ${JSON.stringify(other)} of others (it matches names across files without case); --engine ts reads it`, files[0]);
        }
      }
    }
    const fields: CsvFields | undefined = dotted ? undefined : { files, delimiter: delim, comments: ours.comments!, sniffed: (i) => fromClause([files[i]], format, { comments: [ours.comments![i]], delim, shifts: ours.shifts && [ours.shifts[i]], hashSpaces: ours.hashSpaces && [ours.hashSpaces[i]] }), columns: csvColumns, parallel: true };
    let autoTimestamp: AutoTimestamp | undefined;
    if ((mapping.timestamp?.unit ?? 'auto') === 'auto') {
      stage('timestamp unit (auto)');
      const auto = await autoUnit(con, from, mapping, dotted, numericSource, fields).catch((err: unknown) => {
        throw duckdbReadError(err, files);
      });
      if (fields?.found) {
        const counted = { from, fields, numericSource };
        useFieldCounts(counted);
        from = counted.from;
      }
      mapping = { ...mapping, timestamp: { ...mapping.timestamp, unit: auto.unit } };
      options.onNote?.(`timestamps: unit auto → ${auto.unit} (${auto.reason})`);
      if (auto.warning) options.onNote?.(`warning: ${auto.warning}`);
      autoTimestamp = auto;
    }
    const resolved = mapping;
    const source: Source = { con, connect: () => db.connect(), stage, close, files, from, dotted, numericSource, mapping, present: SQL_INT_FIELDS.filter((f) => resolved.columns[f] !== undefined), meta, autoTimestamp, fields, ...(hashIds ? { hashIds } : {}), ...(idDigits?.length ? { idDigits } : {}), ...(sameBytes.length ? { sameBytes } : {}), ...(clientIdDigits ? { clientIdDigits } : {}) };
    return source;
  } catch (err) {
    close();
    throw err;
  }
}

/**
 * Where times count from, as the TypeScript engine decides it from the accepted rows' first
 * time and largest magnitude: absolute times (ISO, or ≥ 1e8 s) from the given origin or the
 * first whole second; relative times of our own traces from their metadata origin (shifted
 * to a given one). @throws IngestError when an origin is given for relative times without one.
 */
export function originOf(src: Pick<Source, 'mapping' | 'meta' | 'files'>, tmin: number, amax: number, given?: number, firstSecond = false): { absolute: boolean; origin: number; originIso: string | null } {
  const { meta, files } = src;
  const unit = src.mapping.timestamp?.unit;
  // Relative times of our own traces count from the origin in their metadata, however large
  // (as the TypeScript engine).
  // (with a unit given: `auto` decides by magnitude alone, in both engines)
  const hasMetaOrigin = typeof meta?.origin === 'string' && Number.isFinite(Date.parse(meta.origin));
  const absolute = unit === 'iso' || (amax >= 1e8 && !(hasMetaOrigin && unit !== undefined && unit !== 'auto'));
  const metaOrigin = !absolute && hasMetaOrigin ? (meta!.origin as string) : null;
  if (given !== undefined && !absolute && metaOrigin === null) throw new IngestError(`${files[0]}: origin given but the timestamps are relative (no absolute time to count from)`, files[0]);
  // Times count from the given origin (time partitions share one), else from the first second.
  // With a metadata origin M, --origin X shifts relative times by M − X (as the TypeScript engine).
  if (absolute) {
    const origin = given ?? Math.floor(tmin);
    return { absolute, origin, originIso: originIsoOf(origin, files, unit ?? 's', src.mapping.timestamp?.marks === 'end') };
  }
  if (metaOrigin !== null && given !== undefined) return { absolute, origin: given - epochSeconds(metaOrigin), originIso: new Date(given * 1000).toISOString() };
  // `firstSecond` (fit --anonymize): relative times too count from their first second, so that
  // the windows' grid starts at the first request, as for absolute times (rebaseToFirstSecond).
  if (firstSecond && Number.isFinite(tmin) && Math.floor(tmin) !== 0) {
    const first = Math.floor(tmin);
    return { absolute, origin: first, originIso: metaOrigin === null ? null : new Date(Date.parse(metaOrigin) + first * 1000).toISOString() };
  }
  return { absolute, origin: 0, originIso: metaOrigin };
}

/**
 * Reads the inputs in embedded DuckDB and normalizes them into `src_rows` (t, client, the
 * integer fields, `texts`, reason): the part of the scan shared by summarize, inspect,
 * ingest and validate. The caller closes it.
 */
export async function openScan(
  inputs: string[],
  mapping: Mapping,
  options: DuckDbOptions & { origin?: number; firstSecond?: boolean; texts?: ('session_id' | 'model' | 'request_id')[]; ordered?: boolean; fieldCounts?: boolean },
): Promise<OpenScan> {
  const src = await openSource(inputs, mapping, options);
  const { con, stage, close, files, dotted, numericSource } = src;
  mapping = src.mapping;
  try {
    // (fieldCounts: whether some CSV row has another number of fields, when a scan of the same inputs found out)
    if (src.fields && options.fieldCounts !== undefined) src.fields.found = options.fieldCounts;
    // A CSV not known to be free of rows of another width is normalized as read with its rows'
    // field counts (as fast as the sniffed read: no read of its own to find such rows).
    const counts = src.fields && src.fields.found !== false ? src.fields : undefined;
    if (counts) numericSource.fieldCounts = true;
    try {
      // Normalize once into a table (the rows are read a single time).
      stage(`reading and normalizing ${files.length} file(s)`);
      // In input order when asked (summarize streams the rows back in it; keeping the order
      // costs time under a memory limit, so only then).
      if (options.ordered) await con.run('SET preserve_insertion_order = true');
      // (with options.hashIds 'read': each row's hash_ids value as JSON text too, `hash_raw`)
      const normalize = (from: string) => con.run(`CREATE OR REPLACE TEMP TABLE src_rows AS ${rowsSql(from, mapping, dotted, undefined, numericSource, options.texts ?? [], src.hashIds ? { hashIds: src.hashIds.src } : {})}`);
      await (counts ? withFieldCounts(counts, normalize) : normalize(src.from));
      if (counts) src.from = fieldCountsFrom(counts);
      await con.run('SET preserve_insertion_order = false');
    } catch (err) {
      throw duckdbReadError(err, files);
    }
    const present = src.present;
    let reasonRows: Record<string, unknown>[];
    try {
      reasonRows = (await con.runAndReadAll('SELECT reason, count(*) AS c, min(t) AS tmin, max(t) AS tmax, max(abs(t)) AS amax FROM src_rows GROUP BY reason')).getRowObjectsJS() as Record<string, unknown>[];
    } catch (err) {
      throw duckdbReadError(err, files);
    }
    let rowsRead = 0;
    const rejectsByReason: Partial<Record<RejectReason, number>> = {};
    let tmin = Infinity;
    let amax = 0;
    for (const r of reasonRows) {
      const c = num(r.c);
      rowsRead += c;
      if (r.reason === null) {
        tmin = num(r.tmin);
        amax = num(r.amax);
      } else rejectsByReason[r.reason as RejectReason] = c;
    }
    // In REJECT_REASONS order, as the other scans list them (DuckDB groups in any order).
    const ordered = Object.fromEntries(REJECT_REASONS.filter((r) => rejectsByReason[r] !== undefined).map((r) => [r, rejectsByReason[r]])) as typeof rejectsByReason;
    if (!Number.isFinite(tmin)) throw noAcceptedRows(files, rowsRead, ordered);
    const { absolute, origin, originIso } = originOf(src, tmin, amax, options.origin, options.firstSecond);
    return { con, connect: src.connect, stage, close, files, mapping, present, rowsRead, rejectsByReason: ordered, absolute, origin, originIso, meta: src.meta, autoTimestamp: src.autoTimestamp, ...(src.idDigits ? { idDigits: src.idDigits } : {}), ...(src.sameBytes ? { sameBytes: src.sameBytes } : {}), ...(src.hashIds ? { hashIds: src.hashIds } : {}) };
  } catch (err) {
    close();
    throw err;
  }
}

/**
 * The time-axis warning the TypeScript engine gives on the same rows (timeAxisWarning: a few
 * rows far from all the others), from the accepted rows' m + 1 earliest and latest times —
 * all that check reads — or undefined.
 */
export async function scanTimeWarning(scan: OpenScan): Promise<string | undefined> {
  return timeWarningOf(scan.con, 'src_rows WHERE reason IS NULL', scan.origin, scan.originIso, undefined, scan.mapping.timestamp?.marks === 'end');
}

/**
 * scanTimeWarning over any relation of accepted rows with their raw times `t` (e.g. a query
 * over the inputs: it reads them again), `n` of them if known.
 */
export async function timeWarningOf(con: DuckDBConnection, accepted: string, origin: number, originIso: string | null, known?: number, endTimes = false): Promise<string | undefined> {
  const rel = `t - ${sqlDouble(origin)}`;
  const n = known ?? num((await con.runAndReadAll(`SELECT count(*) AS n FROM ${accepted}`)).getColumnsJS()[0][0]);
  if (n < OUTLIER_MIN_ROWS) return undefined;
  const m = Math.min(Math.max(1, Math.floor(n * OUTLIER_MAX_SHARE)), Math.floor((n - 1) / 2));
  const ends = async (order: string) => ((await con.runAndReadAll(`SELECT ${rel} AS t FROM ${accepted} ORDER BY t ${order} LIMIT ${m + 1}`)).getColumnsJS()[0] as number[]).map(Number);
  const head = await ends('ASC');
  const tail = (await ends('DESC')).reverse();
  // The sorted times as findTimeOutliers reads them: indices [0, m] and [n − 1 − m, n − 1].
  const t = new Proxy({ length: n } as ArrayLike<number>, {
    get: (target, key) => {
      if (key === 'length') return n;
      const i = Number(key);
      if (i <= m) return head[i];
      if (i >= n - 1 - m) return tail[i - (n - 1 - m)];
      throw new Error(`internal: time-axis check read row ${i} of ${n}`);
    },
  });
  return timeAxisWarning(t, originIso, endTimes);
}

/**
 * The summary scan inside embedded DuckDB: rows are normalized and the per-(client, window)
 * statistics computed in SQL (src/summary/sql.ts); only the summaries come back to
 * JavaScript. Equal to buildSummaries on the same rows (counts exactly, sums to float
 * rounding) — tested on the real traces. Rejected rows are counted by reason; DuckDB stops
 * with an error (exit 2) on lines its CSV reader cannot parse rather than dropping them.
 */
export async function summarizeWithDuckDB(
  inputs: string[],
  mapping: Mapping,
  options: DuckDbSummarizeOptions,
): Promise<DuckDbScanResult> {
  // Each note once: the inputs may be opened twice (their origins' note said by the first).
  const said = new Set<string>();
  const note = options.onNote;
  const onNote = note && ((l: string) => void (said.has(l) || (said.add(l), note(l))));
  options = { ...options, onNote };
  const src = await openSource(inputs, mapping, { ...options, idDigits: 'client-later' });
  let widths = false;
  try {
    const direct = await streamSummarize(src, options);
    if (direct) return { ...direct, files: src.files, pass: 'stream', sessionColumn: src.mapping.columns.session_id !== undefined };
  } catch (err) {
    if (!(err instanceof RowWidthError)) throw err;
    widths = true;
  } finally {
    src.close();
  }
  options.onStage?.(
    widths
      ? "duckdb: a CSV row of another width than its header: reading the rows into a table with their field counts, to count such rows as rejects"
      : 'duckdb: rows not in one-pass order (time origin, or clients out of time order): reading them into a table',
  );
  // The mapping as given, with the timestamp unit as opened (decided, and said, once): not the
  // opened mapping, which has dropped optional fields the input lacks, so that an optional
  // client column missing read as client `default` instead of `unknown` (found by the engines' fuzzer).
  const scan = await openScan(inputs, { ...mapping, timestamp: src.mapping.timestamp }, { ...options, ordered: true, fieldCounts: src.fields?.found, idDigits: false });
  const { close, files, rowsRead, rejectsByReason } = scan;
  try {
    const warning = await scanTimeWarning(scan);
    const inOrder = await streamSummaries(scan, options, false);
    const sessionColumn = scan.mapping.columns.session_id !== undefined;
    if (inOrder) return { ...inOrder, rowsRead, rejectsByReason, files, pass: 'table-stream', warning, sessionColumn };
    const sorted = await streamSummaries(scan, options, true);
    if (!sorted) throw new Error('internal: rows sorted by time are out of order');
    return { ...sorted, rowsRead, rejectsByReason, files, pass: 'sorted-stream', warning, sessionColumn };
  } finally {
    close();
  }
}

/** Clock resolution detected (as the TypeScript engine does) from the earliest RESOLUTION_SAMPLE accepted times after the origin. */
export async function detectScanResolution(scan: OpenScan, table: string, t: string): Promise<number> {
  const sample = (await scan.con.runAndReadAll(`SELECT ${t} AS t FROM ${table} ORDER BY t LIMIT ${RESOLUTION_SAMPLE}`)).getColumnsJS()[0] as number[];
  return detectResolution(Float64Array.from(sample)).resolution;
}

/**
 * The summaries in one pass over the accepted rows in input order, streamed from DuckDB in
 * typed chunks into the TypeScript engine's SummaryBuilder (request logs are written in
 * time order, so each client's rows usually are). Undefined — and the SQL queries do the
 * work — as soon as a client's row comes earlier than its previous one.
 */
async function streamSummaries(
  scan: OpenScan,
  options: { arrivalSeconds: number; lengthSeconds: number; resolution?: number; workers?: number; poolBelow?: number },
  sorted: boolean,
): Promise<{ summaries: TraceSummaries; pooled: number } | undefined> {
  const { con, origin, present } = scan;
  scan.stage(sorted ? 'summaries in one pass over the rows sorted by time' : 'summaries in one pass over the rows in input order');
  const accepted = 'src_rows WHERE reason IS NULL';
  const res = options.resolution ?? (await detectScanResolution(scan, accepted, `t - ${sqlDouble(origin)}`));
  const listed = await columns(con, `SELECT client, CAST(count(*) AS DOUBLE) AS n FROM ${accepted} GROUP BY client ORDER BY client`);
  let clients = ((listed.client ?? []) as unknown[]).map(String);
  // The ENUM's codes are the clients' places in that order; pooling maps them to the pool's.
  const pool = options.poolBelow !== undefined ? poolClients(clients, (listed.n ?? []) as number[], options.poolBelow) : undefined;
  if (pool) clients = pool.ids;
  await con.run(`CREATE TYPE IF NOT EXISTS sg_client AS ENUM (SELECT DISTINCT client FROM ${accepted} ORDER BY client)`);
  const ints = present.map((f) => `, CAST(coalesce("${f}", -1) AS INTEGER) AS "${f}"`).join('');
  // Sorted by time, every client's rows are in time order; rows with equal times (in any
  // order) give the same gaps, so the summaries do not depend on how DuckDB breaks ties.
  const sql = `SELECT CAST(enum_code(CAST(client AS sg_client)) AS INTEGER) AS c, t - ${sqlDouble(origin)} AS t${ints} FROM ${accepted}${sorted ? ' ORDER BY t' : ''}`;
  const workers = scan.rowsRead >= RESOLUTION_SAMPLE ? (options.workers ?? defaultBuildWorkers()) : 0;
  const summaries = await builderPass(con, sql, present, { arrivalSeconds: options.arrivalSeconds, lengthSeconds: options.lengthSeconds, resolution: res, clients }, scan.originIso, workers, pool?.code);
  return summaries && { summaries, pooled: pool?.pooled ?? 0 };
}

/**
 * Streams a query's rows — columns c (client index, INTEGER), t (DOUBLE), then the `present`
 * integer fields (INTEGER, −1 = absent) — in its order into a SummaryBuilder. Undefined when a
 * client's row comes earlier than its previous one.
 */
export async function builderPass(
  con: DuckDBConnection,
  sql: string,
  present: readonly string[],
  builderOptions: ConstructorParameters<typeof SummaryBuilder>[0],
  origin: string | null,
  workers = 0,
  remap?: Int32Array,
): Promise<TraceSummaries | undefined> {
  // On worker threads (when asked, and there is more than one client to deal out).
  const builder = workers > 0 && builderOptions.clients.length > 1 ? await ParallelSummaryBuilder.start(builderOptions, workers) : new SummaryBuilder(builderOptions);
  let next: Promise<DuckDBDataChunk | null> | undefined;
  try {
    await con.run('SET preserve_insertion_order = true');
    const result = await con.stream(sql);
    const items = (chunk: DuckDBDataChunk, i: number) => (chunk.getColumnVector(i) as unknown as { items: Float64Array | Int32Array }).items;
    // DuckDB computes the next chunk (off the main thread) while this one is counted.
    next = result.fetchChunk();
    let pushed = 0;
    for (;;) {
      const chunk = await next;
      if (!chunk || chunk.rowCount === 0) break;
      next = result.fetchChunk();
      next.catch(() => undefined); // surfaces when awaited, or is dropped when the pass gives up
      pushed += chunk.rowCount;
      let client = items(chunk, 0) as Int32Array;
      // (remap: the client codes' new places, pooled)
      if (remap) client = Int32Array.from(client, (c) => remap[c]);
      const row: RowChunk = { n: chunk.rowCount, client, t: items(chunk, 1) as Float64Array, ints: {} };
      present.forEach((f, k) => (row.ints[f as keyof RowChunk['ints']] = items(chunk, 2 + k) as Int32Array));
      if (!builder.push(row)) return undefined;
      if (builder instanceof ParallelSummaryBuilder) await builder.drain();
    }
    await streamedAll(con, sql, pushed);
    return await builder.finish(origin);
  } finally {
    if (builder instanceof ParallelSummaryBuilder) builder.close();
    await next?.catch(() => undefined); // nothing left running on the connection
    await con.run('SET preserve_insertion_order = false');
  }
}

/**
 * Throws unless a streamed query gave all its rows. A stream that fails part-way (out of
 * memory under a limit, a value that cannot be cast) ends like a complete one — fetchChunk
 * reports no error — so the rows are counted, and a short stream fails with the error a
 * materialized run of the query gives (or says it was short).
 */
export async function streamedAll(con: DuckDBConnection, sql: string, got: number, expected?: number): Promise<void> {
  // Counted without a final ORDER BY (DuckDB would sort again just to count).
  const unordered = sql.replace(/\sORDER BY [^()]*$/, '');
  const rows = expected ?? Number((await con.runAndReadAll(`SELECT CAST(count(*) AS DOUBLE) FROM (${unordered}) AS sg_all`)).getColumnsJS()[0][0]);
  if (got === rows) return;
  await con.run(sql); // the whole result, materialized: DuckDB's own error, if it fails again
  throw new Error(`the streamed query ended after ${got} of ${rows} rows`);
}

/**
 * Runs `f` with DuckDB on one thread: the gap sums (floats) then add up in x's stored
 * (client, time) order on every run, so results and files are byte-identical. Only the
 * arrivals query sums floats; the others count, in parallel.
 */
export async function singleThreaded<T>(con: DuckDBConnection, f: () => Promise<T>): Promise<T> {
  const threads = Number((await con.runAndReadAll("SELECT current_setting('threads') AS t")).getColumnsJS()[0][0]);
  await con.run('SET threads = 1');
  try {
    return await f();
  } finally {
    await con.run(`SET threads = ${threads}`);
  }
}

/**
 * Clients with dense integer ids (sorted by name) and one table `x` of accepted rows with
 * times from the origin, window index and gap to the client's previous request (the `gaps`
 * query of summaryQueries, fused with `r`); the clock resolution (for `summarize --out DIR`).
 */
async function prepareGaps(scan: OpenScan, options: { arrivalSeconds: number; lengthSeconds: number; resolution?: number }) {
  const { con, origin, present } = scan;
  scan.stage('gaps between each client\'s requests');
  // Integer client ids: the gap table is grouped and sorted by number, not by string.
  await con.run('CREATE TEMP TABLE clients AS SELECT client, CAST(row_number() OVER (ORDER BY client) - 1 AS INTEGER) AS cid FROM (SELECT DISTINCT client FROM src_rows WHERE reason IS NULL)');
  const W = options.arrivalSeconds;
  const L = options.lengthSeconds;
  const fieldList = present.map((f) => `, s."${f}"`).join('');
  // Float sums (of gaps) depend on the order rows are added in: x is built on one thread (so
  // its stored order is the same on every run) and the gap sums are aggregated on one thread,
  // so every run adds in the same order and writes the same bytes.
  const o = sqlDouble(origin);
  await singleThreaded(con, () =>
    con.run(`CREATE TEMP TABLE x AS SELECT c.cid AS client, s.t - ${o} AS t, CAST(floor((s.t - ${o}) / ${W}) AS BIGINT) AS wi,
      (s.t - ${o}) - lag(s.t - ${o}) OVER (PARTITION BY c.cid ORDER BY s.t) AS g,
      CAST(floor(lag(s.t - ${o}) OVER (PARTITION BY c.cid ORDER BY s.t) / ${W}) AS BIGINT) AS pwi,
      lag(s.t - ${o}) OVER (PARTITION BY c.cid ORDER BY s.t) - lag(s.t - ${o}, 2) OVER (PARTITION BY c.cid ORDER BY s.t) AS pg,
      CAST(floor(lag(s.t - ${o}, 2) OVER (PARTITION BY c.cid ORDER BY s.t) / ${W}) AS BIGINT) AS ppwi${fieldList}
      FROM src_rows s JOIN clients c ON s.client = c.client WHERE s.reason IS NULL`),
  );
  await con.run('DROP TABLE src_rows');
  await con.run('CREATE TEMP VIEW r AS SELECT * FROM x');
  const res = Math.max(options.resolution ?? (await detectScanResolution(scan, 'x', 't')), 1e-6);
  const q = summaryQueries({ W, L, res, fields: present });
  return { q, res, W, L };
}

/**
 * `summarize --engine duckdb --out DIR`: the scan's results written by DuckDB as Parquet in
 * the warehouse layout of docs/scale.md (scan, arrivals, gap_histograms, dispersion, lengths,
 * joint, rejects), read back by `fit --summaries DIR` — the summaries never enter JavaScript.
 * Written into a temporary directory that is renamed when complete.
 */
export async function exportScanWithDuckDB(
  inputs: string[],
  mapping: Mapping,
  outDir: string,
  options: DuckDbExportOptions,
): Promise<DuckDbExportResult> {
  const scan = await openScan(inputs, mapping, { ...options, idDigits: true });
  const { con, close, files, rowsRead, rejectsByReason, originIso } = scan;
  const tmp = trackTemporary(`${outDir.replace(/\/+$/, '')}.tmp-${process.pid}`);
  try {
    // The caller's checks (the reject ratio) run before anything is written.
    await options.beforeWrite?.({ rowsRead, rejectsByReason, files });
    const warning = await scanTimeWarning(scan);
    const { q, res, W, L } = await prepareGaps(scan, options);
    try {
      mkdirSync(tmp); // the parent must exist: nothing is created outside the output
    } catch (err) {
      throw outputError(outDir, err);
    }
    const named = (sql: string) => `SELECT cl.client AS client, q.* EXCLUDE (client) FROM (${sql}) q JOIN clients cl ON q.client = cl.cid`;
    const outputs: [string, string][] = [
      ['scan', `SELECT ${W} AS arrival_seconds, ${L} AS length_seconds, ${res} AS resolution, ${originIso === null ? 0 : Date.parse(originIso) / 1000} AS origin_seconds, min(t) AS span_start, max(t) AS span_end, count(*) AS n FROM x`],
      ['arrivals', named(q.arrivals)],
      ['gap_histograms', named(q.gapHist)],
      ['dispersion', named(q.disp)],
      ['lengths', named(q.lengths)],
    ];
    if (q.joint) outputs.push(['joint', named(q.joint)]);
    outputs.push(['gap_memory', named(q.memory)]);
    outputs.push(['aggregate_buckets', q.buckets]);
    const rejects = Object.entries(rejectsByReason);
    if (rejects.length > 0) outputs.push(['rejects', `SELECT * FROM (VALUES ${rejects.map(([r, c]) => `('${r}', ${c})`).join(', ')}) v(reason, c)`]);
    for (const [name, sql] of outputs) {
      scan.stage(`writing ${name}.parquet`);
      // On one thread the rows come out in the same order on every run, so the same inputs give
      // the same files (a sort here could not spill under --duckdb-memory and ran out of memory).
      await singleThreaded(con, () => con.run(`COPY (${sql}) TO '${join(tmp, `${name}.parquet`).replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION zstd)`));
    }
    const windows = Number((await con.runAndReadAll('SELECT count(*) AS n FROM (SELECT DISTINCT client, wi FROM x)')).getColumnsJS()[0][0]);
    const spanStart = Number((await con.runAndReadAll('SELECT min(t) FROM x')).getColumnsJS()[0][0]);
    close();
    commitTemporary(tmp, outDir);
    return { rowsRead, rejectsByReason, files, windows, resolution: res, warning, spanStart };
  } catch (err) {
    try {
      discardTemporary(tmp);
    } catch {
      // nothing to remove (e.g. its parent is a file): the error that stopped the export stands
    }
    throw err;
  } finally {
    close();
  }
}

/** A result column: JS values (Parquet files of a warehouse or of `summarize --out DIR`). */
/**
 * A column of few distinct values as each row's code into `values` (a warehouse's client, kind
 * and field columns: 48 M rows of a 30-day directory held as plain arrays of references were
 * scanned by every major GC).
 */
export class CodedColumn {
  constructor(
    readonly codes: Int32Array,
    readonly values: readonly unknown[],
  ) {}
  get length(): number {
    return this.codes.length;
  }
}

export type Column = ArrayLike<unknown> | CodedColumn;

/** Row i of a column. */
export const reader = (c: Column): ((i: number) => unknown) => (c instanceof CodedColumn ? (i) => c.values[c.codes[i]] : (i) => c[i]);

/** Results of the scan queries, column by column (DuckDB results or Parquet files written by a warehouse). */
export interface ScanTables {
  arrivals: Record<string, Column>;
  gapHist: Record<string, Column>;
  disp: Record<string, Column>;
  lengths: Record<string, Column>;
  joint?: Record<string, Column>;
  /** Gap-memory sums per (client, window): absent in results exported before gap memory. */
  memory?: Record<string, Column>;
  /** Rows per 5-minute bucket (TraceSummaries.buckets): absent in results exported before the thirty-seventh session. */
  buckets?: Record<string, Column>;
}

/** Scan metadata needed to turn the tables into summaries. */
export interface ScanMeta {
  arrivalSeconds: number;
  lengthSeconds: number;
  resolution: number;
  span: { start: number; end: number };
  origin: string | null;
}

/**
 * Histogram rows (group, key, count) packed by group, keys ascending within each group (rows
 * of a group in key order, as DuckDB returns them, cost one pass; any other order is sorted,
 * and repeated keys summed). Returns the PackedCounts of each group.
 */
function packGroups(group: Int32Array, key: Float64Array, count: Float64Array, nGroups: number): PackedCounts[] {
  const n = group.length;
  const start = new Int32Array(nGroups + 1);
  for (let i = 0; i < n; i++) start[group[i] + 1]++;
  for (let g = 0; g < nGroups; g++) start[g + 1] += start[g];
  const at = start.slice(0, nGroups);
  const keys = new Float64Array(n);
  const counts = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const j = at[group[i]]++;
    keys[j] = key[i];
    counts[j] = count[i];
  }
  const out = new Array<PackedCounts>(nGroups);
  for (let g = 0; g < nGroups; g++) {
    const a = start[g];
    let b = start[g + 1];
    let ordered = true;
    for (let i = a + 1; i < b && ordered; i++) ordered = keys[i] > keys[i - 1];
    if (!ordered) b = a + sortGroup(keys, counts, a, b);
    out[g] = b > a ? new PackedCounts(keys, counts, a, b) : EMPTY_COUNTS;
  }
  return out;
}

/**
 * Sorts rows [a, b) of (keys, counts) by key in place, summing the counts of equal keys in row
 * order (−0 and 0 are one key, 0); returns the number of distinct keys. Groups are mostly small (a window's gap
 * histogram: ~6 rows at 30 days), sorted by insertion; larger ones (a busy client's length
 * histogram: hundreds of keys) by a native sort of the keys and a binary search per row. (An
 * index array sorted with a comparator per group took 4.5 s of a 30-day directory's load.)
 */
export function sortGroup(keys: Float64Array, counts: Float64Array, a: number, b: number): number {
  if (b - a <= 32) {
    for (let i = a + 1; i < b; i++) {
      const k = keys[i];
      const c = counts[i];
      let j = i;
      for (; j > a && keys[j - 1] > k; j--) {
        keys[j] = keys[j - 1];
        counts[j] = counts[j - 1];
      }
      keys[j] = k;
      counts[j] = c;
    }
    let m = a;
    for (let i = a; i < b; i++) {
      if (m > a && keys[m - 1] === keys[i]) counts[m - 1] += counts[i];
      else {
        keys[m] = keys[i] + 0; // −0 is the key 0
        counts[m++] = counts[i];
      }
    }
    return m - a;
  }
  const distinct = keys.slice(a, b).sort();
  let u = 0;
  for (let i = 0; i < distinct.length; i++) if (u === 0 || distinct[i] !== distinct[u - 1]) distinct[u++] = distinct[i] + 0;
  const sums = new Float64Array(u);
  for (let i = a; i < b; i++) {
    const k = keys[i];
    let lo = 0;
    let hi = u - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (distinct[mid] < k) lo = mid + 1;
      else hi = mid;
    }
    sums[lo] += counts[i];
  }
  keys.set(distinct.subarray(0, u), a);
  counts.set(sums, a);
  return u;
}

const toF64 = (col: Column): Float64Array => {
  if (col instanceof Float64Array) return col;
  const at = reader(col);
  return Float64Array.from({ length: col.length }, (_, i) => num(at(i)));
};

/**
 * (client, window index) → slot, without a string per lookup (a `client\0window` key per row
 * made a 90-day warehouse directory, 4.6 M windows and 14 M dispersion rows, spend most of its
 * 4 minutes' load in building strings and collecting them).
 */
class SlotTable {
  private readonly byClient = new Map<string, Map<number, number>>();
  /** Client and window of each slot, by slot (slots are 0, 1, 2, … in the order set). */
  private readonly clients: string[] = [];
  private readonly windows: number[] = [];
  get(c: unknown, w: number): number | undefined {
    return this.byClient.get(typeof c === 'string' ? c : String(c))?.get(w);
  }
  /** The slot of (c, w) when it is `guess` (rows in the arrivals' own order: no lookup), else by lookup. */
  getNear(c: unknown, w: number, guess: number): number | undefined {
    const k = typeof c === 'string' ? c : String(c);
    if (guess >= 0 && guess < this.clients.length && this.windows[guess] === w && this.clients[guess] === k) return guess;
    return this.byClient.get(k)?.get(w);
  }
  set(c: unknown, w: number, slot: number): void {
    const k = typeof c === 'string' ? c : String(c);
    let m = this.byClient.get(k);
    if (!m) this.byClient.set(k, (m = new Map()));
    m.set(w, slot);
    this.clients[slot] = k;
    this.windows[slot] = w;
  }
}

/** Builds summaries from the scan queries' result tables (see src/summary/sql.ts for their columns), in any row order. */
export function assembleSummaries(t: ScanTables, meta: ScanMeta): TraceSummaries {
  const W = meta.arrivalSeconds;
  const L = meta.lengthSeconds;
  const clientOf = (v: unknown) => String(v);
  const slots = new SlotTable();
  const arrivals: ArrivalSummary[] = [];
  const A = t.arrivals;
  const [aClient, aWi, aN, aFirst, aLast, aGaps, aSum, aSumSq, aSumLog, aPositive] = [A.client, A.wi, A.n, A.first, A.last, A.gaps, A.sum, A.sumSq, A.sumLog, A.positive].map(reader);
  for (let i = 0; i < A.client.length; i++) {
    const wi = num(aWi(i));
    const c = aClient(i);
    slots.set(c, wi, arrivals.length);
    arrivals.push({
      client: clientOf(c),
      start: wi * W,
      n: num(aN(i)),
      first: num(aFirst(i)),
      last: num(aLast(i)),
      gaps: num(aGaps(i)),
      sum: num(aSum(i)),
      sumSq: num(aSumSq(i)),
      sumLog: num(aSumLog(i)),
      positive: num(aPositive(i)),
      quant: EMPTY_COUNTS,
      hist: EMPTY_COUNTS,
      disp: { s1: { bins: 0, sum: 0, sumSq: 0 }, s10: { bins: 0, sum: 0, sumSq: 0 }, s60: { bins: 0, sum: 0, sumSq: 0 } },
    });
  }
  // Slot of each row's (client, window): looked up only when it changes (rows mostly come
  // grouped). A row with no window is an error, or −1 with `missing: 'skip'`.
  const slotOf = (C: Column, Wi: Column, n: number, what: string, table: SlotTable, missing: 'throw' | 'skip' = 'throw'): Int32Array => {
    const out = new Int32Array(n);
    const [cAt, wAt] = [reader(C), reader(Wi)];
    let lastC: unknown;
    let lastW = NaN;
    let slot = -1;
    for (let i = 0; i < n; i++) {
      const c = cAt(i);
      const w = num(wAt(i));
      if (c !== lastC || w !== lastW) {
        slot = table.getNear(c, w, slot + 1) ?? -1;
        if (slot < 0 && missing === 'throw') throw new IngestError(`${what} row for a window with no arrivals row (${clientOf(c)}, window ${w})`);
        lastC = c;
        lastW = w;
      }
      out[i] = slot;
    }
    return out;
  };
  const G = t.gapHist;
  // Kinds: 'q' quantized ticks (1), 'b' batch sizes (2), 'c' clusters (3), 'h' log bins (0).
  // Another kind is refused: read as log bins (as servegen before session 23 read 'c' rows), a
  // newer kind would add its counts to the gap histogram without a word.
  const KINDS: Record<string, number> = { h: 0, q: 1, b: 2, c: 3 };
  const gapSlot = slotOf(G.client, G.wi, G.client.length, 'gap histogram', slots);
  const kindAt = reader(G.kind);
  const [gClient, gWi] = [reader(G.client), reader(G.wi)];
  const quantRow = Uint8Array.from({ length: G.client.length }, (_, i) => {
    const code = KINDS[String(kindAt(i))];
    if (code === undefined) throw new IngestError(`gap histogram row of kind ${JSON.stringify(kindAt(i))} (client ${JSON.stringify(clientOf(gClient(i)))}, window ${num(gWi(i))}): this servegen reads kinds h, q, b and c (written by a newer version?)`);
    return code;
  });
  const gkey = toF64(G.key);
  const gcount = toF64(G.c);
  const pick = (q: number) => {
    let m = 0;
    for (let i = 0; i < quantRow.length; i++) if (quantRow[i] === q) m++;
    const g = new Int32Array(m);
    const k = new Float64Array(m);
    const c = new Float64Array(m);
    for (let i = 0, j = 0; i < quantRow.length; i++) {
      if (quantRow[i] !== q) continue;
      g[j] = gapSlot[i];
      k[j] = gkey[i];
      c[j++] = gcount[i];
    }
    return packGroups(g, k, c, arrivals.length);
  };
  const quant = pick(1);
  const hist = pick(0);
  const batches = pick(2);
  // (none in directories written before clusters were counted: clusters absent)
  const clusters = pick(3);
  arrivals.forEach((a, s) => {
    a.quant = quant[s];
    a.hist = hist[s];
    if (batches[s].size > 0) a.batches = batches[s];
    if (clusters[s].size > 0) a.clusters = clusters[s];
  });
  const D = t.disp;
  const dispSlot = slotOf(D.client, D.wi, D.client.length, 'dispersion', slots, 'skip');
  const [dScale, dSum, dSumSq] = [D.scale, D.sum, D.sumSq].map(reader);
  for (let i = 0; i < D.client.length; i++) {
    const s = dispSlot[i];
    if (s < 0) continue;
    const d = arrivals[s].disp[`s${num(dScale(i))}` as DispKey];
    d.sum = num(dSum(i));
    d.sumSq = num(dSumSq(i));
  }
  if (t.memory) {
    const M = t.memory;
    const sums = MEM_LAGS.map((k) => reader(M[`p${k}`]));
    const [mM, mS1, mS2] = [M.m, M.s1, M.s2].map(reader);
    const P = new Float64Array(MEM_LAGS.length);
    const memSlot = slotOf(M.client, M.wi, M.client.length, 'gap memory', slots);
    for (let i = 0; i < M.client.length; i++) {
      const s = memSlot[i];
      for (let l = 0; l < P.length; l++) P[l] = num(sums[l](i));
      const mem = memFromSums(num(mM(i)), num(mS1(i)), num(mS2(i)), P);
      if (mem) arrivals[s].mem = mem;
    }
  }
  for (const a of arrivals) {
    const covered = Math.min(a.start + W, meta.span.end) - Math.max(a.start, meta.span.start);
    for (const [k, s] of DISP_SCALES) a.disp[k].bins = Math.max(1, Math.ceil(Math.max(covered, s) / s));
  }
  // Length windows: one per (client, window) seen in the lengths table (its '__n' row gives n).
  const N = t.lengths;
  const fieldOf = (v: unknown) => String(v);
  const fieldNames: string[] = [];
  const fieldIndex = new Map<string, number>();
  const lslots = new SlotTable();
  const lengths: LengthSummary[] = [];
  const rowSlot = new Int32Array(N.client.length);
  const rowField = new Int32Array(N.client.length);
  const [nClient, nLi, nField, nC] = [N.client, N.li, N.field, N.c].map(reader);
  let lastLc: unknown;
  let lastLi = NaN;
  let slot = -1;
  for (let i = 0; i < N.client.length; i++) {
    const c = nClient(i);
    const li = num(nLi(i));
    if (c !== lastLc || li !== lastLi) {
      slot = lslots.get(c, li) ?? -1;
      if (slot < 0) {
        slot = lengths.length;
        lslots.set(c, li, slot);
        lengths.push({ client: clientOf(c), start: li * L, n: 0, fields: new Map(), joint: EMPTY_COUNTS });
      }
      lastLc = c;
      lastLi = li;
    }
    const field = fieldOf(nField(i));
    let f = fieldIndex.get(field);
    if (f === undefined) {
      fieldIndex.set(field, (f = fieldNames.length));
      fieldNames.push(field);
    }
    rowSlot[i] = slot;
    rowField[i] = f;
    if (field === '__n') lengths[slot].n = num(nC(i));
  }
  // Fields in the TypeScript builder's order (SUMMARY_FIELDS, then reason_ratio).
  const order = [...SUMMARY_FIELDS, 'reason_ratio'] as string[];
  const rank = (f: string) => (order.includes(f) ? order.indexOf(f) : order.length);
  const nf = fieldNames.length;
  const packedFields = packGroups(Int32Array.from(rowSlot, (s, i) => s * nf + rowField[i]), toF64(N.key), toF64(N.c), lengths.length * nf);
  const fieldsInOrder = fieldNames.map((f, i) => ({ f, i })).filter(({ f }) => f !== '__n').sort((x, y) => rank(x.f) - rank(y.f) || (x.f < y.f ? -1 : 1));
  lengths.forEach((l, s) => {
    for (const { f, i } of fieldsInOrder) {
      const h = packedFields[s * nf + i];
      if (h.size > 0) l.fields.set(f, h);
    }
  });
  if (t.joint) {
    const J = t.joint;
    const js = slotOf(J.client, J.li, J.client.length, 'joint histogram', lslots);
    const joint = packGroups(js, toF64(J.key), toF64(J.c), lengths.length);
    lengths.forEach((l, s) => (l.joint = joint[s]));
  }
  const names = [...new Set([...arrivals, ...lengths].map((x) => x.client))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const crank = new Map(names.map((c, i) => [c, i]));
  // By (client name, start): the client's rank looked up once per window, not per comparison.
  const byClientStart = <T extends { client: string; start: number }>(xs: T[]): T[] => {
    const rank = Float64Array.from(xs, (x) => crank.get(x.client)!);
    const idx = Array.from(xs, (_, i) => i).sort((a, b) => rank[a] - rank[b] || xs[a].start - xs[b].start);
    return idx.map((i) => xs[i]);
  };
  return {
    arrivalSeconds: W,
    lengthSeconds: L,
    resolution: meta.resolution,
    span: meta.span,
    origin: meta.origin,
    arrivals: byClientStart(arrivals),
    lengths: byClientStart(lengths),
    ...bucketsOfTable(t.buckets),
  };
}

/** TraceSummaries.buckets from the aggregate_buckets output (bucket, c), in any row order; none without it. */
function bucketsOfTable(t: Record<string, Column> | undefined): { buckets?: AggregateBuckets } {
  if (!t || t.bucket.length === 0) return {};
  const [bucketAt, cAt] = [reader(t.bucket), reader(t.c)];
  let base = Infinity;
  let top = -Infinity;
  for (let i = 0; i < t.bucket.length; i++) {
    const k = num(bucketAt(i));
    base = Math.min(base, k);
    top = Math.max(top, k);
  }
  const counts = new Float64Array(top - base + 1);
  for (let i = 0; i < t.bucket.length; i++) counts[num(bucketAt(i)) - base] += num(cAt(i));
  return { buckets: { base, counts } };
}

/** Why engine duckdb does not read an OTLP JSON file (exit 2; --engine auto reads it with the TypeScript engine). */
function otlpRefusal(file: string): string {
  return `${file}: OpenTelemetry traces (OTLP JSON), which engine duckdb does not read (each line holds many nested spans); --engine ts reads it, each span a row`;
}

/** The command that turns a JSON array file into JSON lines; jq reads no compressed file (`jq … f.json.gz` said "Invalid numeric literal"). */
export function jqConvert(f: string): string {
  const c = compressionOf(f);
  return c === undefined ? `jq -c '.[]' ${f} > records.jsonl` : `${c === 'gzip' ? 'gzip' : 'zstd'} -dc ${f} | jq -c '.[]' > records.jsonl`;
}
