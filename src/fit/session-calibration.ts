import { SessionAssigner, sessionModelOf, type SessionModel } from '../generate/session-sampler.js';
import { GenerateError } from '../generate/errors.js';
import { createRng } from '../stats/rng.js';

/**
 * Calibration rounds at most; replicate runs per round aim at this many sessions in all (a
 * client of 38 sessions oscillated between 2.1 and 2.7 mean turns with 600 simulated sessions a
 * round, chasing the simulation's own noise).
 */
const ROUNDS = 6;
const SESSIONS_PER_ROUND = 20000;
const MAX_REPLICATES = 1000;
/** …and at most this many rows labelled a round (a log of one 200 000-turn session took minutes). */
const ROWS_PER_ROUND = 2_000_000;
/** Stop when the simulated mean turns is within this share of the log's, or within 2 SEs of the simulation. */
const TOLERANCE = 0.005;

/**
 * The turns histogram that generation should draw from so that, cut as the log cut them, its
 * sessions look like the log's (profile fields `turns_histogram_generate`, `mean_turns_generate`).
 *
 * A log's turns histogram is already cut by its ends: sessions open when it ends lose their
 * later turns (and those open when it starts, their earlier ones). Generation cuts the sessions
 * it draws again at the end of its span, so drawing from the log's histogram gave too few turns
 * — most where a client's requests crowd towards the end (BurstGPT's chat client: 2.50 turns on
 * average against the log's 2.85 at scale:100). So the histogram is calibrated by simulation:
 * generation's session assigner labels the client's own session rows (their times, as in the
 * log), and each bucket (1 … 9, 10+) is reweighted by the log's share over the simulated share
 * of observed sessions, until the simulated mean turns is within TOLERANCE of the log's (at
 * most ROUNDS rounds; seeded, so the same log gives the same histogram). The 10+ bucket keeps
 * the log's tail mean. Undefined when nothing needs changing or the statistics give no model.
 */
export function calibrateTurns(stats: Record<string, unknown>, times: Float64Array): { turns_histogram_generate: Record<string, number>; mean_turns_generate: number } | undefined {
  let model: SessionModel | undefined;
  try {
    model = sessionModelOf({ ...stats, session_request_share: 1, input_rank_by_turn: undefined, input_rank_turn_copula: undefined });
  } catch (e) {
    if (e instanceof GenerateError) return undefined;
    throw e;
  }
  if (!model || model.cdf[0] === 1 || times.length < 2) return undefined; // single-turn sessions only: nothing to cut
  const log = bucketShares(model.cdf);
  const logMean = typeof stats.mean_turns === 'number' ? stats.mean_turns : NaN;
  if (!(logMean > 1)) return undefined;
  const sessions = typeof stats.sessions === 'number' ? stats.sessions : 1;
  const replicates = Math.max(1, Math.min(MAX_REPLICATES, Math.ceil(SESSIONS_PER_ROUND / sessions), Math.floor(ROWS_PER_ROUND / times.length)));
  let weights = Float64Array.from(log);
  let changed = false;
  for (let round = 0; round < ROUNDS; round++) {
    const sim = simulate({ ...model, cdf: cumulative(weights) }, times, replicates);
    if (Math.abs(sim.mean / logMean - 1) <= Math.max(TOLERANCE, (2 * sim.sd) / Math.sqrt(sim.sessions) / logMean)) break;
    // Reweight each bucket by the log's share over the simulated one (half a session of
    // smoothing: a bucket the simulation never showed is not blown up).
    const next = new Float64Array(10);
    let total = 0;
    for (let b = 0; b < 10; b++) {
      next[b] = weights[b] * ((log[b] * sim.sessions + 0.5) / (sim.shares[b] * sim.sessions + 0.5));
      total += next[b];
    }
    for (let b = 0; b < 10; b++) next[b] /= total;
    weights = next;
    changed = true;
  }
  if (!changed) return undefined;
  const hist: Record<string, number> = {};
  let mean = 0;
  for (let b = 0; b < 10; b++) {
    if (!(weights[b] > 0)) continue;
    // As counts of the log's sessions (rounded to 1/1000): the generator reads them as a histogram.
    hist[b === 9 ? '10+' : String(b + 1)] = Math.round(weights[b] * sessions * 1000) / 1000;
    mean += weights[b] * (b === 9 ? 10 + model.tailExtra : b + 1);
  }
  return { turns_histogram_generate: hist, mean_turns_generate: mean };
}

/** Bucket shares (1 … 9, 10+) of a cumulative turns distribution. */
function bucketShares(cdf: Float64Array): Float64Array {
  const s = new Float64Array(10);
  let prev = 0;
  for (let k = 0; k < 9; k++) {
    s[k] = cdf[k] - prev;
    prev = cdf[k];
  }
  s[9] = 1 - prev;
  return s;
}

function cumulative(weights: Float64Array): Float64Array {
  const cdf = new Float64Array(9);
  let acc = 0;
  for (let k = 0; k < 9; k++) {
    acc += weights[k];
    cdf[k] = acc;
  }
  return cdf;
}

/** Sessions observed when the assigner labels the rows at `times` (replicates pooled): bucket shares and mean turns. */
function simulate(model: SessionModel, times: Float64Array, replicates: number): { shares: Float64Array; mean: number; sd: number; sessions: number } {
  const counts = new Float64Array(10);
  let sessions = 0;
  let rows = 0;
  let squares = 0;
  for (let r = 0; r < replicates; r++) {
    const a = new SessionAssigner(model, createRng(`turns-calibration:${r}`));
    let turns = new Float64Array(64);
    for (let i = 0; i < times.length; i++) {
      a.assign(times[i], i + 1 < times.length ? times[i + 1] : Infinity);
      const id = a.session;
      if (id >= turns.length) {
        const grown = new Float64Array(Math.max(2 * turns.length, id + 1));
        grown.set(turns);
        turns = grown;
      }
      turns[id]++;
    }
    for (let id = 1; id < turns.length; id++) {
      const t = turns[id];
      if (t === 0) continue;
      counts[Math.min(t, 10) - 1]++;
      sessions++;
      rows += t;
      squares += t * t;
    }
  }
  for (let b = 0; b < 10; b++) counts[b] /= sessions;
  const mean = rows / sessions;
  return { shares: counts, mean, sd: Math.sqrt(Math.max(0, squares / sessions - mean * mean)), sessions };
}
