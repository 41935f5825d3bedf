/**
 * `ingest --engine duckdb` writes hash_ids (it left them out, with a note): each accepted row's
 * ids read with the TypeScript engine's rules (hashIdKeys), renumbered by first use in the
 * written order, in the Parquet trace's LIST<INT32> column, with the block size in its header,
 * and the TypeScript engine's notes (rows kept without ids; ids that do not count the prompt's
 * blocks). Rows out of time order and of several clients: the same rows and ids as the
 * TypeScript engine's trace; ties in time: the same output on every run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { loadPreset } from '../../src/ingest/presets.js';
import type { Trace } from '../../src/ingest/trace.js';
import { createRng } from '../../src/stats/rng.js';
import { ingestWithDuckDB } from '../../src/summary/duckdb-ingest.js';
import { prefixRowsWithDuckDB } from '../../src/summary/duckdb-prefix.js';
import { prefixSideOf } from '../../src/validate/prefix.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
const mapping = parseMapping({ columns: { timestamp: 'ts', client_id: 'user', input_tokens: 'prompt', output_tokens: 'answer', hash_ids: 'ids' }, timestamp: { unit: 's' }, block_tokens: 16 }, 'm');

/** ~400 rows of 3 clients, shuffled, distinct times (or ties, every 10th row at its neighbour's time), with shared stems and some bad values. */
function writeLog(name: string, ties: boolean): string {
  const rng = createRng(11);
  const lines: string[] = [];
  for (let i = 0; i < 400; i++) {
    const stem = Math.floor(rng.next() * 5);
    const ids = [stem, ...Array.from({ length: Math.floor(rng.next() * 4) }, () => (rng.next() < 0.5 ? stem * 10 + 1 : 100 + Math.floor(rng.next() * 50)))];
    const t = ties && i % 10 === 1 ? 1.7e9 + (i - 1) * 0.37 : 1.7e9 + i * 0.37;
    const value = i % 97 === 3 ? '"[1, -1]"' : i % 89 === 5 ? '' : `"${JSON.stringify(ids).replace(/"/g, '""')}"`;
    lines.push(`${t.toFixed(2)},u${i % 3},${16 * ids.length - 3},${i % 50},${value}`);
  }
  for (let i = lines.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [lines[i], lines[j]] = [lines[j], lines[i]];
  }
  const file = join(dir, name);
  writeFileSync(file, ['ts,user,prompt,answer,ids', ...lines].join('\n') + '\n');
  return file;
}

const rowsOf = (t: Trace) =>
  Array.from({ length: t.n }, (_, i) => [t.timestamp[i], t.clientIds[t.client[i]], t.ints.input_tokens?.[i], t.ints.output_tokens?.[i], Array.from(t.hashIds!.ids.subarray(t.hashIds!.offsets[i], t.hashIds!.offsets[i + 1]))]);

describe('ingest --engine duckdb writes hash_ids', () => {
  it('as the TypeScript engine: the same rows, ids, block size, notes and hit ratios', async () => {
    const log = writeLog('log.csv', false);
    const out = join(dir, 'd.parquet');
    const d = await ingestWithDuckDB([log], mapping, out, { maxRejectRatio: 0.01 });
    const ts = await ingestFiles({ inputs: [log], mapping });
    expect(d.written).toBe(400);
    const back = (await ingestFiles({ inputs: [out], mapping: loadPreset('servegen') })).trace;
    expect(back.hashIds!.blockTokens).toBe(16);
    expect(rowsOf(back)).toEqual(rowsOf(ts.trace));
    expect(prefixSideOf(back)).toEqual(prefixSideOf(ts.trace));
    // The notes of rows kept without ids: the same count (the first named by file, not line).
    const badTs = ts.summary.notes!.find((n) => n.includes('not an array of block ids'))!;
    const badD = d.summary.notes!.find((n) => n.includes('not an array of block ids'))!;
    expect(badD.slice(0, badD.indexOf('; the first'))).toBe(badTs.slice(0, badTs.indexOf('; the first')));
    expect(badD).toContain(`${log}: id 1: not a whole number ≥ 0 or a text: -1`);
  });

  it('says when the ids do not count the prompts\' blocks (block_tokens forgotten), as the TypeScript engine', async () => {
    const log = writeLog('log-512.csv', false);
    const m512 = parseMapping({ ...mapping, block_tokens: undefined, columns: mapping.columns, timestamp: mapping.timestamp }, 'm');
    const d = await ingestWithDuckDB([log], m512, join(dir, 'd512.parquet'), { maxRejectRatio: 0.01 });
    const ts = await ingestFiles({ inputs: [log], mapping: m512 });
    const size = (notes: string[] | undefined) => notes?.find((n) => n.includes('⌈prompt tokens / 512⌉'));
    expect(size(ts.summary.notes)).toBeDefined();
    expect(size(d.summary.notes)).toBe(size(ts.summary.notes));
  });

  it('writes the same file on every run when rows share a time (ids renumbered in one order)', async () => {
    const log = writeLog('ties.csv', true);
    const a = join(dir, 'a.parquet');
    const b = join(dir, 'b.parquet');
    await ingestWithDuckDB([log], mapping, a, { maxRejectRatio: 0.01 });
    await ingestWithDuckDB([log], mapping, b, { maxRejectRatio: 0.01 });
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    const back = (await ingestFiles({ inputs: [a], mapping: loadPreset('servegen') })).trace;
    const ts = (await ingestFiles({ inputs: [log], mapping })).trace;
    // Ties may be ordered otherwise than in the TypeScript engine (by value): the same distinct blocks.
    expect(back.n).toBe(ts.n);
    expect(prefixSideOf(back)!.distinct).toBe(prefixSideOf(ts)!.distinct);
    expect(prefixSideOf(back)!.blocks).toBe(prefixSideOf(ts)!.blocks);
  });

  it('writes them past 204 800 rows with ids (where an appender on the streaming connection flushed and ended the stream)', async () => {
    // (found on a 300 k-request trace: "internal error: the streamed query ended after 204800 of 300197 rows")
    const file = join(dir, 'long.csv');
    const lines = ['ts,user,prompt,answer,ids'];
    for (let i = 0; i < 210_000; i++) lines.push(`${1.7e9 + i * 0.01},u${i % 3},29,1,"[${i % 1000}, ${i % 7919}]"`);
    writeFileSync(file, lines.join('\n') + '\n');
    {
      const out = join(dir, 'long.parquet');
      const d = await ingestWithDuckDB([file], mapping, out, { maxRejectRatio: 0.01 });
      expect(d.written).toBe(210_000);
      const back = (await ingestFiles({ inputs: [out], mapping: loadPreset('servegen') })).trace;
      const ts = (await ingestFiles({ inputs: [file], mapping })).trace;
      expect(Array.from(back.hashIds!.offsets)).toEqual(Array.from(ts.hashIds!.offsets));
      expect(Buffer.from(back.hashIds!.ids.buffer, back.hashIds!.ids.byteOffset, back.hashIds!.ids.byteLength).equals(Buffer.from(ts.hashIds!.ids.buffer, ts.hashIds!.ids.byteOffset, ts.hashIds!.ids.byteLength))).toBe(true);
    }
  }, 60_000);

  it('writes every row\'s ids whatever their number, up to the distinct ids it numbers in memory (INGEST_MAX_DISTINCT_IDS): above, none, said', async () => {
    // (it wrote none above 4 M rows with a value, a limit of the prefix model's, not of the
    // renumbering: `--engine auto` takes DuckDB for large logs, whose traces lost their ids)
    const log = writeLog('capped.csv', false);
    const notes: string[] = [];
    const out = join(dir, 'capped.parquet');
    const d = await ingestWithDuckDB([log], mapping, out, { maxRejectRatio: 0.01, maxDistinctIds: 20, onNote: (l) => notes.push(l) });
    expect(d.written).toBe(400);
    expect(d.summary.notes?.join('\n')).toMatch(/hash_ids: more than 20 distinct block ids \(by row \d+ of the written order\), more than the DuckDB engine's ingest numbers in memory: the trace has none/);
    expect((await ingestFiles({ inputs: [out], mapping: loadPreset('servegen') })).trace.hashIds).toBeUndefined();
    // At the log's own count of distinct ids, all of them.
    const all = join(dir, 'all.parquet');
    const ts = (await ingestFiles({ inputs: [log], mapping })).trace;
    await ingestWithDuckDB([log], mapping, all, { maxRejectRatio: 0.01, maxDistinctIds: prefixSideOf(ts)!.distinct });
    expect(rowsOf((await ingestFiles({ inputs: [all], mapping: loadPreset('servegen') })).trace)).toEqual(rowsOf(ts));
    // The prefix pass still reads none above its limit without a slice (fit and validate slice).
    const many = writeLog('many.csv', false);
    const rows = await prefixRowsWithDuckDB([many], mapping, { maxRows: 100 });
    expect(rows?.trace).toBeUndefined();
    expect(rows?.tooMany?.max).toBe(100);
    expect(rows?.tooMany?.rows).toBeGreaterThan(390);
    expect((await prefixRowsWithDuckDB([many], mapping, { maxRows: 1000 }))?.trace?.n).toBe(390);
  });
});
