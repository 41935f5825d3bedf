/**
 * Scale benchmark (issue 7): the window-summary scan by the TypeScript engine (ingest +
 * buildSummaries) and by embedded DuckDB (summarizeWithDuckDB), on the same request logs as
 * bench/ingest.ts (≈2 000 clients, Zipf volumes; generated here when missing), as CSV and
 * Parquet; `duckdb→dir` is `summarize --engine duckdb --duckdb-memory 256MB --out DIR` (summaries
 * written as Parquet by DuckDB, never materialized in JavaScript). Reference cases bound
 * what any DuckDB-based scan can reach on this machine: `ref: read` (DuckDB reading the file,
 * summing one column and counting distinct clients), `ref: lag` (DuckDB's per-client
 * LAG over time alone — the gaps, before any summary), `ref: gaps by lists` (the same gaps
 * without a sort of all rows: each client's times per 600 s window gathered in a list, sorted
 * and differenced — a cheaper way to the gaps than LAG), `ref: lengths` (the length
 * histograms alone, input, output and joint per client and 6 h window, by three hash
 * aggregates — what any SQL scan must also compute), `ref: input histogram` (the first of
 * those three alone); `ref: normalize` is the one pass's DuckDB side alone (its query
 * streamed into JavaScript, nothing counted), and `ref: stream` the floor under it: the four
 * columns a summary needs (client code, time, input, output) as DuckDB's CSV sniffer or the
 * Parquet schema types them, streamed into JavaScript with no mapping, no reject checks and
 * nothing counted — what any scan that counts in JavaScript pays before it counts. At each row count given: rows/s and
 * peak memory (VmHWM) per case, each case in its own child process, medians of --repeat runs,
 * and each case's speed as a ratio of `ref: read`, and its CPU seconds (every thread) against the
 * CPU the speed targets leave (rows / target × cores): a case over 1× cannot meet its target on
 * this machine however its work is spread; then how each engine's peak grows with rows.
 * `duckdb` counts the summaries on worker threads (the default on a multi-core machine),
 * `duckdb, 1 thread` on the calling thread.
 * Usage: npm run bench:scale [-- --rows 5000000,20000000 --repeat 3 --cases 'duckdb,duckdb, 1 thread']
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// The compiled code (npm run bench:scale builds it first): what the CLI runs, and its worker
// threads start as they do for users (from src, each worker would compile TypeScript first).
// Typed as the sources (dist need not exist to typecheck).
const dist = <T>(path: string) => import(new URL(`../dist/${path}`, import.meta.url).href) as Promise<T>;
const { parseMapping } = await dist<typeof import('../src/ingest/mapping.js')>('ingest/mapping.js');
const { ingestFiles } = await dist<typeof import('../src/ingest/ingest.js')>('ingest/ingest.js');
const { buildSummaries } = await dist<typeof import('../src/summary/build.js')>('summary/build.js');
const { exportScanWithDuckDB, openSource, summarizeWithDuckDB } = await dist<typeof import('../src/summary/duckdb.js')>('summary/duckdb.js');
const { onePassQuery } = await dist<typeof import('../src/summary/duckdb-stream.js')>('summary/duckdb-stream.js');
import type { DuckDBConnection } from '@duckdb/node-api';
import { peakRssMb } from './peak-memory.js';
import { writeInputs } from './ingest.js';

const self = fileURLToPath(import.meta.url);
const MAPPING = parseMapping({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'prompt_tokens', output_tokens: 'completion_tokens' }, timestamp: { unit: 's' } }, 'bench');
const W = { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 0.001 };

interface Result {
  rows: number;
  windows: number;
  seconds: number;
  /** CPU seconds of the whole process (every thread: DuckDB's, the workers'), from the case's start. */
  cpu: number;
  peakMb: number;
}

async function runCase(engine: string, file: string): Promise<void> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let rows = 0;
  let windows = 0;
  if (engine === 'ts') {
    const r = await ingestFiles({ inputs: [file], mapping: MAPPING });
    const s = buildSummaries(r.trace, W);
    rows = r.trace.n;
    windows = s.arrivals.length;
  } else if (engine === 'duckdb' || engine === 'duckdb, 1 thread' || engine === 'duckdb, shuffled') {
    // `1 thread`: the summaries counted on the calling thread (no worker threads).
    const r = await summarizeWithDuckDB([file], MAPPING, { ...W, ...(engine === 'duckdb, 1 thread' ? { workers: 0 } : {}) });
    rows = r.rowsRead;
    windows = r.summaries.arrivals.length;
    // The bench's logs are in time order, its shuffled copies not: check each case measures the path it names.
    const expected = engine.endsWith('shuffled') ? 'sorted-stream' : 'stream';
    if (r.pass !== expected) throw new Error(`${engine}: expected the ${expected} pass, got ${r.pass}`);
  } else if (engine === 'ref: normalize') {
    // The one pass's DuckDB side alone: the same query (mapping, rejects, client codes),
    // streamed in input order into JavaScript chunks that nothing counts.
    const src = await openSource([file], MAPPING, {});
    try {
      const { sql } = await onePassQuery(src);
      await src.con.run('SET preserve_insertion_order = true');
      const result = await src.con.stream(sql);
      let next = result.fetchChunk();
      for (;;) {
        const chunk = await next;
        if (!chunk || chunk.rowCount === 0) break;
        next = result.fetchChunk();
        for (let k = 0; k < chunk.columnCount; k++) chunk.getColumnVector(k);
        rows += chunk.rowCount;
      }
    } finally {
      src.close();
    }
  } else if (engine.startsWith('ref: ')) {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const src = file.endsWith('.csv') ? `read_csv('${file}')` : `read_parquet('${file}')`;
    if (engine === 'ref: stream') {
      // As the one pass streams (openSource's buffer, input order), client codes from an ENUM of the distinct names.
      await con.run("SET streaming_buffer_size = '16MB'");
      await con.run('SET preserve_insertion_order = true');
      await con.run(`CREATE TYPE sg_tenant AS ENUM (SELECT DISTINCT tenant FROM ${src} WHERE tenant IS NOT NULL)`);
      const result = await con.stream(`SELECT CAST(enum_code(CAST(tenant AS sg_tenant)) AS INTEGER) AS c, ts, CAST(prompt_tokens AS INTEGER) AS i, CAST(completion_tokens AS INTEGER) AS o FROM ${src}`);
      let next = result.fetchChunk();
      for (;;) {
        const chunk = await next;
        if (!chunk || chunk.rowCount === 0) break;
        next = result.fetchChunk();
        for (let k = 0; k < chunk.columnCount; k++) chunk.getColumnVector(k);
        rows += chunk.rowCount;
      }
    } else rows = await referenceQuery(con, engine, src);
    con.closeSync();
    db.closeSync();
  } else {
    // duckdb→dir: the summaries written as Parquet by DuckDB, never entering JavaScript, with
    // DuckDB held to 256 MB (it spills to a temporary directory above that).
    const out = join(tmpdir(), `servegen-bench-scan-${process.pid}`);
    const r = await exportScanWithDuckDB([file], MAPPING, out, { ...W, memoryLimit: process.env.SCALE_MEMORY ?? '256MB' });
    rmSync(out, { recursive: true, force: true });
    rows = r.rowsRead;
    windows = r.windows;
  }
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({ rows, windows, seconds: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6, peakMb: peakRssMb() }) + '\n');
}

/** Rows counted by one of the reference queries DuckDB runs alone. */
async function referenceQuery(con: DuckDBConnection, engine: string, src: string): Promise<number> {
  // Length keys as the summaries bin them (src/summary/bins.ts): exact below 4 096, then log bins.
  const key = (e: string) => `CASE WHEN ${e} < 4096 THEN ${e} ELSE -1 - floor(log10(${e} / 4096) * 64)::INTEGER END`;
  const joint = (e: string) => `CASE WHEN ${e} < 16 THEN ${e} ELSE 16 + floor(log10(${e} / 16) * 16)::INTEGER END`;
  const histogram = (f: number, e: string) => `SELECT tenant, floor(ts / 21600)::BIGINT AS li, ${f} AS f, ${e} AS k, count(*) AS n FROM ${src} GROUP BY ALL`;
  const sql =
    engine === 'ref: read'
      ? `SELECT count(*) AS n, sum(prompt_tokens) AS s, count(DISTINCT tenant) AS c FROM ${src}`
      : engine === 'ref: lag'
        ? `SELECT count(*) AS n, sum(g) AS s FROM (SELECT ts - lag(ts) OVER (PARTITION BY tenant ORDER BY ts) AS g FROM ${src})`
        : engine === 'ref: gaps by lists'
          ? `SELECT sum(len(l)) AS n, sum(list_sum([l[k + 1] - l[k] FOR k IN range(1, len(l))])) AS s FROM (SELECT list_sort(list(ts)) AS l FROM ${src} GROUP BY tenant, floor(ts / 600))`
          : engine === 'ref: input histogram'
            ? `SELECT sum(n) AS n FROM (${histogram(0, key('prompt_tokens'))})`
            : `SELECT sum(n) / 3 AS n FROM (${histogram(0, key('prompt_tokens'))} UNION ALL ${histogram(1, key('completion_tokens'))} UNION ALL ${histogram(2, `${joint('prompt_tokens')} * 1024 + ${joint('completion_tokens')}`)})`;
  return Number((await con.runAndReadAll(sql)).getColumnsJS()[0][0]);
}

function child(engine: string, file: string): Result {
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--case', engine, file], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Result;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const argv = process.argv.slice(2);
if (argv[0] === '--case') {
  await runCase(argv[1], argv[2]);
} else {
  const opt = (name: string, def: string) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : def);
  const sizes = opt('rows', '5000000,20000000').split(',').map(Number);
  const repeat = Number(opt('repeat', '3'));
  const ALL = ['ref: read', 'ref: lag', 'ref: gaps by lists', 'ref: lengths', 'ref: input histogram', 'ref: stream', 'ref: normalize', 'ts', 'duckdb', 'duckdb, 1 thread', 'duckdb, shuffled', 'duckdb→dir'];
  // --cases duckdb,ts: a subset (`ref: read` always runs: the ratios are to it; names have ', ').
  const cases = ['ref: read', ...opt('cases', ALL.join(',')).split(/,(?! )/).filter((c) => c !== 'ref: read' && ALL.includes(c))];
  console.log(`# scan benchmark — window summaries (600 s arrival / 6 h length windows) of ≈2 000-client logs; median of ${repeat}; node ${process.version}, 2 cores`);
  // The CPU the targets leave (issue 7): at T rows/s, n rows take n / T seconds on every core.
  const cores = availableParallelism();
  const TARGET = { csv: 3e6, parquet: 8e6 } as const;
  console.log(`CPU s: the case's CPU seconds (all threads, from its start: no process start-up); × budget: over what the target leaves on ${cores} cores (rows / target × cores).`);
  console.log('| rows | input | case | seconds | rows/s | × ref: read | CPU s | × budget | peak RSS | bytes/row | windows |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  const peaks = new Map<string, number[]>();
  for (const rows of sizes) {
    const dir = join(tmpdir(), `servegen-bench-ingest-${rows}`);
    if (!existsSync(join(dir, 'log.parquet'))) {
      mkdirSync(dir, { recursive: true });
      console.error(`writing ${rows} rows of test input to ${dir} …`);
      await writeInputs(dir, rows);
    }
    if (!existsSync(join(dir, 'shuffled.parquet'))) {
      // The same rows out of time order (a fixed hash order): the DuckDB engine's SQL fallback.
      console.error(`writing shuffled copies of ${rows} rows …`);
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const db = await DuckDBInstance.create(':memory:');
      const con = await db.connect();
      await con.run(`CREATE TABLE s AS SELECT * FROM read_parquet('${join(dir, 'log.parquet')}') ORDER BY hash(ts, tenant, prompt_tokens)`);
      await con.run(`COPY s TO '${join(dir, 'shuffled.csv')}' (HEADER)`);
      await con.run(`COPY s TO '${join(dir, 'shuffled.parquet')}' (FORMAT parquet)`);
      con.closeSync();
      db.closeSync();
    }
    for (const ext of ['csv', 'parquet']) {
      let ref = NaN;
      for (const engine of cases) {
        const runs = Array.from({ length: repeat }, () => child(engine, join(dir, `${engine.endsWith('shuffled') ? 'shuffled' : 'log'}.${ext}`)));
        const secs = median(runs.map((r) => r.seconds));
        const peak = median(runs.map((r) => r.peakMb));
        const cpu = median(runs.map((r) => r.cpu));
        const budget = (rows / TARGET[ext as keyof typeof TARGET]) * cores;
        if (engine === 'ref: read') ref = secs;
        const key = `${ext} ${engine}`;
        if (!engine.startsWith('ref')) peaks.set(key, [...(peaks.get(key) ?? []), peak]);
        console.log(`| ${rows} | ${ext} | ${engine} | ${secs.toFixed(2)} | ${(rows / secs / 1e6).toFixed(2)} M | ${(ref / secs).toFixed(2)} | ${cpu.toFixed(2)} | ${(cpu / budget).toFixed(2)} | ${peak.toFixed(0)} MB | ${((peak * 1048576) / rows).toFixed(0)} | ${engine.startsWith('ref') ? '' : runs[0].windows} |`);
      }
    }
  }
  if (sizes.length > 1) {
    console.log(`\nPeak memory growth from ${sizes[0]} to ${sizes[sizes.length - 1]} rows (${(sizes[sizes.length - 1] / sizes[0]).toFixed(1)}× rows):`);
    for (const [key, p] of peaks) console.log(`- ${key}: ${(p[p.length - 1] / p[0]).toFixed(2)}×`);
  }
  console.log('Targets (issue 7): DuckDB engine ≥ 3 M rows/s (CSV) and ≥ 8 M rows/s (Parquet), memory flat as rows grow.');
}
