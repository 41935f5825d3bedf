/**
 * `servegen sql` under a mapping file, every dialect: its statements, checked to parse (Trino's
 * grammar; Hive's for Spark, which lacks TRY_CAST) and to contain `marker`; the DuckDB script's
 * statements run on the CSV `csv` as table logs.requests, each one's rows returned.
 */
import { expect } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import nodeSqlParser from 'node-sql-parser';
import { runCli } from '../cli/run-cli.js';

export const sqlStatements = (script: string): string[] =>
  script
    .split(/;\n/)
    .map((s) => s.replace(/^--.*\n/gm, '').trim())
    .filter((s) => s !== '');

export async function checkSqlScripts(map: string, csv: string, marker: string): Promise<Record<string, unknown>[][]> {
  const print = async (dialect: string) => {
    const r = await runCli('sql', '--map', map, '--source', 'logs.requests', '--resolution', '1', '--dialect', dialect);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout, dialect).toContain(marker);
    return r.stdout;
  };
  const parser = new nodeSqlParser.Parser();
  for (const s of sqlStatements(await print('trino'))) expect(() => parser.astify(s, { database: 'trino' })).not.toThrow();
  for (const s of sqlStatements(await print('spark'))) expect(() => parser.astify(s.replaceAll('TRY_CAST(', 'CAST('), { database: 'hive' })).not.toThrow();
  await print('clickhouse');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    await con.run('CREATE SCHEMA logs');
    await con.run(`CREATE TABLE logs.requests AS SELECT * FROM read_csv('${csv}', header = true, all_varchar = true)`);
    const results: Record<string, unknown>[][] = [];
    for (const s of sqlStatements(await print('duckdb'))) results.push((await con.runAndReadAll(s)).getRowObjectsJS() as Record<string, unknown>[]);
    return results;
  } finally {
    con.closeSync();
    db.closeSync();
  }
}
