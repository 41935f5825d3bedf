import { normalCdf } from '../stats/normal.js';
import { exp, log, pow } from '../stats/det-math.js';

/** Weighted points (value, weight) of a histogram. */
export interface Weighted {
  v: number[];
  w: number[];
}

const LOG_SQRT_2PI = 0.5 * log(2 * Math.PI);

function weightedQuantile(p: Weighted, q: number): number {
  const idx = p.v.map((_, i) => i).sort((a, b) => p.v[a] - p.v[b]);
  // Cumulative weight against q · total (not a sum of shares w/total, whose rounding can
  // leave the running share just under q at the cell that reaches it and skip a cell).
  const tot = p.w.reduce((a, b) => a + b, 0);
  const target = q * tot;
  let acc = 0;
  for (const i of idx) {
    acc += p.w[i];
    if (acc >= target) return p.v[i];
  }
  return p.v[idx[idx.length - 1]];
}

/**
 * Log-normal body + Pareto tail mixture (the paper's input-length model), fitted by EM on
 * weighted points: f = w·LN(μ, σ) + (1 − w)·Pareto(x_m, α), with x_m fixed at the given
 * quantile of the data (default 0.8; callers scan several and keep the best KS) and α by its
 * weighted MLE (Hill) in the M-step.
 */
export function fitLognormalPareto(p: Weighted, xmQuantile = 0.8, iterations = 60): { w: number; mu: number; sigma: number; xm: number; alpha: number } | undefined {
  const n = p.v.length;
  if (n < 5) return undefined;
  const xm = Math.max(1, weightedQuantile(p, xmQuantile));
  const logXm = log(xm);
  // Logs once (the E-step runs on them every iteration), and the body's weighted log sums:
  // below x_m a point's responsibility is exactly 1, so its terms w·1·l and w·1·l·l are the
  // same every iteration (bit for bit: w·1 = w).
  const L = new Float64Array(n);
  const WL = new Float64Array(n);
  const WLL = new Float64Array(n);
  let total = 0;
  let sw = 0;
  let sl = 0;
  let sll = 0;
  for (let i = 0; i < n; i++) {
    const x = p.v[i];
    total += p.w[i];
    L[i] = x > 0 ? log(x) : -Infinity;
    if (x > 0) {
      WL[i] = p.w[i] * L[i];
      WLL[i] = WL[i] * L[i];
      sw += p.w[i];
      sl += WL[i];
      sll += WLL[i];
    }
  }
  if (!(sw > 0)) return undefined;
  let w = 0.8;
  let mu = sl / sw;
  let s2 = Math.max(1e-6, sll / sw - mu * mu);
  let alpha = 1.5;
  for (let it = 0; it < iterations; it++) {
    const sigma = Math.sqrt(s2);
    const cLn = log(w) - LOG_SQRT_2PI - log(sigma);
    const cPa = log(1 - w) + log(alpha) + alpha * logXm;
    let a = 0;
    const b = total;
    let sl2 = 0;
    let sll2 = 0;
    let tailW = 0;
    let tailLog = 0;
    for (let i = 0; i < n; i++) {
      const l = L[i];
      if (l >= logXm) {
        // Only the tail's points have a Pareto share.
        const ww = p.w[i];
        const z = (l - mu) / sigma;
        const lnLog = cLn - 0.5 * z * z - l;
        const paLog = cPa - (alpha + 1) * l;
        const r = 1 / (1 + exp(paLog - lnLog));
        tailW += ww * (1 - r);
        tailLog += ww * (1 - r) * (l - logXm);
        a += ww * r;
        sl2 += ww * r * l;
        sll2 += ww * r * l * l;
      } else if (l === -Infinity) {
        a += p.w[i];
      } else {
        a += p.w[i];
        sl2 += WL[i];
        sll2 += WLL[i];
      }
    }
    const next = {
      w: Math.min(0.999, Math.max(0.001, a / b)),
      mu: a > 0 ? sl2 / a : mu,
      s2: a > 0 ? Math.max(1e-6, sll2 / a - (sl2 / a) ** 2) : s2,
      alpha: tailLog > 0 ? Math.max(0.05, tailW / tailLog) : alpha,
    };
    const moved = Math.abs(next.w - w) + Math.abs(next.mu - mu) + Math.abs(next.s2 - s2) + Math.abs(next.alpha - alpha);
    ({ w, mu, s2, alpha } = next);
    if (moved < 1e-7) break;
  }
  return { w, mu, sigma: Math.sqrt(s2), xm, alpha };
}

/** CDF of the log-normal + Pareto mixture. */
export function lognormalParetoCdf(q: { w: number; mu: number; sigma: number; xm: number; alpha: number }, x: number): number {
  if (x <= 0) return 0;
  const ln = normalCdf((log(x) - q.mu) / q.sigma);
  const pa = x < q.xm ? 0 : 1 - pow(q.xm / x, q.alpha);
  return q.w * ln + (1 - q.w) * pa;
}

/**
 * Two-component Gaussian mixture by EM on weighted points (for bimodal quantities; on log
 * values it is a two-component log-normal mixture).
 */
export function fitTwoNormals(p: Weighted, iterations = 100): { w: number; mu1: number; sd1: number; mu2: number; sd2: number } | undefined {
  const n = p.v.length;
  if (n < 4) return undefined;
  let mu1 = weightedQuantile(p, 0.25);
  let mu2 = weightedQuantile(p, 0.75);
  const tot = p.w.reduce((a, b) => a + b, 0);
  let m = 0;
  for (let i = 0; i < n; i++) m += (p.w[i] * p.v[i]) / tot;
  let v = 0;
  for (let i = 0; i < n; i++) v += (p.w[i] * (p.v[i] - m) ** 2) / tot;
  const floor = Math.max(1e-8, v * 1e-4);
  let v1 = Math.max(floor, v / 4);
  let v2 = v1;
  let w = 0.5;
  if (mu1 === mu2) mu2 = mu1 + Math.sqrt(v) + 1e-6;
  const r = new Float64Array(n);
  for (let it = 0; it < iterations; it++) {
    const sd1 = Math.sqrt(v1);
    const sd2 = Math.sqrt(v2);
    for (let i = 0; i < n; i++) {
      const x = p.v[i];
      const a = (w * exp((-0.5 * (x - mu1) ** 2) / v1)) / sd1;
      const b = ((1 - w) * exp((-0.5 * (x - mu2) ** 2) / v2)) / sd2;
      r[i] = a + b > 0 ? a / (a + b) : 0.5;
    }
    let s1 = 0;
    let s2 = 0;
    let x1 = 0;
    let x2 = 0;
    for (let i = 0; i < n; i++) {
      s1 += p.w[i] * r[i];
      s2 += p.w[i] * (1 - r[i]);
      x1 += p.w[i] * r[i] * p.v[i];
      x2 += p.w[i] * (1 - r[i]) * p.v[i];
    }
    if (s1 <= 0 || s2 <= 0) break;
    mu1 = x1 / s1;
    mu2 = x2 / s2;
    let q1 = 0;
    let q2 = 0;
    for (let i = 0; i < n; i++) {
      q1 += p.w[i] * r[i] * (p.v[i] - mu1) ** 2;
      q2 += p.w[i] * (1 - r[i]) * (p.v[i] - mu2) ** 2;
    }
    v1 = Math.max(floor, q1 / s1);
    v2 = Math.max(floor, q2 / s2);
    const wNext = s1 / (s1 + s2);
    const moved = Math.abs(wNext - w);
    w = wNext;
    if (moved < 1e-7 && it > 5) break;
  }
  return mu1 <= mu2 ? { w, mu1, sd1: Math.sqrt(v1), mu2, sd2: Math.sqrt(v2) } : { w: 1 - w, mu1: mu2, sd1: Math.sqrt(v2), mu2: mu1, sd2: Math.sqrt(v1) };
}

/** CDF of a two-component Gaussian mixture. */
export function twoNormalsCdf(q: { w: number; mu1: number; sd1: number; mu2: number; sd2: number }, x: number): number {
  return q.w * normalCdf((x - q.mu1) / q.sd1) + (1 - q.w) * normalCdf((x - q.mu2) / q.sd2);
}
