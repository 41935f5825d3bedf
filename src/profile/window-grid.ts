import type { Profile } from './schema.js';

/**
 * Where the profile's arrival windows start: the listed windows' grid point at or before
 * span.start. That is span.start itself, unless a listed window starts before it (fit
 * since the thirty-seventh session: span.start is the first request's whole second,
 * profileSpanStart, and the window it starts inside is listed), where it is that window's start.
 * `generate` cuts its slots on this grid, so the run's first slot covers the first window from
 * span.start, and repeats the profile from it. A profile whose windows all start at or after
 * span.start keeps span.start even when they are off its multiples of W (a hand edit, another
 * tool's profile): moved to their grid point before span.start, where no window is listed, the
 * repeats drew that whole empty window (found by review, h-97: windows at 100 and 700 s of a span
 * from 0 at 600 s windows were drawn with a 600 s hole in every repeat, 26 % fewer requests over
 * two spans; before the thirty-seventh session they were drawn from 0, as now again).
 * (A profile without windows: span.start.)
 */
export function windowGrid(profile: Profile): number {
  const W = profile.windows.arrival_seconds;
  const s = profile.span.start;
  // Any listed window tells the grid: fit writes every window at a multiple of W.
  const w = profile.clients.find((c) => c.arrivals.length > 0)?.arrivals[0];
  if (w === undefined) return s;
  const g = w.start + Math.floor((s - w.start) / W + 1e-9) * W;
  if (Math.abs(s - g) <= 1e-9 * Math.max(1, Math.abs(s))) return s;
  // Some client's first window starts before span.start (the window the span starts inside).
  const tol = 1e-9 * Math.max(1, Math.abs(s));
  for (const c of profile.clients) if (c.arrivals.length > 0 && c.arrivals[0].start < s - tol) return g;
  return s;
}

/** Least share of an arrival window inside the span for the window to set a peak (countsForPeak). */
export const PEAK_MIN_SHARE = 0.1;

/**
 * Whether the arrival window starting at `start` may set the profile's peak (`generate --rate
 * peak:R`, `inspect`'s peak window): not when the span cuts it to under a tenth of it. Such a
 * window is rated over its part inside the span (the first from span.start, the last to
 * span.end), seconds too few to be a window's busiest: a log starting 1 s before a window
 * boundary with a burst of 12 requests read 12 req/s there, and peak:1 drew 306 requests for
 * ~6 830 (found by review of the span-start rule, h-97; the last window did so before). The
 * validate chart's rate points take the same tenth (ratePoints: such a window is rated with the
 * one next to it).
 */
export function countsForPeak(profile: Profile, start: number): boolean {
  const W = profile.windows.arrival_seconds;
  const inside = Math.min(start + W, profile.span.end) - Math.max(start, profile.span.start);
  return inside >= PEAK_MIN_SHARE * W;
}
