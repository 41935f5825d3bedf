import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMapping } from '../../src/ingest/mapping.js';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { DuckDbReadError } from '../../src/summary/duckdb-errors.js';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';

describe('JSON lines that are not all objects, or no lines at all: the DuckDB engine says so', () => {
  it('a line that is an array, string, number or null: a read error naming that file (auto falls back); empty files: no data rows', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const good = `${dir}/good.jsonl`;
    writeFileSync(good, '{"ts":1,"client":"a","in":1}\n{"ts":2,"client":"a","in":2}\n');
    const mixed = `${dir}/mixed.jsonl`;
    writeFileSync(mixed, '[1,2]\n"text"\n5\nnull\n{"ts":3,"client":"a","in":1}\n');
    const empty = `${dir}/empty.jsonl`;
    writeFileSync(empty, '\n\n');
    writeFileSync(`${dir}/m.json`, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'client', input_tokens: 'in' } }));
    const m = parseMapping({ columns: { timestamp: 'ts', client_id: 'client', input_tokens: 'in' } }, 'm');
    // (was: `good.jsonl: mapping names column "ts" not in the input (columns: "json")`, an error --engine auto does not retry)
    for (const inputs of [[mixed], [good, mixed]]) {
      const err = await summarizeWithDuckDB(inputs, m, { arrivalSeconds: 600, lengthSeconds: 21600 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DuckDbReadError);
      expect((err as Error).message).toBe(`${mixed}: engine duckdb cannot read lines that are not JSON objects (arrays, strings, numbers, null); --engine ts reads it and counts such rows as rejects (unparseable_line)`);
    }
    const ts = await runCli('ingest', good, mixed, '--map', `${dir}/m.json`, '--max-reject-ratio', '1', '--summary', `${dir}/s.json`, '--out', `${dir}/t.parquet`, '--quiet');
    expect(ts.code).toBe(0);
    for (const engine of ['ts', 'duckdb']) {
      const r = await runCli('ingest', empty, '--map', `${dir}/m.json`, '--engine', engine, '--out', `${dir}/e.parquet`);
      expect(r.code, engine).toBe(2);
      expect(r.stderr, engine).toBe(`servegen: ${empty}: no data rows (empty file or header only)\n`);
    }
  });
});
