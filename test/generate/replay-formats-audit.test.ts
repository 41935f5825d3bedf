/**
 * Audit of the replay formats against their consumers' loaders (h-92).
 *
 * AIPerf's mooncake_trace (ai-dynamo/aiperf src/aiperf/dataset/loader/mooncake_trace.py) turns
 * each row's `output_length` into the turn's `max_tokens`, which its chat endpoint sends as
 * `max_completion_tokens` (endpoints/openai_chat.py: whenever it is not None, 0 included), and
 * vLLM refuses a cap below 1 (vllm/sampling_params.py _verify_args: "max_tokens must be at least
 * 1", HTTP 400). A day of the BurstGPT profile (its log has failed requests with 0 response
 * tokens) wrote 157 of 172 522 rows with `output_length` 0: each replayed as a failed request.
 *
 * Splitwise's simulator (Mutinifni/splitwise-sim) does not replay the Azure layout, as the README
 * said: `trace.py` reads a CSV of its own, each row passed as keyword arguments to
 * `GenerativeLLMRequest` (request.py), and `generate_trace.py` takes only the Azure file's
 * `ContextTokens` and `GeneratedTokens`, as length distributions. `--format splitwise` writes
 * the simulator's trace.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { fitTrace } from '../../src/fit/fit-trace.js';
import { defaultFitOptions } from '../../src/fit/defaults.js';
import { generateToFile } from '../../src/generate/write-trace.js';
import { tempDir } from '../helpers.js';
import { splitwiseTraceWriter } from '../../src/io/to-splitwise.js';
import { LENGTH_COLUMNS } from '../../src/io/trace-schema.js';

/** A log with a share of requests of 0 output tokens (failed ones, as BurstGPT's). */
async function profileWithZeroOutputs() {
  const dir = tempDir();
  const lines: string[] = [];
  for (let i = 0; i < 600; i++) {
    lines.push(JSON.stringify({ timestamp: i * 2 + (i % 7) * 0.13, client_id: 'c', input_tokens: 50 + ((i * 37) % 900), output_tokens: i % 5 === 0 ? 0 : 20 + ((i * 53) % 400) }));
  }
  const log = `${dir}/log.jsonl`;
  const { writeFileSync } = await import('node:fs');
  writeFileSync(log, lines.join('\n') + '\n');
  const trace = (await ingestFiles({ inputs: [log], mapping: loadPreset('servegen') })).trace;
  return { dir, profile: fitTrace(trace, defaultFitOptions()).profile };
}

describe('replay formats against their consumers (h-92)', () => {
  it('--format mooncake writes no output_length below 1 (a server refuses max_completion_tokens 0), and counts the raised rows', async () => {
    const { dir, profile } = await profileWithZeroOutputs();
    const opts = { start: 0, duration: 1200, rate: { kind: 'scale' as const, factor: 1 }, seed: 3n };
    await generateToFile(profile, 'x', opts, { path: `${dir}/all.jsonl`, format: 'jsonl' });
    const summary = await generateToFile(profile, 'x', opts, { path: `${dir}/replay.jsonl`, format: 'mooncake' });
    const full = readFileSync(`${dir}/all.jsonl`, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as { output_tokens: number; input_tokens: number });
    const rows = readFileSync(`${dir}/replay.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { output_length: number; input_length: number });
    const zeros = full.filter((r) => r.output_tokens === 0).length;
    expect(zeros).toBeGreaterThan(20); // the draw has them (a fifth of the log)
    expect(rows.length).toBe(full.length);
    // AIPerf's loader mirrored: output_length becomes max_completion_tokens; vLLM needs ≥ 1.
    expect(rows.filter((r) => !(r.output_length >= 1)).length).toBe(0);
    rows.forEach((r, i) => {
      expect(r.output_length).toBe(Math.max(1, full[i].output_tokens));
      expect(r.input_length).toBe(full[i].input_tokens);
    });
    expect(summary.replayOutputsRaised).toBe(zeros);
  });

  it('other formats leave the count out and write their lengths as drawn (Vidur raises 0 to 1 itself)', async () => {
    const { dir, profile } = await profileWithZeroOutputs();
    const opts = { start: 0, duration: 600, rate: { kind: 'scale' as const, factor: 1 }, seed: 3n };
    const summary = await generateToFile(profile, 'x', opts, { path: `${dir}/v.csv`, format: 'vidur' });
    expect(summary.replayOutputsRaised).toBeUndefined();
    const lines = readFileSync(`${dir}/v.csv`, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('arrived_at,num_prefill_tokens,num_decode_tokens');
    expect(lines.slice(1).some((l) => l.endsWith(',0'))).toBe(true);
  });

  it('--format splitwise writes the trace splitwise-sim reads: its columns, one request per row, counts of at least 1', async () => {
    const { dir, profile } = await profileWithZeroOutputs();
    const opts = { start: 0, duration: 1200, rate: { kind: 'scale' as const, factor: 1 }, seed: 3n };
    await generateToFile(profile, 'x', opts, { path: `${dir}/all.jsonl`, format: 'jsonl' });
    await generateToFile(profile, 'x', opts, { path: `${dir}/v.csv`, format: 'vidur' });
    await generateToFile(profile, 'x', opts, { path: `${dir}/s.csv`, format: 'splitwise' }, undefined, false, undefined, false);
    await generateToFile(profile, 'x', opts, { path: `${dir}/s2.csv`, format: 'splitwise' }, undefined, false, undefined, true);
    expect(readFileSync(`${dir}/s2.csv`, 'utf8')).toBe(readFileSync(`${dir}/s.csv`, 'utf8')); // writer thread or not
    const full = readFileSync(`${dir}/all.jsonl`, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as { output_tokens: number; input_tokens: number });
    const vidur = readFileSync(`${dir}/v.csv`, 'utf8').trim().split('\n').slice(1);
    const lines = readFileSync(`${dir}/s.csv`, 'utf8').split('\n');
    expect(lines.pop()).toBe(''); // a trailing newline, nothing after it
    const header = lines.shift()!.split(',');
    // request.py: the fields GenerativeLLMRequest(**row) accepts (Request's and its own init fields).
    const kwargs = ['request_id', 'node_id', 'application_id', 'request_type', 'batch_size', 'arrival_timestamp', 'state', 'dag', 'root_node', 'nodes', 'metrics', 'slo', 'executor', 'max_seq_len', 'processed_tokens', 'generated_tokens', 'prompt_size', 'token_size', 'kv_cache_size', 'flow_node', 'cost', 'memory'];
    expect(header.filter((c) => !kwargs.includes(c))).toEqual([]);
    expect(header).toEqual(['request_id', 'request_type', 'application_id', 'arrival_timestamp', 'batch_size', 'prompt_size', 'token_size']);
    expect(lines.length).toBe(full.length);
    lines.forEach((line, i) => {
      const [id, type, app, at, batch, prompt, tokens] = line.split(',');
      expect([id, type, app, batch]).toEqual([String(i), '2', '0', '1']);
      expect(at).toBe(vidur[i].split(',')[0]); // seconds, six decimals
      expect(Number(prompt)).toBe(Math.max(1, full[i].input_tokens));
      expect(Number(tokens)).toBe(Math.max(1, full[i].output_tokens)); // its token task runs token_size - 1
    });
    expect(full.some((r) => r.output_tokens === 0)).toBe(true);
  });

  it('--format splitwise never writes an arrival of 0: splitwise-sim runs a delay of 0 while loading the trace', async () => {
    const dir = tempDir();
    const lengths = LENGTH_COLUMNS.map(() => undefined) as (Float64Array | undefined)[];
    lengths[0] = Float64Array.from([10, 0, 30]);
    lengths[1] = Float64Array.from([5, 7, Number.NaN]);
    const w = splitwiseTraceWriter(`${dir}/s.csv`, { clientIds: ['a'], columns: ['input_tokens', 'output_tokens'], meta: { format: 'servegen-trace', version: 1, origin: null } });
    await w.write({ n: 3, timestamp: Float64Array.from([0, 0.0000004, 2.5]), client: Int32Array.from([0, 0, 0]), lengths });
    expect(await w.close()).toBe(3);
    expect(readFileSync(`${dir}/s.csv`, 'utf8').split('\n').slice(1)).toEqual(['0,2,0,0.000001,1,10,5', '1,2,0,0.000001,1,1,7', '2,2,0,2.500000,1,30,1', '']);
  });
});
