import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

// `ingest … --quiet` above --max-reject-ratio exited 1 with nothing on stderr (the reason went
// through the summary's quiet channel), while fit, roundtrip and validate say it whatever
// --quiet: a batch job's log had an exit 1 and no reason (found by a new user's review, session 38).

describe('ingest --quiet above the reject ratio', () => {
  it('still says why it exits 1 and that no trace was written, by either engine', async () => {
    const dir = tempDir();
    const log = join(dir, 'log.csv');
    const rows = Array.from({ length: 40 }, (_, i) => `${1733580000 + i},t${i % 3},${i % 10 === 3 ? 'abc' : i + 1},${i + 2}`);
    writeFileSync(log, ['time,tenant,in,out', ...rows].join('\n') + '\n');
    const map = join(dir, 'm.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'time', client_id: 'tenant', input_tokens: 'in', output_tokens: 'out' } }));
    for (const engine of ['ts', 'duckdb']) {
      const out = join(dir, `t-${engine}.parquet`);
      const r = await runCli('ingest', log, '--map', map, '--engine', engine, '--out', out, '--quiet');
      expect(r.code, `${engine}: ${r.stderr}`).toBe(1);
      expect(r.stderr, engine).toMatch(/^ingest: 10\.00 % of rows rejected, above --max-reject-ratio 0\.01; no trace written/);
      if (engine === 'ts') expect(r.stderr).toContain(`the first: ${log}:5: input_tokens: not a number: "abc"`);
      // Only the reason: no summary line, as --quiet asks.
      expect(r.stderr, engine).not.toMatch(/^read \d+ rows/m);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    }
  });
});
