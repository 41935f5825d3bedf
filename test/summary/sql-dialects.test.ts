import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import nodeSqlParser from 'node-sql-parser';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { buildSummaries } from '../../src/summary/build.js';
import { normalQuantileSql } from '../../src/summary/sql.js';
import { normalQuantile } from '../../src/stats/normal.js';
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
    expect(parts.length).toBe(9);
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

    // A table function as --source is used as written: the same results straight from the file.
    const csv = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');
    const r = await runCli('sql', '--preset', 'burstgpt', '--source', `read_csv('${csv}', header = true, all_varchar = true)`, '--resolution', '1');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`FROM read_csv('${csv}', header = true, all_varchar = true) AS src_in`);
    const direct = [];
    for (const s of statements(r.stdout)) direct.push((await con.runAndReadAll(s)).getRowObjectsJS());
    // Rows of a GROUP BY come in any order.
    const canon = (rs: unknown[][]) => rs.map((rows) => rows.map((row) => JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).sort());
    expect(canon(direct)).toEqual(canon(results));
  });

  it('Φ⁻¹ in SQL (AS 241, for gap memory\'s normal scores) equals normalQuantile to 1e-13 relative, from p = 1e-300 to 1 − 1e-12', async () => {
    const ps: number[] = [1e-300, 1e-20, 1e-10, 0.02425, 0.075, 0.5, 0.925, 1 - 1e-12];
    // Every mid-rank a window of m gaps can give, over a spread of window sizes.
    for (let m = 16; m < 3000; m = Math.ceil(m * 1.5)) for (let j = 1; j <= 2 * m + 1; j++) ps.push(j / 2 / (m + 1));
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run(`CREATE TABLE t AS SELECT unnest([${ps.map((p) => p.toExponential()).join(', ')}]::DOUBLE[]) AS p`);
    const rows = (await con.runAndReadAll(normalQuantileSql('SELECT p FROM t'))).getRowObjectsJS() as { p: number; z: number }[];
    expect(rows.length).toBe(ps.length);
    let worst = 0;
    for (const { p, z } of rows) {
      const want = normalQuantile(p);
      if (want !== z) worst = Math.max(worst, Math.abs(want - z) / Math.abs(want));
    }
    expect(worst).toBeLessThan(1e-13);
  });
});

describe('servegen sql --dialect spark, a {"length": col} source (found by review)', () => {
  it('guards size() against NULL (size(NULL) is -1 without ANSI mode, Spark 3\'s default: a row without the array was a negative_tokens reject, not an absent field)', async () => {
    const r = await runCli('sql', '--preset', 'mooncake', '--source', 'logs.requests', '--dialect', 'spark');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('CAST(CASE WHEN `hash_ids` IS NULL THEN NULL ELSE size(`hash_ids`) END AS STRING) AS `__sg_raw_block_count`');
    expect(r.stdout).not.toMatch(/CAST\(size\(/);
    const parser = new nodeSqlParser.Parser();
    for (const s of statements(r.stdout)) expect(() => parser.astify(s.replaceAll('TRY_CAST(', 'CAST('), { database: 'hive' })).not.toThrow();
  });
});

describe('servegen sql: Spark and Trino trim ASCII whitespace as ingest does (found by review: their trim() differs)', () => {
  // Texts whose surrounding characters the engines' own trim() treats differently from ingest.
  const texts = [' 12 ', '\t12\n', '\u000B\f\r12\r', '\u00A012', '12\u2003', '\u001F12', 'a b', '\t \n', ''];
  const ingestTrim = (s: string) => s.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');

  it('Spark: the regexp_replace literal, read as Spark reads string literals, strips exactly space, tab, LF, VT, FF and CR', async () => {
    const sql = await print('spark');
    expect(sql).not.toMatch(/\btrim\(/);
    const m = /regexp_replace\(CAST\(`Timestamp` AS STRING\), '((?:[^'\\]|\\.)*)', ''\)/.exec(sql);
    expect(m).not.toBeNull();
    // Spark's unescapeSQLString: a backslash takes the next character literally (\\ → \).
    const pattern = m![1].replace(/\\(.)/g, '$1');
    const re = new RegExp(pattern, 'g');
    for (const t of texts) expect(t.replace(re, ''), JSON.stringify(t)).toBe(ingestTrim(t));
  });

  it('Trino: trim(BOTH <set> FROM …) with the set of chr(32, 9–13)', async () => {
    const sql = await print('trino');
    expect(sql).not.toMatch(/\btrim\(CAST/);
    const sets = [...sql.matchAll(/trim\(BOTH (.*?) FROM /g)].map((m) => m[1]);
    expect(sets.length).toBeGreaterThan(0);
    for (const s of new Set(sets)) {
      const chars = s.split(' || ').map((p) => (p === "' '" ? ' ' : String.fromCharCode(Number(/^chr\((\d+)\)$/.exec(p)![1]))));
      expect(chars.sort()).toEqual([' ', '\t', '\n', '\v', '\f', '\r'].sort());
    }
  });
});
