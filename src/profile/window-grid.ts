import type { Profile } from './schema.js';

/**
 * Where the profile's arrival windows start: the listed windows' grid point at or before
 * span.start. That is span.start itself, unless the span starts inside its first window (fit
 * since the thirty-seventh session: span.start is the first request's whole second,
 * profileSpanStart), where it is that window's start. `generate` cuts its slots on this grid,
 * so the run's first slot covers the first window from span.start, and repeats the profile from
 * it. (A profile without windows: span.start.)
 */
export function windowGrid(profile: Profile): number {
  const W = profile.windows.arrival_seconds;
  const s = profile.span.start;
  // Any listed window tells the grid: fit writes every window at a multiple of W.
  const w = profile.clients.find((c) => c.arrivals.length > 0)?.arrivals[0];
  if (w === undefined) return s;
  const g = w.start + Math.floor((s - w.start) / W + 1e-9) * W;
  return Math.abs(s - g) <= 1e-9 * Math.max(1, Math.abs(s)) ? s : g;
}
