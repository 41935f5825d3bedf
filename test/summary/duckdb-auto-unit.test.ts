import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { fixture, tempDir } from '../helpers.js';

/** A preset's mapping without its timestamp unit (so `auto`, the default). */
function autoMapping(dir: string, preset: string): string {
  const m = JSON.parse(readFileSync(join(__dirname, '..', '..', 'presets', `${preset}.json`), 'utf8')) as Record<string, unknown>;
  delete m.timestamp;
  const file = join(dir, `${preset}-auto.json`);
  writeFileSync(file, JSON.stringify(m));
  return file;
}

const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('warning:'));

describe('--engine duckdb with timestamp.unit auto (the default; was an error: "set timestamp.unit")', () => {
  it('decides the unit as the TypeScript engine does, on the real traces: date-time strings, relative seconds, Mooncake ms as relative seconds — byte-identical summaries', async () => {
    const dir = tempDir();
    const cases = [
      ['azure-llm-2023', fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv'), 'iso (date-time strings)'],
      ['burstgpt', fixture('traces', 'burstgpt', 'burstgpt3_slice.csv'), 's (values up to 1.948e+7 are too small for epoch times'],
      ['mooncake', fixture('traces', 'mooncake', 'conversation_trace.jsonl.gz'), 's (values up to 3.537e+6 are too small for epoch times'],
    ];
    for (const [preset, file, unit] of cases) {
      const map = autoMapping(dir, preset);
      const ts = await runCli('summarize', file, '--map', map, '--engine', 'ts', '--out', join(dir, `${preset}-ts.json`));
      const duck = await runCli('summarize', file, '--map', map, '--engine', 'duckdb', '--out', join(dir, `${preset}-duck.json`));
      expect([ts.code, duck.code], preset).toEqual([0, 0]);
      expect(duck.stderr, preset).toContain(`timestamps: unit auto → ${unit}`);
      expect(readFileSync(join(dir, `${preset}-duck.json`), 'utf8'), preset).toBe(readFileSync(join(dir, `${preset}-ts.json`), 'utf8'));
    }
  });

  it('epoch milliseconds become seconds; mixed magnitudes give the same warning in ingest, inspect, summarize and validate; a date-time string among numbers is a bad_timestamp in both engines', async () => {
    const dir = tempDir();
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i', output_tokens: 'o' } }));
    const rows = ['t,c,i,o'];
    // 300 rows in epoch ms over ~5 min, 3 rows in epoch seconds (a mixed-up exporter), one ISO row.
    for (let k = 0; k < 300; k++) rows.push(`${1_700_000_000_000 + k * 997},c${k % 3},${10 + k},${5 + (k % 7)}`);
    rows.splice(50, 0, '1700000050.5,c0,1,1', '1700000051,c1,2,2', '1700000052,c2,3,3');
    rows.splice(80, 0, '2023-11-14T22:13:20Z,c0,4,4');
    const file = join(dir, 'mixed.csv');
    writeFileSync(file, rows.join('\n') + '\n');
    const runs = (engine: string) => [
      ['ingest', file, '--map', map, '--engine', engine, '--out', join(dir, `m-${engine}.parquet`), '--max-reject-ratio', '0.1'],
      ['inspect', file, '--map', map, '--engine', engine, '--max-reject-ratio', '0.1'],
      ['summarize', file, '--map', map, '--engine', engine, '--out', join(dir, `m-${engine}.json`), '--max-reject-ratio', '0.1'],
      ['validate', file, file, '--source-map', map, '--generated-map', map, '--engine', engine, '--json', join(dir, `v-${engine}.json`), '--source-max-reject-ratio', '0.1', '--generated-max-reject-ratio', '0.1'],
    ];
    const ts = runs('ts');
    const duck = runs('duckdb');
    for (let k = 0; k < ts.length; k++) {
      const a = await runCli(...ts[k]);
      const b = await runCli(...duck[k]);
      expect([a.code, b.code], `${ts[k][0]}: ${a.stderr}${b.stderr}`).toEqual([a.code, a.code]);
      const wa = warnings(a.stderr);
      expect(wa.some((w) => w.includes('timestamps (unit auto): 3 of 303 values (0.99 %) disagree with the unit chosen from the largest, epoch milliseconds (read as ms): 3 look like epoch seconds')), `${ts[k][0]}: ${a.stderr}`).toBe(true);
      expect(warnings(b.stderr), ts[k][0]).toEqual(wa);
      expect(b.stderr, ts[k][0]).toContain('bad_timestamp 1');
      expect(b.stderr, ts[k][0]).toContain('unit auto → ms');
    }
    expect(readFileSync(join(dir, 'm-duckdb.json'), 'utf8')).toBe(readFileSync(join(dir, 'm-ts.json'), 'utf8'));
  });
});

describe('--engine duckdb with timestamp.unit auto: what ingest reports, and typed columns', () => {
  it('ingest --summary says the unit auto chose, why, and the mixed-unit warning, as the TypeScript engine does (was unit "auto", how "mapping", no mixed-unit warning); stderr prints each warning once', async () => {
    const dir = tempDir();
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i', output_tokens: 'o' } }));
    const rows = ['t,c,i,o'];
    for (let k = 0; k < 300; k++) rows.push(`${1_700_000_000_000 + k * 997},c${k % 3},${10 + k},${5 + (k % 7)}`);
    rows.splice(50, 0, '1700000050.5,c0,1,1');
    const file = join(dir, 'mixed.csv');
    writeFileSync(file, rows.join('\n') + '\n');
    const runs: Record<string, { stderr: string; summary: Record<string, unknown> }> = {};
    for (const engine of ['ts', 'duckdb']) {
      const summary = join(dir, `s-${engine}.json`);
      const r = await runCli('ingest', file, '--map', map, '--engine', engine, '--out', join(dir, `m-${engine}.parquet`), '--summary', summary);
      expect(r.code, `${engine}: ${r.stderr}`).toBe(0);
      runs[engine] = { stderr: r.stderr, summary: JSON.parse(readFileSync(summary, 'utf8')) as Record<string, unknown> };
    }
    const { ts, duckdb } = runs;
    expect((ts.summary.detected as { timestamp: unknown }).timestamp).toEqual({ unit: 'ms', absolute: true, how: 'auto', reason: 'values up to 1.70e+12 look like epoch milliseconds' });
    expect((duckdb.summary.detected as { timestamp: unknown }).timestamp).toEqual((ts.summary.detected as { timestamp: unknown }).timestamp);
    expect((ts.summary.warnings as string[])[0]).toContain('timestamps (unit auto): 1 of 301 values');
    expect(duckdb.summary.warnings).toEqual(ts.summary.warnings);
    expect(warnings(duckdb.stderr)).toEqual(warnings(ts.stderr));
  });

  it('a Parquet DOUBLE timestamp column whose first value is NaN is numbers (NaN a bad_timestamp), as in the TypeScript engine — was read as date-time strings: a DuckDB binder error, exit 2', async () => {
    const dir = tempDir();
    const file = join(dir, 'nan.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run(`COPY (SELECT * FROM (VALUES (CAST('NaN' AS DOUBLE), 'a', 1, 1), (5.0, 'a', 1, 1), (7.5, 'b', 2, 2), (9.25, 'b', 2, 2), (12.0, 'a', 3, 3)) v(t, c, i, o)) TO '${file}' (FORMAT parquet)`);
    con.closeSync();
    db.closeSync();
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i', output_tokens: 'o' } }));
    for (const engine of ['ts', 'duckdb']) {
      const r = await runCli('summarize', file, '--map', map, '--engine', engine, '--out', join(dir, `n-${engine}.json`), '--max-reject-ratio', '0.5');
      expect(r.code, `${engine}: ${r.stderr}`).toBe(0);
      if (engine === 'duckdb') expect(r.stderr).toContain('bad_timestamp 1');
    }
    expect(readFileSync(join(dir, 'n-duckdb.json'), 'utf8')).toBe(readFileSync(join(dir, 'n-ts.json'), 'utf8'));
  });
});

describe('--engine duckdb, JSON lines whose timestamps mix strings and numbers (a JSON-typed column)', () => {
  it('reads the date-time strings by their value (a number among them is a bad_timestamp), as the TypeScript engine — with unit iso and with auto (which chooses iso); was: every row a bad_timestamp (the JSON text "\"2024-…\"" was parsed), "no accepted rows", exit 2', async () => {
    const dir = tempDir();
    const rows: string[] = [];
    for (let k = 0; k < 40; k++) rows.push(JSON.stringify({ t: `2024-01-01T10:${String(k).padStart(2, '0')}:00Z`, c: `c${k % 3}`, i: 10 + k, o: 5 }));
    rows.splice(7, 0, JSON.stringify({ t: 1704103200, c: 'c0', i: 1, o: 1 }));
    const file = join(dir, 'mixed-types.jsonl');
    writeFileSync(file, rows.join('\n') + '\n');
    for (const timestamp of [{ unit: 'iso' }, {}]) {
      const map = join(dir, 'map.json');
      writeFileSync(map, JSON.stringify({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i', output_tokens: 'o' }, timestamp }));
      for (const engine of ['ts', 'duckdb']) {
        const r = await runCli('summarize', file, '--map', map, '--engine', engine, '--out', join(dir, `j-${engine}.json`), '--max-reject-ratio', '0.05');
        expect(r.code, `${JSON.stringify(timestamp)} ${engine}: ${r.stderr}`).toBe(0);
        if (engine === 'duckdb') expect(r.stderr).toContain('40 accepted, 1 rejected (bad_timestamp 1)');
      }
      expect(readFileSync(join(dir, 'j-duckdb.json'), 'utf8'), JSON.stringify(timestamp)).toBe(readFileSync(join(dir, 'j-ts.json'), 'utf8'));
    }
  });
});

describe('--engine duckdb with timestamp.timezone (an offset for times without a zone; was an error)', () => {
  it('reads zone-less times at the offset and zoned ones at their own zone, as the TypeScript engine does: same summaries and inspect output', async () => {
    const dir = tempDir();
    const rows = ['t,c,i,o'];
    const zones = ['', 'Z', '+05:30', '-08:00', ' UTC', '+0200', '-03'];
    for (let k = 0; k < 700; k++) {
      const s = 10 + (k % 50);
      rows.push(`2024-03-0${1 + (k % 3)}T1${k % 10}:${String(k % 60).padStart(2, '0')}:${s}.${k}${zones[k % zones.length]},c${[0, 0, 0, 0, 1, 1, 1, 2, 2, 3][k % 10]},${20 + k},${3 + (k % 9)}`); // shares 40/30/20/10 % (inspect orders ties differently per engine)
    }
    rows.push('2024-03-04,c0,1,1'); // a date alone: midnight at the offset
    const file = join(dir, 'zones.csv');
    writeFileSync(file, rows.join('\n') + '\n');
    for (const timezone of ['+05:30', '-07:00', 'UTC']) {
      const map = join(dir, `map${timezone}.json`);
      writeFileSync(map, JSON.stringify({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i', output_tokens: 'o' }, timestamp: { unit: 'iso', timezone } }));
      const out = (e: string) => join(dir, `z${timezone}-${e}.json`);
      for (const e of ['ts', 'duckdb']) expect((await runCli('summarize', file, '--map', map, '--engine', e, '--out', out(e), '--quiet')).code, `${timezone} ${e}`).toBe(0);
      expect(readFileSync(out('duckdb'), 'utf8'), timezone).toBe(readFileSync(out('ts'), 'utf8'));
      const a = await runCli('inspect', file, '--map', map, '--engine', 'ts', '--quiet');
      const b = await runCli('inspect', file, '--map', map, '--engine', 'duckdb', '--quiet');
      expect(b.stdout, timezone).toBe(a.stdout);
    }
    // The offset moves only the zone-less times: the three summaries differ.
    expect(readFileSync(join(dir, 'z+05:30-ts.json'), 'utf8')).not.toBe(readFileSync(join(dir, 'zUTC-ts.json'), 'utf8'));
    // Other dialects say what they cannot do.
    const map = join(dir, 'map+05:30.json');
    const sql = await runCli('sql', '--dialect', 'trino', '--map', map, '--source', 'logs');
    expect(sql.code).toBe(2);
    expect(sql.stderr).toContain('timestamp.timezone other than UTC is supported by the duckdb and clickhouse dialects only, not trino');
  });
});

describe('rejects by reason', () => {
  it('are listed in one order (REJECT_REASONS) by both engines, whatever row comes first — was first occurrence in one, DuckDB\'s grouping in the other', async () => {
    const dir = tempDir();
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i' }, timestamp: { unit: 's' } }));
    const rows = ['t,c,i'];
    for (let k = 0; k < 400; k++) rows.push(`${k},c${k % 3},${k}`);
    // Later reasons first: negative_tokens, bad_number, then bad_timestamp, missing_timestamp.
    rows.splice(5, 0, '5.5,c0,-4', '6.5,c1,x', 'y,c2,3', ',c0,3');
    const file = join(dir, 'r.csv');
    writeFileSync(file, rows.join('\n') + '\n');
    const line = 'missing_timestamp 1, bad_timestamp 1, bad_number 1, negative_tokens 1';
    for (const engine of ['ts', 'duckdb']) {
      for (const cmd of [['ingest', file, '--map', map, '--engine', engine, '--out', join(dir, `r-${engine}.parquet`)], ['inspect', file, '--map', map, '--engine', engine], ['summarize', file, '--map', map, '--engine', engine, '--out', join(dir, `r-${engine}.json`)]]) {
        const r = await runCli(...cmd);
        expect(r.code, `${engine} ${cmd[0]}`).toBe(0);
        expect(r.stderr, `${engine} ${cmd[0]}`).toContain(`(${line})`);
      }
    }
  });
});
