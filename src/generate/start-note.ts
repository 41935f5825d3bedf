import type { Profile } from '../profile/schema.js';
import { windowGrid } from '../profile/window-grid.js';
import { repeatPlan } from './compose.js';
import { OPTION_NAMES, type OptionNames } from './errors.js';

/**
 * A note for a run's `start` before a profile's span that does not start at 0 (a log of
 * relative times, as BurstGPT's, from 19 440 110 s): taken modulo the span's period, the
 * default start 0 began somewhere inside the profile, 6000 s into BurstGPT's, without a word
 * (found by a new user's walkthrough). Undefined for a span from 0 (every absolute or
 * anonymized profile). `servegen generate` prints it (naming `--start`: `names` GENERATE_FLAGS);
 * a library run gets nothing printed, and calls this (naming `start`) as it calls
 * repeatShiftNote and shortSpanNote (moved here from the CLI, h-102: the library had no way to
 * learn it).
 * @example startNote(burstgpt, 0) // "note: start 0 is before the profile's span (19440110 … 19481563 s: …), …; start 19440110 starts at its beginning"
 */
export function startNote(profile: Profile, start: number, names: Pick<OptionNames, 'start'> = OPTION_NAMES): string | undefined {
  const s0 = profile.span.start;
  if (!(s0 > 0) || start >= s0) return undefined;
  const W = profile.windows.arrival_seconds;
  const period = repeatPlan(profile).windows * W;
  // The profile repeats from its first window's start, which is before span.start when the log
  // started inside that window (fit's profileSpanStart).
  const grid = windowGrid(profile);
  const into = (((start - grid) % period) + period) % period;
  // A profile with an absolute origin starts after it too: summaries made with an --origin
  // before the first request (a midnight), or windows shorter than a second (the span starts on
  // the window at or before the first request, 0.6 s at --window 0.1). The note said "its log's
  // times were relative" of those as well (found by a new user's walkthrough, h-77), and printed
  // the window grid's float noise (0.6000000000000001).
  const why = profile.span.origin === null ? "its log's times were relative, and did not start at 0" : `it starts ${short(s0)} s after its origin, ${profile.span.origin}`;
  const flag = names.start;
  if (start >= grid) {
    return `note: ${flag} ${start} is ${short(s0 - start)} s before the profile's span (${short(s0)} … ${short(profile.span.end)} s: ${why}), inside its first ${short(W)} s window (from ${short(grid)} s), which the run draws from there at the rate its log had in it from ${short(s0)} s; ${flag} ${short(s0)} starts where the log's first request was`;
  }
  const from = grid < s0 ? ` from ${short(grid)} s (its first window's start)` : '';
  return `note: ${flag} ${start} is before the profile's span (${short(s0)} … ${short(profile.span.end)} s: ${why}), which repeats every ${short(period)} s${from}, so the run starts ${short(into)} s into it; ${flag} ${short(s0)} starts at its beginning`;
}

/** A time in seconds without the float noise of a window grid (6 × 0.1 = 0.6000000000000001). */
function short(seconds: number): number {
  return Number(seconds.toPrecision(12));
}
