import type { Rng } from './rng.js';
import { checkParams, checkProbability, fillSamples, type Distribution, type Family } from './distribution.js';
import { normalCdf, normalQuantile } from './normal.js';
import { exp, expm1, log } from './det-math.js';

/** Log-normal parameters: ln X ~ Normal(`mu`, `sigma`). */
export interface LognormalParams {
  mu: number;
  sigma: number;
}

const specs = [{ name: 'sigma', min: 0 }] as const;
const LOG_SQRT_2PI = 0.5 * log(2 * Math.PI);

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
    const sample = (rng: Rng) => exp(mu + sigma * rng.normal());
    const s2 = sigma * sigma;
    const dist: Distribution = {
      family: 'lognormal',
      logpdf: (x) => {
        if (x <= 0) return -Infinity;
        const lx = log(x);
        const z = (lx - mu) / sigma;
        return -0.5 * z * z - LOG_SQRT_2PI - log(sigma) - lx;
      },
      cdf: (x) => (x <= 0 ? 0 : normalCdf((log(x) - mu) / sigma)),
      quantile: (p) => {
        checkProbability(p);
        return exp(mu + sigma * normalQuantile(p));
      },
      sample,
      sampleN: (rng, n) => fillSamples(rng, n, sample),
      mean: exp(mu + s2 / 2),
      variance: expm1(s2) * exp(2 * mu + s2),
    };
    return dist;
  },
};
