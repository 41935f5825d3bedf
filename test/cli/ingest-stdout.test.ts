import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('ingest --out /dev/stdout --out-format FMT', () => {
  it('writes the trace to standard output (it said "cannot tell the output format", with no flag to give it; found by a batch-job audit)', async () => {
    const slice = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');
    const file = join(tempDir(), 't.jsonl');
    expect((await runCli('ingest', slice, '--preset', 'burstgpt', '--out', file, '--quiet')).code).toBe(0);
    const args = ['ingest', slice, '--preset', 'burstgpt', '--out', '/dev/stdout', '--out-format', 'jsonl', '--quiet'];
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `import { main } from './src/cli/main.ts'; process.exitCode = await main(['node', 'servegen', ...${JSON.stringify(args)}]);`], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(file, 'utf8'));
  }, 60_000);

  it('is refused when it is not a trace format, or --out is named as another', async () => {
    const slice = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');
    const dir = tempDir();
    const bad = await runCli('ingest', slice, '--preset', 'burstgpt', '--out', join(dir, 't.jsonl'), '--out-format', 'xml');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('servegen: --out-format: expected jsonl, csv, parquet or arrow, got "xml"\n');
    const other = await runCli('ingest', slice, '--preset', 'burstgpt', '--out', join(dir, 't.jsonl'), '--out-format', 'csv');
    expect(other.code).toBe(2);
    expect(other.stderr).toBe(`servegen: --out-format csv: --out ${JSON.stringify(join(dir, 't.jsonl'))} is named as jsonl, and every reader would take it for jsonl; name it ${JSON.stringify(join(dir, 't.csv'))}, or drop --out-format\n`);
  });
});
