import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonArraySplitter } from '../../src/io/json-array.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { buildSummaries } from '../../src/summary/build.js';
import { jqConvert, summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { DuckDbReadError } from '../../src/summary/duckdb-errors.js';
import { createRng } from '../../src/stats/rng.js';
import { expectEqualSummaries } from '../summary/equal-summaries.js';
import { fixture, tempDir } from '../helpers.js';

const mapping = parseMapping({ columns: { timestamp: 'ts', client_id: ['model', 'log_type'], model: 'model', session_id: 'session', input_tokens: 'input', output_tokens: 'output' }, timestamp: { unit: 's' } }, 'test-mapping');
const W = { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 0.001 };

/** The elements and their lines, the text pushed in pieces of the given sizes. */
function split(text: string, sizes?: () => number): [string, number][] {
  const out: [string, number][] = [];
  const s = new JsonArraySplitter((t, line) => out.push([t, line]));
  if (!sizes) s.push(text);
  else for (let at = 0; at < text.length; ) {
    const n = sizes();
    s.push(text.slice(at, at + n));
    at += n;
  }
  s.end();
  return out;
}

describe('JsonArraySplitter', () => {
  it('hands over each element with the line it starts on, whatever the layout; strings and nesting do not split', () => {
    const text = '\uFEFF [\n  {"a": "x,]}", "b": [1, [2, {"c": "\\"]"}]]},\n  {"a": "\\\\"} ,\n\n  3, "s", [4,5]\n]\n';
    const expected: [string, number][] = [
      ['{"a": "x,]}", "b": [1, [2, {"c": "\\"]"}]]}', 2],
      ['{"a": "\\\\"}', 3],
      ['3', 5],
      ['"s"', 5],
      ['[4,5]', 5],
    ];
    expect(split(text)).toEqual(expected);
    for (const el of expected) expect(() => JSON.parse(el[0]), el[0]).not.toThrow();
    // Any chunking gives the same (pieces of 1–7 characters, cut inside strings, escapes and keys).
    const rng = createRng('json-array');
    for (let k = 0; k < 50; k++) expect(split(text, () => 1 + (rng.nextUint32() % 7))).toEqual(expected);
  });

  it('empty elements are handed over empty; an empty array has none; an open array hands over its last element', () => {
    expect(split('[1,,2]')).toEqual([['1', 1], ['', 1], ['2', 1]]);
    expect(split('[1,]')).toEqual([['1', 1], ['', 1]]);
    expect(split('[,1]')).toEqual([['', 1], ['1', 1]]);
    expect(split('[ ]')).toEqual([]);
    expect(split('[{"a":1},\n{"a":')).toEqual([['{"a":1}', 1], ['{"a":', 2]]);
    const s = new JsonArraySplitter(() => undefined);
    s.push('[1]\n  x');
    expect(s.trailing).toEqual({ line: 2, text: 'x' });
    expect(JsonArraySplitter.startsArray('\uFEFF\n  [')).toBe(true);
    expect(JsonArraySplitter.startsArray('[{"a":1},{"a":2}]')).toBe(true);
    expect(JsonArraySplitter.startsArray('[{"a":1},{"a":2}]\n')).toBe(true);
    expect(JsonArraySplitter.startsArray('[{"a":1},\n{"a":2}]\n')).toBe(true);
    expect(JsonArraySplitter.startsArray('{"a":[1]}')).toBe(false);
    // JSON lines whose first line is an array of no records: that line is a reject, the rest read.
    expect(JsonArraySplitter.startsArray('[1,2]\n{"a":1}\n')).toBe(false);
    expect(JsonArraySplitter.startsArray('[]\n{"a":1}\n')).toBe(false);
    // An empty array alone, with its newline (as most tools write it), is an array of no records.
    expect(JsonArraySplitter.startsArray('[]\n')).toBe(true);
    expect(JsonArraySplitter.startsArray('[ ]\r\n\n')).toBe(true);
  });
});

describe('a JSON array of records as input', () => {
  const lines = readFileSync(fixture('formats', 'trace.jsonl'), 'utf8').trim().split('\n');

  it('reads as the same records in JSON lines: one line, pretty-printed, gzipped (the TypeScript engine)', async () => {
    const dir = tempDir();
    const records = lines.map((l) => JSON.parse(l) as unknown);
    const reference = await ingestFiles({ inputs: [fixture('formats', 'trace.jsonl')], mapping });
    for (const [name, bytes] of [
      ['one-line.json', JSON.stringify(records)],
      ['pretty.json', JSON.stringify(records, null, 2)],
      ['crlf.json', `[\r\n${lines.join(',\r\n')}\r\n]`],
      ['gz.json', gzipSync(JSON.stringify(records, null, 1))],
    ] as const) {
      const file = join(dir, name);
      writeFileSync(file, bytes);
      const r = await ingestFiles({ inputs: [file], mapping });
      expect(r.summary.rows_read, name).toBe(400);
      expect(r.summary.rows_rejected, name).toBe(0);
      expectEqualSummaries(buildSummaries(reference.trace, W), buildSummaries(r.trace, W));
    }
  });

  it('a bad element is a reject at the line it starts on, the others read; text after the closing bracket stops the read', async () => {
    const dir = tempDir();
    const file = join(dir, 'bad.json');
    writeFileSync(file, `[\n${lines[0]},\n{"ts": NaN},\n,\n"x",\n${lines[1].replace('{', '{\n')}\n]\n`);
    const r = await ingestFiles({ inputs: [file], mapping });
    expect(r.summary.rows_accepted).toBe(2);
    expect(r.rejects.map((x) => [x.line, x.reason, x.message.replace(/:.*$/, '')])).toEqual([
      [3, 'unparseable_line', 'invalid JSON'],
      [4, 'unparseable_line', 'empty JSON array element (two commas in a row, or one before the closing bracket)'],
      [5, 'unparseable_line', 'not a JSON object'],
    ]);
    // Cut short: between two elements (every element whole) or inside one; refused either way.
    for (const [name, text] of [
      ['cut-between.json', `[\n${lines[0]},\n${lines[1]},\n`],
      ['cut-inside.json', `[\n${lines[0]},\n${lines[1].slice(0, 30)}`],
    ]) {
      const cut = join(dir, name);
      writeFileSync(cut, text);
      await expect(ingestFiles({ inputs: [cut], mapping }), name).rejects.toThrow(`${cut}:${text.split('\n').length}: the JSON array is not closed: the file ends inside it (cut short?); none of the file was ingested`);
    }
    const trailing = join(dir, 'two.json');
    writeFileSync(trailing, `[${lines[0]}]\n[${lines[1]}]\n`);
    await expect(ingestFiles({ inputs: [trailing], mapping })).rejects.toThrow(`${trailing}:2: text after the JSON array's closing bracket ("[{\\"ts\\":19440161.0,\\"model\\":\\"ChatGPT\\",\\"log"); none of the file was ingested`);
  });

  it('engine duckdb refuses it by name, with what reads it (it said the mapped columns were not in the input)', async () => {
    const dir = tempDir();
    const file = join(dir, 'records.json');
    writeFileSync(file, `[${lines.join(',')}]`);
    await expect(summarizeWithDuckDB([file], mapping, W)).rejects.toThrow(DuckDbReadError);
    await expect(summarizeWithDuckDB([file], mapping, W)).rejects.toThrow(`${file}: a JSON array of records, which engine duckdb reads as JSON lines only; --engine ts reads it (each element a record), or convert it: jq -c '.[]' ${file} > records.jsonl`);
  });
});

describe('the conversion engine duckdb suggests for a JSON array', () => {
  it('decompresses first: jq reads no gzip or zstd file (found by review)', () => {
    const dir = tempDir();
    const plain = join(dir, 'r.json');
    writeFileSync(plain, '[{"a":1}]');
    const gz = join(dir, 'r.json.gz');
    writeFileSync(gz, gzipSync('[{"a":1}]'));
    expect(jqConvert(plain)).toBe(`jq -c '.[]' ${plain} > records.jsonl`);
    expect(jqConvert(gz)).toBe(`gzip -dc ${gz} | jq -c '.[]' > records.jsonl`);
    expect(jqConvert(fixture('formats', 'trace.jsonl.zst'))).toBe(`zstd -dc ${fixture('formats', 'trace.jsonl.zst')} | jq -c '.[]' > records.jsonl`);
  });
});
