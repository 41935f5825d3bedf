import { spawn, spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPipeline } from '../../src/cli/run.js';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

function setup(): { dir: string; spec: string } {
  const dir = tempDir();
  mkdirSync(join(dir, 'data'));
  cpSync(fixture('traces', 'burstgpt', 'burstgpt3_slice.csv'), join(dir, 'data', 'log.csv'));
  const spec = join(dir, 'pipe.json');
  writeFileSync(
    spec,
    JSON.stringify({
      name: 'test',
      stages: [
        { name: 'ingest', run: ['ingest', 'data/log.csv', '--preset', 'burstgpt', '--out', 'out/trace.parquet'], inputs: ['data/log.csv'], outputs: ['out/trace.parquet'] },
        { name: 'fit', run: ['fit', 'out/trace.parquet', '--out', 'out/profile.json'], inputs: ['out/trace.parquet'], outputs: ['out/profile.json'] },
        { name: 'generate', run: ['generate', 'out/profile.json', '--start', '19440000', '--duration', '41563', '--out', 'out/gen.jsonl'], inputs: ['out/profile.json'], outputs: ['out/gen.jsonl'] },
        { name: 'report', run: ['inspect', 'out/profile.json', '--report', 'out/profile.html'], inputs: ['out/profile.json'], outputs: ['out/profile.html'] },
      ],
    }),
  );
  return { dir, spec };
}

describe('servegen run', () => {
  it('runs every stage, then skips them all on a rerun; a changed input reruns what depends on it', async () => {
    const { dir, spec } = setup();
    const first = await runCli('run', spec);
    expect(first.code).toBe(0);
    expect(existsSync(join(dir, 'out', 'profile.html'))).toBe(true);
    // Each stage's command is said as it starts (a long or interrupted stage was named only when it ended).
    const started = first.stderr.indexOf('[test] fit: servegen fit out/trace.parquet --out out/profile.json\n');
    expect(started).toBeGreaterThan(first.stderr.indexOf('[test] ingest: done'));
    expect(started).toBeLessThan(first.stderr.indexOf('[test] fit: done'));
    const again = await runCli('run', spec);
    expect(again.code).toBe(0);
    expect(again.stderr.match(/unchanged, skipped/g)?.length).toBe(4);
    // Drop the last row of the log: ingest and everything downstream of changed files rerun.
    const log = join(dir, 'data', 'log.csv');
    writeFileSync(log, readFileSync(log, 'utf8').trim().split('\n').slice(0, -1).join('\n') + '\n');
    const third = await runCli('run', spec);
    expect(third.stderr).toMatch(/\[test\] ingest: done/);
    expect(third.stderr).toMatch(/\[test\] fit: done/);
    const forced = await runCli('run', spec, '--force');
    expect(forced.stderr).not.toMatch(/unchanged, skipped/);
  });

  it('a failing stage is named, stops the pipeline and leaves earlier outputs intact', async () => {
    const { dir, spec } = setup();
    const doc = JSON.parse(readFileSync(spec, 'utf8'));
    doc.stages[1].run = ['fit', 'out/trace.parquet', '--window', 'soon', '--out', 'out/profile.json'];
    writeFileSync(spec, JSON.stringify(doc));
    const r = await runCli('run', spec);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/stage fit failed \(exit 2\)/);
    expect(existsSync(join(dir, 'out', 'trace.parquet'))).toBe(true);
    expect(existsSync(join(dir, 'out', 'gen.jsonl'))).toBe(false);
  });

  it('validates specs on load; every committed pipeline is valid', () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ name: 'x', stages: [{ name: 'a', run: ['fit'], outputs: [] }] }));
    expect(() => readPipeline(bad)).toThrow(/bad\.json: stages\[0\]\.outputs/);
    // A stage without a name, or with a misspelt key, is named by its number in plain words (zod
    // said "stages[1].name: Invalid input: expected string, received undefined").
    const stage = { run: ['fit', 'a'], outputs: ['b'] };
    writeFileSync(bad, JSON.stringify({ name: 'x', stages: [{ name: 'a', ...stage }, stage] }));
    expect(() => readPipeline(bad)).toThrow(`${bad}: stages[1] (stage 2): missing "name" (every stage needs a name: the run state records each stage by it)`);
    writeFileSync(bad, JSON.stringify({ name: 'x', stages: [{ name: 'a', ...stage, output: 'c' }] }));
    expect(() => readPipeline(bad)).toThrow(`${bad}: stages[0] (stage 1): unknown key "output"; did you mean "outputs"? (allowed here: name, run, inputs, outputs, allow_failure)`);
    // Another of our files given as the spec is named (it said `top level: missing "name"`), and
    // JSON with text after it is placed by line and column without Node's character position.
    writeFileSync(bad, JSON.stringify({ format: 'servegen-profile', version: 1, clients: [] }));
    expect(() => readPipeline(bad)).toThrow(`${bad}: a servegen profile, not a pipeline spec`);
    writeFileSync(bad, '{"name": "x", "stages": []}\n{}\n');
    expect(() => readPipeline(bad)).toThrow(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:1: invalid JSON \\(Unexpected non-whitespace character after JSON\\)$`));
    for (const name of ['main-job', 'azure-conv', 'azure-code', 'mooncake-conversation', 'burstgpt-slice', 'share-anonymized', 'batch-fidelity']) {
      expect(() => readPipeline(join(import.meta.dirname, '../../pipelines', `${name}.json`)), name).not.toThrow();
    }
  });
});

describe('servegen run: directory inputs', () => {
  it('an input may be a directory (an upstream pool): a change to any file under it reruns the stage; main-job declares its whole pool', async () => {
    const dir = tempDir();
    const pool = join(dir, 'pool');
    cpSync(fixture('servegen', 'multimodal', 'mm-image'), pool, { recursive: true });
    const spec = join(dir, 'pipe.json');
    writeFileSync(spec, JSON.stringify({ name: 'dir', stages: [{ name: 'import', run: ['import-servegen', 'pool', '--out', 'out/p.json'], inputs: ['pool'], outputs: ['out/p.json'] }] }));
    const first = await runCli('run', spec, '--quiet');
    expect(first.code, first.stderr).toBe(0);
    const before = readFileSync(join(dir, 'out', 'p.json'), 'utf8');
    expect((await runCli('run', spec)).stderr).toMatch(/import: unchanged, skipped/);
    // Change a file that is not the first chunk: the stage reruns and the profile follows.
    const trace = join(pool, 'chunk-5-trace.csv');
    const lines = readFileSync(trace, 'utf8').split('\n');
    const cells = lines[0].split(',');
    cells[1] = String(Number(cells[1]) * 2);
    lines[0] = cells.join(',');
    writeFileSync(trace, lines.join('\n'));
    const again = await runCli('run', spec);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/import: done/);
    expect(readFileSync(join(dir, 'out', 'p.json'), 'utf8')).not.toBe(before);
    const mainJob = readPipeline(join(import.meta.dirname, '../../pipelines', 'main-job.json'));
    expect(mainJob.stages[0].inputs).toEqual(['../fixtures/servegen/multimodal/mm-image']);
  });
});

describe('servegen run: internal errors and a corrupt state file (found by review)', () => {
  it('an internal error exits 3, never 1; run stops at it even with allow_failure, which lets only a failed check (1) pass', async () => {
    const { describeError, EXIT_INTERNAL } = await import('../../src/cli/errors.js');
    expect(describeError(new RangeError('Invalid typed array length: 17179869184'))).toEqual({ message: 'internal error: Invalid typed array length: 17179869184', code: EXIT_INTERNAL });
    expect(EXIT_INTERNAL).toBe(3);
    const { Command } = await import('commander');
    const { registerRun } = await import('../../src/cli/run.js');
    const dir = tempDir();
    const spec = join(dir, 'pipe.json');
    const stage = (name: string) => ({ name, run: [name], outputs: [`${name}.out`], allow_failure: true });
    writeFileSync(spec, JSON.stringify({ name: 'codes', stages: [stage('check'), stage('crash'), stage('after')] }));
    const codes: Record<string, number> = { check: 1, crash: 3, after: 0 };
    const ran: string[] = [];
    let exit = -1;
    const program = new Command().exitOverride();
    registerRun(program, async (argv) => (ran.push(argv[2]), codes[argv[2]]), (c) => (exit = c));
    await program.parseAsync(['node', 'servegen', 'run', spec, '--quiet']);
    expect(ran).toEqual(['check', 'crash']);
    expect(exit).toBe(3);
  });

  it('says whether a failed stage stops the pipeline or allow_failure lets it go on (it said "earlier outputs are kept" for both; found by review)', async () => {
    const { vi } = await import('vitest');
    const { Command } = await import('commander');
    const { registerRun } = await import('../../src/cli/run.js');
    const dir = tempDir();
    const spec = join(dir, 'pipe.json');
    writeFileSync(spec, JSON.stringify({ name: 'words', stages: [{ name: 'check', run: ['check'], outputs: ['c.out'], allow_failure: true }, { name: 'bad', run: ['bad'], outputs: ['b.out'] }] }));
    let stderr = '';
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
    try {
      const program = new Command().exitOverride();
      registerRun(program, async (argv) => ({ check: 1, bad: 2 })[argv[2]] ?? 0, () => {});
      await program.parseAsync(['node', 'servegen', 'run', spec]);
    } finally {
      err.mockRestore();
    }
    expect(stderr).toMatch(/stage check failed \(exit 1\) after [\d.]+ s; allow_failure: going on\n/);
    expect(stderr).toMatch(/stage bad failed \(exit 2\) after [\d.]+ s; the pipeline stops here, earlier outputs are kept\n/);
  });

  it('a corrupt run-state file is named in a note and ignored: every stage reruns, and the state is rewritten', async () => {
    const { dir, spec } = setup();
    expect((await runCli('run', spec)).code).toBe(0);
    const stateFile = join(dir, '.servegen-run', 'test.json');
    writeFileSync(stateFile, '{ingest: 1');
    const r = await runCli('run', spec);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/note: run state unreadable \(.*\.servegen-run[/\\]test\.json:1:2: invalid JSON .*\); ignoring it, every stage reruns/);
    expect(r.stderr).not.toMatch(/internal error|unchanged, skipped/);
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toHaveProperty('report');
    expect((await runCli('run', spec)).stderr.match(/unchanged, skipped/g)?.length).toBe(4);
    writeFileSync(stateFile, '["not", "a", "map"]');
    expect((await runCli('run', spec)).stderr).toMatch(/test\.json: not an object of stage keys\); ignoring it/);
  });
});

describe('servegen run: pipeline names and declared outputs (found by review)', () => {
  it('a name with a path in it is refused (it placed the run state outside .servegen-run)', async () => {
    const dir = tempDir();
    const sub = join(dir, 'a', 'b');
    mkdirSync(sub, { recursive: true });
    const profile = fixture('profiles', 'essentials.json');
    const stage = { name: 'g', run: ['generate', profile, '--duration', '10', '--out', 'g.jsonl', '--quiet'], inputs: [profile], outputs: ['g.jsonl'] };
    for (const name of ['../../escaped', 'x/y', '..']) {
      const spec = join(sub, 'p.json');
      writeFileSync(spec, JSON.stringify({ name, stages: [stage] }));
      const r = await runCli('run', spec, '--quiet');
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toContain(`${spec}: name: a pipeline name is a file name`);
    }
    expect(existsSync(join(dir, 'escaped.json'))).toBe(false);
  });

  it('a declared output the stage did not write gets a note (the stage reruns every time)', async () => {
    const dir = tempDir();
    const profile = fixture('profiles', 'essentials.json');
    const spec = join(dir, 'p.json');
    writeFileSync(spec, JSON.stringify({ name: 'p', stages: [{ name: 'g', run: ['generate', profile, '--duration', '10', '--out', 'g.jsonl', '--quiet'], inputs: [profile], outputs: ['g.jsonl', 'other.txt'] }] }));
    const r = await runCli('run', spec);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('[p] note: stage g did not write its declared output(s) other.txt; it reruns on every run until it does');
  });
});

describe('servegen run: absolute paths (found by review)', () => {
  it('an absolute input or output is that file, as in the stage command (it was joined onto the spec folder: "missing input")', async () => {
    const dir = tempDir();
    const profile = fixture('profiles', 'essentials.json');
    const out = join(tempDir(), 'g.jsonl');
    const spec = join(dir, 'p.json');
    writeFileSync(spec, JSON.stringify({ name: 'p', stages: [{ name: 'g', run: ['generate', profile, '--duration', '10', '--out', out, '--quiet'], inputs: [profile], outputs: [out] }] }));
    const first = await runCli('run', spec);
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(out)).toBe(true);
    const again = await runCli('run', spec);
    expect(again.stderr).toContain('[p] g: unchanged, skipped');
  });
});

describe('two runs of one pipeline at once (they rewrote each other\'s run state and outputs; an audit leftover)', () => {
  const lockOf = (pid: number) => JSON.stringify({ pid, host: hostname(), command: 'run pipe.json', started: '2026-01-01T00:00:00.000Z' }) + '\n';

  it('the second is refused, exit 2, naming the first, and runs no stage', async () => {
    const { dir, spec } = setup();
    const lock = join(dir, '.servegen-run', 'test.lock');
    mkdirSync(join(dir, '.servegen-run'));
    const other = spawn('sleep', ['30']);
    try {
      writeFileSync(lock, lockOf(other.pid!));
      const r = await runCli('run', spec);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${spec}: pipeline test is being run by servegen run pipe.json (pid ${other.pid} on ${hostname()}, since 2026-01-01T00:00:00.000Z); wait for it to finish`);
      expect(existsSync(join(dir, 'out'))).toBe(false);
      expect(readFileSync(lock, 'utf8')).toBe(lockOf(other.pid!));
    } finally {
      other.kill();
    }
  });

  it('a lock left by a run that is gone is taken over with a note, and a finished run leaves none', async () => {
    const { dir, spec } = setup();
    const lock = join(dir, '.servegen-run', 'test.lock');
    mkdirSync(join(dir, '.servegen-run'));
    const pid = Number(spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim());
    writeFileSync(lock, lockOf(pid));
    const r = await runCli('run', spec);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`note: ${lock}: left by servegen run pipe.json (pid ${pid}), which is no longer running; taken over`);
    expect(existsSync(lock)).toBe(false);
    // A failing run releases it too.
    const doc = JSON.parse(readFileSync(spec, 'utf8'));
    doc.stages[1].run = ['fit', 'out/trace.parquet', '--window', 'soon', '--out', 'out/profile.json'];
    writeFileSync(spec, JSON.stringify(doc));
    expect((await runCli('run', spec, '--force')).code).toBe(2);
    expect(existsSync(lock)).toBe(false);
  });
});

describe('shellWord', () => {
  it('quotes an argument a shell would split or expand, so the logged command runs as it ran', async () => {
    const { shellWord } = await import('../../src/cli/run.js');
    expect(shellWord('out/trace.parquet')).toBe('out/trace.parquet');
    expect(shellWord('--rate=constant:100')).toBe('--rate=constant:100');
    expect(shellWord('my logs/*.csv')).toBe("'my logs/*.csv'");
    expect(shellWord("it's")).toBe("'it'\\''s'");
    expect(shellWord('')).toBe("''");
  });
});
