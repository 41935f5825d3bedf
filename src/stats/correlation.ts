/**
 * Rank correlation and its Gaussian-copula counterpart.
 */
import { asin, sin } from './det-math.js';

/** Average ranks (1-based, ties get their mean rank), as scipy.stats.rankdata. */
export function ranks(data: ArrayLike<number>): Float64Array {
  const n = data.length;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => data[a] - data[b]);
  const r = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && data[idx[j + 1]] === data[idx[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[idx[k]] = avg;
    i = j + 1;
  }
  return r;
}

/** Pearson correlation of two equal-length arrays (NaN if either is constant). */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n !== y.length) throw new RangeError('pearson: arrays differ in length');
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/**
 * Spearman rank correlation (Pearson on average ranks; scipy.stats.spearmanr).
 * @example spearman([1, 2, 3], [3, 2, 1]) // -1
 */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  return pearson(ranks(x), ranks(y));
}

/**
 * Gaussian-copula correlation ρ giving Spearman ρ_s: ρ = 2 sin(π ρ_s / 6)
 * (Kruskal 1958). Inverse of {@link spearmanOfCopula}.
 */
export function copulaRhoFromSpearman(rhoS: number): number {
  return 2 * sin((Math.PI * rhoS) / 6);
}

/** Spearman correlation of a Gaussian copula with correlation ρ: (6/π) asin(ρ/2). */
export function spearmanOfCopula(rho: number): number {
  return (6 / Math.PI) * asin(rho / 2);
}
