import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

describe('fidelity-table takes patterns, as every other command does', () => {
  it("'out/*/fidelity.json' quoted, or in a pipeline spec (no shell expands it), was one file name: \"no such file\", exit 2 (found by a batch-job audit)", async () => {
    const dir = tempDir();
    const slice = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');
    for (const name of ['a', 'b']) expect((await runCli('roundtrip', slice, '--preset', 'burstgpt', '--out', join(dir, 'out', name), '--quiet', '--seed', name)).code).toBe(0);
    const r = await runCli('fidelity-table', join(dir, 'out', '*', 'fidelity.json'), '--json', join(dir, 'abs.json'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('| a | 400 | pass |');
    expect(r.stdout).toContain('| b | 400 | pass |');
    // In a pipeline: relative to the spec's directory, and relative names in the summary.
    writeFileSync(join(dir, 'p.json'), JSON.stringify({ name: 'table', stages: [{ name: 'table', run: ['fidelity-table', 'out/*/fidelity.json', '--json', 'summary.json'], inputs: [], outputs: ['summary.json'] }] }));
    const p = await runCli('run', join(dir, 'p.json'));
    expect(p.code, p.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { traces: { name: string; file: string }[] };
    expect(summary.traces.map((t) => [t.name, t.file])).toEqual([
      ['a', join('out', 'a', 'fidelity.json')],
      ['b', join('out', 'b', 'fidelity.json')],
    ]);
    const none = await runCli('fidelity-table', join(dir, 'nothing', '*', 'fidelity.json'));
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(`servegen: ${join(dir, 'nothing', '*', 'fidelity.json')}: no such directory ${join(dir, 'nothing')} (the pattern matches no files)\n`);
  });
});
