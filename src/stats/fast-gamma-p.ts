import { lnGamma } from './special.js';
import { LARGE_SHAPE, gammaLargePQ } from './gamma-large.js';
import { exp, log } from './det-math.js';

const EPS = 1e-13;

/**
 * Regularized lower incomplete gamma P(a, ·) for one fixed shape a, returned as a closure
 * with ln Γ(a) computed once: series for x < a + 1, Lentz's continued fraction for Q
 * otherwise (Press et al., Numerical Recipes, 3rd ed., §6.2). About 5× faster than the
 * general @stdlib routine in the fitter's inner loops; agrees with it to ~1e-12 (tested).
 * The public distributions keep the @stdlib version.
 *
 * Shapes above LARGE_SHAPE go to gamma-large.ts: near x ≈ a the series and the continued
 * fraction need ever more terms, and the 1000-term caps cut them short — P(10⁵, 10⁵) came out
 * 0.4996 for 0.5004, P(10⁶, 10⁶) 0.342 for 0.500 — so the KS of a near-periodic client's Gamma
 * fit (shapes 10⁴–10⁶, the MLE's cap) was off by up to 0.2.
 */
export function gammaPFixedShape(a: number): (x: number) => number {
  if (a > LARGE_SHAPE) return (x: number): number => gammaLargePQ(a, x)[0];
  const gln = lnGamma(a);
  return (x: number): number => {
    if (!(x > 0)) return 0;
    if (x === Infinity) return 1;
    const front = exp(-x + a * log(x) - gln);
    if (x < a + 1) {
      let ap = a;
      let del = 1 / a;
      let sum = del;
      for (let n = 0; n < 1000; n++) {
        ap += 1;
        del *= x / ap;
        sum += del;
        if (Math.abs(del) < Math.abs(sum) * EPS) break;
      }
      return Math.min(1, sum * front);
    }
    // FPMIN is a local literal, not a module constant: assigning a module binding to d and c
    // made TurboFan keep them boxed, allocating a heap number per iteration (~190 bytes and
    // ~25 % of the time per call). Same value, same results.
    const FPMIN = 1e-300;
    let b = x + 1 - a;
    let c = 1 / FPMIN;
    let d = 1 / b;
    let h = d;
    for (let i = 1; i < 1000; i++) {
      const an = -i * (i - a);
      b += 2;
      d = an * d + b;
      if (Math.abs(d) < FPMIN) d = FPMIN;
      c = b + an / c;
      if (Math.abs(c) < FPMIN) c = FPMIN;
      d = 1 / d;
      const del = d * c;
      h *= del;
      if (Math.abs(del - 1) < EPS) break;
    }
    return Math.max(0, 1 - front * h);
  };
}
