import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

/** Review of the span-start rule (ebeeec9) through the CLI: what still assumed the old rule. */
describe('fit --summaries --anonymize with windows under a second', () => {
  const dir = tempDir();
  const log = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');

  it('takes summaries counted from the first request\'s whole second, as a fit from the log does', async () => {
    // Azure conv's first request is 0.68 s past its first second: at --window 0.1 its first
    // window starts at 0.6 s, inside that second, and the length windows at 0. The refusal read
    // that as summaries not counted from the first request and told to summarize with
    // --origin 2023-11-16T18:15:46.000Z, the origin they had (exit 2, whatever was done).
    const sums = join(dir, 'sub.json');
    const s = await runCli('summarize', log, '--preset', 'azure-llm-2023', '--window', '0.1', '--length-window', '3600', '--out', sums, '--quiet');
    expect(s.code, s.stderr).toBe(0);
    const fromSums = join(dir, 'from-sums.json');
    const f = await runCli('fit', '--summaries', sums, '--anonymize', '--out', fromSums, '--quiet');
    expect(f.code, f.stderr).toBe(0);
    const fromLog = join(dir, 'from-log.json');
    const g = await runCli('fit', log, '--preset', 'azure-llm-2023', '--window', '0.1', '--length-window', '3600', '--anonymize', '--out', fromLog, '--quiet');
    expect(g.code, g.stderr).toBe(0);
    const [a, b] = [fromSums, fromLog].map((p) => JSON.parse(readFileSync(p, 'utf8')));
    expect(a.span).toEqual(b.span);
    expect(a.clients[0].lengths[0].start).toBe(b.clients[0].lengths[0].start);
    expect(a.clients[0].arrivals[0].start).toBe(b.clients[0].arrivals[0].start);
    // From a midnight, still refused: the span's end would tell the time of day past it.
    const midnight = join(dir, 'midnight.json');
    expect((await runCli('summarize', log, '--preset', 'azure-llm-2023', '--window', '0.1', '--length-window', '3600', '--origin', '2023-11-16T00:00:00Z', '--out', midnight, '--quiet')).code).toBe(0);
    const r = await runCli('fit', '--summaries', midnight, '--anonymize', '--out', join(dir, 'x.json'), '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--anonymize: the summaries');
  }, 60_000);
});
