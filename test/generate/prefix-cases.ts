/**
 * Inputs for the hash_ids regression checks (test/generate/prefix-stream.test.ts): models fitted
 * on the two Mooncake fixtures and the seeded samples of test/generate/prefix-model.test.ts, each
 * with the requests, seed and root process generateHashIds was run with. The digests pinned in
 * the test were computed on these cases with generateHashIds as it was before the stream
 * (commit a005ae4), so they check that the stream rewrite changed no output.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { COVERAGE_EDGES, fitPrefixModel, type GeneratedRequest, type PrefixModel } from '../../src/generate/prefix-model.js';
import type { PrefixRequest } from '../../src/generate/prefix-reuse.js';
import { createRng } from '../../src/stats/rng.js';

const mooncakeDir = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'fixtures', 'traces', 'mooncake');

/** A gzip-compressed Mooncake fixture (`conversation` or `synthetic`) as prefix requests. */
export function readMooncakeFixture(name: 'conversation' | 'synthetic'): PrefixRequest[] {
  const text = gunzipSync(readFileSync(join(mooncakeDir, `${name}_trace.jsonl.gz`))).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const o = JSON.parse(line) as { timestamp: number; input_length: number; output_length: number; hash_ids: number[] };
      return { hashIds: o.hash_ids, timestamp: o.timestamp, inputLength: o.input_length, outputLength: o.output_length };
    });
}

/** Poisson arrivals (ms, rounded) at `rate` per second, as in prefix-model.test.ts. */
export function poissonMs(n: number, rate: number, seed: number): number[] {
  const rng = createRng(seed);
  const t: number[] = [];
  let now = 0;
  for (let i = 0; i < n; i++) {
    now += (-Math.log(rng.nextOpen()) / rate) * 1000;
    t.push(Math.round(now));
  }
  return t;
}

/** prefix-model.test.ts's model with known parameters (coverage uniform on [lo, hi], `single` share of m = 1). */
export function uniformCoverageModel(theta: number, alpha: number, single: number, lo: number, hi: number, gapMu: number, gapSigma: number, repeat = NaN): PrefixModel {
  const q = Array.from({ length: 101 }, (_, k) => lo + ((hi - lo) * k) / 100);
  const perBucket = <T>(v: T) => COVERAGE_EDGES.map(() => v);
  return {
    blockSize: 512,
    roots: { theta, alpha, seTheta: NaN, seAlpha: NaN, requests: 0, distinct: 0, gapMu: 0, gapSigma: 0 },
    coverage: { edges: [...COVERAGE_EDGES], counts: perBucket(1), repeatShare: perBucket(repeat), single: perBucket(single), quantiles: perBucket(q) },
    reuse: { count: 0, redonate: 1, gapMu, gapSigma },
  };
}

export interface HashIdCase {
  name: string;
  model: PrefixModel;
  requests: GeneratedRequest[];
  seed: number;
  roots: 'idle' | 'recency' | 'pitman-yor';
}

/** The requests of a trace with every request given a session among `sessions` with probability `share` (seeded), to exercise the session path on real lengths. */
function withSessions(src: readonly PrefixRequest[], share: number, sessions: number, seed: number): GeneratedRequest[] {
  const rng = createRng(seed);
  return src.map((r) => {
    const g: GeneratedRequest = { timestamp: r.timestamp, inputTokens: r.inputLength };
    if (rng.next() < share) g.sessionId = Math.floor(rng.next() * sessions);
    return g;
  });
}

export function hashIdCases(): HashIdCase[] {
  const out: HashIdCase[] = [];
  for (const name of ['conversation', 'synthetic'] as const) {
    const src = readMooncakeFixture(name);
    const fitted = fitPrefixModel(src);
    // The digests below were pinned before h-74's optional fields (roots.first, reuse.whole):
    // without them a model must draw exactly as it did. The fields' own cases follow.
    const { first, ...roots } = fitted.roots;
    const { whole, ...reuse } = fitted.reuse;
    const model: PrefixModel = { ...fitted, roots, reuse };
    const plain = src.map((r) => ({ timestamp: r.timestamp, inputTokens: r.inputLength }));
    out.push({ name: `${name}, recency`, model, requests: plain, seed: 1, roots: 'recency' });
    out.push({ name: `${name}, pitman-yor`, model, requests: plain, seed: 2, roots: 'pitman-yor' });
    out.push({ name: `${name}, 30 % of requests in 400 sessions`, model, requests: withSessions(src, 0.3, 400, 9), seed: 3, roots: 'recency' });
    // The default since h-72: idle roots, chained repeats sharing a root's stem.
    out.push({ name: `${name}, idle`, model, requests: plain, seed: 1, roots: 'idle' });
    out.push({ name: `${name}, idle, 30 % of requests in 400 sessions`, model, requests: withSessions(src, 0.3, 400, 9), seed: 3, roots: 'idle' });
    // h-74: first re-asks apart and whole prompts repeated (the fit as it is now).
    if (first !== undefined || whole !== undefined) out.push({ name: `${name}, idle, first re-asks apart, whole prompts`, model: fitted, requests: plain, seed: 1, roots: 'idle' });
  }
  // prefix-model.test.ts: the recovery sample (θ = 30, α = 0.5, 20 000 requests of 32 blocks).
  const recovery = poissonMs(20_000, 20, 7).map((t) => ({ timestamp: t, inputTokens: 16_000 }));
  out.push({ name: 'recovery sample', model: uniformCoverageModel(30, 0.5, 0.3, 0.1, 1, Math.log(20), 0.8), requests: recovery, seed: 11, roots: 'pitman-yor' });
  // prefix-model.test.ts: 3 000 four-turn sessions, each a new root.
  const rng = createRng(5);
  const sessions: GeneratedRequest[] = [];
  poissonMs(3000, 2, 9).forEach((t0, s) => {
    let t = t0;
    for (let k = 1; k <= 4; k++) {
      sessions.push({ timestamp: t, inputTokens: 8 * k * 512 + 100, sessionId: s, turn: k });
      t += 1000 * Math.exp(Math.log(30) + 0.6 * rng.normal());
    }
  });
  sessions.sort((a, b) => a.timestamp - b.timestamp);
  out.push({ name: 'sessions sample', model: uniformCoverageModel(1e12, 0, 0, 1, 1, 0, 0, 0), requests: sessions, seed: 3, roots: 'recency' });
  // prefix-model.test.ts: the root-process sample (40 000 requests of 8 blocks at 20/s).
  const steady = poissonMs(40_000, 20, 21).map((t) => ({ timestamp: t, inputTokens: 4000 }));
  const recency = uniformCoverageModel(0, 0, 0.3, 0.1, 1, 0, 0, 0.6);
  recency.roots.gapMu = Math.log(30);
  recency.roots.gapSigma = 1;
  recency.reuse = { count: 0, redonate: 1, gapMu: Math.log(30), gapSigma: 1 };
  out.push({ name: 'root-process sample, recency', model: recency, requests: steady, seed: 4, roots: 'recency' });
  out.push({ name: 'root-process sample, idle, chain 0.5', model: { ...recency, reuse: { ...recency.reuse, chain: 0.5 } }, requests: steady, seed: 4, roots: 'idle' });
  out.push({ name: 'root-process sample, pitman-yor', model: uniformCoverageModel(30, 0.5, 0.3, 0.1, 1, 0, 0), requests: steady, seed: 4, roots: 'pitman-yor' });
  return out;
}

/** SHA-256 of the ids (hex, first 16 characters). */
export function digest(ids: number[][]): string {
  return createHash('sha256').update(JSON.stringify(ids)).digest('hex').slice(0, 16);
}
