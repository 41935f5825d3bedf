/**
 * Cheap checks that a trace's time axis looks right, reported by ingest as warnings (the rows
 * are kept as they are): a few rows far away from all the others (a wrong clock, a default
 * date, a value in another unit), and, with `timestamp.unit: auto`, numbers of mixed
 * magnitudes (the unit is judged from the largest value).
 */

/** Outliers are at most this share of the rows (and at least one row may be one)… */
export const OUTLIER_MAX_SHARE = 0.01;
/** …separated from the others by an empty gap more than this many times the others' span. */
export const OUTLIER_GAP_FACTOR = 4;
/**
 * Fewer rows are not checked: the others' span must rest on at least 10 rows. With 3 rows 1 s
 * apart, "1 row lies 1 s before and 1 row 1 s after the other 1 rows, which span 0 s" was a
 * warning (found by review); with 10 Poisson rows left, one more gap beyond 4× their span
 * has odds 5⁻⁹.
 */
export const OUTLIER_MIN_ROWS = 12;

export interface TimeOutliers {
  /** Rows before the others, and the empty gap between them and the others, in seconds. */
  before: number;
  gapBefore: number;
  /** Rows after the others, and the gap before them, in seconds. */
  after: number;
  gapAfter: number;
  /** First and last timestamp of the others. */
  coreStart: number;
  coreEnd: number;
  /** First and last timestamp of all rows. */
  first: number;
  last: number;
}

/**
 * Rows lying far outside where the rest are: at each end at most 1 % of the rows (at least 1)
 * separated from the others by an empty gap more than 4 times the others' span; none in fewer
 * than OUTLIER_MIN_ROWS rows. Reads only
 * the first and last 1 % of the gaps and two order statistics: O(n / 100).
 * @param t timestamps sorted ascending.
 */
export function findTimeOutliers(t: ArrayLike<number>): TimeOutliers | null {
  const n = t.length;
  if (n < OUTLIER_MIN_ROWS) return null;
  const m = Math.min(Math.max(1, Math.floor(n * OUTLIER_MAX_SHARE)), Math.floor((n - 1) / 2));
  // The middle rows' span does not depend on up to m outliers at either end.
  const middle = t[n - 1 - m] - t[m];
  let lo = 0;
  for (let k = m; k >= 1; k--) {
    if (t[k] - t[k - 1] > OUTLIER_GAP_FACTOR * middle) {
      lo = k;
      break;
    }
  }
  let hi = n;
  for (let k = n - m; k <= n - 1; k++) {
    if (t[k] - t[k - 1] > OUTLIER_GAP_FACTOR * middle) {
      hi = k;
      break;
    }
  }
  // Held against the span of all the rows kept: a side that fails is kept, and the other
  // side checked again against the wider span.
  for (let round = 0; round < 2; round++) {
    const core = t[hi - 1] - t[lo];
    if (lo > 0 && !(t[lo] - t[lo - 1] > OUTLIER_GAP_FACTOR * core)) lo = 0;
    const core2 = t[hi - 1] - t[lo];
    if (hi < n && !(t[hi] - t[hi - 1] > OUTLIER_GAP_FACTOR * core2)) hi = n;
  }
  if (lo === 0 && hi === n) return null;
  return {
    before: lo,
    gapBefore: lo > 0 ? t[lo] - t[lo - 1] : 0,
    after: n - hi,
    gapAfter: hi < n ? t[hi] - t[hi - 1] : 0,
    coreStart: t[lo],
    coreEnd: t[hi - 1],
    first: t[0],
    last: t[n - 1],
  };
}

/** A duration in seconds for people: 0.35 s, 12.0 min, 5.0 h, 3.2 days, 53.9 years. */
export function humanSpan(seconds: number): string {
  const s = Math.abs(seconds);
  if (s < 60) return `${Number(seconds.toPrecision(3))} s`;
  if (s < 3600) return `${(seconds / 60).toFixed(1)} min`;
  if (s < 86400 * 2) return `${(seconds / 3600).toFixed(1)} h`;
  if (s < 86400 * 730) return `${(seconds / 86400).toFixed(1)} days`;
  return `${(seconds / (365.25 * 86400)).toFixed(1)} years`;
}

function rowsWord(k: number): string {
  return k === 1 ? '1 row' : `${k} rows`;
}

function pct(k: number, n: number): string {
  const p = (100 * k) / n;
  return `${p < 0.01 ? p.toPrecision(1) : p.toFixed(2)} %`;
}

/** The time of `t` seconds on the trace's axis: ISO when the trace has an origin, else seconds. */
function at(t: number, origin: string | null): string {
  if (origin !== null) {
    const ms = Date.parse(origin) + t * 1000;
    if (Number.isFinite(ms) && Math.abs(ms) <= 8.64e15) return new Date(ms).toISOString().replace('.000Z', 'Z');
  }
  return `${Number(t.toPrecision(10))} s`;
}

/**
 * The other cause of a far-off time in a log written when each request ends: each time is the
 * timestamp less the duration, so a duration far off (or in another unit than duration_unit)
 * moves it; the warnings named only the clock and the timestamp's unit (found by review: one
 * duration of 390 years gave "a wrong clock or unit?" for timestamps that were right).
 */
const ENDS_CAUSE = ', or a duration far off (with "marks": "end" each time is the timestamp − the duration: check timestamp.duration_unit and the longest durations)';

/** One warning line (without the `warning:` prefix) for outliers found by findTimeOutliers. */
export function outlierWarning(o: TimeOutliers, n: number, origin: string | null, endTimes = false): string {
  const parts: string[] = [];
  const others = n - o.before - o.after;
  if (o.before > 0) parts.push(`${rowsWord(o.before)} (${pct(o.before, n)}, ${o.before === 1 ? 'at' : 'from'} ${at(o.first, origin)}) ${o.before === 1 ? 'lies' : 'lie'} ${humanSpan(o.gapBefore)} before`);
  if (o.after > 0) parts.push(`${rowsWord(o.after)} (${pct(o.after, n)}, ${o.after === 1 ? 'at' : 'up to'} ${at(o.last, origin)}) ${o.after === 1 ? 'lies' : 'lie'} ${humanSpan(o.gapAfter)} after`);
  return `timestamps: ${parts.join(' and ')} the other ${others} rows, which span ${humanSpan(o.coreEnd - o.coreStart)} from ${at(o.coreStart, origin)}. A wrong clock or unit${endTimes ? ENDS_CAUSE : ''}? Rows are kept as read: the trace, and a profile fitted to it, span the gap`;
}

/** Years a request log can plausibly be from: the bulk of a log outside them was read in another unit. */
export const PLAUSIBLE_YEARS = [1990, 2100] as const;

/**
 * A warning (without `warning:`) when the bulk of a log with absolute times — all rows but up to
 * 1 % at either end, the rows findTimeOutliers may set apart — lies outside PLAUSIBLE_YEARS, or
 * null. Epoch milliseconds read with `unit: s` gave a trace from the year 55840, exit 0, without
 * a word (found by a new user's walkthrough); a default date (1900-01-01) is no log's either.
 * Reads two order statistics of the sorted times, as findTimeOutliers; none in fewer than
 * OUTLIER_MIN_ROWS rows.
 * @param t timestamps sorted ascending, seconds from `origin`.
 */
export function implausibleDatesWarning(t: ArrayLike<number>, origin: string | null, endTimes = false): string | null {
  const n = t.length;
  if (origin === null || n < OUTLIER_MIN_ROWS) return null;
  const base = Date.parse(origin);
  if (!Number.isFinite(base)) return null;
  const m = Math.min(Math.max(1, Math.floor(n * OUTLIER_MAX_SHARE)), Math.floor((n - 1) / 2));
  const year = (x: number) => new Date(base + x * 1000).getUTCFullYear();
  const [lo, hi] = PLAUSIBLE_YEARS;
  const inside = (y: number) => y >= lo && y < hi;
  if (inside(year(t[m])) || inside(year(t[n - 1 - m]))) return null;
  return `timestamps: the bulk of the rows lies from ${at(t[m], origin)} to ${at(t[n - 1 - m], origin)}, outside the years ${lo}–${hi} of any log: a wrong unit (epoch milliseconds read as seconds, or microseconds as milliseconds, land near the year 55000: set the mapping's "timestamp": {"unit": …}) or a wrong clock${endTimes ? ENDS_CAUSE : ''}? Rows are kept as read`;
}

/**
 * Whether implausibleDatesWarning could fire on a scan's rows, from its windows' first and last
 * times (seconds from `origin`) alone: true when the earliest or the latest row lies outside
 * PLAUSIBLE_YEARS. Sound: the warning needs t[m] and t[n − 1 − m] outside, so the earliest
 * (below) or the latest (above) is too. For the one-pass DuckDB scan, which keeps no rows.
 */
export function windowsMayHaveImplausibleDates(windows: readonly { n: number; first: number; last: number }[], origin: string | null): boolean {
  const base = origin === null ? NaN : Date.parse(origin);
  if (!Number.isFinite(base)) return false;
  let first = Infinity;
  let last = -Infinity;
  for (const w of windows) {
    if (!(w.n > 0)) continue;
    if (w.first < first) first = w.first;
    if (w.last > last) last = w.last;
  }
  if (!(first <= last)) return false;
  const [lo, hi] = PLAUSIBLE_YEARS;
  const outside = (x: number) => {
    const y = new Date(base + x * 1000).getUTCFullYear();
    return !(y >= lo && y < hi);
  };
  return outside(first) || outside(last);
}

/**
 * The time-axis warnings of sorted timestamps, as one line (the DuckDB engine carries one per
 * scan): far-out rows (findTimeOutliers) and an implausible era (implausibleDatesWarning).
 */
export function timeAxisWarning(t: ArrayLike<number>, origin: string | null, endTimes = false): string | undefined {
  const o = findTimeOutliers(t);
  // (the end-time cause said once, in the first of the two)
  const parts = [o ? outlierWarning(o, t.length, origin, endTimes) : null, implausibleDatesWarning(t, origin, endTimes && !o)].filter((w): w is string => w !== null);
  return parts.length === 0 ? undefined : parts.join('; ');
}

/** Magnitude classes of numeric timestamps (detectNumericUnit's thresholds), largest first. */
const CLASSES = [
  { min: 1e17, name: 'epoch nanoseconds' },
  { min: 1e14, name: 'epoch microseconds' },
  { min: 1e11, name: 'epoch milliseconds' },
  { min: 1e8, name: 'epoch seconds' },
  { min: 0, name: 'relative seconds (below 1e8)' },
] as const;

/** Counts of raw numeric timestamps per magnitude class (CLASSES order). O(n), no allocation per row. */
export function magnitudeCounts(raw: ArrayLike<number>, n = raw.length): number[] {
  const c = [0, 0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const v = raw[i];
    const a = v < 0 ? -v : v;
    c[a >= 1e11 ? (a >= 1e17 ? 0 : a >= 1e14 ? 1 : 2) : a >= 1e8 ? 3 : 4]++;
  }
  return c;
}

/**
 * With `unit: auto`, a warning line (without `warning:`) when some values' magnitude disagrees
 * with the unit chosen from the largest one; null when all agree.
 */
export function mixedUnitWarning(counts: number[], chosen: string): string | null {
  const n = counts.reduce((a, b) => a + b, 0);
  // The chosen class is the largest one present (the unit is judged from the largest value).
  const top = counts.findIndex((c) => c > 0);
  if (top < 0 || n === counts[top]) return null;
  const disagree = n - counts[top];
  const kinds = counts
    .map((c, i) => ({ c, i }))
    .filter(({ c, i }) => i !== top && c > 0)
    .map(({ c, i }) => `${c} look like ${CLASSES[i].name}`)
    .join(', ');
  return `timestamps (unit auto): ${disagree} of ${n} values (${pct(disagree, n)}) disagree with the unit chosen from the largest, ${CLASSES[top].name} (read as ${chosen}): ${kinds}. Mixed units? Set "timestamp": {"unit": …} in the mapping`;
}

/**
 * Whether rows summarized into arrival windows could hold time outliers (findTimeOutliers on
 * their sorted times could find some), from each window's row count and exact first and last
 * times alone — for a scan that keeps no rows. False means certainly none; true means the
 * rows must be looked at (rare: only a gap wider than the windows can qualify once the
 * trace spans more than about a quarter of a window).
 *
 * Why it is sound: the windows are grouped by slot (⌊first / W⌋, as the scan assigns them);
 * every row of a slot lies in [slot·W, slot·W + W), so a gap between consecutive rows inside a
 * slot is shorter than a window, and a gap between slots is exactly the next slot's earliest
 * first minus the previous slot's latest last, with the rows before it counted exactly. The
 * order statistics findTimeOutliers measures the middle span with are bounded by the slots'
 * latest lasts (from below) and earliest firsts (from the top). O(windows), no sort of them.
 */
export function windowsMayHaveTimeOutliers(windows: readonly { n: number; first: number; last: number }[], windowSeconds: number): boolean {
  const W = windowSeconds;
  const bySlot = new Map<number, number>();
  const slotN: number[] = [];
  const slotFirst: number[] = [];
  const slotLast: number[] = [];
  let n = 0;
  for (const w of windows) {
    if (!(w.n > 0)) continue;
    const slot = Math.floor(w.first / W);
    let k = bySlot.get(slot);
    if (k === undefined) {
      bySlot.set(slot, (k = slotN.length));
      slotN.push(0);
      slotFirst.push(Infinity);
      slotLast.push(-Infinity);
    }
    slotN[k] += w.n;
    if (w.first < slotFirst[k]) slotFirst[k] = w.first;
    if (w.last > slotLast[k]) slotLast[k] = w.last;
    n += w.n;
  }
  if (n < OUTLIER_MIN_ROWS) return false;
  const m = Math.min(Math.max(1, Math.floor(n * OUTLIER_MAX_SHARE)), Math.floor((n - 1) / 2));
  const order = Float64Array.from(bySlot.keys()).sort();
  const at = (j: number) => bySlot.get(order[j])!;
  // t[m] ≤ the latest last of the first slots holding m + 1 rows; t[n − 1 − m] ≥ the earliest
  // first of the last slots holding m + 1 rows.
  let acc = 0;
  let tmHi = Infinity;
  for (let j = 0; j < order.length; j++) {
    acc += slotN[at(j)];
    if (acc >= m + 1) {
      tmHi = slotLast[at(j)];
      break;
    }
  }
  acc = 0;
  let tMLo = -Infinity;
  for (let j = order.length - 1; j >= 0; j--) {
    acc += slotN[at(j)];
    if (acc >= m + 1) {
      tMLo = slotFirst[at(j)];
      break;
    }
  }
  const threshold = OUTLIER_GAP_FACTOR * Math.max(0, tMLo - tmHi);
  // Gaps inside a slot (shorter than a window) could qualify: undecidable here.
  if (!(threshold >= W * (1 + 1e-9))) return true;
  // The gaps between slots, exact, with the rows before them.
  let before = slotN[at(0)];
  for (let j = 1; j < order.length; j++) {
    const gap = slotFirst[at(j)] - slotLast[at(j - 1)];
    // findTimeOutliers looks at gaps after at most m rows from either end.
    if (gap > threshold && (before <= m || n - before <= m)) return true;
    before += slotN[at(j)];
  }
  return false;
}

/**
 * Whether rows summarized into arrival windows certainly hold rows set apart as findTimeOutliers'
 * first pass sets them apart: an empty gap between two slots of windows (exact: the later
 * slot's earliest first minus the earlier's latest last), after at most m rows from either end
 * (counted exactly), wider than OUTLIER_GAP_FACTOR times an upper bound of the middle rows'
 * span (from the slots holding rows m and n − 1 − m). The converse of
 * windowsMayHaveTimeOutliers: a gap inside one window, or one that only a tighter span would
 * make wide enough, is not counted; findTimeOutliers' second look (against the kept rows' span,
 * wider when the other end has far rows too) is not taken, so rows far out at both ends count
 * here where the warning may name neither. For `fit --summaries --anonymize`, which has no rows.
 */
export function windowsHaveTimeOutliers(windows: readonly { n: number; first: number; last: number }[], windowSeconds: number): boolean {
  const slots = new Map<number, { n: number; first: number; last: number }>();
  let n = 0;
  for (const w of windows) {
    if (!(w.n > 0)) continue;
    const slot = Math.floor(w.first / windowSeconds);
    const s = slots.get(slot);
    if (!s) slots.set(slot, { n: w.n, first: w.first, last: w.last });
    else {
      s.n += w.n;
      if (w.first < s.first) s.first = w.first;
      if (w.last > s.last) s.last = w.last;
    }
    n += w.n;
  }
  if (n < OUTLIER_MIN_ROWS) return false;
  const m = Math.min(Math.max(1, Math.floor(n * OUTLIER_MAX_SHARE)), Math.floor((n - 1) / 2));
  const order = [...slots.keys()].sort((a, b) => a - b).map((k) => slots.get(k)!);
  // t[m] ≥ the first of the slot holding row m; t[n − 1 − m] ≤ the last of the slot holding row n − 1 − m.
  let acc = 0;
  let tmLo = -Infinity;
  let tMHi = Infinity;
  for (const s of order) {
    if (tmLo === -Infinity && acc + s.n > m) tmLo = s.first;
    if (acc + s.n > n - 1 - m) {
      tMHi = s.last;
      break;
    }
    acc += s.n;
  }
  const threshold = OUTLIER_GAP_FACTOR * Math.max(0, tMHi - tmLo);
  let before = order[0].n;
  for (let j = 1; j < order.length; j++) {
    if (order[j].first - order[j - 1].last > threshold && (before <= m || n - before <= m)) return true;
    before += order[j].n;
  }
  return false;
}
