import type { Rng } from '../stats/rng.js';
import { sampleStandardGamma } from '../stats/gamma.js';
import { gammaPInv, gammaQInv, lnGamma } from '../stats/special.js';
import { normalCdf } from '../stats/normal.js';
import type { ArrivalWindow } from '../profile/schema.js';
import { exp, log, log1p, pow } from '../stats/det-math.js';

/**
 * Draws inter-arrival gaps with mean 1 (operational time). Real gaps are these divided
 * by the window's target rate, so the family's shape (burstiness) is kept at any rate.
 */
export interface UnitGapSampler {
  readonly family: 'exponential' | 'gamma' | 'weibull';
  /** Shape actually used (1 for exponential). */
  readonly shape: number;
  next(rng: Rng): number;
  /**
   * The gap at probability u (the inverse CDF), given u and 1 − u (each computed directly, so
   * both tails keep their precision): for draws with gap memory (src/fit/gap-memory.ts).
   */
  quantile(u: number, uc: number): number;
  /**
   * The quantile at Φ(z) for a normal score z, as generation with gap memory draws it: for
   * Gamma from shared tables (gammaAtScore, within 1e-4 relative of quantile(Φ(z), Φ(−z))),
   * for the other families from the closed form.
   */
  atScoreFast(z: number): number;
  /**
   * Forward-recurrence draw for a process already running when generation starts
   * (stationary start, so the first window is not biased towards an arrival at t = 0).
   */
  residual(rng: Rng): number;
}

/** CV of a Weibull with shape k: √(Γ(1+2/k)/Γ(1+1/k)² − 1). */
export function weibullCv(k: number): number {
  const g1 = lnGamma(1 + 1 / k);
  const g2 = lnGamma(1 + 2 / k);
  return Math.sqrt(exp(g2 - 2 * g1) - 1);
}

/** Weibull shape with the given CV (bisection on log k; CV decreases in k). */
export function weibullShapeForCv(cv: number): number {
  let lo = log(0.02);
  let hi = log(500);
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (weibullCv(exp(mid)) > cv) lo = mid;
    else hi = mid;
    if (hi - lo < 1e-12) break;
  }
  return exp((lo + hi) / 2);
}

/** The quantile at Φ(z), straight from the normal CDF. */
function atScore(q: (u: number, uc: number) => number): (z: number) => number {
  return (z) => q(normalCdf(z), normalCdf(-z));
}

/** Table nodes per unit of z, and the z range a table covers. */
const TABLE_PER_UNIT = 64;
const TABLE_Z = 8;
const TABLE_NODES = 2 * TABLE_Z * TABLE_PER_UNIT + 1;

/**
 * log x(z) of a quantile function at Φ(z) on a grid of z (h = 1/64 over [−8, 8]). x is
 * increasing, so 0 (log −∞) belongs only before the first positive node; @stdlib's Gamma
 * inverse returns 0 at some later points for shapes near 0.0004: those nodes are NaN.
 */
function logQuantileTable(exact: (z: number) => number): Float64Array {
  const logx = new Float64Array(TABLE_NODES);
  let finite = false;
  for (let j = 0; j < TABLE_NODES; j++) {
    const y = log(exact(-TABLE_Z + j / TABLE_PER_UNIT));
    logx[j] = finite && y === -Infinity ? NaN : y;
    if (y > -Infinity) finite = true;
  }
  return logx;
}

/**
 * log x at z from a table, by the cubic through the four nearest nodes (error about h⁴ times
 * the fourth derivative of log x, over 24); −∞ when the node above is 0 already (x
 * underflows), NaN when the table cannot say (outside [−8, 8], next to a node below e⁻⁶⁹⁰ or a
 * NaN node): the caller then takes the exact quantile.
 */
function tableLogAt(logx: Float64Array, z: number): number {
  const f = (z + TABLE_Z) * TABLE_PER_UNIT;
  const j = Math.floor(f);
  if (!(j >= 1 && j < TABLE_NODES - 2)) return NaN;
  const y0 = logx[j - 1];
  const y1 = logx[j];
  const y2 = logx[j + 1];
  const y3 = logx[j + 2];
  if (y3 === -Infinity) return -Infinity;
  if (!(y0 > -690 && y1 === y1 && y2 === y2 && y3 === y3)) return NaN;
  // Lagrange cubic through nodes −1, 0, 1, 2 at t = f − j.
  const t = f - j;
  const a = t + 1;
  const b = t - 1;
  const c = t - 2;
  return (-t * b * c * y0) / 6 + (a * b * c * y1) / 2 - (a * t * c * y2) / 2 + (a * t * b * y3) / 6;
}

/** Unit-mean Gamma(k) quantile at u (1 − u = uc), exact (@stdlib's inverse incomplete gamma). */
function unitGammaQuantile(k: number, u: number, uc: number): number {
  return (u < 0.5 ? gammaPInv(k, u) : gammaQInv(k, uc)) / k;
}

/** Gamma shape nodes per unit of ln k. */
const SHAPES_PER_UNIT = 64;
/** Quantile tables of the unit-mean Gamma at shape nodes k = e^(node/64) (pure functions of the node). */
const gammaTables = new Map<number, Float64Array>();

function gammaTable(node: number): Float64Array {
  let t = gammaTables.get(node);
  if (!t) {
    const k = exp(node / SHAPES_PER_UNIT);
    t = logQuantileTable((z) => unitGammaQuantile(k, normalCdf(z), normalCdf(-z)));
    if (gammaTables.size >= 4096) gammaTables.clear();
    gammaTables.set(node, t);
  }
  return t;
}

/**
 * Unit-mean Gamma(k) quantile at Φ(z), from the tables of the two shape nodes around k (1.6 %
 * apart; log x linear in ln k between them): within 1e-4 relative of the exact quantile for
 * gaps above 1e-12 of the mean (tested for shapes 0.0004–400); where a table cannot say, the
 * exact quantile. Each table costs 1 025 exact quantiles (~1.3 ms) once per process and serves
 * every window and client whose shape is next to it; an exact Gamma quantile costs 1–2 µs.
 */
export function gammaAtScore(k: number): (z: number) => number {
  const s = log(k) * SHAPES_PER_UNIT;
  const j = Math.floor(s);
  const f = s - j;
  let lo: Float64Array | undefined;
  let hi: Float64Array | undefined;
  return (z) => {
    lo ??= gammaTable(j);
    hi ??= f === 0 ? lo : gammaTable(j + 1);
    const a = tableLogAt(lo, z);
    const b = tableLogAt(hi, z);
    if (a === -Infinity && b === -Infinity) return 0;
    if (!(a > -690 && b > -690)) return unitGammaQuantile(k, normalCdf(z), normalCdf(-z));
    return exp(a + f * (b - a));
  };
}

/** −log(1 − u), from whichever of u and 1 − u keeps its digits. */
function unitExponentialQuantile(u: number, uc: number): number {
  return u < 0.5 ? -log1p(-u) : -log(uc);
}

function exponentialSampler(): UnitGapSampler {
  return {
    family: 'exponential',
    shape: 1,
    next: (rng) => -log(rng.nextOpen()),
    quantile: unitExponentialQuantile,
    atScoreFast: atScore(unitExponentialQuantile),
    residual: (rng) => -log(rng.nextOpen()),
  };
}

function gammaSampler(k: number): UnitGapSampler {
  const inv = 1 / k;
  return {
    family: 'gamma',
    shape: k,
    next: (rng) => sampleStandardGamma(rng, k) * inv,
    quantile: (u, uc) => unitGammaQuantile(k, u, uc),
    atScoreFast: gammaAtScore(k),
    // Forward recurrence of a Gamma(k) renewal process: U · Gamma(k+1)/k (length-biased gap × U).
    residual: (rng) => rng.next() * sampleStandardGamma(rng, k + 1) * inv,
  };
}

function weibullSampler(k: number): UnitGapSampler {
  const inv = 1 / k;
  const scale = 1 / exp(lnGamma(1 + inv));
  const cv = weibullCv(k);
  const gk = 1 / (cv * cv);
  return {
    family: 'weibull',
    shape: k,
    // E^(1/k) as exp(log E / k): @stdlib's deterministic pow costs ~190 ns a call, exp and log
    // (fdlibm ports) a fraction of it; the same bits on every engine either way.
    next: (rng) => scale * exp(inv * log(-log(rng.nextOpen()))),
    quantile: (u, uc) => scale * exp(inv * log(unitExponentialQuantile(u, uc))),
    atScoreFast: (z) => scale * exp(inv * log(unitExponentialQuantile(normalCdf(z), normalCdf(-z)))),
    // Stationary start approximated by the Gamma process with the same mean and CV.
    residual: (rng) => rng.next() * sampleStandardGamma(rng, gk + 1) / gk,
  };
}

/** Where the shape of a window's gap distribution comes from. */
export type ShapeSource = 'cv' | 'params';

const cache = new Map<string, UnitGapSampler>();
/** Largest gap CV generation will reproduce (see unitGapSampler). */
export const MAX_CV = 50;
/** Weibull shape with CV ≈ MAX_CV. */
const MIN_WEIBULL_SHAPE = 0.1;
const empiricalCache = new WeakMap<object, UnitGapSampler>();

/**
 * Unit-mean sampler over a window's empirical gap distribution (log bins, log-uniform inside
 * a bin; the below-resolution mass uniform on [0, below)).
 */
function empiricalSampler(e: NonNullable<ArrivalWindow['empirical']>): UnitGapSampler {
  const n = e.bins.length + 1;
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  const cum = new Float64Array(n);
  /** log(hi / lo) of each bin: a draw inside it is lo · exp(f · logRatio), no pow per draw. */
  const logRatio = new Float64Array(n);
  lo[0] = 0;
  hi[0] = e.below;
  let acc = e.below_count;
  cum[0] = acc;
  for (let i = 0; i < e.bins.length; i++) {
    lo[i + 1] = pow(10, e.log10_min + e.bins[i] / e.bins_per_decade);
    hi[i + 1] = pow(10, e.log10_min + (e.bins[i] + 1) / e.bins_per_decade);
    logRatio[i + 1] = log(hi[i + 1] / lo[i + 1]);
    acc += e.counts[i];
    cum[i + 1] = acc;
  }
  let m1 = 0;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    const p = (cum[i] - (i ? cum[i - 1] : 0)) / acc;
    if (p === 0) continue;
    if (i === 0) {
      m1 += (p * hi[0]) / 2;
      m2 += (p * hi[0] * hi[0]) / 3;
    } else {
      const L = log(hi[i] / lo[i]);
      m1 += (p * (hi[i] - lo[i])) / L;
      m2 += (p * (hi[i] * hi[i] - lo[i] * lo[i])) / (2 * L);
    }
  }
  const inv = 1 / m1;
  const cv = Math.sqrt(Math.max(1e-12, m2 / (m1 * m1) - 1));
  const gk = 1 / (cv * cv);
  const draw = (u: number) => {
    const target = u * acc;
    let a = 0;
    let b = n - 1;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (cum[mid] <= target) a = mid + 1;
      else b = mid;
    }
    const prev = a ? cum[a - 1] : 0;
    const f = (target - prev) / Math.max(1e-300, cum[a] - prev);
    const x = a === 0 ? f * hi[0] : lo[a] * exp(f * logRatio[a]);
    return x * inv;
  };
  return {
    family: 'gamma',
    shape: gk,
    next: (rng) => draw(rng.next()),
    quantile: (u) => draw(u),
    atScoreFast: (z) => draw(normalCdf(z)),
    residual: (rng) => rng.next() * sampleStandardGamma(rng, gk + 1) / gk,
  };
}

/**
 * Unit-mean gap sampler for an arrival window.
 * - `shapeSource = 'cv'` (default): the family's shape is set so the gap CV equals the
 *   window's recorded `cv` (Gamma k = 1/CV²; Weibull k solved numerically). Upstream Gamma
 *   windows are moment-matched already, so this only changes Weibull windows, whose MLE
 *   shape can imply a CV far from the observed one.
 * - `'params'`: the fitted shape as stored.
 * Windows with no model (too few arrivals) use Poisson arrivals. Windows that carry an
 * `empirical` gap distribution (no family fitted them well) sample it instead, and other
 * windows with a model their client's pooled one (`clientShape`, the client's `empirical`),
 * unless `useEmpirical` is false.
 */
export function unitGapSampler(window: ArrivalWindow, shapeSource: ShapeSource = 'cv', useEmpirical = true, clientShape?: ArrivalWindow['empirical']): UnitGapSampler {
  // The window's own gap distribution, else its client's pooled one (profile `clients[].empirical`).
  const empirical = useEmpirical ? (window.empirical ?? (window.model ? clientShape : undefined)) : undefined;
  if (empirical) {
    let s = empiricalCache.get(empirical);
    if (!s) empiricalCache.set(empirical, (s = empiricalSampler(empirical)));
    return s;
  }
  const m = window.model;
  if (!m || m.family === 'exponential') return exponentialSampler();
  const useCv = shapeSource === 'cv' && window.cv !== null && window.cv > 0;
  // Shapes implying CV > 50 put the mean in gaps that never occur within a window (counts
  // explode far above the rate); clamp to a CV a window can show.
  const cvUsed = Math.min(window.cv ?? 1, MAX_CV);
  let key: string;
  let build: () => UnitGapSampler;
  if (m.family === 'gamma') {
    const k = useCv ? 1 / (cvUsed * cvUsed) : Math.max(m.shape, 1 / (MAX_CV * MAX_CV));
    key = `g${k}`;
    build = () => gammaSampler(k);
  } else {
    key = useCv ? `wcv${cvUsed}` : `w${m.shape}`;
    build = () => weibullSampler(useCv ? weibullShapeForCv(cvUsed) : Math.max(m.shape, MIN_WEIBULL_SHAPE));
  }
  let s = cache.get(key);
  if (!s) {
    s = build();
    if (cache.size > 100_000) cache.clear();
    cache.set(key, s);
  }
  return s;
}
