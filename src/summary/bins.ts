/**
 * Log-spaced bins shared by every summary, so summaries from different scans merge.
 * Gap bins: 200 per decade from 1 µs (bin width ≈ 1.2 %, fine enough that fits and KS on
 * bins differ from exact ones by well under 0.005). Length bins: exact below 4 096, then 64
 * per decade (≈ 3.7 % wide) as integer ranges.
 */
export const GAP_BINS_PER_DECADE = 200;
export const GAP_MIN = 1e-6;

/** Bin index of a positive gap (seconds). */
export function gapBin(g: number): number {
  return Math.floor(Math.log10(g / GAP_MIN) * GAP_BINS_PER_DECADE);
}

/**
 * gapBin by a table, exactly: the same bin for every double, for about half the time of
 * Math.log10. A gap's top bits — its exponent and first CELL_BITS mantissa bits — pick a cell;
 * a cell spans under a quarter of a bin, so at most one bin edge falls in it, found by gapBin
 * itself (a binary search over the cell's doubles) the first time a gap falls in the cell.
 * Gaps within 2⁻⁴⁰ of an edge (4 000 ulps, where a log10 off by an ulp or two could disagree
 * with the search) and gaps outside the table (below 2⁻¹⁷ s, from 2³⁰ s, negative, NaN) go
 * to gapBin.
 */
export function gapBinFast(g: number): number {
  F64[0] = g;
  const cell = (U32[HI] >>> (20 - CELL_BITS)) - CELL0;
  if (cell >= 0 && cell < CELLS) {
    if (g < EDGES[2 * cell]) return BASE[cell];
    if (g >= EDGES[2 * cell + 1]) return BASE[cell] + 1;
    if (Number.isNaN(EDGES[2 * cell])) {
      fillCell(cell);
      return gapBinFast(g);
    }
  }
  return gapBin(g);
}

/** Mantissa bits per cell (256 cells per octave; an octave is 60.2 bins). */
const CELL_BITS = 8;
/** Exponents covered: 2⁻¹⁷ (≈ 8 µs) to 2³⁰ s (34 years). */
const CELL0 = (1023 - 17) << CELL_BITS;
const CELLS = 47 << CELL_BITS;
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
/** Index of the high (sign, exponent) word in U32. */
const HI = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1 ? 1 : 0;
/** Per cell: the bin below its edge. */
const BASE = new Int32Array(CELLS);
/** Per cell: [lo, hi) around its edge where gapBin decides (both +∞: no edge; NaN: not yet filled). */
const EDGES = new Float64Array(2 * CELLS).fill(NaN);

/** The double `off` (< 2⁴⁴) past the start of the cell whose high word starts at `top`. */
function cellDouble(top: number, off: number): number {
  U32[HI] = top + Math.floor(off / 2 ** 32);
  U32[1 - HI] = off % 2 ** 32;
  return F64[0];
}

function fillCell(cell: number): void {
  const top = (cell + CELL0) << (20 - CELL_BITS);
  const SPAN = 2 ** (52 - CELL_BITS);
  const b = gapBin(cellDouble(top, 0));
  const last = gapBin(cellDouble(top, SPAN - 1));
  BASE[cell] = b;
  if (last === b) {
    EDGES[2 * cell] = EDGES[2 * cell + 1] = Infinity;
    return;
  }
  if (last !== b + 1) {
    // Not one edge (never, at this cell size): gapBin for the whole cell.
    EDGES[2 * cell] = -Infinity;
    EDGES[2 * cell + 1] = Infinity;
    return;
  }
  // The first double of the next bin.
  let lo = 0;
  let hi = SPAN - 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (gapBin(cellDouble(top, mid)) > b) hi = mid;
    else lo = mid + 1;
  }
  const edge = cellDouble(top, lo);
  EDGES[2 * cell] = edge * (1 - 2 ** -40);
  EDGES[2 * cell + 1] = edge * (1 + 2 ** -40);
}

/** [lo, hi) edges of a gap bin. */
export function gapBinEdges(b: number): [number, number] {
  return [GAP_MIN * Math.pow(10, b / GAP_BINS_PER_DECADE), GAP_MIN * Math.pow(10, (b + 1) / GAP_BINS_PER_DECADE)];
}

export const LENGTH_EXACT_BELOW = 4096;
const LENGTH_BINS_PER_DECADE = 64;

/** Key of a length value: the value itself when exact, else −(1 + log-bin index). */
export function lengthKey(v: number): number {
  if (v < LENGTH_EXACT_BELOW) return v;
  return -1 - Math.floor(Math.log10(v / LENGTH_EXACT_BELOW) * LENGTH_BINS_PER_DECADE);
}

/** Inclusive integer range [lo, hi] of a negative length key. */
export function lengthBinRange(key: number): [number, number] {
  const b = -1 - key;
  const lo = Math.ceil(LENGTH_EXACT_BELOW * Math.pow(10, b / LENGTH_BINS_PER_DECADE));
  const hi = Math.ceil(LENGTH_EXACT_BELOW * Math.pow(10, (b + 1) / LENGTH_BINS_PER_DECADE)) - 1;
  return [lo, Math.max(lo, hi)];
}

/** Coarse bin for the joint input/output histogram: exact below 16, then 16 per decade. */
export function jointBin(v: number): number {
  if (v < JOINT_TABLE.length) return JOINT_TABLE[v];
  return 16 + Math.floor(Math.log10(v / 16) * 16);
}

/** Joint keys pack two bins: input · JOINT_STRIDE + output (bins stay below 200 for any int32). */
export const JOINT_STRIDE = 1024;

// Bins of small values, precomputed: most lengths are below 65 536 and log10 per row is slow.
const JOINT_TABLE = Uint16Array.from({ length: 65536 }, (_, v) => (v < 16 ? v : 16 + Math.floor(Math.log10(v / 16) * 16)));
