import { gapBinEdges, lengthBinRange } from '../summary/bins.js';
import { asin } from '../stats/det-math.js';

/** A histogram cell placed on the value axis: a point (lo = hi) or a range. */
export interface Cell {
  key: number | string;
  lo: number;
  hi: number;
  x: number;
  count: number;
}

/** Cells of a gap histogram (quantized ticks and log bins), sorted by value. */
export function gapCells(quant: ReadonlyMap<number, number>, hist: ReadonlyMap<number, number>, res: number): Cell[] {
  const cells: Cell[] = [];
  for (const [k, c] of quant) cells.push({ key: `q${k}`, lo: k * res, hi: k * res, x: k * res, count: c });
  for (const [b, c] of hist) {
    const [lo, hi] = gapBinEdges(b);
    cells.push({ key: `h${b}`, lo, hi, x: Math.sqrt(lo * hi), count: c });
  }
  return cells.sort((a, b) => a.x - b.x);
}

/** Cells of a length histogram (exact values and log-binned ranges), sorted by value. */
export function lengthCells(h: ReadonlyMap<number, number>): Cell[] {
  const cells: Cell[] = [];
  for (const [k, c] of h) {
    if (k >= 0) cells.push({ key: k, lo: k, hi: k, x: k, count: c });
    else {
      const [lo, hi] = lengthBinRange(k);
      cells.push({ key: k, lo, hi, x: (lo + hi) / 2, count: c });
    }
  }
  return cells.sort((a, b) => a.x - b.x);
}

export function total(cells: Cell[]): number {
  let n = 0;
  for (const c of cells) n += c.count;
  return n;
}

export function mean(cells: Cell[]): number {
  let s = 0;
  let n = 0;
  for (const c of cells) {
    s += c.x * c.count;
    n += c.count;
  }
  return n > 0 ? s / n : NaN;
}

/** Union of two cell lists' keys in value order, with each side's cumulative fraction. */
function aligned(a: Cell[], b: Cell[]): { x: number; fa: number; fb: number }[] {
  const na = total(a);
  const nb = total(b);
  const map = new Map<number | string, { x: number; ca: number; cb: number }>();
  for (const c of a) map.set(c.key, { x: c.x, ca: c.count, cb: 0 });
  for (const c of b) {
    const e = map.get(c.key);
    if (e) e.cb += c.count;
    else map.set(c.key, { x: c.x, ca: 0, cb: c.count });
  }
  const rows = [...map.values()].sort((p, q) => p.x - q.x);
  let fa = 0;
  let fb = 0;
  return rows.map((r) => {
    fa += r.ca / na;
    fb += r.cb / nb;
    return { x: r.x, fa, fb };
  });
}

/** Two-sample KS statistic on identically binned data. */
export function ks(a: Cell[], b: Cell[]): number {
  let d = 0;
  for (const r of aligned(a, b)) d = Math.max(d, Math.abs(r.fa - r.fb));
  return d;
}

/** KS critical value at α = 0.01 for sample sizes n and m. */
export function ksNoise(n: number, m: number): number {
  return n > 0 && m > 0 ? 1.628 * Math.sqrt((n + m) / (n * m)) : Infinity;
}

/** Wasserstein-1 distance ∫|F_a − F_b| dx (cells at their representative values). */
export function w1(a: Cell[], b: Cell[]): number {
  const rows = aligned(a, b);
  let s = 0;
  for (let i = 0; i + 1 < rows.length; i++) s += Math.abs(rows[i].fa - rows[i].fb) * (rows[i + 1].x - rows[i].x);
  return s;
}

/**
 * Sampling allowance of the W1 distance between two samples of sizes n and m drawn from the
 * distribution of `cells`: mean + 3 SDs of ∫|B(F(x))| dx · √(1/n + 1/m), B a Brownian bridge
 * (the empirical processes' limit). W1 had no allowance but the fixed threshold widened as 1/√n,
 * and two draws of one profile with heavy-tailed lengths (BurstGPT's inputs, --no-sessions)
 * failed `input_tokens_w1_norm` in 4 of 10 pairs (found by review). The segments between the
 * cells' values are grouped by F into at most 256 (the covariance sum is quadratic in them).
 */
export function w1Noise(cells: Cell[], n: number, m: number): number {
  if (!(n > 0 && m > 0)) return Infinity;
  const N = total(cells);
  const G = 256;
  const dx = new Float64Array(G);
  const fx = new Float64Array(G);
  let F = 0;
  for (let i = 0; i + 1 < cells.length; i++) {
    F += cells[i].count / N;
    const d = cells[i + 1].x - cells[i].x;
    if (!(d > 0) || !(F > 0 && F < 1)) continue;
    const g = Math.min(G - 1, Math.floor(F * G));
    dx[g] += d;
    fx[g] += d * F;
  }
  const segs: { d: number; s: number; v: number }[] = [];
  for (let g = 0; g < G; g++) if (dx[g] > 0) segs.push({ d: dx[g], s: fx[g] / dx[g], v: Math.sqrt((fx[g] / dx[g]) * (1 - fx[g] / dx[g])) });
  let mu = 0;
  let variance = 0;
  for (let j = 0; j < segs.length; j++) {
    mu += segs[j].d * Math.sqrt(2 / Math.PI) * segs[j].v;
    variance += segs[j].d * segs[j].d * segs[j].v * segs[j].v * (1 - 2 / Math.PI);
    for (let k = j + 1; k < segs.length; k++) {
      // Cov(|X|, |Y|) of centred normals with correlation ρ: (2/π)·σσ'·(√(1−ρ²) + ρ·asin ρ − 1); for a bridge at s ≤ t, ρ = s(1−t)/(σ_s σ_t).
      const rho = Math.min(1, (segs[j].s * (1 - segs[k].s)) / (segs[j].v * segs[k].v));
      variance += 2 * segs[j].d * segs[k].d * (2 / Math.PI) * segs[j].v * segs[k].v * (Math.sqrt(1 - rho * rho) + rho * asin(rho) - 1);
    }
  }
  return (mu + 3 * Math.sqrt(Math.max(0, variance))) * Math.sqrt(1 / n + 1 / m);
}

/**
 * p-quantile: the first cell whose cumulative share reaches p (the inverted CDF, numpy's
 * `method="inverted_cdf"`, for exact values); ranges interpolate linearly inside [lo, hi]. The
 * share is cumulative count / n, one correctly rounded division: adding up count / n shares,
 * as before, came to 0.9899999999999999 after 2 970 of 3 000 gaps, and p99 went to the next
 * cell (1.6 % high against scipy on a 1 ms clock).
 */
export function quantile(cells: Cell[], p: number): number {
  const n = total(cells);
  let acc = 0;
  for (const c of cells) {
    const next = acc + c.count;
    if (next / n >= p) {
      if (c.lo === c.hi) return c.x;
      const f = Math.max(0, (p * n - acc) / c.count);
      return c.lo + Math.min(1, f) * (c.hi - c.lo);
    }
    acc = next;
  }
  return cells.length ? cells[cells.length - 1].hi : NaN;
}

/** Total-variation distance between two count maps. */
export function tv<K>(a: ReadonlyMap<K, number>, b: ReadonlyMap<K, number>): number {
  let na = 0;
  let nb = 0;
  for (const v of a.values()) na += v;
  for (const v of b.values()) nb += v;
  const keys = new Set([...a.keys(), ...b.keys()]);
  let d = 0;
  for (const k of keys) d += Math.abs((a.get(k) ?? 0) / na - (b.get(k) ?? 0) / nb);
  return d / 2;
}

/** CDF points of cells for charts: (x, F(x)) after each cell. */
export function cdfPoints(cells: Cell[]): [number, number][] {
  const n = total(cells);
  let acc = 0;
  return cells.map((c) => {
    acc += c.count / n;
    return [c.x, acc];
  });
}
