import type { Trace } from '../ingest/trace.js';
import { normalQuantile } from '../stats/normal.js';
import { RANK_BINS, TURN_BUCKETS, rankCdf, rankToUniform, turnBucket } from '../profile/session-ranks.js';
import { calibrateTurns } from './session-calibration.js';

/** Fewest consecutive-turn pairs from which the rank correlation of turns is estimated. */
const MIN_RANK_PAIRS = 10;

/**
 * Session statistics per client (when the trace has `session_id`; a session is the client's rows
 * with one session id): turns per session, the
 * gap between consecutive turns, input growth per turn (context accumulates), and the
 * input-rank model of turns (src/profile/session-ranks.ts): where each request's input falls
 * within its client's length window (`lengthSeconds` wide, as the profile's length windows),
 * by turn bucket, and how strongly consecutive turns' ranks go together; and the turns
 * histogram calibrated for generation (session-calibration.ts).
 */
export function sessionStats(trace: Trace, lengthSeconds: number): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const sess = trace.texts.session_id;
  if (!sess) return out;
  const input = trace.ints.input_tokens;
  const rank = input ? inputRanks(trace, input, lengthSeconds) : undefined;
  const bySession = new Map<number, { client: number; turns: number; last: number; gaps: number[]; inputs: number[]; prevRank: number; prevBucket: number }>();
  // Rows per client, and those with a session id: a client's rows need not all be in sessions
  // (BurstGPT's API rows have none, and fit --anonymize pools them with chat rows into `tail`).
  const clients = trace.clientIds.length;
  const rows = new Float64Array(clients);
  const inSessions = new Float64Array(clients);
  const rankCounts = rank ? new Float64Array(clients * TURN_BUCKETS.length * RANK_BINS) : undefined;
  // Consecutive turns' ranks per client: rank, bucket of the earlier turn, then of the later.
  const pairs = new Map<number, number[]>();
  // Times of each client's rows in sessions (for the turns calibration).
  const sessionTimes = new Map<number, number[]>();
  const countRank = (c: number, bucket: number, r: number) => {
    rankCounts![(c * TURN_BUCKETS.length + bucket) * RANK_BINS + Math.min(RANK_BINS - 1, Math.floor(r * RANK_BINS))]++;
  };
  for (let i = 0; i < trace.n; i++) {
    const c = trace.client[i];
    rows[c]++;
    const s = sess.index[i];
    const r = rank ? rank[i] : NaN;
    if (s < 0) {
      if (r === r) countRank(c, 0, r);
      continue;
    }
    inSessions[c]++;
    let times = sessionTimes.get(c);
    if (!times) sessionTimes.set(c, (times = []));
    times.push(trace.timestamp[i]);
    // A session is a client's: a conversation that moves between clients (BurstGPT: 9 of 135
    // sessions change model) is one session per client, as generation can draw them.
    const key = s * clients + c;
    let e = bySession.get(key);
    if (!e) bySession.set(key, (e = { client: c, turns: 0, last: NaN, gaps: [], inputs: [], prevRank: NaN, prevBucket: 0 }));
    if (e.turns > 0) e.gaps.push(trace.timestamp[i] - e.last);
    e.turns++;
    e.last = trace.timestamp[i];
    if (input && input[i] >= 0) e.inputs.push(input[i]);
    if (r === r) {
      const b = turnBucket(e.turns);
      countRank(c, b, r);
      if (e.prevRank === e.prevRank) {
        let p = pairs.get(c);
        if (!p) pairs.set(c, (p = []));
        p.push(e.prevRank, e.prevBucket, r, b);
      }
      e.prevRank = r;
      e.prevBucket = b;
    } else e.prevRank = NaN;
  }
  const perClient = new Map<number, { turns: number[]; gaps: number[]; growth: number[] }>();
  for (const e of bySession.values()) {
    let c = perClient.get(e.client);
    if (!c) perClient.set(e.client, (c = { turns: [], gaps: [], growth: [] }));
    c.turns.push(e.turns);
    // A loop, not push(...gaps): one session of ~10^5 turns (a constant session id) overflowed
    // the call stack — fit's 'internal error: Maximum call stack size exceeded' (found by review).
    for (const g of e.gaps) c.gaps.push(g);
    for (let k = 1; k < e.inputs.length; k++) c.growth.push(e.inputs[k] - e.inputs[k - 1]);
  }
  const median = (xs: number[]) => {
    if (xs.length === 0) return null;
    const s = [...xs].sort((a, b) => a - b);
    return s[s.length >> 1];
  };
  for (const [client, c] of perClient) {
    const hist: Record<string, number> = {};
    for (const t of c.turns) {
      const k = t >= 10 ? '10+' : String(t);
      hist[k] = (hist[k] ?? 0) + 1;
    }
    const stats: Record<string, unknown> = {
      sessions: c.turns.length,
      mean_turns: c.turns.reduce((a, b) => a + b, 0) / c.turns.length,
      multi_turn_share: c.turns.filter((t) => t > 1).length / c.turns.length,
      turns_histogram: hist,
      inter_turn_gap_median_s: median(c.gaps),
      inter_turn_gap_p90_s: c.gaps.length ? [...c.gaps].sort((a, b) => a - b)[Math.floor(0.9 * (c.gaps.length - 1))] : null,
      input_growth_per_turn_median: median(c.growth),
      session_request_share: inSessions[client] / rows[client],
    };
    Object.assign(stats, calibrateTurns(stats, Float64Array.from(sessionTimes.get(client)!)));
    if (rankCounts) Object.assign(stats, rankModel(rankCounts, client, pairs.get(client)));
    out.set(trace.clientIds[client], stats);
  }
  return out;
}

/** The client's input-rank counts by turn bucket and the copula of consecutive turns' ranks (none without pairs enough). */
function rankModel(counts: Float64Array, client: number, pairs: number[] | undefined): Record<string, unknown> {
  const byTurn: Record<string, number[]> = {};
  const cdfs: (Float64Array | undefined)[] = [];
  for (let b = 0; b < TURN_BUCKETS.length; b++) {
    const at = (client * TURN_BUCKETS.length + b) * RANK_BINS;
    const bins = Array.from(counts.subarray(at, at + RANK_BINS));
    cdfs.push(rankCdf(bins));
    if (cdfs[b]) byTurn[TURN_BUCKETS[b]] = bins;
  }
  if (Object.keys(byTurn).length === 0) return {};
  const out: Record<string, unknown> = { input_rank_by_turn: byTurn };
  if (pairs && pairs.length / 4 >= MIN_RANK_PAIRS) {
    // Each rank as a share of its bucket's ranks below it, then as a normal score; the
    // Pearson correlation of consecutive scores is the Gaussian copula's parameter.
    const n = pairs.length / 4;
    const score = (r: number, b: number) => normalQuantile(Math.min(1 - 0.5 / n, Math.max(0.5 / n, rankToUniform(cdfs[b]!, r))));
    let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (let k = 0; k < pairs.length; k += 4) {
      const x = score(pairs[k], pairs[k + 1]);
      const y = score(pairs[k + 2], pairs[k + 3]);
      sx += x;
      sy += y;
      sxx += x * x;
      syy += y * y;
      sxy += x * y;
    }
    const cov = sxy / n - (sx / n) * (sy / n);
    const vx = sxx / n - (sx / n) ** 2;
    const vy = syy / n - (sy / n) ** 2;
    const rho = vx > 0 && vy > 0 ? cov / Math.sqrt(vx * vy) : 0;
    out.input_rank_turn_copula = Math.round(Math.max(-0.999, Math.min(0.999, rho)) * 1e6) / 1e6;
  }
  return out;
}

/**
 * Each row's input rank within its client's length window: (values below + ½) / values in the
 * window, in (0, 1); NaN where the input is absent. Rows with equal inputs take the places of
 * their tie one each, in a fixed pseudo-random order (TIE_BITS of a hash of the row number),
 * not all the tie's mid-rank: the ranks of a window then stay uniform over its bins, as
 * generation draws them. With mid-ranks a value held by a third of a window put all its rows
 * in one bin and left the others of its range empty, and generation's per-window control
 * (SessionAssigner.inputRankIn), which keeps each bin at its share, moved later turns' draws
 * into those empty bins — the tie's value, that of turn 1: inputs of 100 tokens per turn
 * generated with a median growth of 0.
 */
function inputRanks(trace: Trace, input: Int32Array, lengthSeconds: number): Float64Array {
  const n = trace.n;
  const rank = new Float64Array(n).fill(NaN);
  // Group rows by (client, window): a group number per row, then rows ordered by group.
  const groupOf = new Map<number, number>();
  const group = new Int32Array(n).fill(-1);
  const sizes: number[] = [];
  for (let i = 0; i < n; i++) {
    if (input[i] < 0) continue;
    const key = trace.client[i] * 2 ** 26 + Math.floor(trace.timestamp[i] / lengthSeconds);
    let g = groupOf.get(key);
    if (g === undefined) {
      groupOf.set(key, (g = sizes.length));
      sizes.push(0);
    }
    group[i] = g;
    sizes[g]++;
  }
  const start = new Int32Array(sizes.length + 1);
  for (let g = 0; g < sizes.length; g++) start[g + 1] = start[g] + sizes[g];
  const fill = start.slice(0, sizes.length);
  const values = new Float64Array(start[sizes.length]);
  // Sorted by input, then by the tie order (input · 2^TIE_BITS + order < 2^51: exact).
  const key = (i: number) => input[i] * 2 ** TIE_BITS + tieOrder(i);
  for (let i = 0; i < n; i++) if (group[i] >= 0) values[fill[group[i]]++] = key(i);
  for (let g = 0; g < sizes.length; g++) values.subarray(start[g], start[g + 1]).sort();
  for (let i = 0; i < n; i++) {
    const g = group[i];
    if (g < 0) continue;
    const v = values.subarray(start[g], start[g + 1]);
    const k = key(i);
    const below = lowerBound(v, k);
    // Equal keys (rows of one input whose orders collide, ~1 in 10^6 pairs) share their mid-rank.
    const equal = lowerBound(v, k + 0.5) - below;
    rank[i] = (below + equal / 2) / v.length;
  }
  return rank;
}

/** Bits of a row's place among rows of equal input (inputRanks). */
const TIE_BITS = 20;

/** A fixed pseudo-random order of row i among rows of equal input: TIE_BITS of a 32-bit mix of i. */
function tieOrder(i: number): number {
  let h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> (32 - TIE_BITS);
}

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
