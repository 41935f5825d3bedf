import { describe, expect, it } from 'vitest';
import { measurePrefixReuse, summarizePrefixReuse, type PrefixRequest } from '../../src/generate/prefix-reuse.js';
import {
  COVERAGE_EDGES,
  bucketOf,
  fitPitmanYor,
  fitPrefixModel,
  generateHashIds,
  pitmanYorLogLik,
  renumberByFirstUse,
  type GeneratedRequest,
  type PrefixModel,
} from '../../src/generate/prefix-model.js';
import { createRng } from '../../src/stats/rng.js';

const req = (hashIds: number[], inputLength: number, timestamp = 0): PrefixRequest => ({ hashIds, inputLength, outputLength: 0, timestamp });

describe('measurePrefixReuse: a hand-checked trace', () => {
  // r1 extends r0's prompt; r2 shares only the first block; r3 is a new root; r4 extends r1
  // (both r0 and r1 have 3 full blocks ending at the same trie node: r1 is the later one).
  const trace = [req([1, 2, 3], 1536, 0), req([1, 2, 3, 4], 1800, 1000), req([1, 5], 700, 2000), req([6], 10, 3000), req([1, 2, 3, 4, 7], 2100, 4000)];
  const r = measurePrefixReuse(trace);
  it('finds shared prefixes, best matches and extension parents', () => {
    expect([...r.shared]).toEqual([0, 3, 1, 0, 4]);
    expect([...r.match]).toEqual([-1, 0, 1, -1, 1]);
    expect([...r.parent]).toEqual([-1, 0, -1, -1, 1]);
    expect([...r.parentDepth]).toEqual([0, 3, 0, 0, 3]);
  });
  it('summarizes: hit ratio 8/15, roots 1 and 6', () => {
    const s = summarizePrefixReuse(r);
    expect(s.hitRatio).toBeCloseTo(8 / 15, 12);
    expect(s.roots).toBe(2);
    expect(s.anyHit).toBeCloseTo(3 / 5, 12);
    expect(s.fullHit).toBe(0); // no request has all its blocks cached
  });
});

/** Poisson arrivals (ms) at `rate` per second. */
function arrivals(n: number, rate: number, seed: number): number[] {
  const rng = createRng(seed);
  const t: number[] = [];
  let now = 0;
  for (let i = 0; i < n; i++) {
    now += (-Math.log(rng.nextOpen()) / rate) * 1000;
    t.push(Math.round(now));
  }
  return t;
}

/** A model with known parameters: coverage uniform on [lo, hi] in every bucket, with `single` share of m = 1; `repeat`: per-bucket repeat share (NaN: untilted Pitman–Yor). */
function knownModel(theta: number, alpha: number, single: number, lo: number, hi: number, gapMu: number, gapSigma: number, repeat = NaN): PrefixModel {
  const q = Array.from({ length: 101 }, (_, k) => lo + ((hi - lo) * k) / 100);
  return {
    blockSize: 512,
    roots: { theta, alpha, seTheta: NaN, seAlpha: NaN, requests: 0, distinct: 0, gapMu: 0, gapSigma: 0 },
    coverage: {
      edges: [...COVERAGE_EDGES],
      counts: COVERAGE_EDGES.map(() => 1),
      repeatShare: COVERAGE_EDGES.map(() => repeat), // NaN: no tilt, the pure Pitman–Yor sequence
      single: COVERAGE_EDGES.map(() => single),
      quantiles: COVERAGE_EDGES.map(() => q),
    },
    reuse: { count: 0, redonate: 1, gapMu, gapSigma },
  };
}

describe('prefix model: fit recovers the parameters of a seeded synthetic sample', () => {
  // 20 000 requests of 32 blocks each (16 000 tokens: 31 full blocks and a partial one), so every
  // root can serve any shared length and root choice is exactly Pitman–Yor (θ = 30, α = 0.5).
  // Repeat requests share one block with probability 0.3, else m = round(c·32), c ~ U[0.1, 1].
  const N = 20_000;
  const truth = knownModel(30, 0.5, 0.3, 0.1, 1, Math.log(20), 0.8);
  const times = arrivals(N, 20, 7);
  const gen: GeneratedRequest[] = times.map((t) => ({ timestamp: t, inputTokens: 16_000 }));
  const ids = renumberByFirstUse(generateHashIds(truth, gen, createRng(11), { roots: 'pitman-yor' }));
  const sample: PrefixRequest[] = gen.map((g, i) => ({ hashIds: ids[i], timestamp: g.timestamp, inputLength: g.inputTokens, outputLength: 0 }));
  const fit = fitPrefixModel(sample);
  const k = bucketOf(32);

  it('recovers θ and α within 4 standard errors of the observed information', () => {
    // At this sample size (about 1 500 roots) the SEs are about 7–8 (θ) and 0.014 (α); over
    // generation seeds 11–15 the estimates fell within 1.1 SE (θ) and 1.5 SE (α) of the truth.
    // 4 SE keeps the false-failure rate of the two checks near 1e-4 (θ's likelihood is skewed,
    // so a little above the normal value).
    expect(fit.roots.seTheta).toBeGreaterThan(0);
    expect(fit.roots.seAlpha).toBeGreaterThan(0);
    expect(Math.abs(fit.roots.theta - 30)).toBeLessThan(4 * fit.roots.seTheta);
    expect(Math.abs(fit.roots.alpha - 0.5)).toBeLessThan(4 * fit.roots.seAlpha);
  });

  it('recovers the one-block share within 4 binomial SEs and the coverage quantiles within rounding + 4 SEs', () => {
    const n = fit.coverage.counts[k];
    expect(n).toBe(N - fit.roots.distinct);
    const se = Math.sqrt((0.3 * 0.7) / n);
    expect(Math.abs(fit.coverage.single[k] - 0.3)).toBeLessThan(4 * se);
    // m/n is round(c·32)/32 (clamped to ≥ 2/32): quantile p of c is off by ≤ 1/64 from rounding;
    // its sampling SE is sqrt(p(1−p)/n')·0.9 (density 1/0.9 on [0.1, 1]), n' the m ≥ 2 repeats (≈ 0.7 n).
    const q = fit.coverage.quantiles[k];
    const n2 = n * 0.7;
    for (const p of [0.1, 0.25, 0.5, 0.75, 0.9]) {
      const want = 0.1 + 0.9 * p;
      const tol = 1 / 64 + (4 * 0.9 * Math.sqrt((p * (1 - p)) / n2));
      expect(Math.abs(q[Math.round(p * 100)] - want)).toBeLessThan(tol);
    }
  });

  it('regenerating from the fit reproduces the sample hit ratio and shared-prefix histogram', () => {
    const again = renumberByFirstUse(generateHashIds(fit, gen, createRng(12), { roots: 'pitman-yor' }));
    const a = summarizePrefixReuse(measurePrefixReuse(sample));
    const b = summarizePrefixReuse(measurePrefixReuse(gen.map((g, i) => ({ hashIds: again[i], timestamp: g.timestamp, inputLength: g.inputTokens, outputLength: 0 }))));
    // Two independent samples of ~20 000 requests: the hit ratio is a mean of per-request
    // shares with SD ≈ 0.4, so the difference has SD ≈ 0.4·sqrt(2/20 000) ≈ 0.004; allow 0.02
    // (the new-root count itself varies by a few %, which moves the ratio too).
    expect(Math.abs(a.hitRatio - b.hitRatio)).toBeLessThan(0.02);
    for (const label of Object.keys(a.sharedHistogram)) expect(Math.abs(a.sharedHistogram[label] - b.sharedHistogram[label])).toBeLessThan(0.02);
  });

  it('is deterministic for a seed and numbers ids by first use', () => {
    const again = renumberByFirstUse(generateHashIds(truth, gen, createRng(11), { roots: 'pitman-yor' }));
    expect(JSON.stringify(again)).toBe(JSON.stringify(ids));
    let next = 0;
    let outOfOrder = 0;
    const seen = new Set<number>();
    for (const row of ids)
      for (const id of row) {
        if (!seen.has(id)) {
          if (id !== next) outOfOrder++;
          next++;
          seen.add(id);
        }
      }
    expect(outOfOrder).toBe(0);
    expect(next).toBeGreaterThan(N); // fresh blocks beyond the shared ones
  });
});

describe('prefix model: the reuse gap of sessions', () => {
  // 3 000 sessions of 4 turns, each a new root (θ huge). Turn k has 8k + 1 blocks, so turn k + 1
  // shares turn k's 8k full blocks and nothing later in the trace shares them: the most recent
  // request sharing them is the previous turn, and the fitted gap is the log-normal drawn here
  // (μ = ln 30 s, σ = 0.6). Its MLE SEs are σ/√n ≈ 0.006 and σ/√(2n) ≈ 0.004 over n = 9 000 gaps.
  const rng = createRng(5);
  const gen: GeneratedRequest[] = [];
  const starts = arrivals(3000, 2, 9);
  starts.forEach((t0, s) => {
    let t = t0;
    for (let k = 1; k <= 4; k++) {
      gen.push({ timestamp: t, inputTokens: 8 * k * 512 + 100, sessionId: s, turn: k });
      t += 1000 * Math.exp(Math.log(30) + 0.6 * rng.normal());
    }
  });
  gen.sort((a, b) => a.timestamp - b.timestamp);
  const model = knownModel(1e12, 0, 0, 1, 1, 0, 0, 0); // no request repeats a root but by its session
  const ids = generateHashIds(model, gen, createRng(3));
  const fit = fitPrefixModel(gen.map((g, i) => ({ hashIds: ids[i], timestamp: g.timestamp, inputLength: g.inputTokens, outputLength: 0 })));

  it('turns extend the previous turn: repeats share its full blocks', () => {
    expect(fit.roots.distinct).toBe(3000);
    expect(fit.reuse.count).toBe(9000);
  });
  it('recovers μ and σ within 4 SEs (+ 1 ms rounding of timestamps, negligible at 30 s)', () => {
    expect(Math.abs(fit.reuse.gapMu - Math.log(30))).toBeLessThan(4 * (0.6 / Math.sqrt(9000)));
    expect(Math.abs(fit.reuse.gapSigma - 0.6)).toBeLessThan(4 * (0.6 / Math.sqrt(2 * 9000)));
  });
});

describe('Pitman–Yor likelihood', () => {
  it('the grouped fit maximizes the plain log-likelihood', () => {
    const counts = [50, 20, 10, 5, 5, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1];
    const f = fitPitmanYor(counts);
    const best = pitmanYorLogLik(counts, f.theta, f.alpha);
    for (const [dt, da] of [[0.5, 0], [-0.5, 0], [0, 0.02], [0, -0.02]]) {
      expect(pitmanYorLogLik(counts, f.theta + dt, Math.max(0, f.alpha + da))).toBeLessThanOrEqual(best + 1e-9);
    }
  });
});

describe('root processes: recency keeps the new-root share constant, Pitman–Yor lets it fall', () => {
  // 40 000 requests at 20/s, 8 blocks each, coverage as above. Recency with a 60 % repeat share:
  // the new-root share of the first and the second half of the run are both 0.4 (binomial SE
  // 0.0035 per half; allow 4 SE). Pitman–Yor (θ = 30, α = 0.5) has the new-root rate
  // (θ + αK)/(t + θ), K growing like t^α: it falls over the run (seed 4: 7.3 % of the first
  // half's requests start a root, 3.1 % of the second's), so a profile fitted on a short log and
  // generated for longer would get ever fewer new roots and ever more hits.
  const N = 40_000;
  const times = arrivals(N, 20, 21);
  const gen: GeneratedRequest[] = times.map((t) => ({ timestamp: t, inputTokens: 4000 }));
  const newShare = (ids: number[][]) => {
    const seen = new Set<number>();
    const half = [0, 0];
    ids.forEach((row, i) => {
      if (!seen.has(row[0])) {
        seen.add(row[0]);
        half[i < N / 2 ? 0 : 1]++;
      }
    });
    return half.map((c) => c / (N / 2));
  };
  it('recency (the default before h-72): both halves at the fitted share', () => {
    const m = knownModel(0, 0, 0.3, 0.1, 1, 0, 0, 0.6);
    m.roots.gapMu = Math.log(30);
    m.roots.gapSigma = 1;
    m.reuse = { count: 0, redonate: 1, gapMu: Math.log(30), gapSigma: 1 };
    const [a, b] = newShare(generateHashIds(m, gen, createRng(4), { roots: 'recency' }));
    const se = Math.sqrt((0.4 * 0.6) / (N / 2));
    expect(Math.abs(a - 0.4)).toBeLessThan(4 * se);
    expect(Math.abs(b - 0.4)).toBeLessThan(4 * se);
  });
  it('Pitman–Yor: the second half gets clearly fewer new roots', () => {
    const [a, b] = newShare(generateHashIds(knownModel(30, 0.5, 0.3, 0.1, 1, 0, 0), gen, createRng(4), { roots: 'pitman-yor' }));
    expect(a - b).toBeGreaterThan(10 * Math.sqrt((a * (1 - a)) / (N / 2)));
  });
});
