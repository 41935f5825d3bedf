import type { Rng } from './rng.js';
import { checkParams, checkProbability, fillSamples, type Distribution, type Family } from './distribution.js';
import { erfc, erfcInv } from './special.js';
import { log } from './det-math.js';

/** Normal parameters: `mean` μ and standard deviation `sd` σ. */
export interface NormalParams {
  mean: number;
  sd: number;
}

const specs = [{ name: 'sd', min: 0 }] as const;
const LOG_SQRT_2PI = 0.5 * log(2 * Math.PI);

/** Standard normal CDF Φ(z), via erfc for accuracy in both tails. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Standard normal quantile Φ⁻¹(p). */
export function normalQuantile(p: number): number {
  return -Math.SQRT2 * erfcInv(2 * p);
}

/**
 * Normal distribution (scipy.stats.norm(loc=μ, scale=σ)).
 * @example normal.create({ mean: 0, sd: 1 }).quantile(0.975) // ≈ 1.959964
 */
export const normal: Family<NormalParams> = {
  name: 'normal',
  params: specs,
  create({ mean, sd }) {
    checkParams('normal', specs, { sd });
    if (!Number.isFinite(mean)) throw new RangeError(`normal: parameter mean must be finite, got ${mean}`);
    const sample = (rng: Rng) => mean + sd * rng.normal();
    const dist: Distribution = {
      family: 'normal',
      logpdf: (x) => {
        const z = (x - mean) / sd;
        return -0.5 * z * z - LOG_SQRT_2PI - log(sd);
      },
      cdf: (x) => normalCdf((x - mean) / sd),
      quantile: (p) => {
        checkProbability(p);
        return mean + sd * normalQuantile(p);
      },
      sample,
      sampleN: (rng, n) => fillSamples(rng, n, sample),
      mean,
      variance: sd * sd,
    };
    return dist;
  },
};
