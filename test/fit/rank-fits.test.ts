import { describe, expect, it } from 'vitest';
import { rankFits, type FamilyFit } from '../../src/fit/arrival-fit.js';

const fit = (family: 'exponential' | 'gamma' | 'weibull', ks: number, loglik: number): FamilyFit => ({
  model: family === 'exponential' ? { family, scale: 1 } : { family, shape: 1, scale: 1 },
  ks,
  loglik,
  n: 2,
  converged: true,
  censored: false,
});
const permutations = <T>(xs: T[]): T[][] => (xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p])));
const families = (fits: FamilyFit[]) => fits.map((f) => f.model.family);

describe('rankFits: family choice does not depend on the engine’s sort', () => {
  it('a KS/AIC cycle (BurstGPT ChatGPT/API, 2 gaps): the same ranking from every input order', () => {
    // Exponential ~ Weibull and Gamma ~ Weibull by KS (< 0.005 apart), Gamma beats Exponential by KS:
    // by AIC Exponential < Weibull < Gamma, so the pairwise rule is a cycle. The sort comparator
    // it used to be gave Weibull first on Node 20 and Gamma first on Deno.
    const fits = [fit('exponential', 0.34582885883018755, -10.64349289447108), fit('gamma', 0.33886339143761113, -10.221167638793183), fit('weibull', 0.3437002695192176, -10.207802170659615)];
    for (const p of permutations(fits)) expect(families(rankFits(p))).toEqual(['weibull', 'gamma', 'exponential']);
  });

  it('Azure conv window 1: Exponential and Weibull tied by KS, Weibull by AIC; Gamma apart from the best KS', () => {
    const fits = [fit('exponential', 0.019403990775001802, -19059.370820372187), fit('gamma', 0.024725863735955145, -19048.37496860427), fit('weibull', 0.019885795371592463, -19053.61272086817)];
    for (const p of permutations(fits)) expect(families(rankFits(p))).toEqual(['weibull', 'exponential', 'gamma']);
  });

  it('without ties, by KS; NaN last', () => {
    expect(families(rankFits([fit('gamma', 0.2, -5), fit('exponential', 0.1, -50), fit('weibull', 0.3, -1)]))).toEqual(['exponential', 'gamma', 'weibull']);
    expect(families(rankFits([fit('gamma', NaN, -5), fit('exponential', 0.1, -50), fit('weibull', 0.3, NaN)]))).toEqual(['exponential', 'weibull', 'gamma']);
  });
});
