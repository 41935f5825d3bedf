import type { Rng } from './rng.js';

/**
 * The one interface every continuous distribution implements (scipy.stats-like).
 * Parameters are fixed at construction; all methods are pure except `sample`,
 * which draws from the `Rng` passed in.
 */
export interface Distribution {
  /** Family name as it appears in profiles (`gamma`, `weibull`, …). */
  readonly family: string;
  /** Log density at x (−Infinity outside the support). */
  logpdf(x: number): number;
  /** P(X ≤ x). */
  cdf(x: number): number;
  /** Inverse CDF: smallest x with P(X ≤ x) ≥ p, for p in [0, 1]. */
  quantile(p: number): number;
  /** One draw. */
  sample(rng: Rng): number;
  /** n draws. */
  sampleN(rng: Rng, n: number): Float64Array;
  readonly mean: number;
  readonly variance: number;
}

/** Declares one parameter and its domain, as data (checked by `checkParams`). */
export interface ParamSpec {
  readonly name: string;
  /** Open lower bound (parameter must be > min). */
  readonly min: number;
}

/** A family: parameter domains plus a constructor. */
export interface Family<P extends object> {
  readonly name: string;
  readonly params: readonly ParamSpec[];
  create(params: P): Distribution;
}

/** Throws a RangeError naming the parameter when a value is outside its domain. */
export function checkParams(family: string, specs: readonly ParamSpec[], params: object): void {
  const record = params as Record<string, unknown>;
  for (const spec of specs) {
    const v = record[spec.name];
    if (typeof v !== 'number' || !Number.isFinite(v) || !(v > spec.min)) {
      throw new RangeError(`${family}: parameter ${spec.name} must be a finite number > ${spec.min}, got ${String(v)}`);
    }
  }
}

/** Draws n values with `one`, into a Float64Array. */
export function fillSamples(rng: Rng, n: number, one: (rng: Rng) => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = one(rng);
  return out;
}

/** Checks p ∈ [0, 1] for quantile functions. */
export function checkProbability(p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile: p must be in [0, 1], got ${p}`);
}
