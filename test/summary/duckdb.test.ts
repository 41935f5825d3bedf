import { describe, expect, it } from 'vitest';
import { arrivalFields } from '../../src/summary/types.js';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { buildSummaries } from '../../src/summary/build.js';
import { fitSummaries } from '../../src/fit/fit-trace.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { expectClose, expectEqualSummaries } from './equal-summaries.js';
import { fixture } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';
import { clusterKey, type TraceSummaries } from '../../src/summary/types.js';
import { CLUSTER_LOG_MAPPING, FAN_BURSTS, FAN_SIZE, MS_PAIRS, writeClusterLog } from './cluster-log.js';

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
      expect(duck.pass).toBe('stream'); // logs in time order: one streamed pass
      expectEqualSummaries(ts, duck.summaries);
      const opts = { ...W, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: 'x' };
      expectClose(fitSummaries(ts, opts).clients, fitSummaries(duck.summaries, opts).clients);
    });
  }

  it('one pass, checked: the origin and clock sample decided from the first rows are verified against all rows', async () => {
    const { tempDir } = await import('../helpers.js');
    const { writeFileSync } = await import('node:fs');
    const dir = tempDir();
    const mapping = parseMapping({ columns: { timestamp: 'ts', client_id: 'c', input_tokens: 'i' }, timestamp: { unit: 's' } }, 'm');
    const write = (name: string, rows: [number, string, number][]) => {
      const file = `${dir}/${name}.csv`;
      writeFileSync(file, 'ts,c,i\n' + rows.map(([t, c, i]) => `${t},${c},${i}`).join('\n') + '\n');
      return file;
    };
    // The TypeScript engine's summaries of a file at a resolution: computed once (the sorted
    // file is checked twice, with and without a DuckDB memory limit: 250 500 rows).
    const reference = new Map<string, ReturnType<typeof buildSummaries>>();
    const check = async (file: string, pass: string, opts: { memoryLimit?: string; resolution?: number } = {}) => {
      const duck = await summarizeWithDuckDB([file], mapping, { ...W, ...opts });
      expect(duck.pass, file).toBe(pass);
      const key = `${file} ${opts.resolution}`;
      if (!reference.has(key)) {
        const { trace } = await ingestFiles({ inputs: [file], mapping });
        reference.set(key, buildSummaries(trace, { ...W, resolution: opts.resolution }));
      }
      expectEqualSummaries(reference.get(key)!, duck.summaries);
      return duck;
    };
    // Client shards, each in time order, the later one first: the origin (first second) of the
    // first 200 000 rows is not the trace's, so the one pass gives up and the per-client stream runs.
    const shardA = Array.from({ length: 250_000 }, (_, k) => [1.7e9 + 5000 + k * 0.037, 'a', k % 5000] as [number, string, number]);
    const shardB = Array.from({ length: 500 }, (_, k) => [1.7e9 + 0.25 + k * 2.1, 'b', k] as [number, string, number]);
    await check(write('shards', [...shardA, ...shardB]), 'table-stream', { resolution: 0.001 });
    // In time order, it holds; and streamed under a memory limit alike.
    const sorted = write('sorted', [...shardB, ...shardA]);
    await check(sorted, 'stream');
    await check(sorted, 'stream', { memoryLimit: '64MB' });
    // Relative times need no origin, but the clock resolution comes from the 200 000 earliest
    // times: a µs-clock client first, then a 1 s-clock client earlier in time — the first rows
    // are not the earliest times, and the one pass gives up.
    const fine = Array.from({ length: 200_000 }, (_, k) => [300_000 + k * 0.013 + ((k * 7919) % 1000) * 1e-6, 'f', 1] as [number, string, number]);
    const coarse = Array.from({ length: 200_000 }, (_, k) => [k, 'g', 2] as [number, string, number]);
    const r = await check(write('clocks', [...fine, ...coarse]), 'table-stream');
    // Found by review: the first 200 000 rows look relative and --origin is given — not an
    // error, the whole input decides (absolute, from a later row); and an input with no rows.
    const mixed = write('mixed', [...Array.from({ length: 201_000 }, (_, k) => [k * 0.01, 'a', 1] as [number, string, number]), [1.7e9, 'b', 1]]);
    const withOrigin = await summarizeWithDuckDB([mixed], mapping, { ...W, origin: 1.6e9 });
    expect(withOrigin.pass).toBe('table-stream');
    expect(withOrigin.summaries.origin).toBe(new Date(1.6e9 * 1000).toISOString());
    const { trace: mt } = await ingestFiles({ inputs: [mixed], mapping });
    const shift = Date.parse(mt.origin!) / 1000 - 1.6e9;
    expectEqualSummaries(buildSummaries({ ...mt, timestamp: mt.timestamp.map((x) => x + shift), origin: withOrigin.summaries.origin }, W), withOrigin.summaries);
    writeFileSync(`${dir}/empty.csv`, 'ts,c,i\n');
    await expect(summarizeWithDuckDB([`${dir}/empty.csv`], mapping, W)).rejects.toThrow(/empty\.csv: no data rows \(empty file or header only\)$/);
    expect(r.summaries.resolution).toBe(1);
  }, 60_000);

  it('summarizes rows out of time order sorted by time, with the same summaries (real traces, lines reversed)', async () => {
    const { tempDir } = await import('../helpers.js');
    const { readFileSync, writeFileSync } = await import('node:fs');
    const dir = tempDir();
    for (const [preset, file] of [cases[0], cases[3]]) {
      const [header, ...rows] = readFileSync(fixture('traces', file), 'utf8').trimEnd().split(/\r?\n/);
      const reversed = `${dir}/${preset}.csv`;
      writeFileSync(reversed, [header, ...rows.reverse()].join('\n') + '\n');
      const mapping = loadPreset(preset);
      const duck = await summarizeWithDuckDB([reversed], mapping, W);
      expect(duck.pass, file).toBe('sorted-stream');
      const { trace } = await ingestFiles({ inputs: [fixture('traces', file)], mapping });
      expectEqualSummaries(buildSummaries(trace, W), duck.summaries);
      const r = await runCli('summarize', reversed, '--preset', preset, '--engine', 'duckdb', '--out', `${dir}/${preset}.json`);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('rows not in time order per client: read twice and sorted by time');
    }
  });

  it('inspect --engine duckdb characterizes the real traces exactly as the TypeScript engine', async () => {
    const { inspectWithDuckDB } = await import('../../src/summary/duckdb-inspect.js');
    const { summarizeTrace } = await import('../../src/ingest/summarize-trace.js');
    const { prefixSideOf } = await import('../../src/validate/prefix.js');
    for (const [preset, file] of cases) {
      const mapping = loadPreset(preset);
      const duck = await inspectWithDuckDB([fixture('traces', file)], mapping);
      const { trace } = await ingestFiles({ inputs: [fixture('traces', file)], mapping });
      // (and a trace's prefix-cache hit ratios, as inspect adds them: Mooncake's hash_ids)
      const prefix = prefixSideOf(trace);
      const ts = { ...summarizeTrace(trace), ...(prefix ? { prefix } : {}) };
      expect(duck.summary.prefix !== undefined, file).toBe(preset === 'mooncake');
      // The aggregate IAT CV sums gaps in another order (float rounding); everything else is exact.
      expect(duck.summary.aggregateIatCv, file).toBeCloseTo(ts.aggregateIatCv, 9);
      expect({ ...duck.summary, aggregateIatCv: 0 }, file).toEqual({ ...ts, aggregateIatCv: 0 });
    }
    // BurstGPT has sessions; Mooncake has block counts (hash_ids lengths): both covered above.
    expect((await inspectWithDuckDB([fixture('traces', cases[3][1])], loadPreset('burstgpt'))).summary.sessions?.sessions).toBeGreaterThan(0);
    expect((await inspectWithDuckDB([fixture('traces', cases[2][1])], loadPreset('mooncake'))).summary.fields.block_count?.count).toBe(12031);
    // Gap memory as fit finds it, in both engines (compared above): Azure code's, and none in Azure conv.
    const code = cases.find(([, f]) => f.includes('_code'))!;
    const codeMemory = (await inspectWithDuckDB([fixture('traces', code[1])], loadPreset(code[0]))).summary.gapMemory;
    expect(codeMemory?.clients.map((c) => [c.id, c.weight, c.phi])).toEqual([['default', 0.1517, 0.9887]]);
    expect((await inspectWithDuckDB([fixture('traces', cases[0][1])], loadPreset(cases[0][0]))).summary.gapMemory).toEqual({ judged: 1, clients: [] });
    // Peak load (p99 of 10 s bins) is part of the characterization, in both engines.
    expect((await inspectWithDuckDB([fixture('traces', cases[0][1])], loadPreset(cases[0][0]))).summary.peak?.tokensPerS).toBeGreaterThan(0);
  });

  it('ingest --engine duckdb writes the same normalized trace (as a multiset of rows) as the TypeScript engine', async () => {
    const { tempDir } = await import('../helpers.js');
    const { readFileSync } = await import('node:fs');
    const { ingestWithDuckDB } = await import('../../src/summary/duckdb-ingest.js');
    const dir = tempDir();
    const rowsOf = (t: import('../../src/ingest/trace.js').Trace) =>
      Array.from({ length: t.n }, (_, i) =>
        JSON.stringify([t.timestamp[i], t.clientIds[t.client[i]], Object.entries(t.ints).map(([k, v]) => [k, v![i]]), Object.entries(t.texts).map(([k, v]) => [k, v!.index[i] < 0 ? null : v!.values[v!.index[i]]])]),
      ).sort();
    for (const [preset, file] of cases) {
      const mapping = loadPreset(preset);
      const out = `${dir}/${preset}-${file.split('/').pop()}.parquet`;
      const d = await ingestWithDuckDB([fixture('traces', file)], mapping, out, { maxRejectRatio: 0.01 });
      const ts = await ingestFiles({ inputs: [fixture('traces', file)], mapping });
      expect(d.written, file).toBe(ts.trace.n);
      expect(d.summary).toMatchObject({ rows_read: ts.summary.rows_read, rows_rejected: 0, clients: ts.summary.clients, origin: ts.summary.origin, duplicate_request_ids: ts.summary.duplicate_request_ids });
      expect(d.summary.span_seconds).toBeCloseTo(ts.summary.span_seconds, 9);
      // Read back through the servegen preset like any trace: same origin, same rows, sorted by time.
      const back = await ingestFiles({ inputs: [out], mapping: loadPreset('servegen') });
      expect(back.trace.origin, file).toBe(ts.trace.origin);
      expect(back.summary.sorted, file).toBe(true);
      expect(rowsOf(back.trace), file).toEqual(rowsOf(ts.trace));
    }
    // Deterministic: the same input gives the same bytes.
    const again = `${dir}/again.parquet`;
    await ingestWithDuckDB([fixture('traces', cases[3][1])], loadPreset('burstgpt'), again, { maxRejectRatio: 0.01 });
    expect(readFileSync(again)).toEqual(readFileSync(`${dir}/burstgpt-burstgpt3_slice.csv.parquet`));
    // CLI: rejects above the ratio write nothing and exit 1; non-Parquet output is refused.
    const bad = parseMapping({ columns: { timestamp: 'ts', input_tokens: 'session' }, timestamp: { unit: 's' } }, 'm');
    const r = await ingestWithDuckDB([fixture('formats', 'trace.csv')], bad, `${dir}/no.parquet`, { maxRejectRatio: 0.01 });
    expect(r.written).toBeNull();
    const { existsSync } = await import('node:fs');
    expect(existsSync(`${dir}/no.parquet`)).toBe(false);
    expect((await runCli('ingest', fixture('formats', 'trace.csv'), '--preset', 'burstgpt', '--engine', 'duckdb', '--out', `${dir}/x.jsonl`)).code).toBe(2);
    // --rejects with no row rejected: an empty file, as the TypeScript engine writes.
    expect((await runCli('ingest', fixture('traces', cases[3][1]), '--preset', 'burstgpt', '--engine', 'duckdb', '--out', `${dir}/x.parquet`, '--rejects', `${dir}/r.jsonl`, '--quiet')).code).toBe(0);
    expect(readFileSync(`${dir}/r.jsonl`, 'utf8')).toBe('');
    // --engine auto on a small input: the TypeScript engine, any output format.
    expect((await runCli('ingest', fixture('traces', cases[3][1]), '--preset', 'burstgpt', '--engine', 'auto', '--out', `${dir}/auto.jsonl`, '--quiet')).code).toBe(0);
    const ok = await runCli('ingest', fixture('traces', cases[3][1]), '--preset', 'burstgpt', '--engine', 'duckdb', '--out', `${dir}/cli.parquet`, '--summary', `${dir}/s.json`, '--quiet');
    expect(ok.code).toBe(0);
    expect(JSON.parse(readFileSync(`${dir}/s.json`, 'utf8'))).toMatchObject({ engine: 'duckdb', rows_read: 400, rows_accepted: 400, sorted: true });
  });

  it('ingest --summary says whether the accepted rows were in time order as read, as the TypeScript engine does (it had no `sorted`)', async () => {
    const { tempDir } = await import('../helpers.js');
    const { writeFileSync, readFileSync } = await import('node:fs');
    const dir = tempDir();
    const lines = readFileSync(fixture('traces', cases[3][1]), 'utf8').trimEnd().split('\n');
    const [head, rows] = [lines[0], lines.slice(1)];
    const half = rows.length >> 1;
    // In order; one early row moved last; files in order but each later one earlier (out of
    // order only across files); a rejected row out of order (rejects do not count).
    const inputs: [string, string[]][] = [
      ['in-order', [rows.join('\n')]],
      ['one-late', [[...rows.slice(0, 10), ...rows.slice(11), rows[10]].join('\n')]],
      ['across-files', [rows.slice(half).join('\n'), rows.slice(0, half).join('\n')]],
      ['reject-back', [[...rows, rows[0].split(',').map((v, i) => (i === 4 ? 'abc' : v)).join(',')].join('\n')]],
    ];
    for (const [name, parts] of inputs) {
      const files = parts.map((p, i) => {
        const f = `${dir}/${name}-${i}.csv`;
        writeFileSync(f, `${head}\n${p}\n`);
        return f;
      });
      const got: Record<string, unknown> = {};
      for (const engine of ['ts', 'duckdb']) {
        const r = await runCli('ingest', ...files, '--preset', 'burstgpt', '--engine', engine, '--out', `${dir}/${name}-${engine}.parquet`, '--summary', `${dir}/${name}-${engine}.json`, '--max-reject-ratio', '0.5', '--quiet');
        expect(r.code, `${name} ${engine}: ${r.stderr}`).toBe(0);
        got[engine] = JSON.parse(readFileSync(`${dir}/${name}-${engine}.json`, 'utf8')).sorted;
      }
      expect(got, name).toEqual({ ts: name === 'in-order' || name === 'reject-back', duckdb: name === 'in-order' || name === 'reject-back' });
    }
  });

  it('our own traces (jsonl header line, CSV # servegen: lines, Parquet metadata): same rows, same origin, --origin shifts alike', async () => {
    const { tempDir } = await import('../helpers.js');
    const dir = tempDir();
    const mapping = loadPreset('servegen');
    for (const ext of ['jsonl', 'csv', 'parquet']) {
      const file = `${dir}/g.${ext}`;
      expect((await runCli('generate', fixture('profiles', 'essentials.json'), '--duration', '900', '--rate', 'constant:5', '--seed', '3', '--out', file, '--quiet')).code).toBe(0);
      const { trace, summary } = await ingestFiles({ inputs: [file], mapping });
      expect(trace.origin, ext).not.toBeNull();
      for (const origin of [undefined, Date.parse(trace.origin!) / 1000 - 3600]) {
        const duck = await summarizeWithDuckDB([file], mapping, { ...W, resolution: 1e-6, origin });
        expect(duck.rowsRead, ext).toBe(summary.rows_read);
        expect(duck.rejectsByReason, ext).toEqual({});
        let t = trace;
        if (origin !== undefined) {
          const shift = Date.parse(trace.origin!) / 1000 - origin;
          t = { ...trace, timestamp: trace.timestamp.map((x) => x + shift), origin: new Date(origin * 1000).toISOString() };
        }
        const ts = buildSummaries(t, { ...W, resolution: 1e-6 });
        expect(duck.summaries.origin, ext).toBe(ts.origin);
        expectEqualSummaries(ts, duck.summaries);
      }
    }
  });

  it('edge cases found by review agree with the TypeScript engine (whitespace, number forms, zones, calendar, numeric ids, missing JSON keys, files with different columns)', async () => {
    const { tempDir } = await import('../helpers.js');
    const { writeFileSync, mkdirSync, existsSync } = await import('node:fs');
    const dir = tempDir();
    const same = async (inputs: string[], mapping: ReturnType<typeof parseMapping>, label: string) => {
      const duck = await summarizeWithDuckDB(inputs, mapping, { ...W, resolution: 0.001 });
      const ts = await ingestFiles({ inputs, mapping });
      expect(duck.rejectsByReason, label).toEqual(ts.summary.rejects_by_reason);
      expect(duck.rowsRead, label).toBe(ts.summary.rows_read);
      expectEqualSummaries(buildSummaries(ts.trace, { ...W, resolution: 0.001 }), duck.summaries);
      return ts.summary;
    };
    // Tabs around values, digits with '_' (DuckDB reads 1_000), hex/binary/octal (Number() reads 0x10).
    const csv = `${dir}/nums.csv`;
    writeFileSync(csv, ['t,c,i,o', '1,a,5,6', '2,a\t,7,8', '3,\tb ,9,1', '4,a,1_000,2', '5,a,0x10,2', '6,a,0b11,3', '7,a, 12 ,+5', '1_0,a,1,1', '9,a,1e3,007', '10,a,\t4\t,1',
      // Out of int32 range, infinite, NaN, fractional: rejected by both (DuckDB's accepted-row test first must miss them).
      '11,a,2147483647,1', '12,a,2147483648,1', '13,a,Infinity,1', '14,a,1,NaN', '15,a,-Infinity,1', '16,a,2.5,1', 'inf,a,1,1', 'NaN,a,1,1'].join('\n') + '\n');
    const m = parseMapping({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i', output_tokens: 'o' }, timestamp: { unit: 's' } }, 'm');
    const s1 = await same([csv], m, 'numbers');
    expect(s1.rejects_by_reason).toEqual({ bad_number: 8, bad_timestamp: 3 });
    // Clients: blank and missing ones are 'unknown'; spaces around a name are not part of it.
    const blanks = `${dir}/blanks.csv`;
    writeFileSync(blanks, ['t,c,i,o', '1,,5,6', '2, ,7,8', '3,x,9,1', '4, x,1,2', '5,\t,1,1', '6,unknown,2,2', '7,y,-1,1', '8,z,  ,1', ' ,z,1,1', '9,z,\t,\t2 ', '10,z,\v,1',
      // Found by review: vertical tab / form feed at the edges, and Unicode spaces (not trimmed by either engine).
      '11,z,12\v,1', '\f,z,1,1', '\v12,z,1,1', '13,\vq,1,1', '14, \u00a0r,1,1', '15,z, 12\u00a0,1'].join('\n') + '\n');
    // (Blank numbers are absent, a blank time is missing; DuckDB parses ' 2' without trimming.)
    const sb = await same([blanks], m, 'blank clients and numbers');
    expect(sb.rejects_by_reason).toEqual({ negative_tokens: 1, missing_timestamp: 2, bad_number: 1 });
    // A client column typed as numbers (Parquet): 7 and 7.0 are one client, as JavaScript prints them; null is 'unknown'.
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run(`COPY (SELECT * FROM (VALUES (1.0, 7.0, 5), (2.0, NULL, 5), (3.0, 7.5, 5), (4.0, 7.0, 3), (5.0, 1e21, 2)) v(t, c, i)) TO '${dir}/numc.parquet'`);
    con.closeSync();
    db.closeSync();
    const numc = await same([`${dir}/numc.parquet`], parseMapping({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i' }, timestamp: { unit: 's' } }, 'm'), 'numeric clients');
    expect(numc.rows_accepted).toBe(5);
    // ISO: a named zone is refused (DuckDB would carry it to the next rows), Feb 30 does not roll over.
    const iso = `${dir}/iso.csv`;
    writeFileSync(iso, ['t,i', '2023-11-16 18:17:00,1', '2023-11-16 18:17:13 America/New_York,1', '2023-11-16 18:17:20,1', '2023-02-30 00:00:00,1', '2023-11-16T18:18:00Z,1', '2023-11-16 18:19:00 UTC,1'].join('\n') + '\n');
    const s2 = await same([iso], parseMapping({ columns: { timestamp: 't', input_tokens: 'i' }, timestamp: { unit: 'iso' } }, 'm'), 'iso');
    expect(s2.rejects_by_reason).toEqual({ bad_timestamp: 2 });
    // JSON lines: numeric client ids read as JavaScript prints them; a nested key some rows lack
    // is absent there, and an optional one no row has (reasoning tokens) is absent everywhere.
    // (A required nested key no row has is a typo, refused by both: test/cli/user-mistakes.test.ts.)
    const jl = `${dir}/j.jsonl`;
    writeFileSync(jl, ['{"created":1700000000,"user":1.5,"usage":{"prompt_tokens":3}}', '{"created":1700000001,"user":2,"usage":{"prompt_tokens":4,"completion_tokens":1}}', '{"created":1700000002,"user":2,"usage":{"prompt_tokens":5}}'].join('\n') + '\n');
    await same([jl], loadPreset('openai-usage'), 'jsonl');
    // Found by review: values of mixed types (DuckDB types the column JSON) — strings unquoted,
    // numbers as JavaScript prints them, a number given as text parsed — as the TypeScript reader.
    const mixed = `${dir}/mixed.jsonl`;
    writeFileSync(mixed, ['{"t":1,"c":"a","i":1}', '{"t":2,"c":7,"i":"2"}', '{"t":3,"c":"a","i":3}', '{"t":4,"c":7.0,"i":3}', '{"t":5,"c":7.5,"i":" 4"}', '{"t":6,"c":"7","i":"x"}'].join('\n') + '\n');
    const mm = parseMapping({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i' }, timestamp: { unit: 's' } }, 'm');
    const sm = await same([mixed], mm, 'mixed types');
    expect(sm.rejects_by_reason).toEqual({ bad_number: 1 });
    // Found by review: a valid U+FFFD is text like any other in both engines; bytes that are not
    // UTF-8 are rejected per row by the TypeScript engine and refused as a whole by DuckDB, which
    // says so, naming the file, and points to --engine ts.
    const fffd = `${dir}/fffd.csv`;
    writeFileSync(fffd, 't,c,m,s,i\n1,a\uFFFD,m\uFFFD,s1,5\n2,a\uFFFD,m,s\uFFFD,6\n3,b,m\uFFFD,s1,7\n');
    const mf = parseMapping({ columns: { timestamp: 't', client_id: 'c', model: 'm', session_id: 's', input_tokens: 'i' }, timestamp: { unit: 's' } }, 'm');
    expect((await same([fffd], mf, 'valid U+FFFD')).rows_accepted).toBe(3);
    const badBytes = `${dir}/bad-bytes.csv`;
    writeFileSync(badBytes, Buffer.concat([Buffer.from('t,c,m,s,i\n1,a,m,s1,5\n2,a,m,s'), Buffer.from([0xff]), Buffer.from('1,6\n')]));
    expect((await ingestFiles({ inputs: [badBytes], mapping: mf })).summary.rejects_by_reason).toEqual({ bad_encoding: 1 });
    await expect(summarizeWithDuckDB([badBytes], mf, W)).rejects.toThrow(/bad-bytes\.csv: .*not UTF-8.*--engine ts/);
    // Several files, an optional column only in the second (DuckDB read the first file's columns).
    mkdirSync(`${dir}/opt`);
    writeFileSync(`${dir}/opt/a.csv`, 't,i,o\n1,5,6\n2,5,6\n');
    writeFileSync(`${dir}/opt/b.csv`, 't,i,o,r\n3,5,6,2\n4,5,6,3\n');
    const mo = parseMapping({ columns: { timestamp: 't', input_tokens: 'i', output_tokens: 'o', reasoning_tokens: 'r' }, timestamp: { unit: 's' }, optional: ['reasoning_tokens'] }, 'm');
    await same([`${dir}/opt/a.csv`, `${dir}/opt/b.csv`], mo, 'optional column');
    // summarize --out DIR over the reject ratio writes nothing.
    writeFileSync(`${dir}/m.json`, JSON.stringify({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i', output_tokens: 'o' }, timestamp: { unit: 's' } }));
    const over = await runCli('summarize', csv, '--map', `${dir}/m.json`, '--engine', 'duckdb', '--out', `${dir}/scan`);
    expect(over.code).toBe(1);
    expect(existsSync(`${dir}/scan`)).toBe(false);
  });

  it('validate --engine duckdb gives the TypeScript engine\'s report (source by halves, generated shifted and floored to the clock)', async () => {
    const { tempDir } = await import('../helpers.js');
    const { readFileSync } = await import('node:fs');
    const { validateTraces } = await import('../../src/validate/validate.js');
    const { validateWithDuckDB } = await import('../../src/summary/duckdb-validate.js');
    const { loadThresholds } = await import('../../src/validate/thresholds.js');
    const dir = tempDir();
    // Azure conv (µs clock, generated from t = 0) and BurstGPT (1 s clock: generated times are
    // floored to it; generated from t = 600 s: shifted by the header's generator.start).
    for (const [preset, file, start, ext, extra] of [
      ['azure-llm-2023', 'azure-llm-2023/AzureLLMInferenceTrace_conv.csv', '0', 'jsonl', []],
      ['burstgpt', 'burstgpt/burstgpt3_slice.csv', '600', 'parquet', ['--naive']],
      // Generated with session labels: the session metrics are judged on both sides.
      ['burstgpt', 'burstgpt/burstgpt3_slice.csv', '600', 'csv', []],
    ] as [string, string, string, string, string[]][]) {
      const src = fixture('traces', file);
      expect((await runCli('fit', src, '--preset', preset, '--out', `${dir}/p-${preset}.json`, '--quiet')).code).toBe(0);
      const gen = `${dir}/g.${ext}`;
      expect((await runCli('generate', `${dir}/p-${preset}.json`, '--start', start, '--duration', '3600', '--seed', '5', '--out', gen, ...extra, '--quiet')).code).toBe(0);
      const thresholds = loadThresholds(undefined);
      const sourceMapping = loadPreset(preset);
      const ts = validateTraces(await ingestFiles({ inputs: [src], mapping: sourceMapping }), await ingestFiles({ inputs: [gen], mapping: loadPreset('servegen') }), thresholds, {
        baseline: await ingestFiles({ inputs: [gen], mapping: loadPreset('servegen') }),
      });
      const duck = await validateWithDuckDB({ inputs: [src], mapping: sourceMapping }, { inputs: [gen], mapping: loadPreset('servegen') }, thresholds, { baseline: { inputs: [gen], mapping: loadPreset('servegen') } });
      const strip = (r: typeof ts.report) => JSON.parse(JSON.stringify({ ...r, source: { ...r.source, file: [] }, generated: { ...r.generated, file: [] }, baseline: r.baseline ? { ...r.baseline, file: [] } : undefined }));
      expectClose(strip(ts.report), strip(duck.report));
      // A source whose lines are out of time order (the TypeScript engine sorts on ingest): same report.
      const { readFileSync: read, writeFileSync } = await import('node:fs');
      const [header, ...lines] = read(src, 'utf8').trimEnd().split(/\r?\n/);
      const reversed = `${dir}/reversed-${preset}.csv`;
      writeFileSync(reversed, [header, ...lines.reverse()].join('\n') + '\n');
      const duckReversed = await validateWithDuckDB({ inputs: [reversed], mapping: sourceMapping }, { inputs: [gen], mapping: loadPreset('servegen') }, thresholds, { baseline: { inputs: [gen], mapping: loadPreset('servegen') } });
      expectClose(strip(ts.report), strip(duckReversed.report));
      // The charts too (the rate series is where a wrong time shift shows).
      expectClose(JSON.parse(JSON.stringify(ts.charts)), JSON.parse(JSON.stringify(duck.charts)));
      expect(duck.report.pass, ext).toBe(ts.report.pass);
      expect(duck.report.failed, ext).toEqual(ts.report.failed);
      expect(duck.report.generated.time_offset_seconds).toBe(Number(start));
      expect(duck.report.clock_resolution_seconds).toBe(ts.report.clock_resolution_seconds);
      expect(Object.values(duck.report.metrics).filter((m) => m.value !== null).length, preset).toBeGreaterThan(5);
      if (preset === 'burstgpt') expect(duck.report.metrics.session_turns_mean_rel_err.value === null, ext).toBe(extra.includes('--naive'));
      expect(readFileSync(gen).length).toBeGreaterThan(0);
      // Through the CLI: same verdict (exit code) and JSON report from both engines.
      const cli = async (engine: string) => runCli('validate', src, gen, '--source-preset', preset, '--engine', engine, '--json', `${dir}/${engine}.json`, '--quiet');
      const [a, b] = [await cli('ts'), await cli('duckdb')];
      expect(b.code, b.stderr).toBe(a.code);
      expectClose(strip(JSON.parse(readFileSync(`${dir}/ts.json`, 'utf8'))), strip(JSON.parse(readFileSync(`${dir}/duckdb.json`, 'utf8'))));
    }
  }, 60_000);

  it('counts a query\'s rows on worker threads exactly as on one (builderPass: sorted fallback, validate)', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const { builderPass } = await import('../../src/summary/duckdb.js');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    try {
      // 300 000 rows of 37 clients at ms times with ties, sorted by time.
      const sql = `SELECT CAST(hash(i) % 37 AS INTEGER) AS c, floor(i * 7.3 + (hash(i * 3) % 1000)) / 1000 AS t, CAST(hash(i * 5) % 9000 AS INTEGER) - 1 AS input_tokens, CAST(hash(i * 7) % 700 AS INTEGER) AS output_tokens FROM range(300000) r(i) ORDER BY t`;
      const options = { arrivalSeconds: 60, lengthSeconds: 900, resolution: 0.001, clients: Array.from({ length: 37 }, (_, k) => `c${k}`) };
      const one = await builderPass(con, sql, ['input_tokens', 'output_tokens'], options, null, 0);
      const many = await builderPass(con, sql, ['input_tokens', 'output_tokens'], options, null, 2);
      expect(one!.arrivals.length).toBeGreaterThan(1000);
      const plain = (x: typeof one) => JSON.stringify({ ...x, arrivals: x!.arrivals.map((a) => ({ ...arrivalFields(a), quant: [...a.quant], hist: [...a.hist], batches: [...(a.batches ?? [])], clusters: [...(a.clusters ?? [])] })), lengths: x!.lengths.map((l) => ({ ...l, fields: [...l.fields].map(([f, h]) => [f, [...h]]), joint: [...l.joint] })) });
      expect(plain(many) === plain(one)).toBe(true);
      // A stream that fails part-way ends like a complete one in DuckDB's API: the pass must
      // fail with the error, not count the rows before it (found by review).
      // (A failed cast part-way does that — error() is reported; rows in time order, unsorted.)
      const failing = sql
        .replace('AS output_tokens FROM', "AS output_tokens, CAST(CASE WHEN i = 250000 THEN 'abc' ELSE '0' END AS INTEGER) AS x FROM")
        .replace('floor(i * 7.3 + (hash(i * 3) % 1000)) / 1000', 'i / 1000')
        .replace(' ORDER BY t', '');
      for (const workers of [0, 2]) await expect(builderPass(con, failing, ['input_tokens', 'output_tokens'], options, null, workers)).rejects.toThrow(/abc/);
    } finally {
      con.closeSync();
      db.closeSync();
    }
  });

  it('passes doubles to SQL exactly (17-digit literals would be DECIMALs, sometimes one unit off)', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const { sqlDouble } = await import('../../src/summary/duckdb.js');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const xs = Array.from({ length: 2000 }, (_, i) => [1 + Math.sin(i + 1) ** 2 * 2, 1.7e9 + Math.cos(i) * 1e3, -Math.sin(i + 1) * 1e-7]).flat();
    const got = (await con.runAndReadAll(`SELECT ${xs.map((x, i) => `${sqlDouble(x)} AS v${i}`).join(', ')}`)).getRows()[0];
    expect(got).toEqual(xs);
    con.closeSync();
    db.closeSync();
  });

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

  it('typed Parquet columns (no text round trip): NaN, negative, fractional and null values are rejected as by the TypeScript engine', async () => {
    const { tempDir } = await import('../helpers.js');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const file = `${tempDir()}/typed.parquet`;
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run(`COPY (SELECT
        CASE WHEN i = 7 THEN 'NaN'::DOUBLE WHEN i = 8 THEN NULL ELSE i * 0.5 END AS ts,
        'c' || (i % 3) AS tenant,
        CASE WHEN i = 11 THEN -4 WHEN i = 12 THEN NULL ELSE i * 10 END::BIGINT AS prompt,
        CASE WHEN i = 13 THEN 2.5 WHEN i = 14 THEN 'inf'::DOUBLE ELSE i END::DOUBLE AS completion
      FROM range(400) r(i)) TO '${file}' (FORMAT parquet)`);
    const mapping = parseMapping({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'prompt', output_tokens: 'completion' }, timestamp: { unit: 's' } }, 'm');
    const duck = await summarizeWithDuckDB([file], mapping, W);
    const ts = await ingestFiles({ inputs: [file], mapping });
    expect(ts.summary.rejects_by_reason).toEqual({ bad_timestamp: 1, missing_timestamp: 1, negative_tokens: 1, bad_number: 2 });
    expect(duck.rejectsByReason).toEqual(ts.summary.rejects_by_reason);
    expect(duck.rowsRead).toBe(400);
    expect(duck.pass).toBe('stream'); // rejects counted in the one-pass scan
    expectEqualSummaries(buildSummaries(ts.trace, W), duck.summaries);
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
    expect(duck.pass).toBe('stream');
    expectEqualSummaries(buildSummaries(trace, opts), duck.summaries);
  }, 180_000);

  it('fit --engine duckdb writes a profile', async () => {
    const { tempDir } = await import('../helpers.js');
    const dir = tempDir();
    const r = await runCli('fit', fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv'), '--preset', 'azure-llm-2023', '--engine', 'duckdb', '--out', `${dir}/p.json`);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/duckdb scan: read 19366 rows.*; one pass in input order/);
  });

  it('summarize --engine duckdb --out DIR writes the warehouse layout; fit --summaries DIR equals the direct scan', async () => {
    const { tempDir } = await import('../helpers.js');
    const { readFileSync, readdirSync } = await import('node:fs');
    const { loadScanDirectory } = await import('../../src/summary/warehouse.js');
    const dir = tempDir();
    for (const [preset, file] of [cases[0], cases[3]]) {
      const out = `${dir}/${preset}-scan`;
      // With a tight DuckDB memory limit (it spills to a temporary directory): same results.
      const r = await runCli('summarize', fixture('traces', file), '--preset', preset, '--engine', 'duckdb', '--duckdb-memory', '64MB', '--resolution', '0.001', '--out', out);
      expect(r.code, r.stderr).toBe(0);
      expect(readdirSync(out).sort()).toEqual(['aggregate_buckets.parquet', 'arrivals.parquet', 'dispersion.parquet', 'gap_histograms.parquet', 'gap_memory.parquet', 'joint.parquet', 'lengths.parquet', 'scan.parquet']);
      const loaded = await loadScanDirectory(out);
      const direct = await summarizeWithDuckDB([fixture('traces', file)], loadPreset(preset), { ...W, resolution: 0.001 });
      expectEqualSummaries(direct.summaries, loaded.summaries);
      expect(loaded.summaries.origin).toBe(direct.summaries.origin);
      // And through the CLI: the same profile as fitting the raw log with the TypeScript engine.
      const a = await runCli('fit', '--summaries', out, '--out', `${dir}/${preset}-a.json`, '--quiet');
      expect(a.code, a.stderr).toBe(0);
      const json = `${dir}/${preset}-ts.json`;
      expect((await runCli('summarize', fixture('traces', file), '--preset', preset, '--resolution', '0.001', '--out', json, '--quiet')).code).toBe(0);
      expect((await runCli('fit', '--summaries', json, '--out', `${dir}/${preset}-b.json`, '--quiet')).code).toBe(0);
      const fromDir = JSON.parse(readFileSync(`${dir}/${preset}-a.json`, 'utf8')) as { clients: unknown[]; aggregate: unknown };
      const fromTs = JSON.parse(readFileSync(`${dir}/${preset}-b.json`, 'utf8')) as { clients: unknown[]; aggregate: unknown };
      expect(fromDir.clients.length).toBeGreaterThan(0);
      expectClose(fromTs.clients, fromDir.clients);
      // The aggregate rate model from the same 5-minute counts (aggregate_buckets.parquet).
      expect(fromDir.aggregate).toBeDefined();
      expectClose(fromTs.aggregate, fromDir.aggregate);
      // Deterministic: a second run writes the same bytes (JSON and Parquet).
      const again = `${dir}/${preset}-scan2`;
      expect((await runCli('summarize', fixture('traces', file), '--preset', preset, '--engine', 'duckdb', '--resolution', '0.001', '--out', again, '--quiet')).code).toBe(0);
      for (const f of readdirSync(out)) expect(readFileSync(`${again}/${f}`), f).toEqual(readFileSync(`${out}/${f}`));
      const j1 = `${dir}/${preset}-d1.json`;
      const j2 = `${dir}/${preset}-d2.json`;
      for (const j of [j1, j2]) expect((await runCli('summarize', fixture('traces', file), '--preset', preset, '--engine', 'duckdb', '--out', j, '--quiet')).code).toBe(0);
      expect(readFileSync(j2, 'utf8')).toBe(readFileSync(j1, 'utf8'));
      // An existing directory is never overwritten; the TypeScript engine writes JSON only.
      expect((await runCli('summarize', fixture('traces', file), '--preset', preset, '--engine', 'duckdb', '--out', out)).code).toBe(2);
      expect((await runCli('summarize', fixture('traces', file), '--preset', preset, '--out', `${dir}/ts-dir`)).code).toBe(2);
      // --engine auto: a directory comes from DuckDB whatever the input size.
      expect((await runCli('summarize', fixture('traces', file), '--preset', preset, '--engine', 'auto', '--out', `${dir}/${preset}-auto`, '--quiet')).code).toBe(0);
      expect((await runCli('summarize', fixture('traces', file), '--preset', preset, '--engine', 'duckdb', '--duckdb-memory', 'lots', '--out', `${dir}/m.json`)).stderr).toContain('--duckdb-memory: expected a size');
    }
  });

  it('summarize --out DIR counts clusters in SQL as the TypeScript builder: fan-out bursts, a run across a window boundary, times equal inside a run, gaps of exactly a threshold', async () => {
    const { tempDir } = await import('../helpers.js');
    const { exportScanWithDuckDB } = await import('../../src/summary/duckdb.js');
    const { loadScanDirectory } = await import('../../src/summary/warehouse.js');
    const dir = tempDir();
    const file = writeClusterLog(dir);
    const mapping = parseMapping(CLUSTER_LOG_MAPPING, 'm');
    const { trace } = await ingestFiles({ inputs: [file], mapping });
    // Runs of `size` at threshold k of a client: per window start, and in all.
    const runs = (s: TraceSummaries, client: string, size: number, k: number) => new Map(s.arrivals.filter((a) => a.client === client && a.clusters?.has(clusterKey(size, k))).map((a) => [a.start, a.clusters!.get(clusterKey(size, k))!]));
    const total = (m: Map<number, number>) => [...m.values()].reduce((x, y) => x + y, 0);
    for (const resolution of [1e-6, 1e-3]) {
      const out = `${dir}/scan-${resolution}`;
      await exportScanWithDuckDB([file], mapping, out, { ...W, resolution });
      const sql = (await loadScanDirectory(out)).summaries;
      const ts = buildSummaries(trace, { ...W, resolution });
      expectEqualSummaries(ts, sql);
      // Every burst one run at 10 and 100 ms, but the one across 1200 s: a window boundary ends
      // runs (partitions cut there merge exactly), so it is two, of its requests on either side.
      for (const k of [1, 2]) {
        const fan = runs(sql, 'fan', FAN_SIZE, k);
        expect(total(fan), `${resolution} ${k}`).toBe(FAN_BURSTS - 1);
        expect(fan.get(600), `${resolution} ${k}`).toBe(2);
        expect(fan.get(1200), `${resolution} ${k}`).toBe(1);
        const parts = sql.arrivals.filter((a) => a.client === 'fan' && (a.start === 600 || a.start === 1200)).map((a) => [...(a.clusters ?? [])].filter(([key]) => key % 4 === k && key !== clusterKey(FAN_SIZE, k)).map(([key]) => Math.floor(key / 4)));
        expect(parts.map((p) => p.length), `${resolution} ${k}`).toEqual([1, 1]);
        expect(parts[0][0] + parts[1][0], `${resolution} ${k}`).toBe(FAN_SIZE);
      }
      expect(sql.arrivals.some((a) => a.client === 'poisson' && a.clusters?.has(clusterKey(2, 2)))).toBe(true);
      // A gap of exactly 10 ms continues no run at 10 ms; 1 ms pairs do, and all pairs at 100 ms.
      expect(total(runs(sql, 'ms', 2, 1))).toBe(MS_PAIRS);
      expect(total(runs(sql, 'ms', 2, 2))).toBe(2 * MS_PAIRS);
      // A gap of exactly 1 ms at 1 ms: no run, on either clock (on the µs clock 1e-3 / 1e-6 is
      // 1000.0000000000001, which let a 1000-tick gap continue one until clusterTicks).
      expect(total(runs(sql, 'ms', 2, 0)), `${resolution}`).toBe(0);
    }
    // A directory written before clusters were counted (no 'c' rows) loads, without them.
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const { renameSync } = await import('node:fs');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const hist = `${dir}/scan-${1e-6}/gap_histograms.parquet`;
    await con.run(`COPY (SELECT * FROM '${hist}' WHERE kind <> 'c') TO '${hist}.old' (FORMAT parquet)`);
    con.closeSync();
    db.closeSync();
    renameSync(`${hist}.old`, hist);
    const older = (await loadScanDirectory(`${dir}/scan-${1e-6}`)).summaries;
    const ts = buildSummaries(trace, { ...W, resolution: 1e-6 });
    expect(older.arrivals.some((a) => a.clusters)).toBe(false);
    expectEqualSummaries({ ...ts, arrivals: ts.arrivals.map((a) => ({ ...arrivalFields(a), clusters: undefined })) }, older);
    // A kind this version does not know (a newer one's) is refused, not read as log bins (as
    // servegen before session 23 read 'c' rows), by the loader and by fit --summaries.
    const db2 = await DuckDBInstance.create(':memory:');
    const con2 = await db2.connect();
    await con2.run(`COPY (SELECT client, wi, CASE WHEN kind = 'b' THEN 'z' ELSE kind END AS kind, "key", c FROM '${hist}') TO '${hist}.new' (FORMAT parquet)`);
    con2.closeSync();
    db2.closeSync();
    renameSync(`${hist}.new`, hist);
    await expect(loadScanDirectory(`${dir}/scan-${1e-6}`)).rejects.toThrow(/gap histogram row of kind "z" \(client "(fan|poisson|ms)", window \d+\): this servegen reads kinds h, q, b and c/);
    const { runCli } = await import('../cli/run-cli.js');
    const r = await runCli('fit', '--summaries', `${dir}/scan-${1e-6}`, '--out', `${dir}/p.json`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('gap histogram row of kind "z"');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
