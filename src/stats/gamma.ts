import type { Rng } from './rng.js';
import { checkParams, checkProbability, fillSamples, type Distribution, type Family } from './distribution.js';
import { gammaP, gammaPInv, gammaQ, gammaQInv, lnGamma } from './special.js';
import { exp, log } from './det-math.js';

/** Gamma parameters: `shape` k, `scale` θ; mean kθ, variance kθ², CV 1/√k. */
export interface GammaParams {
  shape: number;
  scale: number;
}

const specs = [
  { name: 'shape', min: 0 },
  { name: 'scale', min: 0 },
] as const;

/**
 * One standard Gamma(shape, 1) draw: Marsaglia & Tsang (2000), "A simple method for
 * generating gamma variables", ACM TOMS 26(3); shapes below 1 use the boost
 * G(k) = G(k+1)·U^(1/k), computed in log space so tiny shapes (k ≈ 0.05) do not
 * underflow to exact zeros more than the distribution itself implies.
 */
export function sampleStandardGamma(rng: Rng, shape: number): number {
  if (shape < 1) {
    const g = sampleStandardGamma(rng, shape + 1);
    return exp(log(g) + log(rng.nextOpen()) / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.nextOpen();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (log(u) < 0.5 * x2 + d * (1 - v + log(v))) return d * v;
  }
}

/**
 * Gamma distribution, f(x) = x^(k−1) e^(−x/θ) / (Γ(k) θ^k) (scipy.stats.gamma(a=k, scale=θ)).
 * @example gamma.create({ shape: 2, scale: 3 }).mean // 6
 */
export const gamma: Family<GammaParams> = {
  name: 'gamma',
  params: specs,
  create({ shape, scale }) {
    checkParams('gamma', specs, { shape, scale });
    const logNorm = lnGamma(shape) + shape * log(scale);
    const sample = (rng: Rng) => sampleStandardGamma(rng, shape) * scale;
    const dist: Distribution = {
      family: 'gamma',
      logpdf: (x) => {
        if (x < 0) return -Infinity;
        if (x === 0) return shape < 1 ? Infinity : shape === 1 ? -log(scale) : -Infinity;
        return (shape - 1) * log(x) - x / scale - logNorm;
      },
      cdf: (x) => (x <= 0 ? 0 : gammaP(shape, x / scale)),
      quantile: (p) => {
        checkProbability(p);
        if (p === 0) return 0;
        if (p === 1) return Infinity;
        // The upper inverse keeps relative accuracy in the right tail.
        return (p > 0.5 ? gammaQInv(shape, 1 - p) : gammaPInv(shape, p)) * scale;
      },
      sample,
      sampleN: (rng, n) => fillSamples(rng, n, sample),
      mean: shape * scale,
      variance: shape * scale * scale,
    };
    return dist;
  },
};

/** Survival function of Gamma(k, θ) at x, accurate in the far right tail. */
export function gammaSurvival(shape: number, scale: number, x: number): number {
  return x <= 0 ? 1 : gammaQ(shape, x / scale);
}
