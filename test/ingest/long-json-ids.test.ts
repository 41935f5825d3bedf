/**
 * 64-bit ids written as JSON numbers (snowflake ids: 1234567890123456789 and 1234567890123456790)
 * read as text with their digits as written, in both engines. JSON.parse makes one double of
 * both (1234567890123456800) and the DuckDB engine had read such columns through DOUBLE to
 * match it: two clients were fitted as one, without a word. CSV ids are text; Parquet INT64
 * columns keep every digit (checked here too).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { buildSummaries } from '../../src/summary/build.js';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { ingestWithDuckDB } from '../../src/summary/duckdb-ingest.js';
import { longIntegerText } from '../../src/io/json-text.js';
import { expectEqualSummaries } from '../summary/equal-summaries.js';
import { tempDir } from '../helpers.js';

const W = { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 0.001 };
const A = '1234567890123456789';
const B = '1234567890123456790';

type Trace = Awaited<ReturnType<typeof ingestFiles>>['trace'];
const clients = (t: Trace) => Array.from(t.client, (c) => t.clientIds[c]);
const texts = (t: Trace, f: 'session_id' | 'request_id' | 'model') => {
  const col = t.texts[f];
  return col ? Array.from(col.index, (k) => (k < 0 ? undefined : col.values[k])) : undefined;
};

/** The DuckDB engine's trace (ingest --engine duckdb), read back. */
async function duckTrace(files: string[], m: ReturnType<typeof parseMapping>): Promise<Trace> {
  const out = join(tempDir(), 'duck.parquet');
  await ingestWithDuckDB(files, m, out, { maxRejectRatio: 0 });
  return (await ingestFiles({ inputs: [out], mapping: loadPreset('servegen') })).trace;
}

/** Both engines: the same ids row by row, and equal window summaries (issue 7). */
async function bothEngines(files: string[], m: ReturnType<typeof parseMapping>): Promise<Trace> {
  const ts = (await ingestFiles({ inputs: files, mapping: m })).trace;
  const d = await duckTrace(files, m);
  expect(clients(d)).toEqual(clients(ts));
  for (const f of ['session_id', 'request_id', 'model'] as const) expect(texts(d, f)).toEqual(texts(ts, f));
  const duck = await summarizeWithDuckDB(files, m, W);
  expectEqualSummaries(buildSummaries(ts, W), duck.summaries);
  return ts;
}

describe('JSON numbers past 2^53 read as ids', () => {
  it('longIntegerText: an integer literal past 2^53 − 1 at a key, as written; none for a fraction, an exponent or a safe integer', () => {
    const rec = `{"c": ${A}, "n": -${B}, "u": {"s": 18446744073709551615}, "f": 1234567890123456789.0, "e": 1.2e18, "k": 12345, "t": "${A}"}`;
    expect(longIntegerText(rec, 'c', [])).toBe(A);
    expect(longIntegerText(rec, 'n', [])).toBe(`-${B}`);
    expect(longIntegerText(rec, 'u', ['s'])).toBe('18446744073709551615');
    for (const k of ['f', 'e', 'k', 'missing']) expect(longIntegerText(rec, k, [])).toBeUndefined();
    expect(longIntegerText('{"c": 1', 'c', [])).toBeUndefined();
  });

  it('two snowflake client ids one apart are two clients, with their digits, in both engines (a column of integers: DuckDB BIGINT)', async () => {
    const file = join(tempDir(), 'snow.jsonl');
    const rows = Array.from({ length: 120 }, (_, k) => `{"ts": ${k * 2.5}, "client": ${k % 3 === 0 ? B : A}, "in": ${10 + k}, "out": ${k % 7}}`);
    writeFileSync(file, rows.join('\n') + '\n');
    const m = parseMapping({ columns: { timestamp: 'ts', client_id: 'client', input_tokens: 'in', output_tokens: 'out' } }, 'm');
    const ts = await bothEngines([file], m);
    expect([...ts.clientIds].sort()).toEqual([A, B]);
    expect(clients(ts).filter((c) => c === B)).toHaveLength(40);
  });

  it('a column of mixed numbers (DuckDB DOUBLE: no digits left, read as JSON), one past 64 bits, negatives, texts, nested paths and coalesce: the same texts in both engines', async () => {
    const file = join(tempDir(), 'mixed.jsonl');
    const ids = [A, B, '1.5', '18446744073709551616', `-${A}`, '"abc"', '1.2345678901234567e18', '12345', '123456789012345678901234567890'];
    const rows = Array.from({ length: 90 }, (_, k) => {
      const id = ids[k % ids.length];
      const session = k % 4 === 0 ? 'null' : k % 2 ? '9007199254740993' : '9007199254740992';
      return `{"ts": ${k}, "client": ${id}, "u": {"s": ${session}, "r": ${k % 5 === 0 ? `"req-${k}"` : `${B.slice(0, -2)}${String(k).padStart(2, '0')}`}}, "alt": ${A}, "in": 5, "out": 3}`;
    });
    writeFileSync(file, rows.join('\n') + '\n');
    const m = parseMapping(
      { columns: { timestamp: 'ts', client_id: 'client', session_id: { coalesce: ['u.s', 'alt'] }, request_id: 'u.r', model: ['client', 'alt'], input_tokens: 'in', output_tokens: 'out' }, separator: '/' },
      'm',
    );
    const ts = await bothEngines([file], m);
    expect([...ts.clientIds].sort()).toEqual([A, B, `-${A}`, '1.5', '12345', '1234567890123456800', '123456789012345678901234567890', '18446744073709551616', 'abc'].sort());
    // The session: 2^53 + 1 is not 2^53; a null falls to `alt`, with its digits.
    expect(new Set(texts(ts, 'session_id'))).toEqual(new Set(['9007199254740993', '9007199254740992', A]));
    expect(texts(ts, 'request_id')!.slice(1, 3)).toEqual([`${B.slice(0, -2)}01`, `${B.slice(0, -2)}02`]);
    expect(texts(ts, 'model')![0]).toBe(`${A}/${A}`);
  });

  it('the row filter reads the digits too; a keep list with a number past 2^53 is refused (its digits are gone)', async () => {
    const file = join(tempDir(), 'filter.jsonl');
    writeFileSync(file, Array.from({ length: 30 }, (_, k) => `{"ts": ${k}, "tenant": ${k % 2 ? A : B}, "in": 5}`).join('\n') + '\n');
    const m = parseMapping({ columns: { timestamp: 'ts', filter: 'tenant', input_tokens: 'in' }, keep: [A] }, 'm');
    const ts = await ingestFiles({ inputs: [file], mapping: m });
    expect(ts.summary.rows_accepted).toBe(15);
    expect(ts.summary.rejects_by_reason).toEqual({ excluded: 15 });
    const duck = await summarizeWithDuckDB([file], m, W);
    expect(duck.rejectsByReason).toEqual({ excluded: 15 });
    expect(() => parseMapping(JSON.parse(`{"columns": {"timestamp": "ts", "filter": "tenant"}, "keep": [${A}]}`), 'm.json')).toThrow(/keep: 1234567890123456800 is a number past 2\^53, whose digits a JSON number does not keep: give it as a text/);
  });

  it('CSV ids are texts, and Parquet INT64 ids keep every digit, in both engines', async () => {
    const dir = tempDir();
    const csv = join(dir, 'ids.csv');
    writeFileSync(csv, ['ts,client,in', ...Array.from({ length: 40 }, (_, k) => `${k},${k % 2 ? A : B},5`)].join('\n') + '\n');
    const mc = parseMapping({ columns: { timestamp: 'ts', client_id: 'client', input_tokens: 'in' } }, 'm');
    expect([...(await bothEngines([csv], mc)).clientIds].sort()).toEqual([A, B]);
    const parquet = join(dir, 'ids.parquet');
    const con = await (await DuckDBInstance.create(':memory:')).connect();
    await con.run(`COPY (SELECT k::DOUBLE AS ts, CASE WHEN k % 2 = 1 THEN ${A}::BIGINT ELSE ${B}::BIGINT END AS client, 5::BIGINT AS "in" FROM range(40) t(k)) TO '${parquet}' (FORMAT parquet)`);
    con.closeSync();
    expect([...(await bothEngines([parquet], mc)).clientIds].sort()).toEqual([A, B]);
  });
});
