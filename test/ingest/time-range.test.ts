import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';

describe('epoch times past the dates a trace can hold are bad input in both engines, not an internal error', () => {
  it('the earliest time 9e12 s after 1970 (9e15 read as ms): exit 2 naming the file and timestamp.unit; --origin past that range: exit 2', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const file = `${dir}/far.csv`;
    writeFileSync(file, 'ts,client,in\n9e15,a,1\n9.1e15,a,2\n');
    writeFileSync(`${dir}/ms.json`, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'client', input_tokens: 'in' }, timestamp: { unit: 'ms' } }));
    const ok = `${dir}/ok.csv`;
    writeFileSync(ok, 'ts,client,in\n1700000000,a,1\n1700000001,a,2\n');
    writeFileSync(`${dir}/s.json`, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'client', input_tokens: 'in' }, timestamp: { unit: 's' } }));
    for (const engine of ['ts', 'duckdb']) {
      for (const cmd of ['ingest', 'summarize']) {
        const out = cmd === 'ingest' ? `${dir}/t.parquet` : `${dir}/s-out.json`;
        // (was "internal error: Invalid time value", exit 3)
        const r = await runCli(cmd, file, '--map', `${dir}/ms.json`, '--engine', engine, '--out', out, '--quiet');
        expect(r.code, `${cmd} ${engine}: ${r.stderr}`).toBe(2);
        expect(r.stderr, `${cmd} ${engine}`).toBe(`servegen: ${file}: the earliest timestamp, 9000000000000 s from 1970 read as ms, is past the dates a trace can hold (±8.64e12 s, year 275760); check timestamp.unit\n`);
      }
      const o = await runCli('summarize', ok, '--map', `${dir}/s.json`, '--engine', engine, '--origin', '99999999999999', '--out', `${dir}/o.json`, '--quiet');
      expect(o.code, `--origin ${engine}: ${o.stderr}`).toBe(2);
      expect(o.stderr).toContain('--origin: expected an ISO time or epoch seconds');
    }
  });
});
