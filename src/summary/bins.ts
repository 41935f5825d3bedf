/**
 * Log-spaced bins shared by every summary, so summaries from different scans merge.
 * Gap bins: 200 per decade from 1 µs (bin width ≈ 1.2 %, fine enough that fits and KS on
 * bins differ from exact ones by well under 0.005). Length bins: exact below 4 096, then 64
 * per decade (≈ 3.7 % wide) as integer ranges.
 */
import { log10, pow } from '../stats/det-math.js';

export const GAP_BINS_PER_DECADE = 200;
export const GAP_MIN = 1e-6;

/** Bin index of a positive gap (seconds): the definition, one log10 per gap. */
export function gapBinByLog(g: number): number {
  return Math.floor(log10(g / GAP_MIN) * GAP_BINS_PER_DECADE);
}

/*
 * gapBin by table, equal to gapBinByLog for every double (tested: test/summary/gap-bin-table.test.ts).
 * The scan bins every gap, and the log10 was ~10 % of the counting. A gap's float64 exponent and
 * top SUB_BITS mantissa bits pick a sub-bucket of 2^(1/256) in ratio, which spans 0.235 bins: it
 * holds at most one bin edge, so a gap's bin is the sub-bucket's first bin, plus one from the
 * edge on. Each octave's 256 sub-buckets are filled on first use from gapBinByLog itself (its
 * bin at the sub-bucket's smallest double, and the edge found by bisection over doubles).
 * Octaves outside [2^OCT_LO, 2^OCT_HI) take the definition.
 */
const SUB_BITS = 8;
const SUBS = 1 << SUB_BITS;
const OCT_LO = -24; // 6e-8 s: below the 1 µs floor of any clock
const OCT_HI = 40; // 35 000 years
const EXP_BIAS = 1023;
const subBin = new Int32Array((OCT_HI - OCT_LO) * SUBS);
const subEdge = new Float64Array((OCT_HI - OCT_LO) * SUBS);
const octaveFilled = new Uint8Array(OCT_HI - OCT_LO);
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// The high word's index: little-endian on every platform Node runs on, checked here.
const HIGH = (f64[0] = 1, u32[1] === 0x3ff00000 ? 1 : 0);

/** The smallest double of sub-bucket s of octave e (2^e · (1 + s / SUBS), exact). */
function subStart(e: number, s: number): number {
  return 2 ** e * (1 + s / SUBS);
}

function fillOctave(o: number): void {
  const e = o + OCT_LO;
  for (let s = 0; s < SUBS; s++) {
    const lo0 = subStart(e, s);
    const end = s + 1 < SUBS ? subStart(e, s + 1) : 2 ** (e + 1);
    const b = gapBinByLog(lo0);
    const at = o * SUBS + s;
    subBin[at] = b;
    // The largest double of the sub-bucket: just below `end` (a power-of-two-scaled 1 + k/256).
    let hi = end - 2 ** (e - 52);
    if (gapBinByLog(hi) === b) {
      subEdge[at] = Infinity;
      continue;
    }
    // Bisection: gapBinByLog(lo) === b, gapBinByLog(hi) > b, down to adjacent doubles.
    let lo = lo0;
    for (;;) {
      const mid = lo + (hi - lo) / 2;
      if (mid === lo || mid === hi) break;
      if (gapBinByLog(mid) === b) lo = mid;
      else hi = mid;
    }
    subEdge[at] = hi;
  }
  octaveFilled[o] = 1;
}

/** Bin index of a positive gap (seconds): floor(log10(g / GAP_MIN) · GAP_BINS_PER_DECADE), as gapBinByLog. */
export function gapBin(g: number): number {
  f64[0] = g;
  const word = u32[HIGH];
  const o = (word >>> 20) - EXP_BIAS - OCT_LO; // the sign bit makes negatives (and NaN with it) out of range
  if (o < 0 || o >= OCT_HI - OCT_LO) return gapBinByLog(g);
  if (octaveFilled[o] === 0) fillOctave(o);
  const at = o * SUBS + ((word >>> (20 - SUB_BITS)) & (SUBS - 1));
  return g >= subEdge[at] ? subBin[at] + 1 : subBin[at];
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
