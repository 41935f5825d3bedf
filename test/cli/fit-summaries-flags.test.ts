import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

// Found by review: `fit --summaries part.json --window 60` wrote a profile of 600 s windows, and
// --preset, --rejects, --engine … were taken without a word: the summaries were scanned already.

const CONV = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');
let dir: string;
let part: string;

beforeAll(async () => {
  dir = tempDir();
  part = join(dir, 'part.json');
  expect((await runCli('summarize', CONV, '--preset', 'azure-llm-2023', '--out', part, '--quiet')).code).toBe(0);
});

describe('fit --summaries with flags of the scan', () => {
  it('refuses a window or clock other than the summaries\' (exit 2, no profile), naming the flag and the value they have', async () => {
    const out = join(dir, 'p.json');
    for (const [args, message] of [
      [['--window', '60'], '--window 60: the summaries have 600 s (set when they were scanned: servegen summarize --window); summarize again with --window 60, or drop it'],
      [['--length-window', '3600'], '--length-window 3600: the summaries have 21600 s'],
      [['--resolution', '1'], '--resolution 1: the summaries have 0.000001 s'],
    ] as const) {
      const r = await runCli('fit', '--summaries', part, ...args, '--out', out, '--quiet');
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('takes the summaries\' own values when given', async () => {
    const out = join(dir, 'same.json');
    expect((await runCli('fit', '--summaries', part, '--window', '600', '--length-window', '21600', '--out', out, '--quiet')).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).windows).toEqual({ arrival_seconds: 600, length_seconds: 21600 });
  });

  it('refuses the flags that read logs', async () => {
    const out = join(dir, 'q.json');
    for (const args of [['--preset', 'azure-llm-2023'], ['--format', 'csv'], ['--rejects', join(dir, 'r.jsonl')], ['--max-reject-ratio', '0.5'], ['--engine', 'duckdb']]) {
      const r = await runCli('fit', '--summaries', part, ...args, '--out', out, '--quiet');
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(`${args[0]}: it reads logs, and --summaries fits summaries already scanned: give it to servegen summarize`);
    }
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(dir, 'r.jsonl'))).toBe(false);
  });
});
