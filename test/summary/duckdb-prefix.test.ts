/**
 * hash_ids read by the DuckDB engine (src/summary/duckdb-prefix.ts): fit's prefix model,
 * validate's prefix-cache metrics and inspect's hit ratios used to be the TypeScript engine's
 * only, and `--engine auto` (DuckDB above 256 MB) dropped them with a note. The DuckDB pass must
 * give the TypeScript engine's rows with ids exactly: the same rows kept (rejected rows, blank
 * and bad values as TraceBuilder reads them), the same time order (ties in input order), the
 * same ids renumbered by first use, and so the same sections and statistics.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { poolSmallClients } from '../../src/fit/fit-trace.js';
import { prefixSections } from '../../src/fit/prefix.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping, type Mapping } from '../../src/ingest/mapping.js';
import type { Trace } from '../../src/ingest/trace.js';
import { writeTrace } from '../../src/ingest/write-trace.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { createRng } from '../../src/stats/rng.js';
import { pooledPrefixTrace, prefixRowsWithDuckDB } from '../../src/summary/duckdb-prefix.js';
import { prefixSideOf } from '../../src/validate/prefix.js';
import { runCli } from '../cli/run-cli.js';
import { fixture, tempDir } from '../helpers.js';

const SYNTHETIC = fixture('traces', 'mooncake', 'synthetic_trace.jsonl.gz');
const dir = tempDir();

/** A row of the test log: time (s), client, prompt and answer tokens, hash_ids as JSON text ('' none). */
type Row = [string, string, number, number, string];

/**
 * ~600 rows of 5 clients (two of them small, pooled below 5 rows), out of time order with ties,
 * ids from a few shared stems so prefixes repeat; among them blank, empty and bad values, texts,
 * `5` and `"5"` (one id), 64-bit ids, and a rejected row (bad time) whose ids must not count.
 */
function logRows(seed: number): Row[] {
  const rng = createRng(seed);
  const rows: Row[] = [];
  const clients = ['chat', 'docs', 'agent', 'tiny-1', 'tiny-2'];
  const sizes = [300, 200, 90, 3, 4];
  clients.forEach((c, k) => {
    for (let j = 0; j < sizes[k]; j++) {
      const stem = Math.floor(rng.next() * 6);
      const len = 1 + Math.floor(rng.next() * 5);
      const ids = [k * 100 + stem, ...Array.from({ length: len }, (_, m) => (rng.next() < 0.5 ? stem * 10 + m : 1000 + Math.floor(rng.next() * 40)))];
      // Times on a 10 ms clock over 30 min: ties happen.
      const t = (1.7e9 + Math.floor(rng.next() * 180000) / 100).toFixed(2);
      rows.push([t, c, 512 * ids.length - Math.floor(rng.next() * 400), 1 + Math.floor(rng.next() * 300), JSON.stringify(ids)]);
    }
  });
  // Shuffled: out of time order.
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  const odd: Row[] = [
    ['1700000100.00', 'chat', 700, 5, ''],
    ['1700000100.00', 'chat', 700, 5, '[]'],
    ['1700000101.00', 'chat', 700, 5, '[1, -2]'],
    ['1700000102.00', 'docs', 700, 5, 'abc'],
    ['1700000103.00', 'docs', 700, 5, '[1.5]'],
    ['1700000104.00', 'docs', 1100, 5, '["a1", "b2", "5"]'],
    ['1700000105.00', 'docs', 1100, 5, '["a1", "b2", 5]'],
    ['1700000106.00', 'agent', 1100, 5, '[18446744073709551615, 18446744073709551614]'],
    ['1700000107.00', 'agent', 1100, 5, '[18446744073709551615, 18446744073709551613]'],
    ['not-a-time', 'agent', 1100, 5, '[0, 1]'],
  ];
  odd.forEach((r, k) => rows.splice(17 + 41 * k, 0, r));
  return rows;
}

const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

function writeCsv(name: string, rows: Row[]): string {
  const file = join(dir, name);
  writeFileSync(file, ['ts,user,prompt,answer,ids', ...rows.map((r) => r.map((v) => csvCell(String(v))).join(','))].join('\n') + '\n');
  return file;
}

function writeJsonl(name: string, rows: Row[]): string {
  const file = join(dir, name);
  // The ids as JSON values (arrays, or the odd text as a string), 64-bit digits kept.
  const value = (s: string) => (s === '' ? 'null' : s.startsWith('[') ? s : JSON.stringify(s));
  writeFileSync(file, rows.map((r) => `{"ts":${/^\d/.test(r[0]) ? r[0] : JSON.stringify(r[0])},"user":${JSON.stringify(r[1])},"prompt":${r[2]},"answer":${r[3]},"ids":${value(r[4])}}`).join('\n') + '\n');
  return file;
}

const mapping = (extra: Record<string, unknown> = {}): Mapping => parseMapping({ columns: { timestamp: 'ts', client_id: 'user', input_tokens: 'prompt', output_tokens: 'answer', hash_ids: 'ids' }, timestamp: { unit: 's' }, block_tokens: 512, ...extra }, 'm');

/** Each row with ids as (time, client, prompt, ids), in trace order. */
function rowsWithIds(trace: Trace): [number, string, number, number[]][] {
  const h = trace.hashIds!;
  const out: [number, string, number, number[]][] = [];
  for (let i = 0; i < trace.n; i++) {
    if (h.offsets[i + 1] === h.offsets[i]) continue;
    out.push([trace.timestamp[i], trace.clientIds[trace.client[i]], trace.ints.input_tokens?.[i] ?? -1, [...h.ids.subarray(h.offsets[i], h.offsets[i + 1])]]);
  }
  return out;
}

/** Both engines on the same inputs: rows with ids, sections (pooled below 5) and statistics equal. */
async function expectSameAsTs(files: string[], m: Mapping, format?: 'csv' | 'jsonl' | 'parquet'): Promise<void> {
  const ts = await ingestFiles({ inputs: files, mapping: m, ...(format ? { format } : {}) });
  const dd = await prefixRowsWithDuckDB(files, m, format ? { format } : {});
  expect(dd?.trace).toBeDefined();
  const got = dd!.trace!;
  const want = rowsWithIds(ts.trace);
  expect(want.length).toBeGreaterThan(500);
  expect(rowsWithIds(got)).toEqual(want);
  expect(got.hashIds!.blockTokens).toBe(ts.trace.hashIds!.blockTokens);
  // Rows kept without ids: the same count as TraceBuilder's note.
  const note = ts.summary.notes?.find((n) => n.startsWith('hash_ids: ') && n.includes('not an array of block ids'));
  expect(note ?? '').toContain(`hash_ids: ${dd!.bad.rows} row`);
  const pooled = poolSmallClients(ts.trace, 5).trace;
  expect(prefixSections(pooledPrefixTrace(dd!, 5)!)).toEqual(prefixSections(pooled));
  expect([...prefixSections(pooled)!.keys()].sort()).toEqual(['agent', 'chat', 'docs', 'tail']);
  expect(prefixSideOf(got)).toEqual(prefixSideOf(ts.trace));
}

describe('hash_ids in the DuckDB engine', () => {
  const rows = logRows(7);

  it('reads a CSV (ids as JSON text) as the TypeScript engine does: rows, order, ids, bad values, sections, statistics', async () => {
    const file = writeCsv('log.csv', rows);
    await expectSameAsTs([file], mapping());
    const dd = await prefixRowsWithDuckDB([file], mapping(), {});
    // [1, -2], abc and [1.5] are bad; blank, [] and the rejected row's ids are not counted.
    expect(dd!.bad.rows).toBe(3);
    expect(dd!.bad.first).toContain('id 1: not a whole number ≥ 0 or a text: -2');
  });

  it('reads JSON lines (ids as arrays, 64-bit digits kept) and our own Parquet trace as the TypeScript engine does', async () => {
    await expectSameAsTs([writeJsonl('log.jsonl', rows)], mapping());
    // Our own trace (LIST<INT32> ids, renumbered) read back with the servegen preset.
    const ts = await ingestFiles({ inputs: [writeCsv('for-parquet.csv', rows)], mapping: mapping() });
    const pq = join(dir, 'own.parquet');
    await writeTrace(ts.trace, pq, 'parquet');
    const servegen = loadPreset('servegen');
    const back = await ingestFiles({ inputs: [pq], mapping: servegen });
    const dd = await prefixRowsWithDuckDB([pq], servegen, {});
    expect(rowsWithIds(dd!.trace!)).toEqual(rowsWithIds(back.trace));
    expect(prefixSideOf(dd!.trace!)).toEqual(prefixSideOf(back.trace));
  });

  it('reads 64-bit ids of JSON lines whose lists DuckDB would type DOUBLE[] (one [1.5] row), at the top and at a dotted path', async () => {
    // Only lists of numbers (no text among them): DuckDB typed the column by its sample as
    // DOUBLE[], and to_json printed 18446744073709551615 rounded, so both 64-bit rows were read
    // as bad (kept without ids) where the TypeScript engine reads their digits.
    const numeric = rows.filter((r) => r[4] === '' || /^\[[-\d., ]*\]$/.test(r[4]));
    expect(numeric.some((r) => r[4] === '[1.5]')).toBe(true);
    await expectSameAsTs([writeJsonl('numeric.jsonl', numeric)], mapping());
    const dd = await prefixRowsWithDuckDB([join(dir, 'numeric.jsonl')], mapping(), {});
    // [1, -2] and [1.5]: bad; the 64-bit rows read.
    expect(dd!.bad.rows).toBe(2);
    // The same in a struct (`req.ids`), beside fields read from it.
    const file = join(dir, 'nested.jsonl');
    writeFileSync(file, readFileSync(join(dir, 'numeric.jsonl'), 'utf8').replace(/"prompt":(\d+),"answer":(\d+),"ids":(.*)}$/gm, '"req":{"prompt":$1,"answer":$2,"ids":$3}}'));
    await expectSameAsTs([file], mapping({ columns: { timestamp: 'ts', client_id: 'user', input_tokens: 'req.prompt', output_tokens: 'req.answer', hash_ids: 'req.ids' } }));
  });

  it('reads 64-bit ids of a Parquet JSON column apart, and refuses a DOUBLE list\'s past 2^53, in both engines alike', async () => {
    // A Parquet file DuckDB wrote from JSON lines of mixed types: the ids column is JSON. The
    // TypeScript engine's reader parsed it with JSON.parse, so 18446744073709551615, …614 and …613
    // were one id (the DuckDB engine kept them apart).
    const con = await (await DuckDBInstance.create(':memory:')).connect();
    const src = writeJsonl('for-json-parquet.jsonl', rows);
    const pq = join(dir, 'json-column.parquet');
    await con.run(`COPY (SELECT * FROM read_json('${src}')) TO '${pq}'`);
    expect((await con.runAndReadAll(`SELECT typeof(ids) FROM '${pq}' LIMIT 1`)).getColumnsJS()[0][0]).toBe('JSON');
    await expectSameAsTs([pq], mapping());
    // A DOUBLE list holds no digits past 2^53: bad in both (the TypeScript engine had read
    // 18446744073709551615 and …614 as one text id "18446744073709551616").
    const dbl = join(dir, 'double-list.parquet');
    await con.run(`COPY (SELECT * FROM (VALUES (1.0, 'a', [18446744073709551615, 3]::DOUBLE[]), (2.0, 'a', [18446744073709551614]::DOUBLE[]), (3.0, 'a', [2]::DOUBLE[])) t(ts, user, ids)) TO '${dbl}'`);
    const m = parseMapping({ columns: { timestamp: 'ts', client_id: 'user', hash_ids: 'ids' }, timestamp: { unit: 's' } }, 'm');
    const ts = await ingestFiles({ inputs: [dbl], mapping: m });
    const dd = await prefixRowsWithDuckDB([dbl], m, {});
    expect(rowsWithIds(ts.trace)).toEqual([[3, 'a', -1, [0]]]);
    expect(rowsWithIds(dd!.trace!)).toEqual(rowsWithIds(ts.trace));
    expect(ts.summary.notes?.find((n) => n.includes('not an array of block ids'))).toBe(`hash_ids: 2 rows have a value that is not an array of block ids (whole numbers ≥ 0 or texts), kept without ids (one field's bad value: the request is not rejected); the first, ${dbl}:1: ${dd!.bad.first!.slice(dbl.length + 2)}`);
    expect(dd!.bad.first).toContain('is past 2^53');
  });

  it('hashes token ids block by block ({"token_blocks": col}) as the TypeScript engine does', async () => {
    const rng = createRng(3);
    const stems = Array.from({ length: 4 }, () => Array.from({ length: 9 }, () => Math.floor(rng.next() * 50000)));
    const lines = ['ts,user,tok'];
    for (let i = 0; i < 80; i++) {
      const toks = [...stems[i % 4].slice(0, 3 + (i % 7)), ...Array.from({ length: i % 5 }, () => Math.floor(rng.next() * 50000))];
      lines.push(`${i * 0.5},u${i % 3},"${JSON.stringify(toks)}"`);
    }
    lines.push('50,u1,"[1,2,-3]"');
    const file = join(dir, 'tokens.csv');
    writeFileSync(file, lines.join('\n') + '\n');
    const m = parseMapping({ columns: { timestamp: 'ts', client_id: 'user', hash_ids: { token_blocks: 'tok' } }, timestamp: { unit: 's' }, block_tokens: 4 }, 'm');
    const ts = await ingestFiles({ inputs: [file], mapping: m });
    const dd = await prefixRowsWithDuckDB([file], m, {});
    expect(rowsWithIds(dd!.trace!)).toEqual(rowsWithIds(ts.trace));
    expect(dd!.bad.rows).toBe(1);
    expect(prefixSideOf(dd!.trace!)!.hitRatio).toBeGreaterThan(0.2);
  });

  it('notes what the TypeScript engine notes of the ids (block sizes) in fit, validate and inspect, in its words', async () => {
    // 64-token blocks said for ids of ~512-token blocks: the block-size note. DuckDB's fit said
    // it as a warning, its validate and inspect not at all.
    const file = writeCsv('blocks.csv', rows.filter((r) => !r[4].includes('1.5') && !r[4].includes('-2') && r[4] !== 'abc'));
    const map = join(dir, 'blocks-map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'user', input_tokens: 'prompt', output_tokens: 'answer', hash_ids: 'ids' }, timestamp: { unit: 's' }, block_tokens: 64 }));
    const out = tempDir();
    const notes = async (engine: string) => {
      const runs = [
        await runCli('fit', file, '--map', map, '--engine', engine, '--out', `${out}/${engine}.json`),
        await runCli('validate', file, file, '--source-map', map, '--generated-map', map, '--engine', engine),
        await runCli('inspect', file, '--map', map, '--engine', engine, '--json'),
      ];
      return runs.map((r) => r.stderr.split('\n').filter((l) => l.includes('hash_ids')));
    };
    const ts = await notes('ts');
    expect(ts[0]).toEqual([expect.stringMatching(/^note: hash_ids: [\d.]+ % of the \d+ rows with ids .*"block_tokens"/)]);
    expect(ts[1]).toHaveLength(2);
    expect(await notes('duckdb')).toEqual(ts);
  }, 60_000);

  it('does not repeat the scan\'s notes (a unit detected, origins put on one) in its own pass', async () => {
    const file = writeCsv('auto.csv', rows);
    const map = join(dir, 'auto-map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'user', input_tokens: 'prompt', output_tokens: 'answer', hash_ids: 'ids' } }));
    const out = tempDir();
    const runs = [
      await runCli('fit', file, '--map', map, '--engine', 'duckdb', '--out', `${out}/f.json`),
      await runCli('inspect', file, '--map', map, '--engine', 'duckdb', '--json'),
      await runCli('validate', file, file, '--source-map', map, '--generated-map', map, '--engine', 'duckdb'),
    ];
    const units = runs.map((r) => r.stderr.split('\n').filter((l) => l.includes('timestamps: unit auto')));
    expect(units[0]).toHaveLength(1);
    expect(units[1]).toHaveLength(1);
    // (validate: one per side, named)
    expect(units[2].map((l) => l.split(':')[0])).toEqual([`source ${file}`, `generated ${file}`]);
  }, 60_000);

  it('gives nothing without a hash_ids mapping, or when no row has ids', async () => {
    const file = writeCsv('none.csv', rows.map((r) => [r[0], r[1], r[2], r[3], ''] as Row));
    expect(await prefixRowsWithDuckDB([file], parseMapping({ columns: { timestamp: 'ts', client_id: 'user' }, timestamp: { unit: 's' } }, 'm'), {})).toBeUndefined();
    const dd = await prefixRowsWithDuckDB([file], mapping(), {});
    expect(dd?.trace).toBeUndefined();
    // (chat: 300 rows and 3 of the odd ones)
    expect(dd?.clientRows.get('chat')).toBe(303);
  });

  it('fit, validate and inspect --engine duckdb give the TypeScript engine\'s prefix sections, metrics and hit ratios (Mooncake documents trace)', async () => {
    const out = tempDir();
    const fits: Record<string, unknown>[] = [];
    for (const engine of ['ts', 'duckdb']) {
      for (const anon of [[], ['--anonymize', '--min-client-requests', '0']]) {
        const r = await runCli('fit', SYNTHETIC, '--preset', 'mooncake', '--engine', engine, ...anon, '--out', `${out}/${engine}${anon.length}.json`);
        expect(r.code).toBe(0);
        expect(r.stderr).not.toContain('hash_ids');
        fits.push(JSON.parse(readFileSync(`${out}/${engine}${anon.length}.json`, 'utf8')) as Record<string, unknown>);
      }
    }
    const prefixOf = (p: Record<string, unknown>) => (p.clients as { prefix?: unknown }[]).map((c) => c.prefix);
    expect(prefixOf(fits[0])[0]).toBeDefined();
    expect(prefixOf(fits[2])).toEqual(prefixOf(fits[0]));
    expect(prefixOf(fits[3])).toEqual(prefixOf(fits[1]));
    // validate: the same report, prefix metrics judged in both.
    const gen = `${out}/gen.jsonl`;
    expect((await runCli('generate', `${out}/ts0.json`, '--duration', '1022', '--seed', '3', '--out', gen)).code).toBe(0);
    const reports: string[] = [];
    for (const engine of ['ts', 'duckdb']) {
      const r = await runCli('validate', SYNTHETIC, gen, '--source-preset', 'mooncake', '--engine', engine, '--json', `${out}/v-${engine}.json`);
      expect(r.stderr).not.toContain('not judged');
      reports.push(readFileSync(`${out}/v-${engine}.json`, 'utf8'));
    }
    expect(reports[1]).toBe(reports[0]);
    const metrics = (JSON.parse(reports[1]) as { metrics: Record<string, { value: number | null }> }).metrics;
    expect(metrics.prefix_hit_ratio_abs_err.value).toBeTypeOf('number');
    expect(metrics.prefix_lru_hit_ratio_abs_err.value).toBeTypeOf('number');
    // inspect: the same hit ratios.
    const inspect = async (engine: string) => (JSON.parse((await runCli('inspect', SYNTHETIC, '--preset', 'mooncake', '--engine', engine, '--json', '--quiet')).stdout) as { trace: { prefix?: unknown } }).trace.prefix;
    const p = await inspect('duckdb');
    expect(p).toBeDefined();
    expect(p).toEqual(await inspect('ts'));
  }, 120_000);

  it("reads several of our own traces together with each file's ids apart, as the TypeScript engine (JSON lines, CSV, Parquet)", async () => {
    // (they were left out, with a note: each file numbers its ids from 0, and read as one space
    // two files' block 0 would be one block)
    const ts = await ingestFiles({ inputs: [writeCsv('own-src.csv', rows)], mapping: mapping() });
    const servegen = loadPreset('servegen');
    for (const format of ['jsonl', 'csv', 'parquet'] as const) {
      const a = join(dir, `own-a.${format}`);
      const b = join(dir, `own-b.${format}`);
      await writeTrace(ts.trace, a, format);
      await writeTrace(ts.trace, b, format);
      const want = await ingestFiles({ inputs: [a, b], mapping: servegen });
      const got = await prefixRowsWithDuckDB([a, b], servegen, {});
      expect(got?.trace, format).toBeDefined();
      expect(rowsWithIds(got!.trace!), format).toEqual(rowsWithIds(want.trace));
      expect(prefixSections(got!.trace!), format).toEqual(prefixSections(want.trace));
      // Apart: twice one file's distinct blocks, and the second copy's requests no hits of the first's.
      const one = prefixSideOf(ts.trace)!;
      const two = prefixSideOf(got!.trace!)!;
      expect(two.distinct, format).toBe(2 * one.distinct);
      expect(two, format).toEqual(prefixSideOf(want.trace));
    }
    // Through the CLI: inspect, ingest and validate's generated side of several of them.
    const a = join(dir, 'own-a.jsonl');
    const b = join(dir, 'own-b.jsonl');
    const prefixOf = async (...args: string[]) => (JSON.parse((await runCli('inspect', a, b, '--json', '--quiet', ...args)).stdout) as { trace: { prefix?: unknown } }).trace.prefix;
    const inspected = await prefixOf('--engine', 'duckdb');
    expect(inspected).toBeDefined();
    expect(inspected).toEqual(await prefixOf());
    const out = tempDir();
    const i = await runCli('ingest', a, b, '--engine', 'duckdb', '--out', `${out}/both.parquet`);
    expect(i.code).toBe(0);
    const back = (await ingestFiles({ inputs: [`${out}/both.parquet`], mapping: servegen })).trace;
    expect(prefixSideOf(back)).toEqual(prefixSideOf((await ingestFiles({ inputs: [a, b], mapping: servegen })).trace));
    const gen = join(dir, 'own-gen');
    mkdirSync(gen, { recursive: true });
    await writeTrace(ts.trace, join(gen, 'a.jsonl'), 'jsonl');
    await writeTrace(ts.trace, join(gen, 'b.jsonl'), 'jsonl');
    const judged = async (engine: string) => {
      const v = await runCli('validate', SYNTHETIC, join(gen, '*.jsonl'), '--source-preset', 'mooncake', '--engine', engine, '--json', `${out}/v-${engine}.json`);
      expect(v.stderr).not.toContain('hash_ids of several of our own traces');
      return (JSON.parse(readFileSync(`${out}/v-${engine}.json`, 'utf8')) as { metrics: Record<string, { value: number | null }> }).metrics;
    };
    const d = await judged('duckdb');
    expect(d.prefix_hit_ratio_abs_err.value).toEqual(expect.any(Number));
    expect(d.prefix_hit_ratio_abs_err).toEqual((await judged('ts')).prefix_hit_ratio_abs_err);
  }, 60_000);
});
