import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

describe('a run stopped by --max-reject-ratio names the first rejected row', () => {
  it('by file, line and field (a batch log said only "33.33 % of rows rejected … (use --rejects to see them)"; found by a batch-job audit)', async () => {
    const dir = tempDir();
    const log = join(dir, 'log.csv');
    writeFileSync(log, 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.000,10,20\n2023-11-16 18:15:47.000,11,21\n2023-11-16 18:15:48.000,abc,22\ngarbage\n2023-11-16 18:15:49.000,12,23\n');
    const v = await runCli('validate', log, log, '--source-preset', 'azure-llm-2023', '--generated-preset', 'azure-llm-2023');
    expect(v.code).toBe(1);
    expect(v.stderr).toBe(`servegen: 40.00 % of rows rejected (2 of 5), above --source-max-reject-ratio 0.01 (use --source-rejects to see them); the first: ${log}:4: input_tokens: not a number: "abc"\n`);
    const i = await runCli('ingest', log, '--preset', 'azure-llm-2023', '--out', join(dir, 't.jsonl'));
    expect(i.code).toBe(1);
    expect(i.stderr).toContain(`ingest: 40.00 % of rows rejected, above --max-reject-ratio 0.01; no trace written (use --rejects to see them); the first: ${log}:4: input_tokens: not a number: "abc"\n`);
    // With --rejects given too.
    const f = await runCli('fit', log, '--preset', 'azure-llm-2023', '--out', join(dir, 'p.json'), '--max-reject-ratio', '0.2', '--rejects', join(dir, 'r.jsonl'));
    expect(f.code).toBe(1);
    expect(f.stderr).toContain(`above --max-reject-ratio 0.2; see ${join(dir, 'r.jsonl')}; the first: ${log}:4: input_tokens: not a number: "abc"`);
  });
});
