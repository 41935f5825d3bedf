/**
 * Special functions used by the distributions. Thin typed wrappers over @stdlib
 * (accurate to ~1e-14 against mpmath), so the rest of the code never imports
 * @stdlib directly.
 */
import stdGammainc from '@stdlib/math-base-special-gammainc';
import stdGammaincinv from '@stdlib/math-base-special-gammaincinv';
import stdGammaln from '@stdlib/math-base-special-gammaln';
import stdErfc from '@stdlib/math-base-special-erfc';
import stdErfcinv from '@stdlib/math-base-special-erfcinv';

/** Regularized lower incomplete gamma P(a, x). */
export function gammaP(a: number, x: number): number {
  return stdGammainc(x, a, true, false);
}

/** Regularized upper incomplete gamma Q(a, x) = 1 − P(a, x), accurate in the right tail. */
export function gammaQ(a: number, x: number): number {
  return stdGammainc(x, a, true, true);
}

/** Inverse of P(a, ·): the x with P(a, x) = p. */
export function gammaPInv(a: number, p: number): number {
  return stdGammaincinv(p, a, false);
}

/** Inverse of Q(a, ·): the x with Q(a, x) = q (accurate for small q). */
export function gammaQInv(a: number, q: number): number {
  return stdGammaincinv(q, a, true);
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
