/**
 * Audit of prefix reuse (h-89): ids that are not prefix ids. A log whose hash_ids name each
 * block by its own tokens (not chained: one id can follow different blocks in different rows)
 * was fitted on its rows' trie (a block shared only after the same blocks, as a prefix cache
 * shares it), while validate, inspect and capacity counted a leading block as cached whenever its
 * id had been seen: 97 % of such a log's blocks hit against the fit's 31 %, and validate failed
 * the fit's own draws by 0.75. The trace now numbers ids as prefix ids (an id after other blocks
 * is another block), so every consumer counts prefixes, in either engine.
 */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { prefixSections } from '../../src/fit/prefix.js';
import { prefixSideOf } from '../../src/validate/prefix.js';
import { createRng } from '../../src/stats/rng.js';
import { tempDir } from '../helpers.js';

describe('hash_ids that are not prefix ids: validate and inspect count what the fit counts', () => {
  it('a log of per-block content hashes: the infinite-cache hit ratio equals the fit section\'s', async () => {
    const rng = createRng(5);
    const lines: string[] = [];
    for (let i = 0; i < 400; i++) {
      const n = 1 + Math.floor(6 * rng.next());
      const ids = Array.from({ length: n }, () => Math.floor(31 * rng.next()));
      lines.push(JSON.stringify({ timestamp: 2 * i, client_id: 'a', input_tokens: 512 * n - 100, output_tokens: 10, hash_ids: ids }));
    }
    const dir = tempDir();
    writeFileSync(`${dir}/log.jsonl`, lines.join('\n') + '\n');
    const trace = (await ingestFiles({ inputs: [`${dir}/log.jsonl`], mapping: loadPreset('servegen') })).trace;
    const fitted = prefixSections(trace)!.get('a')!.hit_ratio;
    const side = prefixSideOf(trace)!;
    // Before the fix: 0.968 (31 distinct ids) against the fit's 0.293.
    expect(fitted).toBeGreaterThan(0.25);
    expect(fitted).toBeLessThan(0.4);
    expect(side.hitRatio).toBeCloseTo(fitted, 6);
    expect(side.distinct).toBeGreaterThan(31);
  });

  it('prefix ids (a tree, as Mooncake\'s) are numbered by first use as before', async () => {
    const dir = tempDir();
    const rows = [[10, 11, 12], [10, 11, 13], [20], [10, 14], [20, 21]];
    writeFileSync(`${dir}/log.jsonl`, rows.map((ids, i) => JSON.stringify({ timestamp: i, hash_ids: ids })).join('\n') + '\n');
    const trace = (await ingestFiles({ inputs: [`${dir}/log.jsonl`], mapping: loadPreset('servegen') })).trace;
    const h = trace.hashIds!;
    const got = rows.map((_, i) => Array.from(h.ids.subarray(h.offsets[i], h.offsets[i + 1])));
    expect(got).toEqual([[0, 1, 2], [0, 1, 3], [4], [0, 5], [4, 6]]);
  });
});
