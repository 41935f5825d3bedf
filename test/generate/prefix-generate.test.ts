/**
 * Generation with the profile's prefix sections: each request gets its prompt's block ids
 * (hash_ids) from its client's HashIdStream, without moving any time or length, written by the
 * trace and Mooncake writers, and the regenerated workload reproduces the source's prefix-cache
 * hit ratios (validate's prefix metrics).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { fitTrace } from '../../src/fit/fit-trace.js';
import { defaultFitOptions } from '../../src/fit/defaults.js';
import { generateToFile } from '../../src/generate/write-trace.js';
import { generateTrace, planRequests } from '../../src/generate/in-memory.js';
import { planGeneration, type GenerateOptions } from '../../src/generate/compose.js';
import type { Profile } from '../../src/profile/schema.js';
import { prefixSideOf } from '../../src/validate/prefix.js';
import { fixture, tempDir } from '../helpers.js';

const CONVERSATION = fixture('traces', 'mooncake', 'conversation_trace.jsonl.gz');
const SYNTHETIC = fixture('traces', 'mooncake', 'synthetic_trace.jsonl.gz');

const options = (seed: number, duration: number, extra: Partial<GenerateOptions> = {}): GenerateOptions => ({ start: 0, duration, rate: { kind: 'scale', factor: 1 }, seed: BigInt(seed), ...extra });

/** JSON lines of a file without the header line. */
const rows = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('{"servegen"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('generate: hash_ids from prefix sections', () => {
  let conv: Profile;
  let syn: Profile;
  let convSource: ReturnType<typeof prefixSideOf>;
  let synSource: ReturnType<typeof prefixSideOf>;
  beforeAll(async () => {
    const c = (await ingestFiles({ inputs: [CONVERSATION], mapping: loadPreset('mooncake') })).trace;
    const s = (await ingestFiles({ inputs: [SYNTHETIC], mapping: loadPreset('mooncake') })).trace;
    conv = fitTrace(c, defaultFitOptions()).profile;
    syn = fitTrace(s, defaultFitOptions()).profile;
    convSource = prefixSideOf(c);
    synSource = prefixSideOf(s);
  });

  it('gives every request ⌈prompt / 512⌉ block ids (Mooncake format), and the same times and lengths as without them', async () => {
    const dir = tempDir();
    await generateToFile(conv, 'x', options(1, 1800), { path: `${dir}/a.jsonl`, format: 'mooncake' });
    await generateToFile(conv, 'x', options(1, 1800, { prefix: false }), { path: `${dir}/b.jsonl`, format: 'mooncake' });
    const a = rows(`${dir}/a.jsonl`);
    const b = rows(`${dir}/b.jsonl`);
    expect(a.length).toBeGreaterThan(3000);
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) {
      const ids = a[i].hash_ids as number[];
      expect(ids.length).toBe(Math.max(1, Math.ceil((a[i].input_length as number) / 512)));
      const { hash_ids: _, ...rest } = a[i];
      expect(rest).toEqual(b[i]);
      expect(b[i].hash_ids).toBeUndefined();
    }
    // The chat trace's shape: every request starts with one shared system-prompt block.
    expect(new Set(a.map((r) => (r.hash_ids as number[])[0])).size).toBe(1);
  });

  it('is deterministic, on the writer thread too, and the in-memory trace holds the ids the file does', async () => {
    const dir = tempDir();
    await generateToFile(syn, 'x', options(5, 1000), { path: `${dir}/a.jsonl`, format: 'jsonl' }, undefined, false, undefined, false);
    await generateToFile(syn, 'x', options(5, 1000), { path: `${dir}/b.jsonl`, format: 'jsonl' }, undefined, false, undefined, true);
    expect(readFileSync(`${dir}/a.jsonl`, 'utf8')).toBe(readFileSync(`${dir}/b.jsonl`, 'utf8'));
    const fromFile = (await ingestFiles({ inputs: [`${dir}/a.jsonl`], mapping: loadPreset('servegen') })).trace;
    const inMemory = generateTrace(syn, 'x', options(5, 1000)).trace;
    expect(Array.from(inMemory.hashIds!.offsets)).toEqual(Array.from(fromFile.hashIds!.offsets));
    expect(Array.from(inMemory.hashIds!.ids)).toEqual(Array.from(fromFile.hashIds!.ids));
    // A second pass over a plan's batches draws the same ids (numbered from 0 again).
    const plan = planGeneration(syn, options(5, 300));
    const first = [...planRequests(plan)].map((r) => r.hash_ids);
    const second = [...planRequests(plan)].map((r) => r.hash_ids);
    expect(second).toEqual(first);
  });

  it("removing a client leaves another's times, lengths and which requests share blocks unchanged, not the ids' numbers (README, Determinism; found by the generation audit, h-85)", () => {
    const two: Profile = { ...syn, clients: [syn.clients[0], { ...syn.clients[0], id: 'other' }] };
    // 1200 s: two windows, so that each client's ids in the second come after the other's first.
    const both = [...planRequests(planGeneration(two, options(3, 1200)))].filter((r) => r.client_id === 'other');
    const alone = [...planRequests(planGeneration(two, options(3, 1200, { clients: { ids: ['other'] } })))];
    expect(alone.length).toBeGreaterThan(100);
    expect(both.map(({ hash_ids: _, ...r }) => r)).toEqual(alone.map(({ hash_ids: _, ...r }) => r));
    // Ids renumbered in order of first use are the same: the same blocks are shared.
    const canonical = (rs: typeof alone) => {
      const seen = new Map<number, number>();
      return rs.map((r) => r.hash_ids!.map((id) => seen.get(id) ?? (seen.set(id, seen.size), seen.size - 1)));
    };
    expect(canonical(both)).toEqual(canonical(alone));
    expect(both.map((r) => r.hash_ids)).not.toEqual(alone.map((r) => r.hash_ids));
  });

  it('numbers ids across clients so that two clients never share one', () => {
    const two: Profile = { ...syn, clients: [syn.clients[0], { ...syn.clients[0], id: 'other' }] };
    const byClient = new Map<string, Set<number>>();
    for (const r of planRequests(planGeneration(two, options(3, 600)))) {
      let s = byClient.get(r.client_id);
      if (!s) byClient.set(r.client_id, (s = new Set()));
      for (const id of r.hash_ids!) s.add(id);
    }
    const [a, b] = [...byClient.values()];
    expect(a.size).toBeGreaterThan(1000);
    expect(b.size).toBeGreaterThan(1000);
    for (const id of a) expect(b.has(id)).toBe(false);
  });

  it("gives ids to the share of a client's requests its log had them on, times and lengths unchanged", () => {
    // (found by review: a client whose log had ids on some rows got them on every request)
    const c = syn.clients[0];
    const half: Profile = { ...syn, clients: [{ ...c, prefix: { ...c.prefix!, requests: Math.round(c.requests * 0.4) } }] };
    const all = [...planRequests(planGeneration(syn, options(4, 1200)))];
    const some = [...planRequests(planGeneration(half, options(4, 1200)))];
    expect(some.length).toBe(all.length);
    const withIds = some.filter((r) => r.hash_ids !== undefined).length / some.length;
    expect(withIds).toBeGreaterThan(0.35);
    expect(withIds).toBeLessThan(0.45);
    expect(all.every((r) => r.hash_ids !== undefined)).toBe(true);
    for (let i = 0; i < all.length; i++) {
      expect(some[i].timestamp).toBe(all[i].timestamp);
      expect(some[i].input_tokens).toBe(all[i].input_tokens);
    }
  });

  it('gives ids to the section\'s `share` of requests when it has one (fitted on a slice of the log), whatever its requests', () => {
    const c = syn.clients[0];
    const some: Profile = { ...syn, clients: [{ ...c, prefix: { ...c.prefix!, requests: c.requests, share: 0.4 } }] };
    const all: Profile = { ...syn, clients: [{ ...c, prefix: { ...c.prefix!, requests: Math.round(c.requests * 0.1), share: 1 } }] };
    const a = [...planRequests(planGeneration(some, options(4, 1200)))];
    const withIds = a.filter((r) => r.hash_ids !== undefined).length / a.length;
    // (~1,900 requests: a binomial share's sd is 0.011)
    expect(a.length).toBeGreaterThan(1500);
    expect(withIds).toBeGreaterThan(0.35);
    expect(withIds).toBeLessThan(0.45);
    expect([...planRequests(planGeneration(all, options(4, 1200)))].every((r) => r.hash_ids !== undefined)).toBe(true);
  });

  it('reproduces the source infinite-cache hit ratio (conversation and synthetic) within 0.05 over 3 seeds', () => {
    for (const [profile, source, span] of [
      [conv, convSource, 3537],
      [syn, synSource, 1022],
    ] as const) {
      for (const seed of [1, 2, 3]) {
        const side = prefixSideOf(generateTrace(profile, 'x', options(seed, span)).trace)!;
        expect(Math.abs(side.hitRatio - source!.hitRatio), `seed ${seed}: ${side.hitRatio} vs ${source!.hitRatio}`).toBeLessThan(0.05);
      }
    }
  });
});
