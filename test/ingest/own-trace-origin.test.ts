import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';

describe('our own trace whose times from its origin reach epoch magnitudes (found by review)', () => {
  it('keeps the origin in its header when read again, with either engine (it took 1970-01-01 and moved every request by 5 s)', async () => {
    const dir = tempDir();
    const csv = join(dir, 'log.csv');
    const rows = ['ts,c'];
    for (let i = 0; i < 13; i++) rows.push(`${1700000000 + i},a`);
    rows.push('5,a'); // a clock error: a row at 1970-01-01T00:00:05Z
    writeFileSync(csv, rows.join('\n') + '\n');
    const map = join(dir, 'm.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'c' }, timestamp: { unit: 's' } }));
    const trace = join(dir, 'trace.jsonl');
    expect((await runCli('ingest', csv, '--map', map, '--out', trace, '--quiet')).code).toBe(0);
    const header = (file: string) => JSON.parse(readFileSync(file, 'utf8').split('\n')[0]) as { servegen: { origin: string } };
    const body = (file: string) => readFileSync(file, 'utf8').split('\n').slice(1).join('\n');
    expect(header(trace).servegen.origin).toBe('1970-01-01T00:00:05.000Z');
    for (const engine of ['ts', 'duckdb']) {
      const pq = join(dir, `again-${engine}.parquet`);
      const r = await runCli('ingest', trace, '--out', pq, '--engine', engine, '--quiet');
      expect(r.code, r.stderr).toBe(0);
      const back = join(dir, `back-${engine}.jsonl`);
      expect((await runCli('ingest', pq, '--out', back, '--quiet')).code).toBe(0);
      expect(header(back).servegen.origin, engine).toBe('1970-01-01T00:00:05.000Z');
      expect(body(back), engine).toBe(body(trace));
    }
  });
});
