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

/**
 * Compact PMF as stored in profiles. Mass is given either as `counts` (observed requests;
 * probability = count / total count — exact, short to store, and what a fitter observes) or
 * as `probs` (need not sum exactly to 1), the same kind for atoms and bins.
 */
export interface CompactPmf {
  values: number[];
  probs?: number[];
  counts?: number[];
  bins?: { lo: number[]; hi: number[]; probs?: number[]; counts?: number[] };
}

/** The mass arrays of a PMF (counts or probabilities) and their total. */
export function pmfMass(pmf: CompactPmf): { atoms: number[]; bins: number[]; total: number; kind: 'counts' | 'probs' } {
  const kind = pmf.counts ? 'counts' : 'probs';
  const atoms = (pmf.counts ?? pmf.probs ?? []) as number[];
  const bins = pmf.bins ? ((kind === 'counts' ? pmf.bins.counts : pmf.bins.probs) ?? []) : [];
  let total = 0;
  for (const m of atoms) total += m;
  for (const m of bins) total += m;
  return { atoms, bins, total, kind };
}

/**
 * Probability of each exact value: count / total for count PMFs (bit-exact with how
 * upstream derived its probabilities), the stored numbers for probability PMFs.
 */
export function pmfProbabilities(pmf: CompactPmf): number[] {
  const { atoms, total, kind } = pmfMass(pmf);
  return kind === 'counts' ? atoms.map((c) => c / total) : atoms.slice();
}

/** Error for malformed PMFs; `path` names the offending element. */
export class PmfError extends Error {
  constructor(message: string, readonly path: string) {
    super(message);
    this.name = 'PmfError';
  }
}

/**
 * What the sampler needs of a PMF built in memory (a profile's were checked by checkPmf when it
 * was read): its arrays line up, and (checked as the constructor reads them) hold finite numbers,
 * masses ≥ 0. A value without a mass, or a mass of NaN or −1, was left out of the draws without
 * a word: `{ values: [1, 2, 3], probs: [0.2, 0.8] }` never drew 3 (found by using the library, h-102).
 */
function checkAligned(pmf: CompactPmf, mass: ReturnType<typeof pmfMass>): void {
  if (mass.atoms.length !== pmf.values.length) throw new PmfError(`pmf: values (${pmf.values.length}) and ${mass.kind} (${mass.atoms.length}) differ in length`, 'pmf');
  if (pmf.bins && (pmf.bins.hi.length !== pmf.bins.lo.length || mass.bins.length !== pmf.bins.lo.length)) {
    throw new PmfError(`pmf: bins: lo (${pmf.bins.lo.length}), hi (${pmf.bins.hi.length}) and ${mass.kind} (${mass.bins.length}) differ in length`, 'pmf');
  }
}

/** The PmfError for entry i of a PMF's array `name` that is not a finite number (≥ 0 for a mass). */
function notFinite(name: string, i: number, v: number, mass: boolean): PmfError {
  return new PmfError(`pmf: ${name}[${i}]: expected a finite number${mass ? ' ≥ 0' : ''}, got ${v}`, 'pmf');
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

  /**
   * @throws PmfError when the PMF has no positive mass, or its arrays do not line up or hold a
   * value or mass that is not a finite number (≥ 0 for masses).
   */
  constructor(pmf: CompactPmf) {
    const n = pmf.values.length + (pmf.bins ? pmf.bins.lo.length : 0);
    const mass = pmfMass(pmf);
    checkAligned(pmf, mass);
    const order: { lo: number; hi: number; p: number; range: boolean }[] = [];
    for (let i = 0; i < pmf.values.length; i++) {
      const p = mass.atoms[i];
      if (!(p >= 0 && p < Infinity)) throw notFinite(mass.kind, i, p, true);
      if (!Number.isFinite(pmf.values[i])) throw notFinite('values', i, pmf.values[i], false);
      if (p > 0) order.push({ lo: pmf.values[i], hi: pmf.values[i], p, range: false });
    }
    if (pmf.bins) {
      for (let i = 0; i < pmf.bins.lo.length; i++) {
        const p = mass.bins[i];
        if (!(p >= 0 && p < Infinity)) throw notFinite(`bins.${mass.kind}`, i, p, true);
        if (!Number.isFinite(pmf.bins.lo[i])) throw notFinite('bins.lo', i, pmf.bins.lo[i], false);
        if (!Number.isFinite(pmf.bins.hi[i])) throw notFinite('bins.hi', i, pmf.bins.hi[i], false);
        if (p > 0) order.push({ lo: pmf.bins.lo[i], hi: pmf.bins.hi[i], p, range: true });
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
 * Exactly one of `counts`/`probs`, the same kind in bins; values finite; masses finite and
 * ≥ 0 (counts integers); ranges lo ≤ hi; lengths equal; some positive mass.
 */
export function checkPmf(pmf: CompactPmf, path: string): void {
  const kind = pmf.counts ? 'counts' : 'probs';
  if ((pmf.counts === undefined) === (pmf.probs === undefined)) {
    throw new PmfError(`${path}: give exactly one of "counts" or "probs"`, path);
  }
  const atoms = (pmf.counts ?? pmf.probs)!;
  if (pmf.values.length !== atoms.length) {
    throw new PmfError(`${path}: values (${pmf.values.length}) and ${kind} (${atoms.length}) differ in length`, path);
  }
  const checkMass = (m: number, where: string) => {
    if (!(m >= 0) || !Number.isFinite(m) || (kind === 'counts' && !Number.isInteger(m))) {
      throw new PmfError(`${where}: ${kind === 'counts' ? 'count must be an integer' : 'probability must be finite and'} ≥ 0, got ${m}`, where);
    }
  };
  let total = 0;
  for (let i = 0; i < pmf.values.length; i++) {
    if (!Number.isFinite(pmf.values[i])) throw new PmfError(`${path}.values[${i}]: not a finite number`, `${path}.values[${i}]`);
    checkMass(atoms[i], `${path}.${kind}[${i}]`);
    total += atoms[i];
  }
  if (pmf.bins) {
    const { lo, hi } = pmf.bins;
    const masses = kind === 'counts' ? pmf.bins.counts : pmf.bins.probs;
    if (!masses) throw new PmfError(`${path}.bins: needs "${kind}" like the exact values`, `${path}.bins`);
    if (lo.length !== hi.length || lo.length !== masses.length) {
      throw new PmfError(`${path}.bins: lo, hi and ${kind} differ in length`, `${path}.bins`);
    }
    for (let i = 0; i < lo.length; i++) {
      if (!Number.isInteger(lo[i]) || !Number.isInteger(hi[i]) || hi[i] < lo[i]) {
        throw new PmfError(`${path}.bins[${i}]: need integers lo ≤ hi, got [${lo[i]}, ${hi[i]}]`, `${path}.bins.lo[${i}]`);
      }
      checkMass(masses[i], `${path}.bins.${kind}[${i}]`);
      total += masses[i];
    }
  }
  if (!(total > 0)) throw new PmfError(`${path}: PMF has no positive mass`, path);
}
