import type { Rng } from '../stats/rng.js';
import { normalCdf } from '../stats/normal.js';
import type { UnitGapSampler } from './arrival-sampler.js';

/** Latent state of a client's gap memory (src/fit/gap-memory.ts). */
export class GapMemoryState {
  private readonly carried: number;
  private readonly fresh: number;
  private readonly innovation: number;
  /** The AR(1) part; NaN before the first gap. */
  private x = NaN;
  constructor(
    weight: number,
    private readonly phi: number,
  ) {
    this.carried = Math.sqrt(weight);
    this.fresh = Math.sqrt(1 - weight);
    this.innovation = Math.sqrt(1 - phi * phi);
  }
  /**
   * The next unit-mean gap: the sampler's quantile at Φ(z), z = √w·x + √(1−w)·ε; from its
   * tables when `fast` (atScoreFast: pure functions of the shape, so the draws never depend on
   * what ran before in the process).
   */
  next(sampler: UnitGapSampler, rng: Rng, fast: boolean): number {
    this.x = this.x === this.x ? this.phi * this.x + this.innovation * rng.normal() : rng.normal();
    const z = this.carried * this.x + this.fresh * rng.normal();
    return fast ? sampler.atScoreFast(z) : sampler.quantile(normalCdf(z), normalCdf(-z));
  }
}
