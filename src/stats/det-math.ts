/**
 * Deterministic replacements for the Math functions the spec leaves "implementation-
 * approximated" (exp, log, pow, sin, … — ECMA-262 §21.3.2): every engine may round them its own
 * way, and V8 has changed them. Node 20–24 (V8 11–13) use fdlibm ports, which are off by one ulp
 * on a few % of inputs; V8 15 (Deno 2.9, Chrome 150) switched exp/log/log1p/expm1/log10/sin/cos
 * to correctly rounded LLVM libc and pow to the C library's. The same fit then gave different
 * last digits under Node and Deno, enough to flip a window's family. Everything here is built
 * from +, −, ×, ÷, Math.sqrt and bit operations, which IEEE 754 and the spec fix exactly, so the
 * results are the same bits on every engine.
 *
 * exp, log, expm1 and log10 follow fdlibm, the code V8 ≤ 14 (Node 20–24) uses, operation for
 * operation, and so give Node's Math results bit for bit (checked on 10⁷ inputs; the tests
 * compare them with @stdlib's independent ports): outputs under Node did not change with them.
 * They are written out here rather than taken from @stdlib, whose versions cost 2–3× Math.*
 * (ldexp and word access through helpers) on the fitter's hot paths. log1p is @stdlib's port
 * (also Node's bits). pow, sin and cos are @stdlib's (FreeBSD msun): as accurate as V8's fdlibm
 * (within an ulp; each is the correctly rounded one in about half the cases where they differ)
 * but rounded differently on ~4 % (pow) and ~1 % (sin, cos) of inputs, so fitted Weibull
 * parameters under Node moved in their last digits. asin and hypot are our own (see each).
 * src/ calls only these, never Math.exp and the like (test/stats/det-math.test.ts checks).
 */
import stdLog1p from '@stdlib/math-base-special-log1p';
import stdPow from '@stdlib/math-base-special-pow';
import stdSin from '@stdlib/math-base-special-sin';
import stdCos from '@stdlib/math-base-special-cos';

/** ln(1 + x), accurate near 0. */
export const log1p: (x: number) => number = stdLog1p;
/** xʸ, with the spec's special cases where C's differ: pow(NaN, ±0) = 1, pow(±1, ±∞) = NaN. */
export function pow(x: number, y: number): number {
  if (y === 0) return 1;
  if ((x === 1 || x === -1) && (y === Infinity || y === -Infinity)) return NaN;
  return stdPow(x, y);
}
/** Sine (radians). */
export const sin: (x: number) => number = stdSin;
/** Cosine (radians). */
export const cos: (x: number) => number = stdCos;

const words = new Float64Array(1);
const hiLo = new Int32Array(words.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

// 2ᵏ for k in [−1021, 1023], exact (doubling is exact): exp's final scaling by a multiply.
const POW2 = new Float64Array(1023 + 1021 + 1);
POW2[1021] = 1;
for (let k = 1; k <= 1023; k++) POW2[1021 + k] = POW2[1021 + k - 1] * 2;
for (let k = 1; k <= 1021; k++) POW2[1021 - k] = POW2[1021 - k + 1] / 2;

const LN2_HI = 6.9314718036912381649e-1;
const LN2_LO = 1.90821492927058770002e-10;
const LOG2_E = 1.442695040888963387;
const TWO54 = 18014398509481984;

/**
 * eˣ: fdlibm's reduction x = k·ln 2 + r and rational approximation on r, the same operations as
 * @stdlib's port (so the same bits as it and as V8 ≤ 14), written out so TurboFan inlines it:
 * the fitter calls it millions of times. The final ·2ᵏ is a multiply by a table entry (exact
 * where the result is normal, as ldexp). exp(1) is Math.E, as in V8, where fdlibm alone is an
 * ulp above; results below 2⁻¹⁰²² are V8's (@stdlib flushes some to 0).
 */
export function exp(x: number): number {
  if (!(x > -745.1332191019411 && x <= 709.782712893384)) return x !== x ? x : x > 0 ? Infinity : 0;
  if (x > -3.725290298461914e-9 && x < 3.725290298461914e-9) return 1 + x; // |x| < 2⁻²⁸
  if (x === 1) return Math.E;
  const k = x < 0 ? Math.trunc(LOG2_E * x - 0.5) : Math.trunc(LOG2_E * x + 0.5);
  const hi = x - k * LN2_HI;
  const lo = k * LN2_LO;
  const r = hi - lo;
  const t = r * r;
  const c = r - t * (0.16666666666666602 + t * (-0.0027777777777015593 + t * (0.00006613756321437934 + t * (-0.0000016533902205465252 + t * 4.1381367970572385e-8))));
  const y = 1 - (lo - (r * c) / (2 - c) - hi);
  if (k >= -1021 && k <= 1023) return y * POW2[1021 + k];
  // fdlibm's (and V8's) scaling at the ends: ·2·2¹⁰²³ and a subnormal ·2ᵏ⁺¹⁰⁰⁰·2⁻¹⁰⁰⁰.
  return k > 0 ? y * 2 * POW2[1021 + 1023] : y * POW2[1021 + k + 1000] * POW2[1021 - 1000];
}

/**
 * Natural logarithm: fdlibm's x = 2ᵏ·(1 + f) and log(1 + f) from s = f/(2 + f), the same
 * operations as @stdlib's port (same bits as it and as V8 ≤ 14), written out for TurboFan.
 */
export function log(x: number): number {
  words[0] = x;
  let hx = hiLo[HI];
  let k = 0;
  let xs = x; // x, or a subnormal x scaled up by 2⁵⁴
  if (hx < 0x00100000) {
    // Zero, negative, NaN with the sign bit, or subnormal.
    if (x === 0) return -Infinity;
    if (!(x > 0)) return NaN;
    k = -54;
    xs = x * TWO54;
    words[0] = xs;
    hx = hiLo[HI];
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i = (hx + 0x95f64) & 0x100000;
  k += i >> 20;
  // x·2⁻ᵏ, in [√2/2, √2): a multiply where 2⁻ᵏ is in the table (exact, and far faster in V8
  // than rewriting the exponent bits through the typed array), else the exponent bits.
  let f: number;
  if (k > -1000 && k < 1000) f = x * POW2[1021 - k] - 1;
  else {
    words[0] = xs;
    hiLo[HI] = hx | (i ^ 0x3ff00000);
    f = words[0] - 1;
  }
  if ((0x000fffff & (2 + hx)) < 3) {
    // −2⁻²⁰ ≤ f < 2⁻²⁰
    if (f === 0) return k === 0 ? 0 : k * LN2_HI + k * LN2_LO;
    const R = f * f * (0.5 - 0.33333333333333333 * f);
    return k === 0 ? f - R : k * LN2_HI - (R - k * LN2_LO - f);
  }
  const s = f / (2 + f);
  const z = s * s;
  let j = hx - 0x6147a;
  const w = z * z;
  const j2 = 0x6b851 - hx;
  const t1 = w * (0.3999999999940942 + w * (0.22222198432149784 + w * 0.15313837699209373));
  const t2 = z * (0.6666666666666735 + w * (0.2857142874366239 + w * (0.1818357216161805 + w * 0.14798198605116586)));
  j |= j2;
  const R = t2 + t1;
  if (j > 0) {
    const hfsq = 0.5 * f * f;
    return k === 0 ? f - (hfsq - s * (hfsq + R)) : k * LN2_HI - (hfsq - (s * (hfsq + R) + k * LN2_LO) - f);
  }
  return k === 0 ? f - s * (f - R) : k * LN2_HI - (s * (f - R) - k * LN2_LO - f);
}
const LN2_X56 = 3.88162421113569373274e1;
const LN2_HALF = 3.46573590279972654709e-1;
const LN2_HALF_X3 = 1.03972077083991796413;
const EXP_OVERFLOW = 7.09782712893383973096e2;

/**
 * eˣ − 1, accurate near 0: fdlibm's expm1, the same operations as @stdlib's port (same bits as
 * it and as V8 ≤ 14), with the powers of two from the table (exact) for TurboFan.
 */
export function expm1(x: number): number {
  if (x !== x || x === Infinity || x === 0) return x;
  const y = Math.abs(x);
  if (y >= LN2_X56) {
    if (x < 0) return -1;
    if (y >= EXP_OVERFLOW) return Infinity;
  }
  let k: number;
  let c = 0;
  if (y > LN2_HALF) {
    let hi: number;
    let lo: number;
    if (y < LN2_HALF_X3) {
      if (x < 0) {
        hi = x + LN2_HI;
        lo = -LN2_LO;
        k = -1;
      } else {
        hi = x - LN2_HI;
        lo = LN2_LO;
        k = 1;
      }
    } else {
      k = (LOG2_E * x + (x < 0 ? -0.5 : 0.5)) | 0;
      hi = x - k * LN2_HI;
      lo = k * LN2_LO;
    }
    x = hi - lo;
    c = hi - x - lo;
  } else if (y < 5.551115123125783e-17) {
    return x; // |x| < 2⁻⁵⁴
  } else k = 0;
  const halfX = 0.5 * x;
  const z = x * halfX;
  const r1 = 1 + z * (-0.03333333333333313 + z * (0.0015873015872548146 + z * (-0.0000793650757867488 + z * (0.000004008217827329362 + z * -2.0109921818362437e-7))));
  let t = 3 - r1 * halfX;
  let e = z * ((r1 - t) / (6 - x * t));
  if (k === 0) return x - (x * e - z);
  e = x * (e - c) - c;
  e -= z;
  if (k === -1) return 0.5 * (x - e) - 0.5;
  if (k === 1) return x < -0.25 ? -2 * (e - (x + 0.5)) : 1 + 2 * (x - e);
  if (k <= -2 || k > 56) {
    const v = 1 - (e - x);
    return (k === 1024 ? v * 2 * POW2[1021 + 1023] : v * POW2[1021 + k]) - 1;
  }
  let v: number;
  if (k < 20) {
    t = 1 - POW2[1021 - k]; // 1 − 2⁻ᵏ
    v = t - (e - x);
  } else {
    t = POW2[1021 - k]; // 2⁻ᵏ
    v = x - (e + t);
    v += 1;
  }
  return v * POW2[1021 + k];
}

const LOG10_2HI = 3.01029995663611771306e-1;
const LOG10_2LO = 3.69423907715893078616e-13;
const IVLN10 = 4.34294481903251816668e-1;

/**
 * Base-10 logarithm, fdlibm's way: x = 2ᵏ·m with m in [1, 2) (or [½, 1) for k < 0), then
 * k·log10(2) in two parts plus log(m)/ln 10. Exact at powers of ten.
 */
export function log10(x: number): number {
  if (!(x > 0) || x === Infinity) return x === 0 ? -Infinity : x === Infinity ? x : NaN;
  let k = 0;
  if (x < 2.2250738585072014e-308) {
    k = -54;
    x *= 18014398509481984; // 2⁵⁴: subnormals up to normal range
  }
  words[0] = x;
  const hx = hiLo[HI];
  k += (hx >> 20) - 1023;
  const i = k < 0 ? 1 : 0;
  hiLo[HI] = (hx & 0x000fffff) | ((0x3ff - i) << 20);
  const y = k + i;
  const z = y * LOG10_2LO + IVLN10 * log(words[0]);
  return z + y * LOG10_2HI;
}

/**
 * √(a² + b²) without overflow: the larger magnitude factored out and the two squares summed with
 * Kahan's compensation, as V8 computes Math.hypot (same bits; V8's is plain arithmetic too, but
 * other engines call the C library's).
 */
export function hypot(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  if (x === Infinity || y === Infinity) return Infinity;
  if (x !== x || y !== y) return NaN;
  const max = Math.max(x, y);
  if (max === 0) return 0;
  const u = x / max;
  const v = y / max;
  // Kahan: sum = u², then add v² less the error of the first addition (0 after it: sum was 0).
  const sum = u * u;
  const summand = v * v - (sum - 0 - u * u);
  return Math.sqrt(sum + summand) * max;
}

/**
 * arcsin: |x| ≤ ½ by Newton's method on sin from the first terms of its series; beyond,
 * asin x = π/2 − 2·asin √((1 − |x|)/2). Within an ulp or two of the exact value (tested).
 */
export function asin(x: number): number {
  if (!(Math.abs(x) <= 1)) return NaN;
  const ax = Math.abs(x);
  if (ax <= 0.5) return asinSmall(x);
  const r = Math.PI / 2 - 2 * asinSmall(Math.sqrt((1 - ax) / 2));
  return x < 0 ? -r : r;
}

function asinSmall(x: number): number {
  if (x === 0) return x;
  let y = x + (x * x * x) / 6;
  for (let i = 0; i < 8; i++) {
    const next = y - (sin(y) - x) / cos(y);
    if (next === y) break;
    y = next;
  }
  return y;
}
