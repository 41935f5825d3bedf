import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';

describe('our own traces with different origins read as one trace', () => {
  const trace = (dir: string, name: string, origin: string | null, times: number[], client = 'a') => {
    const f = join(dir, name);
    const rows = [JSON.stringify({ servegen: { format: 'servegen-trace', version: 1, origin } })];
    times.forEach((t, i) => rows.push(JSON.stringify({ timestamp: t, client_id: client, input_tokens: 10 + i })));
    writeFileSync(f, rows.join('\n') + '\n');
    return f;
  };
  const steps = (n: number, dt: number, from = 0) => Array.from({ length: n }, (_, i) => from + i * dt);

  it('absolute origins: the TypeScript engine counts every time from the earliest origin, and says so', async () => {
    const dir = tempDir();
    // Ingested apart (a day's log each, say): each counts from its own first second.
    const a = trace(dir, 'a.jsonl', '2023-11-16T18:17:03.000Z', [0.25, 1.5, 3.000001], 'code');
    const b = trace(dir, 'b.jsonl', '2023-11-16T18:15:46.000Z', [0, 2.125, 58.264599, 90.5], 'conv');
    const c = trace(dir, 'c.jsonl', '2023-11-16T18:20:00.500Z', [0.5], 'code');
    const r = await ingestFiles({ inputs: [a, b, c], mapping: loadPreset('servegen') });
    expect(r.trace.origin).toBe('2023-11-16T18:15:46.000Z');
    // Every request at its own instant: a's 77 s, c's 254.5 s after b's origin.
    const at = Array.from(r.trace.timestamp);
    expect(at).toEqual([0, 2.125, 58.264599, 0.25 + 77, 1.5 + 77, 3.000001 + 77, 90.5, 0.5 + 254.5]);
    expect(Array.from(r.trace.client, (k) => r.trace.clientIds[k])).toEqual(['conv', 'conv', 'conv', 'code', 'code', 'code', 'conv', 'code']);
    expect(r.summary.origin).toBe('2023-11-16T18:15:46.000Z');
    expect(r.summary.notes).toEqual([`traces counting from different origins are counted from the earliest, 2023-11-16T18:15:46.000Z (${b}'s): ${a} +77 s, ${c} +254.5 s`]);
    // The earliest trace's own times are as written, bit for bit (each row moved once, by its
    // file's offset from the earliest: found by review, they came out 58.26459900000009).
    const alone = await ingestFiles({ inputs: [b], mapping: loadPreset('servegen') });
    expect(at.filter((_, i) => r.trace.clientIds[r.trace.client[i]] === 'conv')).toEqual(Array.from(alone.trace.timestamp));
    // The earliest's header is the trace's (validate reads a generated trace's --start there).
    expect(r.meta?.origin).toBe('2023-11-16T18:15:46.000Z');
    // The same instants read in another order: the same trace.
    const again = await ingestFiles({ inputs: [b, c, a], mapping: loadPreset('servegen') });
    expect(Array.from(again.trace.timestamp)).toEqual(at);
    expect(again.trace.origin).toBe(r.trace.origin);
    // The CLI says it in a note; the profile fitted from them counts from the earliest origin too.
    const fit = await runCli('fit', a, b, c, '--out', join(dir, 'p.json'));
    expect(fit.code).toBe(0);
    expect(fit.stderr).toMatch(/^note: traces counting from different origins are counted from the earliest, 2023-11-16T18:15:46\.000Z/m);
  });

  it('the DuckDB engine reads them as the TypeScript engine does, jsonl, CSV and Parquet: the same times to the bit, origin, summaries and profile', async () => {
    const dir = tempDir();
    // Three traces ingested apart, each of two clients with lengths, at times that are no round
    // numbers (an offset added twice, or to another time, would show in the last bits).
    const own = (name: string, origin: string, n: number, seed: number) => {
      const f = join(dir, `${name}.jsonl`);
      const rows = [JSON.stringify({ servegen: { format: 'servegen-trace', version: 1, origin } })];
      for (let k = 0; k < n; k++) {
        const t = k * 0.7310009 + ((k * seed) % 13) * 0.000123457 + seed * 0.0000371;
        rows.push(JSON.stringify({ timestamp: t, client_id: k % 3 === 0 ? 'code' : 'conv', input_tokens: 100 + ((k * 37 + seed) % 900), output_tokens: 5 + ((k * 11 + seed) % 300) }));
      }
      writeFileSync(f, rows.join('\n') + '\n');
      return f;
    };
    const jsonl = [own('a', '2023-11-16T18:17:03.000Z', 400, 3), own('b', '2023-11-16T18:15:46.000Z', 500, 5), own('c', '2023-11-16T18:20:00.500Z', 300, 7)];
    const servegen = loadPreset('servegen');
    for (const format of ['jsonl', 'csv', 'parquet']) {
      // Our CSV and Parquet traces, as `ingest --out` writes them (each keeps its origin).
      const files = format === 'jsonl' ? jsonl : jsonl.map((f) => f.replace(/\.jsonl$/, `.${format}`));
      if (format !== 'jsonl') for (const [i, f] of files.entries()) expect((await runCli('ingest', jsonl[i], '--out', f, '--quiet')).code, f).toBe(0);
      const read: Record<string, { times: Buffer; clients: string[]; origin: string | null; meta?: Record<string, unknown> }> = {};
      const summaries: Record<string, unknown> = {};
      const profiles: Record<string, Record<string, unknown>> = {};
      for (const engine of ['ts', 'duckdb']) {
        const out = join(dir, `${format}-${engine}.parquet`);
        const r = await runCli('ingest', ...files, '--out', out, '--engine', engine);
        expect(r.code, `${format} ${engine}: ${r.stderr}`).toBe(0);
        expect(r.stderr, `${format} ${engine}`).toContain(`note: traces counting from different origins are counted from the earliest, 2023-11-16T18:15:46.000Z (${files[1]}'s): ${files[0]} +77 s, ${files[2]} +254.5 s\n`);
        // Read back: rows by time (no two at one time), and the origin in its metadata.
        const back = await ingestFiles({ inputs: [out], mapping: servegen });
        read[engine] = { times: Buffer.from(back.trace.timestamp.buffer), clients: Array.from(back.trace.client, (k) => back.trace.clientIds[k]), origin: back.trace.origin, meta: back.meta };
        const json = join(dir, `${format}-${engine}-summaries.json`);
        const sum = await runCli('summarize', ...files, '--engine', engine, '--out', json);
        expect(sum.code, `${format} ${engine}`).toBe(0);
        // Said once (the DuckDB engine opens the inputs twice when their rows are out of order, as here).
        expect(sum.stderr.split('note: traces counting from different origins').length, `${format} ${engine}: ${sum.stderr}`).toBe(2);
        summaries[engine] = JSON.parse(readFileSync(json, 'utf8'));
        const profile = join(dir, `${format}-${engine}-profile.json`);
        expect((await runCli('fit', ...files, '--engine', engine, '--out', profile, '--quiet')).code, `${format} ${engine}`).toBe(0);
        profiles[engine] = JSON.parse(readFileSync(profile, 'utf8'));
      }
      expect(read.ts.times.length, format).toBe(1200 * 8);
      expect(read.duckdb.times.equals(read.ts.times), `${format}: times bit for bit`).toBe(true);
      expect(read.duckdb.clients, format).toEqual(read.ts.clients);
      expect(read.duckdb.origin, format).toBe('2023-11-16T18:15:46.000Z');
      expect(read.ts.origin, format).toBe('2023-11-16T18:15:46.000Z');
      expect(read.duckdb.meta?.origin, format).toBe(read.ts.meta?.origin);
      // The earliest trace's own times as written, bit for bit (one addition per shifted row).
      const alone = await ingestFiles({ inputs: [files[1]], mapping: servegen });
      const times = new Float64Array(read.duckdb.times.buffer, read.duckdb.times.byteOffset, read.duckdb.times.length / 8);
      expect(Array.from(times).filter((t) => t < 77), format).toEqual(Array.from(alone.trace.timestamp).filter((t) => t < 77));
      expect(summaries.duckdb, `${format}: summaries`).toEqual(summaries.ts);
      // The same profile (`created` from SOURCE_DATE_EPOCH or now; the engine recorded by name).
      const same = (p: Record<string, unknown>) => JSON.parse(JSON.stringify(p, (k, v: unknown) => (k === 'created' || k === 'engine' ? undefined : v)));
      expect(same(profiles.duckdb), `${format}: profile`).toEqual(same(profiles.ts));
    }
  });

  it('generated traces of one profile made with different --start validate the same in any order (the first file\'s --start was taken for all: found by review)', async () => {
    const dir = tempDir();
    const src = join(import.meta.dirname, '..', '..', 'fixtures', 'traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv');
    const profile = join(dir, 'p.json');
    expect((await runCli('fit', src, '--preset', 'azure-llm-2023', '--out', profile, '--quiet')).code).toBe(0);
    // The same two draws under names that glob in either order (validate takes one pattern).
    const reports: { pass: boolean; metrics: Record<string, { value: number | null }> }[] = [];
    for (const [k, starts] of [['1800', '0'], ['0', '1800']].entries()) {
      const sub = join(dir, `order-${k}`);
      mkdirSync(sub);
      for (const [i, start] of starts.entries()) expect((await runCli('generate', profile, '--start', start, '--duration', '1800', '--out', join(sub, `g-${i}.jsonl`), '--quiet')).code).toBe(0);
      // Either engine (the DuckDB engine refused the draws' two origins before it shifted them too).
      for (const engine of ['ts', 'duckdb']) {
        const json = join(dir, `v${k}-${engine}.json`);
        const r = await runCli('validate', src, join(sub, 'g-*.jsonl'), '--source-preset', 'azure-llm-2023', '--engine', engine, '--json', json, '--quiet');
        expect(r.code, `${engine}: ${r.stderr}`).toBe(0);
        reports.push(JSON.parse(readFileSync(json, 'utf8')));
      }
    }
    for (const r of reports) expect(r.metrics.rate_mape.value).toBe(reports[0].metrics.rate_mape.value);
    expect(reports.every((r) => r.pass)).toBe(true);
  });

  it('generated traces whose --start has digits past the millisecond are read together where they were generated, by either engine, and the Azure layout\'s dates are theirs (the origin was cut to the millisecond: 0.7 ms off)', async () => {
    const dir = tempDir();
    const profile = join(import.meta.dirname, '..', '..', 'fixtures', 'profiles', 'essentials.json');
    const g0 = join(dir, 'g0.jsonl');
    const g1 = join(dir, 'g1.jsonl');
    expect((await runCli('generate', profile, '--start', '0', '--duration', '20', '--out', g0, '--quiet')).code).toBe(0);
    expect((await runCli('generate', profile, '--start', '1200.4567', '--duration', '20', '--seed', '1', '--out', g1, '--quiet')).code).toBe(0);
    const header = (f: string) => JSON.parse(readFileSync(f, 'utf8').split('\n')[0]).servegen as Record<string, unknown>;
    expect(header(g0).origin).toBe('2025-03-03T00:00:00.000Z');
    expect(header(g1).origin).toBe('2025-03-03T00:20:00.4567Z');
    const times = (f: string) => readFileSync(f, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l).timestamp as number);
    const expected = [...times(g0), ...times(g1).map((t) => t + 1200.4567)].sort((x, y) => x - y);
    for (const engine of ['ts', 'duckdb']) {
      const out = join(dir, `both-${engine}.parquet`);
      const r = await runCli('ingest', g1, g0, '--out', out, '--engine', engine);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`(${g0}'s): ${g1} +1200.4567 s`);
      const back = await ingestFiles({ inputs: [out], mapping: loadPreset('servegen') });
      expect(Array.from(back.trace.timestamp), engine).toEqual(expected);
    }
    // The Azure layout writes each request's date: origin + its time, to the microsecond.
    const az = join(dir, 'g1.csv');
    expect((await runCli('generate', profile, '--start', '1200.4567', '--duration', '20', '--seed', '1', '--format', 'azure', '--out', az, '--quiet')).code).toBe(0);
    const first = readFileSync(az, 'utf8').split('\n')[1].split(',')[0];
    const us = Math.round((1200.4567 + times(g1)[0]) * 1e6);
    const ss = Math.floor(us / 1e6);
    expect(first).toBe(`2025-03-03 00:${String(Math.floor(ss / 60)).padStart(2, '0')}:${String(ss % 60).padStart(2, '0')}.${String(us - ss * 1e6).padStart(6, '0')}0`);
  });

  it('summarize --origin counts a generated trace whose origin has digits past the millisecond from that exact instant, by either engine (they were dropped: every time 0.7 ms early)', async () => {
    const dir = tempDir();
    const profile = join(import.meta.dirname, '..', '..', 'fixtures', 'profiles', 'essentials.json');
    const g1 = join(dir, 'g1.jsonl');
    expect((await runCli('generate', profile, '--start', '1200.4567', '--duration', '60', '--seed', '1', '--out', g1, '--quiet')).code).toBe(0);
    const t0 = JSON.parse(readFileSync(g1, 'utf8').split('\n')[1]).timestamp as number;
    const firsts: number[] = [];
    for (const engine of ['ts', 'duckdb']) {
      const out = join(dir, `s-${engine}.json`);
      const r = await runCli('summarize', g1, '--origin', '2025-03-03T00:00:00Z', '--engine', engine, '--out', out, '--quiet');
      expect(r.code, r.stderr).toBe(0);
      const s = JSON.parse(readFileSync(out, 'utf8')) as { span: { start: number } };
      expect(s.span.start, engine).toBeCloseTo(1200.4567 + t0, 6);
      firsts.push(s.span.start);
    }
    expect(firsts[1]).toBe(firsts[0]);
  });

  it('the same instant spelled two ways is one origin: no shift, no note, either engine', async () => {
    const dir = tempDir();
    const a = trace(dir, 'a.jsonl', '2024-01-01T00:00:00Z', steps(20, 1.5));
    const b = trace(dir, 'b.jsonl', '2024-01-01T00:00:00.000Z', steps(20, 1.5, 0.7));
    const r = await ingestFiles({ inputs: [a, b], mapping: loadPreset('servegen') });
    expect(r.summary.notes).toBeUndefined();
    for (const engine of ['ts', 'duckdb']) expect((await runCli('ingest', a, b, '--out', join(dir, `same-${engine}.parquet`), '--engine', engine, '--quiet')).code, engine).toBe(0);
  });

  it('one origin is one trace, with no note', async () => {
    const dir = tempDir();
    const a = trace(dir, 'a.jsonl', '2023-11-16T18:17:03.000Z', steps(20, 1.5));
    const c = trace(dir, 'c.jsonl', '2023-11-16T18:17:03.000Z', steps(20, 1.5, 0.7));
    const r = await ingestFiles({ inputs: [a, c], mapping: loadPreset('servegen') });
    expect(r.summary.notes).toBeUndefined();
    expect(r.trace.timestamp[1]).toBe(0.7);
    for (const engine of ['ts', 'duckdb']) expect((await runCli('ingest', a, c, '--out', join(dir, `ok-${engine}.parquet`), '--engine', engine, '--quiet')).code, engine).toBe(0);
  });

  it('are refused by name where they cannot be shifted, by either engine in the same words: relative times against absolute ones, another unit than seconds, a file without a header', async () => {
    const dir = tempDir();
    const a = trace(dir, 'a.jsonl', '2023-11-16T18:17:03.000Z', steps(20, 1.5));
    const b = trace(dir, 'b.jsonl', '2023-11-16T18:15:46.000Z', steps(20, 1.5));
    const rel = trace(dir, 'rel.jsonl', null, steps(20, 1.5));
    for (const engine of ['ts', 'duckdb']) {
      const r = await runCli('ingest', a, rel, '--out', join(dir, `x-${engine}.parquet`), '--engine', engine, '--quiet');
      expect(r.code, engine).toBe(2);
      expect(r.stderr, engine).toBe(
        `servegen: ${rel}: a servegen trace counting from origin none (relative times), read with ${a}, counting from 2023-11-16T18:17:03.000Z: times from two origins cannot be one trace; read them apart, or summarize each with the same --origin and fit --summaries\n`,
      );
    }
    // Times read in another unit than seconds are not shifted, and the message says why.
    const ms = join(dir, 'ms.json');
    writeFileSync(ms, JSON.stringify({ columns: { timestamp: 'timestamp', client_id: 'client_id' }, timestamp: { unit: 'ms' } }));
    for (const engine of ['ts', 'duckdb']) {
      const m = await runCli('ingest', a, b, '--map', ms, '--out', join(dir, 'ms.parquet'), '--engine', engine, '--quiet');
      expect(m.code, engine).toBe(2);
      expect(m.stderr, engine).toBe(
        `servegen: ${b}: a servegen trace counting from origin 2023-11-16T18:15:46.000Z, read with ${a}, counting from 2023-11-16T18:17:03.000Z: times from two origins are put on one only when read in seconds, as our traces are written, and the mapping reads them as ms (its requests would move by -77.000 s); give "timestamp": {"unit": "s"} (or --preset servegen)\n`,
      );
    }
    // A file without a header has no origin to be put on the earliest from (its rows landed at the first header's origin, which moved with the order of the files: found by review).
    const bare = join(dir, 'bare.jsonl');
    writeFileSync(bare, steps(5, 0.5).map((t) => JSON.stringify({ timestamp: t, client_id: 'x' })).join('\n') + '\n');
    for (const engine of ['ts', 'duckdb']) {
      for (const order of [[bare, a, b], [a, bare, b], [a, b, bare]]) {
        const x = await runCli('ingest', ...order, '--preset', 'servegen', '--out', join(dir, 'bare.parquet'), '--engine', engine, '--quiet');
        expect(x.code, `${engine} ${order.join(' ')}`).toBe(2);
        expect(x.stderr, engine).toBe(`servegen: ${bare}: no servegen header, read with servegen traces counting from different origins: its times count from none of them; read it apart, or ingest it with the others' origin first\n`);
      }
      // With traces of one origin it counts from theirs, as before.
      expect((await runCli('ingest', bare, a, '--preset', 'servegen', '--out', join(dir, `bare-one-${engine}.parquet`), '--engine', engine, '--quiet')).code, engine).toBe(0);
    }
    // One without rows moves nothing: read (our CSV traces, with a CSV of a header line only).
    const [ac, bc, empty] = ['a.csv', 'b.csv', 'empty.csv'].map((f) => join(dir, f));
    for (const [from, to] of [[a, ac], [b, bc]]) expect((await runCli('ingest', from, '--out', to, '--quiet')).code).toBe(0);
    writeFileSync(empty, 'timestamp,client_id\n');
    const times: Buffer[] = [];
    for (const engine of ['ts', 'duckdb']) {
      const out = join(dir, `empty-${engine}.parquet`);
      expect((await runCli('ingest', ac, empty, bc, '--preset', 'servegen', '--out', out, '--engine', engine, '--quiet')).code, engine).toBe(0);
      const back = await ingestFiles({ inputs: [out], mapping: loadPreset('servegen') });
      expect(back.trace.origin, engine).toBe('2023-11-16T18:15:46.000Z');
      times.push(Buffer.from(back.trace.timestamp.buffer));
    }
    expect(times[1].equals(times[0])).toBe(true);
  });
});
