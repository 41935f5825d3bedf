/**
 * Audit of sessions and prefix reuse (h-89): a block id stands for one block of tokens, so it has
 * one size wherever it appears — a full block (block_tokens) in every prompt, or the same
 * partial last block. That is how the Mooncake traces are (no id of either has two sizes) and
 * what a replay needs: AIPerf's mooncake_trace builds a prompt from the blocks it cached for
 * each id the first time it saw it, so an id first seen as a 378-token last block and then used
 * as a full block gave a prompt 134 tokens short of its input_length (390 and 491 such blocks in
 * 1 800 s generated from either Mooncake trace, 5 766 and 7 022 requests; 512 in 1 977 requests
 * generated from a chat log with sessions).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HashIdStream } from '../../src/generate/prefix-stream.js';
import { fitPrefixModel, generateHashIds } from '../../src/generate/prefix-model.js';
import { createRng } from '../../src/stats/rng.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { fitTrace } from '../../src/fit/fit-trace.js';
import { defaultFitOptions } from '../../src/fit/defaults.js';
import { generateToFile } from '../../src/generate/write-trace.js';
import { readMooncakeFixture, uniformCoverageModel } from './prefix-cases.js';
import { tempDir } from '../helpers.js';

const BS = 512;

/**
 * Blocks whose id was seen before at another size (its tokens: BS, or the prompt's partial last
 * block), and rows AIPerf refuses (its last block must hold 1 … BS tokens).
 */
function sizeConflicts(rows: { input: number; ids: ArrayLike<number> }[]): { conflicts: number; refused: number } {
  const size = new Map<number, number>();
  let conflicts = 0;
  let refused = 0;
  for (const { input, ids } of rows) {
    const last = input - (ids.length - 1) * BS;
    if (!(last > 0 && last <= BS)) refused++;
    for (let d = 0; d < ids.length; d++) {
      const s = d < ids.length - 1 ? BS : last;
      const was = size.get(ids[d]);
      if (was === undefined) size.set(ids[d], s);
      else if (was !== s) conflicts++;
    }
  }
  return { conflicts, refused };
}

describe('hash_ids: a shared block has one size (AIPerf mooncake_trace replay)', () => {
  it('a next turn shares its previous turn\'s full blocks only where its own are full, and a partial block only of equal size', () => {
    const stream = new HashIdStream(uniformCoverageModel(0, 0, 0, 1, 1, 1, 1, 0), createRng(1));
    // Session s: 1 100 tokens (2 full blocks + 76), then 800 (1 full + 288): one block shared
    // (it shared 2 before: its 288-token last block was the first turn's full second block).
    const a = stream.next(0, 1100, 's');
    const b = stream.next(1, 800, 's');
    expect(b[0]).toBe(a[0]);
    expect(b[1]).not.toBe(a[1]);
    // Session u: 300 tokens (one partial block), then 900: no block can be shared (it shared
    // the 300-token block as its first full block before), so a root of its own.
    const c = stream.next(2, 300, 'u');
    const d = stream.next(3, 900, 'u');
    expect(d.length).toBe(2);
    expect(d).not.toContain(c[0]);
    // Its next turn extends it as usual (1 full block shared).
    const e = stream.next(4, 2000, 'u');
    expect(e[0]).toBe(d[0]);
    expect(e.slice(1)).not.toContain(d[1]);
    // Equal prompts share everything they can: the previous turn's full blocks.
    const f = stream.next(5, 1100, 's');
    expect(f.slice(0, 1)).toEqual(b.slice(0, 1));
    expect(sizeConflicts([a, b, c, d, e, f].map((ids, i) => ({ ids, input: [1100, 800, 300, 900, 2000, 1100][i] })))).toEqual({ conflicts: 0, refused: 0 });
  });

  for (const name of ['synthetic', 'conversation'] as const) {
    it(`the ${name} trace regenerated for its own times and lengths: no id at two sizes (the source has none)`, () => {
      const src = readMooncakeFixture(name);
      expect(sizeConflicts(src.map((r) => ({ input: r.inputLength, ids: r.hashIds })))).toEqual({ conflicts: 0, refused: 0 });
      const model = fitPrefixModel(src);
      const ids = generateHashIds(model, src.map((r) => ({ timestamp: r.timestamp, inputTokens: r.inputLength })), createRng(2));
      // Before the fix: 251 (synthetic) and 763 (conversation) blocks at a second size.
      expect(sizeConflicts(src.map((r, i) => ({ input: r.inputLength, ids: ids[i] })))).toEqual({ conflicts: 0, refused: 0 });
    });
  }

  it('generate --format mooncake from a chat log with sessions: every row replayable at its input_length', async () => {
    // A hand-built chat log: 2 clients × 150 sessions of 1–8 turns, each turn extending the
    // previous prompt (its full blocks shared, then new blocks), session ids reused across clients.
    const dir = tempDir();
    const rng = createRng(7);
    const lines: string[] = [];
    let next = 0;
    const fresh = (k: number) => Array.from({ length: k }, () => next++);
    for (const client of ['a', 'b']) {
      let t = 0;
      for (let s = 0; s < 150; s++) {
        t += 1 + 40 * rng.next();
        let input = 100 + Math.floor(2900 * rng.next());
        let ids = fresh(Math.ceil(input / BS));
        const turns = 1 + Math.floor(8 * rng.next());
        for (let k = 0, tt = t; k < turns; k++, tt += 5 + 60 * rng.next()) {
          if (k > 0) {
            const full = Math.floor(input / BS);
            input += 50 + Math.floor(1400 * rng.next());
            ids = [...ids.slice(0, full), ...fresh(Math.ceil(input / BS) - full)];
          }
          lines.push(JSON.stringify({ timestamp: Math.round(tt * 1000) / 1000, client_id: client, session_id: `s${s}`, input_tokens: input, output_tokens: 100, hash_ids: ids }));
        }
      }
    }
    const log = `${dir}/chat.jsonl`;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(log, lines.join('\n') + '\n');
    const trace = (await ingestFiles({ inputs: [log], mapping: loadPreset('servegen') })).trace;
    const profile = fitTrace(trace, defaultFitOptions()).profile;
    expect(profile.clients.every((c) => c.sessions && c.prefix)).toBe(true);
    await generateToFile(profile, 'x', { start: 0, duration: 6000, rate: { kind: 'scale', factor: 1 }, seed: 1n }, { path: `${dir}/replay.jsonl`, format: 'mooncake' });
    const rows = readFileSync(`${dir}/replay.jsonl`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { input_length: number; hash_ids: number[] });
    expect(rows.length).toBeGreaterThan(500);
    // Before the fix: 663 blocks at a second size here.
    expect(sizeConflicts(rows.map((r) => ({ input: r.input_length, ids: r.hash_ids })))).toEqual({ conflicts: 0, refused: 0 });
  });
});

