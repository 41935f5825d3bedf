/**
 * Logs written when a request ends (`"timestamp": {"marks": "end"}`): each arrival is the
 * timestamp minus `columns.duration`, in both engines, to the bit.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { TraceBuilder } from '../../src/ingest/normalize.js';
import { DIALECTS, scanScript } from '../../src/summary/sql.js';
import { parseMapping, type Mapping } from '../../src/ingest/mapping.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { IngestError } from '../../src/ingest/errors.js';
import { buildSummaries } from '../../src/summary/build.js';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { ingestWithDuckDB } from '../../src/summary/duckdb-ingest.js';
import { compareEngines } from '../summary/engine-compare.js';
import { expectEqualSummaries } from '../summary/equal-summaries.js';
import { checkSqlScripts } from '../summary/sql-scripts.js';
import { runCli } from '../cli/run-cli.js';
import { fixture, tempDir } from '../helpers.js';

const W = { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 0.001 };

/** A CSV line's fields (the BurstGPT slice quotes none). */
const BURST = readFileSync(fixture('traces', 'burstgpt', 'burstgpt3_slice.csv'), 'utf8').trim().split('\n');

/**
 * The BurstGPT slice as a gateway would log it on completion: `Finished` = Timestamp + Elapsed
 * time (its real response times, 0–155 s), lines in order of finishing.
 */
function burstEndLog(file: string): void {
  const head = BURST[0].split(',');
  const at = (name: string) => head.indexOf(name);
  const rows = BURST.slice(1).map((l) => l.split(','));
  const end = (r: string[]) => Number(r[at('Timestamp')]) + Number(r[at('Elapsed time')]);
  const sorted = rows.map((r, i) => ({ r, i, e: end(r) })).sort((a, b) => a.e - b.e || a.i - b.i);
  writeFileSync(file, ['Finished,' + head.join(','), ...sorted.map(({ r, e }) => `${e},${r.join(',')}`)].join('\n') + '\n');
}

const burstEndMapping = (): Mapping => {
  const m = loadPreset('burstgpt');
  return parseMapping({ ...m, columns: { ...m.columns, timestamp: 'Finished', duration: 'Elapsed time' }, timestamp: { unit: 's', marks: 'end', duration_unit: 's' } }, 'end.json');
};

/** The BurstGPT end log and its mapping file, in a new directory. */
function burstEndFiles(): { dir: string; file: string; map: string } {
  const dir = tempDir();
  const file = `${dir}/end.csv`;
  burstEndLog(file);
  const map = `${dir}/end.json`;
  writeFileSync(map, JSON.stringify(burstEndMapping()));
  return { dir, file, map };
}

/** Times of a trace, sorted (both engines order equal times their own way). */
const sortedTimes = (t: Float64Array) => Float64Array.from(t).sort();

describe('end times: arrival = timestamp − duration', () => {
  it('the BurstGPT slice logged at completion reads back as the log itself, in both engines (same rows, same summaries)', async () => {
    const dir = tempDir();
    const file = `${dir}/end.csv`;
    burstEndLog(file);
    const mapping = burstEndMapping();
    const truth = await ingestFiles({ inputs: [fixture('traces', 'burstgpt', 'burstgpt3_slice.csv')], mapping: loadPreset('burstgpt') });
    const ts = await ingestFiles({ inputs: [file], mapping });
    expect(ts.summary.rows_accepted).toBe(400);
    // Completion order is not arrival order: the rows were sorted by arrival.
    expect(ts.summary.sorted).toBe(false);
    expect(sortedTimes(ts.trace.timestamp)).toEqual(sortedTimes(truth.trace.timestamp));
    expect(buildSummaries(ts.trace, W)).toEqual(buildSummaries(truth.trace, W));
    // The finish times as arrivals are another workload (what the mapping is for).
    const { duration: _, ...columns } = mapping.columns;
    const naive = await ingestFiles({ inputs: [file], mapping: parseMapping({ ...mapping, columns, timestamp: { unit: 's' } }) });
    expect(sortedTimes(naive.trace.timestamp)).not.toEqual(sortedTimes(truth.trace.timestamp));

    const d = await summarizeWithDuckDB([file], mapping, W);
    expect(d.rowsRead).toBe(400);
    expectEqualSummaries(buildSummaries(truth.trace, W), d.summaries);
    const r = await compareEngines([file], mapping, dir);
    expect(r.differences).toEqual([]);
    expect(r.outcome).toBe('agree');
  });

  it('ISO end times less a duration in ms (JSON lines, a dotted path): the same doubles in both engines, and the rejects by reason', async () => {
    const dir = tempDir();
    const file = `${dir}/gw.jsonl`;
    const lines: string[] = [];
    // Seeded, deterministic values: end times with µs digits, latencies with fractions.
    let x = 12345;
    const next = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 2000; i++) {
      const endUs = Date.UTC(2026, 10, 27, 9, 0, 0) * 1000 + Math.floor(i * 1_700_000 + next() * 900_000);
      const iso = new Date(Math.floor(endUs / 1000)).toISOString().replace('Z', `${String(endUs % 1000).padStart(3, '0')}+00:00`);
      const latency = Math.round(next() * 60_000_000) / 1000; // ms, to the µs
      lines.push(JSON.stringify({ time: iso, tenant: `t${i % 3}`, usage: { latency_ms: i % 7 === 0 ? String(latency) : latency, prompt_tokens: 10 + i } }));
    }
    // Rejects: no duration, blank, text, negative, hex, infinite, an object; and accepted spellings.
    const bad = [undefined, '', 'abc', -5, '-0.5', '0x10', 'Infinity', { v: 1 }];
    bad.forEach((v, k) => lines.push(JSON.stringify({ time: '2026-11-27T09:30:00Z', tenant: 't0', usage: v === undefined ? { prompt_tokens: k } : { latency_ms: v, prompt_tokens: k } })));
    for (const v of [' 12 ', '1e3', 0, '0']) lines.push(JSON.stringify({ time: '2026-11-27T09:30:00Z', tenant: 't1', usage: { latency_ms: v, prompt_tokens: 1 } }));
    // A bad timestamp and a bad duration: rejected for the timestamp (checked first, in both).
    lines.push(JSON.stringify({ time: 'yesterday', tenant: 't0', usage: { latency_ms: 'abc', prompt_tokens: 1 } }));
    writeFileSync(file, lines.join('\n') + '\n');
    const mapping = parseMapping(
      { columns: { timestamp: 'time', client_id: 'tenant', input_tokens: 'usage.prompt_tokens', duration: 'usage.latency_ms' }, timestamp: { unit: 'iso', marks: 'end', duration_unit: 'ms' } },
      'gw.json',
    );
    const ts = await ingestFiles({ inputs: [file], mapping });
    expect(ts.summary.rejects_by_reason).toEqual({ bad_timestamp: 1, missing_duration: 2, bad_duration: 6 });
    expect(ts.rejects.filter((r) => r.reason === 'bad_duration').map((r) => r.message)).toEqual([
      'duration: not a number: "abc"',
      'duration: negative value -5',
      'duration: negative value -0.5',
      'duration: not a number: "0x10"',
      'duration: not a number: "Infinity"',
      'duration: an object, not a number: {"v":1}',
    ]);
    expect(ts.rejects.find((r) => r.reason === 'missing_duration')).toMatchObject({ field: 'duration', line: 2001 });
    // Every arrival from its own texts (to 1 µs: the ms parse below is Date's).
    const originSec = Date.parse(ts.summary.origin!) / 1000;
    const accepted = [...lines.slice(0, 2000), ...lines.slice(2008, 2012)];
    expect(accepted).toHaveLength(ts.summary.rows_accepted);
    const want = accepted.map((l) => {
      const { time, usage } = JSON.parse(l) as { time: string; usage: { latency_ms: number | string } };
      const us = /^\d+$/.test(time.slice(23, 26)) ? Number(`0.000${time.slice(23, 26)}`) : 0;
      return Date.parse(time.slice(0, 23) + (time.length > 20 ? 'Z' : '')) / 1000 + us - Number(usage.latency_ms) / 1000 - originSec;
    });
    const got = sortedTimes(ts.trace.timestamp);
    expect(Math.max(...Float64Array.from(want).sort().map((w, i) => Math.abs(w - got[i])))).toBeLessThan(1e-6);

    const out = `${dir}/duck.parquet`;
    const duck = await ingestWithDuckDB([file], mapping, out, { maxRejectRatio: 1, threads: 1 });
    expect(duck.summary.rejects_by_reason).toEqual(ts.summary.rejects_by_reason);
    expect(duck.summary.origin).toBe(ts.summary.origin);
    const back = await ingestFiles({ inputs: [out], mapping: loadPreset('servegen') });
    // To the bit.
    expect(sortedTimes(back.trace.timestamp)).toEqual(sortedTimes(ts.trace.timestamp));
    const d = await summarizeWithDuckDB([file], mapping, W);
    expectEqualSummaries(buildSummaries(ts.trace, W), d.summaries);
    expect(d.rejectsByReason).toEqual(ts.summary.rejects_by_reason);
  });

  it('a Parquet duration typed as numbers (NULL, NaN, negative), epoch ms end times under unit auto: both engines agree', async () => {
    const dir = tempDir();
    const file = `${dir}/typed.parquet`;
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run(`COPY (
      SELECT 1764234000000 + i * 250 + (i % 7) * 13 AS ended_ms, 'c' || (i % 4) AS client,
        CASE WHEN i = 5 THEN NULL WHEN i = 6 THEN 'NaN'::DOUBLE WHEN i = 7 THEN -1.5 ELSE (i * 37 % 5000) / 3.0 END AS took_ms,
        (i % 50)::INTEGER AS n_in
      FROM range(3000) r(i)) TO '${file}'`);
    con.closeSync();
    db.closeSync();
    const mapping = parseMapping({ columns: { timestamp: 'ended_ms', client_id: 'client', duration: 'took_ms', input_tokens: 'n_in' }, timestamp: { marks: 'end', duration_unit: 'ms' } }, 'typed.json');
    const ts = await ingestFiles({ inputs: [file], mapping });
    expect(ts.summary.rejects_by_reason).toEqual({ missing_duration: 1, bad_duration: 2 });
    expect(ts.summary.detected.timestamp).toMatchObject({ unit: 'ms', absolute: true, how: 'auto' });
    const r = await compareEngines([file], mapping, dir);
    expect(r.differences).toEqual([]);
    expect(r.outcome).toBe('agree');
    const back = await ingestFiles({ inputs: [`${dir}/duck.parquet`], mapping: loadPreset('servegen') });
    expect(sortedTimes(back.trace.timestamp)).toEqual(sortedTimes(ts.trace.timestamp));

    // Relative times of the durations' size (0.5–41 s less 0–4 s: the duration's last bits show
    // in ~3 % of the rows, so x / 1000 in one engine and x · 0.001 in the other would differ),
    // seconds less fractional ms, CSV text.
    const rel = `${dir}/rel.csv`;
    writeFileSync(rel, ['end,took', ...Array.from({ length: 3000 }, (_, i) => `${(i * 0.0137 + 0.5).toFixed(4)},${((i * 7919) % 4000000) / 1000 + 0.1}`)].join('\n') + '\n');
    const relMapping = parseMapping({ columns: { timestamp: 'end', duration: 'took' }, timestamp: { unit: 's', marks: 'end', duration_unit: 'ms' } }, 'rel.json');
    const rt = await ingestFiles({ inputs: [rel], mapping: relMapping });
    expect(rt.summary.rows_accepted).toBe(3000);
    const rr = await compareEngines([rel], relMapping, dir);
    expect(rr.differences).toEqual([]);
    const relBack = await ingestFiles({ inputs: [`${dir}/duck.parquet`], mapping: loadPreset('servegen') });
    expect(sortedTimes(relBack.trace.timestamp)).toEqual(sortedTimes(rt.trace.timestamp));
  });

  it('durations spelt every way a log may spell them (CSV text and JSON values): both engines accept and reject the same rows, with the same times', async () => {
    const dir = tempDir();
    const texts = ['', ' ', '\t', 'abc', '1.5', '-2', '0x10', '1_000', '1e3', '2.0', '-0', '+3', '007', ' 5 ', '1e999', '3.', '.5', '1,5', '١٢', 'NaN', 'Infinity', '-Infinity', 'inf', '5#', 'null', 'true', '0', '1E-3', '-1e-9', '120000.25'];
    const csv = `${dir}/d.csv`;
    const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
    writeFileSync(csv, ['end,c,took', ...texts.flatMap((v, k) => [0, 1, 2].map((j) => `${1000 + k * 10 + j * 0.125},c${j},${quote(v)}`))].join('\n') + '\n');
    const jsonl = `${dir}/d.jsonl`;
    const values: unknown[] = [...texts, null, 5, 1.5, -3, 0, 1e6, true, [1], { a: 1 }];
    writeFileSync(jsonl, values.map((v, k) => JSON.stringify({ end: 1000 + k, c: 'a', took: v })).join('\n') + '\n');
    for (const [file, unit] of [[csv, 'ms'], [csv, 's'], [jsonl, 'us']] as const) {
      const mapping = parseMapping({ columns: { timestamp: 'end', client_id: 'c', duration: 'took' }, timestamp: { unit: 's', marks: 'end', duration_unit: unit } }, 'd.json');
      const r = await compareEngines([file], mapping, dir);
      expect(r.differences, `${file} ${unit}`).toEqual([]);
      const ts = await ingestFiles({ inputs: [file], mapping });
      const back = await ingestFiles({ inputs: [`${dir}/duck.parquet`], mapping: loadPreset('servegen') });
      expect(sortedTimes(back.trace.timestamp)).toEqual(sortedTimes(ts.trace.timestamp));
      if (file === csv) expect(ts.summary.rejects_by_reason).toEqual({ missing_duration: 9, bad_duration: 45 });
      else expect(ts.summary.rejects_by_reason).toEqual({ missing_duration: 4, bad_duration: 19 });
    }
    // A duration of 285 000 years moves an arrival past the dates a trace can hold: both engines
    // refuse the input, naming the duration (not the timestamp, which is fine).
    const huge = `${dir}/huge.csv`;
    writeFileSync(huge, 'end,c,took\n1000,a,5\n1001,a,9007199254740993\n');
    const mapping = parseMapping({ columns: { timestamp: 'end', client_id: 'c', duration: 'took' }, timestamp: { unit: 's', marks: 'end', duration_unit: 'ms' } }, 'd.json');
    const r = await compareEngines([huge], mapping, dir);
    expect(r).toEqual({ outcome: 'both-refuse', differences: [] });
    await expect(ingestFiles({ inputs: [huge], mapping })).rejects.toThrow(/the earliest arrival \(timestamp − duration\), -9007199253740 s from 1970 .* check timestamp\.unit, timestamp\.duration_unit and the longest durations/);
  });

  it('a duration no row has (a dotted path, a coalesce): the error does not say to list duration in "optional", which parseMapping refuses, in both engines', async () => {
    const dir = tempDir();
    const jsonl = `${dir}/gw.jsonl`;
    writeFileSync(jsonl, [1, 2, 3].map((i) => JSON.stringify({ time: 1000 + i, usage: { latency_ms: 5 } })).join('\n') + '\n');
    const csv = `${dir}/gw.csv`;
    writeFileSync(csv, 'time,latency_ms\n1001,5\n1002,5\n');
    const end = { unit: 's', marks: 'end', duration_unit: 'ms' } as const;
    const cases: [string, unknown][] = [
      [jsonl, 'usage.latency_m'],
      [jsonl, { coalesce: ['usage.lat1', 'usage.lat2'] }],
      [csv, { coalesce: ['lat1', 'lat2'] }],
    ];
    for (const [file, duration] of cases) {
      const mapping = parseMapping({ columns: { timestamp: 'time', duration }, timestamp: end }, 'gw.json');
      for (const run of [() => ingestFiles({ inputs: [file], mapping }), () => ingestWithDuckDB([file], mapping, `${dir}/out.parquet`, { maxRejectRatio: 1, threads: 1 })]) {
        const err = await run().then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        expect(err, JSON.stringify(duration)).toBeInstanceOf(IngestError);
        expect(err!.message).not.toContain('"optional"');
        expect(err!.message).toContain('every row needs its duration');
      }
    }
    // What the old hint said to do is refused:
    expect(() => parseMapping({ columns: { timestamp: 'time', duration: 'usage.latency_m' }, timestamp: end, optional: ['duration'] }, 'gw.json')).toThrow(/duration cannot be optional/);
  });

  it('time partitions by end time overlap: fit --summaries warns naming end times as a cause (not only "the same rows twice"); the counts are the whole log\'s', async () => {
    const { dir, file, map } = burstEndFiles();
    // Cut after the 160th line by end: a later line's request arrived before an earlier one's (same client).
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    writeFileSync(`${dir}/p1.csv`, [lines[0], ...lines.slice(1, 161)].join('\n') + '\n');
    writeFileSync(`${dir}/p2.csv`, [lines[0], ...lines.slice(161)].join('\n') + '\n');
    for (const p of ['p1', 'p2']) expect((await runCli('summarize', `${dir}/${p}.csv`, '--map', map, '--resolution', '1', '--out', `${dir}/${p}.json`, '--quiet')).code).toBe(0);
    const r = await runCli('fit', '--summaries', `${dir}/p1.json`, `${dir}/p2.json`, '--out', `${dir}/p.json`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('both hold client "ChatGPT/Conversation log"');
    expect(r.stderr).toContain('or partitions by end time of a log written when each request ends');
    const n = (f: string) => (JSON.parse(readFileSync(f, 'utf8')) as { arrivals: { n: number }[] }).arrivals.reduce((a, w) => a + w.n, 0);
    expect(n(`${dir}/p1.json`) + n(`${dir}/p2.json`)).toBe(400);
  });

  it('a Parquet duration typed INTERVAL (top-level or in a struct): both engines refuse it by name, not "all rows bad_duration" nor an internal error', async () => {
    const dir = tempDir();
    const file = `${dir}/iv.parquet`;
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run(`COPY (SELECT TIMESTAMP '2026-01-01' + to_seconds(i) AS t, to_milliseconds(i * 10) AS took, {'took': to_milliseconds(i * 10), 'n': i} AS m FROM range(10) r(i)) TO '${file}'`);
    con.closeSync();
    db.closeSync();
    for (const duration of ['took', 'm.took']) {
      const mapping = parseMapping({ columns: { timestamp: 't', duration }, timestamp: { marks: 'end', duration_unit: 'ms' } }, 'iv.json');
      await expect(ingestWithDuckDB([file], mapping, `${dir}/out.parquet`, { maxRejectRatio: 1, threads: 1 })).rejects.toThrow(`columns.duration ${JSON.stringify(duration)} is an INTERVAL column, not a number`);
      await expect(summarizeWithDuckDB([file], mapping, W)).rejects.toThrow(/is an INTERVAL column/);
      const ts = await ingestFiles({ inputs: [file], mapping }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(ts, duration).toBeInstanceOf(IngestError);
      expect((ts as Error).message).toMatch(/cannot decode \(parquet interval not supported\)/);
    }
  });

  it('one duration far off: the time-axis warning names durations as a cause (not only the clock or unit), in both engines', async () => {
    const dir = tempDir();
    const file = `${dir}/far.jsonl`;
    // 200 right rows (epoch s, durations 1–200 ms) and one whose duration is 39 years in ns.
    const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify({ end: 1700000000 + i, c: 'a', took: (i + 1) * 1_000_000 }));
    lines.push('{"end":1700000300,"c":"a","took":1234567890123456789}');
    writeFileSync(file, lines.join('\n') + '\n');
    const mapping = parseMapping({ columns: { timestamp: 'end', client_id: 'c', duration: 'took' }, timestamp: { unit: 's', marks: 'end', duration_unit: 'ns' } }, 'far.json');
    const cause = 'or a duration far off (with "marks": "end" each time is the timestamp − the duration';
    const ts = await ingestFiles({ inputs: [file], mapping });
    expect(ts.summary.warnings?.join('\n')).toContain(`lies 39.1 years before the other 200 rows, which span 3.3 min from 2023-11-14T22:13:19.999Z. A wrong clock or unit, ${cause}`);
    const duck = await ingestWithDuckDB([file], mapping, `${dir}/duck.parquet`, { maxRejectRatio: 1, threads: 1 });
    expect(duck.summary.warnings).toEqual(ts.summary.warnings);
    const d = await summarizeWithDuckDB([file], mapping, W);
    expect(d.warning).toContain(cause);
    // A log without end times keeps its words.
    const start = parseMapping({ columns: { timestamp: 'end', client_id: 'c' }, timestamp: { unit: 's' } }, 'start.json');
    writeFileSync(`${dir}/start.jsonl`, [...lines.slice(0, 200), '{"end":500000000,"c":"a"}'].join('\n') + '\n');
    const plain = await ingestFiles({ inputs: [`${dir}/start.jsonl`], mapping: start });
    expect(plain.summary.warnings?.join('\n')).toContain('A wrong clock or unit? Rows are kept as read');
  });

  it('a mapping that half-says end times is refused, naming what is missing', () => {
    const base = { columns: { timestamp: 'ts', duration: 'took' }, timestamp: { unit: 'ms', marks: 'end', duration_unit: 'ms' } };
    expect(() => parseMapping(base, 'm.json')).not.toThrow();
    const refused = (m: unknown) => {
      try {
        parseMapping(m, 'm.json');
      } catch (e) {
        expect(e).toBeInstanceOf(IngestError);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused({ ...base, columns: { timestamp: 'ts' } })).toMatch(/^m\.json: timestamp\.marks "end": map columns\.duration too/);
    expect(refused({ ...base, timestamp: { unit: 'ms', marks: 'end' } })).toMatch(/^m\.json: timestamp\.duration_unit: give the unit of columns\.duration, one of "s", "ms", "us", "ns"/);
    expect(refused({ ...base, timestamp: { unit: 'ms' } })).toMatch(/columns\.duration is read only to take each request's arrival from a timestamp that marks its end: add "marks": "end"/);
    expect(refused({ columns: { timestamp: 'ts' }, timestamp: { unit: 'ms', duration_unit: 'ms' } })).toMatch(/timestamp\.duration_unit without "marks": "end"/);
    expect(refused({ ...base, optional: ['duration'] })).toMatch(/optional: duration cannot be optional/);
    expect(refused({ ...base, timestamp: { unit: 'ms', marks: 'finish', duration_unit: 'ms' } })).toMatch(/timestamp\.marks/);
    expect(refused({ ...base, timestamp: { unit: 'ms', marks: 'end', duration_unit: 'minutes' } })).toMatch(/timestamp\.duration_unit/);
    // A Mapping built by hand (not through parseMapping) is checked where the library takes it as
    // it is: TraceBuilder and scanScript read it unsubtracted, or the duration as seconds, before.
    const hand = (timestamp: Mapping['timestamp'], columns: Mapping['columns'] = { timestamp: 'ts', duration: 'took' }): Mapping => ({ columns, timestamp, optional: [], separator: '/' });
    for (const m of [hand({ unit: 's', marks: 'end' }), hand({ unit: 's', marks: 'end', duration_unit: 'ms' }, { timestamp: 'ts' })]) {
      expect(() => new TraceBuilder(m)).toThrow(IngestError);
      expect(() => scanScript('logs.r', m, { W: 600, L: 21600, res: 1, origin: 0, dotted: false }, DIALECTS.duckdb)).toThrow(/timestamp\.(duration_unit|marks)/);
    }
    // Written where the README's example does not put them: said where they go.
    expect(refused({ columns: { timestamp: 'ts' }, timestamp: { unit: 'ms', marks: 'end', duration_unit: 'ms', duration: 'took' } })).toMatch(/unknown key "duration" .*; the duration's source goes in "columns": \{"duration": "took"\}/);
    expect(refused({ columns: base.columns, timestamp: { unit: 'ms', marks: 'end' }, duration_unit: 'ms' })).toMatch(/top level: unknown key "duration_unit" .*; "duration_unit" goes in the "timestamp" object: "timestamp": \{"duration_unit": "ms"\}/);
    expect(refused({ columns: base.columns, marks: 'end', timestamp: { unit: 'ms', duration_unit: 'ms' } })).toMatch(/"marks" goes in the "timestamp" object/);
  });

  it('servegen sql: the scripts subtract the duration; Trino and Spark parse; the DuckDB script gives the TypeScript engine\'s counts', async () => {
    const { file, map } = burstEndFiles();
    const results = await checkSqlScripts(map, file, "'missing_duration'");
    const [rejects, , arrivals] = results as Record<string, unknown>[][];
    expect(rejects).toEqual([{ reason: null, c: 400n }]);
    const truth = await ingestFiles({ inputs: [fixture('traces', 'burstgpt', 'burstgpt3_slice.csv')], mapping: loadPreset('burstgpt') });
    const want = buildSummaries(truth.trace, { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 1 });
    // Counts, first and last arrivals and gap sums per window (the relative times are whole seconds: exact).
    const got = new Map(arrivals.map((r) => [`${r.client}|${Number(r.wi) * 600}`, [Number(r.n), Number(r.first), Number(r.last), Number(r.sum)]]));
    expect(got).toEqual(new Map(want.arrivals.map((a) => [`${a.client}|${a.start}`, [a.n, a.first, a.last, a.sum]])));
  });
});
