/**
 * Log-spaced bins shared by every summary, so summaries from different scans merge.
 * Gap bins: 200 per decade from 1 µs (bin width ≈ 1.2 %, fine enough that fits and KS on
 * bins differ from exact ones by well under 0.005). Length bins: exact below 4 096, then 64
 * per decade (≈ 3.7 % wide) as integer ranges.
 */
import { log10, pow } from '../stats/det-math.js';

export const GAP_BINS_PER_DECADE = 200;
export const GAP_MIN = 1e-6;

/** Bin index of a positive gap (seconds). */
export function gapBin(g: number): number {
  return Math.floor(log10(g / GAP_MIN) * GAP_BINS_PER_DECADE);
}

/** [lo, hi) edges of a gap bin. */
export function gapBinEdges(b: number): [number, number] {
  return [GAP_MIN * pow(10, b / GAP_BINS_PER_DECADE), GAP_MIN * pow(10, (b + 1) / GAP_BINS_PER_DECADE)];
}

export const LENGTH_EXACT_BELOW = 4096;
const LENGTH_BINS_PER_DECADE = 64;

/** Key of a length value: the value itself when exact, else −(1 + log-bin index). */
export function lengthKey(v: number): number {
  if (v < LENGTH_EXACT_BELOW) return v;
  return -1 - Math.floor(log10(v / LENGTH_EXACT_BELOW) * LENGTH_BINS_PER_DECADE);
}

/** Inclusive integer range [lo, hi] of a negative length key. */
export function lengthBinRange(key: number): [number, number] {
  const b = -1 - key;
  const lo = Math.ceil(LENGTH_EXACT_BELOW * pow(10, b / LENGTH_BINS_PER_DECADE));
  const hi = Math.ceil(LENGTH_EXACT_BELOW * pow(10, (b + 1) / LENGTH_BINS_PER_DECADE)) - 1;
  return [lo, Math.max(lo, hi)];
}

/** Coarse bin for the joint input/output histogram: exact below 16, then 16 per decade. */
export function jointBin(v: number): number {
  if (v < JOINT_TABLE.length) return JOINT_TABLE[v];
  return 16 + Math.floor(log10(v / 16) * 16);
}

/** Joint keys pack two bins: input · JOINT_STRIDE + output (bins stay below 200 for any int32). */
export const JOINT_STRIDE = 1024;

// Bins of small values, precomputed: most lengths are below 65 536 and log10 per row is slow.
const JOINT_TABLE = Uint16Array.from({ length: 65536 }, (_, v) => (v < 16 ? v : 16 + Math.floor(log10(v / 16) * 16)));
