/**
 * measurePrefixReuse's trie (used twice by every fit of a trace with hash_ids) in bounded
 * memory: a Map per node took ~225 bytes a node (found by review: fit of 246 k chat requests
 * used 1.28 GB, of 1.2 M requests 9.4 GB, near Node's default 4 GB heap at 0.6 M requests).
 */
import { describe, expect, it } from 'vitest';
import { measurePrefixReuse, type PrefixRequest } from '../../src/generate/prefix-reuse.js';

describe('measurePrefixReuse: memory', () => {
  it('a trie of 1 M nodes takes well under 100 bytes a node, with the same results', () => {
    // 10 000 requests of 100 blocks: a shared first block, then 99 of their own (1 M nodes);
    // every 10th repeats the previous request's first 50 blocks.
    const requests: PrefixRequest[] = [];
    for (let i = 0; i < 10000; i++) {
      const ids = new Int32Array(100);
      ids[0] = 0;
      for (let k = 1; k < 100; k++) ids[k] = i % 10 === 9 && k < 50 ? (i - 1) * 100 + k : i * 100 + k;
      requests.push({ hashIds: ids, timestamp: i * 1000, inputLength: 100 * 512, outputLength: 10 });
    }
    const before = process.memoryUsage();
    const r = measurePrefixReuse(requests, 512);
    const after = process.memoryUsage();
    const grew = after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers;
    expect(grew / 1e6).toBeLessThan(100);
    expect(r.shared[0]).toBe(0);
    expect(r.shared[1]).toBe(1);
    expect(r.match[1]).toBe(0);
    expect(r.shared[9]).toBe(50);
    expect(r.match[9]).toBe(8);
    expect(r.parent[9]).toBe(-1);
    expect(Array.from(r.blocks.subarray(0, 3))).toEqual([100, 100, 100]);
  });
});
