import { MEM_LAGS, type ArrivalSummary } from '../summary/types.js';

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

/** A client's pooled normal-score correlation per lag in MEM_LAGS, with the pairs behind each. */
export interface MemoryCorrelations {
  lags: readonly number[];
  corr: number[];
  /** Σ variance terms (≈ pairs of gaps, the scores having variance ≈ 1). */
  pairs: number[];
}

/** Pools the clients' windows' gap-memory terms; undefined when no window has them. */
export function memoryCorrelations(windows: readonly ArrivalSummary[]): MemoryCorrelations | undefined {
  const L = MEM_LAGS.length;
  const q = new Array<number>(L).fill(0);
  const v = new Array<number>(L).fill(0);
  let any = false;
  for (const w of windows) {
    const m = w.mem;
    if (!m) continue;
    any = true;
    for (let l = 0; l < L; l++) {
      q[l] += m[l];
      v[l] += m[L + l];
    }
  }
  if (!any || !(v[0] > 0)) return undefined;
  return { lags: MEM_LAGS, corr: q.map((x, l) => (v[l] > 0 ? x / v[l] : 0)), pairs: v };
}

/**
 * Least-squares fit of w·φᵏ to the correlations (each lag weighted by its pairs), w in [0, 1]
 * and φ in [0, 0.9999]: for each φ the best w is closed-form, and φ is searched on a grid of
 * log(1 − φ) then refined by golden section. Returns undefined — no memory — unless the
 * lag-1 correlation is MEMORY_MIN_Z standard errors above zero and at least MEMORY_MIN_LAG1.
 */
export function fitGapMemory(c: MemoryCorrelations | undefined): GapMemory | undefined {
  if (!c) return undefined;
  const r1 = c.corr[0];
  if (!(r1 * Math.sqrt(c.pairs[0]) >= MEMORY_MIN_Z) || !(r1 >= MEMORY_MIN_LAG1)) return undefined;
  const used = c.lags.map((_, l) => l).filter((l) => c.pairs[l] > 0);
  const best = (phi: number): { w: number; sse: number } => {
    let num = 0;
    let den = 0;
    for (const l of used) {
      const f = Math.pow(phi, c.lags[l]);
      num += c.pairs[l] * c.corr[l] * f;
      den += c.pairs[l] * f * f;
    }
    const w = Math.min(1, Math.max(0, den > 0 ? num / den : 0));
    let sse = 0;
    for (const l of used) {
      const e = c.corr[l] - w * Math.pow(phi, c.lags[l]);
      sse += c.pairs[l] * e * e;
    }
    return { w, sse };
  };
  // φ = 1 − 10^s for s from −4 (φ = 0.9999) to 0 (φ = 0).
  const phiAt = (s: number) => 1 - Math.pow(10, s);
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
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 60; i++) {
    const a = hi - g * (hi - lo);
    const b = lo + g * (hi - lo);
    if (best(phiAt(a)).sse <= best(phiAt(b)).sse) hi = b;
    else lo = a;
  }
  const phi = phiAt((lo + hi) / 2);
  const { w } = best(phi);
  if (!(w > 0)) return undefined;
  // Rounded so profiles read well; 4 significant digits are far inside the estimates' error.
  return { weight: round(w), phi: round(phi) };
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}
