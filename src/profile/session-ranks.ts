/**
 * The input-rank model of sessions (profile field `sessions.input_rank_by_turn`): where a
 * request's input length falls within its client's length window (its rank there, equal
 * inputs taking their tie's places one each: a probability integral transform in (0, 1)), counted in RANK_BINS equal bins per turn bucket.
 * Context accumulates over a conversation, so later turns sit higher in the window's
 * distribution; generation draws each turn's rank from its bucket (and maps it through the
 * window's PMF), so the mixture over buckets — the window's own distribution — is kept.
 * `input_rank_turn_copula` is the Gaussian-copula correlation of consecutive turns' ranks
 * within a session, each rank first mapped through its bucket's distribution.
 */
export const TURN_BUCKETS = ['none', '1', '2', '3-4', '5+'] as const;
export const RANK_BINS = 20;

/** Bucket index of a turn (NaN or < 1: a request outside sessions). */
export function turnBucket(turn: number): number {
  if (!(turn >= 1)) return 0;
  return turn === 1 ? 1 : turn === 2 ? 2 : turn <= 4 ? 3 : 4;
}

/** Cumulative shares of a bucket's bin counts (length RANK_BINS, last = 1); undefined without counts. */
export function rankCdf(counts: readonly number[]): Float64Array | undefined {
  let total = 0;
  for (const c of counts) total += c;
  if (!(total > 0)) return undefined;
  const cdf = new Float64Array(RANK_BINS);
  let acc = 0;
  for (let j = 0; j < RANK_BINS; j++) {
    acc += counts[j];
    cdf[j] = acc / total;
  }
  cdf[RANK_BINS - 1] = 1;
  return cdf;
}

/** G(p): the share of the bucket's ranks below rank p (linear within a bin). */
export function rankToUniform(cdf: Float64Array, p: number): number {
  const x = Math.min(Math.max(p, 0), 1) * RANK_BINS;
  const j = Math.min(RANK_BINS - 1, Math.floor(x));
  const below = j === 0 ? 0 : cdf[j - 1];
  return below + (cdf[j] - below) * (x - j);
}
