import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { buildSummaries } from '../../src/summary/build.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { textsThroughSql } from './texts-through-sql.js';
import { createRng } from '../../src/stats/rng.js';
import { expectEqualSummaries } from './equal-summaries.js';
import { tempDir } from '../helpers.js';

const W = { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 0.001 };

/** `{"length": col}` of a text value as the TypeScript engine reads it (normalize.ts): undefined = absent, NaN = a bad number. */
function tsLength(v: string): number | undefined {
  if (/^[ \t\n\v\f\r]*$/.test(v)) return undefined;
  if (!v.trim().startsWith('[')) return NaN;
  try {
    const a = JSON.parse(v) as unknown;
    return Array.isArray(a) ? a.length : NaN;
  } catch {
    return NaN;
  }
}

/** [row, input_tokens, reason] the TypeScript rule gives a text read as `{"length": x}`. */
function expectedRow(x: string, n: number): [number, number | null, string | null] {
  const len = tsLength(x);
  return [n, len === undefined || Number.isNaN(len) ? null : len, len !== undefined && Number.isNaN(len) ? 'bad_number' : null];
}

/** The same through the DuckDB scan's own SQL (rowsSql) over a table of the texts. */
async function duckRows(texts: string[]): Promise<[number, number | null, string | null][]> {
  const mapping = { columns: { timestamp: 'n', input_tokens: { length: 'x' } }, timestamp: { unit: 's' } };
  return (await textsThroughSql(texts, mapping, 'CAST(t AS INTEGER), CAST(input_tokens AS INTEGER), reason')) as [number, number | null, string | null][];
}

const TEXTS = ['[1,2,3]', '[]', ' [1, 2] ', '[[1],[2,3]]', '["a,b", "c]"]', '[{"a":1}]', '[1e999]', '[true, null]', '["\\ud83d\\ude00", 2]', '["\\\\ud800"]', '[1]\n',
  // A lone surrogate escape: an array for JSON.parse, refused by DuckDB's JSON reader.
  '["\\ud800"]',
  // Not arrays for JSON.parse (DuckDB's JSON reader takes the first six: trailing commas, NaN/Infinity).
  '[1,]', '[{"a":1,}]', '[NaN]', '[Infinity]', '[-inf]', '[nan]', '[01]', '[1] x', 'abc', '{"a":1}', '5', '[1 2]', '\u00a0[1]', '[1] \f', "['a']", '[.5]',
  '', ' ', '\t'];

describe('DuckDB engine: {"length": col} counts what the TypeScript engine counts', () => {
  it('text columns (CSV, JSON strings) holding JSON arrays: their items (DuckDB counted characters); other text is a bad number; a blank is absent', async () => {
    // Every text, through the scan's own SQL, against the TypeScript rule.
    const expected = TEXTS.map((x, n) => expectedRow(x, n));
    expect(await duckRows(TEXTS)).toEqual(expected);
    expect(expected.filter((r) => r[2] === null && r[1] !== null)).toHaveLength(12);

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
    expect(rejects).toEqual({ 'l.csv': { bad_number: 16 }, 'strings.jsonl': { bad_number: 16 }, 'lists.jsonl': {}, 'mixed.jsonl': { bad_number: 5 }, 'lists.parquet': {}, 'numbers.parquet': { bad_number: 2 } });
  });
  it('20 000 random JSON-like texts (literals, strings with escapes, trailing commas, NaN/inf, nesting): the same items, bad number or absence', async () => {
    const rng = createRng('length-parity');
    const r = (n: number) => Math.floor(rng.next() * n);
    const ws = () => [' ', '', '', '\n', '\t'][r(5)];
    // Valid JSON arrays, written with random spacing, then half of them broken one way or another.
    const value = (depth: number): string => {
      const k = r(depth > 2 ? 5 : 7);
      if (k === 0) return String(r(1000) - 500) + ['', '.5', 'e3', 'E-2'][r(4)];
      if (k === 1) return ['true', 'false', 'null'][r(3)];
      if (k === 2) return `"${['a', 'x,]', '\\u00e9', '\\"', '\\\\', 'true', '\\ud83d\\ude00'][r(7)]}"`;
      if (k === 3 || k === 4) return ['0', '"s"', 'null'][r(3)];
      if (k === 5) return array(depth + 1);
      return `{${ws()}"k"${ws()}:${ws()}${value(depth + 1)}${r(2) ? `,${ws()}"j":${value(depth + 1)}` : ''}}`;
    };
    const array = (depth: number): string => `[${ws()}${Array.from({ length: r(4) }, () => value(depth)).join(`${ws()},${ws()}`)}${ws()}]`;
    const breaks = [(t: string) => t.replace(/\]$/, ',]'), (t: string) => t.replace(/\}/, ',}'), (t: string) => t.replace(/null|0/, ['NaN', 'Infinity', '-Infinity', 'inf', 'nan'][r(5)]), (t: string) => t.replace(/"s"|"a"/, '"\\ud800"'),
      (t: string) => t.slice(0, r(t.length)), (t: string) => `${t}${['x', ',', ' ', '\f', '\u00a0'][r(5)]}`, (t: string) => t.replace(/true|false|null/, (w) => w.slice(0, 3)), (t: string) => t.replace(/"/, "'")];
    const texts: string[] = [];
    for (let k = 0; k < 20000; k++) {
      const t = array(0);
      texts.push(r(2) ? t : breaks[r(breaks.length)](t));
    }
    const expected = texts.map((x, n) => expectedRow(x, n));
    const duck = await duckRows(texts);
    const differ = duck.filter((row, n) => JSON.stringify(row) !== JSON.stringify(expected[n])).map(([n]) => ({ text: texts[n], ts: expected[n], duck: duck[n] }));
    expect(differ.slice(0, 10)).toEqual([]);
    expect(expected.filter(([, len]) => len !== null).length).toBeGreaterThan(3000);
  });
});
