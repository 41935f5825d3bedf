import { describe, expect, it } from 'vitest';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { buildSummaries } from '../../src/summary/build.js';
import { fitSummaries } from '../../src/fit/fit-trace.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { expectClose, expectEqualSummaries } from './equal-summaries.js';
import { fixture } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';

const W = { arrivalSeconds: 600, lengthSeconds: 21600 };

describe('DuckDB engine', () => {
  const cases: [string, string][] = [
    ['azure-llm-2023', 'azure-llm-2023/AzureLLMInferenceTrace_conv.csv'],
    ['azure-llm-2023', 'azure-llm-2023/AzureLLMInferenceTrace_code.csv'],
    ['mooncake', 'mooncake/conversation_trace.jsonl.gz'],
    ['burstgpt', 'burstgpt/burstgpt3_slice.csv'],
  ];
  for (const [preset, file] of cases) {
    it(`computes the same summaries and profile as the TypeScript engine: ${file}`, async () => {
      const mapping = loadPreset(preset);
      const duck = await summarizeWithDuckDB([fixture('traces', file)], mapping, W);
      const { trace } = await ingestFiles({ inputs: [fixture('traces', file)], mapping });
      const ts = buildSummaries(trace, W);
      expect(duck.rowsRead).toBe(trace.n);
      expectEqualSummaries(ts, duck.summaries);
      const opts = { ...W, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: 'x' };
      expectClose(fitSummaries(ts, opts).clients, fitSummaries(duck.summaries, opts).clients);
    });
  }

  it('reads Parquet (zstd, v2 pages) and counts rejects by reason', async () => {
    const mapping = parseMapping({ columns: { timestamp: 'ts', client_id: ['model', 'log_type'], input_tokens: 'input', output_tokens: 'output' }, timestamp: { unit: 's' } }, 'm');
    const duck = await summarizeWithDuckDB([fixture('formats', 'trace-zstd-v2.parquet')], mapping, W);
    const { trace } = await ingestFiles({ inputs: [fixture('formats', 'trace-zstd-v2.parquet')], mapping });
    expectEqualSummaries(buildSummaries(trace, W), duck.summaries);
    // Session ids are not numbers: every row with one is a bad_number reject; API rows (no session) pass.
    const bad = parseMapping({ columns: { timestamp: 'ts', input_tokens: 'session' }, timestamp: { unit: 's' } }, 'm');
    const r = await summarizeWithDuckDB([fixture('formats', 'trace.csv')], bad, W);
    const ts = await ingestFiles({ inputs: [fixture('formats', 'trace.csv')], mapping: bad });
    expect(r.rejectsByReason).toEqual(ts.summary.rejects_by_reason);
    expect(r.rowsRead).toBe(ts.summary.rows_read);
  });

  it('computes the same summaries on a generated 2-million-request, 35-client trace (Parquet)', async () => {
    const { tempDir } = await import('../helpers.js');
    const { importServegenPool } = await import('../../src/profile/upstream.js');
    const { generateToFile } = await import('../../src/generate/write-trace.js');
    const pool = importServegenPool(fixture('servegen', 'multimodal', 'mm-image'), () => 'x').profile;
    const file = `${tempDir()}/big.parquet`;
    const g = await generateToFile(pool, 'x', { start: 0, duration: 6 * 3600, rate: { kind: 'constant', rate: 93 }, seed: 3 }, { path: file, format: 'parquet' });
    expect(g.requests).toBeGreaterThan(1_950_000);
    const mapping = loadPreset('servegen');
    const opts = { ...W, resolution: 1e-6 };
    const duck = await summarizeWithDuckDB([file], mapping, opts);
    const { trace } = await ingestFiles({ inputs: [file], mapping });
    expect(duck.rowsRead).toBe(trace.n);
    expectEqualSummaries(buildSummaries(trace, opts), duck.summaries);
  }, 180_000);

  it('fit --engine duckdb writes a profile', async () => {
    const { tempDir } = await import('../helpers.js');
    const dir = tempDir();
    const r = await runCli('fit', fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv'), '--preset', 'azure-llm-2023', '--engine', 'duckdb', '--out', `${dir}/p.json`);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/duckdb scan: read 19366 rows/);
  });
});
