/**
 * hash_ids (a prompt's block ids, Mooncake style) read by ingest: kept per row, renumbered by
 * first use in time order, written by every trace writer and read back, bad values rejected
 * with the field named, and said (not dropped silently) by the DuckDB engine.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { writeTrace } from '../../src/ingest/write-trace.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { loadPreset } from '../../src/ingest/presets.js';
import type { Trace } from '../../src/ingest/trace.js';
import { sliceTrace } from '../../src/ingest/trace.js';
import { quoteLongIntegers } from '../../src/io/json-text.js';
import { runCli } from '../cli/run-cli.js';
import { prefixSideOf } from '../../src/validate/prefix.js';
import { fixture, tempDir } from '../helpers.js';

const SYNTHETIC = fixture('traces', 'mooncake', 'synthetic_trace.jsonl.gz');

/** The rows of a Mooncake file as parsed JSON, in file order. */
function mooncakeRows(file: string): { timestamp: number; hash_ids: number[]; input_length: number; output_length: number }[] {
  return gunzipSync(readFileSync(file))
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { timestamp: number; hash_ids: number[]; input_length: number; output_length: number });
}

/** Row i's ids of a trace. */
const idsOf = (t: Trace, i: number) => Array.from(t.hashIds!.ids.subarray(t.hashIds!.offsets[i], t.hashIds!.offsets[i + 1]));

/** Lists renumbered by first use in the given order (what the trace must hold). */
function byFirstUse(lists: (readonly (number | string)[])[]): number[][] {
  const m = new Map<number | string, number>();
  return lists.map((l) => l.map((x) => m.get(x) ?? (m.set(x, m.size), m.size - 1)));
}

describe('hash_ids: ingest', () => {
  it('keeps each row of the Mooncake synthetic trace its ids, renumbered by first use in time order', async () => {
    const rows = mooncakeRows(SYNTHETIC);
    const { trace, summary } = await ingestFiles({ inputs: [SYNTHETIC], mapping: loadPreset('mooncake') });
    expect(summary.rows_accepted).toBe(rows.length);
    expect(trace.hashIds?.blockTokens).toBe(512);
    // The trace is sorted by time, the rows of one time by their ids (h-96, src/ingest/row-order.ts):
    // block by block, a prefix an earlier time used first by its first use, a new one after, two
    // new ones by their values; a prompt before its extensions (one client; then by input, output).
    const firstUse = new Map<string, number>();
    const rank = (ids: number[], k: number) => firstUse.get(ids.slice(0, k + 1).join(','));
    const order: typeof rows = [];
    const byTime = new Map<number, typeof rows>();
    for (const r of rows) byTime.set(r.timestamp, [...(byTime.get(r.timestamp) ?? []), r]);
    for (const t of [...byTime.keys()].sort((a, b) => a - b)) {
      const group = byTime.get(t)!.sort((a, b) => {
        for (let k = 0; k < Math.min(a.hash_ids.length, b.hash_ids.length); k++) {
          const [x, y] = [rank(a.hash_ids, k), rank(b.hash_ids, k)];
          if (x !== y) return x === undefined ? 1 : y === undefined ? -1 : x - y;
          if (x === undefined && a.hash_ids[k] !== b.hash_ids[k]) return a.hash_ids[k] - b.hash_ids[k];
        }
        return a.hash_ids.length - b.hash_ids.length || a.input_length - b.input_length || a.output_length - b.output_length;
      });
      for (const r of group) for (let k = 0; k < r.hash_ids.length; k++) if (!firstUse.has(r.hash_ids.slice(0, k + 1).join(','))) firstUse.set(r.hash_ids.slice(0, k + 1).join(','), firstUse.size);
      order.push(...group);
    }
    expect(order.filter((r, i) => r !== rows[i]).length).toBeGreaterThan(0);
    const want = byFirstUse(order.map((r) => r.hash_ids));
    const got = Array.from({ length: trace.n }, (_, i) => idsOf(trace, i));
    expect(got).toEqual(want);
    // One id per 512-token block, as block_count counts them.
    for (let i = 0; i < trace.n; i++) expect(got[i].length).toBe(trace.ints.block_count![i]);
  });

  it('every trace format writes them and reads them back the same (jsonl, csv, parquet, arrow)', async () => {
    const { trace } = await ingestFiles({ inputs: [SYNTHETIC], mapping: loadPreset('mooncake') });
    const dir = tempDir();
    for (const format of ['jsonl', 'csv', 'parquet', 'arrow'] as const) {
      const file = `${dir}/t.${format}`;
      await writeTrace(trace, file, format);
      const back = (await ingestFiles({ inputs: [file], mapping: loadPreset('servegen') })).trace;
      expect(back.n, format).toBe(trace.n);
      expect(Array.from(back.hashIds!.offsets), format).toEqual(Array.from(trace.hashIds!.offsets));
      expect(Array.from(back.hashIds!.ids), format).toEqual(Array.from(trace.hashIds!.ids));
      expect(back.hashIds!.blockTokens, format).toBe(512);
    }
  });

  it('renumbers by first use in time order, reads ids as numbers or texts (5 and "5" one id) and JSON text in CSV', async () => {
    const dir = tempDir();
    const file = `${dir}/log.csv`;
    // Out of time order; ids written as texts and numbers; a blank cell has none. (h-89: ids are
    // numbered as prefix ids, an id after other blocks being another block, so the rows share
    // their first id where they did share a 7 after a 9 before.)
    writeFileSync(file, ['t,ids', '3,"[""d4"", 9]"', '1,"[7, 9]"', '2,', '0,"[""7"", 5, 5]"'].join('\n') + '\n');
    const mapping = parseMapping({ columns: { timestamp: 't', hash_ids: 'ids' }, timestamp: { unit: 's' }, block_tokens: 16 });
    const { trace, summary } = await ingestFiles({ inputs: [file], mapping });
    expect(summary.rows_rejected).toBe(0);
    expect(trace.hashIds!.blockTokens).toBe(16);
    // Time order: t=0 [7,5,5], t=1 [7,9], t=2 none, t=3 [d4,9]: "7" and 7 one id; the second 5
    // (after 5) and the 9 after d4 (not after 7) other blocks.
    expect([0, 1, 2, 3].map((i) => idsOf(trace, i))).toEqual([[0, 1, 2], [0, 3], [], [4, 5]]);
    // The slice of a trace keeps its rows' ids.
    const s = sliceTrace(trace, 1, 4);
    expect([0, 1, 2].map((i) => idsOf(s, i))).toEqual([[0, 3], [], [4, 5]]);
  });

  it('keeps a row whose value is not an array of whole numbers ≥ 0 or texts without ids, and warns naming the first (file, line, why)', async () => {
    // (not a reject: the DuckDB engine's scan, which reads the ids in a pass of its own, keeps such rows, and the engines
    // must count rows alike; found by review with the engines' differential fuzzer)
    const dir = tempDir();
    const file = `${dir}/log.jsonl`;
    const bad = [[1.5], [-1], 'abc', { a: 1 }, [null], [[1]], [true], 7];
    const lines = [{ t: 0, ids: [1, 2] }, ...bad.map((ids, i) => ({ t: i + 1, ids })), { t: 20, ids: [] }, { t: 21, ids: [2, 3] }, { t: 22 }];
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const mapping = parseMapping({ columns: { timestamp: 't', hash_ids: 'ids' }, timestamp: { unit: 's' }, optional: ['hash_ids'] });
    const { trace, summary, rejects } = await ingestFiles({ inputs: [file], mapping });
    expect(summary.rows_accepted).toBe(lines.length);
    expect(rejects).toEqual([]);
    expect(summary.notes).toEqual([`hash_ids: ${bad.length} rows have a value that is not an array of block ids (whole numbers ≥ 0 or texts), kept without ids (one field's bad value: the request is not rejected); the first, ${file}:2: id 0: not a whole number ≥ 0 or a text: 1.5`]);
    const got = Array.from({ length: trace.n }, (_, i) => idsOf(trace, i));
    // (h-89: [2, 3]'s 2 is first in its row, not after 1: another block than [1, 2]'s)
    expect(got).toEqual([[0, 1], ...bad.map(() => []), [], [2, 3], []]);
  });

  it('keeps 64-bit ids in JSON exact (JSON lines, a nested path, a CSV cell): ids one apart stay two ids', async () => {
    // (found by review: JSON.parse rounds 12345678901234567891 to 12345678901234567000, so every
    // row of a log with 64-bit block hashes was rejected as "not a whole number", and ids one
    // apart would have been read as one)
    const dir = tempDir();
    const a = '12345678901234567890';
    const b = '12345678901234567891';
    const c = '18446744073709551615';
    const jsonl = `${dir}/log.jsonl`;
    writeFileSync(jsonl, [`{"t": 0, "m": {"ids": [${a}, ${b}]}, "s": "9007199254740993"}`, `{"t": 1, "m": {"ids": [${a}, ${c}, 7]}}`, `{"t": 2, "m": {"ids": ["${a}", "${b}", 7]}}`].join('\n') + '\n');
    const m = parseMapping({ columns: { timestamp: 't', hash_ids: 'm.ids' }, timestamp: { unit: 's' } });
    const j = await ingestFiles({ inputs: [jsonl], mapping: m });
    expect(j.summary.rows_rejected).toBe(0);
    // (a 7 after b is another block than a 7 after c: prefix ids, h-89)
    expect([0, 1, 2].map((i) => idsOf(j.trace, i))).toEqual([[0, 1], [0, 2, 3], [0, 1, 4]]);
    const csv = `${dir}/log.csv`;
    writeFileSync(csv, ['t,ids', `0,"[${a}, ${b}]"`, `1,"[${a}, ${b}, 9007199254740993, 9007199254740992]"`].join('\n') + '\n');
    const k = await ingestFiles({ inputs: [csv], mapping: parseMapping({ columns: { timestamp: 't', hash_ids: 'ids' }, timestamp: { unit: 's' } }) });
    expect(k.summary.rows_rejected).toBe(0);
    expect([0, 1].map((i) => idsOf(k.trace, i))).toEqual([[0, 1], [0, 1, 2, 3]]);
  });

  it('quoteLongIntegers quotes only integer literals past 2^53 − 1 outside strings', () => {
    expect(quoteLongIntegers('[1, 9007199254740991, 9007199254740992]')).toBe('[1, 9007199254740991, "9007199254740992"]');
    expect(quoteLongIntegers('{"a 12345678901234567890": "x\\" 12345678901234567890", "b": 1.2345678901234567890, "c": 12345678901234567890e3, "d": -12345678901234567890}')).toBe('{"a 12345678901234567890": "x\\" 12345678901234567890", "b": 1.2345678901234567890, "c": 12345678901234567890e3, "d": -12345678901234567890}');
    expect(quoteLongIntegers('{"x":[18446744073709551615]}')).toBe('{"x":["18446744073709551615"]}');
  });

  it("keeps our own traces' ids apart when several are read together (each numbers its blocks from 0), and a log's files in one space", async () => {
    // (found by review: two generated traces read together shared their blocks 0, 1, … as if the
    // same prompts, inflating the reuse a fit or validate saw)
    const dir = tempDir();
    const head = '{"servegen":{"format":"servegen-trace","version":1,"origin":null,"block_tokens":512}}';
    writeFileSync(`${dir}/a.jsonl`, [head, '{"timestamp":0,"input_tokens":900,"hash_ids":[0,1]}'].join('\n') + '\n');
    writeFileSync(`${dir}/b.jsonl`, [head, '{"timestamp":5,"input_tokens":900,"hash_ids":[0,2]}', '{"timestamp":6,"input_tokens":900,"hash_ids":[0,2]}'].join('\n') + '\n');
    const ours = await ingestFiles({ inputs: [`${dir}/a.jsonl`, `${dir}/b.jsonl`], mapping: loadPreset('servegen') });
    expect([0, 1, 2].map((i) => idsOf(ours.trace, i))).toEqual([[0, 1], [2, 3], [2, 3]]);
    // A log split in files (no header): its block hashes are one space.
    writeFileSync(`${dir}/a.log.jsonl`, '{"timestamp":0,"input_length":900,"output_length":9,"hash_ids":[0,1]}\n');
    writeFileSync(`${dir}/b.log.jsonl`, '{"timestamp":5000,"input_length":900,"output_length":9,"hash_ids":[0,2]}\n');
    const log = await ingestFiles({ inputs: [`${dir}/a.log.jsonl`, `${dir}/b.log.jsonl`], mapping: loadPreset('mooncake') });
    expect([0, 1].map((i) => idsOf(log.trace, i))).toEqual([[0, 1], [0, 2]]);
  });

  it('warns when the ids do not count the prompts\' blocks at the block size (block_tokens missing or wrong), and not when they do', async () => {
    // (found by review: a log of 16-token blocks read as 512 was fitted and generated without a
    // word: 98 % of its blocks hit an infinite cache, 0 % of the generated ones)
    const dir = tempDir();
    const file = `${dir}/log.jsonl`;
    writeFileSync(file, Array.from({ length: 100 }, (_, i) => JSON.stringify({ t: i, n: 800, ids: Array.from({ length: 50 }, (_, k) => i + k) })).join('\n') + '\n');
    const columns = { timestamp: 't', input_tokens: 'n', hash_ids: 'ids' };
    const wrong = await ingestFiles({ inputs: [file], mapping: parseMapping({ columns, timestamp: { unit: 's' } }) });
    expect(wrong.summary.notes?.join('\n')).toMatch(/hash_ids: 100\.0 % of the 100 rows with ids and a prompt length have a number of ids other than ⌈prompt tokens \/ 512⌉ \(a median of 16 prompt tokens per id\).*"block_tokens": N/);
    const right = await ingestFiles({ inputs: [file], mapping: parseMapping({ columns, timestamp: { unit: 's' }, block_tokens: 16 }) });
    expect(right.summary.notes ?? []).toEqual([]);
    const { summary } = await ingestFiles({ inputs: [SYNTHETIC], mapping: loadPreset('mooncake') });
    expect(summary.notes ?? []).toEqual([]);
  });

  it('warns when our traces read together give blocks of different sizes (one size is kept)', async () => {
    const dir = tempDir();
    const head = (bt: number) => `{"servegen":{"format":"servegen-trace","version":1,"origin":null,"block_tokens":${bt}}}`;
    writeFileSync(`${dir}/a.jsonl`, [head(512), '{"timestamp":0,"input_tokens":900,"hash_ids":[0,1]}'].join('\n') + '\n');
    writeFileSync(`${dir}/b.jsonl`, [head(256), '{"timestamp":5,"input_tokens":500,"hash_ids":[0,2]}'].join('\n') + '\n');
    const { trace, summary } = await ingestFiles({ inputs: [`${dir}/a.jsonl`, `${dir}/b.jsonl`], mapping: loadPreset('servegen') });
    expect(trace.hashIds!.blockTokens).toBe(512);
    expect(summary.notes?.join('\n')).toContain("hash_ids: the inputs' headers give blocks of 512, 256 tokens; the trace keeps 512 for all");
    const same = await ingestFiles({ inputs: [`${dir}/a.jsonl`, `${dir}/a.jsonl`], mapping: loadPreset('servegen') });
    expect(same.summary.notes ?? []).toEqual([]);
  });

  it('a trace whose rows have no ids at all has no hash_ids', async () => {
    const dir = tempDir();
    const file = `${dir}/log.jsonl`;
    writeFileSync(file, '{"t": 0, "ids": []}\n{"t": 1}\n');
    const { trace } = await ingestFiles({ inputs: [file], mapping: parseMapping({ columns: { timestamp: 't', hash_ids: 'ids' }, timestamp: { unit: 's' }, optional: ['hash_ids'] }) });
    expect(trace.hashIds).toBeUndefined();
  });

  it('refuses hash_ids from anything but one column, and block_tokens without hash_ids', () => {
    expect(() => parseMapping({ columns: { timestamp: 't', hash_ids: ['a', 'b'] } }, 'm.json')).toThrow(/m.json: columns.hash_ids: expected the column/);
    expect(() => parseMapping({ columns: { timestamp: 't', hash_ids: { length: 'a' } } }, 'm.json')).toThrow(/columns.hash_ids/);
    expect(() => parseMapping({ columns: { timestamp: 't' }, block_tokens: 512 }, 'm.json')).toThrow(/m.json: block_tokens is the size of a block of columns.hash_ids/);
    expect(() => parseMapping({ columns: { timestamp: 't', hash_ids: 'a' }, block_tokens: 0 }, 'm.json')).toThrow(/block_tokens/);
  });

  it('{"token_blocks": col}: token ids cut into blocks of block_tokens, each id standing for its whole prefix', async () => {
    const dir = tempDir();
    const file = `${dir}/log.jsonl`;
    const seq = (from: number, n: number) => Array.from({ length: n }, (_, k) => from + k);
    const a = seq(0, 10); // blocks of 4: [0-3] [4-7] [8-9]
    const b = [...seq(0, 6), 99, 98, 97, 96]; // shares block 0 with a, not block 1
    const c = [...seq(50, 4), ...seq(4, 4)]; // block 1 has a's tokens, after another block 0
    const lines = [{ t: 0, tok: a }, { t: 1, tok: b }, { t: 2, tok: c }, { t: 3, tok: a }, { t: 4, tok: seq(0, 8) }, { t: 5, tok: [] }, { t: 6, tok: [1, -2] }, { t: 7, tok: [1.5] }];
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const mapping = parseMapping({ columns: { timestamp: 't', hash_ids: { token_blocks: 'tok' } }, timestamp: { unit: 's' }, block_tokens: 4 });
    const { trace, summary, rejects } = await ingestFiles({ inputs: [file], mapping });
    // Rows with bad token ids are kept without ids, as rows with bad hash_ids are (noted).
    expect(summary.rows_accepted).toBe(8);
    expect(rejects).toEqual([]);
    expect(summary.notes?.[0]).toContain(`hash_ids: 2 rows have a value that is not an array of block ids`);
    expect(summary.notes?.[0]).toContain(`${file}:7: token 1: not a whole number ≥ 0: -2`);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => idsOf(trace, i))).toEqual([
      [0, 1, 2], // a: ⌈10 / 4⌉ blocks
      [0, 3, 4], // b: a's first block only
      [5, 6], // c: block 1's tokens equal a's, but not its prefix
      [0, 1, 2], // a again: all of its blocks
      [0, 1], // a's first 8 tokens: its two full blocks
      [], // no tokens
      [], // a bad token id: none
      [],
    ]);
    // Refused for any other field.
    expect(() => parseMapping({ columns: { timestamp: 't', client_id: { token_blocks: 'tok' } } }, 'm.json')).toThrow(/m.json: columns.client_id: \{"token_blocks": …\} is a source of hash_ids only/);
  });

  it('both engines write them (ingest --engine duckdb and ts): the same rows with the same ids', async () => {
    const dir = tempDir();
    const d = await runCli('ingest', SYNTHETIC, '--preset', 'mooncake', '--engine', 'duckdb', '--out', `${dir}/d.parquet`);
    expect(d.code).toBe(0);
    expect(d.stderr).not.toContain('hash_ids');
    const t = await runCli('ingest', SYNTHETIC, '--preset', 'mooncake', '--out', `${dir}/t.jsonl`);
    expect(t.code).toBe(0);
    expect(t.stderr).not.toContain('hash_ids');
    const second = readFileSync(`${dir}/t.jsonl`, 'utf8').split('\n')[1];
    expect(second).toMatch(/,"block_count":79,"hash_ids":\[0,1,2,3,.*,78\]\}$/);
    // Rows of this log that share a time are ordered by value in the DuckDB engine's trace (by
    // input order in the TypeScript engine's), so ids are numbered otherwise there: the same
    // blocks, the same infinite-cache hits (a shared prefix hits once whichever comes first).
    const servegen = loadPreset('servegen');
    const a = (await ingestFiles({ inputs: [`${dir}/d.parquet`], mapping: servegen })).trace;
    const b = (await ingestFiles({ inputs: [`${dir}/t.jsonl`], mapping: servegen })).trace;
    expect(a.n).toBe(3993);
    expect(a.hashIds!.blockTokens).toBe(512);
    const sizes = (t: Trace) => Array.from({ length: t.n }, (_, i) => idsOf(t, i).length).sort((x, y) => x - y);
    expect(sizes(a)).toEqual(sizes(b));
    const [pa, pb] = [prefixSideOf(a)!, prefixSideOf(b)!];
    expect([pa.requests, pa.blocks, pa.distinct, pa.hitRatio]).toEqual([pb.requests, pb.blocks, pb.distinct, pb.hitRatio]);
  });
});
