import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { buildSummaries } from '../../src/summary/build.js';
import { loadScanDirectory } from '../../src/summary/warehouse.js';
import { fixture } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';
import { expectEqualSummaries, expectSameProfileFiles } from './equal-summaries.js';

const CSV = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');
const tmp = mkdtempSync(join(tmpdir(), 'servegen-warehouse-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * Plays the warehouse: runs each query printed by `servegen sql` on DuckDB and exports its
 * result as Parquet, the way a user would from Spark/Trino/ClickHouse. `arrivals` is split
 * into two part files in a folder (Spark's layout), `dispersion` gets lower-case column
 * names (Trino folds identifiers).
 */
async function exportScan(dir: string, csv = CSV, args = ['--preset', 'burstgpt', '--resolution', '1']): Promise<void> {
  mkdirSync(join(dir, 'arrivals'), { recursive: true });
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run('CREATE SCHEMA logs');
  // (JSON lines, Mooncake's: as DuckDB types them.)
  await con.run(`CREATE TABLE logs.requests AS SELECT * FROM ${csv.endsWith('.csv') ? `read_csv('${csv}', header = true, all_varchar = true)` : `read_json('${csv}', format = 'newline_delimited')`}`);
  const r = await runCli('sql', ...args, '--source', 'logs.requests', '--dialect', 'duckdb');
  expect(r.code).toBe(0);
  const blocks = r.stdout.split(/^-- /m).slice(2);
  const names: string[] = [];
  for (const b of blocks) {
    const name = b.slice(0, b.indexOf('\n'));
    const sql = b.slice(b.indexOf('\n') + 1).trim().replace(/;$/, '');
    names.push(name);
    if (name === 'arrivals') {
      // Parts are read in name order: this one second, its text written plain (no dictionary:
      // the client codes the loader made of the first part's dictionary turn into values).
      await con.run(`COPY (SELECT * FROM (${sql}) WHERE wi % 2 = 0) TO '${join(dir, 'arrivals', 'part-00000.parquet')}' (FORMAT parquet, DICTIONARY_SIZE_LIMIT 1)`);
      // A part without extension (as Trino names them), plus Spark's marker and checksum files.
      await con.run(`COPY (SELECT * FROM (${sql}) WHERE wi % 2 = 1) TO '${join(dir, 'arrivals', '20231116_000001_00007_abcde')}' (FORMAT parquet)`);
      writeFileSync(join(dir, 'arrivals', '_SUCCESS'), '');
      writeFileSync(join(dir, 'arrivals', '.part-00000.parquet.crc'), 'x');
    } else if (name === 'dispersion') {
      await con.run(`COPY (SELECT client, wi, scale, sum, "sumSq" AS sumsq FROM (${sql})) TO '${join(dir, 'dispersion.parquet')}' (FORMAT parquet)`);
    } else {
      await con.run(`COPY (${sql}) TO '${join(dir, `${name}.parquet`)}' (FORMAT parquet)`);
    }
  }
  expect(names).toEqual(['rejects', 'scan', 'arrivals', 'gap_histograms', 'dispersion', 'lengths', 'joint', 'gap_memory', 'aggregate_buckets']);
  con.closeSync?.();
}

describe('fit --summaries on warehouse output (Parquet results of servegen sql)', () => {
  it('loads to exactly the TypeScript engine\'s summaries, and fits the same profile', async () => {
    const dir = join(tmp, 'scan');
    await exportScan(dir);
    const w = await loadScanDirectory(dir);
    expect(w.rowsRead).toBe(400);
    expect(w.rejectsByReason).toEqual({});
    const { trace } = await ingestFiles({ inputs: [CSV], mapping: loadPreset('burstgpt') });
    const ts = buildSummaries(trace, { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 1 });
    expect(ts.arrivals.length).toBeGreaterThan(5);
    // Windows with gap-memory terms, so the comparison below covers the gap_memory output.
    expect(ts.arrivals.filter((a) => a.mem).length).toBeGreaterThan(3);
    expect(w.summaries.span).toEqual(ts.span);
    expectEqualSummaries(ts, w.summaries);

    const json = join(tmp, 'ts.json');
    expect((await runCli('summarize', CSV, '--preset', 'burstgpt', '--resolution', '1', '--out', json, '--quiet')).code).toBe(0);
    const a = join(tmp, 'a.json');
    const b = join(tmp, 'b.json');
    const fromJson = await runCli('fit', '--summaries', json, '--out', a);
    expect(fromJson.code, fromJson.stderr).toBe(0);
    expect(fromJson.stderr).not.toContain('gap-memory');
    const r = await runCli('fit', '--summaries', dir, '--out', b);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('400 rows scanned');
    expect(r.stderr).not.toContain('gap-memory');
    expectSameProfileFiles(a, b);

    // Results exported before gap memory (no gap_memory output): the user is told the profile has none.
    rmSync(join(dir, 'gap_memory.parquet'));
    const old = await runCli('fit', '--summaries', dir, '--out', join(tmp, 'old.json'));
    expect(old.code, old.stderr).toBe(0);
    expect(old.stderr).toContain('note: 1 of 1 summary input(s) carry no gap-memory terms');
    expect(old.stderr).toContain('the profile has no gap_memory');
  });

  it('absolute timestamps (Azure conv, ISO times): with --origin at the first second, the same summaries and origin', async () => {
    const csv = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');
    const { trace } = await ingestFiles({ inputs: [csv], mapping: loadPreset('azure-llm-2023') });
    expect(trace.origin).not.toBeNull();
    const origin = Date.parse(trace.origin!) / 1000;
    const dir = join(tmp, 'azure');
    await exportScan(dir, csv, ['--preset', 'azure-llm-2023', '--resolution', '0.000001', '--origin', String(origin)]);
    const w = await loadScanDirectory(dir);
    const ts = buildSummaries(trace, { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 1e-6 });
    expect(w.rowsRead).toBe(trace.n);
    expect(w.summaries.origin).toBe(ts.origin);
    expect(ts.arrivals.filter((a) => a.mem).length).toBeGreaterThan(3);
    expect(w.summaries.span).toEqual(ts.span);
    expectEqualSummaries(ts, w.summaries);
  });

  it('the clock resolution detected by the script (--resolution auto, the default): Azure code and conv (sub-millisecond times: 1 µs) and Mooncake (3 s buckets) load to the TypeScript engine\'s summaries at its detected resolution, and fit its profile', async () => {
    // Was: 1 ms for both (the old default), every gap below 1 ms of the Azure trace counted as 0
    // ticks (a profile generating them at exactly 0: validate's iat_ks 0.116 against 0.037).
    const cases = [
      { file: fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv'), preset: 'azure-llm-2023', resolution: 1e-6 },
      { file: fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv'), preset: 'azure-llm-2023', resolution: 1e-6 },
      { file: fixture('traces', 'mooncake', 'conversation_trace.jsonl.gz'), preset: 'mooncake', resolution: 3 },
    ];
    for (const { file, preset, resolution } of cases) {
      const { trace } = await ingestFiles({ inputs: [file], mapping: loadPreset(preset) });
      const ts = buildSummaries(trace, { arrivalSeconds: 600, lengthSeconds: 21600 });
      expect(ts.resolution, preset).toBe(resolution);
      const origin = trace.origin === null ? [] : ['--origin', String(Date.parse(trace.origin) / 1000)];
      const dir = join(tmp, `auto-${basename(file)}`);
      await exportScan(dir, file, ['--preset', preset, ...origin]);
      const w = await loadScanDirectory(dir);
      expect(w.rowsRead).toBe(trace.n);
      expect(w.summaries.resolution, preset).toBe(resolution);
      expectEqualSummaries(ts, w.summaries);
      const json = join(tmp, `auto-${basename(file)}.json`);
      expect((await runCli('summarize', file, '--preset', preset, '--out', json, '--quiet')).code).toBe(0);
      const [a, b] = [join(tmp, `auto-${basename(file)}-a.json`), join(tmp, `auto-${basename(file)}-b.json`)];
      expect((await runCli('fit', '--summaries', json, '--out', a, '--quiet')).code).toBe(0);
      const r = await runCli('fit', '--summaries', dir, '--out', b);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`${trace.n} rows scanned, ${ts.arrivals.length} per-client arrival windows, clock resolution ${resolution} s`);
      expectSameProfileFiles(a, b);
    }
  });

  it('names the directory and the missing output or column', async () => {
    const dir = join(tmp, 'broken');
    await exportScan(dir);
    rmSync(join(dir, 'lengths.parquet'));
    let r = await runCli('fit', '--summaries', dir, '--out', join(tmp, 'x.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${dir}: no lengths.parquet`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    writeFileSync(join(dir, 'lengths.parquet'), readFileSync(join(dir, 'joint.parquet')));
    r = await runCli('fit', '--summaries', dir, '--out', join(tmp, 'x.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('lengths.parquet: missing column "field"');

    // A missing or non-finite number (a hand-edited or truncated export) is refused, not read as 0.
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await exportScan(dir);
    const hist = join(dir, 'gap_histograms.parquet');
    await con.run(`COPY (SELECT client, wi, kind, CASE WHEN row_number() OVER () = 3 THEN NULL ELSE key END AS key, c FROM '${hist}') TO '${hist}.tmp' (FORMAT parquet)`);
    renameSync(`${hist}.tmp`, hist);
    r = await runCli('fit', '--summaries', dir, '--out', join(tmp, 'x.json'));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${dir}: gap_histograms row 3, column "key": missing, expected a number`);
    const disp = join(dir, 'dispersion.parquet');
    await con.run(`COPY (SELECT client, wi, scale, CASE WHEN row_number() OVER () = 2 THEN 'NaN'::DOUBLE ELSE sum END AS sum, sumsq FROM '${disp}') TO '${disp}.tmp' (FORMAT parquet)`);
    renameSync(`${disp}.tmp`, disp);
    await exportScan(join(tmp, 'fresh'));
    renameSync(join(tmp, 'fresh', 'gap_histograms.parquet'), hist);
    r = await runCli('fit', '--summaries', dir, '--out', join(tmp, 'x.json'));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${dir}: dispersion row 2, column "sum": "NaN", expected a number`);
    con.closeSync();
    db.closeSync();
  });
});
