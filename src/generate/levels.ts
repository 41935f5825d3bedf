import type { ArrivalWindow, Profile, ProfileClient } from '../profile/schema.js';

/** A sparse client's rate levels (profile `clients[].levels`, fitted by src/fit/levels.ts). */
export type Levels = NonNullable<ProfileClient['levels']>;

/** The window `generate` draws a level client's gaps from: its levels' shape (the rate is set per slot). */
export function levelsWindow(levels: Levels): ArrivalWindow {
  const w: ArrivalWindow = { start: 0, rate: 1, cv: levels.cv, model: levels.model };
  if (levels.empirical) w.empirical = levels.empirical;
  return w;
}

/** The level at profile time t (a window start): the rate of the last segment starting at or before it; 0 before the first. */
export function levelAt(levels: Levels, t: number): number {
  const { starts, rates } = levels;
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] <= t + 1e-9 * Math.max(1, Math.abs(t))) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? 0 : rates[lo - 1];
}

/** The level clients' shared rhythm at profile time t (a window start): the profile's `level_shape` factor there, 1 without one. */
export function rhythmAt(shape: Profile['level_shape'], t: number): number {
  if (!shape) return 1;
  return levelAt({ starts: shape.starts, rates: shape.factors } as Levels, t);
}
