import { existsSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';

describe('several inputs with different columns: a required column missing from one file stops both engines', () => {
  it('CSV and Parquet: exit 2 naming that file and the column, nothing written (DuckDB read the column as NULL there)', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    writeFileSync(`${dir}/full.csv`, 'ts,client,in,out\n2,b,5,6\n');
    writeFileSync(`${dir}/short.csv`, 'ts,client,in\n1,a,3\n');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run(`COPY (SELECT 2 AS ts, 'b' AS client, 5 AS "in", 6 AS out) TO '${dir}/full.parquet'`);
    await con.run(`COPY (SELECT 1 AS ts, 'a' AS client, 3 AS "in") TO '${dir}/short.parquet'`);
    con.closeSync();
    db.closeSync();
    writeFileSync(`${dir}/m.json`, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'client', input_tokens: 'in', output_tokens: 'out' } }));
    writeFileSync(`${dir}/opt.json`, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'client', input_tokens: 'in', output_tokens: 'out' }, optional: ['output_tokens'] }));
    for (const ext of ['csv', 'parquet']) {
      for (const engine of ['ts', 'duckdb']) {
        const out = `${dir}/${engine}-${ext}.parquet`;
        const r = await runCli('ingest', `${dir}/full.${ext}`, `${dir}/short.${ext}`, '--map', `${dir}/m.json`, '--engine', engine, '--out', out, '--quiet');
        expect(r.code, `${engine} ${ext}: ${r.stderr}`).toBe(2);
        expect(r.stderr, `${engine} ${ext}`).toMatch(new RegExp(`^servegen: ${dir}/short\\.${ext}(:1)?: mapping names column "out" not in the `));
        expect(existsSync(out)).toBe(false);
        // Optional: the file without it has the field absent, in both engines.
        const o = await runCli('ingest', `${dir}/full.${ext}`, `${dir}/short.${ext}`, '--map', `${dir}/opt.json`, '--engine', engine, '--out', out, '--quiet');
        expect(o.code, `${engine} ${ext} optional: ${o.stderr}`).toBe(0);
      }
    }
  });
});
