import { gapBinEdges, lengthBinRange } from '../summary/bins.js';

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

/** p-quantile; ranges interpolate linearly inside [lo, hi]. */
export function quantile(cells: Cell[], p: number): number {
  const n = total(cells);
  let acc = 0;
  for (const c of cells) {
    const next = acc + c.count / n;
    if (next >= p) {
      if (c.lo === c.hi) return c.x;
      const f = (p - acc) / (c.count / n);
      return c.lo + f * (c.hi - c.lo);
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
