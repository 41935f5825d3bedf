import digamma from '@stdlib/math-base-special-digamma';
import trigamma from '@stdlib/math-base-special-trigamma';
import { lnGamma } from '../stats/special.js';
import { gammaPFixedShape } from '../stats/fast-gamma-p.js';
import { nelderMead } from '../stats/nelder-mead.js';
import { weibullScaleForMean } from '../stats/weibull.js';
import type { ArrivalModel } from '../stats/registry.js';
import { GAP_BINS_PER_DECADE, GAP_MIN, gapBin, gapBinEdges } from '../summary/bins.js';
import type { ArrivalSummary } from '../summary/types.js';
import { exp, expm1, log, log10, pow } from '../stats/det-math.js';

/** One cell of binned gap data: a count and the interval its gaps fell in. */
interface Cell {
  count: number;
  /** Quantized: measured k ticks of `res` (interval-censored with a uniform phase). Always set, to undefined for bins: one object shape for every cell. */
  ticks: number | undefined;
  lo: number;
  hi: number;
  /** Representative value (geometric midpoint) for moment sums. */
  mid: number;
}

/** Result of fitting one family to one window. */
export interface FamilyFit {
  model: ArrivalModel;
  ks: number;
  loglik: number;
  n: number;
  converged: boolean;
  /** Fitted by the interval-censored likelihood (the clock hid a noticeable share of gaps). */
  censored: boolean;
}

// 5-point Gauss–Legendre on [0, 1] for the phase integral of quantized gaps.
const GL_X = [0.04691007703066802, 0.23076534494715845, 0.5, 0.7692346550528415, 0.9530899229693319];
const GL_W = [0.11846344252809454, 0.23931433524968324, 0.28444444444444444, 0.23931433524968324, 0.11846344252809454];

// Edges of the gap bins seen so far: two pow calls per bin otherwise, for every window. (Bins
// below 0 — gaps under 1 µs with no clock — are rare and not kept.)
const binEdgeMemo: [number, number][] = [];
function binEdges(b: number): readonly [number, number] {
  if (!(b >= 0 && b < 1 << 16 && Number.isInteger(b))) return gapBinEdges(b);
  return (binEdgeMemo[b] ??= gapBinEdges(b));
}

/**
 * Coarse cells for the numerical likelihood: ticks 0–3 stay interval-censored, everything
 * else is merged into log bins of 20 per decade. The censored maximization evaluates the
 * CDF ~10× less often; the shape estimate barely moves (bins stay ≤ 12 % wide).
 */
function coarseCells(s: ArrivalSummary, res: number): Cell[] {
  const cells: Cell[] = [];
  const merged = new Map<number, number>();
  s.quant.forEach((count, k) => {
    if (k < 4) cells.push({ count, ticks: k, lo: Math.max(0, (k - 1) * res), hi: (k + 1) * res, mid: k === 0 ? res / 2 : k * res });
    else {
      // Ticks ≥ 4 join the coarse log bins (their ±½-tick uncertainty is ≤ 12 %, like the bins).
      const cb = Math.floor(gapBin(k * res) / 10);
      merged.set(cb, (merged.get(cb) ?? 0) + count);
    }
  });
  s.hist.forEach((count, b) => {
    const cb = Math.floor(b / 10);
    merged.set(cb, (merged.get(cb) ?? 0) + count);
  });
  // Coarse bins start at 3.5 ticks at the earliest: they must not overlap the censored cells.
  const floor = 3.5 * res;
  for (const [cb, count] of merged) {
    const lo = Math.max(floor, binEdges(cb * 10)[0]);
    const hi = Math.max(lo * (1 + 1e-9), binEdges(cb * 10 + 9)[1]);
    cells.push({ count, ticks: undefined, lo, hi, mid: Math.sqrt(lo * hi) });
  }
  return sortByMid(cells);
}

function cellsOf(s: ArrivalSummary, res: number): Cell[] {
  const cells: Cell[] = [];
  s.quant.forEach((count, k) => {
    cells.push({ count, ticks: k, lo: Math.max(0, (k - 1) * res), hi: (k + 1) * res, mid: k === 0 ? res / 2 : k * res });
  });
  s.hist.forEach((count, b) => {
    const edges = binEdges(b);
    const lo = edges[0];
    const hi = edges[1];
    cells.push({ count, ticks: undefined, lo, hi, mid: Math.sqrt(lo * hi) });
  });
  return sortByMid(cells);
}

/**
 * Sorts cells by mid (stably, as Array.prototype.sort). They usually come in order already —
 * ticks, then bins, each by key, as packed histograms iterate — and then a stable sort would
 * not move anything: check in one pass and sort only otherwise (NaN fails the check).
 */
function sortByMid(cells: Cell[]): Cell[] {
  for (let i = 1; i < cells.length; i++) {
    if (!(cells[i - 1].mid <= cells[i].mid)) return cells.sort((a, b) => a.mid - b.mid);
  }
  return cells;
}

/**
 * A list of cells compiled for repeated evaluation (the Nelder–Mead objective runs ~25 times
 * per family on the same cells): the distinct CDF arguments — every tick's phase nodes, then
 * the bin edges, shared edges once — and per cell the two slots of `values` its probability
 * is the difference of. Evaluating a model is then one pass of CDF calls and one pass over
 * the cells, with no per-cell objects or branches; each value and sum is computed by the same
 * operations in the same order as evaluating cell by cell, so results are bit-identical.
 * (Plain arrays: small typed arrays cost more to allocate than they save here.)
 */
interface CellPlan {
  /** Cell counts, in cell order. */
  count: number[];
  /** Slots in `values` of each cell's CDF below and up to it. */
  below: number[];
  upto: number[];
  /** Phase nodes (k + GL_X[i])·res, 5 per needed tick, in tick-slot order. */
  tickX: number[];
  /** Distinct bin edges. */
  edgeX: number[];
  /** Natural logs of tickX and edgeX (−∞ at 0), for CDFs evaluated in log x (CdfFn.ofLog). */
  tickL: number[];
  edgeL: number[];
  /** values[0] = 0 (below tick 0), then the ticks' phase-averaged CDFs, then F at the edges. */
  values: number[];
  edgeBase: number;
}

function planOf(cells: readonly Cell[], res: number): CellPlan {
  // Cells come sorted (ticks ascending, then disjoint bins ascending), so sharing a slot with
  // the edge or tick made last finds every repeat (any other order would only cost calls).
  const tickX: number[] = [];
  const edgeX: number[] = [];
  const n = cells.length;
  const below: number[] = [];
  const upto: number[] = [];
  const isEdge: boolean[] = [];
  let lastTick = -1;
  const tick = (k: number): number => {
    if (k !== lastTick) {
      lastTick = k;
      for (let j = 0; j < 5; j++) tickX.push((k + GL_X[j]) * res);
    }
    return tickX.length / 5;
  };
  const edge = (x: number): number => {
    if (edgeX.length === 0 || edgeX[edgeX.length - 1] !== x) edgeX.push(x);
    return edgeX.length - 1;
  };
  const count: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = cells[i];
    count.push(c.count);
    if (c.ticks === undefined) {
      below.push(edge(c.lo));
      upto.push(edge(c.hi));
      isEdge.push(true);
    } else {
      // Slot 0 is the constant 0 (below tick 0); tick slots from 1.
      below.push(c.ticks === 0 ? 0 : tick(c.ticks - 1));
      upto.push(tick(c.ticks));
      isEdge.push(false);
    }
  }
  // Edges go after the ticks.
  const edgeBase = 1 + tickX.length / 5;
  for (let i = 0; i < n; i++) {
    if (isEdge[i]) {
      below[i] += edgeBase;
      upto[i] += edgeBase;
    }
  }
  const logOf = (x: number) => (x > 0 ? log(x) : -Infinity);
  return { count, below, upto, tickX, edgeX, tickL: tickX.map(logOf), edgeL: edgeX.map(logOf), values: new Array<number>(edgeBase + edgeX.length).fill(0), edgeBase };
}

/**
 * A CDF, optionally with the same CDF as a function of log x: plans then evaluate it at their
 * points' logs, taken once per plan (a Weibull CDF is exp in log x; pow per call cost ~22 % of
 * the fit workers' time since pow became @stdlib's deterministic one).
 */
type CdfFn = ((x: number) => number) & { ofLog?: (lx: number) => number };

/**
 * Fills plan.values for the CDF F. A tick's value is its phase-averaged CDF,
 * ∫₀¹ F((k+v)·res) dv by 5-point Gauss–Legendre: the model probability of measuring at most
 * k ticks.
 */
function evaluatePlan(plan: CellPlan, F: CdfFn): void {
  const { values, edgeBase } = plan;
  const G = F.ofLog ?? F;
  const [ticks, edges] = F.ofLog ? [plan.tickL, plan.edgeL] : [plan.tickX, plan.edgeX];
  for (let t = 0, j = 0; j < ticks.length; t++) {
    let p = 0;
    for (let i = 0; i < 5; i++, j++) p += GL_W[i] * G(ticks[j]);
    values[1 + t] = p;
  }
  for (let j = 0; j < edges.length; j++) values[edgeBase + j] = G(edges[j]);
}

/** Binned log-likelihood of the values last filled in by evaluatePlan. */
function planLogLik(plan: CellPlan): number {
  const { count, below, upto, values } = plan;
  let ll = 0;
  for (let i = 0; i < count.length; i++) ll += count[i] * log(Math.max(1e-300, values[upto[i]] - values[below[i]]));
  return ll;
}

/** Binned log-likelihood of the cells under F (the censored path's objective). */
function binnedLogLik(plan: CellPlan, F: CdfFn): number {
  evaluatePlan(plan, F);
  return planLogLik(plan);
}

/**
 * KS and binned log-likelihood together, over one evaluation of the CDF at every distinct
 * cell edge (adjacent log bins share edges; quantized cells share the phase-averaged CDF of
 * the tick before).
 */
function evaluateFit(plan: CellPlan, F: CdfFn, total: number): { ks: number; loglik: number } {
  evaluatePlan(plan, F);
  const { count, below, upto, values } = plan;
  let emp = 0;
  let d = 0;
  for (let i = 0; i < count.length; i++) {
    d = Math.max(d, Math.abs(emp - values[below[i]]));
    emp += count[i] / total;
    d = Math.max(d, Math.abs(emp - values[upto[i]]));
  }
  return { ks: d, loglik: planLogLik(plan) };
}

const cdfs = {
  exponential: (scale: number) => (x: number) => (x <= 0 ? 0 : -expm1(-x / scale)),
  gamma: (shape: number, scale: number) => {
    const P = gammaPFixedShape(shape);
    return (x: number) => (x <= 0 ? 0 : P(x / scale));
  },
  // (x/scale)^shape as exp(shape·(log x − log scale)): one exp per point of a plan.
  weibull: (shape: number, scale: number): CdfFn => {
    const ls = log(scale);
    const ofLog = (lx: number) => -expm1(-exp(shape * (lx - ls)));
    return Object.assign((x: number) => (x <= 0 ? 0 : ofLog(log(x))), { ofLog });
  },
};

function cdfOf(m: ArrivalModel): CdfFn {
  switch (m.family) {
    case 'exponential':
      return cdfs.exponential(m.scale);
    case 'gamma':
      return cdfs.gamma(m.shape, m.scale);
    case 'weibull':
      return cdfs.weibull(m.shape, m.scale);
    default: {
      const never: never = m;
      throw new Error(String(never));
    }
  }
}

/** A model's KS distance from a summary's gaps, measured as fitArrivalWindow measures its fits'. */
export function ksOf(s: ArrivalSummary, res: number, m: ArrivalModel): number {
  return evaluateFit(planOf(cellsOf(s, res), res), cdfOf(m), s.gaps).ks;
}

/** Largest Gamma shape the MLE returns (CV 10⁻³): what equal gaps get. */
export const GAMMA_MAX_SHAPE = 1e6;

/**
 * Gamma MLE from mean and mean log (Newton on log k − ψ(k) = log mean − mean log; Minka 2002).
 * Shapes beyond GAMMA_MAX_SHAPE (s = log mean − mean log below 1/(2·10⁶)) get the cap: there
 * log k − ψ(k) ≈ 1/(2k) is a difference of two numbers near ln k, so Newton lost it — equal gaps
 * with float noise (s = 10⁻¹⁵, a client polling every 10 s) came out with shape 0.125.
 */
export function gammaMle(mean: number, meanLog: number): { shape: number; scale: number } {
  const s = log(mean) - meanLog;
  if (!(s > 0.5 / GAMMA_MAX_SHAPE)) return { shape: GAMMA_MAX_SHAPE, scale: mean / GAMMA_MAX_SHAPE };
  let k = (3 - s + Math.sqrt((s - 3) ** 2 + 24 * s)) / (12 * s);
  for (let i = 0; i < 50; i++) {
    const f = log(k) - digamma(k) - s;
    const df = 1 / k - trigamma(k);
    const next = k - f / df;
    k = next > 0 ? next : k / 2;
    if (Math.abs(f) < 1e-12) break;
  }
  return { shape: k, scale: mean / k };
}

/**
 * Largest Weibull shape the MLE returns (CV ≈ 1.28/k ≈ 10⁻⁶), as gammaMle caps Gamma's at 10⁶: with
 * one distinct value (a periodic client whose gaps share a bin) the likelihood grows without
 * bound in k, and Newton doubled k a hundred times (k ≈ 10³⁰, scale ∞).
 */
export const WEIBULL_MAX_SHAPE = 1e6;

/**
 * Weibull MLE from (value, weight) pairs: Newton on the profile equation for k (Cohen 1965).
 * The scale is λ = (Σ w·xᵏ / W)^(1/k), computed as exp(m + ln(Σ w·e^{k(ln x − m)} / W)/k)
 * (m the weighted mean log) when Σ w·xᵏ leaves the normal range: near-periodic gaps (k in the
 * hundreds) overflowed xᵏ, and the fit came out with scale ∞ (`null` in JSON) and KS 1, so
 * such windows could never be Weibull.
 */
export function weibullMle(xs: number[], ws: number[]): { shape: number; scale: number } {
  // Logs once, not once per Newton step.
  const logs = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) logs[i] = log(xs[i]);
  let W = 0;
  let meanLog = 0;
  for (let i = 0; i < xs.length; i++) {
    W += ws[i];
    meanLog += ws[i] * logs[i];
  }
  meanLog /= W;
  let sd = 0;
  for (let i = 0; i < xs.length; i++) sd += ws[i] * (logs[i] - meanLog) ** 2;
  sd = Math.sqrt(sd / W);
  let k = sd > 0 ? 1.2 / sd : 1;
  for (let it = 0; it < 100; it++) {
    let a = 0;
    let b = 0;
    let c = 0;
    for (let i = 0; i < xs.length; i++) {
      const l = logs[i];
      const xk = exp(k * (l - meanLog)); // scaled for stability
      a += ws[i] * xk;
      b += ws[i] * xk * l;
      c += ws[i] * xk * l * l;
    }
    const f = b / a - 1 / k - meanLog;
    const df = c / a - (b / a) ** 2 + 1 / (k * k);
    const next = k - f / df;
    k = next > 0 ? next : k / 2;
    if (!(k < WEIBULL_MAX_SHAPE)) {
      k = WEIBULL_MAX_SHAPE;
      break;
    }
    if (Math.abs(f) < 1e-10) break;
  }
  let a = 0;
  for (let i = 0; i < xs.length; i++) a += ws[i] * pow(xs[i], k);
  // The direct form where it is accurate (the bits fits always had), the scaled one otherwise.
  if (a / W >= 2.2250738585072014e-308 && a / W < Infinity) return { shape: k, scale: pow(a / W, 1 / k) };
  let scaled = 0;
  for (let i = 0; i < xs.length; i++) scaled += ws[i] * exp(k * (logs[i] - meanLog));
  return { shape: k, scale: exp(meanLog + log(scaled / W) / k) };
}

export interface ArrivalFitOptions {
  /** Reproduce upstream's Gamma convention: shape = 1/CV², scale = mean/shape (`fit --moment-match`). */
  momentMatch?: boolean;
  /** Share of gaps within QUANT_TICKS ticks above which the interval-censored likelihood is used. */
  censorShare?: number;
}

/**
 * Fits Exponential, Gamma and Weibull to one window's gaps and returns all three, best
 * (smallest KS) first. When the clock resolution affects a noticeable share of gaps
 * (ms timestamps of a bursty client, bucketed arrivals), the likelihood treats each
 * measured tick count as interval-censored (a uniform phase within the tick) and is
 * maximized numerically; otherwise the classical MLEs are used (Gamma: Newton on the
 * digamma equation; Weibull: Newton on the profile likelihood).
 */
export function fitArrivalWindow(s: ArrivalSummary, res: number, options: ArrivalFitOptions = {}): FamilyFit[] {
  const cells = cellsOf(s, res);
  const plan = planOf(cells, res);
  const total = s.gaps;
  const mean = s.sum / Math.max(1, s.gaps);
  // The clock matters when a noticeable share of gaps is within a tick of zero (measured 0 or
  // 1 tick: their true length is unknown to ±100 %). Elsewhere quantization error is small and
  // the classical MLEs are used.
  let quantCount = 0;
  for (const c of cells) if (c.ticks !== undefined && c.ticks <= 1) quantCount += c.count;
  const censored = res > 0 && quantCount / total > (options.censorShare ?? 0.002);
  const fits: FamilyFit[] = [];
  const finish = (model: ArrivalModel, converged: boolean) => {
    const { ks, loglik } = evaluateFit(plan, cdfOf(model), total);
    fits.push({ model, ks, loglik, n: total, converged, censored });
  };
  const var_ = Math.max(0, s.sumSq / total - mean * mean);
  const cv = mean > 0 ? Math.sqrt(var_) / mean : 1;
  if (!censored) {
    finish({ family: 'exponential', scale: mean }, true);
    if (options.momentMatch) {
      const k = 1 / Math.max(1e-6, cv * cv);
      finish({ family: 'gamma', shape: k, scale: mean / k }, true);
    } else {
      const meanLog = s.positive > 0 ? s.sumLog / s.positive : log(mean);
      const g = gammaMle(mean, meanLog);
      finish({ family: 'gamma', shape: g.shape, scale: g.scale }, true);
    }
    const xs: number[] = [];
    const ws: number[] = [];
    for (const c of cells) {
      if (c.mid > 0) {
        xs.push(c.mid);
        ws.push(c.count);
      }
    }
    let w = weibullMle(xs, ws);
    if (w.shape >= WEIBULL_MAX_SHAPE && cv > 0) {
      // Every gap in one bin: the bins cannot see the spread (the MLE runs to its cap, a
      // client of CV 10⁻⁶), the exact moments can. Large-k Weibull: CV ≈ π/(√6·k).
      const k = Math.min(WEIBULL_MAX_SHAPE, Math.PI / Math.sqrt(6) / cv);
      w = { shape: k, scale: weibullScaleForMean(k, mean) };
    }
    finish({ family: 'weibull', shape: w.shape, scale: w.scale }, true);
  } else {
    // Interval-censored binned likelihood, maximized over log parameters on coarse cells.
    const coarse = planOf(coarseCells(s, res), res);
    const safeMean = Math.max(mean, res / 4);
    const e = nelderMead((x) => -binnedLogLik(coarse, cdfs.exponential(exp(x[0]))), [log(safeMean)], { step: 0.5, tol: 1e-6, maxIter: 120 });
    finish({ family: 'exponential', scale: exp(e.x[0]) }, e.converged);
    const k0 = 1 / Math.max(0.01, cv * cv);
    // Start from the uncensored MLE on the positive gaps when it exists (usually close when
    // few gaps are censored: fewer simplex steps), else from the moments.
    const meanLogPos = s.positive > 0 ? s.sumLog / s.positive : NaN;
    const gStart = s.positive >= 2 ? gammaMle(s.sum / Math.max(1, s.positive), meanLogPos) : undefined;
    const kg = gStart && Number.isFinite(gStart.shape) && gStart.shape < 1e5 ? gStart.shape : k0;
    const heavy = quantCount / total > 0.2;
    if (options.momentMatch) {
      finish({ family: 'gamma', shape: k0, scale: safeMean / k0 }, true);
    } else {
      const g = nelderMead((x) => -binnedLogLik(coarse, cdfs.gamma(exp(x[0]), exp(x[1]))), [log(kg), log(safeMean / kg)], { step: heavy ? 0.7 : 0.15, tol: heavy ? 1e-8 : 1e-6, maxIter: 250 });
      finish({ family: 'gamma', shape: exp(g.x[0]), scale: exp(g.x[1]) }, g.converged);
    }
    const wxs: number[] = [];
    const wws: number[] = [];
    for (const c of cells) {
      if (c.mid > 0 && c.ticks !== 0) {
        wxs.push(c.mid);
        wws.push(c.count);
      }
    }
    const wStart = wxs.length >= 2 ? weibullMle(wxs, wws) : undefined;
    const kw0 = wStart && Number.isFinite(wStart.shape) ? wStart.shape : Math.max(0.05, Math.min(5, 1 / Math.max(0.2, cv)));
    const sw0 = wStart && Number.isFinite(wStart.scale) ? wStart.scale : safeMean;
    const wf = nelderMead((x) => -binnedLogLik(coarse, cdfs.weibull(exp(x[0]), exp(x[1]))), [log(kw0), log(sw0)], { step: heavy ? 0.7 : 0.15, tol: heavy ? 1e-8 : 1e-6, maxIter: 250 });
    finish({ family: 'weibull', shape: exp(wf.x[0]), scale: exp(wf.x[1]) }, wf.converged);
  }
  return rankFits(fits);
}

/**
 * Orders fits best first. Best by KS; families whose KS differ by less than 0.005 (the
 * binning's own error) are not told apart by it: then AIC decides, so Exponential (one
 * parameter) wins unless the shape earns its keep — as under heavy censoring, where every
 * family predicts the same ticks. "Within 0.005" is not transitive (A ~ B and B ~ C with A and
 * C apart), so this is not a sort comparator: one was, and on a cycle (A before B by AIC, B
 * before C by AIC, C before A by KS) the winner was whatever the engine's sort algorithm
 * compared first — Node 20 and Deno picked different families for the same window. Instead:
 * the fits within 0.005 of the smallest KS form a group ranked by AIC (then KS, then input
 * order); the group goes first, and the rest is ranked the same way. When the old comparator
 * was consistent this picks the same best fit; a NaN KS or AIC ranks last.
 */
export function rankFits(fits: readonly FamilyFit[]): FamilyFit[] {
  const aic = (f: FamilyFit) => 2 * (f.model.family === 'exponential' ? 1 : 2) - 2 * f.loglik;
  const key = (x: number) => (x === x ? x : Infinity);
  const rest = fits.map((f, i) => ({ f, i, ks: key(f.ks), aic: key(aic(f)) }));
  const out: FamilyFit[] = [];
  while (rest.length > 0) {
    let minKs = Infinity;
    for (const r of rest) minKs = Math.min(minKs, r.ks);
    const group = rest.filter((r) => r.ks - minKs < 0.005 || r.ks === minKs);
    group.sort((a, b) => (a.aic < b.aic ? -1 : a.aic > b.aic ? 1 : a.ks < b.ks ? -1 : a.ks > b.ks ? 1 : a.i - b.i));
    for (const g of group) {
      out.push(g.f);
      rest.splice(rest.indexOf(g), 1);
    }
  }
  return out;
}

/** Mean of a model's gaps. */
export function modelMean(m: ArrivalModel): number {
  switch (m.family) {
    case 'exponential':
      return m.scale;
    case 'gamma':
      return m.shape * m.scale;
    case 'weibull':
      return m.scale * exp(lnGamma(1 + 1 / m.shape));
    default: {
      const never: never = m;
      throw new Error(String(never));
    }
  }
}

/** Sup distance between two models' CDFs (over a log grid), for tests and reports. */
export function supCdfDistance(a: ArrivalModel, b: ArrivalModel): number {
  const Fa = cdfOf(a);
  const Fb = cdfOf(b);
  let d = 0;
  for (let e = -9; e <= 5; e += 0.01) {
    const x = pow(10, e);
    d = Math.max(d, Math.abs(Fa(x) - Fb(x)));
  }
  return d;
}

/**
 * A window's empirical gap distribution in the profile's compact form: log bins (as in the
 * summaries) with their counts; gaps of 0 clock ticks are a `below` mass drawn at 0 (`below`
 * 0). A gap of g ticks drawn at a uniformly random phase is floored to ⌊g⌋ ticks with
 * probability 1 − frac(g), a tick more otherwise: only gaps on the ticks themselves keep their
 * measured count, and gaps of k ≥ 1 ticks sit in the bin at k ticks. Spread on [0, res) as
 * before, half of them came out a tick long once floored to the clock again (validate measures
 * both sides at the source's clock): a gamma client of gap CV 3 on a 1 ms clock (~200 requests a
 * 600 s window, levels.ts) was drawn with 15 % zero-tick gaps against the log's 30.5 %, gap KS
 * 0.15 (0.007 at its windows' families).
 */
export function empiricalGaps(s: ArrivalSummary, res: number): { log10_min: number; bins_per_decade: number; below: number; below_count: number; bins: number[]; counts: number[] } {
  const merged = new Map<number, number>(s.hist);
  let below = 0;
  for (const [k, c] of s.quant) {
    if (k === 0) below += c;
    else {
      const b = gapBin(k * res);
      merged.set(b, (merged.get(b) ?? 0) + c);
    }
  }
  const bins = [...merged.keys()].sort((a, b) => a - b);
  return { log10_min: log10(GAP_MIN), bins_per_decade: GAP_BINS_PER_DECADE, below: 0, below_count: below, bins, counts: bins.map((b) => merged.get(b)!) };
}

/**
 * The fewest gaps a window is fitted from on its own, whatever `minArrivals` says: no family is
 * fitted from none (fit exited 3 on `--min-arrivals 0`, found by review), and one gap gave
 * degenerate fits (Gamma at its shape cap 10⁶, a CV of 0.001). The client's pooled shape needs as many.
 */
export const MIN_FIT_GAPS = 2;

/** The gaps a window needs to be fitted on its own (`minArrivals`, at least MIN_FIT_GAPS). */
export function fitsOnItsOwn(gaps: number, minArrivals: number): boolean {
  return gaps >= Math.max(minArrivals, MIN_FIT_GAPS);
}
