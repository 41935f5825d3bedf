import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';

// A NUL byte in the first 64 KiB refused the file as binary in the TypeScript engine (later
// NULs were read), while DuckDB read the values with the NUL in them (left open by review).

describe('stray NUL bytes in text inputs', () => {
  it('CSV: both engines read them into the values (a NUL in a number makes it a bad_number, in a client id it is part of the id): equal summaries', async () => {
    const dir = tempDir();
    const rows = ['time,tenant,in,out', ...Array.from({ length: 300 }, (_, i) => `${i + 10},c${i % 5},${(i % 50) + 1},${(i % 7) + 1}`)];
    rows[3] = '2,\0b,6,4';
    rows[5] = '3,a,7\0,1';
    rows[7] = '4\0,b,8,2';
    rows[9] = '5,c\0,9,\0';
    const f = join(dir, 'nul.csv');
    writeFileSync(f, rows.join('\n') + '\n');
    const m = join(dir, 'm.json');
    writeFileSync(m, JSON.stringify({ columns: { timestamp: 'time', client_id: 'tenant', input_tokens: 'in', output_tokens: 'out' } }));
    const out: Record<string, string> = {};
    for (const engine of ['ts', 'duckdb']) {
      const s = join(dir, `s-${engine}.json`);
      const r = await runCli('summarize', f, '--map', m, '--engine', engine, '--out', s, '--max-reject-ratio', '1');
      expect(r.code, `${engine}: ${r.stderr}`).toBe(0);
      expect(r.stderr, engine).toMatch(/297 accepted, 3 rejected \(bad_timestamp 1, bad_number 2\)/);
      out[engine] = readFileSync(s, 'utf8');
    }
    expect(out.ts).toBe(out.duckdb);
    expect(JSON.parse(out.ts).arrivals.map((a: { client: string }) => a.client)).toContain('\0b');
    // A small file with one stray NUL reads too.
    writeFileSync(f, 'time,tenant,in,out\n1,a,5,3\n2,\0b,6,4\n');
    expect((await runCli('ingest', f, '--map', m, '--out', join(dir, 'small.parquet'), '--quiet')).code).toBe(0);
  });

  it('JSON lines: a raw NUL in a string is invalid JSON, a reject in the TypeScript engine (as the DuckDB hint says)', async () => {
    const dir = tempDir();
    const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify({ time: i + 10, tenant: `c${i % 5}`, in: (i % 50) + 1 }));
    lines[3] = '{"time": 2, "tenant": "b\0", "in": 6}';
    const f = join(dir, 'nul.jsonl');
    writeFileSync(f, lines.join('\n') + '\n');
    const m = join(dir, 'm.json');
    writeFileSync(m, JSON.stringify({ columns: { timestamp: 'time', client_id: 'tenant', input_tokens: 'in' } }));
    const r = await runCli('ingest', f, '--map', m, '--out', join(dir, 'x.parquet'), '--max-reject-ratio', '1');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/299 accepted, 1 rejected \(unparseable_line 1\)/);
    const d = await runCli('ingest', f, '--map', m, '--engine', 'duckdb', '--out', join(dir, 'y.parquet'), '--quiet');
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('--engine ts reads it and counts such rows as rejects');
  });

  it('binary data is still refused as binary, with what made it look so', async () => {
    const dir = tempDir();
    const m = join(dir, 'm.json');
    writeFileSync(m, JSON.stringify({ columns: { timestamp: 'time' } }));
    let bytes = randomBytes(65536);
    while (!bytes.includes(0)) bytes = randomBytes(65536);
    for (const name of ['random.csv', 'random.jsonl']) {
      const f = join(dir, name);
      writeFileSync(f, bytes);
      const r = await runCli('ingest', f, '--map', m, '--out', join(dir, 'x.parquet'), '--quiet');
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toMatch(new RegExp(`^servegen: ${f}: looks binary \\(\\d+ NUL and \\d+ other control bytes in its first 65536 bytes\\), not (CSV text|JSON lines); use --format if the extension is wrong\\n$`));
      expect(existsSync(join(dir, 'x.parquet'))).toBe(false);
    }
  });
});
