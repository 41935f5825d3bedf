import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { buildSummaries } from '../../src/summary/build.js';
import { loadScanDirectory } from '../../src/summary/warehouse.js';
import { createRng } from '../../src/stats/rng.js';
import { runCli } from '../cli/run-cli.js';
import { expectEqualSummaries } from './equal-summaries.js';

const tmp = mkdtempSync(join(tmpdir(), 'servegen-gapmem-sql-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const HEADER = 'Timestamp,Session ID,Elapsed time,Model,Request tokens,Response tokens,Total tokens,Log Type';
function writeCsv(name: string, rows: readonly [number, string][]): string {
  const p = join(tmp, name);
  writeFileSync(p, `${HEADER}\n${rows.map(([t, c]) => `${t},s,1,${c},10,10,20,Conversation log`).join('\n')}\n`);
  return p;
}

/** Runs `servegen sql --dialect duckdb`'s statements on DuckDB, exports them as Parquet, loads them. */
async function viaSql(dir: string, csv: string, args: string[]) {
  mkdirSync(dir, { recursive: true });
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run('CREATE SCHEMA logs');
  await con.run(`CREATE TABLE logs.requests AS SELECT * FROM read_csv('${csv}', header = true, all_varchar = true)`);
  const r = await runCli('sql', ...args, '--source', 'logs.requests', '--dialect', 'duckdb');
  expect(r.code, r.stderr).toBe(0);
  for (const b of r.stdout.split(/^-- /m).slice(2)) {
    const name = b.slice(0, b.indexOf('\n'));
    const sql = b.slice(b.indexOf('\n') + 1).trim().replace(/;$/, '');
    await con.run(`COPY (${sql}) TO '${join(dir, `${name}.parquet`)}' (FORMAT parquet)`);
  }
  con.closeSync?.();
  return (await loadScanDirectory(dir)).summaries;
}

describe('gap memory from the SQL scans, on the cases where window functions and the builder could part', () => {
  // Rows of a 1 s clock (BurstGPT's): ties everywhere. Clients: A bursty with runs of 3 rows at
  // one time; B gaps all 5 s (one code: no terms); C one row; D windows of 15–18 own gaps
  // (around MEM_MIN_GAPS and the lag 16); E three rows at each window's first second (its very
  // first row among them). With and without --origin (which moves every window boundary).
  for (const [k, o] of [[0, 0], [1, 963]] as const) {
    it(`servegen sql and summarize --engine duckdb --out DIR give the builder's terms (${o ? '--origin, shifted windows' : 'relative times'})`, async () => {
      const rng = createRng(31 + k);
      const W = 600;
      const rows: [number, string][] = [];
      let t = 1000;
      for (let i = 0; i < 300; i++) {
        t += rng.nextOpen() < 0.3 ? 0 : Math.floor(rng.nextOpen() * 30);
        for (let j = rng.nextOpen() < 0.2 ? 3 : 1; j > 0; j--) rows.push([t, 'A']);
      }
      for (let i = 0; i < 80; i++) rows.push([1200 + 5 * i, 'B']);
      rows.push([1500, 'C']);
      for (let w = 2; w < 6; w++) for (let i = 0; i < 16 + (w % 4); i++) rows.push([w * W + o + i * 7, 'D']);
      for (let w = 2; w < 6; w++) {
        for (let j = 0; j < 3; j++) rows.push([w * W + o, 'E']);
        for (let i = 1; i < 20; i++) rows.push([w * W + o + i * (k + 1), 'E']);
      }
      rows.sort((a, b) => a[0] - b[0]);
      // The builder reads times from the origin; the SQL is given absolute times and --origin.
      const BASE = 1.7e9;
      const csv = writeCsv(`abs${k}.csv`, o ? rows.map(([x, c]) => [BASE + x, c]) : rows);
      const rel = writeCsv(`rel${k}.csv`, rows.map(([x, c]) => [x - o, c]));
      const { trace } = await ingestFiles({ inputs: [rel], mapping: loadPreset('burstgpt') });
      const built = buildSummaries(trace, { arrivalSeconds: W, lengthSeconds: 21600, resolution: 1 });
      expect(built.arrivals.filter((a) => a.mem).length).toBeGreaterThan(5);
      expect(built.arrivals.some((a) => a.client.startsWith('B') && a.n > 17 && !a.mem)).toBe(true);
      const args = ['--preset', 'burstgpt', '--resolution', '1', ...(o ? ['--origin', String(BASE + o)] : [])];
      const sql = await viaSql(join(tmp, `sql${k}`), csv, args);
      expectEqualSummaries(built, { ...sql, origin: built.origin });
      const out = join(tmp, `out${k}`);
      const r = await runCli('summarize', csv, ...args, '--engine', 'duckdb', '--out', out);
      expect(r.code, r.stderr).toBe(0);
      expectEqualSummaries(built, { ...(await loadScanDirectory(out)).summaries, origin: built.origin });
    });
  }
});
