import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** The BurstGPT slice's roundtrip (profile, generated.jsonl, fidelity.json), read by three tests: run once, not in each. */
let roundtrip = '';
beforeAll(async () => {
  roundtrip = join(tempDir(), 'slice');
  expect((await runCli('roundtrip', fixture('traces', 'burstgpt', 'burstgpt3_slice.csv'), '--preset', 'burstgpt', '--out', roundtrip, '--quiet')).code).toBe(0);
});

describe('--out /dev/stdout into a pipe whose reader is slow', () => {
  it('waits for the reader and writes the whole trace (it stopped with EAGAIN once the 64 KB pipe filled; found by review)', async () => {
    const args = ['generate', fixture('profiles', 'essentials.json'), '--duration', '600', '--rate', 'constant:100', '--seed', '4', '--format', 'jsonl', '--quiet'];
    const file = join(tempDir(), 'g.jsonl');
    expect((await runCli(...args, '--out', file)).code).toBe(0);
    const expected = readFileSync(file);
    expect(expected.length).toBeGreaterThan(1 << 20);
    // Run as bin/servegen.js does, from the sources; the pipe is not read for the first second.
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `import { main } from './src/cli/main.ts'; process.exitCode = await main(['node', 'servegen', ...${JSON.stringify([...args, '--out', '/dev/stdout'])}]);`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.stdout.pause();
    const code = await new Promise<number | null>((resolve) => {
      child.on('close', (c) => resolve(c));
      setTimeout(() => {
        child.stdout.on('data', (d: Buffer) => chunks.push(d));
        child.stdout.resume();
      }, 1000);
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(Buffer.concat(chunks).equals(expected)).toBe(true);
  }, 60_000);

  it('a reader that stops early (| head) ends the run quietly with exit 0 (it said "cannot write (EPIPE: broken pipe, write)", exit 2)', async () => {
    const args = ['generate', fixture('profiles', 'essentials.json'), '--duration', '600', '--rate', 'constant:100', '--seed', '4', '--format', 'jsonl', '--quiet', '--out', '/dev/stdout'];
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `import { main } from './src/cli/main.ts'; process.exitCode = await main(['node', 'servegen', ...${JSON.stringify(args)}]);`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let got = 0;
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.stdout.on('data', (d: Buffer) => {
      got += d.length;
      child.stdout.destroy(); // like head: read a little, then close the pipe
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(got).toBeGreaterThan(0);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  }, 60_000);
});

describe('--json /dev/stdout (or --md): that output alone on standard output', () => {
  const cli = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `import { main } from './src/cli/main.ts'; process.exitCode = await main(['node', 'servegen', ...${JSON.stringify(args)}]);`], { cwd: ROOT, encoding: 'utf8' });

  it('fidelity-table and capacity printed their table after the JSON, and `| jq` stopped with a parse error (found by a batch-job audit)', async () => {
    const out = roundtrip;
    const mine = tempDir(); // this test's own files, beside the shared roundtrip
    const slice = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');
    const report = join(out, 'fidelity.json');
    const table = cli(['fidelity-table', report, '--json', '/dev/stdout']);
    expect(table.status, table.stderr).toBe(0);
    expect(JSON.parse(table.stdout)).toMatchObject({ pass: true, traces: [{ name: 'slice', requests: 400 }] });
    const md = cli(['fidelity-table', report, '--md', '/dev/stdout']);
    expect((await runCli('fidelity-table', report, '--md', join(mine, 'table.md'), '--quiet')).code).toBe(0);
    expect(md.stdout).toBe(readFileSync(join(mine, 'table.md'), 'utf8'));
    const cap = cli(['capacity', slice, '--source-preset', 'burstgpt', join(out, 'generated.jsonl'), '--json', '/dev/stdout']);
    expect(cap.status, cap.stderr).toBe(0);
    expect(JSON.parse(cap.stdout)).toMatchObject({ format: 'servegen-capacity' });
    // inspect --report /dev/stdout: the page alone.
    const page = cli(['inspect', join(out, 'profile.json'), '--report', '/dev/stdout']);
    expect(page.status, page.stderr).toBe(0);
    expect(page.stdout.startsWith('<!DOCTYPE html>') || page.stdout.startsWith('<!doctype html>')).toBe(true);
    expect(page.stdout.trimEnd().endsWith('</html>')).toBe(true);
    // Into a file, the table is printed as before.
    const file = cli(['capacity', slice, '--source-preset', 'burstgpt', join(out, 'generated.jsonl'), '--json', join(mine, 'c.json')]);
    expect(file.stdout).toMatch(/^\| trace \| requests \|/);
  }, 60_000);
});

describe('a reader that stops early keeps a failed check\'s exit code', () => {
  it('validate --json /dev/stdout | true: exit 1 when a metric failed (it exited 0; found by a batch-job audit), fidelity-table likewise', async () => {
    const dir = tempDir();
    const out = roundtrip;
    const code = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv');
    const failing = join(dir, 'failing.json');
    expect((await runCli('validate', code, join(out, 'generated.jsonl'), '--source-preset', 'azure-llm-2023', '--json', failing, '--quiet')).code).toBe(1);
    // The reader (`true`) is gone before anything is written: every write says EPIPE.
    const closed = (args: string[]) => {
      const cmd = `${JSON.stringify(process.execPath)} --import tsx --input-type=module -e ${JSON.stringify(`import { main } from './src/cli/main.ts'; process.exitCode = await main(['node', 'servegen', ...${JSON.stringify(args)}]);`)}`;
      return spawnSync('bash', ['-c', `${cmd} | true; echo "exit \${PIPESTATUS[0]}" >&2`], { cwd: ROOT, encoding: 'utf8' });
    };
    const v = closed(['validate', code, join(out, 'generated.jsonl'), '--source-preset', 'azure-llm-2023', '--json', '/dev/stdout', '--quiet']);
    expect(v.stderr).toBe('exit 1\n');
    const t = closed(['fidelity-table', failing, '--json', '/dev/stdout']);
    expect(t.stderr).toBe('exit 1\n');
    const ok = closed(['fidelity-table', join(out, 'fidelity.json'), '--json', '/dev/stdout']);
    expect(ok.stderr).toBe('exit 0\n');
  }, 60_000);
});

describe('summarize --out /dev/stdout', () => {
  it('writes the summaries JSON there (it was taken for a Parquet directory and refused; found by a batch-job audit)', async () => {
    const slice = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');
    const file = join(tempDir(), 's.json');
    expect((await runCli('summarize', slice, '--preset', 'burstgpt', '--out', file, '--quiet')).code).toBe(0);
    const args = ['summarize', slice, '--preset', 'burstgpt', '--out', '/dev/stdout', '--quiet'];
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `import { main } from './src/cli/main.ts'; process.exitCode = await main(['node', 'servegen', ...${JSON.stringify(args)}]);`], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(file, 'utf8'));
  }, 60_000);
});

describe('standard error whose reader went away', () => {
  it('a passing validate still exits 0 and writes its report (an unhandled EPIPE on stderr made it exit 1, a failed check; found by a batch-job audit) — bin/servegen.js with the built dist/', async () => {
    const dir = tempDir();
    const out = roundtrip;
    const slice = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'servegen.js'), 'validate', slice, join(out, 'generated.jsonl'), '--source-preset', 'burstgpt', '--json', join(dir, 'v.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.destroy(); // like `2>&1 | head -0`: nothing will read what it says
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'v.json'), 'utf8'))).toMatchObject({ pass: true });
  }, 60_000);
});
