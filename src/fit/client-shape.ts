/**
 * A client's pooled gap shape (profile `clients[].empirical`): the gaps of its windows that keep
 * no gap distribution of their own, each divided by its window's mean gap and pooled into one
 * unit-mean histogram. Kept when generating those windows from their fitted families would not
 * reproduce it: a sparse, bursty client (say 50–150 gaps a window, two-phase gaps) has too few
 * gaps per window for a window `empirical` (≥ 200), and no Gamma/Weibull matches its gaps, so
 * every window missed the same way and the client's gaps failed `iat_ks@client` at ~0.2.
 */
import type { ArrivalWindow } from '../profile/schema.js';
import { MAX_CV, weibullShapeForCv } from '../generate/arrival-sampler.js';
import { gammaPFixedShape } from '../stats/fast-gamma-p.js';
import { lnGamma } from '../stats/special.js';
import { GAP_BINS_PER_DECADE, GAP_MIN, gapBin } from '../summary/bins.js';
import type { ArrivalSummary } from '../summary/types.js';
import { exp, log, log10, pow } from '../stats/det-math.js';

export type GapShape = NonNullable<ArrivalWindow['empirical']>;

/** Fewest pooled gaps for a client shape (as for a window's own `empirical`). */
export const MIN_SHAPE_GAPS = 200;
/** Share of pooled gaps within one clock tick above which no shape is kept (their true lengths are unknown; as for windows and levels). */
export const MAX_LATTICE_SHARE = 0.02;
/** Quantiles of the pooled gaps at which the windows' models are compared with them. */
const GRID = Array.from({ length: 49 }, (_, j) => (j + 1) / 50);

/**
 * The pooled unit-mean gap histogram of the windows without their own `empirical` (in the
 * window `empirical` form, times in mean gaps), or undefined when the windows' models already
 * reproduce it: kept when, at the pooled gaps' 2 %, 4 %, …, 98 % points, the windows' models
 * (unit mean, the shape `generate --shape cv` draws: the window's CV) mixed by gap count differ
 * from the pooled gaps by more than `threshold` and by more than the pooled CDF's own noise
 * (1.36/√n, a 5 % KS critical value).
 * `summaries[i]` is the window `windows[i]` was fitted from.
 */
export function clientGapShape(summaries: readonly ArrivalSummary[], windows: readonly ArrivalWindow[], res: number, threshold: number): GapShape | undefined {
  if (!(threshold < 1)) return undefined;
  let total = 0;
  for (let i = 0; i < windows.length; i++) if (usable(summaries[i], windows[i])) total += summaries[i].gaps;
  if (total < MIN_SHAPE_GAPS) return undefined;
  // Pooled counts by bin: dense over the bins of gaps 10⁻¹⁶ to 10²⁴ mean gaps, a Map beyond.
  const dense = new Float64Array(DENSE_BINS);
  const sparse = new Map<number, number>();
  const add = (b: number, c: number) => {
    const at = b + DENSE_OFFSET;
    if (at >= 0 && at < DENSE_BINS) dense[at] += c;
    else sparse.set(b, (sparse.get(b) ?? 0) + c);
  };
  let zeros = 0;
  let withinTick = 0;
  // The windows' models grouped by family and shape (the CV in steps of 0.5 %: the CDFs move by
  // < 0.002), each group's CDF evaluated once: a CDF per window cost more than the rest of the fit.
  const groups = new Map<string, { model: ArrivalWindow; weight: number }>();
  for (let i = 0; i < windows.length; i++) {
    const s = summaries[i];
    const w = windows[i];
    if (!usable(s, w)) continue;
    const mean = s.sum / s.gaps;
    const shift = Math.round(log10(mean) * GAP_BINS_PER_DECADE);
    s.hist.forEach((c, b) => add(b - shift, c));
    s.quant.forEach((c, k) => {
      if (k <= 1) withinTick += c;
      if (k === 0) zeros += c;
      else add(gapBin(k * res) - shift, c);
    });
    const g = groupOf(w);
    const e = groups.get(g.key);
    if (e) e.weight += s.gaps;
    else groups.set(g.key, { model: g.model, weight: s.gaps });
  }
  if (withinTick > MAX_LATTICE_SHARE * total) return undefined;
  // Ascending bins: the sparse ones lie below or above every dense one.
  const bins = [...sparse.keys()].filter((b) => b < 0);
  for (let at = 0; at < DENSE_BINS; at++) if (dense[at] > 0) bins.push(at - DENSE_OFFSET);
  bins.push(...[...sparse.keys()].filter((b) => b > 0));
  bins.sort((a, b) => a - b);
  const binCounts = bins.map((b) => sparse.get(b) ?? dense[b + DENSE_OFFSET]);
  // Grid points: the upper edge of the bin holding each quantile, where the pooled CDF is exact.
  const xs: number[] = [];
  const pooled: number[] = [];
  let acc = zeros;
  let j = 0;
  for (let i = 0; i < bins.length && j < GRID.length; i++) {
    acc += binCounts[i];
    if (acc / total < GRID[j]) continue;
    xs.push(GAP_MIN * pow(10, (bins[i] + 1) / GAP_BINS_PER_DECADE));
    pooled.push(acc / total);
    while (j < GRID.length && acc / total >= GRID[j]) j++;
  }
  const mixed = new Float64Array(xs.length);
  for (const { model, weight } of groups.values()) {
    const cdf = unitCdf(model);
    for (let k = 0; k < xs.length; k++) mixed[k] += (weight / total) * cdf(xs[k]);
  }
  let d = 0;
  for (let k = 0; k < xs.length; k++) d = Math.max(d, Math.abs(mixed[k] - pooled[k]));
  if (!(d > Math.max(threshold, 1.36 / Math.sqrt(total)))) return undefined;
  // Zero-tick gaps at 0, as in a window's (empiricalGaps): spread over their tick (res / mean
  // gap), half of them came out a tick long once floored to the clock again.
  return { log10_min: log10(GAP_MIN), bins_per_decade: GAP_BINS_PER_DECADE, below: 0, below_count: zeros, bins, counts: binCounts };
}

const DENSE_OFFSET = 2000;
const DENSE_BINS = 8000;

/** Windows whose gaps the pool takes: a model, no `empirical` of their own, gaps with a positive mean. */
const usable = (s: ArrivalSummary, w: ArrivalWindow) => !w.empirical && w.model !== null && s.gaps >= 1 && s.sum > 0;

/** A window's unit-mean gap model as `generate --shape cv` draws it (the CV capped at MAX_CV; the fitted shape when the CV is unknown), with its CV or shape rounded to a step of 0.5 %. */
function groupOf(w: ArrivalWindow): { key: string; model: ArrivalWindow } {
  const m = w.model!;
  if (m.family === 'exponential') return { key: 'e', model: w };
  const step = (v: number) => Math.round(log(v) * 200);
  if (w.cv !== null && w.cv > 0) {
    const q = step(Math.min(w.cv, MAX_CV));
    return { key: `${m.family}c${q}`, model: { ...w, cv: exp(q / 200) } };
  }
  const q = step(m.shape);
  return { key: `${m.family}s${q}`, model: { ...w, model: { ...m, shape: exp(q / 200) } } };
}

/** CDF of a window's gaps in units of its mean gap (the shape from its CV, else its fitted shape). */
function unitCdf(w: ArrivalWindow): (x: number) => number {
  const m = w.model!;
  const cv = w.cv !== null && w.cv > 0 ? w.cv : null;
  if (m.family === 'exponential') return (x) => 1 - exp(-x);
  if (m.family === 'gamma') {
    const k = cv !== null ? 1 / (cv * cv) : m.shape;
    const p = gammaPFixedShape(k);
    return (x) => p(k * x);
  }
  const k = cv !== null ? weibullShapeForCv(cv) : m.shape;
  const scale = 1 / exp(lnGamma(1 + 1 / k));
  return (x) => 1 - exp(-pow(x / scale, k));
}
