/**
 * The profile's `prefix` section: fitted per client from a trace's hash_ids, valid under the
 * profile schema, kept by anonymization, and read back into the model it stores.
 */
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { fitTrace } from '../../src/fit/fit-trace.js';
import { defaultFitOptions } from '../../src/fit/defaults.js';
import { prefixSections } from '../../src/fit/prefix.js';
import { validateProfile } from '../../src/profile/read.js';
import { anonymizeProfile } from '../../src/profile/anonymize.js';
import { fitPrefixModel } from '../../src/generate/prefix-model.js';
import { prefixModelOf, prefixSectionOf } from '../../src/generate/prefix-section.js';
import type { Trace } from '../../src/ingest/trace.js';
import { runCli } from '../cli/run-cli.js';
import { fixture, tempDir } from '../helpers.js';

const SYNTHETIC = fixture('traces', 'mooncake', 'synthetic_trace.jsonl.gz');
const CONVERSATION = fixture('traces', 'mooncake', 'conversation_trace.jsonl.gz');

const mooncake = async (file: string) => (await ingestFiles({ inputs: [file], mapping: loadPreset('mooncake') })).trace;

describe('prefix section: fit', () => {
  it('fits the Mooncake traces: their infinite-cache hit ratios (64.0 %, 36.6 %: docs/prefix-reuse.md), roots, and a schema-valid profile', async () => {
    const syn = await mooncake(SYNTHETIC);
    const p = fitTrace(syn, defaultFitOptions()).profile;
    const s = p.clients[0].prefix!;
    expect(s.requests).toBe(3993);
    expect(s.block_tokens).toBe(512);
    expect(s.hit_ratio).toBeCloseTo(0.6396, 4);
    expect(s.roots.distinct).toBe(2211);
    // Every non-empty bucket keeps 21 quantiles (0, 0.05, …, 1), ascending.
    for (const q of s.coverage.quantiles) {
      expect([0, 21]).toContain(q.length);
      for (let k = 1; k < q.length; k++) expect(q[k]).toBeGreaterThanOrEqual(q[k - 1]);
    }
    expect(() => validateProfile(JSON.parse(JSON.stringify(p)))).not.toThrow();
    // Anonymized: nothing in the section names a client, a time or an id; it stays.
    expect(anonymizeProfile(p).clients[0].prefix).toEqual(s);
    const conv = prefixSections(await mooncake(CONVERSATION))!.get('default')!;
    expect(conv.hit_ratio).toBeCloseTo(0.366, 3);
    expect(conv.roots.distinct).toBe(1);
  });

  it('fits each client apart, and none for a client without hash_ids or a trace without them', async () => {
    const syn = await mooncake(SYNTHETIC);
    // Two clients: even rows "a", odd rows "b"; b's ids removed.
    const client = new Int32Array(syn.n).map((_, i) => i % 2);
    const offsets = Int32Array.from(syn.hashIds!.offsets);
    const ids: number[] = [];
    const o2 = new Int32Array(syn.n + 1);
    for (let i = 0; i < syn.n; i++) {
      if (i % 2 === 0) for (let k = offsets[i]; k < offsets[i + 1]; k++) ids.push(syn.hashIds!.ids[k]);
      o2[i + 1] = ids.length;
    }
    const two: Trace = { ...syn, client, clientIds: ['a', 'b'], hashIds: { offsets: o2, ids: Int32Array.from(ids), blockTokens: 512 } };
    const sections = prefixSections(two)!;
    expect([...sections.keys()]).toEqual(['a']);
    expect(sections.get('a')!.requests).toBe(Math.ceil(syn.n / 2));
    expect(prefixSections({ ...syn, hashIds: undefined })).toBeUndefined();
  });

  it('a section reads back as the model it stores (quantiles every 0.05 of the 101)', async () => {
    const syn = await mooncake(SYNTHETIC);
    const reqs = Array.from({ length: syn.n }, (_, i) => ({ hashIds: syn.hashIds!.ids.subarray(syn.hashIds!.offsets[i], syn.hashIds!.offsets[i + 1]), timestamp: syn.timestamp[i] * 1000, inputLength: syn.ints.input_tokens![i], outputLength: syn.ints.output_tokens![i] }));
    const m = fitPrefixModel(reqs, 512);
    const back = prefixModelOf(prefixSectionOf(m, syn.n, 0.5));
    expect(back.coverage.counts).toEqual(m.coverage.counts);
    expect(back.roots.gapMu).toBeCloseTo(m.roots.gapMu, 6);
    expect(back.reuse.redonate).toBeCloseTo(m.reuse.redonate, 6);
    // h-74's optional fields: fitted on this trace, stored, read back; a section without them gives a model without them.
    expect(back.reuse.whole).toBeCloseTo(m.reuse.whole!, 6);
    for (const k of ['share', 'gapMu', 'gapSigma', 'laterMu', 'laterSigma'] as const) expect(back.roots.first![k]).toBeCloseTo(m.roots.first![k], 6);
    const { first: _f, ...roots } = m.roots;
    const { whole: _w, ...reuse } = m.reuse;
    const old = prefixSectionOf({ ...m, roots, reuse }, syn.n, 0.5);
    expect('first' in old.roots || 'whole' in old.reuse).toBe(false);
    expect(prefixModelOf(old).roots.first).toBeUndefined();
    expect(prefixModelOf(old).reuse.whole).toBeUndefined();
    m.coverage.quantiles.forEach((q, b) => {
      expect(back.coverage.quantiles[b].length).toBe(q.length ? 21 : 0);
      back.coverage.quantiles[b].forEach((x, k) => expect(x).toBeCloseTo(q[k * 5], 6));
    });
    m.coverage.repeatShare.forEach((x, b) => (Number.isNaN(x) ? expect(back.coverage.repeatShare[b]).toBeNaN() : expect(back.coverage.repeatShare[b]).toBeCloseTo(x, 6)));
  });
});

describe('prefix section: export-servegen', () => {
  it('names the prefix sections the upstream layout cannot hold, as it names the other sections it drops', async () => {
    // (found by review: they were dropped without a word, while sessions, gap memory, … were named)
    const dir = tempDir();
    expect((await runCli('fit', SYNTHETIC, '--preset', 'mooncake', '--out', `${dir}/p.json`)).code).toBe(0);
    const r = await runCli('export-servegen', `${dir}/p.json`, '--out', `${dir}/pool`);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/note: 1 client\(s\) have prefix-reuse sections .*not written/);
  });
});

describe('prefix section: schema', () => {
  it('refuses coverage arrays that do not have one entry per bucket, edges not ascending from 1, and unordered quantiles (generate stopped with exit 3)', async () => {
    const syn = await mooncake(SYNTHETIC);
    const p = JSON.parse(JSON.stringify(fitTrace(syn, defaultFitOptions()).profile));
    const bad = (edit: (c: Record<string, unknown[]>) => void, want: RegExp) => {
      const q = JSON.parse(JSON.stringify(p));
      edit(q.clients[0].prefix.coverage);
      expect(() => validateProfile(q, 'p.json')).toThrow(want);
    };
    bad((c) => c.quantiles.pop(), /coverage\.quantiles: 8 entries for the 9 buckets of edges/);
    bad((c) => c.counts.push(1), /counts: 10 entries for the 9 buckets of edges/);
    bad((c) => (c.edges[0] = 2), /edges: expected ascending bucket edges from 1/);
    bad((c) => ((c.quantiles[2] as number[]).reverse()), /coverage\.quantiles\[2\]: expected no quantiles or 2\+ ascending ones/);
    expect(() => validateProfile(p, 'p.json')).not.toThrow();
  });
});
