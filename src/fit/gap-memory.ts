import { MEM_LAGS, type ArrivalSummary } from '../summary/types.js';
import { expm1, log, pow } from '../stats/det-math.js';

/**
 * Gap memory: serial dependence of a client's gaps beyond what a renewal process has.
 *
 * Within a window the generator draws gap i at the quantile Φ(zᵢ) of the window's gap
 * distribution, with zᵢ = √w·xᵢ + √(1−w)·εᵢ, xᵢ = φ·xᵢ₋₁ + √(1−φ²)·ηᵢ (a standard AR(1) over
 * the client's gaps) and ε, η independent standard normals. The gaps keep their distribution
 * exactly; their normal scores correlate w·φᵏ at lag k, so runs of short gaps (bursts inside a
 * window) and of long ones come out as often as in the log. w = 0 is the renewal process.
 */
export interface GapMemory {
  /** w: the share of a gap's normal score carried over from the gaps before it. */
  weight: number;
  /** φ: lag-1 coefficient of the carried part (memory of about 1/(1−φ) gaps). */
  phi: number;
}

/** Lag-1 correlation must be at least this many standard errors above 0 to fit memory. */
export const MEMORY_MIN_Z = 4;
/** Memory weaker than this at lag 1 is not kept (it moves no statistic of a workload). */
export const MEMORY_MIN_LAG1 = 0.01;

/**
 * A clock at least this coarse against the client's mean gap (resolution / mean gap) makes the
 * lag-1 correlation an artifact of rounding: a gap's rounding error (eᵢ₋₁ − eᵢ) shares eᵢ, with
 * the other sign, with the next gap's, so consecutive gaps correlate negatively — at 1 s and
 * 2 requests/s, −0.11 where the memory gives +0.15 — and lags ≥ 2 share no error.
 */
export const CLOCK_LAG1_RATIO = 0.05;

/** Whether the clock resolution hides lag 1 of these windows' gaps (CLOCK_LAG1_RATIO). */
export function clockHidesLag1(resolution: number, windows: readonly Pick<ArrivalSummary, 'sum' | 'gaps'>[]): boolean {
  if (!(resolution > 0)) return false;
  let sum = 0;
  let gaps = 0;
  for (const w of windows) {
    sum += w.sum;
    gaps += w.gaps;
  }
  return gaps > 0 && resolution >= CLOCK_LAG1_RATIO * (sum / gaps);
}

/** A client's pooled normal-score correlation per lag in MEM_LAGS, with the pairs behind each. */
export interface MemoryCorrelations {
  lags: readonly number[];
  corr: number[];
  /** Σ variance terms (≈ pairs of gaps, the scores having variance ≈ 1). */
  pairs: number[];
  /**
   * The windows behind the pooled terms, grouped by their number of gaps m (groups ~5 % wide
   * in m): a group's m and its variance terms per lag. The fit uses them to model the ranking
   * within windows (withinWindowCorrelation); without them it fits w·φᵏ as if windows were long.
   */
  groups?: { m: number; v: number[] }[];
}

/** Width of the groups of window sizes in log m (5 %: the model moves far less within one). */
const GROUP_LOG_WIDTH = 0.05;

/**
 * Expected correlation at lag k, as the builder measures it in one window of m gaps (scores
 * ranked within the window, so centred on the window's own mean, and the random-order
 * expectation taken off), for scores with correlation ρ(j) = w·φ^|j| (j ≠ 0), computed for a
 * Gaussian series: ranking within a window takes the window's share of a long memory away, so
 * the measured correlation is below w·φᵏ — at φ = 0.98, by about a third at m = 300 and half
 * at m = 100. With z̄ the window mean, cᵢ = Cov(zᵢ, z̄), V = Var z̄:
 * E[(zᵢ − z̄)(zᵢ₊ₖ − z̄)] averaged over the m − k pairs, over E[(z − z̄)²] = 1 − V, plus
 * 1/(m − 1) (the random-order term; 0 for independent scores).
 */
export function withinWindowCorrelation(m: number, k: number, w: number, phi: number): number {
  const f = withinWindowTerms(m, k, phi);
  return f ? (f.n0 + w * f.n1) / (f.d0 - w * f.d1) + f.c : 0;
}

/**
 * withinWindowCorrelation as (n0 + w·n1)/(d0 − w·d1) + c: T(N) = Σ_{j<N} Σ_{d=1..j} φᵈ and
 * U(n) = T(n) + T(m) − T(m − n) give Σ_{i≤n} cᵢ = (n + w·U(n))/m and V = (m + 2w·T(m))/m².
 */
function withinWindowTerms(m: number, k: number, phi: number): { n0: number; n1: number; d0: number; d1: number; c: number } | undefined {
  if (!(k < m) || !(m > 1)) return undefined;
  const a = phi / (1 - phi);
  const lp = log(phi);
  const T = (N: number) => (phi > 0 ? a * (N + expm1(N * lp) / (1 - phi)) : 0);
  const Tm = T(m);
  const n = m - k;
  const U = T(n) + Tm - T(m - n);
  return {
    n0: -1 / m,
    n1: pow(phi, k) - (2 * U) / (m * n) + (2 * Tm) / (m * m),
    d0: 1 - 1 / m,
    d1: (2 * Tm) / (m * m),
    c: 1 / (m - 1),
  };
}

/** Pools the clients' windows' gap-memory terms; undefined when no window has them. */
export function memoryCorrelations(windows: readonly Pick<ArrivalSummary, 'mem'>[]): MemoryCorrelations | undefined {
  const L = MEM_LAGS.length;
  const q = new Array<number>(L).fill(0);
  const v = new Array<number>(L).fill(0);
  const byGroup = new Map<number, { ms: number; s: number; v: number[] }>();
  let any = false;
  for (const w of windows) {
    const m = w.mem;
    if (!m) continue;
    any = true;
    for (let l = 0; l < L; l++) {
      q[l] += m[l];
      v[l] += m[L + l];
    }
    // The window's m from its variance terms ((m − k)/m · Σ(z − z̄)² at lags 1 and 2): exact for
    // a window as scanned; for a window merged from parts cut inside it, their Σ(z − z̄)²-weighted
    // harmonic mean.
    const s2 = 2 * m[L] - m[L + 1];
    const perM = m[L] - m[L + 1];
    if (!(s2 > 0 && perM > 0)) continue;
    const size = s2 / perM;
    const key = Math.round(log(size) / GROUP_LOG_WIDTH);
    let g = byGroup.get(key);
    if (!g) byGroup.set(key, (g = { ms: 0, s: 0, v: new Array<number>(L).fill(0) }));
    g.ms += m[L] * size;
    g.s += m[L];
    for (let l = 0; l < L; l++) g.v[l] += m[L + l];
  }
  if (!any || !(v[0] > 0)) return undefined;
  const groups = [...byGroup.keys()].sort((x, y) => x - y).map((key) => {
    const g = byGroup.get(key)!;
    return { m: g.ms / g.s, v: g.v };
  });
  return { lags: MEM_LAGS, corr: q.map((x, l) => (v[l] > 0 ? x / v[l] : 0)), pairs: v, groups };
}

/**
 * Least-squares fit of w·φᵏ to the correlations (each lag weighted by its pairs), w in [0, 1]
 * and φ in [0, 0.9999], φ searched on a grid of log(1 − φ) then refined by golden section.
 * With the windows' sizes (`groups`) the model is what the builder measures of w·φᵏ within
 * windows of those sizes (withinWindowCorrelation; w by Gauss–Newton for each φ): without
 * that, windows of a few hundred gaps gave a third to a half too little weight and far too
 * short a memory. Without groups, w·φᵏ itself (w closed-form for each φ). Returns undefined —
 * no memory — unless the lag-1 correlation is MEMORY_MIN_Z standard errors above zero and at
 * least MEMORY_MIN_LAG1 (lag 2's, and lags from 2 fitted, with `skipLag1`).
 */
export function fitGapMemory(c: MemoryCorrelations | undefined, options: { skipLag1?: boolean } = {}): GapMemory | undefined {
  if (!c) return undefined;
  // With a clock that hides lag 1 (clockHidesLag1), the test and the fit start at lag 2.
  const first = options.skipLag1 ? 1 : 0;
  const r1 = c.corr[first];
  if (!(r1 * Math.sqrt(c.pairs[first]) >= MEMORY_MIN_Z) || !(r1 >= MEMORY_MIN_LAG1)) return undefined;
  const used = c.lags.map((_, l) => l).filter((l) => l >= first && c.pairs[l] > 0);
  const groups = c.groups?.filter((g) => g.m > 1);
  const long = (phi: number): { w: number; sse: number } => {
    let num = 0;
    let den = 0;
    for (const l of used) {
      const f = pow(phi, c.lags[l]);
      num += c.pairs[l] * c.corr[l] * f;
      den += c.pairs[l] * f * f;
    }
    const w = Math.min(1, Math.max(0, den > 0 ? num / den : 0));
    let sse = 0;
    for (const l of used) {
      const e = c.corr[l] - w * pow(phi, c.lags[l]);
      sse += c.pairs[l] * e * e;
    }
    return { w, sse };
  };
  // Per used lag, each group's share of the lag's variance terms (the weight of its model).
  const B = groups?.length ?? 0;
  const share = new Float64Array(used.length * B);
  used.forEach((l, i) => {
    let total = 0;
    for (const g of groups ?? []) total += g.v[l];
    groups?.forEach((g, b) => (share[i * B + b] = total > 0 ? g.v[l] / total : 0));
  });
  const n0 = new Float64Array(used.length * B);
  const n1 = new Float64Array(used.length * B);
  const d0 = new Float64Array(used.length * B);
  const d1 = new Float64Array(used.length * B);
  const cs = new Float64Array(used.length * B);
  const sseAt = (w: number) => {
    let sse = 0;
    for (let i = 0; i < used.length; i++) {
      let model = 0;
      for (let j = i * B; j < (i + 1) * B; j++) model += (n0[j] + w * n1[j]) / (d0[j] - w * d1[j]) + cs[j];
      const e = c.corr[used[i]] - model;
      sse += c.pairs[used[i]] * e * e;
    }
    return sse;
  };
  const within = (phi: number): { w: number; sse: number } => {
    for (let i = 0; i < used.length; i++) {
      for (let b = 0; b < B; b++) {
        const j = i * B + b;
        const t = share[j] > 0 ? withinWindowTerms(groups![b].m, c.lags[used[i]], phi) : undefined;
        if (!t) {
          n0[j] = n1[j] = d1[j] = cs[j] = 0;
          d0[j] = 1;
          continue;
        }
        n0[j] = share[j] * t.n0;
        n1[j] = share[j] * t.n1;
        d0[j] = t.d0;
        d1[j] = t.d1;
        cs[j] = share[j] * t.c;
      }
    }
    // The model is nearly linear in w: Gauss–Newton from w = 0 settles in a few steps.
    let w = 0;
    for (let it = 0; it < 8; it++) {
      let num = 0;
      let den = 0;
      for (let i = 0; i < used.length; i++) {
        let model = 0;
        let slope = 0;
        for (let j = i * B; j < (i + 1) * B; j++) {
          const d = d0[j] - w * d1[j];
          model += (n0[j] + w * n1[j]) / d + cs[j];
          slope += (n1[j] * d0[j] + n0[j] * d1[j]) / (d * d);
        }
        const p = c.pairs[used[i]];
        num += p * (c.corr[used[i]] - model) * slope;
        den += p * slope * slope;
      }
      const next = Math.min(1, Math.max(0, den > 0 ? w + num / den : w));
      const done = Math.abs(next - w) < 1e-9;
      w = next;
      if (done) break;
    }
    return { w, sse: sseAt(w) };
  };
  const best = groups && groups.length > 0 ? within : long;
  // φ = 1 − 10^s for s from −4 (φ = 0.9999) to 0 (φ = 0).
  const phiAt = (s: number) => 1 - pow(10, s);
  let bestS = 0;
  let bestSse = Infinity;
  const steps = 200;
  for (let i = 0; i <= steps; i++) {
    const s = -4 + (4 * i) / steps;
    const { sse } = best(phiAt(s));
    if (sse < bestSse) {
      bestSse = sse;
      bestS = s;
    }
  }
  let lo = Math.max(-4, bestS - 4 / steps);
  let hi = Math.min(0, bestS + 4 / steps);
  for (let i = 0; i < 40; i++) {
    const a = hi - G * (hi - lo);
    const b = lo + G * (hi - lo);
    if (best(phiAt(a)).sse <= best(phiAt(b)).sse) hi = b;
    else lo = a;
  }
  const phi = phiAt((lo + hi) / 2);
  const { w } = best(phi);
  if (!(w > 0)) return undefined;
  // Rounded so profiles read well; 4 significant digits are far inside the estimates' error.
  return { weight: round(w), phi: round(phi) };
}

/** Golden-section ratio. */
const G = (Math.sqrt(5) - 1) / 2;

function round(x: number): number {
  return Number(x.toPrecision(4));
}

/** One client as traceGapMemory reads it: its windows' memory terms, its gaps' sum and count, its requests. */
export interface ClientGaps {
  id: string;
  requests: number;
  windows: readonly Pick<ArrivalSummary, 'mem'>[];
  gapSum: number;
  gaps: number;
}

/** What `inspect <trace>` says about gap memory: the clients `fit` would give gap_memory. */
export interface TraceGapMemory {
  /** Clients with enough gaps in some window to be judged (MEM_MIN_GAPS). */
  judged: number;
  /** Clients with memory, most requests first: lag-1 correlation of their gaps' normal scores, and the fitted w, φ. */
  clients: { id: string; requests: number; lag1: number; weight: number; phi: number }[];
}

/** Fits gap memory per client as `fit` does (fitGapMemory with clockHidesLag1), for `inspect <trace>`. */
export function traceGapMemory(clients: readonly ClientGaps[], resolution: number): TraceGapMemory {
  let judged = 0;
  const out: TraceGapMemory['clients'] = [];
  for (const c of clients) {
    const corr = memoryCorrelations(c.windows);
    if (!corr) continue;
    judged++;
    const memory = fitGapMemory(corr, { skipLag1: clockHidesLag1(resolution, [{ sum: c.gapSum, gaps: c.gaps }]) });
    if (memory) out.push({ id: c.id, requests: c.requests, lag1: Math.round(corr.corr[0] * 1000) / 1000, ...memory });
  }
  out.sort((a, b) => b.requests - a.requests || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { judged, clients: out };
}
