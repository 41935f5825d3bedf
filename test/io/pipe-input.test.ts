import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';

// Found by review: `cat log.csv | servegen fit /dev/stdin …` and `fit <(zcat log.gz)` exited 3
// with "ESPIPE: invalid seek": an input's first bytes are read before the rest.
describe('an input that is a pipe', () => {
  it.skipIf(process.platform === 'win32')('is refused by name with what to do (exit 2), by every command that reads inputs, either engine', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    // A writer keeps the pipe open, as a shell's `cat … |` does (without one, opening it blocks).
    const writer = spawn('sh', ['-c', `exec 3>"${fifo}"; while :; do printf 'timestamp\\n1\\n' >&3 || exit 0; done`], { stdio: 'ignore' });
    try {
      for (const args of [
        ['fit', fifo, '--preset', 'servegen', '--out', join(dir, 'p.json')],
        ['fit', fifo, '--preset', 'servegen', '--engine', 'duckdb', '--out', join(dir, 'p.json')],
        ['inspect', fifo, '--preset', 'servegen'],
        ['summarize', fifo, '--preset', 'servegen', '--out', join(dir, 's.json')],
        ['ingest', fifo, '--preset', 'servegen', '--out', join(dir, 't.jsonl')],
      ]) {
        const r = await runCli(...args, '--quiet');
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.stderr, args.join(' ')).toBe(`servegen: ${fifo}: a pipe; inputs are read more than once (their first bytes, then the rest): save it to a file and give that (gzip and zstd files are read as they are)\n`);
      }
    } finally {
      writer.kill();
    }
  });
});
