import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OUT_LOCK } from '../../src/cli/out-lock.js';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

const SLICE = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');

function lockOf(pid: number): string {
  return JSON.stringify({ pid, host: hostname(), command: 'roundtrip', started: '2026-01-01T00:00:00.000Z' }) + '\n';
}

describe('roundtrip --out held by another run (two jobs into one directory read each other\'s generated traces back; found by a batch-job audit)', () => {
  it('is refused, exit 2, naming the other run, and nothing is written', async () => {
    const out = join(tempDir(), 'rt');
    mkdirSync(out);
    const other = spawn('sleep', ['30']);
    try {
      writeFileSync(join(out, OUT_LOCK), lockOf(other.pid!));
      const r = await runCli('roundtrip', SLICE, '--preset', 'burstgpt', '--out', out, '--quiet');
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--out ${out}: servegen roundtrip (pid ${other.pid} on ${hostname()}, since 2026-01-01T00:00:00.000Z) is writing into this directory; give each job its own --out`);
      expect(readdirSync(out)).toEqual([OUT_LOCK]);
      expect(readFileSync(join(out, OUT_LOCK), 'utf8')).toBe(lockOf(other.pid!));
    } finally {
      other.kill();
    }
  });

  it('a lock left by a run that is gone is taken over with a note; a finished run leaves none', async () => {
    const out = join(tempDir(), 'rt');
    mkdirSync(out);
    const gone = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' });
    const pid = Number(gone.stdout.trim());
    writeFileSync(join(out, OUT_LOCK), lockOf(pid));
    const r = await runCli('roundtrip', SLICE, '--preset', 'burstgpt', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`note: ${join(out, OUT_LOCK)}: left by servegen roundtrip (pid ${pid}), which is no longer running; taken over`);
    expect(existsSync(join(out, OUT_LOCK))).toBe(false);
    expect(existsSync(join(out, 'fidelity.json'))).toBe(true);
    // The next run finds the directory free.
    const again = await runCli('roundtrip', SLICE, '--preset', 'burstgpt', '--out', out, '--quiet');
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(join(out, OUT_LOCK))).toBe(false);
  });
});

describe('roundtrip of a log too short to generate from', () => {
  it('says so by the profile (validate refused the roundtrip\'s own generated.jsonl: "no data rows (empty file or header only)"; found by a batch-job audit)', async () => {
    const dir = tempDir();
    const log = join(dir, 'one.csv');
    writeFileSync(log, readFileSync(fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv'), 'utf8').split('\n').slice(0, 2).join('\n') + '\n');
    const out = join(dir, 'rt');
    const r = await runCli('roundtrip', log, '--preset', 'azure-llm-2023', '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`servegen: ${join(out, 'profile.json')}: the profile fitted from the source generated no requests over its span (0.7 s), so there is nothing to compare; a roundtrip needs a log with more requests\n`);
    expect(existsSync(join(out, OUT_LOCK))).toBe(false);
  });
});

describe("an earlier run's outputs in --out", () => {
  it('are removed when the run takes the directory: a run that fails part-way leaves no older verdict beside its files (fidelity-table read the old one as this run\'s; found by a batch-job audit)', async () => {
    const dir = tempDir();
    const out = join(dir, 'rt');
    expect((await runCli('roundtrip', SLICE, '--preset', 'burstgpt', '--out', out, '--quiet')).code).toBe(0);
    expect(existsSync(join(out, 'fidelity.json'))).toBe(true);
    writeFileSync(join(out, 'notes.txt'), 'mine\n');
    const log = join(dir, 'one.csv');
    writeFileSync(log, readFileSync(fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv'), 'utf8').split('\n').slice(0, 2).join('\n') + '\n');
    const failed = await runCli('roundtrip', log, '--preset', 'azure-llm-2023', '--out', out);
    expect(failed.code).toBe(2);
    expect(readdirSync(out).sort()).toEqual(['generated.jsonl', 'naive.jsonl', 'notes.txt', 'profile.json']);
    const table = await runCli('fidelity-table', join(out, 'fidelity.json'));
    expect(table.code).toBe(2);
  });

  it('an input among them is refused up front (the source was replaced by the generated trace)', async () => {
    const dir = tempDir();
    const out = join(dir, 'rt');
    expect((await runCli('roundtrip', SLICE, '--preset', 'burstgpt', '--out', out, '--quiet')).code).toBe(0);
    const before = readFileSync(join(out, 'generated.jsonl'));
    const r = await runCli('roundtrip', join(out, 'generated.jsonl'), '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`servegen: --out ${join(out, 'generated.jsonl')} is the same file as input ${join(out, 'generated.jsonl')}: writing it would replace that; give another name\n`);
    expect(readFileSync(join(out, 'generated.jsonl')).equals(before)).toBe(true);
  });
});
