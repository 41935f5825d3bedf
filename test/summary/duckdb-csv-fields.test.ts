import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { ingestWithDuckDB } from '../../src/summary/duckdb-ingest.js';
import { inspectWithDuckDB } from '../../src/summary/duckdb-inspect.js';
import { buildSummaries } from '../../src/summary/build.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping, type Mapping } from '../../src/ingest/mapping.js';
import { expectEqualSummaries } from './equal-summaries.js';
import { tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';

const W = { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 0.001 };
const map = (columns: Mapping['columns'], unit: 's' | 'auto' = 's') => parseMapping({ columns, timestamp: { unit } }, 'm');
const CLIENT = map({ timestamp: 't', client_id: 'c', input_tokens: 'i' });

/** 3 000 rows `t,c,i` (past DuckDB's sniffed sample), the rows at the given 0-based indices replaced. */
function csv(bad: Record<number, string>, eol = '\n', delim = ','): string {
  const rows = Array.from({ length: 3000 }, (_, k) => bad[k] ?? `${(k * 0.5).toFixed(1)},c${k % 3},${k % 7}`);
  return ['t,c,i', ...rows].map((r) => r.replace(/,/g, delim)).join(eol) + eol;
}

/** Both engines on the same files: rows read, rejects by reason and summaries equal. */
async function same(files: string[], mapping: Mapping) {
  const ts = await ingestFiles({ inputs: files, mapping });
  const duck = await summarizeWithDuckDB(files, mapping, W);
  expect(duck.rowsRead).toBe(ts.summary.rows_read);
  expect(duck.rejectsByReason).toEqual(ts.summary.rejects_by_reason);
  expectEqualSummaries(buildSummaries(ts.trace, W), duck.summaries);
  return { ts, duck };
}

describe('DuckDB engine: CSV rows with another number of fields than the header, counted as the TypeScript reader counts them', () => {
  it('an extra empty last field (`2,b,` under `t,c`) is a wrong_column_count reject, not a row read without it (DuckDB dropped the field unseen)', async () => {
    const dir = tempDir();
    const file = `${dir}/a.csv`;
    writeFileSync(file, csv({ 2500: '1250.0,c1,3,', 2700: '1350.0,c0,4,,' }));
    const { duck } = await same([file], CLIENT);
    expect(duck.rejectsByReason).toEqual({ wrong_column_count: 2 });
    expect(duck.pass).toBe('stream');
    // Without a client column (no client pre-pass: a read of its own), and with the unit decided from the accepted rows.
    await same([file], map({ timestamp: 't', input_tokens: 'i' }));
    await same([file], map({ timestamp: 't', client_id: 'c', input_tokens: 'i' }, 'auto'));
    // ingest and inspect (their scan reads into a table).
    const d = await ingestWithDuckDB([file], CLIENT, `${dir}/a.parquet`, { maxRejectRatio: 1 });
    expect(d.summary).toMatchObject({ rows_read: 3000, rows_rejected: 2, rejects_by_reason: { wrong_column_count: 2 } });
    expect((await inspectWithDuckDB([file], CLIENT)).rejectsByReason).toEqual({ wrong_column_count: 2 });
  });

  it('past the sniffed sample, rows with a non-empty extra field or too few fields are counted too (DuckDB stopped the scan there)', async () => {
    const file = `${tempDir()}/a.csv`;
    writeFileSync(file, csv({ 2500: '1250.0,c1,3,x', 2600: '1300.0,c1', 2700: ' ' }));
    const { duck } = await same([file], CLIENT);
    expect(duck.rejectsByReason).toEqual({ wrong_column_count: 3 });
    // Too few fields alone: the one pass's pre-reads look for too many only, its sniffed read
    // stops at the row, and the rows are read into a table with their field counts.
    writeFileSync(file, csv({ 2600: '1300.0,c1' }));
    for (const m of [CLIENT, map({ timestamp: 't', input_tokens: 'i' })]) {
      const short = await same([file], m);
      expect(short.duck.rejectsByReason).toEqual({ wrong_column_count: 1 });
      expect(short.duck.pass).toBe('table-stream');
    }
    // Two extra fields, one not empty, still stop the scan: named with the header's width, not the sentinel's.
    writeFileSync(file, csv({ 2500: '1250.0,c1,3,x,y' }));
    await expect(summarizeWithDuckDB([file], CLIENT, W)).rejects.toThrow(`${file}: engine duckdb cannot read a row with 5 fields where the header has 3 (DuckDB: near line 2502); --engine ts reads it`);
  });

  it('TSV, CRLF, a BOM, gzip, a newline inside quotes (read on one thread), several files with other headers', async () => {
    const dir = tempDir();
    const bad = { 2500: '1250.0,c1,3,' };
    const files: Record<string, string | Buffer> = {
      'a.tsv': csv(bad, '\n', '\t'),
      'b.csv': '\uFEFF' + csv(bad, '\r\n'),
      'c.csv.gz': gzipSync(csv(bad)),
      'd.csv': csv({ ...bad, 10: '5.0,"c\nx",1', 20: '10.0,"q,""r""",2' }),
      'e.csv': ['i,t,extra,c', ...Array.from({ length: 3000 }, (_, k) => `${k % 7},${1500 + k * 0.5},z,c${k % 3}${k === 2500 ? ',' : ''}`)].join('\n') + '\n',
    };
    for (const [name, bytes] of Object.entries(files)) writeFileSync(`${dir}/${name}`, bytes);
    for (const f of ['a.tsv', 'b.csv', 'c.csv.gz', 'd.csv']) expect((await same([`${dir}/${f}`], CLIENT)).duck.rejectsByReason, f).toEqual({ wrong_column_count: 1 });
    const { duck } = await same([`${dir}/b.csv`, `${dir}/c.csv.gz`, `${dir}/e.csv`], CLIENT);
    expect(duck.rejectsByReason).toEqual({ wrong_column_count: 3 });
  });

  it('a file without such rows is read as before: no rejects, the sniffed parallel read', async () => {
    const file = `${tempDir()}/a.csv`;
    writeFileSync(file, csv({ 100: '50.0,c1,', 200: '100.0,,3' }));
    const { duck } = await same([file], CLIENT);
    expect(duck.rejectsByReason).toEqual({});
  });

  it('CLI: ingest --engine duckdb --rejects writes the rows with their lines, as --engine ts does', async () => {
    const dir = tempDir();
    const file = `${dir}/a.csv`;
    writeFileSync(file, csv({ 2500: '1250.0,c1,3,' }));
    writeFileSync(`${dir}/map.json`, JSON.stringify({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i' }, timestamp: { unit: 's' } }));
    const runs = [];
    for (const engine of ['duckdb', 'ts']) {
      const r = await runCli('ingest', file, '--map', `${dir}/map.json`, '--engine', engine, '--out', `${dir}/${engine}.parquet`, '--rejects', `${dir}/${engine}.jsonl`, '--summary', `${dir}/${engine}.json`);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/engines should agree/);
      runs.push({ rejects: readFileSync(`${dir}/${engine}.jsonl`, 'utf8'), summary: JSON.parse(readFileSync(`${dir}/${engine}.json`, 'utf8')) as Record<string, unknown> });
    }
    expect(runs[0].rejects).toBe(runs[1].rejects);
    expect(runs[0].rejects).toMatch(/"line":2502/);
    expect(runs[0].summary.rejects_by_reason).toEqual({ wrong_column_count: 1 });
    expect(runs[0].summary.rows_rejected).toBe(runs[1].summary.rows_rejected);
  });
});
