import type { Rng } from './rng.js';
import { checkParams, checkProbability, fillSamples, type Distribution, type Family } from './distribution.js';
import { lnGamma } from './special.js';
import { exp, expm1, log, log1p, pow } from './det-math.js';

/** Weibull parameters: `shape` k, `scale` λ; mean λΓ(1+1/k). */
export interface WeibullParams {
  shape: number;
  scale: number;
}

const specs = [
  { name: 'shape', min: 0 },
  { name: 'scale', min: 0 },
] as const;

/**
 * Weibull distribution, F(x) = 1 − exp(−(x/λ)^k) (scipy.stats.weibull_min(c=k, scale=λ)).
 * @example weibull.create({ shape: 1, scale: 2 }).mean // 2 (exponential)
 */
export const weibull: Family<WeibullParams> = {
  name: 'weibull',
  params: specs,
  create({ shape, scale }) {
    checkParams('weibull', specs, { shape, scale });
    const inv = 1 / shape;
    const g1 = exp(lnGamma(1 + inv));
    const g2 = exp(lnGamma(1 + 2 * inv));
    const sample = (rng: Rng) => scale * pow(-log(rng.nextOpen()), inv);
    // (x/λ)^k; when x/λ underflows (x subnormal, λ large) as exp(k·(ln x − ln λ)), which does not.
    const zPow = (x: number, z: number) => (z > 0 ? pow(z, shape) : exp(shape * (log(x) - log(scale))));
    const dist: Distribution = {
      family: 'weibull',
      logpdf: (x) => {
        if (x < 0) return -Infinity;
        if (x === 0) return shape < 1 ? Infinity : shape === 1 ? -log(scale) : -Infinity;
        const z = x / scale;
        const zk = zPow(x, z);
        // ln z from the difference when x/λ under- or overflows (ln 0 · (k − 1) was NaN at k = 1).
        const lz = z > 0 && z < Infinity ? log(z) : log(x) - log(scale);
        return zk === Infinity ? -Infinity : log(shape / scale) + (shape - 1) * lz - zk;
      },
      cdf: (x) => (x <= 0 ? 0 : -expm1(-zPow(x, x / scale))),
      quantile: (p) => {
        checkProbability(p);
        return scale * pow(-log1p(-p), inv);
      },
      sample,
      sampleN: (rng, n) => fillSamples(rng, n, sample),
      mean: scale * g1,
      variance: scale * scale * (g2 - g1 * g1),
    };
    return dist;
  },
};

/** Scale λ giving a Weibull(k, λ) the requested mean: λ = mean / Γ(1 + 1/k). */
export function weibullScaleForMean(shape: number, mean: number): number {
  return mean / exp(lnGamma(1 + 1 / shape));
}
