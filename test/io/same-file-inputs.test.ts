import { linkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { expandInputs } from '../../src/io/input.js';
import { runCli } from '../cli/run-cli.js';

describe('one file under two names (found by review: a symlink beside its target doubled every request)', () => {
  it('is read once, through a symlink or a hard link, with either engine', async () => {
    const dir = tempDir();
    const day = join(dir, 'day-3.csv');
    writeFileSync(day, 'timestamp,client_id\n' + Array.from({ length: 20 }, (_, i) => `${i},a`).join('\n') + '\n');
    symlinkSync(day, join(dir, 'today.csv'));
    linkSync(day, join(dir, 'copy.csv'));
    expect(expandInputs([join(dir, '*.csv')])).toEqual([join(dir, 'copy.csv')]);
    for (const engine of ['ts', 'duckdb']) {
      const summary = join(dir, `s-${engine}.json`);
      const r = await runCli('ingest', join(dir, '*.csv'), day, '--preset', 'servegen', '--out', join(dir, `x-${engine}.parquet`), '--summary', summary, '--engine', engine, '--quiet');
      expect(r.code, r.stderr).toBe(0);
      const { readFileSync } = await import('node:fs');
      const s = JSON.parse(readFileSync(summary, 'utf8')) as { rows_read: number; files: string[] };
      expect(s.rows_read, engine).toBe(20);
      expect(s.files.length, engine).toBe(1);
    }
  });
});
