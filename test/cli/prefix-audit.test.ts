/**
 * Audit of prefix reuse (h-89): `generate --format mooncake` from a profile whose hash_ids blocks
 * are not 512 tokens. The Mooncake file records no block size and AIPerf's mooncake_trace loader
 * takes 512 unless given --isl-block-size: with 256-token blocks it refused 575 of 601 rows
 * (their prompts do not reach their last id's block), and nothing said so.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';
import { createRng } from '../../src/stats/rng.js';

describe('generate --format mooncake names a block size other than 512', () => {
  it('notes --isl-block-size and block_tokens for 256-token blocks, and says nothing for 512', async () => {
    const dir = tempDir();
    const rng = createRng(2);
    for (const bt of [256, 512]) {
      const rows: string[] = [];
      let next = 0;
      for (let i = 0; i < 300; i++) {
        const input = 100 + Math.floor(3900 * rng.next());
        const n = Math.ceil(input / bt);
        const ids = Array.from({ length: n }, (_, k) => (k === 0 && i % 2 === 1 ? 0 : next++));
        rows.push(JSON.stringify({ ts: 1.5 * i, in: input, out: 20, ids }));
      }
      writeFileSync(join(dir, `log${bt}.jsonl`), rows.join('\n') + '\n');
      writeFileSync(join(dir, `map${bt}.json`), JSON.stringify({ columns: { timestamp: 'ts', input_tokens: 'in', output_tokens: 'out', hash_ids: 'ids' }, timestamp: { unit: 's' }, block_tokens: bt }));
      const fit = await runCli('fit', join(dir, `log${bt}.jsonl`), '--map', join(dir, `map${bt}.json`), '--out', join(dir, `p${bt}.json`), '--quiet');
      expect(fit.code, fit.stderr).toBe(0);
      const out = join(dir, `replay${bt}.jsonl`);
      const gen = await runCli('generate', join(dir, `p${bt}.json`), '--duration', '300', '--format', 'mooncake', '--out', out);
      expect(gen.code, gen.stderr).toBe(0);
      const note = `note: the hash_ids blocks are ${bt} tokens (the profile's), which a Mooncake file does not record: replay it with AIPerf's --isl-block-size ${bt}`;
      if (bt === 512) expect(gen.stderr).not.toContain('--isl-block-size');
      else expect(gen.stderr).toContain(note);
      // The file's rows count their blocks at the profile's size.
      const first = JSON.parse(readFileSync(out, 'utf8').split('\n')[0]) as { input_length: number; hash_ids: number[] };
      expect(first.hash_ids.length).toBe(Math.ceil(first.input_length / bt));
    }
  });

  it('a log with hash_ids and no input lengths: generate says its requests carry no ids (it said they carried them)', async () => {
    const dir = tempDir();
    const rows: string[] = [];
    for (let i = 0; i < 300; i++) rows.push(JSON.stringify({ timestamp: 1.5 * i, output_tokens: 20, hash_ids: i % 2 ? [0, 2 * i + 1] : [2 * i, 2 * i + 1] }));
    writeFileSync(join(dir, 'log.jsonl'), rows.join('\n') + '\n');
    const fit = await runCli('fit', join(dir, 'log.jsonl'), '--preset', 'servegen', '--out', join(dir, 'p.json'), '--quiet');
    expect(fit.code, fit.stderr).toBe(0);
    const gen = await runCli('generate', join(dir, 'p.json'), '--duration', '300', '--out', join(dir, 'g.jsonl'));
    expect(gen.code, gen.stderr).toBe(0);
    expect(gen.stderr).not.toContain("requests carry hash_ids from their profile's prefix section");
    expect(gen.stderr).toContain('note: 1 client has a prefix section but no prompt lengths (a log with hash_ids and no input_tokens)');
    const lines = readFileSync(join(dir, 'g.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(100);
    expect(lines.some((l) => l.includes('hash_ids') || l.includes('prefix_clients'))).toBe(false);
  });
});
