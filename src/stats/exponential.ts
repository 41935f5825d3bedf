import type { Rng } from './rng.js';
import { checkParams, checkProbability, fillSamples, type Distribution, type Family } from './distribution.js';
import { expm1, log, log1p } from './det-math.js';

/** Exponential parameters: `scale` = mean = 1/rate (seconds for inter-arrival gaps). */
export interface ExponentialParams {
  scale: number;
}

const specs = [{ name: 'scale', min: 0 }] as const;

/**
 * Exponential distribution, f(x) = exp(−x/s)/s for x ≥ 0 (scipy.stats.expon(scale=s)).
 * @example exponential.create({ scale: 2 }).cdf(2) // 1 − e^−1 ≈ 0.6321
 */
export const exponential: Family<ExponentialParams> = {
  name: 'exponential',
  params: specs,
  create({ scale }) {
    checkParams('exponential', specs, { scale });
    const sample = (rng: Rng) => -log(rng.nextOpen()) * scale;
    const dist: Distribution = {
      family: 'exponential',
      logpdf: (x) => (x < 0 ? -Infinity : -x / scale - log(scale)),
      cdf: (x) => (x <= 0 ? 0 : -expm1(-x / scale)),
      quantile: (p) => {
        checkProbability(p);
        return -log1p(-p) * scale;
      },
      sample,
      sampleN: (rng, n) => fillSamples(rng, n, sample),
      mean: scale,
      variance: scale * scale,
    };
    return dist;
  },
};
