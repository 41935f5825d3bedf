/**
 * Prefix-sharing model for Mooncake-style `hash_ids` (prototype; docs/prefix-reuse.md).
 * Standalone: not wired into the CLI, the profile schema or the writers.
 *
 * Per client, every request has a root (its first block: a system prompt, template or
 * document), and shares with earlier requests either
 * - nothing (its root is new),
 * - its root's stem (the leading blocks all of the root's requests have in common), or
 * - an earlier request's prompt (a follow-up: the next turn of a chat, whose prompt is the
 *   previous prompt + answer + new message, so it shares the parent's full blocks).
 *
 * Parameters, each estimated from one log with hash_ids in time order:
 * - roots: a Pitman–Yor sequence over the requests' roots (θ, α), by maximum likelihood: a
 *   request starts a new root with probability (θ + αK)/(t + θ) after t requests on K roots,
 *   else reuses root k with probability (c_k − α)/(t + θ) (c_k requests so far). α > 0 gives
 *   the power-law (Zipf-like) popularity of roots.
 * - stem: the empirical distribution (blocks) of root stems, over roots with at least two
 *   requests; a root's stem is the least shared prefix among its repeat requests (the LCP of
 *   all its requests).
 * - followUp: the share q of repeat requests (to an existing root) that share more than the
 *   stem, and the log-normal (μ, σ of ln seconds) of the gap back to the request they extend
 *   (the extension parent when the shared prefix ends where an earlier prompt's full blocks
 *   end, else the most recent request sharing that prefix).
 *
 * Generation (per client, requests in time order; ids renumbered by first appearance at the
 * end, as in Mooncake traces): a request whose session has an earlier turn is a follow-up of
 * that turn. Otherwise its root is drawn from the Pitman–Yor sequence; a new root draws a stem
 * length; a repeat request is a follow-up with probability q, else shares min(stem, blocks).
 * A follow-up draws a gap g and extends the latest request of its root at or before t − g,
 * preferring (within a few requests back) one whose full blocks are fewer than its own blocks,
 * as a chat's next turn is longer than the last; it shares min(parent's full blocks, blocks),
 * and at least the root's stem.
 */
import type { Rng } from '../stats/rng.js';
import { exp, log } from '../stats/det-math.js';
import { nelderMead } from '../stats/nelder-mead.js';
import { measurePrefixReuse, type PrefixRequest } from './prefix-reuse.js';

export interface PrefixModel {
  blockSize: number;
  roots: {
    theta: number;
    alpha: number;
    /** Standard errors from the observed information (NaN at a boundary, e.g. one root). */
    seTheta: number;
    seAlpha: number;
    requests: number;
    distinct: number;
  };
  /** Stem length (blocks) → number of roots with at least two requests having it. */
  stem: Record<string, number>;
  followUp: {
    /** P(follow-up | repeat request to an existing root). */
    q: number;
    /** Repeat requests the share was estimated on. */
    repeats: number;
    /** Log-normal gap to the parent: μ and σ of ln(seconds). */
    gapMu: number;
    gapSigma: number;
  };
}

/** Pitman–Yor log-likelihood of a root sequence summarized by its root counts (order-free). */
export function pitmanYorLogLik(counts: readonly number[], theta: number, alpha: number): number {
  const n = counts.reduce((a, b) => a + b, 0);
  const K = counts.length;
  if (!(alpha >= 0 && alpha < 1 && theta > -alpha)) return -Infinity;
  let ll = 0;
  for (let k = 1; k < K; k++) ll += log(theta + alpha * k);
  for (const c of counts) for (let j = 1; j < c; j++) ll += log(j - alpha);
  for (let t = 1; t < n; t++) ll -= log(t + theta);
  return ll;
}

/** Maximum-likelihood (θ, α) of a Pitman–Yor sequence with these root counts, with standard errors. */
export function fitPitmanYor(counts: readonly number[]): { theta: number; alpha: number; seTheta: number; seAlpha: number } {
  // The likelihood depends on the counts only (exchangeability); reparametrize to the
  // unconstrained α = logistic(a), θ = −α + e^b. Group equal counts to keep evaluations cheap.
  const byCount = new Map<number, number>();
  for (const c of counts) byCount.set(c, (byCount.get(c) ?? 0) + 1);
  const n = counts.reduce((a, b) => a + b, 0);
  const K = counts.length;
  const maxC = Math.max(...counts);
  // atLeast[j] = number of roots with count > j (each contributes log(j − α) for j = 1 … c − 1).
  const atLeast = new Float64Array(maxC + 1);
  for (const [c, m] of byCount) for (let j = 1; j < c; j++) atLeast[j] += m;
  const ll = (theta: number, alpha: number) => {
    if (!(alpha >= 0 && alpha < 1 && theta > -alpha)) return -Infinity;
    let s = 0;
    for (let k = 1; k < K; k++) s += log(theta + alpha * k);
    for (let j = 1; j < maxC; j++) if (atLeast[j] > 0) s += atLeast[j] * log(j - alpha);
    for (let t = 1; t < n; t++) s -= log(t + theta);
    return s;
  };
  const unpack = (x: number[]) => {
    const alpha = 1 / (1 + exp(-x[0]));
    return [-alpha + exp(x[1]), alpha] as const;
  };
  const f = (x: number[]) => {
    const [theta, alpha] = unpack(x);
    const v = ll(theta, alpha);
    return Number.isFinite(v) ? -v : 1e300;
  };
  let best = { x: [0, log(Math.max(1, K / Math.max(1, log(n))))], fx: Infinity };
  for (const start of [best.x, [-2, log(Math.max(1e-3, K / 10))], [1, 0]]) {
    const r = nelderMead(f, start, { step: 1, maxIter: 2000, tol: 1e-12 });
    if (r.fx < best.fx) best = r;
  }
  const [theta, alpha] = unpack(best.x);
  // Observed information by central differences in (θ, α).
  const h = [Math.max(1e-4, 1e-4 * Math.abs(theta)), 1e-5];
  const g = (dt: number, da: number) => ll(theta + dt, alpha + da);
  const l0 = g(0, 0);
  const htt = (g(h[0], 0) - 2 * l0 + g(-h[0], 0)) / (h[0] * h[0]);
  const haa = (g(0, h[1]) - 2 * l0 + g(0, -h[1])) / (h[1] * h[1]);
  const hta = (g(h[0], h[1]) - g(h[0], -h[1]) - g(-h[0], h[1]) + g(-h[0], -h[1])) / (4 * h[0] * h[1]);
  // Invert −H.
  const a11 = -htt, a22 = -haa, a12 = -hta;
  const det = a11 * a22 - a12 * a12;
  const ok = Number.isFinite(det) && det > 0 && a11 > 0;
  return { theta, alpha, seTheta: ok ? Math.sqrt(a22 / det) : NaN, seAlpha: ok ? Math.sqrt(a11 / det) : NaN };
}

/** Fits {@link PrefixModel} on one client's requests in time order. */
export function fitPrefixModel(requests: readonly PrefixRequest[], blockSize = 512): PrefixModel {
  const r = measurePrefixReuse(requests, blockSize);
  const n = requests.length;
  // Roots and their stems (min shared prefix over the root's repeat requests = LCP of all).
  const rootIndex = new Map<number, number>();
  const counts: number[] = [];
  const stemOf: number[] = [];
  const rootOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const key = r.roots[i];
    let k = rootIndex.get(key);
    if (k === undefined) {
      k = counts.length;
      rootIndex.set(key, k);
      counts.push(0);
      stemOf.push(Infinity);
    } else {
      stemOf[k] = Math.min(stemOf[k], r.shared[i]);
    }
    counts[k]++;
    rootOf[i] = k;
  }
  const stem: Record<string, number> = {};
  for (let k = 0; k < counts.length; k++) if (counts[k] >= 2) stem[String(stemOf[k])] = (stem[String(stemOf[k])] ?? 0) + 1;
  // Follow-ups and their gaps.
  let repeats = 0;
  let follow = 0;
  let s1 = 0;
  let s2 = 0;
  const seen = new Uint8Array(counts.length);
  for (let i = 0; i < n; i++) {
    const k = rootOf[i];
    if (!seen[k]) {
      seen[k] = 1;
      continue;
    }
    repeats++;
    if (r.shared[i] <= stemOf[k]) continue;
    follow++;
    const p = r.parent[i] >= 0 && r.parentDepth[i] === r.shared[i] ? r.parent[i] : r.match[i];
    const lg = log(Math.max(1e-3, (requests[i].timestamp - requests[p].timestamp) / 1000));
    s1 += lg;
    s2 += lg * lg;
  }
  const py = K1(counts) ? { theta: 0, alpha: 0, seTheta: NaN, seAlpha: NaN } : fitPitmanYor(counts);
  const mu = follow ? s1 / follow : 0;
  return {
    blockSize,
    roots: { ...py, requests: n, distinct: counts.length },
    stem,
    followUp: {
      q: repeats ? follow / repeats : 0,
      repeats,
      gapMu: mu,
      gapSigma: follow > 1 ? Math.sqrt(Math.max(0, (s2 - follow * mu * mu) / (follow - 1))) : 0,
    },
  };
}

/** One root: its likelihood is maximized at θ → 0 (never a new root), which is what generation needs. */
const K1 = (counts: number[]) => counts.length <= 1;

/** A request to assign hash_ids to (timestamps in ms, in time order). */
export interface GeneratedRequest {
  timestamp: number;
  inputTokens: number;
  sessionId?: string | number;
  turn?: number;
}

interface Root {
  stem: number[];
  count: number;
  /** Member requests in time order. */
  members: number[];
}

/** Draws a stem length from the model's histogram (1 block when it is empty). */
function stemSampler(model: PrefixModel): (rng: Rng) => number {
  const entries = Object.entries(model.stem).map(([k, v]) => [Number(k), v] as const).sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((a, [, v]) => a + v, 0);
  if (!(total > 0)) return () => 1;
  return (rng) => {
    let u = rng.next() * total;
    for (const [k, v] of entries) {
      u -= v;
      if (u < 0) return k;
    }
    return entries[entries.length - 1][0];
  };
}

/** How many members back from the time-chosen parent a follow-up looks for a shorter prompt. */
const PARENT_WINDOW = 32;

/**
 * Assigns hash_ids to one client's requests (time order) with `model`. Ids are local to the
 * call (0, 1, …); {@link renumberByFirstUse} makes a multi-client trace's ids Mooncake-like.
 */
export function generateHashIds(model: PrefixModel, requests: readonly GeneratedRequest[], rng: Rng): number[][] {
  const bs = model.blockSize;
  const { theta, alpha } = model.roots;
  const { q, gapMu, gapSigma } = model.followUp;
  const drawStem = stemSampler(model);
  let nextId = 0;
  const out: number[][] = [];
  const roots: Root[] = [];
  const rootOf: number[] = [];
  const full: number[] = [];
  const lastOfSession = new Map<string | number, number>();
  for (let i = 0; i < requests.length; i++) {
    const req = requests[i];
    const nBlocks = Math.max(1, Math.ceil(req.inputTokens / bs));
    full.push(Math.min(nBlocks, Math.floor(req.inputTokens / bs)));
    let root: number;
    let parent = -1;
    const prevTurn = req.sessionId !== undefined ? lastOfSession.get(req.sessionId) : undefined;
    if (prevTurn !== undefined) {
      root = rootOf[prevTurn];
      parent = prevTurn;
    } else {
      // Pitman–Yor draw over the i requests so far.
      const K = roots.length;
      const pNew = i === 0 ? 1 : (theta + alpha * K) / (i + theta);
      if (K === 0 || rng.next() < pNew) {
        root = K;
        roots.push({ stem: [], count: 0, members: [] });
        const s = drawStem(rng);
        for (let d = 0; d < s; d++) roots[root].stem.push(nextId++);
      } else {
        // ∝ c_k − α: a uniformly drawn earlier request's root (∝ c_k), accepted with 1 − α/c_k.
        for (;;) {
          const k = rootOf[Math.min(i - 1, Math.floor(rng.next() * i))];
          if (rng.next() < 1 - alpha / roots[k].count) {
            root = k;
            break;
          }
        }
        if (rng.next() < q) parent = chooseParent(roots[root].members, requests, full, req.timestamp, nBlocks, gapMu, gapSigma, rng);
      }
    }
    const R = roots[root];
    const ids: number[] = [];
    const stemShare = Math.min(R.stem.length, nBlocks);
    const fromParent = parent >= 0 ? Math.min(full[parent], nBlocks) : 0;
    for (let d = 0; d < nBlocks; d++) {
      if (d < fromParent) ids.push(out[parent][d]);
      else if (d < stemShare) ids.push(R.stem[d]);
      else ids.push(nextId++);
    }
    out.push(ids);
    rootOf.push(root);
    R.count++;
    R.members.push(i);
    if (req.sessionId !== undefined) lastOfSession.set(req.sessionId, i);
  }
  return out;
}

function chooseParent(
  members: number[],
  requests: readonly GeneratedRequest[],
  full: number[],
  t: number,
  nBlocks: number,
  mu: number,
  sigma: number,
  rng: Rng,
): number {
  if (members.length === 0) return -1;
  const target = t - 1000 * exp(mu + sigma * rng.normal());
  // Latest member at or before the target (the earliest member when none is).
  let lo = 0;
  let hi = members.length; // first member after target
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (requests[members[mid]].timestamp <= target) lo = mid + 1;
    else hi = mid;
  }
  const at = Math.max(0, lo - 1);
  for (let k = at; k >= 0 && k > at - PARENT_WINDOW; k--) if (full[members[k]] < nBlocks) return members[k];
  return members[at];
}

/** Renumbers ids by first appearance over requests in the given order (Mooncake convention). */
export function renumberByFirstUse(hashIds: number[][], namespaceOf?: (i: number) => string | number): number[][] {
  const maps = new Map<string | number, Map<number, number>>();
  let next = 0;
  return hashIds.map((ids, i) => {
    const ns = namespaceOf ? namespaceOf(i) : 0;
    let m = maps.get(ns);
    if (!m) maps.set(ns, (m = new Map()));
    return ids.map((id) => {
      let v = m!.get(id);
      if (v === undefined) m!.set(id, (v = next++));
      return v;
    });
  });
}
