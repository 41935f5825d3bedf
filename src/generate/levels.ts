import type { ArrivalWindow, Profile, ProfileClient } from '../profile/schema.js';

/** A sparse client's rate levels (profile `clients[].levels`, fitted by src/fit/levels.ts). */
export type Levels = NonNullable<ProfileClient['levels']>;

/** The window `generate` draws a level client's gaps from: its levels' shape (the rate is set per slot). */
export function levelsWindow(levels: Levels): ArrivalWindow {
  const w: ArrivalWindow = { start: 0, rate: 1, cv: levels.cv, model: levels.model };
  if (levels.empirical) w.empirical = levels.empirical;
  return w;
}

/** The level at profile time t (a window start): the rate of the last segment starting at or before it; the first's before it. */
export function levelAt(levels: Levels, t: number): number {
  const { starts, rates } = levels;
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] <= t + 1e-9 * Math.max(1, Math.abs(t))) lo = mid + 1;
    else hi = mid;
  }
  // Before the first start: the first piece's (a profile's levels start at span.start, which
  // lies inside the first window when the log started there, and the window is drawn whole).
  return rates[Math.max(0, lo - 1)];
}

/**
 * The position of profile time t (a window start) in a daily cycle (profile
 * `clients[].levels.daily`): its bin (bins of `bin_seconds` from `start`, repeating every
 * bin_seconds × their count) and its cycle (0: from `start`; negative before it). A start on a
 * bin's boundary belongs to it: within 1e-9 of a bin, and within the rounding of t − start
 * (1e-15 of the times' size, ~7 ulps). The tolerance was 1e-9 of |t| in seconds before (found
 * by review): 1.7 s at epoch times, so a hand-written cycle of 0.25 s bins × 2 on an epoch
 * profile put every window start in bin 6 of 2 (factor undefined: the client drawn at rate
 * NaN, i.e. never, and inspect's peak and `--rate peak:R` at 0), and bins of 0.5 s in the
 * wrong one.
 */
export function dailyPosition(daily: { start: number; bin_seconds: number; factors: readonly number[] }, t: number): { bin: number; cycle: number } {
  const n = daily.factors.length;
  const bin = daily.bin_seconds;
  const tol = 1e-9 + (1e-15 * Math.max(1, Math.abs(t), Math.abs(daily.start))) / bin;
  const x = t - daily.start;
  const period = bin * n;
  // (A period past the doubles, hand-written: the bins before `start` are the last one's.)
  if (!Number.isFinite(period)) return x < 0 ? { bin: n - 1, cycle: -1 } : { bin: Math.min(n - 1, Math.floor(x / bin + tol)), cycle: 0 };
  // Whole cycles first, then the bin within one; r may round to a period or just past one
  // (the next cycle's first bin) or, within the tolerance, below 0.
  const cycle = Math.floor(x / period);
  const k = Math.floor((x - cycle * period) / bin + tol);
  if (k >= n) return { bin: Math.min(n - 1, k - n), cycle: cycle + 1 };
  if (k < 0) return { bin: n - 1, cycle: cycle - 1 };
  return { bin: k, cycle };
}

/** The bin of a daily cycle that profile time t (a window start) falls in (dailyPosition). */
export function dailyBin(daily: { start: number; bin_seconds: number; factors: readonly number[] }, t: number): number {
  return dailyPosition(daily, t).bin;
}

/** A level client's daily factor at profile time t (a window start); 1 without a daily cycle. */
export function dailyAt(levels: Levels, t: number): number {
  return levels.daily ? levels.daily.factors[dailyBin(levels.daily, t)] : 1;
}

/** A level client's rate at profile time t (a window start): level × the shared rhythm × its daily factor. */
export function levelRateAt(levels: Levels, shape: Profile['level_shape'], t: number): number {
  const level = levelAt(levels, t);
  return level > 0 ? level * rhythmAt(shape, t) * dailyAt(levels, t) : 0;
}

/** The level clients' shared rhythm at profile time t (a window start): the profile's `level_shape` factor there, 1 without one. */
export function rhythmAt(shape: Profile['level_shape'], t: number): number {
  if (!shape) return 1;
  return levelAt({ starts: shape.starts, rates: shape.factors } as Levels, t);
}

/** Most daily-bin boundaries dailyBoundaries lists per cycle layout (a profile's span over bins of a second is 2.6 M over 30 days). */
const MAX_DAILY_BOUNDARIES = 100_000;

/**
 * The window starts in [from, to) (windows of W seconds from `from`) where some level client's
 * daily factor may change: the first window starting at or after each bin boundary of each
 * distinct cycle layout (fitted clients share one). Up to MAX_DAILY_BOUNDARIES per layout; past
 * that the layout is left out (callers use them to estimate, not to draw).
 */
export function dailyBoundaries(clients: readonly { levels?: Levels }[], from: number, to: number, W: number): number[] {
  const layouts = new Map<string, { start: number; bin: number }>();
  for (const c of clients) {
    const d = c.levels?.daily;
    if (d) layouts.set(`${d.start}/${d.bin_seconds}`, { start: d.start, bin: d.bin_seconds });
  }
  const out: number[] = [];
  for (const { start, bin } of layouts.values()) {
    if ((to - from) / bin > MAX_DAILY_BOUNDARIES) continue;
    for (let m = Math.ceil((from - start) / bin - 1e-9); start + m * bin < to; m++) {
      const k = Math.max(0, Math.ceil((start + m * bin - from) / W - 1e-9));
      out.push(from + k * W);
    }
  }
  return out;
}
