import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetsFitting } from '../../src/ingest/presets.js';
import { headColumns } from '../../src/io/head-columns.js';
import { fixture, tempDir } from '../helpers.js';

describe('presetsFitting', () => {
  it('names the shipped presets whose required columns a log has, the one reading most first', () => {
    expect(presetsFitting(['TIMESTAMP', 'ContextTokens', 'GeneratedTokens'])).toEqual(['azure-llm-2023']);
    expect(presetsFitting(['TIMESTAMP', 'NumImages', 'ContextTokens', 'GeneratedTokens'])).toEqual(['azure-multimodal-2024', 'azure-llm-2023']);
    expect(presetsFitting(['timestamp', 'input_length', 'output_length'])).toEqual(['mooncake']); // hash_ids is optional
    expect(presetsFitting(['arrived_at', 'num_prefill_tokens', 'num_decode_tokens'])).toEqual(['vidur']);
    // A dotted path by its first key; client_id of litellm is a coalesce (optional anyway).
    expect(presetsFitting(['created', 'usage'])).toEqual(['openai-usage']);
    expect(presetsFitting(['startTime', 'user', 'prompt_tokens', 'completion_tokens'])).toEqual(['litellm-spendlogs']);
    // Never our own format (every field but the time is optional there), nor a near miss.
    expect(presetsFitting(['timestamp', 'client_id', 'input_tokens'])).toEqual([]);
    expect(presetsFitting(['Timestamp', 'Model', 'Request tokens', 'Response tokens'])).toEqual([]); // BurstGPT without Log Type and Session ID
  });
});

describe('headColumns', () => {
  it('reads a CSV header, a TSV header, a first JSON object, through gzip; nothing from one name or binary data', () => {
    const dir = tempDir();
    expect(headColumns(fixture('traces', 'burstgpt', 'burstgpt3_slice.csv'))).toEqual(['Timestamp', 'Session ID', 'Elapsed time', 'Model', 'Request tokens', 'Response tokens', 'Total tokens', 'Log Type']);
    expect(headColumns(fixture('traces', 'mooncake', 'conversation_trace.jsonl.gz'))).toEqual(['timestamp', 'input_length', 'output_length', 'hash_ids']);
    const tsv = join(dir, 'a.tsv');
    writeFileSync(tsv, '\uFEFF"ts"\tin\tout\r\n1\t2\t3\n');
    expect(headColumns(tsv)).toEqual(['ts', 'in', 'out']);
    const one = join(dir, 'one.csv');
    writeFileSync(one, 'timestamp\n1\n');
    expect(headColumns(one)).toBeUndefined();
    const bin = join(dir, 'b.bin');
    writeFileSync(bin, Buffer.from([0x50, 0x41, 0x52, 0x31, 0, 1, 2]));
    expect(headColumns(bin)).toBeUndefined();
  });
});
