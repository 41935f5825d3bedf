import { INT_FIELDS } from '../ingest/fields.js';
import { excludedRows } from '../ingest/errors.js';
import type { Mapping } from '../ingest/mapping.js';
import type { IngestSummary } from '../ingest/normalize.js';
import { commitTemporary, discardTemporary, outputError, tempPathFor } from '../io/atomic.js';
import { inputFormatOf } from '../io/input.js';
import { TEXT_COLUMNS } from '../io/trace-schema.js';
import { toolName } from '../version.js';
import { num, openScan, scanTimeWarning, streamedAll, type DuckDbOptions, type OpenScan, sqlDouble } from './duckdb.js';
import { badHashIdsNote, blockSizeNote } from '../ingest/normalize.js';
import { hashValueKeys } from './duckdb-prefix.js';
import { IdDictionary } from '../ingest/id-dictionary.js';
import { GrowableI32 } from '../ingest/trace.js';

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
  options: DuckDbOptions & { maxRejectRatio: number; inputOrder?: boolean; beforeWrite?: (summary: DuckDbIngestSummary) => void | Promise<void>; maxDistinctIds?: number },
): Promise<{ summary: DuckDbIngestSummary; written: number | null }> {
  const unit = mapping.timestamp?.unit ?? 'auto';
  const scan = await openScan(inputs, mapping, { ...options, texts: [...TEXT_COLUMNS], ordered: options.inputOrder, hashIds: 'read', idDigits: true });
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
        formats: Object.fromEntries(scan.files.map((f) => [f, String(inputFormatOf(f, options.format, mapping.format))])),
      },
      duplicate_request_ids: texts.includes('request_id') ? num(counts.n_request_id) - num(counts.ids) : 0,
    };
    if (options.inputOrder) {
      // src_rows holds the rows in input order (rowid), as the TypeScript engine reads them.
      const r = (await con.runAndReadAll('SELECT count(*) AS back FROM (SELECT t < lag(t) OVER (ORDER BY rowid) AS back FROM src_rows WHERE reason IS NULL) WHERE back')).getRowObjectsJS()[0];
      summary.sorted = num(r.back) === 0;
    }
    // The TypeScript engine's warnings, in its order: mixed units, the time axis, ids whose digits were lost.
    const warnings = [scan.autoTimestamp?.warning, await scanTimeWarning(scan), ...(scan.sameBytes ?? []), ...(scan.idDigits ?? [])].filter((w): w is string => w !== undefined);
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
    // (ties in every column but hash_ids are ordered by their value's text too: the ids are
    // renumbered by first use in this order, so it must be one order on every run)
    const order = ['t', 'client', ...presentTexts.map(q), ...presentInts.map(q), ...(scan.hashIds ? ['hash_raw'] : []), ...(scan.hashIds?.spaces ? ['hash_space'] : [])].map((c) => `${c} NULLS FIRST`).join(', ');
    const renumbered = scan.hashIds ? await renumberedIds(scan, order, presentInts, options.maxDistinctIds ?? INGEST_MAX_DISTINCT_IDS) : undefined;
    if (renumbered?.notes.length) summary.notes = [...(summary.notes ?? []), ...renumbered.notes];
    const ids = renumbered?.any ? renumbered : undefined;
    // A generated trace re-ingested keeps what generated it (one input file, as the TypeScript
    // engine): validate places it on the source's time axis by its generator.start.
    const generator = scan.files.length === 1 ? scan.meta?.generator : undefined;
    const meta = { format: 'servegen-trace', version: 1, origin: summary.origin, tool: toolName(), ...(ids ? { block_tokens: ids.blockTokens } : {}), ingest: { files: scan.files, rows_rejected: rejected, engine: 'duckdb' }, ...(generator ? { generator } : {}) };
    scan.stage(`writing ${accepted} rows sorted by time`);
    let tmp: string;
    try {
      tmp = tempPathFor(out);
    } catch (err) {
      throw outputError(out, err);
    }
    try {
      // hash_ids (last, as outputColumns orders them): each row's renumbered ids joined by its place in the order.
      const rows = ids ? `(SELECT *, row_number() OVER (ORDER BY ${order}) - 1 AS sg_ord FROM src_rows WHERE reason IS NULL) AS r LEFT JOIN sg_ids USING (sg_ord)` : 'src_rows WHERE reason IS NULL';
      const columns = ids ? [...select, 'CAST(sg_ids.ids AS INTEGER[]) AS hash_ids'] : select;
      await con.run(`COPY (SELECT ${columns.join(', ')} FROM ${rows} ORDER BY ${ids ? 'sg_ord' : order}) TO ${quote(tmp)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 262144, KV_METADATA {servegen: ${quote(JSON.stringify(meta))}})`);
      commitTemporary(tmp, out);
    } catch (err) {
      discardTemporary(tmp);
      // DuckDB's IO errors are not errno errors: the output is named all the same.
      const e = err as NodeJS.ErrnoException;
      throw typeof e.code === 'string' ? outputError(out, err) : Object.assign(new Error(`${out}: cannot write (${(e.message ?? String(err)).split('\n')[0].replace(/"[^"]*\.tmp"/, 'it')})`), { code: 'EIO', path: out });
    }
    return { summary, written: accepted };
  } finally {
    close();
  }
}

/**
 * Distinct block ids `ingest --engine duckdb` numbers (IdDictionary: ~16–24 bytes each, 3.2 GB
 * of typed arrays at this many, 4.8 GB while it grows to them): a log of 5 M Mooncake-style
 * requests has ~61 M. Above it the trace gets none, said (renumberedIds), where numbering them
 * all would run out of memory; numbering them in SQL instead ran out of DuckDB's 18.8 GB on
 * those 5 M requests (120 M ids).
 */
export const INGEST_MAX_DISTINCT_IDS = 201_000_000;

/**
 * The accepted rows' hash_ids in the written order, read with the TypeScript engine's rules
 * (hashIdKeys) and renumbered by first use in that order, into the table `sg_ids` (sg_ord: the
 * row's place, ids: JSON text of its ids; rows without ids have none). `any`: some row has ids
 * (else the trace has no hash_ids column, as in the TypeScript engine). With the notes the
 * TypeScript engine's ingest gives of them (rows kept without ids; blocks of another size), or
 * the note that there were more distinct ids than `maxDistinct` (none written).
 */
async function renumberedIds(scan: OpenScan, order: string, ints: readonly string[], maxDistinct: number): Promise<{ blockTokens: number; notes: string[]; any: boolean }> {
  const { con } = scan;
  const { blockTokens } = scan.hashIds!;
  const prompt = PROMPT_FIELDS.filter((f) => ints.includes(f));
  scan.stage('renumbering hash_ids by first use');
  // (appended on a connection of its own, to a table of the database: an appender flushes every
  // 204 800 rows, and on the connection streaming the rows that ended the stream — found when a
  // 300 k-request trace failed with an internal error)
  const writer = await scan.connect();
  await writer.run('CREATE OR REPLACE TABLE sg_ids (sg_ord BIGINT, ids VARCHAR)');
  const appender = await writer.createAppender('sg_ids');
  const dict = new IdDictionary();
  const keys: (number | string)[] = [];
  const bad = { rows: 0, first: undefined as string | undefined };
  const label = scan.files.length === 1 ? scan.files[0] : `${scan.files.length} files`;
  // (for blockSizeNote: the rows with ids, their prompt tokens and id counts)
  const counts = new GrowableI32();
  const prompts = new GrowableI32();
  const spaces = scan.hashIds!.spaces;
  const sql = `SELECT hash_raw${prompt.map((f) => `, CAST("${f}" AS DOUBLE) AS "${f}"`).join('')}${spaces ? ', hash_space' : ''} FROM src_rows WHERE reason IS NULL ORDER BY ${order}`;
  const result = await con.stream(sql);
  let ord = 0;
  let full = false;
  for (; !full; ) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const cols = chunk.getColumns();
    for (let i = 0; i < chunk.rowCount; i++, ord++) {
      const text = cols[0][i];
      if (text === null) continue;
      const why = hashValueKeys(String(text), scan.hashIds!, keys, spaces ? Number(cols[prompt.length + 1][i]) : 0);
      if (why !== undefined) {
        if (bad.rows++ === 0) bad.first = `${label}: ${why}`;
        continue;
      }
      if (keys.length === 0) continue;
      let json = '[';
      for (let k = 0; k < keys.length; k++) json += (k ? ',' : '') + String(dict.code(keys[k]));
      if (dict.size > maxDistinct) {
        full = true;
        break;
      }
      appender.appendBigInt(BigInt(ord));
      appender.appendVarchar(json + ']');
      appender.endRow();
      counts.push(keys.length);
      let p = 0;
      for (let c = 1; c <= prompt.length; c++) {
        const x = cols[c][i];
        if (typeof x === 'number' && x > 0) p += x;
      }
      prompts.push(p);
    }
  }
  appender.closeSync();
  if (full) {
    await writer.run('DROP TABLE sg_ids');
    writer.closeSync();
    return { blockTokens, notes: [`hash_ids: more than ${maxDistinct} distinct block ids (by row ${ord + 1} of the written order), more than the DuckDB engine's ingest numbers in memory: the trace has none; ingest time slices of the log for them`], any: false };
  }
  writer.closeSync();
  await streamedAll(con, sql, ord);
  const notes: string[] = [];
  const badNote = badHashIdsNote(bad);
  if (badNote) notes.push(badNote);
  if (dict.size === 0) return { blockTokens, notes, any: false };
  const c = counts.finish();
  const p = prompts.finish();
  const size = blockSizeNote(counts.n, (i) => c[i], (i) => p[i], blockTokens);
  if (size) notes.push(size);
  return { blockTokens, notes, any: true };
}

/** The lengths a prompt's blocks count (replay formats' prompt: text and media input tokens). */
const PROMPT_FIELDS = ['input_tokens', 'image_tokens', 'audio_tokens', 'video_tokens'];
