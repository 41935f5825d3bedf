/**
 * The aiperf-records preset on NVIDIA AIPerf's per-request export (profile_export.jsonl, one
 * MetricRecordInfo per line: metadata.request_start_ns in epoch ns, metrics.<tag>.value, error;
 * aiperf docs/tutorials/working-with-profile-exports.md, src/aiperf/common/models/record_models.py),
 * and the loop it closes: `generate --format mooncake` → AIPerf replays it → `validate
 * --replay` checks the records against the replayed file. fixtures/aiperf/ is made up in
 * the documented shape (its README); the replay records below are made from a generated trace.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset, presetsFitting } from '../../src/ingest/presets.js';
import { ingestWithDuckDB } from '../../src/summary/duckdb-ingest.js';
import { runCli } from '../cli/run-cli.js';
import { fixture, tempDir } from '../helpers.js';

const RECORDS = fixture('aiperf', 'profile_export.jsonl');

describe('preset aiperf-records', () => {
  it('reads when each request was sent (epoch ns), its lengths and ids; a failed request is an arrival with its output absent, its input from error_isl', async () => {
    const r = await ingestFiles({ inputs: [RECORDS], mapping: loadPreset('aiperf-records') });
    expect(r.trace.n).toBe(8);
    expect(r.summary.rows_rejected).toBe(0);
    expect(r.trace.origin).toBe('2025-12-07T00:00:15.000Z');
    // Sorted by send time (the file is in completion order); ns kept to a double's precision.
    expect(Array.from(r.trace.timestamp, (t) => Math.round(t * 1e6) / 1e6)).toEqual([0.845389, 12.413041, 12.686207, 12.686519, 40.113771, 41.002004, 41.002351, 97.455919]);
    expect(new Set(r.trace.clientIds)).toEqual(new Set(['default']));
    expect(Array.from(r.trace.ints.input_tokens!)).toEqual([550, 120, 550, 550, 3050, 233, 233, 1210]);
    expect(Array.from(r.trace.ints.output_tokens!)).toEqual([9, 310, 87, 92, -1, 48, -1, 512]); // -1: absent (HTTP 500, cancelled)
    expect(r.trace.texts.request_id!.values).toContain('000278dd-e6c4-4000-a317-0003b54cda26');
    expect(r.trace.texts.session_id!.values).toContain('00045384-53d7-4000-a4f1-00058ff34739');
  });

  it('the DuckDB engine reads the same rows, to the same times', async () => {
    const ts = (await ingestFiles({ inputs: [RECORDS], mapping: loadPreset('aiperf-records') })).trace;
    const out = join(tempDir(), 'trace.parquet');
    const d = await ingestWithDuckDB([RECORDS], loadPreset('aiperf-records'), out, { maxRejectRatio: 0.5 });
    expect(d.summary.rows_read).toBe(8);
    expect(d.summary.rows_accepted).toBe(8);
    expect(d.summary.origin).toBe(ts.origin);
    const t = (await ingestFiles({ inputs: [out], mapping: loadPreset('servegen') })).trace;
    expect(Array.from(t.timestamp)).toEqual(Array.from(ts.timestamp));
    expect(Array.from(t.ints.input_tokens!)).toEqual(Array.from(ts.ints.input_tokens!));
    expect(Array.from(t.ints.output_tokens!)).toEqual(Array.from(ts.ints.output_tokens!));
    const sessions = (x: typeof t) => Array.from(x.texts.session_id!.index, (k) => x.texts.session_id!.values[k]);
    expect(sessions(t)).toEqual(sessions(ts));
    // No turn: AIPerf's turn_index counts from 0, a trace's turn from 1.
    expect(ts.ints.turn).toBeUndefined();
  });

  it('reads a gzipped export, and a run whose every request failed (no output_sequence_length anywhere)', async () => {
    const dir = tempDir();
    const gz = join(dir, 'profile_export.jsonl.gz');
    writeFileSync(gz, gzipSync(readFileSync(RECORDS)));
    expect((await ingestFiles({ inputs: [gz], mapping: loadPreset('aiperf-records') })).trace.n).toBe(8);
    const failed = join(dir, 'failed.jsonl');
    writeFileSync(failed, readFileSync(RECORDS, 'utf8').split('\n').filter((l) => l.includes('error_isl')).join('\n') + '\n');
    const r = await ingestFiles({ inputs: [failed], mapping: loadPreset('aiperf-records') });
    expect(Array.from(r.trace.ints.input_tokens!)).toEqual([3050, 233]);
    expect(r.trace.ints.output_tokens === undefined || Array.from(r.trace.ints.output_tokens).every((v) => v === -1)).toBe(true);
    // The tutorial also says metrics "will always be null for failed requests": an arrival without lengths, in both engines.
    const nul = join(dir, 'null-metrics.jsonl');
    const last = JSON.parse(readFileSync(RECORDS, 'utf8').trim().split('\n').at(-1)!) as { metadata: Record<string, unknown> };
    writeFileSync(nul, readFileSync(RECORDS, 'utf8') + JSON.stringify({ metadata: { ...last.metadata, request_start_ns: undefined }, metrics: null, error: { code: 500, type: 'InternalServerError', message: 'x' } }).replace('{"metadata":{', '{"metadata":{"request_start_ns":1765065800000000000,') + '\n');
    const n = await ingestFiles({ inputs: [nul], mapping: loadPreset('aiperf-records') });
    expect(n.trace.n).toBe(9);
    expect(n.trace.timestamp[8]).toBe(185);
    expect(n.trace.ints.input_tokens![8]).toBe(-1);
    const d = await ingestWithDuckDB([nul], loadPreset('aiperf-records'), join(dir, 'n.parquet'), { maxRejectRatio: 0 });
    expect(d.summary.rows_accepted).toBe(9);
  });

  it('is the preset named for such a log given without one', async () => {
    const first = JSON.parse(readFileSync(RECORDS, 'utf8').split('\n')[0]) as Record<string, unknown>;
    expect(presetsFitting(Object.keys(first))).toEqual(['aiperf-records']);
    const r = await runCli('inspect', RECORDS);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/fit the preset aiperf-records/);
    const listed = await runCli('ingest', '--list-presets');
    expect(listed.stdout).toMatch(/aiperf-records/);
  });
});

/**
 * AIPerf's records of replaying `rows` (a mooncake file: integer ms from the schedule's zero):
 * each sent at zero + its time + a lag under `jitterNs`, every 97th failed (HTTP 500); in
 * completion order. The schedule zero is a wall-clock instant the records do not hold.
 */
function replayRecords(rows: { timestamp: number; input_length: number; output_length: number }[], jitterNs: number): string {
  const zero = 1765065600123456789n;
  let s = 12345;
  const lag = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return BigInt(s % jitterNs);
  };
  const lines = rows.map((r, i) => {
    const start = zero + BigInt(r.timestamp) * 1_000_000n + lag();
    const failed = i % 97 === 50;
    const end = start + (failed ? 600_000n : BigInt(200_000_000 + r.output_length * 5_000_000));
    const meta = `{"session_num":${i},"x_request_id":"req-${i}","x_correlation_id":"corr-${i}","conversation_id":"conv-${i}","turn_index":0,"request_start_ns":${start},"request_ack_ns":${failed ? 'null' : start + 40_000_000n},"request_end_ns":${end},"worker_id":"worker_${i % 4}","record_processor_id":"record_processor_${i % 2}","benchmark_phase":"profiling","was_cancelled":false,"cancellation_time_ns":null}`;
    const metrics = failed
      ? `{"error_isl":{"value":${r.input_length},"unit":"tokens"}}`
      : `{"input_sequence_length":{"value":${r.input_length},"unit":"tokens"},"request_latency":{"value":${Number(end - start) / 1e6},"unit":"ms"},"output_token_count":{"value":${r.output_length},"unit":"tokens"},"output_sequence_length":{"value":${r.output_length},"unit":"tokens"}}`;
    return { end, line: `{"metadata":${meta},"metrics":${metrics},"error":${failed ? '{"code":500,"type":"InternalServerError","message":"Internal Server Error"}' : 'null'}}` };
  });
  lines.sort((a, b) => (a.end < b.end ? -1 : a.end > b.end ? 1 : 0));
  return lines.map((l) => l.line).join('\n') + '\n';
}

describe('validate --replay: AIPerf records of replaying a generated trace', () => {
  async function replay(jitterNs: number, keep = (_t: number) => true) {
    const dir = tempDir();
    const trace = join(dir, 'replay.jsonl');
    const g = await runCli('generate', fixture('profiles', 'essentials.json'), '--duration', '1800', '--seed', '7', '--format', 'mooncake', '--out', trace, '--quiet');
    expect(g.code).toBe(0);
    const rows = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { timestamp: number; input_length: number; output_length: number });
    const records = join(dir, 'profile_export.jsonl');
    writeFileSync(records, replayRecords(rows.filter((r) => keep(r.timestamp)), jitterNs));
    return { dir, trace, records, first: rows[0].timestamp / 1000 };
  }
  const validate = (trace: string, records: string, json: string, ...more: string[]) =>
    runCli('validate', trace, records, '--source-preset', 'mooncake', '--generated-preset', 'aiperf-records', '--json', json, ...more);

  it('passes a faithful replay (sub-ms send lag, failed requests as arrivals), both engines alike, the records put on the replayed file first request to first request, each on its own millisecond', async () => {
    const { dir, trace, records, first } = await replay(800_000);
    const reports = [];
    for (const engine of ['ts', 'duckdb']) {
      const json = join(dir, `${engine}.json`);
      const r = await validate(trace, records, json, '--replay', '--engine', engine);
      expect(r.code, r.stderr).toBe(0);
      reports.push(JSON.parse(readFileSync(json, 'utf8')) as { pass: boolean; source: { requests: number }; generated: { requests: number; time_offset_seconds: number }; metrics: Record<string, { value: number | null }> });
    }
    const [ts, duck] = reports;
    expect(ts.pass).toBe(true);
    expect(ts.generated.requests).toBe(ts.source.requests);
    // The records' first send (0.x s past their whole-second origin) moved onto the file's first
    // time, at the phase within its millisecond that keeps every send on its own millisecond.
    const recs = (await ingestFiles({ inputs: [records], mapping: loadPreset('aiperf-records') })).trace;
    const phase = ts.generated.time_offset_seconds - (first - recs.timestamp[0]);
    expect(phase).toBeGreaterThanOrEqual(0);
    expect(phase).toBeLessThan(0.001);
    expect(ts.metrics.iat_ks.value).toBe(0);
    expect(duck.generated.time_offset_seconds).toBe(ts.generated.time_offset_seconds);
    for (const [k, m] of Object.entries(ts.metrics)) expect(duck.metrics[k]?.value, k).toBe(m.value);
  });

  it('fails a replay cut short (the last 10 minutes never sent), which as a draw of the source passes within its noise; the HTML report says it judged a replay', async () => {
    const { dir, trace, records } = await replay(800_000, (ms) => ms < 1_200_000);
    const r = await validate(trace, records, join(dir, 'cut.json'), '--replay', '--report', join(dir, 'cut.html'));
    expect(r.code).toBe(1);
    // The HTML report says that its thresholds are a replay's (they read as a draw's, with nothing to tell).
    expect(readFileSync(join(dir, 'cut.html'), 'utf8')).toMatch(/<p>Replay \(<code>--replay<\/code>\): .*thresholds without the sampling-noise allowances/);
    expect(r.stderr).toMatch(/note: the replay .* did the load generator stop early/);
    const rep = JSON.parse(readFileSync(join(dir, 'cut.json'), 'utf8')) as { failed: string[]; thresholds: { replay?: boolean } };
    expect(rep.failed).toEqual(expect.arrayContaining(['requests_rel_err', 'rate_mape', 'requests_rel_err@client:default']));
    expect(rep.thresholds.replay).toBe(true);
    // The bursty profile's count noise allows 29 % fewer requests between two draws.
    const asDraw = await validate(trace, records, join(dir, 'draw.json'));
    expect(asDraw.code).toBe(0);
    expect(asDraw.stderr).toMatch(/without --replay/);
  });

  it('says to give the replayed mooncake file as the source when the source is the multi-client servegen trace (the records have one client), and not that the arguments are swapped', async () => {
    const { dir, records } = await replay(800_000);
    const own = join(dir, 'generated.jsonl');
    expect((await runCli('generate', fixture('profiles', 'essentials.json'), '--duration', '1800', '--seed', '7', '--out', own, '--quiet')).code).toBe(0);
    const r = await runCli('validate', own, records, '--generated-preset', 'aiperf-records', '--replay');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/a load generator's records are one client .* give the file it replayed \(generate --format mooncake, read with --source-preset mooncake\) as the source/);
    expect(r.stderr).not.toMatch(/swapped/);
  });

  it('passes a faithful replay of a file on a 1 s clock, both engines alike: the records are put on its ticks by their sends\' phase within a tick, not by the first request\'s lag (sends up to 5 ms late put every request less late than the first a whole second early: dispersion_rel_err_1s 0.31 failed)', async () => {
    const dir = tempDir();
    const own = join(dir, 'replay-ms.jsonl');
    expect((await runCli('generate', fixture('profiles', 'essentials.json'), '--duration', '1800', '--seed', '3', '--format', 'mooncake', '--out', own, '--quiet')).code).toBe(0);
    // The file on a clock of whole seconds (as a log with a 1 s clock would be written out).
    const rows = readFileSync(own, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { timestamp: number; input_length: number; output_length: number }).map((r) => ({ ...r, timestamp: Math.floor(r.timestamp / 1000) * 1000 }));
    const trace = join(dir, 'replay.jsonl');
    writeFileSync(trace, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const records = join(dir, 'profile_export.jsonl');
    writeFileSync(records, replayRecords(rows, 5_000_000));
    const reports = [];
    for (const engine of ['ts', 'duckdb']) {
      const json = join(dir, `${engine}.json`);
      const r = await validate(trace, records, json, '--replay', '--engine', engine);
      expect(r.code, r.stderr).toBe(0);
      reports.push(JSON.parse(readFileSync(json, 'utf8')) as { clock_resolution_seconds: number; generated: { time_offset_seconds: number }; metrics: Record<string, { value: number | null }> });
    }
    const [ts, duck] = reports;
    expect(ts.clock_resolution_seconds).toBe(1);
    // Every request on its own tick: the arrival process is the file's.
    expect(ts.metrics.iat_ks.value).toBe(0);
    expect(ts.metrics.dispersion_rel_err_1s.value).toBe(0);
    expect(duck.generated.time_offset_seconds).toBe(ts.generated.time_offset_seconds);
    for (const [k, m] of Object.entries(ts.metrics)) expect(duck.metrics[k]?.value, k).toBe(m.value);
  });

  it('fails a replay whose sends spread the trace\'s same-millisecond requests over 3 ms (iat_ks at the trace\'s 1 ms clock)', async () => {
    const { dir, trace, records } = await replay(3_000_000);
    const r = await validate(trace, records, join(dir, 'late.json'), '--replay');
    expect(r.code).toBe(1);
    const rep = JSON.parse(readFileSync(join(dir, 'late.json'), 'utf8')) as { failed: string[] };
    expect(rep.failed).toContain('iat_ks');
  });
});
