import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { buildSummaries } from '../../src/summary/build.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { textsThroughSql } from './texts-through-sql.js';
import { LENGTH_TEXTS, expectedLengthRow, randomJsonArrayTexts } from './parity-cases.js';
import { expectEqualSummaries } from './equal-summaries.js';
import { tempDir } from '../helpers.js';

const W = { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 0.001 };

const expectedRow = expectedLengthRow;

/** The same through the DuckDB scan's own SQL (rowsSql) over a table of the texts. */
async function duckRows(texts: string[]): Promise<[number, number | null, string | null][]> {
  const mapping = { columns: { timestamp: 'n', input_tokens: { length: 'x' } }, timestamp: { unit: 's' } };
  return (await textsThroughSql(texts, mapping, 'CAST(t AS INTEGER), CAST(input_tokens AS INTEGER), reason')) as [number, number | null, string | null][];
}

const TEXTS = LENGTH_TEXTS;

describe('DuckDB engine: {"length": col} counts what the TypeScript engine counts', () => {
  it('text columns (CSV, JSON strings) holding JSON arrays: their items (DuckDB counted characters); other text is a bad number; a blank is absent', async () => {
    // Every text, through the scan's own SQL, against the TypeScript rule.
    const expected = TEXTS.map((x, n) => expectedRow(x, n));
    expect(await duckRows(TEXTS)).toEqual(expected);
    expect(expected.filter((r) => r[2] === null && r[1] !== null)).toHaveLength(16);

    // Files, both engines: CSV text, JSON strings, JSON lists, a JSON column of mixed types
    // (lists, strings, numbers, objects), Parquet lists and numbers.
    const dir = tempDir();
    const csv = `${dir}/l.csv`;
    const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
    writeFileSync(csv, ['t,c,x', ...TEXTS.map((x, k) => `${k},c${k % 2},${quote(x)}`)].join('\n') + '\n');
    const strings = `${dir}/strings.jsonl`;
    writeFileSync(strings, TEXTS.map((x, k) => JSON.stringify({ t: k, c: `c${k % 2}`, x })).join('\n') + '\n');
    const lists = `${dir}/lists.jsonl`;
    writeFileSync(lists, [[1, 2], [], [3], null, [[1], [2]]].map((x, k) => JSON.stringify({ t: k, c: 'a', x })).join('\n') + '\n');
    const mixed = `${dir}/mixed.jsonl`;
    writeFileSync(mixed, [[1, 2], '[1,2,3]', 5, { a: 1 }, '', null, 'abc', '[1,]', [], true].map((x, k) => JSON.stringify({ t: k, c: 'a', x })).join('\n') + '\n');
    const db2 = await DuckDBInstance.create(':memory:');
    const con2 = await db2.connect();
    await con2.run(`COPY (SELECT * FROM (VALUES (1, 'a', [1, 2, 3]), (2, 'a', []), (3, 'b', NULL), (4, 'b', [4]), (5, 'a', [NULL, 5])) v(t, c, x)) TO '${dir}/lists.parquet'`);
    await con2.run(`COPY (SELECT * FROM (VALUES (1, 'a', 3), (2, 'a', NULL), (3, 'b', 7)) v(t, c, x)) TO '${dir}/numbers.parquet'`);
    con2.closeSync();
    db2.closeSync();
    const mapping = parseMapping({ columns: { timestamp: 't', client_id: 'c', input_tokens: { length: 'x' } }, timestamp: { unit: 's' } }, 'm');
    const rejects: Record<string, Record<string, number>> = {};
    for (const file of [csv, strings, lists, mixed, `${dir}/lists.parquet`, `${dir}/numbers.parquet`]) {
      const d = await summarizeWithDuckDB([file], mapping, W);
      const ts = await ingestFiles({ inputs: [file], mapping });
      expect(d.rowsRead, file).toBe(ts.summary.rows_read);
      expect(d.rejectsByReason, file).toEqual(ts.summary.rejects_by_reason);
      expectEqualSummaries(buildSummaries(ts.trace, W), d.summaries);
      rejects[file.slice(dir.length + 1)] = ts.summary.rejects_by_reason;
    }
    expect(rejects).toEqual({ 'l.csv': { bad_number: 17 }, 'strings.jsonl': { bad_number: 17 }, 'lists.jsonl': {}, 'mixed.jsonl': { bad_number: 5 }, 'lists.parquet': {}, 'numbers.parquet': { bad_number: 2 } });
  });
  it('20 000 random JSON-like texts (literals, strings with escapes, trailing commas, NaN/inf, nesting): the same items, bad number or absence', async () => {
    const texts = randomJsonArrayTexts('length-parity', 20000);
    const expected = texts.map((x, n) => expectedRow(x, n));
    const duck = await duckRows(texts);
    const differ = duck.filter((row, n) => JSON.stringify(row) !== JSON.stringify(expected[n])).map(([n]) => ({ text: texts[n], ts: expected[n], duck: duck[n] }));
    expect(differ.slice(0, 10)).toEqual([]);
    expect(expected.filter(([, len]) => len !== null).length).toBeGreaterThan(3000);
  });
});
