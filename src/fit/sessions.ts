import { clientSessionKeys, type Trace } from '../ingest/trace.js';
import { normalQuantile } from '../stats/normal.js';
import { RANK_BINS, TURN_BUCKETS, rankCdf, rankToUniform, turnBucket } from '../profile/session-ranks.js';
import { calibrateTurns } from './session-calibration.js';
import { lowerBound } from '../util/lower-bound.js';
import { orderWithinTimes } from '../util/time-order.js';

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
  const keys = clientSessionKeys(trace);
  if (!keys) return out;
  // A session is a client's: a conversation that moves between clients (BurstGPT: 9 of 135
  // sessions change model) is one session per client, as generation can draw them.
  const { key, sessions: m } = keys;
  const n = trace.n;
  const input = trace.ints.input_tokens;
  const tie = input ? contentTies(trace, key) : undefined;
  const rank = input ? inputRanks(trace, input, tie!, lengthSeconds) : undefined;
  // Rows per client, and those with a session id: a client's rows need not all be in sessions
  // (BurstGPT's API rows have none, and fit --anonymize pools them with chat rows into `tail`).
  const clients = trace.clientIds.length;
  const rows = new Float64Array(clients);
  const inSessions = new Float64Array(clients);
  const rankCounts = rank ? new Float64Array(clients * TURN_BUCKETS.length * RANK_BINS) : undefined;
  // Consecutive turns' ranks per client: rank, bucket of the earlier turn, then of the later.
  const pairs = new Map<number, number[]>();
  const countRank = (c: number, bucket: number, r: number) => {
    rankCounts![(c * TURN_BUCKETS.length + bucket) * RANK_BINS + Math.min(RANK_BINS - 1, Math.floor(r * RANK_BINS))]++;
  };
  // Per session (typed arrays over the keys; found profiling a 2 M-row fit: a Map of objects
  // with arrays per session took 4 of its 15 s): its client, turns, last time, last input
  // (NaN: none yet), last rank and its bucket.
  const sClient = new Int32Array(m);
  const sTurns = new Int32Array(m);
  const sLast = new Float64Array(m);
  const sInput = new Float64Array(m).fill(NaN);
  const sRank = new Float64Array(m).fill(NaN);
  const sBucket = new Int32Array(m);
  // Gaps and input growths with their client; session rows' times in row order with theirs.
  const gaps = new Float64Array(n);
  const gapClient = new Int32Array(n);
  let nGaps = 0;
  const growth = new Float64Array(n);
  const growthClient = new Int32Array(n);
  let nGrowth = 0;
  const times = new Float64Array(n);
  const timeClient = new Int32Array(n);
  let nTimes = 0;
  const order = tieOrderByInput(trace, input, tie);
  for (let o = 0; o < n; o++) {
    const i = order ? order[o] : o;
    const c = trace.client[i];
    rows[c]++;
    const k = key[i];
    const r = rank ? rank[i] : NaN;
    if (k < 0) {
      if (r === r) countRank(c, 0, r);
      continue;
    }
    inSessions[c]++;
    const t = trace.timestamp[i];
    times[nTimes] = t;
    timeClient[nTimes++] = c;
    if (sTurns[k] > 0) {
      gaps[nGaps] = t - sLast[k];
      gapClient[nGaps++] = c;
    } else sClient[k] = c;
    const turn = ++sTurns[k];
    sLast[k] = t;
    if (input && input[i] >= 0) {
      const x = input[i];
      if (sInput[k] === sInput[k]) {
        growth[nGrowth] = x - sInput[k];
        growthClient[nGrowth++] = c;
      }
      sInput[k] = x;
    }
    if (r === r) {
      const b = turnBucket(turn);
      countRank(c, b, r);
      if (sRank[k] === sRank[k]) {
        let p = pairs.get(c);
        if (!p) pairs.set(c, (p = []));
        p.push(sRank[k], sBucket[k], r, b);
      }
      sRank[k] = r;
      sBucket[k] = b;
    } else sRank[k] = NaN;
  }
  // Turns per session, per client: sessions, Σ turns, multi-turn sessions, the histogram.
  const nSessions = new Float64Array(clients);
  const sumTurns = new Float64Array(clients);
  const multi = new Float64Array(clients);
  const hist = new Float64Array(clients * 10);
  for (let k = 0; k < m; k++) {
    const t = sTurns[k];
    if (t === 0) continue;
    const c = sClient[k];
    nSessions[c]++;
    sumTurns[c] += t;
    if (t > 1) multi[c]++;
    hist[c * 10 + Math.min(t, 10) - 1]++;
  }
  const gapsBy = byClient(gaps.subarray(0, nGaps), gapClient, clients);
  const growthBy = byClient(growth.subarray(0, nGrowth), growthClient, clients);
  const timesBy = byClient(times.subarray(0, nTimes), timeClient, clients, false);
  for (let client = 0; client < clients; client++) {
    if (nSessions[client] === 0) continue;
    const h: Record<string, number> = {};
    for (let b = 0; b < 10; b++) if (hist[client * 10 + b] > 0) h[b === 9 ? '10+' : String(b + 1)] = hist[client * 10 + b];
    const g = gapsBy(client);
    const gr = growthBy(client);
    const stats: Record<string, unknown> = {
      sessions: nSessions[client],
      mean_turns: sumTurns[client] / nSessions[client],
      multi_turn_share: multi[client] / nSessions[client],
      turns_histogram: h,
      inter_turn_gap_median_s: g.length ? g[g.length >> 1] : null,
      inter_turn_gap_p90_s: g.length ? g[Math.floor(0.9 * (g.length - 1))] : null,
      input_growth_per_turn_median: gr.length ? gr[gr.length >> 1] : null,
      session_request_share: inSessions[client] / rows[client],
    };
    Object.assign(stats, calibrateTurns(stats, timesBy(client)));
    if (rankCounts) Object.assign(stats, rankModel(rankCounts, client, pairs.get(client)));
    out.set(trace.clientIds[client], stats);
  }
  return out;
}

/**
 * The rows in time order with the rows of one timestamp by input, ascending (absent inputs
 * first), then by their content tie key (contentTies: the order their ranks take among equal
 * inputs), then row order (rows alike in all that sessionStats reads), or undefined when no two
 * rows share a timestamp. Turns of a session at one time have no order of their own (a log's
 * clock of 1 s, a batch of turns sent at once): taken in row order, a session's input growth,
 * its turns' input ranks and their pairs depended on how the file happened to order them (found by audit, h-89: the same rows shuffled gave a
 * growth median of 151 instead of 168 tokens); a context grows with its turns, so a session's
 * turns at one time are taken shortest first (validate's session metrics take them so too).
 */
function tieOrderByInput(trace: Trace, input: Int32Array | undefined, tie: Int32Array | undefined): Int32Array | undefined {
  if (!input || !tie) return undefined;
  return orderWithinTimes(trace.timestamp, (x, y) => input[x] - input[y] || tie[x] - tie[y] || x - y);
}

/**
 * Values grouped by client (a counting sort): a function giving one client's values, sorted
 * ascending unless `sort` is false (then in their order).
 */
function byClient(values: Float64Array, client: Int32Array, clients: number, sort = true): (c: number) => Float64Array {
  const start = new Int32Array(clients + 1);
  for (let i = 0; i < values.length; i++) start[client[i] + 1]++;
  for (let c = 0; c < clients; c++) start[c + 1] += start[c];
  const fill = start.slice(0, clients);
  const grouped = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) grouped[fill[client[i]]++] = values[i];
  return (c) => {
    const v = grouped.subarray(start[c], start[c + 1]);
    return sort ? v.sort() : v;
  };
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
 * their tie one each, in a fixed pseudo-random order (contentTies: a hash of what the row is,
 * not of its place in the file), not all the tie's mid-rank: the ranks of a window then stay
 * uniform over its bins, as generation draws them. With mid-ranks a value held by a third of a window put all its rows
 * in one bin and left the others of its range empty, and generation's per-window control
 * (SessionAssigner.inputRankIn), which keeps each bin at its share, moved later turns' draws
 * into those empty bins — the tie's value, that of turn 1: inputs of 100 tokens per turn
 * generated with a median growth of 0.
 */
function inputRanks(trace: Trace, input: Int32Array, tie: Int32Array, lengthSeconds: number): Float64Array {
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
  const key = (i: number) => input[i] * 2 ** TIE_BITS + tie[i];
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

/**
 * Per row, its place among rows of equal input (inputRanks, tieOrderByInput): TIE_BITS of a
 * 32-bit mix of what the row is to the session statistics — its time, its session id's text,
 * and how many rows before it have its client, time, session key and input (rows alike in all
 * these are interchangeable: which comes first changes no statistic). It was a hash of the row's
 * index in the trace, which moves when the file orders the rows of one time otherwise (another
 * client's row at that time before it): the ranks by turn and their copula changed with the
 * file's order (found by audit, h-94). `key`: clientSessionKeys' key of each row (−1: none).
 */
function contentTies(trace: Trace, key: Int32Array): Int32Array {
  const n = trace.n;
  const input = trace.ints.input_tokens;
  const sess = trace.texts.session_id!;
  const textHash = sess.values.map(stringHash);
  const bits = new Uint32Array(trace.timestamp.buffer, trace.timestamp.byteOffset, 2 * n);
  const tie = new Int32Array(n);
  const seen = new Map<string, number>();
  for (let a = 0; a < n; ) {
    let b = a + 1;
    while (b < n && trace.timestamp[b] === trace.timestamp[a]) b++;
    if (b - a > 1) seen.clear();
    for (let i = a; i < b; i++) {
      const k = sess.index[i];
      let h = mix(mix(mix(0x9e3779b9, bits[2 * i]), bits[2 * i + 1]), k < 0 ? 0 : textHash[k]);
      if (b - a > 1) {
        // The rows of one time before this one alike to the statistics (the trace is in time order).
        const alike = `${trace.client[i]},${key[i]},${input ? input[i] : -1}`;
        const before = seen.get(alike) ?? 0;
        seen.set(alike, before + 1);
        h = mix(h, before);
      }
      tie[i] = h >>> (32 - TIE_BITS);
    }
    a = b;
  }
  return tie;
}

/** One step of a 32-bit hash: h combined with the 32-bit word x (murmur3's finalizer). */
function mix(h: number, x: number): number {
  h = Math.imul(h ^ x, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** FNV-1a over a text's UTF-16 code units. */
function stringHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
