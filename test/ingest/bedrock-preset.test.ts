/**
 * The aws-bedrock-invocations preset on records in the shape of Amazon Bedrock's model
 * invocation logs (schemaType ModelInvocationLog 1.0: the fields of AWS's documented example
 * and of published CloudWatch Logs Insights queries over them — timestamp, identity.arn,
 * modelId, requestId, input.inputTokenCount, output.outputTokenCount — with bodies cut
 * short). The values are made up here.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset, presetsFitting } from '../../src/ingest/presets.js';
import { ingestWithDuckDB } from '../../src/summary/duckdb-ingest.js';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';

const arn = (who: string): string => `arn:aws:sts::123456789012:assumed-role/${who}/session-1`;
function record(time: string, who: string, model: string, id: string, input: number, output: number | undefined, operation = 'Converse') {
  return {
    schemaType: 'ModelInvocationLog',
    schemaVersion: '1.0',
    timestamp: time,
    accountId: '123456789012',
    identity: { arn: arn(who) },
    region: 'us-east-1',
    requestId: id,
    operation,
    modelId: model,
    input: { inputContentType: 'application/json', inputBodyJson: { messages: [{ role: 'user', content: [{ text: 'hi' }] }] }, inputTokenCount: input, cacheReadInputTokenCount: 0, cacheWriteInputTokenCount: 0 },
    ...(output === undefined
      ? { errorCode: 'ThrottlingException' }
      : { output: { outputContentType: 'application/json', outputBodyJson: { stopReason: 'end_turn', usage: { inputTokens: input, outputTokens: output } }, outputTokenCount: output } }),
  };
}

const RECORDS = [
  record('2025-03-11T00:38:02Z', 'chat-app', 'amazon.nova-lite-v1:0', 'r-1', 4, 38, 'ConverseStream'),
  record('2025-03-11T00:38:02Z', 'batch-etl', 'anthropic.claude-3-haiku-20240307-v1:0', 'r-2', 1200, 310, 'InvokeModel'),
  record('2025-03-11T00:38:05Z', 'chat-app', 'amazon.nova-lite-v1:0', 'r-3', 57, 120),
  record('2025-03-11T00:38:09Z', 'chat-app', 'amazon.nova-lite-v1:0', 'r-4', 88, undefined), // throttled: no output
  record('2025-03-11T00:39:41Z', 'batch-etl', 'anthropic.claude-3-haiku-20240307-v1:0', 'r-5', 950, 12, 'InvokeModel'),
];

function logFile(): string {
  const f = join(tempDir(), 'invocations.json.gz');
  writeFileSync(f, gzipSync(RECORDS.map((r) => JSON.stringify(r)).join('\n') + '\n'));
  return f;
}

describe('preset aws-bedrock-invocations', () => {
  it('reads the caller, model, lengths and time of each invocation; a throttled call is an arrival with its output absent', async () => {
    const f = logFile();
    const r = await ingestFiles({ inputs: [f], mapping: loadPreset('aws-bedrock-invocations') });
    expect(r.trace.n).toBe(5);
    expect(r.trace.origin).toBe('2025-03-11T00:38:02.000Z');
    expect(Array.from(r.trace.timestamp)).toEqual([0, 0, 3, 7, 99]);
    // (the two calls of one second by caller name: rows of one time by content, h-96)
    expect(Array.from(r.trace.client, (c) => r.trace.clientIds[c])).toEqual([arn('batch-etl'), arn('chat-app'), arn('chat-app'), arn('chat-app'), arn('batch-etl')]);
    expect(Array.from(r.trace.ints.input_tokens!)).toEqual([1200, 4, 57, 88, 950]);
    expect(Array.from(r.trace.ints.output_tokens!)).toEqual([310, 38, 120, -1, 12]); // -1: absent
    expect(r.trace.texts.model!.values).toContain('anthropic.claude-3-haiku-20240307-v1:0');
    expect(r.summary.rows_rejected).toBe(0);
  });

  it('the DuckDB engine reads the same rows', async () => {
    const f = logFile();
    const out = join(tempDir(), 'trace.parquet');
    const d = await ingestWithDuckDB([f], loadPreset('aws-bedrock-invocations'), out, { maxRejectRatio: 0.5 });
    expect(d.summary.rows_read).toBe(5);
    expect(d.summary.rows_accepted).toBe(5);
    const t = (await ingestFiles({ inputs: [out], mapping: loadPreset('servegen') })).trace;
    expect(Array.from(t.timestamp)).toEqual([0, 0, 3, 7, 99]);
    expect(Array.from(t.ints.input_tokens!).sort((a, b) => a - b)).toEqual([4, 57, 88, 950, 1200]);
    expect(Array.from(t.ints.output_tokens!).sort((a, b) => a - b)).toEqual([-1, 12, 38, 120, 310]);
    expect(new Set(t.clientIds)).toEqual(new Set([arn('chat-app'), arn('batch-etl')]));
  });

  it('is the preset named for such a log given without one', async () => {
    expect(presetsFitting(Object.keys(RECORDS[0]))).toEqual(['aws-bedrock-invocations']);
    const r = await runCli('inspect', logFile());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/fit the preset aws-bedrock-invocations/);
    const ok = await runCli('inspect', logFile(), '--preset', 'aws-bedrock-invocations', '--quiet');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/clients\s+2/);
  });
});
