/**
 * Sparse clients' rate levels (profile `clients[].levels`). A client whose windows mostly hold
 * too few gaps to fit (`--min-arrivals`) has each window's rate set by its realized count: a
 * Poisson client at 0.6 requests a window is rated 0, 1/600 or 2/600 req/s window by window,
 * and generation put its requests back in the windows the log had them in, at gaps drawn from
 * a shape measured inside those windows (gaps cut short by the window): its regenerated gaps
 * failed `iat_ks` at 0.10 against the log's exponential ones (session 21).
 *
 * Such a client is described instead by its rate over stretches of windows — change-point
 * segments of its counts over the whole span, empty windows included (optimal Poisson
 * partitioning with a penalty per segment, src/fit/rates.ts `rateSegments`, over blocks of
 * windows: MAX_BLOCKS), times a rhythm the
 * level clients share (levelShape) — and one gap shape:
 * its gaps in units of the level they came at (a gap × its segment's rate; a gap across empty
 * windows as the expected requests between its ends), fitted like a window. `generate` draws
 * the client in every window of a segment at the segment's rate, the gaps from that shape.
 */
import type { ProfileClient } from '../profile/schema.js';
import { GAP_BINS_PER_DECADE, gapBin } from '../summary/bins.js';
import type { ArrivalSummary } from '../summary/types.js';
import { exp, log, log10 } from '../stats/det-math.js';
import { empiricalGaps, fitArrivalWindow, fitsOnItsOwn, ksOf, type ArrivalFitOptions } from './arrival-fit.js';
import { MAX_CV, weibullShapeForCv } from '../generate/arrival-sampler.js';
import { dailyPosition } from '../generate/levels.js';
import { createRng } from '../stats/rng.js';
import { lnGamma } from '../stats/special.js';
import { MAX_LATTICE_SHARE } from './client-shape.js';
import { rateSegments, segmentDispersion } from './rates.js';

export type Levels = NonNullable<ProfileClient['levels']>;

/**
 * A client is drawn at levels when at least this share of its requests lie in windows with too
 * few gaps to be fitted on their own (`--min-arrivals`): their rates are then realized counts.
 */
export const LEVEL_SHARE = 0.5;
/** Fewest gaps (in all) a level client's shape is fitted from. */
export const MIN_LEVEL_GAPS = 20;
/** Gaps from which a level client's gap distribution is kept whatever its families' fit (fitLevels). */
export const EMPIRICAL_LEVEL_GAPS = 200;
/**
 * Fewest blocks (spanBlocks) over which a client whose windows hold enough gaps is weighed for
 * levels (windowsAddedDispersion against FittedLevels.missed): over fewer, what its levels miss
 * cannot be told from its counts' noise (an hour of 600 s windows is 6 blocks).
 */
export const LEVEL_MIN_BLOCKS = 24;

/**
 * The over-dispersion that drawing a client at its windows' realized counts adds at the window
 * scale: each window is drawn at its count as a renewal process at the window's CV, whose count
 * varies by about CV² × its mean (asymptotically; less at a few requests a window), on top of
 * the noise the realized count already holds. The request-weighted mean of the windows' CV² (1
 * for a window without one). Upstream's m-small pool at scale:0.001 has a client of ~53
 * requests a window at a window CV of ~4.8 (46 by this measure): drawn at its windows' counts,
 * its 600 s index of dispersion came out 80 against the log's 44.
 */
export function windowsAddedDispersion(windows: readonly { cv: number | null }[], arrivals: readonly ArrivalSummary[]): number {
  let sq = 0;
  let n = 0;
  windows.forEach((w, i) => {
    sq += (w.cv ?? 1) ** 2 * arrivals[i].n;
    n += arrivals[i].n;
  });
  return n > 0 ? sq / n : 0;
}

/**
 * Whether a client's windows are mostly too small to rate: LEVEL_SHARE of its requests in
 * windows below `minArrivals` gaps, and MIN_LEVEL_GAPS gaps to fit its shape from — counted as
 * fitLevels counts them: a window's own gaps, and the gap from the client's previous window
 * that the window does not hold (from before a pause: src/fit/idle-gaps.ts). Counting the
 * windows' own gaps only, a 0.5/s client at --window 0.01 (gaps of ~200 windows, nearly all
 * after a pause) had none, was drawn at its windows' realized counts, and an hour came out
 * ~30 % short (found by review).
 */
export function isSparseClient(arrivals: readonly ArrivalSummary[], minArrivals: number): boolean {
  let small = 0;
  let all = 0;
  let gaps = 0;
  let first: ArrivalSummary | undefined;
  for (const s of arrivals) {
    all += s.n;
    gaps += s.gaps;
    if (s.gaps < s.n) gaps++;
    if (!first || s.start < first.start) first = s;
    if (!fitsOnItsOwn(s.gaps, minArrivals)) small += s.n;
  }
  // (The first window has no gap from before it.)
  if (first && first.gaps < first.n) gaps--;
  return all > 0 && gaps >= MIN_LEVEL_GAPS && small >= LEVEL_SHARE * all;
}

/**
 * Most blocks a span is segmented in: segments start on block boundaries, a block being
 * ⌈windows / MAX_BLOCKS⌉ windows (one window up to 512 windows, 3.5 days of 600 s; 1.5 h over
 * 30 days). Optimal partitioning weighs every earlier start at each block, and with no change to
 * prune on (a client at one rate) that is quadratic: 4 320 windows for each of 1 912 sparse
 * clients of a 30-day log took its fit from 34 s to 450 s, and 1e-12 s windows over an hour
 * are 3.6·10¹⁵ windows.
 */
export const MAX_BLOCKS = 512;
/**
 * Most blocks a client's own segments are found on (groups of MAX_BLOCKS' blocks): 128, so 30
 * days of 1 912 sparse clients cost ~1 s (at 512, the logs of the segmentation alone took 8.5 s
 * of a 50 s fit).
 */
export const CLIENT_BLOCKS = 128;

/** The blocks of the profile's span from `s0` (the window boundary at or before span.start) to `spanEnd`: windows per block, and each block's start and seconds inside the span (the first block's from span.start). */
export interface SpanBlocks {
  W: number;
  s0: number;
  /** The profile time of a UTC clock hour (from span.origin; 0 without one): daily cycles' bins start on the hour. */
  hour: number;
  step: number;
  starts: Float64Array;
  seconds: Float64Array;
  /** The span's last request (its end) and, when given, its first (blockCounts' end rule). */
  end: number;
  first?: number;
}

export function spanBlocks(W: number, s0: number, spanEnd: number, origin: string | null = null, spanStart = s0, first?: number): SpanBlocks {
  const nW = Math.max(1, Math.ceil((spanEnd - s0) / W - 1e-9));
  const step = Math.ceil(nW / MAX_BLOCKS);
  const nB = Math.ceil(nW / step);
  const starts = new Float64Array(nB);
  const seconds = new Float64Array(nB);
  for (let k = 0; k < nB; k++) {
    // The first block from span.start, which lies inside the first window when the log starts there.
    starts[k] = k === 0 ? Math.max(s0, spanStart) : s0 + k * step * W;
    seconds[k] = Math.max(1e-9, Math.min(s0 + (k + 1) * step * W, spanEnd) - starts[k]);
  }
  const epoch = origin !== null ? Date.parse(origin) / 1000 : NaN;
  const hour = Number.isFinite(epoch) ? (((-epoch % DAILY_BIN_SECONDS) + DAILY_BIN_SECONDS) % DAILY_BIN_SECONDS) : 0;
  return { W, s0, hour, step, starts, seconds, end: spanEnd, ...(first !== undefined ? { first } : {}) };
}

/** The block of a window (by its start). */
function blockOf(b: SpanBlocks, start: number): number {
  return Math.min(b.starts.length - 1, Math.max(0, Math.floor(Math.round((start - b.s0) / b.W) / b.step)));
}

/**
 * A client's requests per block, its request at an end of the span counted ½: the span is
 * closed, from the log's first request to its last, and a client whose own requests are both
 * ends has n requests but n − 1 gaps in it. For a renewal process observed from one of its
 * events to another, (last − first) / (n − 1) is an unbiased mean gap and n / (last − first)
 * too high by n / (n − 1); over a span its events do not choose, E[n] = rate × span, so a
 * request inside counts 1. An end sits, on average, in the middle of a gap: ½ each (a metronome
 * of 40 requests every 300 s owning both ends was fitted at 40 / 11 700 s, a 292.5 s gap; now
 * 39 / 11 700 s). The start counts so when the exposure starts there: span.start, the first
 * request's whole second (profileSpanStart), within a second of it; with windows under a second
 * the span starts at the window boundary before it, whose seconds hold time before it.
 */
export function blockCounts(arrivals: readonly ArrivalSummary[], b: SpanBlocks): Float64Array {
  const counts = new Float64Array(b.starts.length);
  for (const s of arrivals) {
    let n = s.n;
    if (n > 0 && s.last === b.end) n -= 0.5;
    if (n > 0 && b.first !== undefined && s.first === b.first && b.first - b.starts[0] < 1) n -= 0.5;
    counts[blockOf(b, s.start)] += n;
  }
  return counts;
}

/** Each segment's rate (counts over exposure between `bounds`), its start, and the rate of every block. */
function segmentRates(counts: Float64Array, exposure: ArrayLike<number>, bounds: readonly number[], b: SpanBlocks): { starts: number[]; rates: number[]; perBlock: Float64Array } {
  const starts: number[] = [];
  const rates: number[] = [];
  const perBlock = new Float64Array(counts.length);
  for (let j = 0; j + 1 < bounds.length; j++) {
    let c = 0;
    let e = 0;
    for (let k = bounds[j]; k < bounds[j + 1]; k++) {
      c += counts[k];
      e += exposure[k];
    }
    const r = e > 0 ? c / e : 0;
    for (let k = bounds[j]; k < bounds[j + 1]; k++) perBlock[k] = r;
    starts.push(b.starts[bounds[j]]);
    rates.push(r);
  }
  return { starts, rates, perBlock };
}

/** The shared rhythm of the level clients (profile `level_shape`), and its factor per block. */
export interface LevelShape {
  starts: number[];
  factors: number[];
  perBlock: Float64Array;
}

/**
 * The rhythm the level clients share: segments (rateSegments) of their summed counts per
 * block, each segment's rate over their mean rate (factors of mean 1 over the span). Many
 * sparse clients together are dense: a pool of 200 clients at 0.5 requests a window each,
 * following one daily swing, has a daily swing no single client's segments can show (each came
 * out flat, and the pool's regenerated windows missed the log's by 103 %: rate_mape failed).
 * Each client's levels are then fitted against this rhythm (its rate = its level × the factor).
 */
export function levelShape(total: Float64Array, b: SpanBlocks): LevelShape {
  const nB = total.length;
  const cuts = rateSegments(Array.from(total), Array.from(b.seconds));
  const bounds = [0, ...cuts, nB];
  let all = 0;
  let time = 0;
  for (let k = 0; k < nB; k++) {
    all += total[k];
    time += b.seconds[k];
  }
  const mean = time > 0 ? all / time : 0;
  const seg = segmentRates(total, b.seconds, bounds, b);
  const factors = seg.rates.map((r) => (mean > 0 ? r / mean : 0));
  const starts = seg.starts;
  const perBlock = Float64Array.from(seg.perBlock, (r) => (mean > 0 ? r / mean : 0));
  return { starts, factors, perBlock };
}

/** The period of a level client's daily cycle (profile `clients[].levels.daily`). */
export const DAY_SECONDS = 86_400;
/** The bins a fitted daily cycle is tested and shrunk in: an hour each. */
export const DAILY_BIN_SECONDS = 3_600;
/**
 * The finest bins a cycle is refined to within its hours (dailyWithinHours): 10 minutes. In
 * hours alone, a client at 100 requests a 600 s window from 06 h to 18 h and 0.5 at night (7
 * days, windows from 9:55 past each tenth minute) was drawn with 619 requests between 05:00 and
 * 06:00 where its log has 21, and the night gaps in those hours, scaled by the hour's factor,
 * came out at 30–85 times their mean: its gaps' CV was read as 1.52 and its day gaps were drawn
 * at CV 1.38 against the log's 1.00.
 */
export const DAILY_FINE_SECONDS = 600;
/** Fewest days a span covers for a daily cycle to be fitted (over one or two, a client that starts or stops mid-day looks like one). */
export const DAILY_MIN_DAYS = 3;
/** Most arrival windows a span may have for a daily cycle to be fitted (each window is weighed). */
const DAILY_MAX_WINDOWS = 1 << 20;
/**
 * Random rotations of the days a cycle must beat, all of them (cycleBeyondRotations): a chance
 * of 1 in 1 000 for a client without one. At 199, 10 of the 30-day bench log's 1 986 stationary
 * clients got a cycle (0.5 %, as designed), with factors of 0.3–2.5 at 400–1 200 requests.
 */
const DAILY_ROTATIONS = 999;
/** A fitted cycle is kept when some factor is at least this far from 1 (after shrinkage). */
const DAILY_MIN_SWING = 0.05;

/** The span's arrival windows by day and hour of day (from span.start), shared by every client's fit. */
interface DayLayout {
  /** The first bin's start (profile `levels.daily.start`). */
  start: number;
  nW: number;
  /** Each window's seconds inside the span, bin of the day and day. */
  secs: Float64Array;
  bin: Int32Array;
  day: Int32Array;
  nBins: number;
  /** Each bin's seconds: an hour over nBins / 24. */
  binSeconds: number;
  nDays: number;
  /** Seconds of each day's hours (cells: day × bins + bin), and of each block's windows by bin (block × bins + bin). */
  cellSecs: Float64Array;
  blockBinSecs: Float64Array;
  /** Each cell's seconds × the rhythm's factor of their blocks, by rhythm (levelShape's, one per fit). */
  rhythmCells: WeakMap<LevelShape, Float64Array>;
}
const layouts = new WeakMap<SpanBlocks, DayLayout | null>();

/** A layout's cells' seconds × the rhythm's factor (rhythmCellSecs), summed window by window once per rhythm. */
function rhythmCellSecs(l: DayLayout, b: SpanBlocks, shape: LevelShape): Float64Array {
  let e = l.rhythmCells.get(shape);
  if (!e) {
    e = new Float64Array(l.nDays * l.nBins);
    for (let j = 0; j < l.nW; j++) e[l.day[j] * l.nBins + l.bin[j]] += l.secs[j] * shape.perBlock[Math.floor(j / b.step)];
    l.rhythmCells.set(shape, e);
  }
  return e;
}

/** The windows' layout for daily cycles, or null when the span is too short or its windows too many or too long. */
function dayLayout(b: SpanBlocks, spanEnd: number): DayLayout | null {
  let l = layouts.get(b);
  if (l !== undefined) return l;
  const nW = Math.max(1, Math.ceil((spanEnd - b.s0) / b.W - 1e-9));
  l = null;
  if (spanEnd - b.s0 >= DAILY_MIN_DAYS * DAY_SECONDS - 1e-9 && b.W <= DAILY_BIN_SECONDS && nW <= DAILY_MAX_WINDOWS) {
    const secs = new Float64Array(nW);
    const bin = new Int32Array(nW);
    const day = new Int32Array(nW);
    // The bins start on the clock's hours (the one at or before span.start), not at span.start:
    // a client's cycle follows the clock, and span.start is where its log's first window fell.
    // From span.start (found by review), an evening peak of 18–22 h (3.5× its rate, 0.5×
    // otherwise, 7 days, ~1 850 requests) on epoch times from 2 h 13 min past an hour (600 s
    // windows) was fitted with 0.547 of its requests in its evenings for the log's 0.576, and
    // from half past an hour with 0.531 for 0.577 (each edge hour of the peak split over two
    // bins); 0.575 for 0.585 from the hour.
    const start = b.hour + Math.floor((b.s0 - b.hour) / DAILY_BIN_SECONDS + 1e-9) * DAILY_BIN_SECONDS;
    // Bins of the shortest whole number of windows from DAILY_FINE_SECONDS that divides an hour
    // (an hour when none does): fitDaily fits the hours and refines them within (dailyWithinHours).
    let binSeconds = DAILY_BIN_SECONDS;
    for (let k = Math.max(1, Math.ceil(DAILY_FINE_SECONDS / b.W - 1e-9)); k * b.W < DAILY_BIN_SECONDS; k++) {
      const per = DAILY_BIN_SECONDS / (k * b.W);
      if (Math.abs(per - Math.round(per)) < 1e-9) {
        binSeconds = DAILY_BIN_SECONDS / Math.round(per);
        break;
      }
    }
    const daily = { start, bin_seconds: binSeconds, factors: new Array<number>(Math.round(DAY_SECONDS / binSeconds)) };
    // The days are cycles of the bins from the first window's (dailyPosition, as generation reads them).
    const first = dailyPosition(daily, b.s0).cycle;
    for (let j = 0; j < nW; j++) {
      const t = b.s0 + j * b.W;
      secs[j] = Math.max(0, Math.min(t + b.W, spanEnd) - (j === 0 ? b.starts[0] : t));
      const p = dailyPosition(daily, t);
      bin[j] = p.bin;
      day[j] = p.cycle - first;
    }
    const H = daily.factors.length;
    const nDays = day[nW - 1] + 1;
    const cellSecs = new Float64Array(nDays * H);
    const blockBinSecs = new Float64Array(b.starts.length * H);
    for (let j = 0; j < nW; j++) {
      cellSecs[day[j] * H + bin[j]] += secs[j];
      blockBinSecs[Math.floor(j / b.step) * H + bin[j]] += secs[j];
    }
    l = { start, nW, secs, bin, day, nBins: H, binSeconds, nDays, cellSecs, blockBinSecs, rhythmCells: new WeakMap() };
  }
  layouts.set(b, l);
  return l;
}

/**
 * Whether a client's counts by hour of day depart from its days' levels × base more than they do
 * with each day turned by a random number of hours, in every one of DAILY_ROTATIONS turns (a
 * permutation test; the turns, seeded by a constant, are the same on every run). Turning a day
 * keeps what its counts hold within it — bursts and quiet stretches that span hours, the
 * rhythm's hours with their base — and loses only the days' alignment by hour, which is the
 * cycle. Measured against its alternatives: a chi-square of the hours scaled by the cells'
 * dispersion, at its 0.1 % point, gave 55 of the 30-day bench log's 1 986 stationary clients
 * (gaps of CV² 12.5) a cycle: their hours are correlated by quiet stretches of hours. A
 * self-normalized sum of the even and odd days' agreement gave none of them one, but cannot pass
 * a cycle held in a few hours (it is at most √24): upstream's m-small client of 2 386 requests
 * over 7 days, at 2–3.5 × its mean rate for 4 hours of each evening, got none.
 */
function cycleBeyondRotations(c: Float64Array, e: Float64Array, nDays: number, H: number): boolean {
  // Each day's expected counts at its level (level × base), and the days with requests: a day
  // without any adds 0 to every hour's count and expectation, turned or not. The turns are
  // drawn for every day, in order, so the test is the same as over all days (the profiles of
  // 60 clients over 10 days, 54 with a cycle, are identical byte for byte). Measured on 200
  // clients of 30 days with a cycle each (~2 800 requests): the tests took 1.73–1.89 s of a
  // 5.6–6.2 s fit with a closure and a % per cell, 1.42–1.63 s now (999 turns × 2 bases × 720
  // cells a client, ~5 ns a cell); without a cycle a client's test ends at its first turns.
  const me = new Float64Array(nDays * H);
  const days: number[] = [];
  for (let D = 0; D < nDays; D++) {
    let cd = 0;
    let ed = 0;
    for (let h = 0; h < H; h++) {
      cd += c[D * H + h];
      ed += e[D * H + h];
    }
    const level = ed > 0 ? cd / ed : 0;
    for (let h = 0; h < H; h++) me[D * H + h] = level * e[D * H + h];
    if (cd > 0) days.push(D);
  }
  const C = new Float64Array(H);
  const M = new Float64Array(H);
  const turns = new Int32Array(nDays);
  const statistic = () => {
    C.fill(0);
    M.fill(0);
    for (const D of days) {
      const r = turns[D];
      const at = D * H + r;
      // Hour h of the turned day is hour h + r of the day, wrapped at H.
      for (let h = 0; h < H - r; h++) {
        C[h] += c[at + h];
        M[h] += me[at + h];
      }
      for (let h = H - r; h < H; h++) {
        C[h] += c[at + h - H];
        M[h] += me[at + h - H];
      }
    }
    let q = 0;
    for (let h = 0; h < H; h++) if (M[h] > 0) q += (C[h] - M[h]) ** 2 / M[h];
    return q;
  };
  const observed = statistic();
  const rng = createRng('daily-cycle');
  for (let k = 0; k < DAILY_ROTATIONS; k++) {
    for (let D = 0; D < nDays; D++) turns[D] = Math.floor(rng.next() * H);
    if (statistic() >= observed) return false;
  }
  return true;
}

/**
 * A client's daily cycle from its counts `c` by day and hour (cells of DayLayout) against a base
 * `e` (its expected requests there at level 1: the cell's windows' seconds × the rhythm's
 * factor, or × 1): a factor per hour of the day, or undefined
 * when its counts by hour do not show one beyond their noise (cycleBeyondRotations).
 *
 * Each day gets its own level (its counts over its base, the cycle included), so a client that
 * starts, stops or changes level between days keeps the shape of its days; the factors are the
 * hours' counts over their expected counts at those levels (two rounds). Each factor is then
 * shrunk toward 1 by its noise, τ² / (τ² + φ / M): τ², the cycle's spread, is measured by the
 * even and the odd days (each half's factors carry their own noise, so the products of their
 * departures from 1 have mean τ² whatever that noise), φ by the halves' differences, M is the
 * hour's expected requests. The cycle is kept if a factor is still DAILY_MIN_SWING from 1.
 * Factors have mean 1 weighed by the hours' expected requests.
 */
function fitDaily(l: DayLayout, cFine: Float64Array, eFine: Float64Array): FittedDaily | undefined {
  const H = 24;
  const per = l.nBins / H;
  const c = new Float64Array(l.nDays * H);
  const e = new Float64Array(l.nDays * H);
  for (let i = 0; i < cFine.length; i++) {
    const j = Math.floor(i / l.nBins) * H + Math.floor((i % l.nBins) / per);
    c[j] += cFine[i];
    e[j] += eFine[i];
  }
  const d = new Float64Array(H).fill(1);
  const level = new Float64Array(l.nDays);
  // The hours' counts and expected counts, over all days and over the even (0) and odd (1) days.
  const C = [new Float64Array(H), new Float64Array(H), new Float64Array(H)];
  const M = [new Float64Array(H), new Float64Array(H), new Float64Array(H)];
  for (let round = 0; round < 2; round++) {
    for (let D = 0; D < l.nDays; D++) {
      let cd = 0;
      let ed = 0;
      for (let h = 0; h < H; h++) {
        cd += c[D * H + h];
        ed += e[D * H + h] * d[h];
      }
      level[D] = ed > 0 ? cd / ed : 0;
    }
    for (const a of [...C, ...M]) a.fill(0);
    for (let D = 0; D < l.nDays; D++) {
      for (let h = 0; h < H; h++) {
        for (const half of [2, D % 2]) {
          C[half][h] += c[D * H + h];
          M[half][h] += level[D] * e[D * H + h];
        }
      }
    }
    for (let h = 0; h < H; h++) d[h] = M[2][h] > 0 ? C[2][h] / M[2][h] : 1;
  }
  let sum = 0;
  let weight = 0;
  let phi = 0;
  let bins = 0;
  for (let h = 0; h < H; h++) {
    if (!(M[0][h] > 0 && M[1][h] > 0)) continue;
    const d0 = C[0][h] / M[0][h];
    const d1 = C[1][h] / M[1][h];
    const p = M[2][h] * (d0 - 1) * (d1 - 1);
    sum += p;
    weight += M[2][h];
    phi += (d0 - d1) ** 2 / (1 / M[0][h] + 1 / M[1][h]);
    bins++;
  }
  if (bins < 2 || !(sum > 0) || !cycleBeyondRotations(c, e, l.nDays, H)) return undefined;
  const tau2 = sum / weight;
  phi = Math.max(1, phi / bins);
  let mean = 0;
  let total = 0;
  for (let h = 0; h < H; h++) {
    if (M[2][h] > 0) d[h] = 1 + ((d[h] - 1) * tau2) / (tau2 + phi / M[2][h]);
    mean += M[2][h] * d[h];
    total += M[2][h];
  }
  mean /= total;
  let swing = 0;
  for (let h = 0; h < H; h++) {
    d[h] = M[2][h] > 0 && mean > 0 ? d[h] / mean : 1;
    swing = Math.max(swing, Math.abs(d[h] - 1));
  }
  if (!(swing >= DAILY_MIN_SWING)) return undefined;
  const within = per > 1 ? dailyWithinHours(l, cFine, eFine, level) : undefined;
  const fine = new Float64Array(l.nBins);
  for (let f = 0; f < l.nBins; f++) fine[f] = d[Math.floor(f / per)] * (within ? within[f] : 1);
  return within ? { fine, factors: Array.from(fine), binSeconds: l.binSeconds } : { fine, factors: Array.from(d), binSeconds: DAILY_BIN_SECONDS };
}

/** A fitted daily cycle: its factor in each of the layout's bins, and as the profile keeps it (in hours, or in the layout's bins when refined). */
interface FittedDaily {
  fine: Float64Array;
  factors: number[];
  binSeconds: number;
}

/**
 * A cycle's shape within its hours (fitDaily): each fine bin's share of its hour's requests
 * against its share of the hour's expected requests at the days' levels, shrunk toward 1 (the
 * hour's own factor throughout) by τ² / (τ² + φ / m), the spread beyond noise measured as the
 * hours' (products of the even and odd days' departures, φ from their differences, m the bin's
 * expected requests). Undefined when the fine bins' spread is no more than their noise: a
 * smooth cycle keeps its hours (at fine bins alone, m-small's evening client, 2 386 requests over
 * 7 days, drew its time-of-day shape at total variation 0.116 against 0.084 in hours). The
 * factors keep each hour's expected requests.
 */
function dailyWithinHours(l: DayLayout, c: Float64Array, e: Float64Array, level: Float64Array): Float64Array | undefined {
  const Hf = l.nBins;
  const per = Hf / 24;
  // Requests and expected requests (at the days' levels) per fine bin and per hour: all days, even, odd.
  const C = [new Float64Array(Hf), new Float64Array(Hf), new Float64Array(Hf)];
  const E = [new Float64Array(Hf), new Float64Array(Hf), new Float64Array(Hf)];
  for (let D = 0; D < l.nDays; D++) {
    for (let f = 0; f < Hf; f++) {
      for (const half of [2, D % 2]) {
        C[half][f] += c[D * Hf + f];
        E[half][f] += level[D] * e[D * Hf + f];
      }
    }
  }
  const hourSum = (a: Float64Array, u: number) => {
    let x = 0;
    for (let f = u * per; f < (u + 1) * per; f++) x += a[f];
    return x;
  };
  // A bin's ratio to its hour: (C_f / E_f) / (C_u / E_u); 1 where either is empty.
  const ratio = (half: number, f: number) => {
    const u = Math.floor(f / per);
    const cu = hourSum(C[half], u);
    const eu = hourSum(E[half], u);
    return E[half][f] > 0 && cu > 0 && eu > 0 ? (C[half][f] / E[half][f]) * (eu / cu) : 1;
  };
  let sum = 0;
  let weight = 0;
  let phi = 0;
  let bins = 0;
  const m = new Float64Array(Hf);
  for (let f = 0; f < Hf; f++) {
    const u = Math.floor(f / per);
    const du = (h: number) => {
      const eu = hourSum(E[h], u);
      return eu > 0 ? hourSum(C[h], u) / eu : 0;
    };
    m[f] = E[2][f] * du(2);
    const m0 = E[0][f] * du(0);
    const m1 = E[1][f] * du(1);
    if (!(m0 > 0 && m1 > 0)) continue;
    const r0 = ratio(0, f);
    const r1 = ratio(1, f);
    sum += m[f] * (r0 - 1) * (r1 - 1);
    weight += m[f];
    phi += (r0 - r1) ** 2 / (1 / m0 + 1 / m1);
    bins++;
  }
  if (bins < 2 || !(sum > 0) || !(weight > 0)) return undefined;
  const tau2 = sum / weight;
  phi = Math.max(1, phi / bins);
  const r = new Float64Array(Hf);
  for (let f = 0; f < Hf; f++) r[f] = m[f] > 0 ? 1 + ((ratio(2, f) - 1) * tau2) / (tau2 + phi / m[f]) : 1;
  // Each hour keeps its expected requests: Σ E_f r_f = Σ E_f over its bins.
  for (let u = 0; u < 24; u++) {
    let a = 0;
    let bsum = 0;
    for (let f = u * per; f < (u + 1) * per; f++) {
      a += E[2][f] * r[f];
      bsum += E[2][f];
    }
    if (a > 0) for (let f = u * per; f < (u + 1) * per; f++) r[f] *= bsum / a;
  }
  return r;
}

/** A client's levels (fitLevels), and what they miss of its counts. */
export interface FittedLevels {
  levels: Levels;
  /**
   * The over-dispersion of the client's block counts about its levels beyond their noise (the
   * noise measured between adjacent blocks of one segment, as a ratio of sums: a mean of ratios
   * weighs a burst of 24 requests as one of 1): (Σ (c − μ)² / Σ μ − noise)⁺, what a draw at
   * the levels leaves out of the rate's moves inside its segments.
   */
  missed: number;
}

/**
 * The rate levels of a client over the profile's span (blocks `b`, spanBlocks), against the
 * shared rhythm `shape` (levelShape; its rate in a block is its level × the block's factor).
 * `arrivals` are the client's windows as the fit reads them (without the gap from before a
 * pause, src/fit/idle-gaps.ts). Undefined when no shape can be fitted (fewer than
 * MIN_LEVEL_GAPS gaps).
 */
export function fitLevels(arrivals: readonly ArrivalSummary[], b: SpanBlocks, spanEnd: number, res: number, shape: LevelShape, options: ArrivalFitOptions & { empiricalAboveKs?: number } = {}): FittedLevels | undefined {
  const nB = b.starts.length;
  const sorted = [...arrivals].sort((x, y) => x.start - y.start);
  const counts = blockCounts(sorted, b);
  // The client's own segments on coarser blocks (CLIENT_BLOCKS): its changes (a start, a stop,
  // a new level) to within a few hours over 30 days; the rhythm keeps the finer shape.
  const g = Math.ceil(nB / CLIENT_BLOCKS);
  const nC = Math.ceil(nB / g);
  // Segments against a base (expected requests per block at level 1), and the Poisson
  // log-likelihood of the block counts under them (less the terms of the counts alone).
  const against = (base: Float64Array) => {
    const coarseCounts = new Array<number>(nC).fill(0);
    const coarseBase = new Array<number>(nC).fill(0);
    for (let k = 0; k < nB; k++) {
      coarseCounts[Math.floor(k / g)] += counts[k];
      coarseBase[Math.floor(k / g)] += base[k];
    }
    const cuts = rateSegments(coarseCounts, coarseBase);
    const seg = segmentRates(counts, base, [0, ...cuts.map((c) => c * g), nB], b);
    let ll = 0;
    for (let k = 0; k < nB; k++) {
      const mu = seg.perBlock[k] * base[k];
      ll += counts[k] > 0 ? (mu > 0 ? counts[k] * log(mu) : -Infinity) - mu : -mu;
    }
    return { seg, ll, dispersion: segmentDispersion(coarseCounts, coarseBase, cuts), cuts: cuts.map((c) => c * g) };
  };
  // Against the shared rhythm (its rate in a block is its level × the block's factor), unless
  // the client's own segments at factor 1 describe its counts better by more than a segment's
  // penalty for each segment more, and one: the rhythm is the pool's, and a client that does
  // not follow it took it on (found by review: 5 flat clients at 0.001/s beside one on for
  // half of each day were drawn at 2.7 times the rate in its on hours as in its off hours).
  // Each with the client's own daily cycle when it has one (fitDaily): its base in a block is
  // then the block's windows' seconds each × its hour's factor (dsec), × the rhythm's factor.
  const layout = dayLayout(b, spanEnd);
  // The client's counts by day and hour (cells), from its windows with requests only, and its
  // bases there from the layout (each cell's seconds, × the rhythm's factors): the span's every
  // window was visited per client and base (found by review: at --window 5 over 30 days, 518 400
  // windows, 200 Poisson clients took 7.7 s to fit against 4.6 s without daily cycles; 4.6 s now).
  let cells: Float64Array | undefined;
  if (layout) {
    cells = new Float64Array(layout.nDays * layout.nBins);
    for (const s of sorted) {
      const j = Math.round((s.start - b.s0) / b.W);
      if (j >= 0 && j < layout.nW) cells[layout.day[j] * layout.nBins + layout.bin[j]] += s.n;
    }
  }
  const variant = (f: (k: number) => number, base: Float64Array | undefined) => {
    const daily = layout && cells && base ? fitDaily(layout, cells, base) : undefined;
    let dsec: Float64Array = b.seconds;
    if (layout && daily) {
      // Each block's seconds, each × its hour's factor.
      const H = layout.nBins;
      dsec = new Float64Array(nB);
      for (let k = 0; k < nB; k++) for (let h = 0; h < H; h++) dsec[k] += layout.blockBinSecs[k * H + h] * daily.fine[h];
    }
    return { daily, dsec, fit: against(Float64Array.from(dsec, (e, k) => e * f(k))) };
  };
  const R = variant((k) => shape.perBlock[k], layout ? rhythmCellSecs(layout, b, shape) : undefined);
  const O = variant(() => 1, layout?.cellSecs);
  const rhythmic = R.fit;
  const own = O.fit;
  const penalty = Math.max(rhythmic.dispersion, own.dispersion) * 3 * log(Math.max(2, nC));
  // A daily cycle counts as a segment more and what its bins − 1 factors gain by chance (half a
  // dispersion each): the flat clients beside one on for half of each day took a cycle against
  // the pool's rhythm that undid it (shrunk), and at rhythm × cycle were drawn 1.27× as busy in
  // its on hours as in its off hours. Counted as bins − 1 segments, m-small's near-Poisson
  // client (8 380 requests, ±20 % by hour, a cycle only against a flat base) went back to the
  // rhythm without one, and its hours' shape to 0.062 (total variation) from the log's.
  const dispersion = Math.max(rhythmic.dispersion, own.dispersion);
  const cycle = (v: typeof R) => (v.daily ? penalty + (dispersion * 23) / 2 : 0);
  const rhythmFree = own.ll - rhythmic.ll > penalty * (own.seg.starts.length - rhythmic.seg.starts.length + 1) + cycle(O) - cycle(R);
  const { daily, dsec } = rhythmFree ? O : R;
  let starts = rhythmic.seg.starts;
  let rates = rhythmic.seg.rates;
  // The client's rate in each block (req/s), and the expected requests before each block.
  let rate: Float64Array = Float64Array.from(rhythmic.seg.perBlock, (level, k) => level * shape.perBlock[k]);
  if (rhythmFree) {
    // Its own rate as levels against the rhythm: a level per piece of both segmentations
    // (its rate over the factor; 0 where the factor is: no level client sent a request there).
    rate = own.seg.perBlock;
    starts = [];
    rates = [];
    for (let k = 0; k < nB; k++) {
      const f = shape.perBlock[k];
      const level = f > 0 ? rate[k] / f : 0;
      if (rates.length === 0 || level !== rates[rates.length - 1]) {
        starts.push(b.starts[k]);
        rates.push(level);
      }
    }
  }
  const before = new Float64Array(nB + 1);
  for (let k = 0; k < nB; k++) before[k + 1] = before[k] + rate[k] * dsec[k];
  const expectedTo = (t: number) => {
    const k = Math.min(nB - 1, Math.max(0, Math.floor((t - b.s0) / (b.step * b.W))));
    // (With a daily cycle, spread evenly over the block: blocks are at most 1 200 s up to 7 days.)
    return daily ? before[k] + (rate[k] * dsec[k] * (t - b.starts[k])) / b.seconds[k] : before[k] + rate[k] * (t - b.starts[k]);
  };
  // A window's rate: its block's, × its hour's daily factor.
  const dailyOf = (start: number) => {
    if (!daily || !layout) return 1;
    const j = Math.round((start - b.s0) / b.W);
    return j >= 0 && j < layout.nW ? daily.fine[layout.bin[j]] : 1;
  };
  // The gaps in units of their level: a window's own gaps × its segment's rate (bins shifted
  // by the rounded log of the rate: ±0.6 % of a bin), a gap the window does not hold (from
  // before a pause, or across a partition cut) as the expected requests between its ends.
  const hist = new Map<number, number>();
  // The histogram kept for generation (`empirical`): the same bins but the zero-tick gaps, which
  // it keeps as a `below` mass at 0 (empiricalGaps): at half a tick, half of them were drawn a
  // tick long once floored to the clock (a gamma client of gap CV 3 on a 1 ms clock, ~200
  // requests a 600 s window: 15 % zero-tick gaps against the log's 30.5 %, gap KS 0.15).
  const kept = new Map<number, number>();
  let zeros = 0;
  const add = (b: number, c: number) => {
    hist.set(b, (hist.get(b) ?? 0) + c);
    kept.set(b, (kept.get(b) ?? 0) + c);
  };
  let gaps = 0;
  let sum = 0;
  let sumSq = 0;
  let sumLog = 0;
  let positive = 0;
  let withinTick = 0;
  let prev: ArrivalSummary | undefined;
  for (const s of sorted) {
    const r = rate[blockOf(b, s.start)] * dailyOf(s.start);
    if (r > 0 && s.gaps > 0) {
      const shift = Math.round(log10(r) * GAP_BINS_PER_DECADE);
      s.hist.forEach((c, b) => add(b + shift, c));
      // Gaps of k clock ticks at k ticks; of 0 ticks at half a tick for the families' fit (a
      // level client has few: more would make it a batch client), at 0 in `kept`.
      s.quant.forEach((c, k) => {
        if (k > 0) add(gapBin(k * res) + shift, c);
        else {
          const b = gapBin(0.5 * res) + shift;
          hist.set(b, (hist.get(b) ?? 0) + c);
          zeros += c;
        }
        if (k <= 1) withinTick += c;
      });
      gaps += s.gaps;
      sum += s.sum * r;
      sumSq += s.sumSq * r * r;
      sumLog += s.sumLog + s.positive * log(r);
      positive += s.positive;
    }
    if (prev && s.gaps < s.n) {
      const g = expectedTo(s.first) - expectedTo(prev.last);
      if (g > 0) {
        add(gapBin(g), 1);
        gaps++;
        sum += g;
        sumSq += g * g;
        sumLog += log(g);
        positive++;
      }
    }
    prev = s;
  }
  if (gaps < MIN_LEVEL_GAPS) return undefined;
  const pooled: ArrivalSummary = {
    client: sorted[0]?.client ?? '',
    start: b.s0,
    n: gaps + 1,
    first: b.s0,
    last: spanEnd,
    gaps,
    sum,
    sumSq,
    sumLog,
    positive,
    quant: new Map(),
    hist,
    disp: { s1: { bins: 0, sum: 0, sumSq: 0 }, s10: { bins: 0, sum: 0, sumSq: 0 }, s60: { bins: 0, sum: 0, sumSq: 0 } },
  };
  const best = fitArrivalWindow(pooled, res, options)[0];
  const mean = sum / gaps;
  const cv = gaps > 1 && mean > 0 ? Math.sqrt(Math.max(0, sumSq / gaps - mean * mean)) / mean : null;
  // What the levels miss over groups of `a` blocks (pairs of adjacent groups without a cut
  // between or inside them measure the noise).
  const cut = new Set((rhythmFree ? own : rhythmic).cuts);
  const missedOver = (a: number, cap = Infinity): { missed: number; noise: number } => {
    let resid = 0;
    let expected = 0;
    let num = 0;
    let den = 0;
    let prev: number | undefined;
    for (let k0 = 0; k0 < nB; k0 += a) {
      let c = 0;
      let mu = 0;
      let whole = k0 + a <= nB;
      for (let k = k0; k < Math.min(nB, k0 + a); k++) {
        c += counts[k];
        mu += rate[k] * dsec[k];
        if (k > k0 && cut.has(k)) whole = false;
      }
      resid += (c - mu) ** 2;
      expected += mu;
      if (prev !== undefined && whole && !cut.has(k0)) {
        num += (c - prev) ** 2;
        den += c + prev;
      }
      prev = whole ? c : undefined;
    }
    const noise = Math.max(1, Math.min(den > 0 ? num / den : 1, cap));
    return { missed: expected > 0 ? Math.max(0, resid / expected - noise) : 0, noise };
  };
  // At the blocks' scale and at coarser ones, up to an hour or the grid of the client's own
  // segments (g blocks), over LEVEL_MIN_BLOCKS groups or more: a rate that moves between its
  // segments loses more at a longer scale (its variance grows with the square of the requests,
  // while the draw's noise at the windows' counts grows with them). But adjacent groups longer
  // than the moves differ by the moves too, so there the noise is capped at what a renewal
  // process's counts can hold at any scale, its gaps' CV² (as pooled at the levels), and not
  // below the blocks' own. Weighed at the blocks only (1 200 s over 7 days), a Weibull client
  // (CV² ~9.9, 30 requests a window) redrawn every hour at σ 0.35 missed 5.5, less than its
  // windows' 5.7, and was drawn at one level: its 3 600 s index came out 0.26 × the log's (1.27
  // × at its windows' counts), its hourly counts 0.41 off the log's (0.14).
  const widest = Math.max(g, Math.ceil(3600 / (b.step * b.W) - 1e-9));
  const atBlocks = missedOver(1);
  const cap = Math.max(cv !== null ? cv * cv : 1, atBlocks.noise);
  let missed = atBlocks.missed;
  for (let a = 2; a <= widest && nB / a >= LEVEL_MIN_BLOCKS; a *= 2) missed = Math.max(missed, missedOver(a, cap).missed);
  const out: Levels = { starts, rates, cv, model: best.model, gof: { ks: best.ks, n: best.n, loglik: best.loglik } };
  if (daily && layout) out.daily = { start: layout.start, bin_seconds: daily.binSeconds, factors: daily.factors };
  // The gaps' distribution is kept (and drawn) from EMPIRICAL_LEVEL_GAPS gaps, whatever the
  // best family's KS (a window keeps one only above KS 0.05), and from fewer when the best
  // family is rejected at 5 % (KS above 1.36/√n). A level client's gaps pool every rate its
  // levels do not resolve (an hour-to-hour swing at a few requests a window), a mixture no
  // one family draws well at the CV they match (`--shape cv`): upstream's m-small pool at
  // scale:0.001 (7 days, 6 level clients) was drawn with gap KS 0.03–0.16 against the log from
  // families that fitted at KS 0.007–0.047 (a gamma matched to CV 1.66 where the log's gaps have
  // a heavier body and lighter tail), 0.007–0.087 from the kept gaps (medians of 4 seeds), and
  // 0.029–0.118 at the windows' realized counts before levels. Below 200 gaps: 50 sparse
  // clients sending bursts of ~4 requests 5 s apart every ~2 h (~150 gaps each) got Weibulls at
  // KS 0.27, and their draw's aggregate gap CV was 1.31 against the log's 2.53.
  // Not from 200 gaps when more than MAX_LATTICE_SHARE of them are within one clock tick (as for
  // windows): their ticks sit in one bin each, so the histogram draws the clock's lattice. A
  // Poisson client at 0.05 req/s on a 1 s clock (2 min windows) drew 65 % of its gaps under 5 s
  // within 0.01 s of a half second, and half the log's zero-tick gaps (1.1 % against 2.5 %),
  // where its exponential (KS 0.026) draws them continuous. Such a client keeps them, as a
  // window does, when its family is above KS 0.05 (1.36/√n is the bar below 200 gaps only).
  // The family is weighed as `generate` draws it (`--shape cv`: its shape matched to the gaps'
  // CV), not at its fitted shape: gamma gaps of CV 2 on a ms clock (8 % within a tick: the
  // lattice) got a Weibull of shape 0.39 at KS 0.048, drawn at the CV's shape 0.54, at KS 0.15
  // against the log (test/fit/levels.test.ts; their windows drew 0.05).
  const m = best.model;
  const drawnCv = cv !== null && cv > 0 ? Math.min(cv, MAX_CV) : null;
  const asDrawn =
    drawnCv === null || m.family === 'exponential'
      ? m
      : m.family === 'gamma'
        ? { ...m, shape: 1 / (drawnCv * drawnCv), scale: mean * drawnCv * drawnCv }
        : (() => {
            const k = weibullShapeForCv(drawnCv);
            return { ...m, shape: k, scale: mean / exp(lnGamma(1 + 1 / k)) };
          })();
  const drawnKs = asDrawn === m ? best.ks : Math.max(best.ks, ksOf(pooled, res, asDrawn));
  // The lattice cost about half the gaps within a tick while zero-tick gaps were drawn at half a
  // tick (half of them landed a tick away once floored to the clock). Drawn at 0, they keep their
  // tick (a Weibull client of shape 0.25 on a 1 µs clock, levels.test.ts: gap KS 0.015 against the
  // log before, 0.004 after), so at the source's clock this is an upper bound; it still keeps the
  // family where the lattice would show at a finer one. Kept anyway when the family as drawn
  // costs more. On a 1 µs clock, m-small's largest bursty client (Weibull of shape ~0.2: 6 % of
  // its gaps within a tick) drew its gaps at KS 0.044 against the log from the family, 0.023
  // from the kept gaps.
  const lattice = withinTick > MAX_LATTICE_SHARE * gaps && withinTick / (2 * gaps) > drawnKs;
  // Below EMPIRICAL_LEVEL_GAPS the fitted KS decides, as before: the histogram of a few dozen
  // gaps is itself a coarse sample, and weighed as drawn, BurstGPT's GPT-4 conversation client
  // (91 gaps, a Weibull fitted at KS 0.112, drawn at its CV 1.73 beyond the 5 % bar of 0.143)
  // kept its histogram and its slice's IAT CV came out 0.136 off the log's in the median of 8
  // seeds, against 0.089 from the family.
  const rejected = (gaps >= EMPIRICAL_LEVEL_GAPS ? drawnKs : best.ks) > Math.max(options.empiricalAboveKs ?? 0.05, gaps >= EMPIRICAL_LEVEL_GAPS ? 0 : 1.36 / Math.sqrt(gaps));
  if ((gaps >= EMPIRICAL_LEVEL_GAPS && !lattice) || rejected) out.empirical = empiricalGaps({ ...pooled, hist: kept, quant: new Map([[0, zeros]]) }, res);
  return { levels: out, missed };
}
