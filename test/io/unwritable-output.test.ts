import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { fixture, tempDir } from '../helpers.js';
import { makeDirs } from '../../src/io/atomic.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const CONV = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');
/** Where a test writes its profile of CONV. */
const CONV_PROFILE = (dir: string) => `${dir}/conv-profile.json`;

describe('an output that cannot be written: exit 2 naming it (not its temporary file), no stack trace (found by review)', () => {
  it.skipIf(!existsSync('/proc/self'))('a directory that takes no new files (/proc), every writer', async () => {
    const dir = tempDir();
    const profile = `${dir}/p.json`;
    expect((await runCli('fit', CONV, '--preset', 'azure-llm-2023', '--out', profile, '--quiet')).code).toBe(0);
    const runs: [string[], string][] = [
      ...['jsonl', 'csv', 'parquet', 'arrow', 'mooncake'].map((f): [string[], string] => [['generate', profile, '--duration', '60', '--format', f, '--out', `/proc/sg-out.${f}`], `/proc/sg-out.${f}`]),
      [['fit', CONV, '--preset', 'azure-llm-2023', '--out', '/proc/sg-p.json'], '/proc/sg-p.json'],
      [['ingest', CONV, '--preset', 'azure-llm-2023', '--engine', 'duckdb', '--out', '/proc/sg-t.parquet'], '/proc/sg-t.parquet'],
      [['summarize', CONV, '--preset', 'azure-llm-2023', '--engine', 'duckdb', '--out', '/proc/sg-dir'], '/proc/sg-dir'],
    ];
    for (const [args, out] of runs) {
      const r = await runCli(...args, '--quiet');
      expect(r.code, args.join(' ')).toBe(2);
      // (Up front with the flag first for a user other than root, who may not write in /proc.)
      expect(r.stderr, args.join(' ')).toMatch(new RegExp(`^servegen: (--out )?${out.replace(/[.]/g, '\\.')}: `, 'm'));
      expect(r.stderr).not.toMatch(/\.tmp|\n\s+at /);
    }
  });

  it.skipIf(!existsSync('/proc/self'))('a directory to create under /proc: exit 2, not a hang (Node\'s recursive mkdirSync retried there forever: export-servegen --out /proc/x hung, found by review)', () => {
    const dir = tempDir();
    const profile = fixture('profiles', 'essentials.json');
    const runs: [string[], string][] = [
      [['export-servegen', profile, '--out', '/proc/sg-pool'], '/proc/sg-pool'],
      [['generate', profile, '--duration', '60', '--out', '/proc/sg-new/a/g.jsonl'], '/proc/sg-new/a/g.jsonl'],
      [['roundtrip', CONV, '--preset', 'azure-llm-2023', '--out', '/proc/sg-rt'], '/proc/sg-rt'],
    ];
    for (const [args, out] of runs) {
      // In a child with a time limit: the hang is a synchronous loop no test timeout stops.
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `import { main } from './src/cli/main.ts'; process.exitCode = await main(['node', 'servegen', ...${JSON.stringify([...args, '--quiet'])}]);`], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      expect(r.signal, args.join(' ')).toBeNull();
      expect(r.status, args.join(' ')).toBe(2);
      // (Up front with the flag first for a user other than root, who may not write in /proc.)
      expect(r.stderr, args.join(' ')).toMatch(new RegExp(`^servegen: (--out )?${out.replace(/[.]/g, '\\.')}: `, 'm'));
      expect(r.stderr).not.toMatch(/\.tmp|\n\s+at /);
    }
    // Parents that do not exist yet are still made, one level at a time.
    const deep = join(dir, 'a', 'b', 'c');
    makeDirs(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    makeDirs(deep);
    writeFileSync(join(dir, 'f'), '');
    expect(() => makeDirs(join(dir, 'f'))).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(() => makeDirs(join(dir, 'f', 'g'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });

  it('an existing directory, however named (review: `--out .` said "EBUSY: resource busy or locked", `--out dir/` "a file is in the way")', async () => {
    const dir = tempDir();
    for (const out of [`${dir}/.`, `${dir}/`, dir]) {
      const r = await runCli('fit', CONV, '--preset', 'azure-llm-2023', '--out', out, '--quiet');
      expect(r.code, out).toBe(2);
      expect(r.stderr, out).toBe(`servegen: ${out}: cannot write (it is a directory)\n`);
    }
  });

  it('a path under a file', async () => {
    const dir = tempDir();
    writeFileSync(`${dir}/file`, 'x');
    expect((await runCli('fit', CONV, '--preset', 'azure-llm-2023', '--out', CONV_PROFILE(dir), '--quiet')).code).toBe(0);
    const r = await runCli('fit', CONV, '--preset', 'azure-llm-2023', '--out', `${dir}/file/p.json`, '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${dir}/file/p.json: cannot write`);
    // Directory outputs too (found by review: 'ENOTDIR: not a directory, mkdir …').
    for (const args of [['export-servegen', CONV_PROFILE(dir), '--out', `${dir}/file/pool`], ['roundtrip', CONV, '--preset', 'azure-llm-2023', '--out', `${dir}/file/rt`]]) {
      const d = await runCli(...args, '--quiet');
      expect(d.code, args[0]).toBe(2);
      // Refused up front, naming the flag (session h-60).
      expect(d.stderr, args[0]).toBe(`servegen: --out ${args[args.length - 1]}: cannot write: ${dir}/file is a file, not a directory\n`);
    }
    // DuckDB's directory output too (its temporary directory's cleanup failed with ENOTDIR, naming it).
    const d = await runCli('summarize', CONV, '--preset', 'azure-llm-2023', '--engine', 'duckdb', '--out', `${dir}/file/scan`, '--quiet');
    expect(d.code).toBe(2);
    expect(d.stderr).toBe(`servegen: --out ${dir}/file/scan: cannot write: ${dir}/file is a file, not a directory\n`);
    expect(d.stderr).not.toMatch(/\.tmp/);
  });
});
