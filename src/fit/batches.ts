import type { CompactPmf } from '../stats/pmf.js';
import { exp, log, log10, log1p, pow } from '../stats/det-math.js';
import { normalQuantile } from '../stats/normal.js';
import { createRng, type Rng } from '../stats/rng.js';
import { GAP_BINS_PER_DECADE, GAP_MIN } from '../summary/bins.js';
import { CLUSTER_GAPS, clusterOf, clusterTicks, type ArrivalSummary, type TraceSummaries } from '../summary/types.js';
import { LessBy, WindowView } from '../summary/window-view.js';

/**
 * Batch clients: a client that sends several requests at one instant (a batch job, a fan-out:
 * 50 requests at one millisecond every 5 minutes). Its gaps are mostly exactly 0, and no
 * renewal process of gaps makes such batches: a Gamma fitted to them (98 % zeros, 2 % of 300 s)
 * has a shape of 0.0013, and drawn one gap at a time it spreads a batch over seconds or piles
 * up hundreds (the 1 s index of dispersion of examples/batch-client.sh: 8.08 in the log, 3.18
 * or 41 generated). Such a client's profile gets `batches.sizes` (requests per instant) and its
 * windows describe the gaps between instants; generation draws instants and a size for each.
 */

/** Clocks this fine or finer: requests at one tick were sent together, not rounded together by a coarse clock (1 s, Mooncake's 3 s buckets). */
export const BATCH_FINE_CLOCK = 0.01;
/**
 * A client's gaps that are exactly 0 (within batches), from this share: a batch client — when
 * they are also BATCH_OVER_ONE_TICK times its gaps of one clock tick. At a fine clock, chance
 * puts about as many gaps at 0 ticks as at 1 (a Poisson client at 100/s on a 1 ms clock: 9.5 %
 * and 8.6 %), while batches pile them at 0 only. A client sending 30 % of its requests in
 * batches of 10 beside single ones has 27 % of its gaps 0 and 0.1 % at 1 ms; drawn one gap at
 * a time it failed roundtrip on every dispersion and needed 90 % more serving slots than its log
 * (session 22; with 0.5 it was not a batch client).
 */
export const BATCH_SHARE = 0.2;
/** A batch client's 0-gaps are at least this many times its gaps of one tick. */
export const BATCH_OVER_ONE_TICK = 10;
/**
 * A batch client's sizes per instant are not those that chance runs of 0-gaps make: by chance —
 * independent gaps, each 0 with its window's share p = zeros / (n − 1) — an instant's size is
 * geometric, P(S = k) = (1 − p)·p^(k−1). A client drawing gaps of a Gamma of shape 0.05 (the
 * burstiest windows of upstream's mm-image pool), logged to the µs, has half its gaps at 0 µs,
 * 28 times those at 1 µs, in runs of just that length: the renewal model reproduces it, while a
 * batch model with its pooled sizes failed the pool trace's roundtrip (session 22). The test
 * is a G-test of the pooled sizes against the windows' geometric sizes (cells 1 … SIZE_CELLS
 * and a tail): G above its χ² mean by BATCH_G_SDS standard deviations, and a total variation
 * of at least BATCH_MIN_TV (a large client's small departures are left to the renewal model).
 */
export const BATCH_G_SDS = 5;
/** The least total variation between a batch client's sizes and chance's. */
export const BATCH_MIN_TV = 0.05;
/** Size cells of the chance test: 1 … SIZE_CELLS, then one for larger sizes. */
const SIZE_CELLS = 64;
/** Clients with fewer gaps are not judged. */
export const BATCH_MIN_GAPS = 100;

/** Gaps of exactly 0 inside a window's batches: k − 1 for each batch of k. */
export function batchZeros(a: ArrivalSummary): number {
  let z = 0;
  a.batches?.forEach((count, size) => (z += (size - 1) * count));
  return z;
}

/**
 * A client's gaps, its gaps of exactly 0 (inside batches) and its gaps of one clock tick. For a
 * cluster client (`cluster` ≥ 0: runs of gaps below CLUSTER_GAPS[cluster]), `zeros` are its
 * gaps inside clusters and `oneTick` its gaps from the threshold to 10 times it.
 */
export interface BatchTotals {
  gaps: number;
  zeros: number;
  oneTick: number;
  /** The CLUSTER_GAPS index of a cluster client; absent: batches at one instant. */
  cluster?: number;
}

/** A window as the chance test reads it: requests, 0-gaps inside batches, batch size → count. */
export interface BatchWindow {
  n: number;
  zeros: number;
  batches: ReadonlyMap<number, number> | undefined;
}

/**
 * Whether a client's sizes per instant depart from those chance runs of 0-gaps make in its
 * windows (BATCH_G_SDS, BATCH_MIN_TV).
 */
export function sizesNotChance(windows: Iterable<BatchWindow>, work?: ChanceWork): boolean {
  const cells = SIZE_CELLS + 1;
  const observed = new Float64Array(cells + 1);
  const expected = new Float64Array(cells + 1);
  let instants = 0;
  const list = [...windows];
  for (const w of list) {
    if (!(w.n > 0)) continue;
    let inBatches = 0;
    w.batches?.forEach((count, size) => {
      observed[Math.min(size, cells)] += count;
      inBatches += size * count;
    });
    // (Summaries merged from parts cut inside a window can count more in runs than n.)
    observed[1] += Math.max(0, w.n - inBatches);
    const p = continueChance(w);
    // Chance's runs in a window of n requests: its first request starts one, each later one
    // continues the run with chance p, its last ends one (a window boundary ends every run), so
    // a run of k < n holds p^(k−1)·(2q + (n − k − 1)·q²) in expectation, q = 1 − p; one of n,
    // p^(n−1); 1 + (n − 1)·q runs in all. (Untruncated geometric sizes made a Poisson client at
    // 20/s in 0.7 s windows, ~2 runs below 100 ms a window, a cluster client: helper 52's valley
    // of 4 let it be judged, test/fit/idle-gaps.test.ts.)
    const n = w.n;
    const q = 1 - p;
    const runs = 1 + (n - 1) * q;
    instants += runs;
    let inCells = 0;
    let pk = 1;
    for (let k = 1; k <= SIZE_CELLS && k <= n; k++, pk *= p) {
      const e = k < n ? pk * (2 * q + (n - k - 1) * q * q) : pk;
      expected[k] += e;
      inCells += e;
    }
    expected[cells] += Math.max(0, runs - inCells);
  }
  if (!(instants > 0)) return false;
  let tv = 0;
  for (let k = 1; k <= cells; k++) tv += Math.abs(observed[k] - expected[k]);
  if (!(tv / (2 * instants) >= BATCH_MIN_TV)) return false;
  const gOf = (obs: Float64Array) => {
    let g = 0;
    for (let k = 1; k <= cells; k++) if (obs[k] > 0) g += 2 * obs[k] * log(obs[k] / Math.max(expected[k], 1e-300));
    return g;
  };
  const g = gOf(observed);
  let df = -1;
  for (let k = 1; k <= cells; k++) if (observed[k] > 0 || expected[k] >= 1) df++;
  df = Math.max(1, df);
  if (!(g > df + BATCH_G_SDS * Math.sqrt(2 * df))) return false;
  // With few instants over sparse cells G is far from its χ² law: past the χ² bound, G must
  // also be BATCH_G_SDS standard deviations past the mean of G over chance's own sizes, drawn
  // (seeded) for the same windows. (A Gamma client of 200 requests in 15 runs at 100 ms, 1 in
  // 20 seeds, was made a cluster client by 15 sizes over 65 cells: G 60 where χ² says ≤ 45.)
  const null_ = chanceG(list, cells, gOf, instants, work);
  return g > null_.mean + BATCH_G_SDS * null_.sd;
}

/**
 * The chance that a gap of a window continues a run under chance (independent gaps): its gaps
 * in runs over its n − 1 gaps inside it. The gap from the window before is never in a run (the
 * scan ends every run at the boundary), so counting it among the gaps took a window whose gaps
 * are all in one run for one of p = (n − 1)/n, expecting 1 + (n − 1)/n runs where independent
 * gaps at any rate give 1: a Poisson client at 200/s in 0.1 s windows (~20 requests each, one
 * run below 100 ms) was made a cluster client and drew 10 % too few requests (helper 99).
 */
const continueChance = (w: BatchWindow): number => (w.n > 1 ? Math.min(1, w.zeros / (w.n - 1)) : 0);

/** What the chance test drew (sizesNotChance's `work`, when given): uniforms, one per size or per binomial draw. */
export interface ChanceWork {
  uniforms: number;
}

/** Draws of G under chance per client: at most this many sizes drawn in all (fewer draws for larger clients). */
const CHANCE_BUDGET = 4_000_000;
/** Draws of G under chance per client, at most (at least 20). */
const CHANCE_DRAWS = 200;

/**
 * Mean and standard deviation of G over sizes chance draws for windows `list` (n, zeros), seeded.
 * Past CHANCE_BUDGET (20 draws of more than 200 000 instants) a window's cell counts are drawn at
 * once (chanceCounts), not a size per instant: a client of 5 M runs drew 100 M sizes, 2.8 s for
 * each threshold that judged it (found by review).
 */
function chanceG(list: readonly BatchWindow[], cells: number, gOf: (obs: Float64Array) => number, instants: number, work?: ChanceWork): { mean: number; sd: number } {
  const draws = Math.max(20, Math.min(CHANCE_DRAWS, Math.floor(CHANCE_BUDGET / instants)));
  const seeded = createRng('batches:chance');
  // Counted when asked (a test of the budget): the uniforms drawn.
  const rng = work ? ({ next: () => (work.uniforms++, seeded.next()) } as Rng) : seeded;
  const byCells = draws * instants > CHANCE_BUDGET;
  const obs = new Float64Array(cells + 1);
  let s1 = 0;
  let s2 = 0;
  for (let d = 0; d < draws; d++) {
    obs.fill(0);
    for (const w of list) {
      if (!(w.n > 0)) continue;
      const p = continueChance(w);
      if (p === 0) {
        obs[1] += w.n;
        continue;
      }
      if (byCells) {
        // (Geometric sizes, untruncated: past the budget windows hold many runs each.)
        chanceCounts(Math.max(0, w.n - w.zeros), p, cells, rng, obs);
        continue;
      }
      // Runs filling the window: geometric sizes, P(S = k) = (1 − p)·p^(k−1), by inversion, the
      // last cut at the window's end.
      const lp = log(p);
      for (let left = w.n; left > 0; ) {
        const s = p >= 1 ? left : Math.min(left, 1 + Math.floor(log(1 - rng.next()) / lp));
        obs[Math.min(cells, s)]++;
        left -= s;
      }
    }
    const g = gOf(obs);
    s1 += g;
    s2 += g * g;
  }
  const mean = s1 / draws;
  return { mean, sd: Math.sqrt(Math.max(0, s2 / draws - mean * mean)) };
}

/**
 * Adds to `obs` the sizes of I instants drawn geometric, P(S = k) = (1 − p)·p^(k−1), as cell
 * counts (1 … cells − 1, then `cells` for larger): of the instants of size k or more, those of
 * size k are Binomial(left, 1 − p), sizes being memoryless. A window costs the cells its sizes
 * reach, not its instants.
 */
function chanceCounts(I: number, p: number, cells: number, rng: Rng, obs: Float64Array): void {
  let left = I;
  for (let k = 1; k < cells && left > 0; k++) {
    const here = binomial(left, 1 - p, rng);
    obs[k] += here;
    left -= here;
  }
  obs[cells] += left;
}

/**
 * A Binomial(n, q) draw: by inversion of its probabilities (BINV, on the rarer outcome) when
 * n·min(q, 1 − q) is below 30; else the normal approximation rounded into [0, n], its variance
 * 15 or more (its error far below G's spread over a client past the budget).
 */
function binomial(n: number, q: number, rng: Rng): number {
  if (!(q > 0)) return 0;
  if (!(q < 1)) return n;
  const rare = Math.min(q, 1 - q);
  let x = 0;
  if (n * rare < 30) {
    const r = rare / (1 - rare);
    let f = exp(n * log1p(-rare));
    let u = rng.next();
    while (u > f && x < n) {
      u -= f;
      x++;
      f *= (r * (n - x + 1)) / x;
    }
  } else {
    const z = normalQuantile(Math.min(1 - 1e-12, Math.max(1e-12, rng.next())));
    x = Math.min(n, Math.max(0, Math.round(n * rare + z * Math.sqrt(n * rare * (1 - rare)))));
  }
  return rare === q ? x : n - x;
}

/** Totals of no window. */
export function noBatchTotals(): BatchTotals {
  return { gaps: 0, zeros: 0, oneTick: 0 };
}

const BATCH_CLIENTS = new WeakMap<TraceSummaries, ReadonlyMap<string, BatchTotals>>();

/** Per batch client (by BATCH_SHARE at a fine clock): its gaps and the 0-gaps within its batches. */
export function batchClients(summaries: TraceSummaries): ReadonlyMap<string, BatchTotals> {
  const cached = BATCH_CLIENTS.get(summaries);
  if (cached) return cached;
  const by = new Map<string, BatchTotals>();
  if (summaries.resolution <= BATCH_FINE_CLOCK) {
    for (const a of summaries.arrivals) {
      let e = by.get(a.client);
      if (!e) by.set(a.client, (e = noBatchTotals()));
      e.zeros += batchZeros(a);
      e.gaps += a.gaps;
      e.oneTick += a.quant.get(1) ?? 0;
    }
  }
  const out = batchesAmong(by, summaries.resolution, (ids) => {
    const of = new Map<string, BatchWindow[]>([...ids].map((id) => [id, []]));
    for (const a of summaries.arrivals) of.get(a.client)?.push({ n: a.n, zeros: batchZeros(a), batches: a.batches });
    return of;
  });
  for (const [id, e] of clusterClients(summaries, out)) out.set(id, e);
  BATCH_CLIENTS.set(summaries, out);
  return out;
}

/**
 * Cluster clients: requests sent together but logged apart (a fan-out through a gateway: 50
 * requests ~0.4 ms apart every 300 s, examples/jittered-batch.sh), which the batch rule (equal
 * timestamps) misses. Drawn one gap at a time, such a client's runs of short gaps come out
 * geometric in length (a window of 98 % sub-ms gaps: often 150, not 50): roundtrip failed every
 * dispersion metric and the draw needed 3.4× the log's serving slots (session 22). The batch
 * rule at each CLUSTER_GAPS threshold τ its clock resolves (τ ≥ CLUSTER_CLOCKS ticks): runs of
 * gaps below τ instead of 0-gaps, and gaps from τ to 10τ instead of one-tick gaps (a valley in
 * the gap distribution above τ: a Poisson client at 1 000/s has 63 % of its gaps below 1 ms and
 * 37 % from 1 to 10 ms, and is not judged); then the chance test of the run lengths. Of the
 * thresholds that pass, the one with the deepest valley (the most gaps below τ per gap from τ
 * to 10τ; the smallest τ of equals). Clients with batches at one instant are not judged.
 */
export function clusterClients(summaries: TraceSummaries, batched: ReadonlyMap<string, BatchTotals>): Map<string, BatchTotals> {
  const res = summaries.resolution;
  const best = new Map<string, { e: BatchTotals; depth: number }>();
  CLUSTER_GAPS.forEach((tau, k) => {
    if (!(res * CLUSTER_CLOCKS <= tau)) return;
    const by = new Map<string, BatchTotals>();
    for (const a of summaries.arrivals) {
      if (batched.has(a.client)) continue;
      let e = by.get(a.client);
      if (!e) by.set(a.client, (e = { gaps: 0, zeros: 0, oneTick: 0, cluster: k }));
      e.gaps += a.gaps;
      e.zeros += clusterGaps(a, k);
    }
    // The valley's gaps only for clients with the share (a read of every histogram otherwise).
    for (const [id, e] of by) if (!(e.gaps >= BATCH_MIN_GAPS && e.zeros >= BATCH_SHARE * e.gaps)) by.delete(id);
    for (const a of summaries.arrivals) {
      const e = by.get(a.client);
      if (e) e.oneTick += gapsFrom(a, tau, 10 * tau, res) + atThreshold(a, k, res);
    }
    const windowsOf = (ids: ReadonlySet<string>) => {
      const of = new Map<string, BatchWindow[]>([...ids].map((id) => [id, []]));
      for (const a of summaries.arrivals) of.get(a.client)?.push({ n: a.n, zeros: clusterGaps(a, k), batches: clusterSizes(a, k) });
      return of;
    };
    // The valley (CLUSTER_VALLEY) in place of batchesAmong's one-tick clause (oneTick 0 there).
    const valley = new Map<string, number>();
    for (const [id, e] of by) {
      if (e.zeros >= CLUSTER_VALLEY * e.oneTick) valley.set(id, e.oneTick);
      else by.delete(id);
      e.oneTick = 0;
    }
    for (const [id, e] of batchesAmong(by, 0, windowsOf)) {
      e.oneTick = valley.get(id)!;
      const depth = e.zeros / Math.max(1, e.oneTick);
      const had = best.get(id);
      if (!had || depth > had.depth) best.set(id, { e, depth });
    }
  });
  return new Map([...best].map(([id, { e }]) => [id, e]));
}

/**
 * A cluster client's gaps below τ are at least this many times its gaps from τ to 10τ (a valley
 * above τ). Azure code's one aggregate client (many users' bursts, not fan-outs) has 2.4 at
 * 100 ms, and a Poisson client at 1 000/s 1.7 at 1 ms; a client sending 30 % of its requests in
 * clusters of 10 ~3 ms apart beside singles at 0.7/s has 5.0 at 10 ms (its singles fill the
 * decade above): drawn one gap at a time it failed roundtrip's 10 and 60 s dispersions (56/60)
 * and needed 12–18 % more serving slots; as a cluster client, 60/60 and +0 / +6 % (session 23).
 * The batch rule's 10 (BATCH_OVER_ONE_TICK) left it out. Bursty renewal clients pass it (a Gamma
 * of shape 0.1 has 3.9 at any τ, of shape 0.05 8.2): the chance test keeps them out.
 */
export const CLUSTER_VALLEY = 4;
/** Clusters are judged at thresholds of this many clock ticks or more. */
export const CLUSTER_CLOCKS = 10;

/** A window's runs at CLUSTER_GAPS[k]: size → runs (undefined when none). */
export function clusterSizes(a: ArrivalSummary, k: number): Map<number, number> | undefined {
  let out: Map<number, number> | undefined;
  a.clusters?.forEach((count, key) => {
    const [size, at] = clusterOf(key);
    if (at === k) (out ??= new Map()).set(size, count);
  });
  return out;
}

/** Gaps inside a window's runs at CLUSTER_GAPS[k]: size − 1 for each run. */
export function clusterGaps(a: ArrivalSummary, k: number): number {
  let z = 0;
  a.clusters?.forEach((count, key) => {
    const [size, at] = clusterOf(key);
    if (at === k) z += (size - 1) * count;
  });
  return z;
}

/**
 * A window's gaps from `lo` to `hi` seconds by its histogram: tick counts from lo / res (as
 * the runs cut: a gap continues one below it) and log bins from lo's (bins are 1.2 % wide).
 */
export function gapsFrom(a: ArrivalSummary, lo: number, hi: number, res: number): number {
  let c = 0;
  a.quant.forEach((count, ticks) => {
    if (ticks >= clusterTicks(lo, res) && ticks < clusterTicks(hi, res)) c += count;
  });
  const [bLo, bHi] = [binAt(lo), binAt(hi)];
  a.hist.forEach((count, b) => {
    if (b >= bLo && b < bHi) c += count;
  });
  return c;
}

/**
 * Gaps of a window that end runs at CLUSTER_GAPS[k] (as many ticks as τ) but sit in the log bin
 * just below τ's: a gap of exactly τ as a double is often a hair under it (0.1 s on a 1 ms clock
 * as a difference of timestamps), and log bins are of the gap, not its ticks (found by review:
 * runs of 3 exactly 100 ms apart on a 1 ms clock left 87 gaps between clusters of 124). Counted
 * as the window's histogram gaps below τ less the gaps inside its runs, at most that bin's count
 * (the rest is the window's first gap, from a request of the window before).
 */
export function atThreshold(a: ArrivalSummary, k: number, res: number): number {
  const tau = CLUSTER_GAPS[k];
  const top = binAt(tau);
  const inBin = a.hist.get(top - 1) ?? 0;
  if (inBin === 0) return 0;
  let below = 0;
  a.quant.forEach((count, ticks) => {
    if (ticks < clusterTicks(tau, res)) below += count;
  });
  a.hist.forEach((count, b) => {
    if (b < top) below += count;
  });
  return Math.min(inBin, Math.max(0, below - clusterGaps(a, k)));
}

/** The gap bin whose lower edge is `g` (a threshold: a whole number of bins from GAP_MIN). */
const binAt = (g: number) => Math.round(log10(g / GAP_MIN) * GAP_BINS_PER_DECADE);

/**
 * The batch clients among per-client totals, at clock `resolution`: BATCH_MIN_GAPS or more
 * gaps, BATCH_SHARE of them exactly 0 and BATCH_OVER_ONE_TICK times those of one tick, at
 * BATCH_FINE_CLOCK or finer, with sizes per instant that chance does not make (sizesNotChance
 * over the windows `windowsOf` gives for the clients that pass the rest).
 */
export function batchesAmong(totals: ReadonlyMap<string, BatchTotals>, resolution: number, windowsOf: (ids: ReadonlySet<string>) => ReadonlyMap<string, readonly BatchWindow[]>): Map<string, BatchTotals> {
  const out = new Map<string, BatchTotals>();
  if (!(resolution <= BATCH_FINE_CLOCK)) return out;
  // (Cluster clients are judged with resolution 0: their thresholds check the clock.)
  const candidates = new Set<string>();
  for (const [id, e] of totals) if (e.gaps >= BATCH_MIN_GAPS && e.zeros >= BATCH_SHARE * e.gaps && e.zeros >= BATCH_OVER_ONE_TICK * e.oneTick) candidates.add(id);
  if (candidates.size === 0) return out;
  const windows = windowsOf(candidates);
  for (const id of candidates) if (sizesNotChance(windows.get(id) ?? [])) out.set(id, { ...totals.get(id)! });
  return out;
}

/** Batch clients of a trace as inspect reports them: how many, their share of requests, the largest few. */
export interface TraceBatches {
  clients: number;
  share: number;
  /** How they send (batchesHow). */
  how: string;
  top: { id: string; zeroShare: number; meanSize: number; below?: number }[];
}

/**
 * How batch clients send, for notes and reports: `at one instant` (equal timestamps), `in
 * clusters` (runs of gaps below a threshold: `below`, s), or both kinds among them.
 */
export function batchesHow(below: readonly (number | undefined)[]): string {
  const clusters = below.filter((b) => b !== undefined).length;
  return clusters === 0 ? 'in batches at one instant' : clusters === below.length ? 'in clusters' : 'in batches at one instant or in clusters';
}

/** One batch client's share of gaps inside its batches, in words: `0` or `below 10 ms`. */
export const insideWords = (below: number | undefined): string => (below === undefined ? '0' : `below ${Number((below * 1000).toPrecision(3))} ms`);

/** What one batch of a client is, in words: `at one instant` or `a cluster`. */
export const perWords = (below: number | undefined): string => (below === undefined ? 'at one instant' : 'a cluster');

/** TraceBatches from the batch clients (batchesAmong), the request count per client and all requests. */
export function traceBatches(batched: ReadonlyMap<string, BatchTotals>, requests: (id: string) => number, total: number): TraceBatches {
  const list = [...batched].sort((x, y) => requests(y[0]) - requests(x[0]) || (x[0] < y[0] ? -1 : 1));
  const share = list.reduce((a, [id]) => a + requests(id), 0);
  return {
    clients: list.length,
    share: total > 0 ? share / total : 0,
    how: batchesHow(list.map(([, e]) => (e.cluster === undefined ? undefined : CLUSTER_GAPS[e.cluster]))),
    // Instants: every request but the 0-gaps' (a batch of k requests has k − 1 of them).
    top: list.slice(0, 3).map(([id, e]) => ({ id, zeroShare: e.zeros / e.gaps, meanSize: requests(id) / (requests(id) - e.zeros), ...(e.cluster !== undefined ? { below: CLUSTER_GAPS[e.cluster] } : {}) })),
  };
}

/**
 * Requests per instant over a client's windows, as a profile's `batches.sizes`: size 1 counts
 * the requests alone at their instant (n less the requests in batches).
 */
export function batchSizes(windows: readonly ArrivalSummary[], cluster?: number): CompactPmf {
  const counts = new Map<number, number>();
  let alone = 0;
  for (const a of windows) {
    let inBatches = 0;
    (cluster === undefined ? a.batches : clusterSizes(a, cluster))?.forEach((count, size) => {
      counts.set(size, (counts.get(size) ?? 0) + count);
      inBatches += size * count;
    });
    alone += a.n - inBatches;
  }
  if (alone > 0) counts.set(1, alone);
  const values = [...counts.keys()].sort((x, y) => x - y);
  return { values, counts: values.map((v) => counts.get(v)!) };
}

/**
 * A window without the 0-gaps inside its batches: the gaps between its instants (counts and
 * the 0-tick cell less `zeros`; sums unchanged, as the gaps removed are 0), read through. Its
 * gap-memory terms are left out: they rank the 0-gaps among the others.
 */
export class BetweenInstants extends WindowView {
  constructor(
    w: ArrivalSummary,
    private readonly zeros: number,
  ) {
    super(w);
  }
  override get gaps(): number {
    return this.w.gaps - this.zeros;
  }
  override get quant(): ReadonlyMap<number, number> {
    return new LessBy(this.w.quant, 0, this.zeros);
  }
  override get mem(): readonly number[] | undefined {
    return undefined;
  }
}

/** A gap's value in a window's histogram: ticks · res for a tick count, a log bin's geometric middle. */
const binMiddle = (b: number) => GAP_MIN * pow(10, (b + 0.5) / GAP_BINS_PER_DECADE);

/**
 * The gaps inside a cluster client's clusters (those below CLUSTER_GAPS[k]), pooled over its
 * windows, as a profile's `batches.within`: seconds → gaps, tick counts at ticks · res and log
 * bins coarsened to WITHIN_BINS_PER_DECADE at their geometric middles.
 */
export function clusterWithin(windows: readonly ArrivalSummary[], k: number, res: number): CompactPmf {
  const tau = CLUSTER_GAPS[k];
  const counts = new Map<number, number>();
  const add = (v: number, c: number) => counts.set(v, (counts.get(v) ?? 0) + c);
  const coarse = GAP_BINS_PER_DECADE / WITHIN_BINS_PER_DECADE;
  const top = binAt(tau);
  for (const a of windows) {
    const extra = atThreshold(a, k, res);
    a.quant.forEach((count, ticks) => {
      if (ticks < clusterTicks(tau, res)) add(ticks * res, count);
    });
    a.hist.forEach((count, b) => {
      const c = b === top - 1 ? count - extra : count;
      if (b < top && c > 0) add(GAP_MIN * pow(10, (Math.floor(b / coarse) + 0.5) / WITHIN_BINS_PER_DECADE), c);
    });
  }
  const values = [...counts.keys()].sort((x, y) => x - y);
  return { values, counts: values.map((v) => counts.get(v)!) };
}

/** Log bins per decade of a profile's `batches.within` (gaps inside clusters: their spread, not their shape). */
export const WITHIN_BINS_PER_DECADE = 20;

/**
 * A cluster client's window without the gaps inside its clusters (below CLUSTER_GAPS[k]): the
 * gaps between clusters, from one's last request to the next one's first. Counts and moments
 * less the gaps removed (tick counts at ticks · res, log bins at their middles: ±0.6 %).
 */
export class BetweenClusters extends WindowView {
  private readonly q = new Map<number, number>();
  private readonly h = new Map<number, number>();
  private readonly removed = { gaps: 0, sum: 0, sumSq: 0, sumLog: 0, positive: 0 };
  constructor(w: ArrivalSummary, k: number, res: number) {
    super(w);
    const tau = CLUSTER_GAPS[k];
    const top = binAt(tau);
    const r = this.removed;
    const remove = (g: number, c: number) => {
      r.gaps += c;
      r.sum += g * c;
      r.sumSq += g * g * c;
      if (g > 0) {
        r.positive += c;
        r.sumLog += log(g) * c;
      }
    };
    // Gaps of exactly τ binned just below it (atThreshold) end runs: they stay, between clusters.
    const extra = atThreshold(w, k, res);
    w.quant.forEach((count, ticks) => (ticks < clusterTicks(tau, res) ? remove(ticks * res, count) : this.q.set(ticks, count)));
    w.hist.forEach((count, b) => {
      const stay = b === top - 1 ? extra : b < top ? 0 : count;
      if (count > stay) remove(binMiddle(b), count - stay);
      if (stay > 0) this.h.set(b, stay);
    });
  }
  override get gaps(): number {
    return this.w.gaps - this.removed.gaps;
  }
  override get sum(): number {
    return Math.max(0, this.w.sum - this.removed.sum);
  }
  override get sumSq(): number {
    return Math.max(0, this.w.sumSq - this.removed.sumSq);
  }
  override get sumLog(): number {
    return this.w.sumLog - this.removed.sumLog;
  }
  override get positive(): number {
    return Math.max(0, this.w.positive - this.removed.positive);
  }
  override get quant(): ReadonlyMap<number, number> {
    return this.q;
  }
  override get hist(): ReadonlyMap<number, number> {
    return this.h;
  }
  override get mem(): readonly number[] | undefined {
    return undefined;
  }
}
