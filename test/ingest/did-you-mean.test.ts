import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { didYouMean } from '../../src/io/json-text.js';
import { tempDir } from '../helpers.js';

// Found by review: a misspelt mapping column listed the file's columns and left the reader to spot it.
describe('a mapping column the file lacks, near one it has', () => {
  const m = parseMapping({ columns: { timestamp: 'ts', client_id: 'tennant', input_tokens: 'prompt' }, timestamp: { unit: 's' } }, 'm');
  const W = { arrivalSeconds: 600, lengthSeconds: 21600 };

  it('is named with the column meant, in CSV and JSON lines, by both engines', async () => {
    const dir = tempDir();
    const csv = join(dir, 'log.csv');
    writeFileSync(csv, 'ts,tenant,prompt\n1,a,5\n2,b,6\n');
    const jsonl = join(dir, 'log.jsonl');
    writeFileSync(jsonl, '{"ts":1,"tenant":"a","prompt":5}\n{"ts":2,"tenant":"b","prompt":6}\n');
    for (const file of [csv, jsonl]) {
      await expect(ingestFiles({ inputs: [file], mapping: m }), file).rejects.toThrow(/; did you mean "tenant" for "tennant"\?$/);
      await expect(summarizeWithDuckDB([file], m, W), file).rejects.toThrow(/; did you mean "tenant" for "tennant"\?$/);
    }
  });

  it('only when one is near: a case slip or edits within a third of the name', () => {
    expect(didYouMean(['Prompt'], ['prompt', 'ts'])).toBe('; did you mean "prompt" for "Prompt"?');
    // (the review's own case: Mooncake's column is input_length)
    expect(didYouMean(['input_len'], ['input_length', 'output_length'])).toBe('; did you mean "input_length" for "input_len"?');
    expect(didYouMean(['prompt_tokens'], ['ContextTokens', 'GeneratedTokens'])).toBe('');
    expect(didYouMean(['input_lenght'], ['input_length', 'output_length'])).toBe('; did you mean "input_length" for "input_lenght"?');
    expect(didYouMean(['x'], ['y'])).toBe('; did you mean "y" for "x"?');
    expect(didYouMean(['time'], ['tenant', 'in'])).toBe('');
    // Several missing: another log's mapping (the preset hint says which), not a slip.
    expect(didYouMean(['Timestamp', 'Model'], ['TIMESTAMP', 'ContextTokens'])).toBe('');
  });
});

describe('a mapping several of whose columns the file lacks', () => {
  it('names them all, by both engines, in CSV and JSON lines (DuckDB named the first only)', async () => {
    const m = parseMapping({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'pin', output_tokens: 'pout' }, optional: ['output_tokens'], timestamp: { unit: 's' } }, 'm');
    const dir = tempDir();
    const csv = join(dir, 'log.csv');
    writeFileSync(csv, 'ts,x\n1,a\n2,b\n');
    const jsonl = join(dir, 'log.jsonl');
    writeFileSync(jsonl, '{"ts":1,"x":"a"}\n{"ts":2,"x":"b"}\n');
    for (const file of [csv, jsonl]) {
      // An optional field's column is not named: rows read without it.
      await expect(ingestFiles({ inputs: [file], mapping: m }), file).rejects.toThrow(/mapping names columns "tenant", "pin" not in/);
      await expect(summarizeWithDuckDB([file], m, { arrivalSeconds: 600, lengthSeconds: 21600 }), file).rejects.toThrow(/mapping names columns "tenant", "pin" not in the input/);
    }
  });
});
