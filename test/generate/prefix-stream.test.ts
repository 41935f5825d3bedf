import { describe, expect, it } from 'vitest';
import { fitPrefixModel, generateHashIds, renumberByFirstUse } from '../../src/generate/prefix-model.js';
import { DEFAULT_HORIZON_SECONDS, HashIdStream } from '../../src/generate/prefix-stream.js';
import { createRng } from '../../src/stats/rng.js';
import { digest, hashIdCases, readMooncakeFixture } from './prefix-cases.js';

const cases = hashIdCases();

describe('generateHashIds over HashIdStream: the prototype’s output, unchanged', () => {
  // SHA-256 (first 16 hex digits) of JSON.stringify(generateHashIds(model, requests,
  // createRng(seed), { roots })) for each case, computed with generateHashIds as it was before
  // it became a loop over HashIdStream (main at a005ae4). Any change to a draw, its order, an id
  // or a donor choice changes the digest.
  //
  // h-72: the cases on the two fixtures take their model from fitPrefixModel, whose root and
  // reuse gaps are now corrected for the log's start (fitTruncatedLogNormal), so their digests
  // were recomputed then; the recency and Pitman–Yor draws themselves are unchanged (the seeded
  // samples, whose models are given, keep the digests of a005ae4). The idle cases (the default
  // since h-72) were added then. With one root (conversation) idle draws exactly as recency.
  const before: Record<string, string> = {
    'conversation, recency': '79b4adfead433324',
    'conversation, pitman-yor': '23667b4d83e1b569',
    'conversation, 30 % of requests in 400 sessions': '8f73e49bb2294002',
    'conversation, idle': '79b4adfead433324',
    'conversation, idle, 30 % of requests in 400 sessions': '8f73e49bb2294002',
    'synthetic, recency': '22acc50f02611b15',
    'synthetic, pitman-yor': 'e4864c80c6bdc556',
    'synthetic, 30 % of requests in 400 sessions': '162714213023f545',
    'synthetic, idle': 'fa0e169902efb5fe',
    'synthetic, idle, 30 % of requests in 400 sessions': 'ffbf345107099e04',
    'recovery sample': 'f2ad2863963a5f50',
    'sessions sample': 'c33f1fef707de94e',
    'root-process sample, recency': 'b4895b9014b0005f',
    'root-process sample, idle, chain 0.5': '977c3dd14aa3051e',
    'root-process sample, pitman-yor': 'aa24fdb2d88aea30',
    // h-74: the fit with first re-asks apart and whole prompts (the cases above leave those
    // fields out and keep their digests: a profile without them draws exactly as before). With
    // one root (conversation) neither applies: the same ids as without them.
  // h-89: the cases on the two fixtures recomputed: a shared block now keeps one size (a repeat
  // or a next turn shares a partial last block only as its own partial last block of the same
  // length; test/generate/prefix-audit.test.ts). No draw changed: only the requests that shared
  // a block at two sizes (and the ids numbered after them). The seeded samples keep theirs.
    'conversation, idle, first re-asks apart, whole prompts': '79b4adfead433324',
    'synthetic, idle, first re-asks apart, whole prompts': 'bd4740e67cdd3f5a',
  };
  it('covers every case', () => expect(cases.map((c) => c.name).sort()).toEqual(Object.keys(before).sort()));
  for (const c of cases) {
    it(`${c.name}: same ids as before`, () => {
      expect(digest(generateHashIds(c.model, c.requests, createRng(c.seed), { roots: c.roots }))).toBe(before[c.name]);
    });
  }
});

describe('HashIdStream: a horizon that never binds changes nothing', () => {
  // The fixtures span 3 537 s (conversation) and 1 022 s (synthetic), the seeded samples at most
  // ~6 000 s: under the default 6 h horizon nothing is dropped, so the stream (seconds, the
  // eviction code running) must give generateHashIds's ids exactly.
  for (const c of cases) {
    it(`${c.name}: ids equal generateHashIds's, nothing dropped`, () => {
      const want = generateHashIds(c.model, c.requests, createRng(c.seed), { roots: c.roots });
      const stream = new HashIdStream(c.model, createRng(c.seed), { roots: c.roots });
      const got = c.requests.map((r) => stream.next(r.timestamp / 1000, r.inputTokens, r.sessionId));
      expect(got).toEqual(want);
      expect(stream.retained).toBe(c.requests.length);
      // Ids are fresh in creation order, so already numbered by first use.
      expect(renumberByFirstUse(got)).toEqual(got);
    });
  }
});

describe('HashIdStream: bounded memory over a long run', () => {
  // 250 000 requests at 5/s (50 000 s ≈ 14 h) with the synthetic trace's model and its input
  // lengths drawn at random, a horizon of 1 800 s: at most the requests of the last 1 800 s are
  // retained, 9 000 on average (Poisson: SD 95), whatever the run's length.
  const model = fitPrefixModel(readMooncakeFixture('synthetic'));
  const lengths = readMooncakeFixture('synthetic').map((r) => r.inputLength);
  const N = 250_000;
  const rate = 5;
  const horizon = 1800;
  const rng = createRng(31);
  const t: number[] = [];
  const tokens: number[] = [];
  let now = 0;
  for (let i = 0; i < N; i++) {
    now += -Math.log(rng.nextOpen()) / rate;
    t.push(now);
    tokens.push(lengths[Math.floor(rng.next() * lengths.length)]);
  }
  const stream = new HashIdStream(model, createRng(32), { horizonSeconds: horizon });
  let maxRetained = 0;
  let maxRoots = 0;
  let maxIndexed = 0;
  let wrongRetained = 0;
  let lo = 0;
  let repeats = 0;
  const seenRoots = new Set<number>();
  for (let i = 0; i < N; i++) {
    const ids = stream.next(t[i], tokens[i], i % 10 === 0 ? Math.floor(i / 40) : undefined);
    if (seenRoots.has(ids[0])) repeats++;
    else seenRoots.add(ids[0]);
    while (t[lo] < t[i] - horizon) lo++;
    if (stream.retained !== i - lo + 1) wrongRetained++;
    maxRetained = Math.max(maxRetained, stream.retained);
    maxRoots = Math.max(maxRoots, stream.retainedRoots);
    maxIndexed = Math.max(maxIndexed, stream.indexed);
  }

  it('retains exactly the requests of the last horizon', () => expect(wrongRetained).toBe(0));
  it('retained stays near rate × horizon (9 000), not the run’s 250 000', () => {
    // The maximum of ~28 windows' counts of Poisson(9 000): within 5 SD (475) of the mean.
    expect(maxRetained).toBeGreaterThan(9000);
    expect(maxRetained).toBeLessThan(9000 + 5 * Math.sqrt(9000));
  });
  it('retained roots and sessions are bounded by the retained requests', () => {
    expect(maxRoots).toBeLessThanOrEqual(maxRetained);
    // Sessions: every 10th request i has the key ⌊i / 40⌋, so the retained requests (the last
    // ones, consecutive) hold the last turns of retained / 40 keys, ± 2 at the window's ends;
    // without forgetting, all 6 250 keys would stay.
    expect(Math.abs(stream.retainedSessions - stream.retained / 40)).toBeLessThanOrEqual(2);
  });
  it('idle roots: the indices stay bounded by the retained roots, not the run', () => {
    // Each index compacts when its entries pass 2 × its live roots + 64 and drops (and clears)
    // entries older than the horizon, so the last-use index holds at most ~3 × the retained
    // roots + 64 and each per-stem-length list ~3 × its roots + 64 (+ up to its cleared slots
    // before a splice): together under 6 × retained roots + 128 × stem lengths (seed 32: 34 393
    // entries for at most 5 192 roots and 130 stem lengths); without compaction they would
    // grow with the run, to 2 × 250 000. Since h-74 the fit has first re-asks apart, so the
    // roots are in two sets (not repeated yet, repeated), each with these indices; a root is in
    // one at a time, its entries in the other stale: 31 572 entries for 5 379 roots (seed 32).
    expect(maxIndexed).toBeLessThan(6 * maxRoots + 128 * stream.stemLengths);
    expect(maxIndexed).toBeLessThan(N / 5);
  });
  it('keeps reusing prefixes at the fitted rate to the end', () => {
    // Outside sessions a request repeats a root with the fitted per-bucket share (synthetic:
    // 44.6 % of requests overall); truncation at 30 min hardly matters for a trace whose gaps
    // are minutes (docs/prefix-reuse.md § 4). Sessions add repeats. Allow a wide ±0.1: a
    // failure means reuse stopped (→ ~0) or every request repeats (→ ~1).
    const share = repeats / N;
    expect(share).toBeGreaterThan(0.35);
    expect(share).toBeLessThan(0.65);
  });
});

describe('HashIdStream: what a horizon drops', () => {
  const model = fitPrefixModel(readMooncakeFixture('conversation'));
  it('a session idle for longer than the horizon starts afresh', () => {
    const s = new HashIdStream(model, createRng(1), { horizonSeconds: 60 });
    const a = s.next(0, 4000, 7);
    const b = s.next(30, 6000, 7); // within 60 s: extends turn 1's 7 full blocks
    expect(b.slice(0, 7)).toEqual(a.slice(0, 7));
    const c = s.next(100, 8000, 7); // 70 s after turn 2: turn 2 was dropped at t = 100
    expect(s.retained).toBe(1);
    expect(s.retainedSessions).toBe(1);
    expect(c.some((id) => a.includes(id) || b.includes(id))).toBe(false);
  });
  it('a long silence leaves nothing to repeat: the next request starts a new root', () => {
    const s = new HashIdStream(model, createRng(2), { horizonSeconds: 60 });
    for (let i = 0; i < 50; i++) s.next(i, 3000);
    expect(s.retained).toBe(50);
    const ids = s.next(1000, 3000);
    expect(s.retained).toBe(1);
    expect(s.retainedRoots).toBe(1);
    expect(Math.min(...ids)).toBeGreaterThan(0); // all fresh: the conversation model would otherwise share block 0
  });
  it('rejects a horizon that is not positive', () => {
    expect(() => new HashIdStream(model, createRng(1), { horizonSeconds: 0 })).toThrow(RangeError);
    expect(() => new HashIdStream(model, createRng(1), { horizonSeconds: NaN })).toThrow(RangeError);
  });
  it('defaults to 6 h', () => expect(DEFAULT_HORIZON_SECONDS).toBe(21_600));
  it('refuses a request earlier than the last one (the searches by time need time order)', () => {
    const s = new HashIdStream(model, createRng(1));
    s.next(10, 1000);
    s.next(10, 1000); // equal times are in order
    expect(() => s.next(9.999, 1000)).toThrow(/time order/);
    expect(() => s.next(NaN, 1000)).toThrow(/time order/);
  });
});
