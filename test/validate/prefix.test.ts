/**
 * validate's prefix-cache statistics: the infinite-cache and LRU block hit ratios of a side's
 * hash_ids, checked against independent computations, and the two metrics built on them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import type { Trace } from '../../src/ingest/trace.js';
import { measurePrefixReuse } from '../../src/generate/prefix-reuse.js';
import { judgedCapacity, LRU_CAPACITIES, prefixSideOf, prefixStatistics } from '../../src/validate/prefix.js';
import { copyFileSync, readFileSync } from 'node:fs';
import { runCli } from '../cli/run-cli.js';
import { fixture, tempDir } from '../helpers.js';

/** Row i's ids. */
const ids = (t: Trace, i: number) => t.hashIds!.ids.subarray(t.hashIds!.offsets[i], t.hashIds!.offsets[i + 1]);

/** An LRU prefix cache as a Map in insertion order (the benches' reference: bench/prefix-trace-stats.ts). */
function mapLru(t: Trace, capacity: number): number {
  const cache = new Map<number, true>();
  let hits = 0;
  let total = 0;
  for (let i = 0; i < t.n; i++) {
    let lead = true;
    for (const id of ids(t, i)) {
      if (cache.has(id)) {
        if (lead) hits++;
        cache.delete(id);
      } else lead = false;
      cache.set(id, true);
      if (cache.size > capacity) cache.delete(cache.keys().next().value as number);
    }
    total += ids(t, i).length;
  }
  return hits / total;
}

describe('prefix statistics of a side', () => {
  let syn: Trace;
  beforeAll(async () => {
    syn = (await ingestFiles({ inputs: [fixture('traces', 'mooncake', 'synthetic_trace.jsonl.gz')], mapping: loadPreset('mooncake') })).trace;
  });

  it('infinite cache: the trie walk of measurePrefixReuse gives the same ratio; LRU: a Map-based cache gives the same at every capacity', () => {
    const side = prefixSideOf(syn)!;
    const reqs = Array.from({ length: syn.n }, (_, i) => ({ hashIds: ids(syn, i), timestamp: syn.timestamp[i] * 1000, inputLength: 0, outputLength: 0 }));
    const r = measurePrefixReuse(reqs);
    const shared = r.shared.reduce((a, b) => a + b, 0);
    const blocks = r.blocks.reduce((a, b) => a + b, 0);
    expect(side.blocks).toBe(blocks);
    expect(side.hitRatio).toBe(shared / blocks);
    expect(side.requests).toBe(3993);
    expect(side.distinct).toBe(new Set(syn.hashIds!.ids).size);
    // Capacities below the distinct blocks are simulated, the others are not (they hit as an infinite cache).
    expect(Object.keys(side.lru).map(Number)).toEqual(LRU_CAPACITIES.filter((c) => c < side.distinct));
    for (const [c, v] of Object.entries(side.lru)) expect(v, `capacity ${c}`).toBe(mapLru(syn, Number(c)));
    // The measured locality of docs/prefix-reuse.md: ~23 % of blocks hit at 4 000 blocks.
    expect(side.lru[4096]).toBeCloseTo(0.237, 3);
  });

  it('metrics: 0 against itself, judged at the capacity nearest 10 % of the source\'s distinct blocks, not judged without hash_ids', () => {
    const side = prefixSideOf(syn)!;
    expect(judgedCapacity(side)).toBe(4096); // 43 924 distinct: 10 % is 4 392
    const self = prefixStatistics(side, side);
    expect(self.map((s) => s.value)).toEqual([0, 0]);
    expect(self[1].note).toContain('LRU cache of 4096 blocks');
    const none = prefixStatistics(side, undefined);
    expect(none.map((s) => s.value)).toEqual([null, null]);
    expect(none[0].note).toContain('no hash_ids on the generated side');
    // A side with fewer distinct blocks than the smallest cache: the LRU metric is not judged.
    const small: Trace = { ...syn, n: 3, hashIds: { ...syn.hashIds!, offsets: syn.hashIds!.offsets.subarray(0, 4) } };
    const s = prefixSideOf(small)!;
    expect(s.lru).toEqual({});
    expect(prefixStatistics(s, s)[1].value).toBeNull();
    // A generated side with fewer distinct blocks than the capacity hits as an infinite cache there.
    const gen = { ...side, lru: {} };
    expect(prefixStatistics(side, gen)[1].value).toBeCloseTo(Math.abs(side.hitRatio - side.lru[4096]), 12);
  });
});

describe('prefix metrics with the DuckDB engine', () => {
  it('are judged as the TypeScript engine judges them (the same values, not dropped from the report)', async () => {
    // (found by review: with --engine duckdb, or auto on a large input, the two metrics vanished
    // from the report; then they were listed as not judged; the DuckDB engine now reads hash_ids)
    const dir = tempDir();
    const a = `${dir}/a.jsonl`;
    expect((await runCli('ingest', fixture('traces', 'mooncake', 'synthetic_trace.jsonl.gz'), '--preset', 'mooncake', '--out', a)).code).toBe(0);
    copyFileSync(a, `${dir}/b.jsonl`);
    const metrics = async (engine: string) => {
      const r = await runCli('validate', a, `${dir}/b.jsonl`, '--engine', engine, '--json', `${dir}/v-${engine}.json`);
      expect(r.code).toBe(0);
      return (JSON.parse(readFileSync(`${dir}/v-${engine}.json`, 'utf8')) as { metrics: Record<string, { value: number | null; note?: string; pass: boolean }> }).metrics;
    };
    const [d, t] = [await metrics('duckdb'), await metrics('ts')];
    for (const name of ['prefix_hit_ratio_abs_err', 'prefix_lru_hit_ratio_abs_err']) {
      expect(d[name], name).toEqual(t[name]);
      expect(d[name].value).toBe(0);
      expect(d[name].pass).toBe(true);
    }
  });
});
