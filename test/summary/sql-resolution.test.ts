/**
 * `servegen sql --resolution auto` (the default): the printed script detects the clock
 * resolution as detectResolution does. Executed on DuckDB here (test/summary/clickhouse.test.ts
 * runs the same cases on ClickHouse); the Trino and Spark scripts are parsed.
 */
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import nodeSqlParser from 'node-sql-parser';
import { DIALECTS } from '../../src/summary/sql.js';
import { clusterTicksColumn, RESOLUTION_COLUMN, resolutionSql } from '../../src/summary/resolution-sql.js';
import { detectResolution } from '../../src/summary/resolution.js';
import { runCli } from '../cli/run-cli.js';
import { expectedResolution, resolutionCases } from './resolution-cases.js';
import { sqlStatements } from './sql-scripts.js';

describe('servegen sql --resolution auto: detectResolution in SQL', () => {
  it('DuckDB gives detectResolution\'s resolution (at least 1 µs) and cluster thresholds on every case, bit for bit', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const kinds = new Set<string>();
    try {
      for (const { name, t } of resolutionCases()) {
        await con.run('CREATE OR REPLACE TABLE times (t DOUBLE)');
        const app = await con.createAppender('times');
        for (const x of t) {
          app.appendDouble(x);
          app.endRow();
        }
        app.closeSync();
        const [row] = (await con.runAndReadAll(`WITH r AS (SELECT t FROM times) ${resolutionSql(DIALECTS.duckdb.lagAt)}`)).getRowObjectsJS();
        const want = expectedResolution(t);
        expect(row[RESOLUTION_COLUMN], name).toBe(want.resolution);
        expect(want.ticks.map((_, k) => row[clusterTicksColumn(k)]), name).toEqual(want.ticks);
        kinds.add(detectResolution(Float64Array.from(t).sort().subarray(0, 200_000)).kind);
      }
    } finally {
      con.closeSync();
      db.closeSync();
    }
    expect([...kinds].sort()).toEqual(['bucket', 'none', 'quantum']);
  });

  it('is the default; an explicit --resolution prints the script it printed before (no detection); Trino and Spark parse the detecting script', async () => {
    const print = async (...args: string[]) => {
      const r = await runCli('sql', '--preset', 'azure-llm-2023', '--source', 'logs.requests', ...args);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    };
    const parser = new nodeSqlParser.Parser();
    for (const dialect of ['duckdb', 'spark', 'trino', 'clickhouse']) {
      const auto = await print('--dialect', dialect);
      expect(await print('--dialect', dialect, '--resolution', 'auto')).toBe(auto);
      // The scan row records the detected value; the gap histograms and gap memory count with it.
      const blocks = new Map(auto.split(/^-- /m).slice(2).map((b) => [b.slice(0, b.indexOf('\n')), b]));
      for (const name of ['scan', 'gap_histograms', 'gap_memory']) expect(blocks.get(name), `${dialect} ${name}`).toContain(`${RESOLUTION_COLUMN}`);
      for (const name of ['rejects', 'arrivals', 'dispersion', 'lengths', 'joint']) expect(blocks.get(name), `${dialect} ${name}`).not.toContain('sg_res');
      expect(await print('--dialect', dialect, '--resolution', '0.001')).not.toContain('sg_res');
      if (dialect === 'trino') for (const s of sqlStatements(auto)) expect(() => parser.astify(s, { database: 'trino' })).not.toThrow();
      if (dialect === 'spark') for (const s of sqlStatements(auto)) expect(() => parser.astify(s.replaceAll('TRY_CAST(', 'CAST('), { database: 'hive' })).not.toThrow();
    }
    const help = await runCli('sql', '--help');
    expect(help.stdout).toContain('(default: "auto")');
    const bad = await runCli('sql', '--preset', 'burstgpt', '--source', 't', '--resolution', 'ms');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--resolution: expected auto or a number > 0, got "ms"');
  });
});
