import { JOINT_STRIDE, lengthBinRange } from '../summary/bins.js';
import type { LengthSummary } from '../summary/types.js';
import type { LengthField, LengthFieldName } from '../profile/schema.js';
import { normalCdf } from '../stats/normal.js';
import { copulaRhoFromSpearman } from '../stats/correlation.js';
import { fitLognormalPareto, fitTwoNormals, lognormalParetoCdf, twoNormalsCdf } from './mixtures.js';
import { expm1, log, log10 } from '../stats/det-math.js';

/** Compact PMF (request counts) from a field histogram: exact keys as values, log bins as ranges. */
export function pmfFromHistogram(h: ReadonlyMap<number, number>): LengthField['pmf'] {
  // One pass over the histogram, not two entries() copies (the fitter's largest source of
  // garbage after the arrival fits). Keys are distinct, so the sorts fix the order whatever
  // order the histogram iterates in.
  const exact: [number, number][] = [];
  const binned: [number, number][] = [];
  h.forEach((c, k) => (k >= 0 ? exact : binned).push([k, c]));
  exact.sort((a, b) => a[0] - b[0]);
  binned.sort((a, b) => b[0] - a[0]);
  const pmf: LengthField['pmf'] = { values: exact.map(([k]) => k), counts: exact.map(([, c]) => c) };
  if (binned.length > 0) {
    const ranges = binned.map(([k]) => lengthBinRange(k));
    pmf.bins = { lo: ranges.map((r) => r[0]), hi: ranges.map((r) => r[1]), counts: binned.map(([, c]) => c) };
  }
  return pmf;
}

/**
 * (value, weight) points of a histogram (bins at their midpoints), in value order so every
 * sum over them — hence every fit — is the same whatever order the histogram was built in
 * (the TypeScript and DuckDB scans insert keys in different orders).
 */
function points(h: ReadonlyMap<number, number>): { v: number[]; lo: number[]; hi: number[]; w: number[]; n: number } {
  const keys: number[] = [];
  const counts: number[] = [];
  h.forEach((c, k) => {
    keys.push(k);
    counts.push(c);
  });
  // Order by value: exact keys are values, bins (negative keys) go by their lower end.
  const lo = keys.map((k) => (k >= 0 ? k : lengthBinRange(k)[0]));
  const order = keys.map((_, i) => i).sort((a, b) => lo[a] - lo[b]);
  const v: number[] = [];
  const los: number[] = [];
  const his: number[] = [];
  const w: number[] = [];
  let n = 0;
  for (const i of order) {
    const k = keys[i];
    if (k >= 0) {
      v.push(k);
      los.push(k);
      his.push(k);
    } else {
      const [a, b] = lengthBinRange(k);
      v.push((a + b) / 2);
      los.push(a);
      his.push(b);
    }
    w.push(counts[i]);
    n += counts[i];
  }
  return { v, lo: los, hi: his, w, n };
}

/**
 * KS of a histogram's points (in value order, as points() gives them) against a CDF, checked
 * on both sides of each exact value (a step) and at each log bin's ends: a bin's count is all
 * the data say of [lo, hi]. (Checked at its midpoint ± ½ instead, the whole bin's mass was one
 * step against a CDF that barely moved: a field of 20 000 log-normal inputs, 92 % of them above
 * 4096 tokens, had a KS of 0.017 for 0.008 on its raw values.)
 */
function histKs({ lo, hi, w, n }: { lo: number[]; hi: number[]; w: number[]; n: number }, F: (x: number) => number): number {
  let emp = 0;
  let d = 0;
  // Consecutive values share a point (x + 0.5 is the next x − 0.5): F once for both.
  let at = NaN;
  let Fat = 0;
  for (let i = 0; i < lo.length; i++) {
    const below = lo[i] - 0.5;
    d = Math.max(d, Math.abs(emp - (below === at ? Fat : F(below))));
    emp += w[i] / n;
    at = hi[i] + 0.5;
    Fat = F(at);
    d = Math.max(d, Math.abs(emp - Fat));
  }
  return d;
}

/**
 * Positive points merged into log bins of 1/64 decade above 64 (exact below), at each bin's
 * weighted mean: EM then runs over a few hundred points instead of thousands, with no visible
 * change in the fitted curves (bins are 3.7 % wide).
 */
function coarsen(v: number[], w: number[]): { v: number[]; w: number[] } {
  const acc = new Map<number, { s: number; w: number }>();
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!(x > 0)) continue;
    const key = x < 64 ? x : 1e9 + Math.floor(log10(x) * 64);
    const e = acc.get(key);
    if (e) {
      e.s += x * w[i];
      e.w += w[i];
    } else acc.set(key, { s: x * w[i], w: w[i] });
  }
  const out = { v: [] as number[], w: [] as number[] };
  for (const e of acc.values()) {
    out.v.push(e.s / e.w);
    out.w.push(e.w);
  }
  return out;
}

/** Mixtures (5 parameters) are fitted only to windows with at least this many requests. */
const MIXTURE_MIN_N = 500;

/**
 * Parametric fits recorded for characterization (DESIGN.md; not used for sampling), the best
 * by KS among the paper's candidates:
 * - input: log-normal, and the log-normal body + Pareto tail mixture (EM);
 * - output: exponential, and a two-component log-normal mixture (bimodal reasoning outputs);
 * - reason_ratio: a two-component Gaussian mixture (bimodal ratios).
 */
export function characterize(field: LengthFieldName, h: ReadonlyMap<number, number>): LengthField['fit'] | undefined {
  const pts = points(h);
  const { v, w, n } = pts;
  if (n < 20) return undefined;
  const candidates: NonNullable<LengthField['fit']>[] = [];
  const add = (family: string, params: Record<string, number>, F: (x: number) => number) => {
    if (Object.values(params).every(Number.isFinite)) candidates.push({ family, params, ks: Math.min(1, histKs(pts, F)), n });
  };
  const pos = coarsen(v, w);
  const logs = { v: pos.v.map((v) => log(v)), w: pos.w };
  if (field === 'input_tokens') {
    let s = 0;
    let s2 = 0;
    let m = 0;
    logs.v.forEach((l, i) => {
      s += logs.w[i] * l;
      s2 += logs.w[i] * l * l;
      m += logs.w[i];
    });
    if (m >= 20) {
      const mu = s / m;
      const sigma = Math.sqrt(Math.max(1e-12, s2 / m - mu * mu));
      add('lognormal', { mu, sigma }, (x) => (x <= 0 ? 0 : normalCdf((log(x) - mu) / sigma)));
    }
    // The tail's start is not identifiable by EM: try several and let KS choose (only with
    // enough data for a tail to show).
    for (const q of n >= MIXTURE_MIN_N ? [0.6, 0.75, 0.9] : []) {
      const mix = fitLognormalPareto(pos, q);
      if (mix) add('lognormal+pareto', mix, (x) => lognormalParetoCdf(mix, x));
    }
  } else if (field === 'output_tokens') {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += w[i] * v[i];
    const scale = s / n;
    if (scale > 0) add('exponential', { scale }, (x) => (x <= 0 ? 0 : -expm1(-x / scale)));
    const mix = n >= MIXTURE_MIN_N ? fitTwoNormals(logs) : undefined;
    if (mix) add('lognormal-mixture-2', mix, (x) => (x <= 0 ? 0 : twoNormalsCdf(mix, log(x))));
  } else if (field === 'reason_ratio') {
    const mix = n >= MIXTURE_MIN_N ? fitTwoNormals({ v, w }) : undefined;
    if (mix) add('normal-mixture-2', mix, (x) => twoNormalsCdf(mix, x));
  }
  if (candidates.length === 0) return undefined;
  return candidates.sort((a, b) => (a.ks ?? 1) - (b.ks ?? 1))[0];
}

/**
 * Spearman correlation from the coarse joint histogram: Pearson correlation of mid-ranks,
 * where all rows in one bin share its mid-rank (ties attenuate it slightly).
 */
export function spearmanFromJoint(joint: ReadonlyMap<number, number>): number | undefined {
  // Cells in the histogram's order (every sum below runs in it), bins unpacked once.
  const as: number[] = [];
  const bs: number[] = [];
  const cs: number[] = [];
  let n = 0;
  joint.forEach((c, k) => {
    const a = Math.floor(k / JOINT_STRIDE);
    as.push(a);
    bs.push(k - a * JOINT_STRIDE);
    cs.push(c);
    n += c;
  });
  if (n < 3) return undefined;
  // Mid-rank of each bin of one axis, indexed by bin (bins are below JOINT_STRIDE).
  const midRanks = (bins: number[]) => {
    const tot = new Float64Array(JOINT_STRIDE);
    const seen = new Uint8Array(JOINT_STRIDE);
    for (let i = 0; i < bins.length; i++) {
      tot[bins[i]] += cs[i];
      seen[bins[i]] = 1;
    }
    const rank = new Float64Array(JOINT_STRIDE);
    let acc = 0;
    for (let k = 0; k < JOINT_STRIDE; k++) {
      if (!seen[k]) continue;
      rank[k] = acc + (tot[k] + 1) / 2;
      acc += tot[k];
    }
    return rank;
  };
  const ra = midRanks(as);
  const rb = midRanks(bs);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < cs.length; i++) {
    ma += cs[i] * ra[as[i]];
    mb += cs[i] * rb[bs[i]];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < cs.length; i++) {
    const da = ra[as[i]] - ma;
    const db = rb[bs[i]] - mb;
    sab += cs[i] * da * db;
    saa += cs[i] * da * da;
    sbb += cs[i] * db * db;
  }
  if (saa === 0 || sbb === 0) return undefined;
  return sab / Math.sqrt(saa * sbb);
}

/**
 * What lengthWindowOf computes beyond the PMFs (the costly part, done on worker threads by
 * prefitWindows): each non-empty field's characterization, in the window's field order, and
 * the joint histogram's Spearman correlation.
 */
export interface LengthWindowParts {
  fits: (LengthField['fit'] | undefined)[];
  rho: number | undefined;
}

export function lengthWindowParts(s: Pick<LengthSummary, 'fields' | 'joint'>): LengthWindowParts {
  const fits: LengthWindowParts['fits'] = [];
  for (const [name, h] of s.fields) if (h.size > 0) fits.push(characterize(name as LengthFieldName, h));
  return { fits, rho: spearmanFromJoint(s.joint) };
}

/** Length window of the profile from its summary (and its parts, when computed elsewhere). */
export function lengthWindowOf(s: LengthSummary, parts: LengthWindowParts = lengthWindowParts(s)): { start: number; fields: Partial<Record<LengthFieldName, LengthField>>; joint?: { spearman: number; copula: number } } {
  const fields: Partial<Record<LengthFieldName, LengthField>> = {};
  let j = 0;
  for (const [name, h] of s.fields) {
    if (h.size === 0) continue;
    const f = name as LengthFieldName;
    const fit = parts.fits[j++];
    fields[f] = fit ? { pmf: pmfFromHistogram(h), fit } : { pmf: pmfFromHistogram(h) };
  }
  const rho = parts.rho;
  const out: ReturnType<typeof lengthWindowOf> = { start: s.start, fields };
  if (rho !== undefined && Number.isFinite(rho)) {
    const r = Math.max(-1, Math.min(1, rho));
    out.joint = { spearman: r, copula: Math.max(-1, Math.min(1, copulaRhoFromSpearman(r))) };
  }
  return out;
}
