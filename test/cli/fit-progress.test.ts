import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

const CONV = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');
const tty = process.stderr.isTTY;

afterEach(() => {
  process.stderr.isTTY = tty;
});

describe('fit progress on a terminal', () => {
  it('says when it writes the profile, with every engine and from summaries (30 days: ~7 s that showed the last window count)', async () => {
    const dir = tempDir();
    process.stderr.isTTY = true;
    const part = join(dir, 'part.json');
    expect((await runCli('summarize', CONV, '--preset', 'azure-llm-2023', '--out', part, '--quiet')).code).toBe(0);
    for (const args of [['--engine', 'ts'], ['--engine', 'duckdb']].map((e) => [CONV, '--preset', 'azure-llm-2023', ...e]).concat([['--summaries', part]])) {
      const out = join(dir, 'p.json');
      const r = await runCli('fit', ...args, '--out', out);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr, args.join(' ')).toContain(`\x1b[2Kfit: writing ${out} (1 client)`);
    }
  });
});
