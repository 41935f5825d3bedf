/**
 * Special functions used by the distributions. Thin typed wrappers over @stdlib
 * (accurate to ~1e-14 against mpmath), so the rest of the code never imports
 * @stdlib directly — except the incomplete gamma at shapes above LARGE_SHAPE, where
 * @stdlib's is off by up to 10⁻² (gamma-large.ts).
 */
import stdGammainc from '@stdlib/math-base-special-gammainc';
import stdGammaincinv from '@stdlib/math-base-special-gammaincinv';
import stdGammaln from '@stdlib/math-base-special-gammaln';
import stdErfc from '@stdlib/math-base-special-erfc';
import stdErfcinv from '@stdlib/math-base-special-erfcinv';
import { LARGE_SHAPE, gammaLargeInverse, gammaLargePQ } from './gamma-large.js';

/** Regularized lower incomplete gamma P(a, x). */
export function gammaP(a: number, x: number): number {
  if (a > LARGE_SHAPE && x === x) return gammaLargePQ(a, x)[0];
  return stdGammainc(x, a, true, false);
}

/** Regularized upper incomplete gamma Q(a, x) = 1 − P(a, x), accurate in the right tail. */
export function gammaQ(a: number, x: number): number {
  if (a > LARGE_SHAPE && x === x) return gammaLargePQ(a, x)[1];
  return stdGammainc(x, a, true, true);
}

/** Inverse of P(a, ·): the x with P(a, x) = p. */
export function gammaPInv(a: number, p: number): number {
  const x = stdGammaincinv(p, a, false);
  return a > LARGE_SHAPE && p > 0 && p < 1 ? gammaLargeInverse(a, p, false, x) : x;
}

/** Inverse of Q(a, ·): the x with Q(a, x) = q (accurate for small q). */
export function gammaQInv(a: number, q: number): number {
  const x = stdGammaincinv(q, a, true);
  return a > LARGE_SHAPE && q > 0 && q < 1 ? gammaLargeInverse(a, q, true, x) : x;
}

/** Natural log of the gamma function. */
export function lnGamma(x: number): number {
  return stdGammaln(x);
}

/** Complementary error function. */
export function erfc(x: number): number {
  return stdErfc(x);
}

/** Inverse complementary error function. */
export function erfcInv(x: number): number {
  return stdErfcinv(x);
}
