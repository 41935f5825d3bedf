import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { heapContext, LARGE_INPUT_BYTES, relaunchFlags, type HeapContext } from '../../src/cli/heap.js';
import { fixture, tempDir } from '../helpers.js';

// Node's default heap (~4 GB) stopped `fit` of 60 days × 2 000 clients with "heap out of
// memory" and a native stack. Large inputs now run in a child with a larger heap.

const GB = 2 ** 30;
const ctx = (over: Partial<HeapContext>): HeapContext => ({
  argv: ['node', 'servegen', 'fit', 'big.csv', '--out', 'p.json'],
  env: {},
  execArgv: [],
  heapLimit: 4 * GB,
  memory: 24 * GB,
  fileSize: (p) => (p === 'big.csv' ? 300 * 2 ** 20 : 0),
  ...over,
});

describe('relaunchFlags', () => {
  it('a large input gets 75 % of the memory', () => {
    expect(relaunchFlags(ctx({}))).toEqual([`--max-old-space-size=${Math.floor((0.75 * 24 * GB) / 2 ** 20)}`]);
  });

  it('inputs at most 256 MB in all run in this process; sizes add up over the files named', () => {
    expect(relaunchFlags(ctx({ fileSize: (p) => (p === 'big.csv' ? LARGE_INPUT_BYTES : 0) }))).toBeUndefined();
    const two = ctx({ argv: ['node', 'servegen', 'validate', 'a.csv', 'b.csv'], fileSize: () => LARGE_INPUT_BYTES / 2 + 1 });
    expect(relaunchFlags(two)).toBeDefined();
  });

  it('options are not inputs', () => {
    expect(relaunchFlags(ctx({ argv: ['node', 'servegen', 'fit', '--map=big.csv', 'small.csv'], fileSize: (p) => (p === 'big.csv' || p === '--map=big.csv' ? GB : 0) }))).toBeUndefined();
  });

  it('a heap limit set by the user stands (NODE_OPTIONS or node flags), and the child does not relaunch again', () => {
    expect(relaunchFlags(ctx({ env: { NODE_OPTIONS: '--max-old-space-size=2048' } }))).toBeUndefined();
    expect(relaunchFlags(ctx({ env: { NODE_OPTIONS: '--max_old_space_size=2048' } }))).toBeUndefined();
    expect(relaunchFlags(ctx({ execArgv: ['--max-old-space-size=8000'] }))).toBeUndefined();
    expect(relaunchFlags(ctx({ env: { SERVEGEN_HEAP_RELAUNCHED: '1' } }))).toBeUndefined();
    expect(relaunchFlags(ctx({ env: { NODE_OPTIONS: '--enable-source-maps' } }))).toBeDefined();
  });

  it('no second process for a limit not well above the current one (a small machine)', () => {
    expect(relaunchFlags(ctx({ memory: 6 * GB }))).toBeUndefined(); // 4.5 GB < 1.25 × 4 GB
    expect(relaunchFlags(ctx({ memory: 8 * GB }))).toEqual([`--max-old-space-size=${6 * 1024}`]);
  });
});

describe('what counts as input (heapContext on real files, a lowered threshold)', () => {
  const dir = tempDir();
  for (const n of ['a', 'b', 'c']) writeFileSync(join(dir, `${n}.csv`), 'x'.repeat(1000));
  writeFileSync(join(dir, 'three.json'), JSON.stringify({ stages: [{ run: ['fit'], inputs: ['a.csv', 'b.csv'] }, { run: ['validate'], inputs: ['c.csv', 'missing.csv'] }] }));
  writeFileSync(join(dir, 'one.json'), JSON.stringify({ stages: [{ run: ['fit'], inputs: ['a.csv'] }] }));
  const decide = (...args: string[]) => relaunchFlags({ ...heapContext(['node', 'servegen', ...args]), env: {}, execArgv: [], heapLimit: 4 * GB, memory: 24 * GB, threshold: 2500 });

  it('a pattern (quoted, as the shell passes it) counts its matches; a directory its files', () => {
    expect(decide('fit', join(dir, '*.csv'))).toBeDefined();
    expect(decide('fit', '--summaries', dir)).toBeDefined();
    expect(decide('fit', join(dir, 'a.csv'), join(dir, 'b.csv'))).toBeUndefined();
    expect(decide('fit', join(dir, 'nothing-*.csv'))).toBeUndefined();
  });

  it('a gzipped input counts at 8× its size (its text is not measured)', () => {
    writeFileSync(join(dir, 'small.json.gz'), gzipSync('x'.repeat(100_000)));
    const gz = join(dir, 'small.json.gz');
    expect(statSync(gz).size).toBeLessThan(2500 / 8);
    expect(relaunchFlags({ ...heapContext(['node', 'servegen', 'generate', gz]), env: {}, execArgv: [], heapLimit: 4 * GB, memory: 24 * GB, threshold: 8 * statSync(gz).size - 1 })).toBeDefined();
    expect(relaunchFlags({ ...heapContext(['node', 'servegen', 'generate', gz]), env: {}, execArgv: [], heapLimit: 4 * GB, memory: 24 * GB, threshold: 8 * statSync(gz).size })).toBeUndefined();
  });

  it("servegen run counts the inputs its spec names, relative to the spec (missing ones as 0)", () => {
    expect(decide('run', join(dir, 'three.json'))).toBeDefined();
    expect(decide('run', join(dir, 'one.json'))).toBeUndefined();
  });
});

describe('the launcher relaunches (bin/servegen.js with the built dist/)', () => {
  const bin = join(import.meta.dirname, '..', '..', 'bin', 'servegen.js');
  const run = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, NODE_OPTIONS: '', SERVEGEN_RELAUNCH_BYTES: '0', SERVEGEN_DEBUG_HEAP: '1', ...env } });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
  // What this machine gives: no relaunch where 75 % of its memory is not well above the default.
  const expected = relaunchFlags({ ...heapContext(['node', 'servegen', 'inspect', fixture('profiles', 'essentials.json')]), env: {}, execArgv: [], threshold: 0 });

  it('with the larger heap, the same output and exit codes', async () => {
    const profile = fixture('profiles', 'essentials.json');
    const big = await run(['inspect', profile], {});
    const here = await run(['inspect', profile], { SERVEGEN_RELAUNCH_BYTES: String(2 ** 40) });
    expect(big.code).toBe(0);
    const limit = (s: string) => Number(/heap limit (\d+) MB/.exec(s)?.[1]);
    // heap_size_limit is the old space asked for plus the young generation (~50 MB more).
    if (expected) expect(Math.abs(limit(big.stderr) / Number(expected[0].split('=')[1]) - 1)).toBeLessThan(0.02);
    else expect(limit(big.stderr)).toBe(limit(here.stderr));
    expect(big.stderr.replace(/.*heap limit.*\n/, '')).toBe(here.stderr.replace(/.*heap limit.*\n/, ''));
    // Bad input: exit 2 through the parent too.
    const bad = await run(['validate', profile, join(tempDir(), 'missing.jsonl')], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('a servegen profile, not a trace');
  }, 30_000);

  it('SIGTERM to the launcher stops the command by SIGTERM, no temporary file', async () => {
    const dir = tempDir();
    const out = join(dir, 'big.jsonl');
    const child = spawn(process.execPath, [bin, 'generate', fixture('profiles', 'essentials.json'), '--duration', '100000', '--rate', 'constant:2000', '--out', out, '--quiet'], {
      env: { ...process.env, NODE_OPTIONS: '', SERVEGEN_RELAUNCH_BYTES: '0' },
      stdio: 'ignore',
    });
    let done = false;
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.on('exit', (code, signal) => {
        done = true;
        resolve({ code, signal });
      }),
    );
    const t0 = Date.now();
    while (!readdirSync(dir).some((n) => n.endsWith('.tmp')) && !done && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(dir).some((n) => n.endsWith('.tmp'))).toBe(true);
    child.kill('SIGTERM');
    // The child removes its temporary file, then stops by the signal; the launcher stops by it too.
    expect(await exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('a child stopped by any signal exits 128 + its number (SIGSEGV 139, not 129 as for SIGHUP)', async () => {
    if (!expected) return; // no relaunch on this machine: no child to stop
    const dir = tempDir();
    const child = spawn(process.execPath, [bin, 'generate', fixture('profiles', 'essentials.json'), '--duration', '100000', '--rate', 'constant:2000', '--out', join(dir, 'big.jsonl'), '--quiet'], {
      env: { ...process.env, NODE_OPTIONS: '', SERVEGEN_RELAUNCH_BYTES: '0' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The temporary output is named by the pid of the process writing it: the relaunched child.
    const t0 = Date.now();
    let tmp: string | undefined;
    while (!(tmp = readdirSync(dir).find((n) => n.endsWith('.tmp'))) && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
    const pid = Number(/\.(\d+)\.tmp$/.exec(tmp ?? '')?.[1]);
    expect(pid).not.toBe(child.pid);
    process.kill(pid, 'SIGSEGV');
    expect(await exited).toBe(128 + 11);
  }, 60_000);

  it('Ctrl-C (SIGINT to the process group) stops the launcher by SIGINT, as without it: a shell script stops too, not only the command', async () => {
    if (!expected) return; // no relaunch on this machine
    const dir = tempDir();
    const trace = join(dir, 't.jsonl');
    expect((await run(['generate', fixture('profiles', 'essentials.json'), '--duration', '3600', '--rate', 'constant:60', '--out', trace, '--quiet'], { SERVEGEN_RELAUNCH_BYTES: String(2 ** 40) })).code).toBe(0);
    // Its own process group, as a terminal's foreground job: Ctrl-C reaches launcher and child.
    const child = spawn(process.execPath, [bin, 'inspect', trace], {
      env: { ...process.env, NODE_OPTIONS: '', SERVEGEN_RELAUNCH_BYTES: '0', SERVEGEN_DEBUG_HEAP: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    // The heap limit line comes from the relaunched child (the launcher prints none).
    await new Promise<void>((resolve) => child.stderr!.on('data', (d: Buffer) => /heap limit/.test(String(d)) && resolve()));
    process.kill(-child.pid!, 'SIGINT');
    // A shell tells Ctrl-C from a command's own exit code 130 by this (bash: the loop goes on after 130).
    expect(await exited).toEqual({ code: null, signal: 'SIGINT' });
  }, 60_000);
});
