/**
 * `generate --exact-repeats` on the command line, and the whole-prompt hits `validate` and
 * `capacity --prefix-cache` report (test/generate/exact-repeats.test.ts has the model's tests).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

const SYNTHETIC = fixture('traces', 'mooncake', 'synthetic_trace.jsonl.gz');

describe('generate --exact-repeats', () => {
  const dir = tempDir();
  const profile = join(dir, 'p.json');
  beforeAll(async () => {
    const fit = await runCli('fit', SYNTHETIC, '--preset', 'mooncake', '--out', profile, '--quiet');
    expect(fit.code, fit.stderr).toBe(0);
  });

  it('refuses --no-prefix and --naive (no ids to repeat), and says what it changes', async () => {
    for (const other of ['--no-prefix', '--naive']) {
      const r = await runCli('generate', profile, '--duration', '60', '--out', join(dir, `x${other}.jsonl`), '--exact-repeats', other);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--exact-repeats: ${other} gives no hash_ids`);
    }
    const r = await runCli('generate', profile, '--duration', '1022', '--seed', '1', '--out', join(dir, 'g.jsonl'), '--exact-repeats');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('--exact-repeats: a request sharing all its blocks takes the length they have in the prompt it repeats');
    const header = JSON.parse(readFileSync(join(dir, 'g.jsonl'), 'utf8').split('\n')[0]) as { servegen: { generator: { exact_repeats?: boolean } } };
    expect(header.servegen.generator.exact_repeats).toBe(true);
  });

  it('validate and capacity --prefix-cache report whole-prompt hits of both sides', async () => {
    const gen = join(dir, 'g.jsonl');
    const v = await runCli('validate', SYNTHETIC, gen, '--source-preset', 'mooncake', '--json', join(dir, 'v.json'), '--quiet');
    expect(v.code, v.stderr).toBeLessThan(2);
    const m = (JSON.parse(readFileSync(join(dir, 'v.json'), 'utf8')) as { metrics: Record<string, { note?: string }> }).metrics;
    const note = m.prefix_hit_ratio_abs_err.note!;
    const [, src, got] = /whole-prompt hits \(every block cached\): source (\d+\.\d) %, generated (\d+\.\d) % of requests/.exec(note)!;
    expect(Number(src)).toBe(5.3);
    expect(Number(got)).toBeGreaterThan(3.5);
    const c = await runCli('capacity', SYNTHETIC, '--source-preset', 'mooncake', gen, '--prefix-cache', '4096', '--json', join(dir, 'c.json'));
    expect(c.code, c.stderr).toBe(0);
    expect(c.stderr).toMatch(/synthetic_trace\.jsonl\.gz: \d+\.\d % of prompt tokens found in the prefix cache, and every block of \d+\.\d % of the requests with hash_ids \(whole-prompt hits\)/);
    const traces = (JSON.parse(readFileSync(join(dir, 'c.json'), 'utf8')) as { traces: { cached_whole_share: number }[] }).traces;
    expect(traces).toHaveLength(2);
    // An LRU cache holds at most what an infinite one does (5.3 % of the log's requests whole).
    for (const t of traces) {
      expect(t.cached_whole_share).toBeGreaterThan(0.005);
      expect(t.cached_whole_share).toBeLessThanOrEqual(0.06);
    }
  });
});
