/**
 * The DuckDB scan in one pass: DuckDB reads and normalizes the inputs (in input order) and
 * hands typed chunks of (client code, time, lengths) to the TypeScript engine's
 * SummaryBuilder. No normalized table is kept: DuckDB streams the rows, computing ahead in
 * parallel into a 16 MB buffer while the chunks are counted here.
 *
 * The one pass needs the rows in time order per client (request logs are written in time
 * order), and the time origin and clock resolution before the first window is counted. Both
 * are decided from the first RESOLUTION_SAMPLE accepted rows and checked at the end against all rows;
 * when a check fails — or a client's row comes before its previous one — it gives up
 * (undefined) and the caller scans again the slower way, with the same results.
 */
import { REJECT_REASONS, type RejectReason } from '../ingest/errors.js';
import { duckdbReadError } from './duckdb-errors.js';
import type { DuckDBDataChunk } from '@duckdb/node-api';
import { SummaryBuilder, type RowChunk } from './build.js';
import { defaultBuildWorkers, ParallelSummaryBuilder, type SpawnedWorkers } from './parallel-build.js';
import { originOf, streamedAll, timeWarningOf, useFieldCounts, type Source } from './duckdb.js';
import { EXTRA_FIELD, withFieldCounts } from './duckdb-csv-fields.js';
import { windowsMayHaveImplausibleDates, windowsMayHaveTimeOutliers } from '../ingest/time-axis.js';
import { detectResolution, RESOLUTION_SAMPLE } from './resolution.js';
import { clientRaw, exponentIdSql, rowsSql } from './sql.js';
import type { TraceSummaries } from './types.js';
import { poolClients } from './pool.js';


export interface StreamedScan {
  summaries: TraceSummaries;
  /** Clients pooled into `tail` (options.poolBelow). */
  pooled: number;
  rowsRead: number;
  rejectsByReason: Partial<Record<RejectReason, number>>;
  /** The time-axis warning (findTimeOutliers) on the accepted rows, if any. */
  warning?: string;
}

/** The one pass's sniffed read of a CSV stopped at a row of another width (`fields.found` is set): scan again with the field counts. */
export class RowWidthError extends Error {}

const items = (chunk: DuckDBDataChunk, i: number) => (chunk.getColumnVector(i) as unknown as { items: Float64Array | Int32Array }).items;

/** The accepted rows of a chunk (reject code 0 in `reason`; all rows without it), copied — or as they are when all are accepted and `copy` is false. */
function accepted(rows: RowChunk, reason: Int32Array | undefined, copy: boolean): RowChunk {
  if (!reason) {
    if (!copy) return rows;
    return { n: rows.n, t: rows.t.slice(0, rows.n), client: rows.client.slice(0, rows.n), ints: Object.fromEntries(Object.entries(rows.ints).map(([k, v]) => [k, v!.slice(0, rows.n)])) };
  }
  let m = 0;
  for (let i = 0; i < rows.n; i++) if (reason[i] === 0) m++;
  const pick = <T extends Float64Array | Int32Array>(a: T, out: T): T => {
    let j = 0;
    for (let i = 0; i < rows.n; i++) if (reason[i] === 0) out[j++] = a[i];
    return out;
  };
  return {
    n: m,
    t: pick(rows.t, new Float64Array(m)),
    client: pick(rows.client, new Int32Array(m)),
    ints: Object.fromEntries(Object.entries(rows.ints).map(([k, v]) => [k, pick(v!, new Int32Array(m))])),
  };
}

/**
 * Summaries of the source in one streamed pass, or undefined when its rows are not in an
 * order one pass can count (see above). Rejected rows are counted by reason.
 */
export async function streamSummarize(
  src: Source,
  options: { arrivalSeconds: number; lengthSeconds: number; resolution?: number; origin?: number; firstSecond?: boolean; memoryLimit?: string; onProgress?: (rowsRead: number) => void; workers?: number; poolBelow?: number },
): Promise<StreamedScan | undefined> {
  const { con, files, present } = src;
  const fail = (err: unknown) => duckdbReadError(err, files);
  // A CSV row of another width stops the sniffed read (one with too few fields: the pre-reads
  // look for too many only): the caller reads the inputs again with their field counts.
  const failRead = (err: unknown) => {
    if (!src.fields || src.numericSource.fieldCounts || !/Expected Number of Columns/.test(err instanceof Error ? err.message : String(err))) return fail(err);
    src.fields.found = true;
    return new RowWidthError(duckdbReadError(err, files).message);
  };
  const query = await onePassQuery(src).catch((err: unknown) => {
    throw fail(err);
  });
  const { sql, rows: rowsInSource } = query;
  let { clients, remap } = query;
  let pooled = 0;
  if (options.poolBelow !== undefined && options.poolBelow > 0) {
    // Accepted rows per client, by the one pass's own query (its rules, its rejects), before the
    // pass: the builder must see the pool's rows as one client's.
    src.stage('clients: accepted rows per client, to pool the small ones');
    const counted = await con.runAndReadAll(`SELECT c, CAST(count(*) AS DOUBLE) AS n FROM (${sql}) AS sg_pass WHERE r = 0 GROUP BY c`).catch((err: unknown) => {
      throw fail(err);
    });
    const [codes, ns] = counted.getColumnsJS() as [number[], number[]];
    const counts = new Float64Array(clients.length);
    codes.forEach((c, i) => (counts[remap ? remap[c + 1] : c] += ns[i]));
    const pool = poolClients(clients, counts, options.poolBelow);
    if (pool) {
      const old = remap;
      remap = old ? Int32Array.from(old, (k) => pool.code[k]) : Int32Array.from([0, ...pool.code]);
      clients = pool.ids;
      pooled = pool.pooled;
    }
  }
  src.stage('summaries in one pass over the rows in input order');
  await con.run('SET preserve_insertion_order = true');
  let next: Promise<DuckDBDataChunk | null> | undefined;
  let builder: SummaryBuilder | ParallelSummaryBuilder | undefined;
  let spawned: SpawnedWorkers | undefined;
  try {
    // Streamed: DuckDB computes ahead in parallel (openSource sets its buffer) while the chunks
    // are counted here.
    const result = await con.stream(sql).catch((err: unknown) => {
      throw failRead(err);
    });
    const rejected = new Float64Array(REJECT_REASONS.length + 1);
    let rowsRead = 0;
    let nAccepted = 0;
    let tmin = Infinity;
    let tmax = -Infinity;
    // Before the builder exists: accepted rows (raw times), then the decisions made from them.
    const held: RowChunk[] = [];
    let origin = 0;
    let decided: ReturnType<typeof originOf> | undefined;
    let sampleMax = -Infinity; // the largest time in the resolution sample (none: the resolution was given)
    let minAfter = Infinity;
    let rel = new Float64Array(4096);
    const push = (rowsIn: RowChunk): boolean => {
      if (rel.length < rowsIn.n) rel = new Float64Array(rowsIn.n);
      for (let i = 0; i < rowsIn.n; i++) rel[i] = rowsIn.t[i] - origin;
      return builder!.push({ ...rowsIn, t: rel });
    };
    // Counting on worker threads when the input is large enough to repay starting them; when
    // the client pre-pass counted enough rows, started now, loading while the first rows are read.
    const workers = options.workers ?? defaultBuildWorkers();
    if (workers >= 1 && rowsInSource !== undefined && rowsInSource >= RESOLUTION_SAMPLE) spawned = ParallelSummaryBuilder.spawn(workers);
    const decide = async (large: boolean): Promise<boolean> => {
      try {
        decided = originOf(src, tmin, Math.max(Math.abs(tmin), Math.abs(tmax)), options.origin, options.firstSecond);
      } catch {
        return false; // e.g. --origin with times that look relative so far: the whole input decides
      }
      origin = decided.origin;
      let res = options.resolution;
      if (res === undefined) {
        // The sample every engine takes: the earliest accepted times, from the origin.
        const all = new Float64Array(nAccepted);
        let at = 0;
        for (const h of held) for (let i = 0; i < h.n; i++) all[at++] = h.t[i] - origin;
        all.sort();
        const sample = all.subarray(0, Math.min(RESOLUTION_SAMPLE, all.length));
        sampleMax = sample[sample.length - 1];
        res = detectResolution(sample).resolution;
      }
      const builderOptions = { arrivalSeconds: options.arrivalSeconds, lengthSeconds: options.lengthSeconds, resolution: res, clients };
      builder = large && workers >= 1 ? await ParallelSummaryBuilder.start(builderOptions, spawned ?? workers) : new SummaryBuilder(builderOptions);
      for (const h of held) if (!push(h)) return false;
      held.length = 0;
      return true;
    };
    // The next chunk is fetched (off the main thread) while this one is counted.
    next = result.fetchChunk();
    for (;;) {
      let chunk: DuckDBDataChunk | null;
      try {
        chunk = await next;
      } catch (err) {
        throw failRead(err);
      }
      if (!chunk || chunk.rowCount === 0) break;
      next = result.fetchChunk();
      // An error surfaces when awaited (or is dropped when this pass gives up first).
      next.catch(() => undefined);
      const n = chunk.rowCount;
      rowsRead += n;
      options.onProgress?.(rowsRead);
      const reason = items(chunk, 0) as Int32Array;
      let bad = 0;
      for (let i = 0; i < n; i++) if (reason[i] !== 0) bad++;
      let withRejects: Int32Array | undefined;
      if (bad > 0) {
        withRejects = reason;
        for (let i = 0; i < n; i++) rejected[reason[i]]++;
      }
      let client = items(chunk, 1) as Int32Array;
      if (remap) {
        const codes = client;
        client = new Int32Array(n);
        for (let i = 0; i < n; i++) client[i] = remap[codes[i] + 1];
      }
      const got: RowChunk = { n, client, t: items(chunk, 2) as Float64Array, ints: {} };
      present.forEach((f, k) => (got.ints[f] = items(chunk, 3 + k) as Int32Array));
      const rowsIn = accepted(got, withRejects, builder === undefined);
      nAccepted += rowsIn.n;
      for (let i = 0; i < rowsIn.n; i++) {
        const t = rowsIn.t[i];
        if (t < tmin) tmin = t;
        if (t > tmax) tmax = t;
        if (builder && t - origin < minAfter) minAfter = t - origin;
      }
      if (builder) {
        if (!push(rowsIn)) return undefined;
        if (builder instanceof ParallelSummaryBuilder) await builder.drain();
      } else {
        held.push(rowsIn);
        if (nAccepted >= RESOLUTION_SAMPLE && !(await decide(true))) return undefined;
      }
    }
    // A streamed result that fails part-way (e.g. a JSON value of another type deep in the
    // file) ends like one that is complete: fetchChunk gives no error. Every input row is one
    // result row, so a stream with fewer rows than the input failed; its error is the one a
    // materialized run of the query gives.
    try {
      await streamedAll(con, sql, rowsRead, rowsInSource ?? (await inputRows(src)));
    } catch (err) {
      throw failRead(err);
    }
    if (nAccepted === 0) return undefined; // the caller's scan reports it
    if (!builder && !(await decide(false))) return undefined;
    // The decisions hold for every row: same origin, and the resolution sample was the earliest times.
    const final = originOf(src, tmin, Math.max(Math.abs(tmin), Math.abs(tmax)), options.origin, options.firstSecond);
    if (final.origin !== decided!.origin || final.originIso !== decided!.originIso || final.absolute !== decided!.absolute) return undefined;
    if (minAfter < sampleMax) return undefined;
    const rejectsByReason: Partial<Record<RejectReason, number>> = {};
    REJECT_REASONS.forEach((r, i) => {
      if (rejected[i + 1] > 0) rejectsByReason[r] = rejected[i + 1];
    });
    src.stage('summaries: closing the open windows');
    const summaries = await builder!.finish(decided!.originIso);
    // The time-axis warning of the other scans, when the windows leave room for one (rare: it
    // reads the inputs again).
    let warning: string | undefined;
    if (windowsMayHaveTimeOutliers(summaries.arrivals, options.arrivalSeconds) || windowsMayHaveImplausibleDates(summaries.arrivals, decided!.originIso)) {
      src.stage('time axis: the earliest and latest accepted rows');
      const rows = `(${rowsSql(src.from, src.mapping, src.dotted, undefined, src.numericSource)}) AS sg_rows WHERE reason IS NULL`;
      warning = await timeWarningOf(con, rows, origin, decided!.originIso, nAccepted, src.mapping.timestamp?.marks === 'end').catch((err: unknown) => {
        throw fail(err);
      });
    }
    return { summaries, pooled, rowsRead, rejectsByReason, warning };
  } finally {
    if (builder instanceof ParallelSummaryBuilder) builder.close();
    else spawned?.close();
    // No fetch may be left running on the connection when the caller goes on using it.
    await next?.catch(() => undefined);
    await con.run('SET preserve_insertion_order = false');
  }
}

/**
 * The one pass's query over the source, in input order: per row the reject code `r` (0:
 * accepted), the client code `c` (with `remap`: remap[c + 1] is the index into `clients`), the
 * time `t`, then the summarized integer fields (−1: absent). Creates the ENUM types it uses.
 */
export async function onePassQuery(src: Source): Promise<{ sql: string; clients: string[]; remap?: Int32Array; rows?: number }> {
  const { con, present } = src;
  const raw = clientRaw(src.mapping, src.dotted, src.numericSource);
  // CSV rows with too many fields (which DuckDB's sniffed read may take without a word): found
  // in the client pre-pass below when there is one, else in the count of the input's rows that
  // checks the stream is complete (read before the pass, not after it): no read of their own.
  const fields = src.fields && !src.numericSource.fieldCounts && src.fields.found === undefined ? src.fields : undefined;
  let total: number | undefined;
  if (fields && !(src.mapping.columns.client_id && raw)) {
    src.stage('rows with another number of fields than the header');
    const [n, extra] = await withFieldCounts(fields, async (from) => (await con.runAndReadAll(`SELECT CAST(count(*) AS DOUBLE), CAST(count(${EXTRA_FIELD}) AS DOUBLE) FROM ${from} AS src_in`)).getRows()[0].map(Number));
    fields.found = extra > 0;
    if (fields.found) useFieldCounts(src);
    total = n;
  }
  const rows = () => `(${rowsSql(src.from, src.mapping, src.dotted, undefined, src.numericSource, [], { rawClient: true })}) AS sg_rows`;
  src.stage('clients');
  let clients: string[];
  // The client code of each row (`c`): an index into `clients` — or, with `remap`, into the
  // distinct raw texts of the client column (−1: none), which remap[code + 1] turns into one.
  let clientCode: string;
  let remap: Int32Array | undefined;
  if (!src.mapping.columns.client_id) {
    clients = [src.numericSource.clientMissing ? 'unknown' : 'default'];
    clientCode = '0';
  } else if (raw) {
    // Distinct raw texts first (a dictionary-encoded column reads them without decoding
    // every row), normalized once each rather than per row.
    // Counted by value in the same read: the input's rows, to check the stream is complete.
    // A CSV is read with its rows' field counts here (as fast as the sniffed read; an empty
    // field reads '' rather than NULL, which the client's normalization takes alike).
    if (fields) {
      await withFieldCounts(fields, (from) => con.run(`CREATE OR REPLACE TEMP TABLE sg_raw_n AS SELECT v, count(*) AS n, count(x) AS extra FROM (SELECT ${raw.raw} AS v, ${EXTRA_FIELD} AS x FROM ${from} AS src_in) GROUP BY v`));
      fields.found = Number((await con.runAndReadAll('SELECT CAST(coalesce(sum(extra), 0) AS DOUBLE) FROM sg_raw_n')).getColumnsJS()[0][0]) > 0;
      if (fields.found) useFieldCounts(src);
    } else await con.run(`CREATE TEMP TABLE sg_raw_n AS SELECT v, count(*) AS n FROM (SELECT ${raw.raw} AS v FROM ${src.from} AS src_in) GROUP BY v`);
    total = Number((await con.runAndReadAll('SELECT CAST(coalesce(sum(n), 0) AS DOUBLE) FROM sg_raw_n')).getColumnsJS()[0][0]);
    // Client ids whose digits were lost (openSource left them to this pass): tested on the
    // distinct texts, the inputs read for them only when one is.
    if (src.clientIdDigits && Number((await con.runAndReadAll(`SELECT CAST(count(*) AS DOUBLE) FROM sg_raw_n WHERE ${exponentIdSql('v')}`)).getColumnsJS()[0][0]) > 0) await src.clientIdDigits();
    await con.run(`CREATE TYPE sg_raw AS ENUM (SELECT v FROM sg_raw_n WHERE v IS NOT NULL ORDER BY v)`);
    const names = ((await con.runAndReadAll(`SELECT ${raw.client('v')} AS c FROM (SELECT unnest(enum_range(NULL::sg_raw)) AS v)`)).getColumnsJS()[0] ?? []).map(String);
    clients = [...new Set([...names, 'unknown'])];
    const index = new Map(clients.map((c, i) => [c, i]));
    remap = Int32Array.from([index.get('unknown')!, ...names.map((c) => index.get(c)!)]);
    clientCode = 'coalesce(CAST(enum_code(CAST(client_raw AS sg_raw)) AS INTEGER), -1)';
  } else {
    await con.run(`CREATE TYPE sg_client AS ENUM (SELECT DISTINCT client FROM ${rows()} ORDER BY client)`);
    // No rows, no enum values, no column: the caller's scan reports the empty input.
    clients = (((await con.runAndReadAll('SELECT unnest(enum_range(NULL::sg_client)) AS c')).getColumnsJS()[0] ?? []) as unknown[]).map(String);
    clientCode = 'CAST(enum_code(CAST(client AS sg_client)) AS INTEGER)';
  }
  const reasons = REJECT_REASONS.map((r, i) => `WHEN '${r}' THEN ${i + 1}`).join(' ');
  const ints = present.map((f) => `, CASE WHEN reason IS NULL THEN CAST(coalesce("${f}", -1) AS INTEGER) ELSE -1 END AS "${f}"`).join('');
  const sql = `SELECT CAST(CASE reason ${reasons} ELSE 0 END AS INTEGER) AS r, ${clientCode} AS c, CASE WHEN reason IS NULL THEN t ELSE 0 END AS t${ints} FROM ${rows()}`;
  return { sql, clients, remap, rows: total };
}

/** Rows in the inputs (the one pass's query has one row per input row). */
async function inputRows(src: Source): Promise<number> {
  return Number((await src.con.runAndReadAll(`SELECT CAST(count(*) AS DOUBLE) FROM ${src.from} AS src_in`)).getColumnsJS()[0][0]);
}
