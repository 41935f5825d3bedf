import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

describe('a pipeline stage whose inputs are a pattern, as its command line may be', () => {
  it('runs, is skipped while the matched files are unchanged, reruns when a file matches anew; a pattern matching nothing is named (it said "missing input logs/*.csv" with the logs there; found by a batch-job audit)', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'logs'));
    const lines = readFileSync(fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv'), 'utf8').split('\n');
    writeFileSync(join(dir, 'logs', 'day-1.csv'), lines.slice(0, 201).join('\n') + '\n');
    const spec = join(dir, 'p.json');
    writeFileSync(spec, JSON.stringify({ name: 'days', stages: [{ name: 'ingest', run: ['ingest', 'logs/*.csv', '--preset', 'azure-llm-2023', '--out', 'trace.jsonl'], inputs: ['logs/*.csv'], outputs: ['trace.jsonl'] }] }));
    const first = await runCli('run', spec);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('[days] ingest: done in');
    const again = await runCli('run', spec);
    expect(again.stderr).toContain('[days] ingest: unchanged, skipped');
    writeFileSync(join(dir, 'logs', 'day-2.csv'), [lines[0], ...lines.slice(201, 401)].join('\n') + '\n');
    const more = await runCli('run', spec);
    expect(more.code, more.stderr).toBe(0);
    expect(more.stderr).toContain('read 400 rows from 2 file(s)');
    expect(more.stderr).toContain('[days] ingest: done in');
    writeFileSync(spec, JSON.stringify({ name: 'days', stages: [{ name: 'ingest', run: ['ingest', 'logz/*.csv', '--preset', 'azure-llm-2023', '--out', 'trace.jsonl'], inputs: ['logz/*.csv'], outputs: ['trace.jsonl'] }] }));
    const none = await runCli('run', spec);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(`servegen: ${spec}: stages[0].inputs[0]: [days] stage ingest: missing input logz/*.csv (the pattern matches no files)\n`);
  });
});

describe('run --quiet', () => {
  it('silences the stages\' stderr, not their results on stdout (it appended --quiet, which hides fidelity-table\'s table: `run … --quiet > table.md` wrote an empty file; found by a batch-job audit)', async () => {
    const dir = tempDir();
    const slice = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');
    writeFileSync(
      join(dir, 'p.json'),
      JSON.stringify({
        name: 'quiet',
        stages: [
          { name: 'roundtrip', run: ['roundtrip', slice, '--preset', 'burstgpt', '--out', 'out/slice'], inputs: [slice], outputs: ['out/slice/fidelity.json'] },
          { name: 'table', run: ['fidelity-table', 'out/slice/fidelity.json', '--md', 'table.md'], inputs: ['out/slice/fidelity.json'], outputs: ['table.md'] },
        ],
      }),
    );
    const r = await runCli('run', join(dir, 'p.json'), '--quiet');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(readFileSync(join(dir, 'table.md'), 'utf8'));
    expect(r.stdout).toContain('| slice | 400 | pass |');
  });
});
