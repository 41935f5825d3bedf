/**
 * Audit (h-94 reported, h-96 fixed): a profile's `prefix` section is a function of the log's
 * requests, not of how its files order or split the rows that share a timestamp. The prefix model
 * walks each client's rows in time order; rows of one time were taken in input order, so
 * the first 3 000 rows of Mooncake's conversation trace reversed within each time gave coverage
 * counts 599 and 565 instead of 598 and 566, and `reuse.chain` 0.003106 instead of 0.004141, with
 * either engine. Both engines now order the rows of one time by content (src/ingest/row-order.ts).
 */
import { gunzipSync } from 'node:zlib';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';
import { orderRows } from '../../src/ingest/row-order.js';

/** The first 1 500 rows of Mooncake's conversation trace (times in 3 s steps, up to 28 rows at one time), as JSON lines. */
function mooncake(): string[] {
  return gunzipSync(readFileSync(fixture('traces', 'mooncake', 'conversation_trace.jsonl.gz'))).toString('utf8').split('\n').filter(Boolean).slice(0, 1500);
}

/** The rows with each time's rows reversed. */
function reversedWithinTimes(lines: string[]): string[] {
  const by = new Map<number, string[]>();
  for (const l of lines) {
    const t = (JSON.parse(l) as { timestamp: number }).timestamp;
    if (!by.has(t)) by.set(t, []);
    by.get(t)!.push(l);
  }
  return [...by.values()].flatMap((g) => g.reverse());
}

async function prefixOf(files: Record<string, string[]>, engine: string): Promise<unknown> {
  const dir = tempDir();
  const paths = Object.entries(files).map(([name, lines]) => {
    writeFileSync(`${dir}/${name}`, lines.join('\n') + '\n');
    return `${dir}/${name}`;
  });
  const r = await runCli('fit', ...paths, '--preset', 'mooncake', '--engine', engine, '--out', `${dir}/p.json`, '--quiet');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const p = JSON.parse(readFileSync(`${dir}/p.json`, 'utf8')) as { clients: { prefix?: unknown }[] };
  return p.clients.map((c) => c.prefix);
}

describe('prefix model: rows of one time in content order', () => {
  /** orderRows on rows given as [time, client, ids, length]: each row in order, as [time, client, numbered ids, length]. */
  const ordered = (rows: [number, string, (number | string)[], number][]) => {
    const names = [...new Set(rows.map((r) => r[1]))];
    const dict = new Map<number | string, number>();
    const codes = rows.flatMap((r) => r[2].map((k) => dict.get(k) ?? (dict.set(k, dict.size), dict.size - 1)));
    const keys = [...dict.keys()];
    const len = Int32Array.from(rows.map((r) => r[3]));
    const { apply, hashIds } = orderRows(Float64Array.from(rows.map((r) => r[0])), {
      names,
      client: Int32Array.from(rows.map((r) => names.indexOf(r[1]))),
      ints: [len],
      hash: { counts: Int32Array.from(rows.map((r) => r[2].length)), codes: Int32Array.from(codes), distinct: keys.length, keys: () => keys, blockTokens: 16 },
    });
    const t = apply(Float64Array.from(rows.map((r) => r[0])));
    const c = apply(Int32Array.from(rows.map((r) => names.indexOf(r[1]))));
    const l = apply(len);
    return Array.from(t, (x, i) => [x, names[c[i]], Array.from(hashIds!.ids.subarray(hashIds!.offsets[i], hashIds!.offsets[i + 1])), l[i]] as [number, string, number[], number]);
  };

  it('orders the rows of one time by client name, then ids (by their keys when new: a prompt before its extensions, numbers before texts), then length', () => {
    const rows: [number, string, (number | string)[], number][] = [
      [1, 'b', [7], 5],
      [1, 'a', [7, 'x'], 5],
      [1, 'a', [3], 9],
      [0, 'a', [9], 1],
      [1, 'a', [7, 3], 5],
      [1, 'a', [7], 5],
      [1, 'a', [], 8],
      [1, 'a', [], 2],
    ];
    // ids numbered by first use in that order: 9 → 0; then [] [] [3] [7] [7 3] [7 x]; b's [7] is a's block 7
    expect(ordered(rows)).toEqual([
      [0, 'a', [0], 1],
      [1, 'a', [], 2],
      [1, 'a', [], 8],
      [1, 'a', [1], 9],
      [1, 'a', [2], 5],
      [1, 'a', [2, 3], 5],
      [1, 'a', [2, 4], 5],
      [1, 'b', [2], 5],
    ]);
  });

  it('a block an earlier time numbered comes before a new one, whatever their keys: the order of a trace read again (ids: those numbers) is the same', () => {
    // t=0 numbers 50 (→ 0) and 40 (→ 1); at t=1 [40] (known, 1) comes before [10] (new), and [50] (0) before [40]
    const rows: [number, string, (number | string)[], number][] = [
      [0, 'a', [50], 1],
      [0, 'a', [40], 1],
      [1, 'a', [10], 1],
      [1, 'a', [40], 1],
      [1, 'a', [50], 1],
      [1, 'a', [20, 30], 1],
    ];
    const once = ordered(rows);
    expect(once.map((r) => r[2])).toEqual([[0], [1], [0], [1], [2], [3, 4]]);
    // (read again, in another order: its own ids as keys)
    expect(ordered([...once].reverse())).toEqual(once);
  });

  it('Mooncake rows reversed within each time, and split over two files given in either order: one prefix section, either engine', async () => {
    const lines = mooncake();
    const rev = reversedWithinTimes(lines);
    const ref = await prefixOf({ 'a.jsonl': lines }, 'ts');
    expect(ref).toEqual([expect.objectContaining({ coverage: expect.anything() })]);
    expect(await prefixOf({ 'a.jsonl': rev }, 'ts')).toEqual(ref);
    expect(await prefixOf({ 'a.jsonl': lines }, 'duckdb')).toEqual(ref);
    expect(await prefixOf({ 'a.jsonl': rev }, 'duckdb')).toEqual(ref);
    // (each time's rows dealt alternately to two files, the second file given first)
    const [x, y] = [rev.filter((_, i) => i % 2 === 1), rev.filter((_, i) => i % 2 === 0)];
    expect(await prefixOf({ 'b.jsonl': x, 'c.jsonl': y }, 'ts')).toEqual(ref);
    expect(await prefixOf({ 'b.jsonl': x, 'c.jsonl': y }, 'duckdb')).toEqual(ref);
  });
});
