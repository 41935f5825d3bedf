import { INT_FIELDS } from '../ingest/fields.js';
import { excludedRows } from '../ingest/errors.js';
import type { Mapping } from '../ingest/mapping.js';
import type { IngestSummary } from '../ingest/normalize.js';
import { commitTemporary, discardTemporary, outputError, tempPathFor } from '../io/atomic.js';
import { formatFromName } from '../io/input.js';
import { TEXT_COLUMNS } from '../io/trace-schema.js';
import { toolName } from '../version.js';
import { num, openScan, scanTimeWarning, type DuckDbOptions, sqlDouble } from './duckdb.js';

/**
 * What `ingest --engine duckdb` reports: the ingest summary, with `sorted` (the accepted rows in
 * time order as read) only when asked for by `inputOrder`: keeping the input order costs time
 * under a memory limit.
 */
export type DuckDbIngestSummary = Omit<IngestSummary, 'sorted'> & { engine: 'duckdb'; sorted?: boolean };

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * `ingest` for inputs too large to hold in memory: rows are normalized in embedded DuckDB
 * (the SQL of the summary scan, same rejects by reason) and written, sorted by time, as the
 * normalized Parquet trace — same columns, types and `servegen` key-value metadata as the
 * TypeScript writer, so every command reads it as it reads ours. Rows with equal timestamps
 * are ordered by client and then the other columns (the TypeScript engine keeps input order),
 * so the output is deterministic. Nothing is written when more than `maxRejectRatio` of the
 * rows are rejected. Written atomically (temp file, then rename).
 */
export async function ingestWithDuckDB(
  inputs: string[],
  mapping: Mapping,
  out: string,
  options: DuckDbOptions & { maxRejectRatio: number; inputOrder?: boolean; beforeWrite?: (summary: DuckDbIngestSummary) => void | Promise<void> },
): Promise<{ summary: DuckDbIngestSummary; written: number | null }> {
  const unit = mapping.timestamp?.unit ?? 'auto';
  const scan = await openScan(inputs, mapping, { ...options, texts: [...TEXT_COLUMNS], ordered: options.inputOrder });
  const { con, origin, absolute, originIso, close } = scan;
  try {
    const m = scan.mapping;
    const texts = TEXT_COLUMNS.filter((f) => m.columns[f] !== undefined);
    const ints = INT_FIELDS.filter((f) => m.columns[f] !== undefined);
    const q = (f: string) => `"${f}"`;
    const counts = (
      await con.runAndReadAll(
        `SELECT count(*) AS n, count(DISTINCT client) AS clients, min(t) AS s, max(t) AS e${[...texts, ...ints].map((f) => `, count(${q(f)}) AS ${q(`n_${f}`)}`).join('')}${texts.includes('request_id') ? ', count(DISTINCT request_id) AS ids' : ''} FROM src_rows WHERE reason IS NULL`,
      )
    ).getRowObjectsJS()[0] as Record<string, unknown>;
    const accepted = num(counts.n);
    const rejected = scan.rowsRead - accepted;
    // A column with no value at all is absent, as in the TypeScript engine.
    const has = (f: string) => num(counts[`n_${f}`]) > 0;
    const summary: DuckDbIngestSummary = {
      engine: 'duckdb',
      files: scan.files,
      rows_read: scan.rowsRead,
      rows_accepted: accepted,
      rows_rejected: rejected,
      rejects_by_reason: scan.rejectsByReason,
      clients: num(counts.clients),
      span_seconds: num(counts.e) - num(counts.s),
      origin: originIso,
      detected: {
        // With unit auto: what it decided and why, as the TypeScript engine reports it.
        timestamp: scan.autoTimestamp
          ? { unit: scan.autoTimestamp.unit, absolute, how: 'auto', reason: scan.autoTimestamp.reason }
          : { unit: unit as 's' | 'ms' | 'us' | 'ns' | 'iso', absolute, how: 'mapping', reason: absolute ? (unit === 'iso' ? 'date-time strings' : 'epoch time') : 'relative time' },
        formats: Object.fromEntries(scan.files.map((f) => [f, String(options.format ?? formatFromName(f) ?? mapping.format)])),
      },
      duplicate_request_ids: texts.includes('request_id') ? num(counts.n_request_id) - num(counts.ids) : 0,
    };
    if (options.inputOrder) {
      // src_rows holds the rows in input order (rowid), as the TypeScript engine reads them.
      const r = (await con.runAndReadAll('SELECT count(*) AS back FROM (SELECT t < lag(t) OVER (ORDER BY rowid) AS back FROM src_rows WHERE reason IS NULL) WHERE back')).getRowObjectsJS()[0];
      summary.sorted = num(r.back) === 0;
    }
    // The TypeScript engine's warnings, in its order: mixed units, then the time axis.
    const warnings = [scan.autoTimestamp?.warning, await scanTimeWarning(scan)].filter((w): w is string => w !== undefined);
    if (warnings.length > 0) summary.warnings = warnings;
    // The caller's work before the trace is written (--rejects: a failure there leaves no trace behind).
    await options.beforeWrite?.(summary);
    const excluded = excludedRows(scan.rejectsByReason);
    if (scan.rowsRead > excluded && (rejected - excluded) / (scan.rowsRead - excluded) > options.maxRejectRatio) return { summary, written: null };
    // Column order of outputColumns(): timestamp, client_id, texts, turn, lengths, block_count.
    const presentTexts = texts.filter(has);
    const presentInts = ints.filter(has);
    const intCol = (f: string) => `CAST(${q(f)} AS INTEGER) AS ${q(f)}`;
    const select = [
      `t - ${sqlDouble(origin)} AS "timestamp"`,
      'client AS client_id',
      ...presentTexts.map(q),
      ...presentInts.filter((f) => f === 'turn').map(intCol),
      ...presentInts.filter((f) => f !== 'turn' && f !== 'block_count').map(intCol),
      ...presentInts.filter((f) => f === 'block_count').map(intCol),
    ];
    const order = ['t', 'client', ...presentTexts.map(q), ...presentInts.map(q)].map((c) => `${c} NULLS FIRST`).join(', ');
    // A generated trace re-ingested keeps what generated it (one input file, as the TypeScript
    // engine): validate places it on the source's time axis by its generator.start.
    const generator = scan.files.length === 1 ? scan.meta?.generator : undefined;
    const meta = { format: 'servegen-trace', version: 1, origin: summary.origin, tool: toolName(), ingest: { files: scan.files, rows_rejected: rejected, engine: 'duckdb' }, ...(generator ? { generator } : {}) };
    scan.stage(`writing ${accepted} rows sorted by time`);
    let tmp: string;
    try {
      tmp = tempPathFor(out);
    } catch (err) {
      throw outputError(out, err);
    }
    try {
      await con.run(`COPY (SELECT ${select.join(', ')} FROM src_rows WHERE reason IS NULL ORDER BY ${order}) TO ${quote(tmp)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 262144, KV_METADATA {servegen: ${quote(JSON.stringify(meta))}})`);
      commitTemporary(tmp, out);
    } catch (err) {
      discardTemporary(tmp);
      // DuckDB's IO errors are not errno errors: the output is named all the same.
      const e = err as NodeJS.ErrnoException;
      throw typeof e.code === 'string' ? outputError(out, err) : Object.assign(new Error(`cannot write (${(e.message ?? String(err)).split('\n')[0].replace(/"[^"]*\.tmp"/, 'it')})`), { code: 'EIO', path: out });
    }
    return { summary, written: accepted };
  } finally {
    close();
  }
}
