import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import nodeSqlParser from 'node-sql-parser';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { buildSummaries } from '../../src/summary/build.js';
import { fixture } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';

const statements = (script: string) =>
  script
    .split(/;\n/)
    .map((s) => s.replace(/^--.*\n/gm, '').trim())
    .filter((s) => s !== '');

async function print(dialect: string): Promise<string> {
  const r = await runCli('sql', '--preset', 'burstgpt', '--source', 'logs.requests', '--resolution', '1', '--dialect', dialect);
  expect(r.code, dialect).toBe(0);
  return r.stdout;
}

describe('servegen sql', () => {
  it('prints the reviewed golden scripts (fixtures/sql) for every dialect', async () => {
    for (const d of ['duckdb', 'spark', 'trino', 'clickhouse']) {
      expect(await print(d), d).toBe(readFileSync(fixture('sql', `burstgpt.${d}.sql`), 'utf8'));
    }
    expect((await runCli('sql', '--preset', 'burstgpt', '--source', 't', '--dialect', 'oracle')).code).toBe(2);
    const bad = await runCli('sql', '--preset', 'burstgpt', '--source', 't', '--window', 'abc');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--window: expected a number > 0, got "abc"');
    // Both engines keep timestamps to the microsecond; the script says so in its scan row.
    expect((await runCli('sql', '--preset', 'burstgpt', '--source', 't', '--resolution', '1e-9')).stdout).toContain('0.000001 AS resolution');
  });

  it('Trino and Spark scripts parse (node-sql-parser: trino grammar; hive grammar for Spark, which lacks TRY_CAST)', async () => {
    const parser = new nodeSqlParser.Parser();
    for (const s of statements(await print('trino'))) expect(() => parser.astify(s, { database: 'trino' })).not.toThrow();
    for (const s of statements(await print('spark'))) expect(() => parser.astify(s.replaceAll('TRY_CAST(', 'CAST('), { database: 'hive' })).not.toThrow();
  });

  it('the DuckDB script runs on a table and gives the TypeScript engine\'s window counts', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run('CREATE SCHEMA logs');
    await con.run(`CREATE TABLE logs.requests AS SELECT * FROM read_csv('${fixture('traces', 'burstgpt', 'burstgpt3_slice.csv')}', header = true, all_varchar = true)`);
    const parts = statements(await print('duckdb'));
    expect(parts.length).toBe(7);
    const results = [];
    for (const s of parts) results.push((await con.runAndReadAll(s)).getRowObjectsJS());
    const [rejects, scan, arrivals] = results as Record<string, unknown>[][];
    expect(rejects).toEqual([{ reason: null, c: 400n }]);
    expect(scan).toHaveLength(1);
    expect(Number(scan[0].n)).toBe(400);
    const { trace } = await ingestFiles({ inputs: [fixture('traces', 'burstgpt', 'burstgpt3_slice.csv')], mapping: loadPreset('burstgpt') });
    const ts = buildSummaries(trace, { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 1 });
    const got = new Map(arrivals.map((r) => [`${r.client}|${Number(r.wi) * 600}`, Number(r.n)]));
    expect(got).toEqual(new Map(ts.arrivals.map((a) => [`${a.client}|${a.start}`, a.n])));
  });
});
