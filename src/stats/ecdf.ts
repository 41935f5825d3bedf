/**
 * Empirical CDFs and Kolmogorov–Smirnov statistics.
 */
import { exp } from './det-math.js';

/** Sorted copy of the data as a Float64Array. */
export function sorted(data: ArrayLike<number>): Float64Array {
  return Float64Array.from(data).sort();
}

/**
 * Two-sample KS statistic D = sup |F_a(x) − F_b(x)| (scipy.stats.ks_2samp's statistic),
 * handling ties exactly (both ECDFs step at a tied value together).
 * @throws RangeError when either sample is empty.
 * @example ks2([1, 2, 3], [1, 2, 3]) // 0
 */
export function ks2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length === 0 || b.length === 0) throw new RangeError('ks2: both samples must be non-empty');
  const x = sorted(a);
  const y = sorted(b);
  const n = x.length;
  const m = y.length;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const v = x[i] <= y[j] ? x[i] : y[j];
    while (i < n && x[i] === v) i++;
    while (j < m && y[j] === v) j++;
    const diff = Math.abs(i / n - j / m);
    if (diff > d) d = diff;
  }
  return d;
}

/**
 * One-sample KS statistic of data against a continuous CDF (scipy.stats.kstest's statistic).
 * @example ks1([0.5], (x) => x) // 0.5
 */
export function ks1(data: ArrayLike<number>, cdf: (x: number) => number): number {
  if (data.length === 0) throw new RangeError('ks1: sample must be non-empty');
  const x = sorted(data);
  const n = x.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(x[i]);
    const hi = (i + 1) / n - f;
    const lo = f - i / n;
    if (hi > d) d = hi;
    if (lo > d) d = lo;
  }
  return d;
}

/**
 * Asymptotic p-value of a one-sample KS statistic D at sample size n
 * (Kolmogorov distribution with Stephens' small-sample correction).
 */
export function ksPValue(d: number, n: number): number {
  const sqrtN = Math.sqrt(n);
  const lambda = (sqrtN + 0.12 + 0.11 / sqrtN) * d;
  if (lambda < 1e-3) return 1;
  if (lambda < 1) {
    // The alternating series below needs ~1/λ terms and was cut at 100: λ = 0.002 gave 0.078
    // for 1. Below 1, the Jacobi-theta form of the Kolmogorov CDF converges in a few terms:
    // P(K ≤ λ) = √(2π)/λ · Σₖ exp(−(2k−1)²π²/(8λ²)) (scipy.special.kolmogorov switches alike).
    let cdf = 0;
    for (let k = 1; k <= 20; k++) {
      const term = exp((-(2 * k - 1) * (2 * k - 1) * Math.PI * Math.PI) / (8 * lambda * lambda));
      cdf += term;
      if (term < 1e-17 * cdf) break;
    }
    return Math.min(1, Math.max(0, 1 - (Math.sqrt(2 * Math.PI) / lambda) * cdf));
  }
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = 2 * (k % 2 === 1 ? 1 : -1) * exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12) break;
  }
  return Math.min(1, Math.max(0, sum));
}

/** Value of the ECDF of sorted data at x: fraction of points ≤ x. */
export function ecdfAt(sortedData: Float64Array, x: number): number {
  let lo = 0;
  let hi = sortedData.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sortedData[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo / sortedData.length;
}

/** Quantile of sorted data by linear interpolation (numpy's default, type 7). */
export function quantileSorted(sortedData: ArrayLike<number>, p: number): number {
  const n = sortedData.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sortedData[lo] + (h - lo) * (sortedData[hi] - sortedData[lo]);
}
