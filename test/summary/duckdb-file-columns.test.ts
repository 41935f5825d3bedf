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

describe('an optional client column the input does not have (found by review)', () => {
  it('is client `unknown` in both engines (DuckDB said `default`: client_share_tv 0 in one engine, 1 in the other)', { timeout: 60_000 }, async () => {
    const { summarizeWithDuckDB } = await import('../../src/summary/duckdb.js');
    const { inspectWithDuckDB } = await import('../../src/summary/duckdb-inspect.js');
    const { ingestFiles } = await import('../../src/ingest/ingest.js');
    const { buildSummaries } = await import('../../src/summary/build.js');
    const { summarizeTrace } = await import('../../src/ingest/summarize-trace.js');
    const { loadPreset } = await import('../../src/ingest/presets.js');
    const dir = tempDir();
    writeFileSync(`${dir}/x.csv`, 'timestamp,input_tokens\n1,5\n2,6\n3,7\n');
    const mapping = loadPreset('servegen');
    expect(mapping.optional).toContain('client_id');
    const W = { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 1 };
    const ts = buildSummaries((await ingestFiles({ inputs: [`${dir}/x.csv`], mapping })).trace, W);
    const duck = await summarizeWithDuckDB([`${dir}/x.csv`], mapping, W);
    expect(ts.arrivals.map((a) => a.client)).toEqual(['unknown']);
    expect(duck.summaries.arrivals.map((a) => a.client)).toEqual(['unknown']);
    expect((await inspectWithDuckDB([`${dir}/x.csv`], mapping)).summary.topClients).toEqual(summarizeTrace((await ingestFiles({ inputs: [`${dir}/x.csv`], mapping })).trace).topClients);
    // A mapping without a client column at all: `default` in both.
    const { parseMapping } = await import('../../src/ingest/mapping.js');
    const none = parseMapping({ columns: { timestamp: 'timestamp', input_tokens: 'input_tokens' }, timestamp: { unit: 's' } }, 'none');
    expect(buildSummaries((await ingestFiles({ inputs: [`${dir}/x.csv`], mapping: none })).trace, W).arrivals.map((a) => a.client)).toEqual(['default']);
    expect((await summarizeWithDuckDB([`${dir}/x.csv`], none, W)).summaries.arrivals.map((a) => a.client)).toEqual(['default']);
  });
});
