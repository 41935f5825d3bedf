import { DuckDBInstance } from '@duckdb/node-api';
import { expandInputs, formatFromName, type InputFormat } from '../io/input.js';
import { IngestError, type RejectReason } from '../ingest/errors.js';
import type { Mapping } from '../ingest/mapping.js';
import { detectResolution } from './resolution.js';
import { rowsSql, SQL_INT_FIELDS, summaryQueries } from './sql.js';
import type { ArrivalSummary, LengthSummary, TraceSummaries } from './types.js';

export interface DuckDbScanResult {
  summaries: TraceSummaries;
  rowsRead: number;
  rejectsByReason: Partial<Record<RejectReason, number>>;
  files: string[];
}

function fromClause(files: string[], format: InputFormat): string {
  const list = `[${files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ')}]`;
  switch (format) {
    case 'csv':
      return `read_csv(${list}, header = true, all_varchar = true, delim = ',')`;
    case 'tsv':
      return `read_csv(${list}, header = true, all_varchar = true, delim = '\t')`;
    case 'jsonl':
      return `read_json(${list}, format = 'newline_delimited')`;
    case 'parquet':
      return `read_parquet(${list})`;
    case 'arrow':
      throw new IngestError('engine duckdb: Arrow IPC input is read by the TypeScript engine only (use --engine ts)');
    default: {
      const never: never = format;
      throw new IngestError(`engine duckdb: unsupported format ${String(never)}`);
    }
  }
}

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : (v as number));

/** Runs a query and returns its columns by name (columnar: much faster than row objects for millions of rows). */
async function columns(con: { runAndReadAll(sql: string): Promise<{ columnNames(): string[]; getColumnsJS(): unknown[][] }> }, sql: string): Promise<Record<string, unknown[]>> {
  const r = await con.runAndReadAll(sql);
  const names = r.columnNames();
  const cols = r.getColumnsJS();
  return Object.fromEntries(names.map((n, i) => [n, cols[i]]));
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
  options: { arrivalSeconds: number; lengthSeconds: number; resolution?: number; origin?: number; format?: InputFormat; threads?: number },
): Promise<DuckDbScanResult> {
  const files = expandInputs(inputs);
  const formats = new Set(files.map((f) => options.format ?? formatFromName(f) ?? mapping.format));
  if (formats.size !== 1 || formats.has(undefined)) throw new IngestError('engine duckdb: all inputs must have one known format (use --format)');
  const format = [...formats][0]!;
  const dotted = format !== 'csv' && format !== 'tsv';
  const db = await DuckDBInstance.create(':memory:', options.threads ? { threads: String(options.threads) } : {});
  const con = await db.connect();
  try {
    await con.run("SET TimeZone = 'UTC'");
    await con.run('SET preserve_insertion_order = false');
    // Optional fields whose columns a file lacks are dropped from the mapping (absent, as in
    // the TypeScript engine); a missing required column is an error before anything runs.
    let available: string[];
    try {
      available = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${fromClause(files, format)}`)).getRowObjectsJS().map((r) => String((r as { column_name: unknown }).column_name));
    } catch (err) {
      throw new IngestError(`engine duckdb: ${(err as Error).message.split('\n')[0]}`, files[0]);
    }
    const effective: Mapping = { ...mapping, columns: { ...mapping.columns } };
    for (const [field, src] of Object.entries(mapping.columns) as [keyof Mapping['columns'], NonNullable<Mapping['columns'][keyof Mapping['columns']]>][]) {
      const specs = typeof src === 'string' ? [src] : Array.isArray(src) ? src : 'coalesce' in src ? src.coalesce : 'length' in src ? [src.length] : [];
      const missing = specs.filter((c) => !available.includes(dotted ? c.split('.')[0] : c));
      if (missing.length === 0) continue;
      if (mapping.optional.includes(field as never) || (typeof src === 'object' && !Array.isArray(src) && 'coalesce' in src && missing.length < specs.length)) {
        if (typeof src === 'object' && !Array.isArray(src) && 'coalesce' in src) effective.columns[field] = { coalesce: specs.filter((c) => !missing.includes(c)) } as never;
        else delete effective.columns[field];
        continue;
      }
      throw new IngestError(`${files[0]}: mapping names column ${JSON.stringify(missing[0])} not in the input (columns: ${available.map((c) => JSON.stringify(c)).join(', ')})`, files[0]);
    }
    mapping = effective;
    try {
      // Normalize once into a table (the rows are read a single time).
      await con.run(`CREATE TEMP TABLE src_rows AS ${rowsSql(fromClause(files, format), mapping, dotted)}`);
    } catch (err) {
      throw new IngestError(`engine duckdb: ${(err as Error).message.split('\n')[0]}`, files[0]);
    }
    const present = SQL_INT_FIELDS.filter((f) => mapping.columns[f] !== undefined);
    let reasonRows: Record<string, unknown>[];
    try {
      reasonRows = (await con.runAndReadAll('SELECT reason, count(*) AS c, min(t) AS tmin, max(t) AS tmax, max(abs(t)) AS amax FROM src_rows GROUP BY reason')).getRowObjectsJS() as Record<string, unknown>[];
    } catch (err) {
      throw new IngestError(`engine duckdb: ${(err as Error).message.split('\n')[0]}`, files[0]);
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
    if (!Number.isFinite(tmin)) throw new IngestError(`${files.join(', ')}: no accepted rows`, files[0]);
    const unit = mapping.timestamp?.unit;
    const absolute = unit === 'iso' || amax >= 1e8;
    if (options.origin !== undefined && !absolute) throw new IngestError(`${files[0]}: origin given but the timestamps are relative (no absolute time to count from)`, files[0]);
    // Times count from the given origin (time partitions share one), else from the first second.
    const origin = absolute ? (options.origin ?? Math.floor(tmin)) : 0;
    await con.run(`CREATE TEMP TABLE r AS SELECT t - ${origin} AS t, client${present.map((f) => `, "${f}"`).join('')} FROM src_rows WHERE reason IS NULL`);
    await con.run('DROP TABLE src_rows');
    const W = options.arrivalSeconds;
    const L = options.lengthSeconds;
    let res = options.resolution;
    if (res === undefined) {
      const sample = (await con.runAndReadAll('SELECT t FROM r ORDER BY t LIMIT 200000')).getColumnsJS()[0] as number[];
      res = detectResolution(Float64Array.from(sample)).resolution;
    }
    res = Math.max(res, 1e-6);
    const span = (await con.runAndReadAll('SELECT min(t) AS a, max(t) AS b FROM r')).getRowObjectsJS()[0] as { a: number; b: number };
    const q = summaryQueries({ W, L, res, fields: present });
    await con.run(`CREATE TEMP TABLE x AS ${q.gaps}`);
    const tables: ScanTables = {
      arrivals: await columns(con, q.arrivals),
      gapHist: await columns(con, q.gapHist),
      disp: await columns(con, q.disp),
      lengths: await columns(con, q.lengths),
      joint: q.joint ? await columns(con, q.joint) : undefined,
    };
    return {
      summaries: assembleSummaries(tables, { arrivalSeconds: W, lengthSeconds: L, resolution: res, span: { start: span.a, end: span.b }, origin: absolute ? new Date(origin * 1000).toISOString() : null }),
      rowsRead,
      rejectsByReason,
      files,
    };
  } finally {
    con.closeSync?.();
  }
}

/** Results of the scan queries, column by column (DuckDB results or Parquet files written by a warehouse). */
export interface ScanTables {
  arrivals: Record<string, unknown[]>;
  gapHist: Record<string, unknown[]>;
  disp: Record<string, unknown[]>;
  lengths: Record<string, unknown[]>;
  joint?: Record<string, unknown[]>;
}

/** Scan metadata needed to turn the tables into summaries. */
export interface ScanMeta {
  arrivalSeconds: number;
  lengthSeconds: number;
  resolution: number;
  span: { start: number; end: number };
  origin: string | null;
}

/** Builds summaries from the scan queries' result tables (see src/summary/sql.ts for their columns). */
export function assembleSummaries(t: ScanTables, meta: ScanMeta): TraceSummaries {
  const W = meta.arrivalSeconds;
  const L = meta.lengthSeconds;
  const arrivals = new Map<string, ArrivalSummary>();
  const key = (c: unknown, w: unknown) => `${String(c)}\u0000${num(w)}`;
  const A = t.arrivals;
  for (let i = 0; i < A.client.length; i++) {
    const wi = num(A.wi[i]);
    arrivals.set(key(A.client[i], wi), {
      client: String(A.client[i]),
      start: wi * W,
      n: num(A.n[i]),
      first: num(A.first[i]),
      last: num(A.last[i]),
      gaps: num(A.gaps[i]),
      sum: num(A.sum[i]),
      sumSq: num(A.sumSq[i]),
      sumLog: num(A.sumLog[i]),
      positive: num(A.positive[i]),
      quant: new Map(),
      hist: new Map(),
      disp: { '1': { bins: 0, sum: 0, sumSq: 0 }, '10': { bins: 0, sum: 0, sumSq: 0 }, '60': { bins: 0, sum: 0, sumSq: 0 } },
    });
  }
  const G = t.gapHist;
  let lastKey = '';
  let cur: ArrivalSummary | undefined;
  for (let i = 0; i < G.client.length; i++) {
    const k = key(G.client[i], G.wi[i]);
    if (k !== lastKey) {
      cur = arrivals.get(k);
      lastKey = k;
    }
    if (!cur) throw new IngestError(`gap histogram row for a window with no arrivals row (${String(G.client[i])}, window ${num(G.wi[i])})`);
    (G.kind[i] === 'q' ? cur.quant : cur.hist).set(num(G.key[i]), num(G.c[i]));
  }
  const D = t.disp;
  for (let i = 0; i < D.client.length; i++) {
    const a = arrivals.get(key(D.client[i], D.wi[i]));
    if (!a) continue;
    const d = a.disp[String(num(D.scale[i])) as '1' | '10' | '60'];
    d.sum = num(D.sum[i]);
    d.sumSq = num(D.sumSq[i]);
  }
  for (const a of arrivals.values()) {
    const covered = Math.min(a.start + W, meta.span.end) - Math.max(a.start, meta.span.start);
    for (const s of [1, 10, 60] as const) a.disp[String(s) as '1' | '10' | '60'].bins = Math.max(1, Math.ceil(Math.max(covered, s) / s));
  }
  const lengths = new Map<string, LengthSummary>();
  const N = t.lengths;
  for (let i = 0; i < N.client.length; i++) {
    const k = key(N.client[i], N.li[i]);
    let l = lengths.get(k);
    if (!l) lengths.set(k, (l = { client: String(N.client[i]), start: num(N.li[i]) * L, n: 0, fields: new Map(), joint: new Map() }));
    const field = String(N.field[i]);
    if (field === '__n') {
      l.n = num(N.c[i]);
      continue;
    }
    let m = l.fields.get(field);
    if (!m) l.fields.set(field, (m = new Map()));
    m.set(num(N.key[i]), num(N.c[i]));
  }
  if (t.joint) {
    const J = t.joint;
    for (let i = 0; i < J.client.length; i++) lengths.get(key(J.client[i], J.li[i]))?.joint.set(num(J.key[i]), num(J.c[i]));
  }
  const order = <T extends { client: string; start: number }>(x: T, y: T) => (x.client < y.client ? -1 : x.client > y.client ? 1 : x.start - y.start);
  return {
    arrivalSeconds: W,
    lengthSeconds: L,
    resolution: meta.resolution,
    span: meta.span,
    origin: meta.origin,
    arrivals: [...arrivals.values()].sort(order),
    lengths: [...lengths.values()].sort(order),
  };
}
