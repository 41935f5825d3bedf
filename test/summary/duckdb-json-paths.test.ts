import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';

/** The rows of a Parquet trace, sorted (DuckDB orders ties by client, the TypeScript engine by input). */
async function traceRows(file: string): Promise<string> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const r = await con.runAndReadAll(`SELECT * FROM read_parquet('${file}') ORDER BY ALL`);
    return JSON.stringify(r.getRowObjectsJS(), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

describe('JSON lines: dotted paths through values of mixed types read alike in both engines', () => {
  it('an object that is a string in one row, a nested number written as text: same rows accepted, same rejects, same trace', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const rows = [
      { ts: 1, client: 'a', usage: { in: 1, out: 2 } },
      { ts: 2, client: 'a', usage: { in: '7', out: 2 } }, // text of a number: accepted (7)
      { ts: 3, client: 'a', usage: { in: 'x', out: 2 } }, // bad_number
      { ts: 4, client: 'a', usage: { in: -1, out: 2 } }, // negative_tokens
      { ts: 5, client: 'a', usage: { in: null, out: 2 } }, // absent
      { ts: 6, client: 'b' }, // absent
      { ts: 7, client: 'b', usage: 'n/a' }, // not an object: absent (made `usage` a JSON column in DuckDB, which then dropped both fields)
    ];
    const mixed = `${dir}/mixed.jsonl`;
    writeFileSync(mixed, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    // The same nesting without the string `usage`: `usage` a struct whose field `in` is JSON.
    const nested = `${dir}/nested.jsonl`;
    writeFileSync(nested, rows.slice(0, 6).map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(`${dir}/m.json`, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'client', input_tokens: 'usage.in', output_tokens: 'usage.out' } }));
    for (const file of [mixed, nested]) {
      const got: Record<string, { summary: Record<string, unknown>; rows: string }> = {};
      for (const engine of ['ts', 'duckdb']) {
        const out = `${dir}/${engine}.parquet`;
        const r = await runCli('ingest', file, '--map', `${dir}/m.json`, '--engine', engine, '--max-reject-ratio', '1', '--out', out, '--summary', `${dir}/${engine}.json`, '--quiet');
        expect(r.code, `${engine} ${file}: ${r.stderr}`).toBe(0);
        const s = JSON.parse(readFileSync(`${dir}/${engine}.json`, 'utf8')) as Record<string, unknown>;
        got[engine] = { summary: { read: s.rows_read, accepted: s.rows_accepted, rejects: s.rejects_by_reason }, rows: await traceRows(out) };
      }
      const n = file === mixed ? 7 : 6;
      expect(got.ts.summary, file).toEqual({ read: n, accepted: n - 2, rejects: { bad_number: 1, negative_tokens: 1 } });
      expect(got.duckdb.summary, file).toEqual(got.ts.summary);
      expect(got.duckdb.rows, file).toBe(got.ts.rows);
      expect(got.ts.rows, file).toContain('"input_tokens":7');
    }
  });
});
