import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';
import { parseOrigin } from '../../src/cli/summarize.js';

describe('--origin of summarize and sql reads ISO times as ingest does (found by review)', () => {
  it('refuses a date that does not exist (2023-02-30 was read as 2023-03-02, a day off without a word)', async () => {
    const dir = tempDir();
    const code = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv');
    const r = await runCli('summarize', code, '--preset', 'azure-llm-2023', '--origin', '2023-02-30', '--out', join(dir, 's.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('servegen: --origin: expected an ISO time or epoch seconds, got "2023-02-30"\n');
    const s = await runCli('sql', '--preset', 'azure-llm-2023', '--source', 't', '--origin', '2023-02-30T00:00:00Z');
    expect(s.code).toBe(2);
  });

  it('keeps the fraction digits past the millisecond, as ingest does', () => {
    expect(parseOrigin('2023-11-16T20:00:00.1234567Z')).toBe(1700164800 + 0.1234567);
    expect(parseOrigin('2023-11-16 20:00:00')).toBe(1700164800);
    expect(parseOrigin('2023-11-16T20:00:00+08:00')).toBe(1700164800 - 8 * 3600);
    expect(parseOrigin('2024-02-29')).toBe(1709164800);
    expect(parseOrigin('1700164800')).toBe(1700164800);
  });
});

describe('summarize --origin after the first request (found by review: windows at −6600 s without a word)', () => {
  it('warns, naming the first request, with either engine and output', async () => {
    const dir = tempDir();
    const code = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv');
    const warning = 'warning: --origin 2023-11-16T20:00:00.000Z is 6176.020 s after the first request (2023-11-16T18:17:03.980Z): earlier requests count at negative seconds; give every part an origin at or before its first request (the start of the first part)\n';
    for (const [engine, out] of [['ts', 's.json'], ['duckdb', 'd.json'], ['duckdb', 'dir']]) {
      const r = await runCli('summarize', code, '--preset', 'azure-llm-2023', '--origin', '2023-11-16T20:00:00Z', '--out', join(dir, out), '--engine', engine);
      expect(r.code, out).toBe(0);
      expect(r.stderr, out).toContain(warning);
    }
    const ok = await runCli('summarize', code, '--preset', 'azure-llm-2023', '--origin', '2023-11-16T00:00:00Z', '--out', join(dir, 'ok.json'));
    expect(ok.stderr).not.toContain('warning');
  });
});
