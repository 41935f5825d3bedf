// Writes the same trace in every input format ingest reads, with independent writers
// (DuckDB for CSV/JSON/Parquet, apache-arrow for Arrow IPC), into fixtures/formats/.
// Source: fixtures/traces/burstgpt/burstgpt3_slice.csv (CC-BY-4.0, 400 rows).
// Run: node --import tsx scripts/make-format-fixtures.ts
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromArrays, tableToIPC, type Table } from 'apache-arrow';

const out = new URL('../fixtures/formats/', import.meta.url).pathname;
const src = new URL('../fixtures/traces/burstgpt/burstgpt3_slice.csv', import.meta.url).pathname;
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run(`CREATE TABLE t AS SELECT "Timestamp" AS ts, "Model" AS model, "Log Type" AS log_type,
  NULLIF("Session ID", '') AS session, "Request tokens" AS input, "Response tokens" AS output
  FROM read_csv('${src}', header = true)`);
await con.run(`COPY t TO '${out}trace.csv' (FORMAT csv, HEADER)`);
await con.run(`COPY t TO '${out}trace.tsv' (FORMAT csv, HEADER, DELIMITER '\t')`);
await con.run(`COPY t TO '${out}trace.jsonl' (FORMAT json)`);
await con.run(`COPY t TO '${out}trace-snappy-v1.parquet' (FORMAT parquet, COMPRESSION snappy)`);
await con.run(`COPY t TO '${out}trace-zstd-v2.parquet' (FORMAT parquet, COMPRESSION zstd, PARQUET_VERSION v2)`);
await con.run(`COPY t TO '${out}trace-gzip.parquet' (FORMAT parquet, COMPRESSION gzip, ROW_GROUP_SIZE 100)`);
const rows = (await con.runAndReadAll('SELECT ts, model, log_type, session, input, output FROM t')).getRowObjectsJS() as Record<string, unknown>[];
const table = tableFromArrays({
  ts: Float64Array.from(rows.map((r) => Number(r.ts))),
  model: rows.map((r) => String(r.model)),
  log_type: rows.map((r) => String(r.log_type)),
  session: rows.map((r) => (r.session === null ? null : String(r.session))),
  input: Int32Array.from(rows.map((r) => Number(r.input))),
  output: Int32Array.from(rows.map((r) => Number(r.output))),
} as never) as unknown as Table;
writeFileSync(`${out}trace.arrow`, tableToIPC(table, 'file'));
writeFileSync(`${out}trace.arrows`, tableToIPC(table, 'stream'));
execFileSync('sh', ['-c', `gzip -9 -n -c ${out}trace.csv > ${out}trace.csv.gz`]);
console.error(`wrote ${rows.length} rows in every format to ${out}`);
