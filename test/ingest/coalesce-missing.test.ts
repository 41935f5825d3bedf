import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';

describe('a required coalesce field none of whose columns a file has stops ingest in both engines', () => {
  it('CSV (one file, or the second of two) and Parquet: exit 2 naming the file and the field; listed in optional: absent', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    writeFileSync(`${dir}/with.csv`, 'ts,user,in\n1,u,1\n');
    writeFileSync(`${dir}/without.csv`, 'ts,client,in\n2,a,1\n');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run(`COPY (SELECT 2 AS ts, 'a' AS client, 1 AS "in") TO '${dir}/without.parquet'`);
    con.closeSync();
    db.closeSync();
    const columns = { timestamp: 'ts', client_id: { coalesce: ['user', 'team'] }, input_tokens: 'in' };
    writeFileSync(`${dir}/m.json`, JSON.stringify({ columns }));
    writeFileSync(`${dir}/opt.json`, JSON.stringify({ columns, optional: ['client_id'] }));
    const cases: [string[], string][] = [
      [[`${dir}/without.csv`], `${dir}/without.csv`],
      [[`${dir}/with.csv`, `${dir}/without.csv`], `${dir}/without.csv`],
      [[`${dir}/without.parquet`], `${dir}/without.parquet`],
    ];
    for (const [inputs, file] of cases) {
      for (const engine of ['ts', 'duckdb']) {
        const label = `${engine} ${inputs.join(' ')}`;
        const out = `${dir}/${engine}.parquet`;
        rmSync(out, { force: true });
        // (was: the TypeScript engine accepted every row with client 'unknown')
        const r = await runCli('ingest', ...inputs, '--map', `${dir}/m.json`, '--engine', engine, '--out', out, '--quiet');
        expect(r.code, `${label}: ${r.stderr}`).toBe(2);
        expect(r.stderr, label).toBe(`servegen: ${file}: mapping reads client_id from the first non-empty of "user", "team", none of which is in the input (columns: "ts", "client", "in"); list client_id in "optional" if it may be absent\n`);
        expect(existsSync(out), label).toBe(false);
        const o = await runCli('ingest', ...inputs, '--map', `${dir}/opt.json`, '--engine', engine, '--out', out, '--quiet');
        expect(o.code, `${label} optional: ${o.stderr}`).toBe(0);
      }
    }
  });
});
