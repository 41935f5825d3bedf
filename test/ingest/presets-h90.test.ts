/**
 * The langfuse-observations, helicone-requests, kong-ai-gateway and langsmith-runs presets on synthetic logs in
 * the documented shapes (fixtures/langfuse, fixtures/helicone, fixtures/kong, fixtures/langsmith: each README names
 * the doc page or source file its fields come from): every mapped field, the rows each preset's
 * filter excludes (counted by reason), malformed rows rejected naming file, line and field, and
 * the same trace from the DuckDB engine.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset, presetsFitting } from '../../src/ingest/presets.js';
import { DuckDbReadError } from '../../src/summary/duckdb-errors.js';
import { ingestWithDuckDB } from '../../src/summary/duckdb-ingest.js';
import { runCli } from '../cli/run-cli.js';
import { fixture, tempDir } from '../helpers.js';

type Trace = Awaited<ReturnType<typeof ingestFiles>>['trace'];
const texts = (t: Trace, f: 'model' | 'request_id' | 'session_id') => {
  const col = t.texts[f];
  return col ? Array.from(col.index, (k) => (k < 0 ? undefined : col.values[k])) : undefined;
};
const clients = (t: Trace) => Array.from(t.client, (c) => t.clientIds[c]);
/** Times to the millisecond (a trace keeps float32 offsets). */
const ms = (t: Trace) => Array.from(t.timestamp, (x) => Math.round(x * 1000) / 1000);
const ints = (t: Trace, f: 'input_tokens' | 'output_tokens') => Array.from(t.ints[f]!);

/** The DuckDB engine's trace, read back, equals the TypeScript engine's field by field. */
async function sameWithDuckDB(file: string, preset: string, ts: Trace, rows: { read: number; accepted: number; byReason: Record<string, number> }) {
  const out = join(tempDir(), 'trace.parquet');
  const d = await ingestWithDuckDB([file], loadPreset(preset), out, { maxRejectRatio: 0.5 });
  expect(d.summary.rows_read).toBe(rows.read);
  expect(d.summary.rows_accepted).toBe(rows.accepted);
  expect(d.summary.rejects_by_reason).toEqual(rows.byReason);
  expect(d.summary.origin).toBe(ts.origin);
  const t = (await ingestFiles({ inputs: [out], mapping: loadPreset('servegen') })).trace;
  expect(Array.from(t.timestamp)).toEqual(Array.from(ts.timestamp));
  expect(clients(t)).toEqual(clients(ts));
  for (const f of ['input_tokens', 'output_tokens'] as const) expect(ints(t, f)).toEqual(ints(ts, f));
  for (const f of ['model', 'request_id', 'session_id'] as const) expect(texts(t, f)).toEqual(texts(ts, f));
}

describe('preset langfuse-observations', () => {
  const FILE = fixture('langfuse', 'observations_v2.jsonl');

  it('reads each GENERATION at its start_time with usage_details.input/output, model, id, user and session; other observation types are excluded and counted; bad rows rejected by line and field', async () => {
    const r = await ingestFiles({ inputs: [FILE], mapping: loadPreset('langfuse-observations') });
    const t = r.trace;
    expect(r.summary.rows_read).toBe(14);
    expect(r.summary.rejects_by_reason).toEqual({ excluded: 6, missing_timestamp: 1, bad_number: 1 });
    expect(t.n).toBe(6);
    expect(t.origin).toBe('2025-06-02T09:00:00.000Z'); // naive 'YYYY-MM-DD HH:MM:SS.ffffff' read as UTC
    expect(ms(t)).toEqual([0.12, 2.5, 5, 7.75, 9.4, 14]);
    expect(clients(t)).toEqual(['user-alice', 'user-alice', 'user-bob', 'user-bob', 'unknown', 'user-carol']); // a trace without user_id ("")
    expect(texts(t, 'model')).toEqual(['gpt-4o-mini', 'gpt-4o-mini', 'claude-sonnet-4-20250514', 'gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o']);
    expect(texts(t, 'request_id')).toEqual(['obs-002', 'obs-004', 'obs-006', 'obs-008', 'obs-010', 'obs-014']);
    expect(texts(t, 'session_id')).toEqual(['sess-1', 'sess-1', 'sess-2', 'sess-2', undefined, 'sess-3']);
    // input_cached_tokens and output_reasoning_tokens are not added; the failed call (usage {}) has no lengths (-1).
    expect(ints(t, 'input_tokens')).toEqual([812, 1490, 350, -1, 95, 2048]);
    expect(ints(t, 'output_tokens')).toEqual([64, 212, 1100, -1, 12, 377]);
    expect(t.ints.reasoning_tokens).toBeUndefined();
    expect(r.rejects.map((j) => [j.file, j.line, j.reason, j.field])).toEqual([
      [FILE, 12, 'missing_timestamp', 'timestamp'],
      [FILE, 13, 'bad_number', 'input_tokens'],
    ]);
    expect(r.rejects[1].message).toBe('input_tokens: not a number: "9O"');
  });

  it('the DuckDB engine gives the same trace and counts', async () => {
    const ts = (await ingestFiles({ inputs: [FILE], mapping: loadPreset('langfuse-observations') })).trace;
    await sameWithDuckDB(FILE, 'langfuse-observations', ts, { read: 14, accepted: 6, byReason: { excluded: 6, missing_timestamp: 1, bad_number: 1 } });
  });

  it('reads the .json (a JSON array) and gzipped exports, and the legacy observations/ file, which has no user or session', async () => {
    const dir = tempDir();
    const rows = readFileSync(FILE, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const arr = join(dir, '2025-06-02T09-00-00.json.gz');
    writeFileSync(arr, gzipSync(JSON.stringify(rows, null, 2)));
    const a = await ingestFiles({ inputs: [arr], mapping: loadPreset('langfuse-observations') });
    expect(a.trace.n).toBe(6);
    expect(a.summary.rejects_by_reason).toEqual({ excluded: 6, missing_timestamp: 1, bad_number: 1 });
    const legacy = join(dir, 'observations.jsonl');
    const trace = ['user_id', 'session_id', 'trace_name', 'tags', 'release', 'bookmarked', 'public'];
    writeFileSync(legacy, rows.slice(0, 11).map((o) => JSON.stringify(Object.fromEntries(Object.entries(o).filter(([k]) => !trace.includes(k))))).join('\n') + '\n');
    const l = await ingestFiles({ inputs: [legacy], mapping: loadPreset('langfuse-observations') });
    expect(l.trace.n).toBe(5);
    expect(new Set(clients(l.trace))).toEqual(new Set(['unknown'])); // user_id, optional, is not in the file: every row's is empty
    expect(l.trace.texts.session_id).toBeUndefined();
  });
  it('reads the Parquet export (its default file type), usage_details a MAP, with the TypeScript engine; the DuckDB engine refuses the map path by name, and auto reads it with the TypeScript engine', async () => {
    const dir = tempDir();
    const pq = join(dir, '2025-06-02T09-00-00.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    // Parquet as Langfuse writes it: start_time a TIMESTAMP, usage_details MAP(VARCHAR, BIGINT).
    await con.run(`COPY (SELECT id, type, CAST(start_time AS TIMESTAMP) AS start_time, provided_model_name, user_id, session_id, CAST(usage_details AS MAP(VARCHAR, BIGINT)) AS usage_details
      FROM read_json('${FILE}', columns = {id: 'VARCHAR', type: 'VARCHAR', start_time: 'VARCHAR', provided_model_name: 'VARCHAR', user_id: 'VARCHAR', session_id: 'VARCHAR', usage_details: 'JSON'})
      WHERE start_time <> '' AND id <> 'obs-013') TO '${pq}' (FORMAT parquet)`);
    con.closeSync();
    const j = (await ingestFiles({ inputs: [FILE], mapping: loadPreset('langfuse-observations') })).trace;
    const p = await ingestFiles({ inputs: [pq], mapping: loadPreset('langfuse-observations') });
    expect(p.summary.rejects_by_reason).toEqual({ excluded: 6 });
    expect(ms(p.trace)).toEqual(ms(j));
    expect(clients(p.trace)).toEqual(clients(j));
    expect(ints(p.trace, 'input_tokens')).toEqual(ints(j, 'input_tokens'));
    expect(ints(p.trace, 'output_tokens')).toEqual(ints(j, 'output_tokens'));
    const refused = ingestWithDuckDB([pq], loadPreset('langfuse-observations'), join(dir, 'd.parquet'), { maxRejectRatio: 0.5 });
    await expect(refused).rejects.toThrow(DuckDbReadError);
    await expect(refused).rejects.toThrow(`${pq}: mapping reads "usage_details.input" inside column "usage_details" of type MAP(VARCHAR, BIGINT), a map, which engine duckdb does not read by a dotted path; --engine ts reads it (a map as an object of its keys)`);
    const auto = await runCli('ingest', pq, '--preset', 'langfuse-observations', '--engine', 'auto', '--out', join(dir, 'a.parquet'));
    expect(auto.code).toBe(0);
    expect(auto.stderr).toContain('6 accepted, 6 excluded by the mapping\'s filter, 0 rejected');
    expect((await runCli('ingest', pq, '--preset', 'langfuse-observations', '--engine', 'duckdb', '--out', join(dir, 'b.parquet'))).code).toBe(2);
  });
});

describe('preset helicone-requests', () => {
  const FILE = fixture('helicone', 'helicone-export.jsonl');

  it('reads each request at request_created_at with its user, model, id, session property and lengths; a rate-limited call is an arrival without lengths; bad rows rejected by line and field', async () => {
    const r = await ingestFiles({ inputs: [FILE], mapping: loadPreset('helicone-requests') });
    const t = r.trace;
    expect(r.summary.rows_read).toBe(9);
    expect(r.summary.rejects_by_reason).toEqual({ bad_timestamp: 1, negative_tokens: 1 });
    expect(r.summary.sorted).toBe(false); // the export is newest first
    expect(t.n).toBe(7);
    expect(t.origin).toBe('2025-07-01T10:00:00.000Z');
    expect(ms(t)).toEqual([0, 0.25, 3.1, 4, 6.5, 9.999, 15.4]);
    expect(clients(t)).toEqual(['acct-17', 'acct-42', 'acct-17', 'acct-17', 'unknown', 'acct-42', 'acct-99']);
    expect(texts(t, 'model')).toEqual(['gpt-4o-mini-2024-07-18', 'claude-3-5-sonnet-20241022', 'gpt-4o-mini-2024-07-18', 'gpt-4o-mini-2024-07-18', 'text-embedding-3-small', 'claude-3-5-sonnet-20241022', 'gpt-4o-mini-2024-07-18']);
    expect(texts(t, 'request_id')).toEqual([1, 2, 3, 4, 5, 6, 9].map((k) => `0b1c000${k}-5f7e-4c3a-9d1e-00000000000${k}`));
    expect(texts(t, 'session_id')).toEqual(['sess-a', 'sess-b', 'sess-a', 'sess-a', undefined, 'sess-b', undefined]);
    // prompt_cache_read_tokens (1800, 2900 on the Anthropic calls) are not added; the 429 has none (-1).
    expect(ints(t, 'input_tokens')).toEqual([812, 2210, 95, -1, 40, 3100, 64]);
    expect(ints(t, 'output_tokens')).toEqual([64, 415, 410, -1, 0, 220, 16]);
    expect(r.rejects.map((j) => [j.file, j.line, j.reason, j.field])).toEqual([
      [FILE, 2, 'negative_tokens', 'output_tokens'],
      [FILE, 3, 'bad_timestamp', 'timestamp'],
    ]);
  });

  it('the DuckDB engine gives the same trace and counts', async () => {
    const ts = (await ingestFiles({ inputs: [FILE], mapping: loadPreset('helicone-requests') })).trace;
    await sameWithDuckDB(FILE, 'helicone-requests', ts, { read: 9, accepted: 7, byReason: { bad_timestamp: 1, negative_tokens: 1 } });
  });

  it('reads the tool\'s --format csv (its documented columns: no request id or session) and --format json (a pretty-printed array)', async () => {
    const dir = tempDir();
    const rows = readFileSync(FILE, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const cols = ['response_id', 'response_created_at', 'response_status', 'request_created_at', 'request_body', 'request_properties', 'request_user_id', 'model', 'prompt_tokens', 'completion_tokens', 'latency', 'cost'];
    const cell = (v: unknown) => (v === undefined || v === null ? '' : `"${(typeof v === 'object' ? JSON.stringify(v) : String(v)).replace(/"/g, '""')}"`);
    const csv = join(dir, 'output.csv');
    writeFileSync(csv, cols.join(',') + '\n' + rows.map((o) => cols.map((c) => cell(o[c])).join(',')).join('\n') + '\n');
    const c = await ingestFiles({ inputs: [csv], mapping: loadPreset('helicone-requests') });
    const j = await ingestFiles({ inputs: [FILE], mapping: loadPreset('helicone-requests') });
    expect(c.trace.n).toBe(7);
    expect(Array.from(c.trace.timestamp)).toEqual(Array.from(j.trace.timestamp));
    expect(clients(c.trace)).toEqual(clients(j.trace));
    expect(ints(c.trace, 'input_tokens')).toEqual(ints(j.trace, 'input_tokens'));
    expect(ints(c.trace, 'output_tokens')).toEqual(ints(j.trace, 'output_tokens'));
    expect(c.trace.texts.session_id).toBeUndefined();
    const json = join(dir, 'output.json');
    writeFileSync(json, '[\n' + rows.map((o) => JSON.stringify(o, null, 2)).join(',\n') + '\n]\n');
    const a = await ingestFiles({ inputs: [json], mapping: loadPreset('helicone-requests') });
    expect(texts(a.trace, 'session_id')).toEqual(texts(j.trace, 'session_id'));
    expect(a.summary.rejects_by_reason).toEqual({ bad_timestamp: 1, negative_tokens: 1 });
  });
});

describe('preset kong-ai-gateway', () => {
  const FILE = fixture('kong', 'file-log.jsonl');

  it('reads each AI Proxy call at started_at (epoch ms) with its consumer, model, request id and usage; entries of routes without an AI plugin and calls answered with a failure status are excluded and counted; bad rows rejected by line and field', async () => {
    const r = await ingestFiles({ inputs: [FILE], mapping: loadPreset('kong-ai-gateway') });
    const t = r.trace;
    expect(r.summary.rows_read).toBe(12);
    expect(r.summary.rejects_by_reason).toEqual({ excluded: 4, bad_timestamp: 1, bad_number: 1 });
    expect(t.n).toBe(6);
    expect(t.origin).toBe('2025-07-01T10:00:00.000Z');
    expect(ms(t)).toEqual([0.123, 0.98, 3.4, 5, 7, 10.25]);
    // The consumer's username, else its id; no consumer (unauthenticated): unknown.
    expect(clients(t)).toEqual(['team-search', 'team-ads', 'team-search', 'c0a8e7f4-3333-4a4a-8b8b-000000000003', 'unknown', 'team-search']);
    expect(texts(t, 'model')).toEqual(['gpt-4o-2024-08-06', 'claude-3-5-haiku-20241022', 'gpt-4o-2024-08-06', 'gpt-4o-2024-08-06', 'gpt-4o-2024-08-06', 'gpt-4o-2024-08-06']);
    expect(texts(t, 'request_id')).toEqual([1, 2, 4, 6, 8, 11].map((k) => `9a3f${String(k).padStart(28, '0')}`));
    expect(t.texts.session_id).toBeUndefined();
    // The 502 and the 429 (Kong's zero counters) are excluded (test/ingest/kong-failed-calls.test.ts).
    expect(ints(t, 'input_tokens')).toEqual([812, 1530, 95, 300, 77, 640]);
    expect(ints(t, 'output_tokens')).toEqual([64, 220, 410, 41, 9, 128]);
    expect(r.rejects.map((j) => [j.file, j.line, j.reason, j.field])).toEqual([
      [FILE, 9, 'bad_timestamp', 'timestamp'],
      [FILE, 10, 'bad_number', 'input_tokens'],
    ]);
    expect(r.rejects[1].message).toBe('input_tokens: not a whole number in range: 12.5');
  });

  it('the DuckDB engine gives the same trace and counts', async () => {
    const ts = (await ingestFiles({ inputs: [FILE], mapping: loadPreset('kong-ai-gateway') })).trace;
    await sameWithDuckDB(FILE, 'kong-ai-gateway', ts, { read: 12, accepted: 6, byReason: { excluded: 4, bad_timestamp: 1, bad_number: 1 } });
  });
});

describe('preset langsmith-runs', () => {
  const FILE = fixture('langsmith', 'runs.parquet');

  it('reads each llm run at start_time with its project as the client, id and token counts; chain, tool, retriever, embedding, prompt and parser runs are excluded and counted; bad rows rejected by row and field', async () => {
    const r = await ingestFiles({ inputs: [FILE], mapping: loadPreset('langsmith-runs') });
    const t = r.trace;
    expect(r.summary.rows_read).toBe(13);
    expect(r.summary.rejects_by_reason).toEqual({ excluded: 6, missing_timestamp: 1, negative_tokens: 1 });
    expect(t.n).toBe(5);
    expect(t.origin).toBe('2025-08-04T12:00:00.000Z');
    expect(ms(t)).toEqual([0.42, 4.25, 6.5, 9.75, 15.125]);
    const support = '5e551011-7a3c-4d2e-9b1f-00000000c0de';
    const search = '5e551011-7a3c-4d2e-9b1f-00000005ea4c';
    expect(clients(t)).toEqual([support, support, search, search, support]);
    expect(texts(t, 'request_id')).toEqual(['4', '6', '8', 'a', 'd'].map((k) => `01000000-0000-4000-8000-00000000000${k}`));
    expect(t.texts.model).toBeUndefined();
    expect(t.texts.session_id).toBeUndefined();
    expect(ints(t, 'input_tokens')).toEqual([1900, 4800, 900, -1, 3000]); // the failed call (429): no counts
    expect(ints(t, 'output_tokens')).toEqual([200, 430, 80, -1, 377]);
    expect(r.rejects.map((j) => [j.file, j.line, j.reason, j.field])).toEqual([
      [FILE, 11, 'negative_tokens', 'input_tokens'],
      [FILE, 13, 'missing_timestamp', 'timestamp'],
    ]);
  });

  it('the DuckDB engine gives the same trace and counts', async () => {
    const ts = (await ingestFiles({ inputs: [FILE], mapping: loadPreset('langsmith-runs') })).trace;
    await sameWithDuckDB(FILE, 'langsmith-runs', ts, { read: 13, accepted: 5, byReason: { excluded: 6, missing_timestamp: 1, negative_tokens: 1 } });
  });
});

describe('the presets named for such logs given without one', () => {
  it('names each new preset for its own export\'s columns, and no other', () => {
    const first = (f: string) => Object.keys(JSON.parse(readFileSync(f, 'utf8').split('\n')[0]) as object);
    expect(presetsFitting(first(fixture('langfuse', 'observations_v2.jsonl')))).toEqual(['langfuse-observations']);
    expect(presetsFitting(first(fixture('helicone', 'helicone-export.jsonl')))).toEqual(['helicone-requests']);
    expect(presetsFitting(first(fixture('kong', 'file-log.jsonl')))).toEqual(['kong-ai-gateway']);
    expect(presetsFitting(['id', 'tenant_id', 'session_id', 'trace_id', 'name', 'run_type', 'start_time', 'end_time', 'status', 'prompt_tokens', 'completion_tokens', 'total_tokens'])).toEqual(['langsmith-runs']);
    expect(presetsFitting(['response_id', 'response_created_at', 'response_status', 'request_created_at', 'request_body', 'request_properties', 'request_user_id', 'model', 'prompt_tokens', 'completion_tokens', 'latency', 'cost'])).toEqual(['helicone-requests']);
  });
});
