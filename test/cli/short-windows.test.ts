import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

/**
 * Arrival windows short next to the gaps (found by review): `fit --window 1e-12` fitted one
 * window per request at 10^12 req/s, and generate from such a profile exited 3 allocating a
 * typed array of 10^15 windows; windows of one or two requests each under-generate.
 */
describe('short arrival windows', () => {
  const dir = tempDir();
  const conv = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');

  it('generate refuses a profile of 1e-12 s windows by its size (exit 2, not 3)', async () => {
    const p = JSON.parse(readFileSync(fixture('profiles', 'essentials.json'), 'utf8'));
    p.windows.arrival_seconds = 1e-12;
    const tiny = join(dir, 'tiny.json');
    writeFileSync(tiny, JSON.stringify(p));
    const r = await runCli('generate', tiny, '--duration', '60', '--out', join(dir, 'g.jsonl'), '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('arrival windows of 1e-12 s');
  });

  it('fit warns when most requests are in windows of fewer than 3 requests, and not at 1 s', async () => {
    // Azure conv runs at 5.5 req/s: a 0.1 s window holds 0.55 requests on average, a 1 s one 5.5.
    const short = await runCli('fit', conv, '--preset', 'azure-llm-2023', '--window', '0.1', '--out', join(dir, 'short.json'));
    expect(short.code).toBe(0);
    expect(short.stderr).toMatch(/warning: (\d+) % of requests are in arrival windows of fewer than 3 requests \(--window 0.1 s\)/);
    expect(Number(/warning: (\d+) %/.exec(short.stderr)![1])).toBeGreaterThan(50);
    const ok = await runCli('fit', conv, '--preset', 'azure-llm-2023', '--window', '1', '--out', join(dir, 'ok.json'));
    expect(ok.code).toBe(0);
    expect(ok.stderr).not.toContain('fewer than 3 requests');
  }, 60_000);
});
