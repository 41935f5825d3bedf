import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { findTimeOutliers, magnitudeCounts, mixedUnitWarning } from '../../src/ingest/time-axis.js';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';

const sorted = (a: number[]) => Float64Array.from(a).sort();
const range = (n: number, from: number, step: number) => Array.from({ length: n }, (_, i) => from + i * step);

describe('findTimeOutliers', () => {
  it('finds a few rows far before, after, or on both sides of the others', () => {
    const hour = range(1000, 1.7e9, 3.6);
    expect(findTimeOutliers(sorted([0, ...hour]))).toMatchObject({ before: 1, after: 0, gapBefore: 1.7e9, coreStart: 1.7e9, first: 0 });
    expect(findTimeOutliers(sorted([...hour, 4e9]))).toMatchObject({ before: 0, after: 1, last: 4e9 });
    expect(findTimeOutliers(sorted([0, 1, ...hour, 4e9]))).toMatchObject({ before: 2, after: 1 });
    // Two outliers far apart from each other too (1970 and 2000): both counted.
    expect(findTimeOutliers(sorted([0, 9.5e8, ...hour]))).toMatchObject({ before: 2 });
    // One row 5 days after a day of data.
    expect(findTimeOutliers(sorted([...range(1000, 0, 86.4), 6 * 86400]))).toMatchObject({ after: 1 });
  });

  it('finds nothing in real gaps, sparse tails or small shares', () => {
    // Two working days: half the rows on each side of a night.
    expect(findTimeOutliers(sorted([...range(500, 0, 57.6), ...range(500, 86400, 57.6)]))).toBeNull();
    // 99 % of the rows in an hour, the rest spread over the next 3 h.
    expect(findTimeOutliers(sorted([...range(990, 0, 3.6), ...range(10, 3600, 1080)]))).toBeNull();
    // More than 1 % of the rows far away: a real second part of the trace, not an outlier.
    expect(findTimeOutliers(sorted([...range(20, 0, 1), ...range(980, 1e6, 3.6)]))).toBeNull();
    // One row only 3 × the others' span away.
    expect(findTimeOutliers(sorted([...range(1000, 0, 3.6), 3600 * 4]))).toBeNull();
    expect(findTimeOutliers(sorted([1, 2]))).toBeNull();
    expect(findTimeOutliers(sorted([]))).toBeNull();
  });
});

describe('mixed magnitudes with unit auto', () => {
  it('counts the values that disagree with the unit of the largest', () => {
    expect(mixedUnitWarning(magnitudeCounts([1.7e9, 1.7e9 + 1, 1.7e12]), 'ms')).toMatch(/^timestamps \(unit auto\): 2 of 3 values \(66\.67 %\) disagree with the unit chosen from the largest, epoch milliseconds \(read as ms\): 2 look like epoch seconds\./);
    expect(mixedUnitWarning(magnitudeCounts([5, 1.7e9]), 's')).toMatch(/1 look like relative seconds/);
    expect(mixedUnitWarning(magnitudeCounts([1.7e9, 1.8e9]), 's')).toBeNull();
    expect(mixedUnitWarning(magnitudeCounts([0, 5, 3600]), 's')).toBeNull();
    expect(mixedUnitWarning(magnitudeCounts([]), 's')).toBeNull();
  });
});

describe('ingest warns when the time axis looks wrong (stderr, exit 0), and only then', () => {
  it('the bundled real traces give no warning', async () => {
    const cases: [string, string][] = [
      ['azure-llm-2023', 'azure-llm-2023/AzureLLMInferenceTrace_conv.csv'],
      ['azure-llm-2023', 'azure-llm-2023/AzureLLMInferenceTrace_code.csv'],
      ['mooncake', 'mooncake/conversation_trace.jsonl.gz'],
      ['burstgpt', 'burstgpt/burstgpt3_slice.csv'],
    ];
    for (const [preset, file] of cases) {
      const r = await ingestFiles({ inputs: [fixture('traces', file)], mapping: loadPreset(preset) });
      expect(r.summary.warnings, file).toBeUndefined();
      expect('warnings' in r.summary, file).toBe(false); // --summary JSON unchanged
    }
    const dir = tempDir();
    const cli = await runCli('ingest', fixture('traces', 'azure-llm-2023/AzureLLMInferenceTrace_code.csv'), '--preset', 'azure-llm-2023', '--out', join(dir, 't.jsonl'));
    expect(cli.code).toBe(0);
    expect(cli.stderr).not.toContain('warning');
  });

  it('one epoch-milliseconds value among epoch seconds: both warnings, one line each, exit 0, no rejects', async () => {
    const dir = tempDir();
    const conv = readFileSync(fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv'), 'utf8').split('\n').slice(1, 1001);
    const secs = conv.map((l) => {
      const [t, i, o] = l.split(',');
      return `${(Date.parse(`${t.slice(0, 23).replace(' ', 'T')}Z`) / 1000).toFixed(3)},${i},${o}`;
    });
    const f = join(dir, 'mixed.csv');
    writeFileSync(f, ['ts,in,out', ...secs, '1700158762707,10,10', ''].join('\n'));
    const m = join(dir, 'map.json');
    writeFileSync(m, JSON.stringify({ columns: { timestamp: 'ts', input_tokens: 'in', output_tokens: 'out' }, timestamp: { unit: 'auto' } }));
    const r = await runCli('ingest', f, '--map', m, '--out', join(dir, 't.jsonl'), '--summary', join(dir, 's.json'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('0 rejected');
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning: '));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/1000 of 1001 values \(99\.90 %\) disagree with the unit chosen from the largest, epoch milliseconds \(read as ms\): 1000 look like epoch seconds/);
    expect(warnings[1]).toMatch(/1 row \(0\.10 %, at 2023-11-16T18:19:22\.707Z\) lies 53\.8 years after the other 1000 rows/);
    expect(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')).warnings).toHaveLength(2);
    // Epoch seconds alone: no warning.
    writeFileSync(f, ['ts,in,out', ...secs, ''].join('\n'));
    const clean = await ingestFiles({ inputs: [f], mapping: parseMapping({ columns: { timestamp: 'ts' }, timestamp: { unit: 'auto' } }, 'm') });
    expect(clean.summary.warnings).toBeUndefined();
  });
});
