/**
 * Empirical probability mass functions in the compact form profiles store, and a
 * fast inverse-CDF sampler over them.
 *
 * Compact form: exact atoms (`values`/`probs`, for small or frequent values) plus
 * optional integer ranges (`bins`: inclusive [lo, hi] with a probability spread
 * uniformly over the integers in it; log-spaced for long tails). Sampling is by
 * inverse CDF, so it is monotone in the uniform: a Gaussian copula can drive two
 * fields with correlated uniforms and keep their rank correlation.
 */

/** Compact PMF as stored in profiles. Probabilities need not sum exactly to 1. */
export interface CompactPmf {
  values: number[];
  probs: number[];
  bins?: { lo: number[]; hi: number[]; probs: number[] };
}

/** Error for malformed PMFs; `path` names the offending element. */
export class PmfError extends Error {
  constructor(message: string, readonly path: string) {
    super(message);
    this.name = 'PmfError';
  }
}

/** Inverse-CDF sampler over a compact PMF, O(1) expected per draw (guide table). */
export class PmfSampler {
  /** Lower value of each entry (an atom or an integer range). */
  readonly lo: Float64Array;
  /** Number of integers in the range minus one; 0 for atoms (Float64Array of 0s then). */
  readonly span: Float64Array;
  readonly isRange: Uint8Array;
  /** Cumulative probability up to and including each entry, normalized to end at 1. */
  readonly cum: Float64Array;
  private readonly guide: Int32Array;
  readonly mean: number;

  constructor(pmf: CompactPmf) {
    const n = pmf.values.length + (pmf.bins ? pmf.bins.lo.length : 0);
    const order: { lo: number; hi: number; p: number; range: boolean }[] = [];
    for (let i = 0; i < pmf.values.length; i++) {
      if (pmf.probs[i] > 0) order.push({ lo: pmf.values[i], hi: pmf.values[i], p: pmf.probs[i], range: false });
    }
    if (pmf.bins) {
      for (let i = 0; i < pmf.bins.lo.length; i++) {
        if (pmf.bins.probs[i] > 0) order.push({ lo: pmf.bins.lo[i], hi: pmf.bins.hi[i], p: pmf.bins.probs[i], range: true });
      }
    }
    if (order.length === 0) throw new PmfError(`PMF has no positive probability (${n} entries)`, '');
    order.sort((a, b) => a.lo - b.lo);
    const m = order.length;
    this.lo = new Float64Array(m);
    this.span = new Float64Array(m);
    this.isRange = new Uint8Array(m);
    this.cum = new Float64Array(m);
    let total = 0;
    for (const e of order) total += e.p;
    let acc = 0;
    let mean = 0;
    for (let i = 0; i < m; i++) {
      const e = order[i];
      this.lo[i] = e.lo;
      this.span[i] = e.range ? e.hi - e.lo : 0;
      this.isRange[i] = e.range ? 1 : 0;
      acc += e.p / total;
      this.cum[i] = acc;
      mean += (e.p / total) * (e.range ? (e.lo + e.hi) / 2 : e.lo);
    }
    this.cum[m - 1] = 1;
    this.mean = mean;
    const g = Math.min(4096, Math.max(16, 2 * m));
    this.guide = new Int32Array(g);
    let i = 0;
    for (let j = 0; j < g; j++) {
      const t = j / g;
      while (this.cum[i] <= t && i < m - 1) i++;
      this.guide[j] = i;
    }
  }

  /** Value at uniform u ∈ [0, 1): the inverse CDF. Ranges are spread uniformly over their integers. */
  quantile(u: number): number {
    const g = this.guide.length;
    let i = this.guide[Math.floor(u * g)];
    const cum = this.cum;
    while (cum[i] <= u) i++;
    if (this.isRange[i] === 0) return this.lo[i];
    const prev = i === 0 ? 0 : cum[i - 1];
    const frac = (u - prev) / (cum[i] - prev);
    const w = this.span[i] + 1;
    const k = Math.floor(frac * w);
    return this.lo[i] + (k >= w ? w - 1 : k);
  }

  /** Quantile at probability p ∈ [0, 1] (alias of `quantile` that also accepts p = 1). */
  percentile(p: number): number {
    return this.quantile(Math.min(p, 1 - 1e-15));
  }
}

/**
 * Mean of a compact PMF (ranges contribute their midpoint).
 * @example pmfMean({ values: [1, 3], probs: [0.5, 0.5] }) // 2
 */
export function pmfMean(pmf: CompactPmf): number {
  return new PmfSampler(pmf).mean;
}

/**
 * Checks a compact PMF's structure; throws PmfError naming the element.
 * Values must be finite, probabilities finite and ≥ 0, ranges lo ≤ hi, lengths equal.
 */
export function checkPmf(pmf: CompactPmf, path: string): void {
  if (pmf.values.length !== pmf.probs.length) {
    throw new PmfError(`${path}: values (${pmf.values.length}) and probs (${pmf.probs.length}) differ in length`, path);
  }
  let total = 0;
  for (let i = 0; i < pmf.values.length; i++) {
    if (!Number.isFinite(pmf.values[i])) throw new PmfError(`${path}.values[${i}]: not a finite number`, `${path}.values[${i}]`);
    const p = pmf.probs[i];
    if (!(p >= 0) || !Number.isFinite(p)) throw new PmfError(`${path}.probs[${i}]: probability must be finite and ≥ 0, got ${p}`, `${path}.probs[${i}]`);
    total += p;
  }
  if (pmf.bins) {
    const { lo, hi, probs } = pmf.bins;
    if (lo.length !== hi.length || lo.length !== probs.length) {
      throw new PmfError(`${path}.bins: lo, hi and probs differ in length`, `${path}.bins`);
    }
    for (let i = 0; i < lo.length; i++) {
      if (!Number.isInteger(lo[i]) || !Number.isInteger(hi[i]) || hi[i] < lo[i]) {
        throw new PmfError(`${path}.bins[${i}]: need integers lo ≤ hi, got [${lo[i]}, ${hi[i]}]`, `${path}.bins.lo[${i}]`);
      }
      if (!(probs[i] >= 0) || !Number.isFinite(probs[i])) {
        throw new PmfError(`${path}.bins.probs[${i}]: probability must be finite and ≥ 0`, `${path}.bins.probs[${i}]`);
      }
      total += probs[i];
    }
  }
  if (!(total > 0)) throw new PmfError(`${path}: PMF has no positive probability`, path);
}
