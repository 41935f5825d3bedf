/**
 * The kong-ai-gateway preset and calls that failed: Kong's File Log writes an entry for every
 * proxied call, and the AI Proxy's counters are 0 when the upstream answered an error (a 502, a
 * provider's 429). Such an entry is no request of lengths 0: the preset excludes it by the
 * status Kong answered (`response.status`, Kong's log serializer in kong/pdk/log.lua; the File
 * Log docs' sample entry shows it), counted as `excluded` as the routes without an AI plugin are.
 * fixtures/kong/file-log.jsonl: line 5 a 502, line 12 a 429, both with usage 0/0.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { ingestWithDuckDB } from '../../src/summary/duckdb-ingest.js';
import { fixture, tempDir } from '../helpers.js';

const FILE = fixture('kong', 'file-log.jsonl');

describe('kong-ai-gateway: failed calls', () => {
  it('excludes the calls Kong answered with 502 and 429 (zero counters), counted, and no request has lengths 0', async () => {
    const r = await ingestFiles({ inputs: [FILE], mapping: loadPreset('kong-ai-gateway') });
    expect(r.summary.rows_read).toBe(12);
    // 2 entries without an AI plugin (GET /status) + the 502 + the 429.
    expect(r.summary.rejects_by_reason.excluded).toBe(4);
    expect(r.trace.n).toBe(6);
    const input = Array.from(r.trace.ints.input_tokens!);
    const output = Array.from(r.trace.ints.output_tokens!);
    expect(input.filter((x, i) => x === 0 && output[i] === 0)).toEqual([]);
    // The failed calls' times (4.1 s and 11.5 s from the origin) are not arrivals.
    const times = Array.from(r.trace.timestamp, (x) => Math.round(x * 1000) / 1000);
    expect(times).not.toContain(4.1);
    expect(times).not.toContain(11.5);
    // What the filter read for them: the status, then the plugin id.
    expect(r.excludedTexts).toEqual(expect.arrayContaining(['502 6e7c40f6-ce96-48e4-a366-d109c169e444', '429 6e7c40f6-ce96-48e4-a366-d109c169e444']));
  });

  it('the DuckDB engine excludes the same rows', async () => {
    const out = join(tempDir(), 'trace.parquet');
    const d = await ingestWithDuckDB([FILE], loadPreset('kong-ai-gateway'), out, { maxRejectRatio: 0.5 });
    expect(d.summary.rows_read).toBe(12);
    expect(d.summary.rows_accepted).toBe(6);
    expect(d.summary.rejects_by_reason.excluded).toBe(4);
  });
});
