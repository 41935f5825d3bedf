import type { Rng } from './rng.js';
import { checkParams, checkProbability, fillSamples, type Distribution, type Family } from './distribution.js';
import { normalCdf, normalQuantile } from './normal.js';

/** Log-normal parameters: ln X ~ Normal(`mu`, `sigma`). */
export interface LognormalParams {
  mu: number;
  sigma: number;
}

const specs = [{ name: 'sigma', min: 0 }] as const;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Log-normal distribution (scipy.stats.lognorm(s=σ, scale=e^μ)).
 * @example lognormal.create({ mu: 0, sigma: 1 }).quantile(0.5) // 1
 */
export const lognormal: Family<LognormalParams> = {
  name: 'lognormal',
  params: specs,
  create({ mu, sigma }) {
    checkParams('lognormal', specs, { sigma });
    if (!Number.isFinite(mu)) throw new RangeError(`lognormal: parameter mu must be finite, got ${mu}`);
    const sample = (rng: Rng) => Math.exp(mu + sigma * rng.normal());
    const s2 = sigma * sigma;
    const dist: Distribution = {
      family: 'lognormal',
      logpdf: (x) => {
        if (x <= 0) return -Infinity;
        const lx = Math.log(x);
        const z = (lx - mu) / sigma;
        return -0.5 * z * z - LOG_SQRT_2PI - Math.log(sigma) - lx;
      },
      cdf: (x) => (x <= 0 ? 0 : normalCdf((Math.log(x) - mu) / sigma)),
      quantile: (p) => {
        checkProbability(p);
        return Math.exp(mu + sigma * normalQuantile(p));
      },
      sample,
      sampleN: (rng, n) => fillSamples(rng, n, sample),
      mean: Math.exp(mu + s2 / 2),
      variance: Math.expm1(s2) * Math.exp(2 * mu + s2),
    };
    return dist;
  },
};
