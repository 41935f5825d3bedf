import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

describe('fit --summaries warns when parts overlap for a client', () => {
  it('two different logs with one client id (Azure conv and code, both "default"): a warning naming both files; halves of one log: none', async () => {
    const dir = tempDir();
    const conv = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');
    const code = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv');
    const origin = ['--preset', 'azure-llm-2023', '--origin', '2023-11-16T00:00:00Z', '--quiet'];
    const a = join(dir, 'conv.json');
    const b = join(dir, 'code.json');
    expect((await runCli('summarize', conv, ...origin, '--out', a)).code).toBe(0);
    expect((await runCli('summarize', code, ...origin, '--out', b)).code).toBe(0);
    const r = await runCli('fit', '--summaries', a, b, '--out', join(dir, 'p.json'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`warning: ${a} and ${b} both hold client "default" from 2023-11-16T`);
    expect(r.stderr).toContain('the same rows twice, or two logs whose client ids collide, or partitions by end time');
    // One log in two time partitions (cut at a window boundary): no warning.
    const csv = join(dir, 'conv');
    const parts = [join(dir, 'p1.json'), join(dir, 'p2.json')];
    const { readFileSync, writeFileSync } = await import('node:fs');
    const lines = readFileSync(conv, 'utf8').trimEnd().split('\n');
    const header = lines[0];
    const cut = lines.findIndex((l, i) => i > 0 && l.startsWith('2023-11-16 18:4'));
    expect(cut).toBeGreaterThan(1);
    writeFileSync(`${csv}-1.csv`, [header, ...lines.slice(1, cut)].join('\n') + '\n');
    writeFileSync(`${csv}-2.csv`, [header, ...lines.slice(cut)].join('\n') + '\n');
    expect((await runCli('summarize', `${csv}-1.csv`, ...origin, '--out', parts[0])).code).toBe(0);
    expect((await runCli('summarize', `${csv}-2.csv`, ...origin, '--out', parts[1])).code).toBe(0);
    const ok = await runCli('fit', '--summaries', ...parts, '--out', join(dir, 'q.json'));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).not.toContain('warning:');
  });
});
