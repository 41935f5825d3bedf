import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { readCsv } from '../../src/io/from-csv.js';
import { loadPreset, listPresets } from '../../src/ingest/presets.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { IngestError } from '../../src/ingest/errors.js';
import { parseIsoSeconds, detectNumericUnit } from '../../src/ingest/timestamp.js';
import type { Trace } from '../../src/ingest/trace.js';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';

const map = (columns: Record<string, unknown>, extra: Record<string, unknown> = {}) => parseMapping({ columns, ...extra }, 'test-mapping');

/** Plain view of a trace for equality checks (client ids resolved). */
function rows(t: Trace) {
  return Array.from({ length: t.n }, (_, i) => ({
    t: t.timestamp[i],
    client: t.clientIds[t.client[i]],
    ints: Object.fromEntries(Object.entries(t.ints).map(([k, v]) => [k, v![i]])),
    texts: Object.fromEntries(Object.entries(t.texts).map(([k, v]) => [k, v!.index[i] < 0 ? null : v!.values[v!.index[i]]])),
  }));
}

describe('real traces ingest with their presets: exact counts, zero rejects', () => {
  const cases: [string, string, number, number][] = [
    ['azure-llm-2023', 'azure-llm-2023/AzureLLMInferenceTrace_conv.csv', 19366, 1],
    ['azure-llm-2023', 'azure-llm-2023/AzureLLMInferenceTrace_code.csv', 8819, 1],
    ['mooncake', 'mooncake/conversation_trace.jsonl.gz', 12031, 1],
    ['burstgpt', 'burstgpt/burstgpt3_slice.csv', 400, 4],
  ];
  for (const [preset, file, rowsExpected, clients] of cases) {
    it(`${file}`, async () => {
      const r = await ingestFiles({ inputs: [fixture('traces', file)], mapping: loadPreset(preset) });
      expect(r.summary.rows_read).toBe(rowsExpected);
      expect(r.summary.rows_accepted).toBe(rowsExpected);
      expect(r.summary.rows_rejected).toBe(0);
      expect(r.summary.clients).toBe(clients);
      expect(r.summary.rows_read).toBe(r.summary.rows_accepted + r.summary.rows_rejected);
    });
  }

  it('Azure: date-times with 7 fractional digits keep sub-millisecond precision; origin is the first second', async () => {
    const r = await ingestFiles({ inputs: [fixture('traces', 'azure-llm-2023/AzureLLMInferenceTrace_conv.csv')], mapping: loadPreset('azure-llm-2023') });
    expect(r.trace.origin).toBe('2023-11-16T18:15:46.000Z');
    expect(r.trace.timestamp[0]).toBeCloseTo(0.68059, 6); // 18:15:46.6805900
    expect(r.trace.ints.input_tokens![0]).toBe(374);
    expect(r.trace.ints.output_tokens![0]).toBe(44);
  });

  it('Mooncake: ms timestamps, hash_ids kept as block_count', async () => {
    const r = await ingestFiles({ inputs: [fixture('traces', 'mooncake/conversation_trace.jsonl.gz')], mapping: loadPreset('mooncake') });
    expect(r.trace.origin).toBeNull();
    expect(r.trace.ints.block_count![0]).toBe(14);
    expect(r.trace.ints.input_tokens![0]).toBe(6758);
    expect(r.trace.timestamp[r.trace.n - 1]).toBeCloseTo(3536.999, 9);
  });

  it('BurstGPT: client = Model/Log Type, sessions absent on API rows, zero-token row accepted', async () => {
    const r = await ingestFiles({ inputs: [fixture('traces', 'burstgpt/burstgpt3_slice.csv')], mapping: loadPreset('burstgpt') });
    expect(r.trace.clientIds.sort()).toEqual(['ChatGPT/API log', 'ChatGPT/Conversation log', 'GPT-4/API log', 'GPT-4/Conversation log']);
    const sess = r.trace.texts.session_id!;
    expect([...sess.index].filter((i) => i < 0).length).toBe(6);
  });
});

describe('one trace in every format gives the same normalized trace', () => {
  const mapping = map({ timestamp: 'ts', client_id: ['model', 'log_type'], model: 'model', session_id: 'session', input_tokens: 'input', output_tokens: 'output' }, { timestamp: { unit: 's' } });
  const files = ['trace.csv', 'trace.csv.gz', 'trace.csv.zst', 'trace.tsv', 'trace.tsv.zst', 'trace.jsonl.zst', 'trace.jsonl', 'trace-snappy-v1.parquet', 'trace-zstd-v2.parquet', 'trace-gzip.parquet', 'trace.arrow', 'trace.arrows'];
  it(`${files.join(', ')} (written by DuckDB and apache-arrow; .zst by the zstd tool)`, async () => {
    const reference = rows((await ingestFiles({ inputs: [fixture('formats', files[0])], mapping })).trace);
    expect(reference.length).toBe(400);
    for (const f of files.slice(1)) {
      const r = await ingestFiles({ inputs: [fixture('formats', f)], mapping });
      expect(r.summary.rows_rejected, f).toBe(0);
      expect(rows(r.trace), f).toEqual(reference);
    }
  });

  it('and writing it as jsonl, csv, parquet and arrow then reading back changes nothing', async () => {
    const dir = tempDir();
    const first = await ingestFiles({ inputs: [fixture('formats', 'trace.csv')], mapping });
    for (const ext of ['jsonl', 'csv', 'parquet', 'arrow']) {
      const out = join(dir, `out.${ext}`);
      const w = await runCli('ingest', fixture('formats', 'trace.csv'), '--map', writeMap(dir), '--out', out, '--quiet');
      expect(w.code, ext).toBe(0);
      const back = await ingestFiles({ inputs: [out], mapping: loadPreset('servegen') });
      expect(rows(back.trace), ext).toEqual(rows(first.trace));
    }
  });

  function writeMap(dir: string): string {
    const p = join(dir, 'map.json');
    writeFileSync(p, JSON.stringify({ columns: { timestamp: 'ts', client_id: ['model', 'log_type'], model: 'model', session_id: 'session', input_tokens: 'input', output_tokens: 'output' }, timestamp: { unit: 's' } }));
    return p;
  }
});

describe('malformed inputs: every row accepted or rejected with its reason', () => {
  const mapping = map({ timestamp: 'time', client_id: 'tenant', input_tokens: 'in', output_tokens: 'out' }, { timestamp: { unit: 's' } });

  it('counts each reject reason exactly, with file and line', async () => {
    const dir = tempDir();
    const f = join(dir, 'bad.csv');
    const lines = [
      'time,tenant,in,out', // 1
      '1.0,a,10,20', // 2 ok
      '2.0,b,11', // 3 wrong_column_count
      ',a,10,20', // 4 missing_timestamp
      'yesterday,a,10,20', // 5 bad_timestamp
      '3.0,a,ten,20', // 6 bad_number
      '4.0,a,-5,20', // 7 negative_tokens
      '5.0,"a,b",12,"21"', // 8 ok (quoted comma)
      '6.0,"broken,12,21', // 9 unparseable_line (unbalanced quote)
    ];
    const bytes = Buffer.concat([Buffer.from(lines.join('\n') + '\n'), Buffer.from([0x37, 0x2e, 0x30, 0x2c, 0xff, 0xfe, 0x2c, 0x31, 0x2c, 0x32, 0x0a]), Buffer.from('8.0,c,1.5,2\n9.0,c,,\n')]);
    // line 10: 7.0,<invalid UTF-8>,1,2 → bad_encoding; line 11: fractional tokens → bad_number; line 12: absent tokens stay absent
    writeFileSync(f, bytes);
    const r = await ingestFiles({ inputs: [f], mapping });
    expect(r.summary.rejects_by_reason).toEqual({ wrong_column_count: 1, missing_timestamp: 1, bad_timestamp: 1, bad_number: 2, negative_tokens: 1, unparseable_line: 1, bad_encoding: 1 });
    expect(r.summary.rows_read).toBe(11);
    expect(r.summary.rows_accepted).toBe(3);
    expect(r.summary.rows_read).toBe(r.summary.rows_accepted + r.summary.rows_rejected);
    expect(r.rejects.map((x) => [x.line, x.reason])).toEqual([
      [3, 'wrong_column_count'],
      [4, 'missing_timestamp'],
      [5, 'bad_timestamp'],
      [6, 'bad_number'],
      [7, 'negative_tokens'],
      [9, 'unparseable_line'],
      [10, 'bad_encoding'],
      [11, 'bad_number'],
    ]);
    expect(r.rejects[3]).toMatchObject({ file: f, field: 'input_tokens', text: '3.0,a,ten,20' });
    expect(r.trace.clientIds).toEqual(['a', 'a,b', 'c']);
    expect(r.trace.ints.input_tokens![2]).toBe(-1); // absent, not zero
  });

  it('a JSON array or object where a number goes is rejected as such, with both engines (it read as "1" and "[object Object]"; found by review)', async () => {
    const dir = tempDir();
    const f = join(dir, 'arr.jsonl');
    writeFileSync(f, '{"ts":1,"c":"a","in":[1],"out":2}\n{"ts":2,"c":"a","in":{"x":1},"out":2}\n{"ts":3,"c":"a","in":3,"out":2}\n');
    const m = join(dir, 'm.json');
    writeFileSync(m, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'c', input_tokens: 'in', output_tokens: 'out' }, timestamp: { unit: 's' } }));
    for (const engine of ['ts', 'duckdb']) {
      const rej = join(dir, `rejects-${engine}.jsonl`);
      expect((await runCli('ingest', f, '--map', m, '--engine', engine, '--rejects', rej, '--max-reject-ratio', '1', '--out', join(dir, `out-${engine}.parquet`), '--quiet')).code, engine).toBe(0);
      const messages = readFileSync(rej, 'utf8').trim().split('\n').map((l) => JSON.parse(l).message);
      expect(messages, engine).toEqual(['input_tokens: an array, not a number: [1]', 'input_tokens: an object, not a number: {"x":1}']);
    }
  });

  it('CLI: exit 1 above --max-reject-ratio (rejects written, no trace); exit 0 when allowed', async () => {
    const dir = tempDir();
    const f = join(dir, 'bad.csv');
    writeFileSync(f, 'time,tenant,in,out\n1,a,1,1\n2,a,x,1\n3,a,1,1\n');
    const m = join(dir, 'm.json');
    writeFileSync(m, JSON.stringify({ columns: { timestamp: 'time', client_id: 'tenant', input_tokens: 'in', output_tokens: 'out' } }));
    const out = join(dir, 'out.jsonl');
    const rej = join(dir, 'rejects.jsonl');
    const failed = await runCli('ingest', f, '--map', m, '--out', out, '--rejects', rej, '--summary', join(dir, 's.json'));
    expect(failed.code).toBe(1);
    expect(existsSync(out)).toBe(false);
    const rejects = readFileSync(rej, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rejects).toEqual([{ file: f, line: 3, reason: 'bad_number', field: 'input_tokens', message: expect.stringContaining('not a number'), text: '2,a,x,1' }]);
    const summary = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'));
    expect(summary).toMatchObject({ rows_read: 3, rows_accepted: 2, rows_rejected: 1, rejects_by_reason: { bad_number: 1 }, clients: 1 });
    const ok = await runCli('ingest', f, '--map', m, '--out', out, '--max-reject-ratio', '0.5', '--quiet');
    expect(ok.code).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n').length).toBe(3); // header + 2 rows
  });

  it('fit, summarize, inspect, roundtrip and validate take --rejects and --max-reject-ratio on the same path (validate per side)', async () => {
    const dir = tempDir();
    const f = join(dir, 'bad.csv');
    const lines = ['time,tenant,in,out'];
    for (let i = 0; i < 300; i++) lines.push(i % 50 === 7 ? `${i},a,x,1` : `${i * 0.7},${i % 3 ? 'a' : 'b'},${10 + (i % 17)},${5 + (i % 11)}`);
    writeFileSync(f, lines.join('\n') + '\n'); // 6 of 300 rows rejected: 2 %
    const m = join(dir, 'm.json');
    writeFileSync(m, JSON.stringify({ columns: { timestamp: 'time', client_id: 'tenant', input_tokens: 'in', output_tokens: 'out' }, timestamp: { unit: 's' } }));
    const cases: [string, string[]][] = [
      ['fit', ['--out', join(dir, 'p.json')]],
      ['summarize', ['--out', join(dir, 's.json')]],
      ['inspect', []],
      ['roundtrip', ['--out', join(dir, 'rt')]],
    ];
    for (const [cmd, extra] of cases) {
      const rej = join(dir, `${cmd}-rejects.jsonl`);
      const failed = await runCli(cmd, f, '--map', m, '--rejects', rej, ...extra);
      expect(failed.code, cmd).toBe(1);
      expect(failed.stderr, cmd).toContain('2.00 % of rows rejected (6 of 300), above --max-reject-ratio 0.01');
      expect(readFileSync(rej, 'utf8').trim().split('\n').length, cmd).toBe(6);
      const ok = await runCli(cmd, f, '--map', m, '--max-reject-ratio', '0.05', '--quiet', ...extra);
      expect(ok.stderr, cmd).not.toContain('max-reject-ratio');
      // roundtrip judges fidelity too (exit 1 on a 300-row trace is its verdict, not the rejects).
      if (cmd !== 'roundtrip') expect(ok.code, `${cmd}: ${ok.stderr}`).toBe(0);
    }
    // The DuckDB engine counts rejects by reason and applies the ratio, but keeps no rows.
    expect((await runCli('inspect', f, '--map', m, '--engine', 'duckdb')).code).toBe(1);
    expect((await runCli('inspect', f, '--map', m, '--engine', 'duckdb', '--max-reject-ratio', '0.05', '--quiet')).code).toBe(0);
    // --rejects: the TypeScript reader reads the input again for the rows DuckDB counted.
    const duckRejects = await runCli('summarize', f, '--map', m, '--engine', 'duckdb', '--rejects', join(dir, 'x.jsonl'), '--out', join(dir, 'd.json'));
    expect(duckRejects.code).toBe(1);
    expect(duckRejects.stderr).toContain(`above --max-reject-ratio 0.01; see ${join(dir, 'x.jsonl')}`);
    expect(readFileSync(join(dir, 'x.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'summarize-rejects.jsonl'), 'utf8'));
    // validate: per side.
    const good = join(dir, 'good.csv');
    writeFileSync(good, lines.filter((l) => !l.includes(',x,')).join('\n') + '\n');
    const v = await runCli('validate', f, good, '--source-map', m, '--generated-map', m, '--source-rejects', join(dir, 'v.jsonl'));
    expect(v.code).toBe(1);
    expect(v.stderr).toContain('above --source-max-reject-ratio 0.01; see');
    expect(readFileSync(join(dir, 'v.jsonl'), 'utf8').trim().split('\n').length).toBe(6);
    const v2 = await runCli('validate', f, good, '--source-map', m, '--generated-map', m, '--source-max-reject-ratio', '0.05', '--quiet');
    expect(v2.stderr).not.toContain('rejected');
    // The naive baseline is held to the generated side's ratio, and the message names that flag.
    const base = join(dir, 'baseline.csv'); // our own trace columns (the baseline is read with the servegen preset)
    writeFileSync(base, ['timestamp,client_id,input_tokens,output_tokens', ...lines.slice(1)].join('\n') + '\n');
    const b = await runCli('validate', good, good, '--source-map', m, '--generated-map', m, '--baseline', base, '--quiet');
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('above --generated-max-reject-ratio 0.01');
    // DuckDB engine: the same hint as the TypeScript engine's.
    expect((await runCli('inspect', f, '--map', m, '--engine', 'duckdb')).stderr).toContain('(use --rejects to see them)');
  });

  it('jsonl: invalid JSON and non-objects are unparseable_line; missing paths stay absent', async () => {
    const dir = tempDir();
    const f = join(dir, 'x.jsonl');
    writeFileSync(f, '{"time": 1, "tenant": "a", "in": 3}\n{"time": 2, "tenant": \n[1,2]\n\n{"time": 3, "tenant": "b", "in": 4, "out": 5}\n');
    const r = await ingestFiles({ inputs: [f], mapping });
    expect(r.summary).toMatchObject({ rows_read: 4, rows_accepted: 2, rejects_by_reason: { unparseable_line: 2 } });
    expect(r.trace.ints.output_tokens![0]).toBe(-1);
  });

  it('BOM, CRLF mixed with LF, and a last line without newline are all fine', async () => {
    const dir = tempDir();
    const f = join(dir, 'x.csv');
    writeFileSync(f, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('time,tenant,in,out\r\n1,a,1,1\r\n2,a,1,1\n3,"b\r\nc",1,1\r\n4,a,1,1')]));
    const r = await ingestFiles({ inputs: [f], mapping });
    expect(r.summary).toMatchObject({ rows_read: 4, rows_accepted: 4, rows_rejected: 0 });
    expect(r.trace.clientIds).toEqual(['a', 'b\r\nc']);
  });

  it('CR-only line ends (old Mac): the TypeScript engine says so and how to convert (it named a missing column among "in\\r1", …); DuckDB reads them', async () => {
    const dir = tempDir();
    const m = join(dir, 'm.json');
    writeFileSync(m, JSON.stringify({ columns: { timestamp: 'time', client_id: 'tenant', input_tokens: 'in' } }));
    const f = join(dir, 'cr.csv');
    writeFileSync(f, 'time,tenant,in\r1,a,5\r2,b,6\r3,a,7\r');
    const r = await runCli('ingest', f, '--map', m, '--out', join(dir, 'cr.parquet'), '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`servegen: ${f}:1: the file uses CR-only line ends (old Mac style), which the TypeScript engine does not split lines at; convert them (tr '\\r' '\\n' < ${f} > fixed.csv) or read it with --engine duckdb\n`);
    const gz = join(dir, 'cr.csv.gz');
    writeFileSync(gz, gzipSync(readFileSync(f)));
    expect((await runCli('ingest', gz, '--map', m, '--out', join(dir, 'cr.parquet'), '--quiet')).stderr).toContain(`convert them (gzip -dc ${gz} | tr '\\r' '\\n' > fixed.csv)`);
    expect(existsSync(join(dir, 'cr.parquet'))).toBe(false);
    // The documented difference (docs/scale.md): DuckDB splits at CR; the converted file reads alike in TypeScript.
    expect((await runCli('ingest', f, '--map', m, '--engine', 'duckdb', '--out', join(dir, 'cr.parquet'), '--quiet')).code).toBe(0);
    writeFileSync(join(dir, 'fixed.csv'), readFileSync(f, 'utf8').replaceAll('\r', '\n'));
    const fixed = await ingestFiles({ inputs: [join(dir, 'fixed.csv')], mapping: parseMapping(JSON.parse(readFileSync(m, 'utf8')), m) });
    expect(fixed.summary).toMatchObject({ rows_read: 3, rows_accepted: 3 });
    // CRLF, and a CR that ends a chunk before its LF, are no lone CRs.
    writeFileSync(join(dir, 'crlf.csv'), 'time,tenant,in\r\n1,a,5\r\n');
    expect((await ingestFiles({ inputs: [join(dir, 'crlf.csv')], mapping: parseMapping(JSON.parse(readFileSync(m, 'utf8')), m) })).summary).toMatchObject({ rows_accepted: 1 });
    const rows: unknown[][] = [];
    const sink = { row: (v: unknown[]) => void rows.push([...v]), reject: () => undefined };
    await readCsv('split.csv', Readable.from([Buffer.from('time,tenant,in\r'), Buffer.from('\n1,a,5\r\n')]), ',', ['time', 'in'], sink, () => undefined);
    expect(rows).toEqual([['1', '5']]);
  });

  it('a gzip file with bytes after its gzip data, cut short, or corrupt: the message says where, in both engines ("0 rows were read before it" was said of whole data)', async () => {
    const dir = tempDir();
    const m = join(dir, 'm.json');
    writeFileSync(m, JSON.stringify({ columns: { timestamp: 'time', client_id: 'tenant', input_tokens: 'in' } }));
    const body = 'time,tenant,in\n' + Array.from({ length: 5000 }, (_, i) => `${i},t${i % 7},${i}`).join('\n') + '\n';
    const gz = gzipSync(Buffer.from(body));
    const corrupt = Buffer.from(gz);
    corrupt[gz.length - 6] ^= 0xff; // in the CRC32 of the trailer
    const cases: [string, Buffer, (f: string) => string][] = [
      ['tail.csv.gz', Buffer.concat([gz, Buffer.from('garbage\n')]), (f) => `${f}: 8 byte(s) of trailing garbage after the end of the gzip data (which ends at byte ${gz.length} of ${gz.length + 8}); the compressed data is whole (5001 lines) but nothing was ingested: keep only the gzip data (head -c ${gz.length} ${f} > fixed.gz)`],
      ['two.csv.gz', Buffer.concat([gz, gz, Buffer.from('xy')]), (f) => `${f}: 2 byte(s) of trailing garbage after the end of the gzip data (which ends at byte ${2 * gz.length} of ${2 * gz.length + 2}); the compressed data is whole (10002 lines)`],
      ['cut.csv.gz', gz.subarray(0, gz.length - 20), (f) => `${f}: truncated or corrupt gzip data (unexpected end of file): the file ends inside the compressed data (cut short, e.g. an interrupted download or copy);`],
      ['crc.csv.gz', corrupt, (f) => `${f}: corrupt gzip data (incorrect data check): the compressed data decompresses but does not match its checksum`],
    ];
    for (const [name, content, message] of cases) {
      const f = join(dir, name);
      writeFileSync(f, content);
      for (const engine of ['ts', 'duckdb']) {
        const out = join(dir, `${name}.out.parquet`);
        const r = await runCli('ingest', f, '--map', m, '--engine', engine, '--out', out, '--quiet');
        expect(r.code, `${name} ${engine}`).toBe(2);
        expect(r.stderr, `${name} ${engine}`).toContain(message(f));
        expect(r.stderr, `${name} ${engine}`).not.toMatch(/rows were read before/);
        expect(existsSync(out), name).toBe(false);
      }
    }
  });

  it('exit 2 with one clear message and no output: truncated gzip, empty, header only, binary, missing column', async () => {
    const dir = tempDir();
    const m = join(dir, 'm.json');
    writeFileSync(m, JSON.stringify({ columns: { timestamp: 'time', client_id: 'tenant', input_tokens: 'in' } }));
    const body = 'time,tenant,in\n' + Array.from({ length: 5000 }, (_, i) => `${i},t${i % 7},${i}`).join('\n') + '\n';
    const gz = gzipSync(Buffer.from(body));
    const cases: [string, Buffer | string, RegExp][] = [
      ['trunc.csv.gz', gz.subarray(0, gz.length - 20), /truncated or corrupt gzip/],
      ['empty.csv', '', /empty file|no data rows/],
      ['header.csv', 'time,tenant,in\n', /no data rows/],
      ['binary.csv', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 1, 2, 3]), /zip-compressed data \(decompress it first, e\.g\. unzip/],
      ['binary2.csv', Buffer.from([0x50, 0x4b, 0x07, 0x00, 0, 0, 0, 0, 1, 2, 3]), /looks binary/],
      ['cols.csv', 'when,tenant,in\n1,a,1\n', /mapping names column "time" not in the header \(columns: "when", "tenant", "in"\)/],
    ];
    for (const [name, content, pattern] of cases) {
      const f = join(dir, name);
      writeFileSync(f, content);
      const out = join(dir, `${name}.out.jsonl`);
      const r = await runCli('ingest', f, '--map', m, '--out', out);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toMatch(pattern);
      expect(r.stderr, name).not.toMatch(/\n\s+at /);
      expect(existsSync(out), name).toBe(false);
    }
    const missingMap = await runCli('ingest', join(dir, 'cols.csv'), '--map', join(dir, 'nope.json'), '--out', join(dir, 'o.jsonl'));
    expect(missingMap.code).toBe(2);
    expect(missingMap.stderr).toMatch(/nope\.json: cannot read mapping file/);
    const badMap = join(dir, 'bad-map.json');
    writeFileSync(badMap, JSON.stringify({ columns: { timestamp: 'time', tokens_in: 'in' } }));
    const bm = await runCli('ingest', join(dir, 'cols.csv'), '--map', badMap, '--out', join(dir, 'o.jsonl'));
    expect(bm.code).toBe(2);
    expect(bm.stderr).toMatch(/bad-map\.json: columns/);
  });
});

describe('mapping files with mistakes: the message names the path, what is allowed there and the nearest key', () => {
  it('a source of no known form, an unknown key at any level, pairs written the wrong way round (zod said "Invalid input" and "Unrecognized key")', () => {
    const cases: [unknown, string][] = [
      [{ columns: { timestamp: 't', session_id: { colaesce: ['a', 'b'] } } }, 'm.json: columns.session_id: unknown key "colaesce"; did you mean "coalesce"? (allowed here: const, coalesce, length, token_blocks)'],
      [{ columns: { timestamp: 't', client_id: 5 } }, 'm.json: columns.client_id: expected a column name ("col" or "a.b" into JSON/structs), a list of columns to join, {"const": v}, {"coalesce": ["a", "b"]}, {"length": "col"} or (hash_ids) {"token_blocks": "col"}, got 5'],
      [{ columns: { timestamp: 't', client_id: { const: 'a', length: 'b' } } }, 'm.json: columns.client_id: a source object has one key of const, coalesce, length, token_blocks, got const, length'],
      [{ columns: { timestamp: 't', input_token: 'x' } }, 'm.json: columns: unknown key "input_token"; did you mean "input_tokens"? (allowed here: timestamp, client_id,'],
      [{ columns: { request_time: 'timestamp' } }, 'keys are our fields and values your columns: {"timestamp":"request_time"}'],
      [{ column: { timestamp: 't' } }, 'm.json: top level: unknown key "column"; did you mean "columns"?'],
      [{ columns: { timestamp: 't' }, timestamp: { unit: 's', tz: '+08:00' } }, 'm.json: timestamp: unknown key "tz" (allowed here: unit, timezone, marks, duration_unit)'],
    ];
    for (const [value, message] of cases) expect(() => parseMapping(value, 'm.json'), JSON.stringify(value)).toThrow(message);
  });

  it('a bad timestamp says what it was read as in words (it said "as a iso timestamp", "as a s timestamp")', async () => {
    const dir = tempDir();
    const f = join(dir, 'ts.csv');
    writeFileSync(f, 't,i\n1,2\nx,3\n');
    const messages: string[] = [];
    for (const unit of ['s', 'iso'] as const) {
      const r = await ingestFiles({ inputs: [f], mapping: parseMapping({ columns: { timestamp: 't', input_tokens: 'i' }, timestamp: { unit } }, 'm') });
      messages.push(r.rejects.find((x) => x.text === 'x,3')!.message);
    }
    expect(messages).toEqual(['cannot read "x" as a timestamp in seconds', 'cannot read "x" as an ISO date-time (YYYY-MM-DD[Thh:mm[:ss[.f]]][zone])']);
  });
});

describe('mapping features', () => {
  it('dotted JSON paths, nested reasoning tokens (openai-usage preset)', async () => {
    const dir = tempDir();
    const f = join(dir, 'usage.jsonl');
    writeFileSync(
      f,
      [
        { id: 'r1', created: 1730000000, user: 'u1', model: 'o3', usage: { prompt_tokens: 100, completion_tokens: 900, completion_tokens_details: { reasoning_tokens: 700 } } },
        { id: 'r2', created: 1730000002, model: 'gpt-4o', usage: { prompt_tokens: 50, completion_tokens: 10 } },
        { id: 'r1', created: 1730000001, user: 'u2', model: 'o3', usage: { prompt_tokens: 1, completion_tokens: 2, completion_tokens_details: { reasoning_tokens: 0 } } },
      ]
        .map((o) => JSON.stringify(o))
        .join('\n'),
    );
    const r = await ingestFiles({ inputs: [f], mapping: loadPreset('openai-usage') });
    expect(r.summary).toMatchObject({ rows_accepted: 3, duplicate_request_ids: 1, sorted: false, origin: '2024-10-27T03:33:20.000Z' });
    expect(Array.from(r.trace.timestamp)).toEqual([0, 1, 2]); // sorted
    expect(r.trace.clientIds[r.trace.client[2]]).toBe('unknown'); // no user
    expect(Array.from(r.trace.ints.reasoning_tokens!)).toEqual([700, 0, -1]);
  });

  it('coalesce, const, joined ids, array length, ISO with zone (litellm + 2024 Azure formats)', async () => {
    const dir = tempDir();
    const f = join(dir, 'spend.csv');
    writeFileSync(f, 'request_id,api_key,user,startTime,model,prompt_tokens,completion_tokens\nq1,,alice,2024-05-10 00:00:00.0127850+00:00,m,1,2\nq2,sk-1,bob,2024-05-10T02:00:01+02:00,m,3,4\n');
    const r = await ingestFiles({ inputs: [f], mapping: loadPreset('litellm-spendlogs') });
    expect(r.trace.clientIds).toEqual(['alice', 'sk-1']); // api_key empty on the first row → user
    // 02:00:01+02:00 is 00:00:01 UTC: after the first row. Epoch doubles keep ~0.2 µs here.
    expect(r.trace.timestamp[0]).toBeCloseTo(0.012785, 6);
    expect(r.trace.timestamp[1]).toBe(1);
    const j = join(dir, 'x.jsonl');
    writeFileSync(j, '{"t": 5, "a": "x", "b": "y", "ids": [1,2,3]}\n');
    const r2 = await ingestFiles({ inputs: [j], mapping: map({ timestamp: 't', client_id: ['a', 'b'], model: { const: 'm-large' }, block_count: { length: 'ids' } }, { separator: ':' }) });
    expect(r2.trace.clientIds).toEqual(['x:y']);
    expect(r2.trace.texts.model!.values).toEqual(['m-large']);
    expect(r2.trace.ints.block_count![0]).toBe(3);
  });

  it('timestamps: auto detection says what it chose; timezones apply to naive times', async () => {
    const dir = tempDir();
    const cases: [string, string, boolean][] = [
      ['1730000000123', 'ms', true],
      ['1730000000', 's', true],
      ['1730000000123456', 'us', true],
      ['1730000000123456789', 'ns', true],
      ['3600.5', 's', false],
    ];
    for (const [value, unit, absolute] of cases) {
      const f = join(dir, `t${unit}${absolute}.csv`);
      writeFileSync(f, `time\n${value}\n`);
      const r = await ingestFiles({ inputs: [f], mapping: map({ timestamp: 'time' }) });
      expect(r.summary.detected.timestamp, value).toMatchObject({ unit, absolute, how: 'auto' });
      expect(r.summary.detected.timestamp.reason.length).toBeGreaterThan(10);
    }
    expect(detectNumericUnit(5e6).absolute).toBe(false);
    expect(parseIsoSeconds('2024-01-01 08:00:00', 8 * 3600)).toBe(Date.UTC(2024, 0, 1) / 1000);
    expect(parseIsoSeconds('2024-01-01T00:00:00.5Z')).toBe(Date.UTC(2024, 0, 1) / 1000 + 0.5);
    expect(parseIsoSeconds('2024-13-01 00:00:00')).toBeNaN();
    // Years 0–99 are those years (Date.UTC reads them as 1900–1999): V8's ISO parser as reference.
    for (let y = 0; y <= 120; y++) {
      for (const day of ['01-01T00:00:00', '02-28T23:59:59', '03-01T12:00:00']) {
        const text = `${String(y).padStart(4, '0')}-${day}Z`;
        expect(parseIsoSeconds(text), text).toBe(Date.parse(text) / 1000);
      }
      const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
      expect(Number.isNaN(parseIsoSeconds(`${String(y).padStart(4, '0')}-02-29`)), String(y)).toBe(!leap);
    }
    const tz = join(dir, 'tz.csv');
    writeFileSync(tz, 'time\n2024-01-01 08:00:00\n');
    const r = await ingestFiles({ inputs: [tz], mapping: map({ timestamp: 'time' }, { timestamp: { unit: 'iso', timezone: '+08:00' } }) });
    expect(r.trace.origin).toBe('2024-01-01T00:00:00.000Z');
  });

  it('several files and patterns are one trace; unknown presets list the known ones', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a-1.csv'), 'time,in\n1,5\n3,5\n');
    writeFileSync(join(dir, 'a-2.csv'), 'time,in\n2,7\n');
    const r = await ingestFiles({ inputs: [join(dir, 'a-*.csv')], mapping: map({ timestamp: 'time', input_tokens: 'in' }) });
    expect(r.summary.files.length).toBe(2);
    expect(Array.from(r.trace.ints.input_tokens!)).toEqual([5, 7, 5]);
    expect(() => loadPreset('nope')).toThrow(/available: aiperf-records, aws-bedrock-invocations, azure-llm-2023/);
    expect(listPresets().map((p) => p.name)).toEqual(['aiperf-records', 'aws-bedrock-invocations', 'azure-llm-2023', 'azure-multimodal-2024', 'burstgpt', 'helicone-requests', 'kong-ai-gateway', 'langfuse-observations', 'langsmith-runs', 'litellm-spendlogs', 'mooncake', 'openai-usage', 'otel-genai', 'servegen', 'vidur']);
    await expect(ingestFiles({ inputs: [join(dir, 'zzz-*.csv')], mapping: map({ timestamp: 'time' }) })).rejects.toThrow(IngestError);
  });

  it('generated traces ingest with no options (servegen preset is the default for inspect)', async () => {
    const dir = tempDir();
    const pool = join(dir, 'pool.json');
    await runCli('import-servegen', fixture('servegen', 'reason', 'deepseek-r1-sample'), '--out', pool, '--quiet');
    for (const ext of ['jsonl', 'csv', 'parquet']) {
      const out = join(dir, `g.${ext}`);
      expect((await runCli('generate', pool, '--start', '75600', '--duration', '600', '--rate', 'constant:10', '--out', out, '--quiet')).code).toBe(0);
      const r = await runCli('inspect', out, '--quiet');
      expect(r.code, ext).toBe(0);
      expect(r.stdout, ext).toMatch(/reasoning_tokens/);
    }
  });
});

describe('bytes that are not UTF-8, in any identifying text field (found by review)', () => {
  const header = 'Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type,Session ID\n';
  const csvBytes = Buffer.concat([
    Buffer.from(header),
    Buffer.from('1,ChatGPT,10,20,30,Conversation log,s'), Buffer.from([0xff]), Buffer.from('1\n'), // 2: bad session_id
    Buffer.from('2,ChatGPT,10,20,30,Conversation log,s'), Buffer.from([0xfe]), Buffer.from('1\n'), // 3: bad session_id (another byte)
    Buffer.from('3,Chat\uFFFDGPT,10,20,30,Conversation log,s2\n'), // 4: a valid U+FFFD in model (and client_id): accepted
    Buffer.from('4,ChatGPT,1'), Buffer.from([0xff]), Buffer.from('0,20,30,Conversation log,s3\n'), // 5: bad byte in a number
    Buffer.from('5,Chat'), Buffer.from([0xc3]), Buffer.from('GPT,10,20,30,Conversation log,s4\n'), // 6: bad model (and client_id)
    Buffer.from('6,ChatGPT,10,20,30,Conversation log,s3\n'), // 7: ok
  ]);

  it('CSV (burstgpt preset): rejected as bad_encoding naming the field; U+FFFD passes; rejects keep the original bytes', async () => {
    const dir = tempDir();
    const f = join(dir, 'burst.csv');
    writeFileSync(f, csvBytes);
    const r = await ingestFiles({ inputs: [f], mapping: loadPreset('burstgpt') });
    expect(r.rejects.map((x) => [x.line, x.reason, x.field])).toEqual([
      [2, 'bad_encoding', 'session_id'],
      [3, 'bad_encoding', 'session_id'],
      [5, 'bad_number', 'input_tokens'],
      [6, 'bad_encoding', 'client_id'],
    ]);
    expect(r.rejects[0].message).toBe('session_id contains bytes that are not UTF-8');
    expect(r.trace.clientIds).toEqual(['Chat\uFFFDGPT/Conversation log', 'ChatGPT/Conversation log']);
    expect(rows(r.trace).map((x) => x.texts)).toEqual([
      { model: 'Chat\uFFFDGPT', session_id: 's2' },
      { model: 'ChatGPT', session_id: 's3' },
    ]);
    // The rejects file: JSON escapes U+DC00+byte, which gives back the line's bytes.
    const rej = join(dir, 'rejects.jsonl');
    const out = join(dir, 'out.jsonl');
    const cli = await runCli('ingest', f, '--preset', 'burstgpt', '--out', out, '--rejects', rej, '--max-reject-ratio', '1');
    expect(cli.code).toBe(0);
    const lines = readFileSync(rej, 'utf8').trim().split('\n');
    expect(lines[0]).toContain('"text":"1,ChatGPT,10,20,30,Conversation log,s\\udcff1"');
    const original = csvBytes.toString('latin1').split('\n');
    for (const [k, line] of [[0, 1], [1, 2], [2, 4], [3, 5]] as const) {
      const text = (JSON.parse(lines[k]) as { text: string }).text;
      const bytes = Buffer.from(Array.from(text, (ch) => { const c = ch.charCodeAt(0); return c >= 0xdc80 && c <= 0xdcff ? String.fromCharCode(c - 0xdc00) : Buffer.from(ch).toString('latin1'); }).join(''), 'latin1');
      expect(bytes.toString('latin1')).toBe(original[line]);
    }
    expect(readFileSync(out, 'utf8')).toContain('"model":"Chat\uFFFDGPT"');
  });

  it('JSON lines, Parquet and Arrow: the same fields rejected, U+FFFD accepted', async () => {
    const dir = tempDir();
    const mapping = map({ timestamp: 't', client_id: 'c', model: 'm', request_id: 'r', session_id: 's' }, { timestamp: { unit: 's' } });
    const jl = join(dir, 'x.jsonl');
    writeFileSync(jl, Buffer.concat([
      Buffer.from('{"t":1,"c":"a","m":"m\uFFFD","r":"r1","s":"s1"}\n'),
      Buffer.from('{"t":2,"c":"a","m":"m","r":"r'), Buffer.from([0xff]), Buffer.from('","s":"s1"}\n'),
      Buffer.from('{"t":3,"c":"a","m":"m","r":"r3","s":"s'), Buffer.from([0xfe]), Buffer.from('"}\n'),
      Buffer.from('{"t":4,"c":"a'), Buffer.from([0x80]), Buffer.from('","m":"m","r":"r4","s":"s1"}\n'),
      Buffer.from('{"t":5,"c":"a","m":"'), Buffer.from([0xe2, 0x82]), Buffer.from('","r":"r5","s":"s1"}\n'),
    ]));
    const expected = [[2, 'request_id'], [3, 'session_id'], [4, 'client_id'], [5, 'model']];
    const j = await ingestFiles({ inputs: [jl], mapping });
    expect(j.rejects.map((x) => [x.line, x.field])).toEqual(expected);
    expect(j.rejects.every((x) => x.reason === 'bad_encoding')).toBe(true);
    expect(j.trace.texts.model!.values).toEqual(['m\uFFFD']);

    // Parquet (DuckDB writes BLOBs as plain BYTE_ARRAY, read as text) and Arrow (raw Utf8 bytes).
    const bytesOf = (s: string) => Buffer.from(s.replace(/\\x([0-9a-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
    const table = [
      [1, 'a', 'm\\xef\\xbf\\xbd', 'r1', 's1'],
      [2, 'a', 'm', 'r\\xff', 's1'],
      [3, 'a', 'm', 'r3', 's\\xfe'],
      [4, 'a\\x80', 'm', 'r4', 's1'],
      [5, 'a', '\\xe2\\x82', 'r5', 's1'],
    ] as const;
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const pq = join(dir, 'x.parquet');
    await con.run(`COPY (SELECT * FROM (VALUES ${table.map(([t, ...s]) => `(${t}, ${s.map((x) => `'${x}'::BLOB`).join(', ')})`).join(', ')}) v(t, c, m, r, s)) TO '${pq}'`);
    con.closeSync();
    db.closeSync();
    const p = await ingestFiles({ inputs: [pq], mapping });
    expect(p.rejects.map((x) => [x.line, x.field, x.reason])).toEqual(expected.map((e) => [...e, 'bad_encoding']));
    expect(p.trace.texts.model!.values).toEqual(['m\uFFFD']);

    const { makeData, makeVector, tableToIPC, Table, Float64, Utf8, vectorFromArray, Dictionary, Int32 } = await import('apache-arrow');
    const utf8 = (list: Buffer[]) => {
      const offsets = new Int32Array(list.length + 1);
      list.forEach((x, i) => (offsets[i + 1] = offsets[i] + x.length));
      return makeVector(makeData({ type: new Utf8(), length: list.length, valueOffsets: offsets, data: Buffer.concat(list), nullCount: 0 }));
    };
    const col = (k: number) => utf8(table.map((row) => bytesOf(row[k] as string)));
    // The model column dictionary-encoded: each distinct value decoded once.
    const models = [...new Set(table.map((row) => row[2]))];
    const dictVec = utf8(models.map((m) => bytesOf(m)));
    const modelDict = makeVector(makeData({ type: new Dictionary(new Utf8(), new Int32()), length: table.length, nullCount: 0, data: Int32Array.from(table, (row) => models.indexOf(row[2])), dictionary: dictVec }));
    const arrowTable = new Table({ t: vectorFromArray(table.map((row) => row[0]), new Float64()), c: col(1), m: modelDict, r: col(3), s: col(4) });
    const arrow = join(dir, 'x.arrow');
    writeFileSync(arrow, tableToIPC(arrowTable, 'file'));
    const a = await ingestFiles({ inputs: [arrow], mapping });
    expect(a.rejects.map((x) => [x.line, x.field, x.reason])).toEqual(expected.map((e) => [...e, 'bad_encoding']));
    expect(a.trace.texts.model!.values).toEqual(['m\uFFFD']);
    expect(a.rejects[0].text).toContain('"r":"r\\udcff"'); // the row as JSON: the byte as its escape
  });
});
