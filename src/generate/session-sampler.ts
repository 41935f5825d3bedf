import type { Rng } from '../stats/rng.js';
import { normalCdf } from '../stats/normal.js';
import { RANK_BINS, TURN_BUCKETS, rankCdf, turnBucket } from '../profile/session-ranks.js';
import { GenerateError } from './errors.js';
import { exp, log } from '../stats/det-math.js';

/**
 * Multi-turn sessions laid over a client's generated arrivals (DESIGN.md: session statistics).
 *
 * The client's arrival process stays as fitted: sessions only label its arrivals. Each
 * arrival either continues the session due first (a session is due its drawn inter-turn gap
 * after its last turn) when it is the client's arrival nearest to that due time, or else
 * starts a new session whose number of turns is drawn from the profile's turns histogram.
 * Inter-turn gaps are log-normal through the profile's median and 90th percentile. Turns land
 * on the client's own arrivals, so where arrivals are sparse next to the gaps the realized gap
 * is the distance to the nearest arrival, mostly longer than drawn (BurstGPT's chat client at
 * its own rate: about twice the profile's median). The assigner therefore tracks the median
 * of realized gaps (a Robbins–Monro quantile tracker on the log scale) and draws gaps shorter
 * by the tracked bias, so the realized median follows the profile's; the spread is the
 * drawn one's plus the rounding to arrivals. Sessions still open when the span ends are cut,
 * as in a log. Input growth per turn: with the profile's input-rank model
 * (src/profile/session-ranks.ts) each request gets a rank for its input length within its
 * length window, drawn from its turn bucket's ranks, consecutive turns' ranks correlated by a
 * Gaussian AR(1) chain at the profile's copula; the length sampler maps it through the
 * window's PMF, so the window's distribution is kept while later turns run longer.
 */
export interface SessionModel {
  /** Cumulative probabilities of 1..9 turns (index k − 1); the rest is the 10+ bucket. */
  cdf: Float64Array;
  /** Mean extra turns beyond 10 in the 10+ bucket (geometric tail). */
  tailExtra: number;
  /** Share of the client's requests that belong to sessions (the rest get no session_id). */
  share: number;
  /** Log-normal inter-turn gap: log median (−∞: zero gaps) and log-scale SD. */
  mu: number;
  sigma: number;
  /** The input-rank model: cumulative rank shares per turn bucket (a missing one borrows a neighbour's; undefined: uniform), and the copula of consecutive turns. */
  ranks?: { pdf: Float64Array[]; rho: number };
}

/** z of the standard normal's 90th percentile. */
const Z90 = 1.2815515655446004;

/**
 * The session model of a client's fitted session statistics; undefined when it has none.
 * Statistics that cannot give one (hand-edited or damaged: no or invalid turns histogram, a
 * mean_turns the histogram cannot have, multi-turn sessions without a gap median, a p90 below
 * the median or missing) throw a GenerateError naming the field — found by review: they used to
 * leave the client silently without sessions, or draw every gap at the median. A gap median of
 * 0 (over half the turns within the clock's tick) gives zero gaps: each turn lands on the
 * client's next arrival.
 */
export function sessionModelOf(stats: Record<string, unknown> | undefined): SessionModel | undefined {
  if (!stats) return undefined;
  const bad = (msg: string) => new GenerateError(`session statistics: ${msg}`);
  // The histogram calibrated for generation (fit/session-calibration.ts) when the profile has it.
  const calibrated = stats.turns_histogram_generate !== undefined;
  const H = calibrated ? 'turns_histogram_generate' : 'turns_histogram';
  const M = calibrated ? 'mean_turns_generate' : 'mean_turns';
  const hist = stats[H];
  if (!hist || typeof hist !== 'object' || Array.isArray(hist)) throw bad(`no ${H} (turns → sessions)`);
  const counts = new Float64Array(10); // 1..9, then 10+
  let total = 0;
  for (const [k, v] of Object.entries(hist as Record<string, unknown>)) {
    const n = typeof v === 'number' ? v : NaN;
    const turns = k === '10+' ? 10 : /^[1-9]$/.test(k) ? Number(k) : NaN;
    if (!(turns >= 1)) throw bad(`${H} has a key "${k}" (keys are 1 … 9 and 10+)`);
    if (!(n >= 0) || !Number.isFinite(n)) throw bad(`${H}["${k}"] is ${JSON.stringify(v)}, not a count`);
    counts[turns - 1] += n;
    total += n;
  }
  if (!(total > 0)) throw bad(`${H} counts no session`);
  const cdf = new Float64Array(9);
  let acc = 0;
  let below = 0; // Σ turns over sessions of 1..9 turns
  for (let k = 0; k < 9; k++) {
    acc += counts[k];
    below += (k + 1) * counts[k];
    cdf[k] = acc / total;
  }
  // The 10+ bucket's mean from the overall mean: mean·total = Σ_{k<10} k·n_k + n_10+ · mean_10+.
  let tailMean = 10;
  if (counts[9] > 0) {
    const meanTurns = typeof stats[M] === 'number' ? stats[M] : NaN;
    tailMean = (meanTurns * total - below) / counts[9];
    if (!(tailMean >= 10 - 1e-9) || !Number.isFinite(tailMean)) {
      throw bad(`${M} ${JSON.stringify(stats[M])} cannot size the 10+ bucket (the histogram needs at least ${fmt((below + 10 * counts[9]) / total)})`);
    }
  }
  const multi = total - counts[0];
  let mu = 0;
  let sigma = 0;
  if (multi > 0) {
    // Multi-turn sessions need a gap to place their turns, and its spread.
    const gap50 = stats.inter_turn_gap_median_s;
    const gap90 = stats.inter_turn_gap_p90_s;
    if (typeof gap50 !== 'number' || !(gap50 >= 0) || !Number.isFinite(gap50)) throw bad(`inter_turn_gap_median_s is ${JSON.stringify(gap50)}; multi-turn sessions need a gap median in seconds (≥ 0)`);
    if (typeof gap90 !== 'number' || !(gap90 >= gap50) || !Number.isFinite(gap90)) throw bad(`inter_turn_gap_p90_s is ${JSON.stringify(gap90)}; it must be a number of seconds ≥ the median (${gap50})`);
    if (gap50 === 0) mu = -Infinity;
    else {
      mu = log(gap50);
      sigma = log(gap90 / gap50) / Z90;
    }
  }
  // Profiles fitted before the share was recorded: every request in a session.
  const share = stats.session_request_share ?? 1;
  if (typeof share !== 'number' || !(share > 0 && share <= 1)) throw bad(`session_request_share is ${JSON.stringify(share)}; it must be a share in (0, 1]`);
  const ranks = rankModelOf(stats, bad);
  return { cdf, share, tailExtra: Math.max(0, tailMean - 10), mu, sigma, ...(ranks ? { ranks } : {}) };
}

/** The input-rank model of session statistics (undefined without `input_rank_by_turn`). */
function rankModelOf(stats: Record<string, unknown>, bad: (msg: string) => GenerateError): SessionModel['ranks'] {
  const byTurn = stats.input_rank_by_turn;
  if (byTurn === undefined) return undefined;
  if (!byTurn || typeof byTurn !== 'object' || Array.isArray(byTurn)) throw bad('input_rank_by_turn is not an object of turn buckets');
  const cdf: (Float64Array | undefined)[] = TURN_BUCKETS.map(() => undefined);
  for (const [k, v] of Object.entries(byTurn as Record<string, unknown>)) {
    const b = (TURN_BUCKETS as readonly string[]).indexOf(k);
    if (b < 0) throw bad(`input_rank_by_turn has a key "${k}" (keys are ${TURN_BUCKETS.join(', ')})`);
    if (!Array.isArray(v) || v.length !== RANK_BINS || !v.every((x) => typeof x === 'number' && x >= 0 && Number.isFinite(x))) {
      throw bad(`input_rank_by_turn["${k}"] must be ${RANK_BINS} counts ≥ 0`);
    }
    cdf[b] = rankCdf(v as number[]);
  }
  // A session turn bucket without ranks borrows the nearest earlier one with them, else the nearest later.
  const own = [...cdf];
  for (let b = 1; b < TURN_BUCKETS.length; b++) {
    if (own[b]) continue;
    for (let d = 1; d < TURN_BUCKETS.length && !cdf[b]; d++) cdf[b] = (b - d >= 1 ? own[b - d] : undefined) ?? (b + d < TURN_BUCKETS.length ? own[b + d] : undefined);
  }
  const rho = stats.input_rank_turn_copula ?? 0;
  if (typeof rho !== 'number' || !(rho > -1 && rho < 1)) throw bad(`input_rank_turn_copula is ${JSON.stringify(rho)}; it must be a correlation in (−1, 1)`);
  // Each bucket's bin shares with a floor of RANK_FLOOR spread over the bins: a bucket's empty
  // bins (mostly sampling zeros: later turns' ranks are rarely low) stay reachable when the
  // control needs them — a window holding mostly later turns otherwise kept its low ranks short
  // (BurstGPT's GPT-4 client at scale:100: 216 ranks in the lowest tenth of 4 166). A bucket
  // without ranks anywhere is uniform.
  const pdf = cdf.map((g) => Float64Array.from({ length: RANK_BINS }, (_, j) => (g ? (1 - RANK_FLOOR) * (g[j] - (j === 0 ? 0 : g[j - 1])) + RANK_FLOOR / RANK_BINS : 1 / RANK_BINS)));
  return { pdf, rho };
}

const fmt = (x: number) => String(Math.round(x * 1000) / 1000);

/** Draws a session's number of turns. */
export function drawTurns(model: SessionModel, rng: Rng): number {
  const u = rng.next();
  for (let k = 0; k < 9; k++) if (u < model.cdf[k]) return k + 1;
  if (!(model.tailExtra > 0)) return 10;
  // Geometric number of extra turns (≥ 0) with mean tailExtra, by inversion.
  const p = 1 / (1 + model.tailExtra);
  return 10 + Math.floor(log(rng.nextOpen()) / log(1 - p));
}

/** Draws an inter-turn gap (seconds), `bias` shorter on the log scale. */
export function drawGap(model: SessionModel, rng: Rng, bias = 0): number {
  return exp(model.mu - bias + model.sigma * rng.normal());
}

/** Step of the median tracker (log scale): the bias moves this much per continued turn, at most one per median gap of time. */
const TRACK_STEP = 0.05;
/** The tracker never draws gaps more than e^8 (~3 000×) shorter or longer than the profile's. */
const MAX_BIAS = 8;
/** Gain of the input-rank control (see SessionAssigner.inputRankIn). */
const RANK_GAIN = 3;
/** Share of a turn bucket's rank distribution spread evenly over all bins (see rankModelOf). */
const RANK_FLOOR = 0.05;
/** The control's weights are recomputed at least every REFRESH draws in a window. */
const REFRESH = 64;
/** Weight of the newest interval in the moving average of the time between tracker steps. */
const DT_WEIGHT = 0.02;
/**
 * Mean turns from which a client's sessions are long (SessionAssigner.saturated): in steady state
 * they then hold at least 1 − 1/10 of the sessions the client's arrivals can serve at the
 * profile's gaps, so an excess is no passing fluctuation, and it lasts as long as they do.
 */
const LONG_TURNS = 10;
/**
 * How far above the sessions the arrivals can serve the open ones may go before a new one is
 * refused: room for the fluctuations of a client of many sessions (850 sessions of 19 turns in a
 * day, ~18 open: 28 is 2.4 SDs above), none for a client of one (2 sessions > 1.5).
 */
const OVER = 1.5;

/**
 * Assigns one client's arrivals, pushed in time order, to sessions. Session ids are the
 * client's prefix and a counter; turns count from 1.
 */
export class SessionAssigner {
  private due = new Float64Array(16);
  private ids = new Float64Array(16);
  private turns = new Float64Array(16);
  private left = new Float64Array(16);
  private last = new Float64Array(16);
  /** Normal score of the session's last input rank (the AR(1) chain's state). */
  private score = new Float64Array(16);
  /** Time of the tracker's last step, and the mean time between its steps (moving average). */
  private tracked = -Infinity;
  private meanDt = NaN;
  /** The profile's mean inter-turn gap (s): e^(μ + σ²/2) of the log-normal. */
  private readonly meanGap: number;
  /** The client's mean time between arrivals so far (s; NaN before the first): over the run, not recent ones (a moving average followed a sparse client's rate levels, and let a second long session open in a dense one). */
  private meanArrival = NaN;
  private arrivals = 0;
  /** Sessions average LONG_TURNS turns or more (the model's mean): saturated applies. */
  private readonly long: boolean;
  private size = 0;
  /** Log-scale amount drawn gaps are shortened by, so realized gaps keep the profile's median. */
  bias = 0;

  private opened = 0;
  /** The last assignment: session number (from 1) and turn; NaN for a request outside sessions. */
  session = 0;
  turn = 0;
  /** The input-rank control's state per length window (see inputRankIn); the controlled bins' cumulative weights (scratch). */
  private readonly drawnIn = new Map<object, Float64Array>();
  private readonly controlled = new Float64Array(RANK_BINS);
  /** The last assignment's turn bucket and chain score. */
  private bucket = 0;
  private z = 0;
  /** Draws the ranks' chain: its own stream, so sessions are labelled alike with or without ranks. */
  private readonly rankRng: Rng | undefined;

  constructor(
    private readonly model: SessionModel,
    private readonly rng: Rng,
  ) {
    this.rankRng = model.ranks ? rng.split('input-ranks') : undefined;
    this.meanGap = model.mu > -Infinity ? exp(model.mu + 0.5 * model.sigma * model.sigma) : 0;
    let meanTurns = (1 - model.cdf[8]) * (10 + model.tailExtra);
    for (let k = 0; k < 9; k++) meanTurns += (k + 1) * (model.cdf[k] - (k === 0 ? 0 : model.cdf[k - 1]));
    this.long = meanTurns >= LONG_TURNS;
  }

  /**
   * True when an arrival that finds no session due should continue the session due first
   * (early) rather than open another: the client's sessions are long (LONG_TURNS), and its
   * arrivals cannot serve one more at the profile's gaps with OVER to spare — a session takes a
   * turn every mean gap, so k + 1 open sessions would take (k + 1) / mean gap of arrivals per
   * second, against the client's in-session arrivals (share / mean time between arrivals). A new
   * session would then thin every session's turns for as long as the long ones last. Found by
   * audit (h-93): a log of one session of 50 000 turns (every gap an inter-turn gap) was
   * generated as 3–4 overlapping sessions sharing the arrivals (validate: session gap median
   * 2.1× the log's; 0.001–0.005 off with this, seeds 1–3): arrivals before the first session's
   * due time opened others, and sessions of thousands of turns did not end to undo it. Clients
   * of short sessions (BurstGPT's: 2.4–2.9 turns) are labelled as before: refusing new sessions
   * there changed their labels (mean turns 2.63 → 3.19 on the slice) for no better fit.
   */
  private saturated(): boolean {
    return this.long && (this.size + 1) * this.meanArrival > OVER * this.model.share * this.meanGap;
  }

  /** Records the last assignment's turn bucket and chain score z (for inputRankIn); returns z. */
  private ranked(bucket: number, z: number): number {
    this.bucket = bucket;
    this.z = z;
    return z;
  }

  /** True when the model has input ranks (inputRankIn gives them). */
  get hasRanks(): boolean {
    return this.rankRng !== undefined;
  }

  /**
   * The last assignment's input rank within its length window (`window`: any object that
   * stands for it), in (0, 1): its turn bucket's ranks at the chain's score. The bucket's
   * ranks are reweighted bin by bin towards the bins drawn less than their share so far in
   * that window (weight exp(RANK_GAIN · (expected − drawn) / √(expected + 1))), so the
   * client's ranks in each window stay uniform — its lengths keep the window's distribution —
   * even where the generated mix of turns is not the log's: turn 1 holds the lowest ranks, and
   * generated sessions run shorter than the log's (its histogram is already cut by the log's
   * ends, and the span cuts it again). Without it BurstGPT's chat client at scale:100 had an
   * input median of 220 tokens against 276 (2.50 turns on average against the log's 2.85).
   */
  inputRankIn(window: object): number {
    const p = this.model.ranks!.pdf[this.bucket];
    const u = Math.min(Math.max(normalCdf(this.z), 1e-12), 1 - 1e-12);
    // Per window: drawn per bin, the bins' weights, then ranks drawn, the gain's scale the
    // weights were computed at, e^−scale, and draws since (the weights are refreshed when the
    // scale has fallen 2 % or after REFRESH draws; in between a draw only scales its bin's
    // weight by e^−scale — the expected count, common to all bins, cancels).
    let st = this.drawnIn.get(window);
    if (!st) this.drawnIn.set(window, (st = new Float64Array(2 * RANK_BINS + 4)));
    const N = 2 * RANK_BINS;
    const expected = st[N] / RANK_BINS;
    const scale = RANK_GAIN / Math.sqrt(expected + 1);
    if (st[N + 3] === 0 || st[N + 3] >= REFRESH || scale < 0.98 * st[N + 1]) {
      for (let j = 0; j < RANK_BINS; j++) st[RANK_BINS + j] = exp(Math.max(-20, Math.min(20, scale * (expected - st[j]))));
      st[N + 1] = scale;
      st[N + 2] = exp(-scale);
      st[N + 3] = 0;
    }
    const q = this.controlled;
    let acc = 0;
    for (let j = 0; j < RANK_BINS; j++) {
      acc += p[j] * st[RANK_BINS + j];
      q[j] = acc;
    }
    // The rank at u of the reweighted bins (linear within a bin).
    const target = u * acc;
    let j = 0;
    while (j < RANK_BINS - 1 && q[j] <= target) j++;
    const below = j === 0 ? 0 : q[j - 1];
    const width = q[j] - below;
    const r = Math.min((j + (width > 0 ? (target - below) / width : 0.5)) / RANK_BINS, 1 - 1e-12);
    const bin = Math.min(RANK_BINS - 1, Math.floor(r * RANK_BINS));
    st[bin]++;
    st[RANK_BINS + bin] *= st[N + 2];
    st[N]++;
    st[N + 3]++;
    return r;
  }




  /** The chain's next score after `prev` (a fresh one for a new session: prev NaN). */
  private nextScore(prev: number): number {
    const e = this.rankRng!.normal();
    if (prev !== prev) return e;
    const rho = this.model.ranks!.rho;
    return rho * prev + Math.sqrt(1 - rho * rho) * e;
  }

  /**
   * Assigns the arrival at time t (non-decreasing), whose next arrival is expected at `next`;
   * read `session` and `turn` after. It continues the session due first when that due time is
   * nearer to t than to `next`.
   */
  assign(t: number, next: number): void {
    const gap = next - t;
    if (gap >= 0 && Number.isFinite(gap)) {
      this.arrivals++;
      this.meanArrival = this.arrivals === 1 ? gap : this.meanArrival + (gap - this.meanArrival) / this.arrivals;
    }
    if (this.model.share < 1 && this.rng.next() >= this.model.share) {
      // A request outside sessions (found by review: a client whose source rows were only
      // partly in sessions — BurstGPT's `tail` after fit --anonymize, 92 of 98 — had all of
      // its generated requests labelled, twice the sessions).
      this.session = NaN;
      this.turn = NaN;
      if (this.rankRng) this.ranked(0, this.nextScore(NaN));
      return;
    }
    const due = this.size > 0 && this.due[0] <= t + 0.5 * (next - t);
    if (due || (this.size > 0 && this.saturated())) {
      const id = this.ids[0];
      const turn = this.turns[0] + 1;
      const left = this.left[0] - 1;
      const realized = t - this.last[0];
      const z = this.rankRng ? this.ranked(turnBucket(turn), this.nextScore(this.score[0])) : NaN;
      this.pop();
      this.session = id;
      this.turn = turn;
      // Median tracking: a realized gap above the profile's median shortens later draws. The
      // step shrinks where turns are continued more often than once per median gap (at most
      // about TRACK_STEP per gap of time, whatever the rate), every turn weighing the same.
      // Found by review: a fixed step per turn fed back with a lag of one gap — at scale:K
      // thousands of steps — and overshot: BurstGPT at scale:10000 swung between +8 and −5,
      // drew gaps 150× the profile's, and those sessions' turns fell past the end (chat client:
      // mean turns 3.29 → 2.17, multi-turn share 0.62 → 0.50, gap median 120 → 190 s).
      // (An early turn, not due: its gap says nothing of how late turns land.)
      if (this.model.mu > -Infinity && due) {
        if (this.tracked > -Infinity) {
          // Capped at the median gap: one idle hour is not a slow rate of turns.
          const dt = Math.min(t - this.tracked, exp(this.model.mu));
          this.meanDt = this.meanDt === this.meanDt ? this.meanDt + DT_WEIGHT * (dt - this.meanDt) : dt;
        }
        this.tracked = t;
        const step = this.meanDt === this.meanDt ? TRACK_STEP * Math.min(1, this.meanDt / exp(this.model.mu)) : TRACK_STEP;
        this.bias = Math.max(-MAX_BIAS, Math.min(MAX_BIAS, this.bias + (log(Math.max(realized, 1e-9)) > this.model.mu ? step : -step)));
      }
      if (left > 0) this.push(t + drawGap(this.model, this.rng, this.bias), id, turn, left, t, z);
      return;
    }
    const id = ++this.opened;
    const total = drawTurns(this.model, this.rng);
    this.session = id;
    this.turn = 1;
    const z = this.rankRng ? this.ranked(turnBucket(1), this.nextScore(NaN)) : NaN;
    if (total > 1) this.push(t + drawGap(this.model, this.rng, this.bias), id, 1, total - 1, t, z);
  }

  /** Binary min-heap on (due, id): the session due first, ties to the older session. */
  private less(i: number, j: number): boolean {
    return this.due[i] < this.due[j] || (this.due[i] === this.due[j] && this.ids[i] < this.ids[j]);
  }

  private swap(i: number, j: number): void {
    // Array by array, without allocating (this runs ~log n times per turn).
    swapIn(this.due, i, j);
    swapIn(this.ids, i, j);
    swapIn(this.turns, i, j);
    swapIn(this.left, i, j);
    swapIn(this.last, i, j);
    swapIn(this.score, i, j);
  }

  private push(due: number, id: number, turn: number, left: number, last: number, score: number): void {
    if (this.size === this.due.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.due = grow(this.due);
      this.ids = grow(this.ids);
      this.turns = grow(this.turns);
      this.left = grow(this.left);
      this.last = grow(this.last);
      this.score = grow(this.score);
    }
    let i = this.size++;
    this.due[i] = due;
    this.ids[i] = id;
    this.turns[i] = turn;
    this.left[i] = left;
    this.last[i] = last;
    this.score[i] = score;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private pop(): void {
    const last = --this.size;
    if (last > 0) {
      this.due[0] = this.due[last];
      this.ids[0] = this.ids[last];
      this.turns[0] = this.turns[last];
      this.left[0] = this.left[last];
      this.last[0] = this.last[last];
      this.score[0] = this.score[last];
    }
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) return;
      const r = l + 1;
      const m = r < this.size && this.less(r, l) ? r : l;
      if (!this.less(m, i)) return;
      this.swap(i, m);
      i = m;
    }
  }
}

function swapIn(a: Float64Array, i: number, j: number): void {
  const x = a[i];
  a[i] = a[j];
  a[j] = x;
}
