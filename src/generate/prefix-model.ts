/**
 * Prefix-sharing model for Mooncake-style `hash_ids` (prototype; docs/prefix-reuse.md).
 * Standalone: not wired into the CLI, the profile schema or the writers.
 *
 * Per client, every request has a root (its first block: a system prompt, template or
 * document). A request either starts a new root (it shares nothing with earlier requests) or
 * repeats an earlier root, and then shares its first m blocks with one earlier request of that
 * root, the donor, and has fresh blocks after them. Parameters, each estimated from one log
 * with hash_ids in time order:
 * - new roots: per bucket of own blocks n (powers of two), the share of requests that repeat a
 *   root (the first request excepted). In document-style logs short prompts are mostly new
 *   (synthetic_trace: 5 % of one-block requests repeat a root, 45 % overall).
 * - which root: the log-normal (μ, σ of ln seconds) of the gap from a repeat request back to
 *   its root's previous request, i.e. the root's idle time at reuse ("idle", the default since
 *   h-72: of the roots of the right length, the one whose last request is the latest at or
 *   before t − g, stationary in time; "recency", the default before: the root of the request at
 *   t − g, which favours roots with many recent requests). Also fitted, for comparison: a
 *   Pitman–Yor sequence over the roots (θ, α) by maximum likelihood, which describes Zipf-like
 *   root popularity but whose new-root rate (θ + αK)/(t + θ) falls as a run gets longer.
 * - coverage: per bucket of n, the share of repeat requests that share only their first block
 *   (m = 1: a one-block system prompt, the mode of chat logs), and the empirical distribution
 *   of m/n of the others as 101 quantiles.
 * - reuse gap: the log-normal (μ, σ of ln seconds) of t_i − t_j over repeat requests sharing at
 *   least two blocks, j the most recent earlier request sharing all of them (both gaps by
 *   maximum likelihood right-truncated at the time since the log's first request, as a gap
 *   cannot reach before it: fitTruncatedLogNormal); and the share of
 *   those whose j already was another's j (re-donation: 0.3 % in the conversation trace, where a
 *   prompt is extended by one next turn; 4.3 % in the synthetic one); and the chain share, those
 *   whose j is their root's latest earlier request with at least m blocks (a document re-asked:
 *   92 % in the synthetic trace, 0.3 % in the conversation one).
 *
 * Generation with idle roots (the default; HashIdStream): a repeat drawing m ≥ 2 is, with the
 * chain share, chained: it joins the root whose stem (its first request's full blocks) has
 * m ± d blocks, d = min(⌊1.25 m⌋, n) − m (at least m − 1 … m), below n unless m = n, and was last used latest at or before t − g, and shares that whole
 * stem; otherwise (or when no such root is retained) it joins, by the same idle rule, a root
 * whose longest request has m … 2n blocks, and copies m blocks from a donor about a reuse gap
 * back as below. With h-74's optional fields: first re-asks apart (roots.first: a share of
 * repeats re-ask a root not repeated yet, by its age, the others one repeated before, by its
 * idle time, each from its own gap) and whole prompts (reuse.whole: a chained repeat drawing
 * m = n copies the root's latest request of exactly n blocks). The rest of this paragraph is
 * the recency / Pitman–Yor process.
 *
 * Generation (per client, requests in time order; ids renumbered by first appearance at the
 * end, as in Mooncake traces): a request whose session has an earlier turn shares that turn's
 * full blocks (its prompt extends the last one), capped at its own blocks. Otherwise it starts a
 * new root with its bucket's new-root share (Pitman–Yor: the Pitman–Yor probability tilted by
 * that share over the overall one); a repeat request draws m from its bucket's coverage (1, or
 * round(c·n) clamped to 2 … n), then a root (recency or Pitman–Yor draws) until one has a
 * request of m to 2n blocks (at most 16 draws; else the one of them with the shortest request
 * of at least m blocks, else the longest: a root's requests have similar lengths in
 * document-style logs, and a root with one very long request would otherwise take every long
 * repeat), a gap g, and copies the first m blocks of the latest member of the root at or before
 * t − g that has at least m blocks and, unless m = 1 or a draw with the re-donation share
 * allows it, has not donated m ≥ 2 blocks before (looking up to 256 members back, then forward;
 * then without the donation condition; failing that the longest of them, m capped at its
 * blocks).
 */
import type { Rng } from '../stats/rng.js';
import { exp, log } from '../stats/det-math.js';
import { nelderMead } from '../stats/nelder-mead.js';
import { normalCdf } from '../stats/normal.js';
import { measurePrefixReuse, quantileSorted, type PrefixRequest, type PrefixReuse } from './prefix-reuse.js';
import { HashIdStream } from './prefix-stream.js';

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
    /** Log-normal (μ, σ of ln seconds) of the gap from a repeat request back to its root's previous request. */
    gapMu: number;
    gapSigma: number;
    /**
     * First re-asks apart (h-74; idle roots only; absent: one gap for all repeats, as before):
     * `share` of repeats are the first repeat of their root (synthetic trace 23 %: 408 of its
     * 2 211 roots are ever repeated, each about 5 times), whose gap is the root's age
     * (gapMu, gapSigma: median 145 s); the others repeat a root repeated before, idle about
     * laterMu, laterSigma (median 41 s). So the number of roots ever repeated follows the log
     * instead of every root of a suitable stem being as likely to be re-asked.
     */
    first?: { share: number; gapMu: number; gapSigma: number; laterMu: number; laterSigma: number };
  };
  coverage: {
    /** Lower edges of the own-blocks buckets (1, 2, 4, …): bucket k holds n in [edges[k], edges[k+1]). */
    edges: number[];
    /** Per bucket: repeat requests it was estimated on (0: borrows the nearest bucket with some). */
    counts: number[];
    /** Per bucket: share of its requests (the first excepted) that repeat a root (NaN: no requests). */
    repeatShare: number[];
    /** Per bucket: share of repeat requests sharing only their first block (m = 1: a system prompt). */
    single: number[];
    /** Per bucket: quantiles 0, 0.01, …, 1 of m/n over the repeat requests with m ≥ 2 (empty when none). */
    quantiles: number[][];
  };
  reuse: {
    /** Repeat requests sharing ≥ 2 blocks the gap was estimated on. */
    count: number;
    /** Share of those whose best match already was an earlier one's best match (prefixes reused by several requests rather than extended once, as chat turns are). */
    redonate: number;
    /**
     * Share of those whose best match is their root's latest earlier request with at least m
     * blocks (a document re-asked: the previous ask is the best match; absent: 0, the donor is
     * always drawn by the reuse gap).
     */
    chain?: number;
    /**
     * Share of repeats sharing all their n ≥ 2 blocks whose best match has exactly n blocks
     * (h-74: an earlier prompt asked again, whole: every such hit in both Mooncake traces). A
     * chained repeat drawing m = n then copies a request of exactly n blocks of the root it
     * picked (absent: 0, it shares the stem only).
     */
    whole?: number;
    gapMu: number;
    gapSigma: number;
  };
}

export const COVERAGE_EDGES = [1, 2, 4, 8, 16, 32, 64, 128, 256];
const QUANTILES = 101;
/** ln 100: fitTruncatedLogNormal keeps μ within a hundred times the longest gap a log can show. */
const LN_100 = log(100);

export function bucketOf(n: number, edges: readonly number[] = COVERAGE_EDGES): number {
  let k = edges.length - 1;
  while (k > 0 && n < edges[k]) k--;
  return k;
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

/**
 * Maximum-likelihood (μ, σ) of a log-normal from values x_i = ln g_i each observed only because
 * g_i ≤ a_i (b_i = ln a_i: a gap back from request i is at most the time since the log began),
 * i.e. of a normal right-truncated at b_i: Σ ln φ((x_i − μ)/σ) − ln σ − ln Φ((b_i − μ)/σ).
 * The plain mean and SD of x estimate the truncated distribution; a generator drawing from them
 * truncates again (a gap reaching before the first request is drawn again), so its gaps came
 * out shorter than the log's. Starts from (and falls back to) the plain estimates.
 */
export function fitTruncatedLogNormal(xs: readonly number[], bs: readonly number[], mu0: number, sigma0: number): { mu: number; sigma: number } {
  if (xs.length < 2 || !(sigma0 > 0)) return { mu: mu0, sigma: sigma0 };
  // A few values near their bounds make the likelihood grow without end as μ and σ do (the data
  // then look like the lower tail of a distribution far beyond the log): a pooled client of 47
  // requests got μ = 1322, gaps of e^1322 s (found by the privacy audit, h-86). No log tells a
  // median gap a hundred times its own span, so μ stays at most max b + ln 100. (An optimum inside
  // that is kept: the document trace's first re-asks fit μ = 9.5 on a 1 022 s log, ln 1022 = 6.9,
  // from ~400 of them, which its regenerated hit ratios follow; capped at ln 1022 they changed.)
  let muMax = -Infinity;
  for (const b of bs) muMax = Math.max(muMax, b);
  muMax += LN_100;
  const f = (p: number[]) => {
    const mu = p[0];
    if (mu > muMax) return 1e300;
    const sigma = exp(p[1]);
    let s = 0;
    for (let i = 0; i < xs.length; i++) {
      const z = (xs[i] - mu) / sigma;
      const c = normalCdf((bs[i] - mu) / sigma);
      if (!(c > 0)) return 1e300;
      s += 0.5 * z * z + p[1] + log(c);
    }
    return s;
  };
  const r = nelderMead(f, [mu0, log(sigma0)], { step: 0.2, maxIter: 400, tol: 1e-10 });
  return r.fx < f([mu0, log(sigma0)]) && Number.isFinite(r.x[0]) ? { mu: r.x[0], sigma: exp(r.x[1]) } : { mu: mu0, sigma: sigma0 };
}

/** {@link fitTruncatedLogNormal} of ln gaps `xs` (bounds `bs`) from their plain mean and SD; (0, 0) when empty. */
function fitGaps(xs: readonly number[], bs: readonly number[]): { mu: number; sigma: number } {
  let s1 = 0;
  let s2 = 0;
  for (const x of xs) {
    s1 += x;
    s2 += x * x;
  }
  const n = xs.length;
  const mu = n ? s1 / n : 0;
  return fitTruncatedLogNormal(xs, bs, mu, n > 1 ? Math.sqrt(Math.max(0, (s2 - n * mu * mu) / (n - 1))) : 0);
}

/**
 * Fits {@link PrefixModel} on one client's requests in time order (`reuse`: their
 * measurePrefixReuse, when the caller has it: the walk is most of a fit's time).
 */
export function fitPrefixModel(requests: readonly PrefixRequest[], blockSize = 512, reuse?: PrefixReuse): PrefixModel {
  const r = reuse ?? measurePrefixReuse(requests, blockSize);
  const n = requests.length;
  const rootIndex = new Map<number, number>();
  const counts: number[] = [];
  const lastT: number[] = [];
  const cover: number[][] = COVERAGE_EDGES.map(() => []);
  const repeats = COVERAGE_EDGES.map(() => 0);
  const all = COVERAGE_EDGES.map(() => 0);
  const singles = COVERAGE_EDGES.map(() => 0);
  let g = 0;
  const matched = new Set<number>();
  let again = 0;
  let chained = 0;
  const rootX: number[] = [];
  const rootB: number[] = [];
  // The same gaps split by whether the repeat is its root's first (h-74: first re-asks apart).
  const firstX: number[] = [];
  const firstB: number[] = [];
  const laterX: number[] = [];
  const laterB: number[] = [];
  let whole = 0;
  let fullHits = 0;
  const reuseX: number[] = [];
  const reuseB: number[] = [];
  const members: number[][] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0) all[bucketOf(r.blocks[i])]++; // the first request cannot repeat a root
    const key = r.roots[i];
    const k = rootIndex.get(key);
    if (k === undefined) {
      rootIndex.set(key, counts.length);
      members.push([i]);
      counts.push(1);
      lastT.push(requests[i].timestamp);
      continue;
    }
    counts[k]++;
    const lr = log(Math.max(1e-3, (requests[i].timestamp - lastT[k]) / 1000));
    const lb = Math.max(lr, log(Math.max(1e-3, (requests[i].timestamp - requests[0].timestamp) / 1000)));
    rootX.push(lr);
    rootB.push(lb);
    (counts[k] === 2 ? firstX : laterX).push(lr);
    (counts[k] === 2 ? firstB : laterB).push(lb);
    lastT[k] = requests[i].timestamp;
    const b = r.blocks[i];
    const bk = bucketOf(b);
    repeats[bk]++;
    if (r.shared[i] === 1) singles[bk]++;
    else cover[bk].push(r.shared[i] / b);
    if (r.shared[i] >= 2) {
      const lg = log(Math.max(1e-3, (requests[i].timestamp - requests[r.match[i]].timestamp) / 1000));
      reuseX.push(lg);
      reuseB.push(Math.max(lg, log(Math.max(1e-3, (requests[i].timestamp - requests[0].timestamp) / 1000))));
      g++;
      if (matched.has(r.match[i])) again++;
      else matched.add(r.match[i]);
      const mk = members[k];
      for (let q = mk.length - 1; q >= 0; q--) {
        if (r.blocks[mk[q]] < r.shared[i]) continue;
        if (mk[q] === r.match[i]) chained++;
        break;
      }
      if (r.shared[i] === b) {
        fullHits++;
        if (r.blocks[r.match[i]] === b) whole++;
      }
    }
    members[k].push(i);
  }
  const py = counts.length <= 1 ? { theta: 0, alpha: 0, seTheta: NaN, seAlpha: NaN } : fitPitmanYor(counts);
  const quantiles = cover.map((xs) => {
    if (xs.length === 0) return [];
    const sorted = Float64Array.from(xs).sort();
    return Array.from({ length: QUANTILES }, (_, q) => quantileSorted(sorted, q / (QUANTILES - 1)));
  });
  // Both gaps corrected for the log's start (a gap back from t is at most t − t_0; h-72: the
  // plain estimates made the regenerated reuse gaps shorter than the log's, p90 420 s vs 483 s
  // on the chat trace).
  const rootGap = fitGaps(rootX, rootB);
  const reuseGap = fitGaps(reuseX, reuseB);
  const roots: PrefixModel['roots'] = { ...py, requests: n, distinct: counts.length, gapMu: rootGap.mu, gapSigma: rootGap.sigma };
  if (firstX.length >= 2 && laterX.length >= 2) {
    const a = fitGaps(firstX, firstB);
    const b = fitGaps(laterX, laterB);
    roots.first = { share: firstX.length / rootX.length, gapMu: a.mu, gapSigma: a.sigma, laterMu: b.mu, laterSigma: b.sigma };
  }
  return {
    blockSize,
    roots,
    coverage: { edges: [...COVERAGE_EDGES], counts: repeats, repeatShare: repeats.map((c, k) => (all[k] ? c / all[k] : NaN)), single: singles.map((c, k) => (repeats[k] ? c / repeats[k] : 0)), quantiles },
    reuse: { count: g, redonate: g ? again / g : 0, chain: g ? chained / g : 0, whole: fullHits ? whole / fullHits : 0, gapMu: reuseGap.mu, gapSigma: reuseGap.sigma },
  };
}

/** A request to assign hash_ids to (timestamps in ms, in time order). */
export interface GeneratedRequest {
  timestamp: number;
  inputTokens: number;
  sessionId?: string | number;
  turn?: number;
}

/**
 * Assigns hash_ids to one client's requests (time order) with `model`: a {@link HashIdStream}
 * with an infinite horizon (every request kept) fed the requests one by one. Ids are local to
 * the call (0, 1, …); {@link renumberByFirstUse} makes a multi-client trace's ids Mooncake-like.
 */
export function generateHashIds(
  model: PrefixModel,
  requests: readonly GeneratedRequest[],
  rng: Rng,
  options: { roots?: 'idle' | 'recency' | 'pitman-yor' } = {},
): number[][] {
  const stream = new HashIdStream(model, rng, { roots: options.roots, horizonSeconds: Infinity });
  return requests.map((r) => stream.nextMs(r.timestamp, r.inputTokens, r.sessionId));
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
