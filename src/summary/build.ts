import type { IntField } from '../ingest/fields.js';
import type { Trace } from '../ingest/trace.js';
import { gapBin, JOINT_STRIDE, jointBin, LENGTH_EXACT_BELOW, lengthKey } from './bins.js';
import { EMPTY_COUNTS, PackedCounts, PairSink } from './packed.js';
import { detectResolution, RESOLUTION_SAMPLE } from './resolution.js';
import { normalQuantile } from '../stats/normal.js';
import { memTermsInto } from './mem-terms.js';
import { AGGREGATE_BUCKET_SECONDS, arrivalFields, CLUSTER_GAPS, CLUSTER_KEYS, clusterTicks, MEM_LAGS, MEM_MIN_GAPS, QUANT_TICKS, type AggregateBuckets, type ArrivalSummary, type LengthSummary, type TraceSummaries } from './types.js';
import { log } from '../stats/det-math.js';
import { addBuckets } from './buckets.js';

/** Most AGGREGATE_BUCKET_SECONDS buckets a builder counts (16 MB, ~20 years). */
const MAX_BUCKETS = 1 << 21;

export interface SummaryOptions {
  arrivalSeconds: number;
  lengthSeconds: number;
  /** Override the detected clock resolution (seconds; 0 = treat timestamps as exact). */
  resolution?: number;
  /** buildSummaries: rows counted so far, every PROGRESS_ROWS rows (the summaries are the same). */
  onProgress?: (rows: number, total: number) => void;
}

/** Rows buildSummaries counts between onProgress calls. */
const PROGRESS_ROWS = 1 << 20;

const SCALES = [1, 10, 60] as const;
const RATIO_GRID = 500;

/** Profile field names summarized from trace columns (reasoning becomes `reason_ratio`). */
export const SUMMARY_FIELDS = ['input_tokens', 'output_tokens', 'image_count', 'image_tokens', 'audio_count', 'audio_tokens', 'video_count', 'video_tokens'] as const;

/** A chunk of rows for SummaryBuilder.push: times, client indices, integer columns (−1 = absent). */
export interface RowChunk {
  n: number;
  t: Float64Array;
  client: Int32Array;
  ints: Partial<Record<IntField, Int32Array>>;
}

/**
 * Every client's codes for its open window, in per-client segments of one shared Int32Array
 * (one load and one store per code, no object per client). A full segment moves to the end
 * with twice the room; the pool is compacted when it runs out.
 */
class CodeArena {
  pool = new Int32Array(1 << 16);
  /** Per client: segment start, codes in it, room (interleaved: one cache line per push). */
  readonly meta: Int32Array;
  private top = 0;
  constructor(private readonly clients: number) {
    this.meta = new Int32Array(3 * clients);
  }
  push(c: number, v: number): void {
    const m = this.meta;
    const n = m[3 * c + 1];
    if (n === m[3 * c + 2]) this.grow(c);
    this.pool[m[3 * c] + n] = v;
    m[3 * c + 1] = n + 1;
  }
  /** Client c's codes (a view, valid until the next push). */
  codes(c: number): Int32Array {
    return this.pool.subarray(this.meta[3 * c], this.meta[3 * c] + this.meta[3 * c + 1]);
  }
  size(c: number): number {
    return this.meta[3 * c + 1];
  }
  clear(c: number): void {
    this.meta[3 * c + 1] = 0;
  }
  private grow(c: number): void {
    const m = this.meta;
    const room = Math.max(16, m[3 * c + 2] * 2);
    if (this.top + room > this.pool.length) {
      // Compact: live segments (with their room) into a pool twice the size they need.
      let need = room;
      for (let k = 0; k < this.clients; k++) if (k !== c) need += m[3 * k + 2];
      const next = new Int32Array(Math.max(this.pool.length, 2 * need));
      let at = 0;
      for (let k = 0; k < this.clients; k++) {
        if (k === c || m[3 * k + 2] === 0) continue;
        next.set(this.codes(k), at);
        m[3 * k] = at;
        at += m[3 * k + 2];
      }
      next.set(this.codes(c), at);
      m[3 * c] = at;
      m[3 * c + 2] = room;
      this.top = at + room;
      this.pool = next;
      return;
    }
    this.pool.copyWithin(this.top, m[3 * c], m[3 * c] + m[3 * c + 1]);
    m[3 * c] = this.top;
    m[3 * c + 2] = room;
    this.top += room;
  }
}

/**
 * Counts the distinct codes of a buffer, ascending, into `out` (codes, counts): by a dense
 * scratch count when every code falls in [−offset, size − offset) — one pass, then a sort of
 * the distinct codes only — else by sorting the buffer.
 */
class Counter {
  private readonly scratch: Int32Array;
  outCodes = new Int32Array(1024);
  outCounts = new Int32Array(1024);
  constructor(
    private readonly offset: number,
    size: number,
  ) {
    this.scratch = new Int32Array(size);
  }
  /** @returns the number of distinct codes written to outCodes/outCounts. */
  count(arena: CodeArena, c: number): number {
    const n = arena.size(c);
    const codes = arena.codes(c);
    if (this.outCodes.length < n) {
      this.outCodes = new Int32Array(n * 2);
      this.outCounts = new Int32Array(n * 2);
    }
    const out = this.outCodes;
    const cnt = this.outCounts;
    const scratch = this.scratch;
    const offset = this.offset;
    let d = 0;
    let i = 0;
    let lo = scratch.length;
    let hi = -1;
    for (; i < n; i++) {
      const at = codes[i] + offset;
      if (at < 0 || at >= scratch.length) break;
      if (scratch[at]++ === 0) {
        out[d++] = at;
        if (at < lo) lo = at;
        if (at > hi) hi = at;
      }
    }
    if (i < n) {
      // A code out of the dense range (a gap of centuries, say): undo, sort, run-length count.
      for (let j = 0; j < i; j++) scratch[codes[j] + offset] = 0;
      const sorted = codes.slice().sort();
      d = 0;
      for (let j = 0; j < n; ) {
        const v = sorted[j];
        let k = j + 1;
        while (k < n && sorted[k] === v) k++;
        out[d] = v;
        cnt[d++] = k - j;
        j = k;
      }
      return d;
    }
    if (hi - lo < 32 * d) {
      // Dense enough: the codes in order by a scan of their range (cheaper than a sort).
      let j = 0;
      for (let at = lo; at <= hi; at++) {
        const k = scratch[at];
        if (k === 0) continue;
        out[j] = at - offset;
        cnt[j++] = k;
        scratch[at] = 0;
      }
      return d;
    }
    if (d > 24) out.subarray(0, d).sort();
    else {
      // Insertion sort: most windows have few distinct codes, and a typed-array sort call costs ~1 µs.
      for (let j = 1; j < d; j++) {
        const v = out[j];
        let k = j - 1;
        for (; k >= 0 && out[k] > v; k--) out[k + 1] = out[k];
        out[k + 1] = v;
      }
    }
    for (let j = 0; j < d; j++) {
      const at = out[j];
      cnt[j] = scratch[at];
      scratch[at] = 0;
      out[j] = at - offset;
    }
    return d;
  }
}

const NF = SUMMARY_FIELDS.length;
/**
 * Joint bins per axis while counting (jointBin of any int32 is below 147): codes in*160+out
 * keep the scratch count at 100 KB, in cache; keys are in*JOINT_STRIDE+out.
 */
const JOINT_BINS = 160;
/** Gap-memory lags. */
const NL = MEM_LAGS.length;
/** Where a record's gap-memory terms start (MEM_LAGS covariance terms, then their variance terms). */
const AR_MEM = 17;
/** Where a record's batch counts' range [from, to) is. */
const AR_BATCH = AR_MEM + 2 * NL;
/** Where a record's counts in its first and last occupied 1/10/60 s sub-bins are (3, then 3). */
const AR_EDGE = AR_BATCH + 2;
/** Where a record's cluster counts' range [from, to) is. */
const AR_CLUSTER = AR_EDGE + 6;
/** Arrival window record: client, wi, n, first, last, gaps, sum, sumSq, sumLog, positive, Σcount² at 1/10/60 s, quant [from, to), hist [from, to), gap memory (2·NL), batches [from, to), first and last sub-bin counts (2·3), clusters [from, to). */
const AR = AR_CLUSTER + 2;
/** Length window record: client, li, n, then [from, to) per field (SUMMARY_FIELDS, reason_ratio) and joint. */
const LR = 3 + 2 * (NF + 2);

/** Growable Float64Array of fixed-stride records. */
class Records {
  data: Float64Array;
  n = 0;
  constructor(private readonly stride: number) {
    this.data = new Float64Array(stride * 1024);
  }
  /** Index of a new record (its fields at index · stride). */
  add(): number {
    if ((this.n + 1) * this.stride > this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    return this.n++;
  }
}

/**
 * The summary scan as a stream: rows are pushed chunk by chunk, each client's rows in time
 * order, and per-(client, window) summaries come out (DESIGN.md). Windows are aligned to
 * multiples of their length from t = 0. A client has one open arrival window and one open
 * length window at a time, accumulated in per-client typed arrays; its histogram codes are
 * appended to per-client buffers and counted when the window closes, into packed histograms
 * (PackedCounts) — no object or Map per window until the end, no hash lookup per row.
 * Reasoning tokens become `reason_ratio` (reasoning / output, on a 1/500 grid) so generated
 * reasoning never exceeds the output it is part of. Float sums add in each client's time order.
 */
/** Per-client state record (array of structs: one row touches ~3 cache lines, not ~20). */
const S_LAST = 0; // time of the client's previous row (NaN: none)
const S_WI = 1; // open arrival window (NaN: none)
const S_N = 2;
const S_FIRST = 3;
const S_GAPS = 4;
const S_SUM = 5;
const S_SUMSQ = 6;
const S_SUMLOG = 7;
const S_POS = 8;
const S_SUBBIN = 9; // 1/10/60 s sub-bin (3), its count (3), Σ count² in the window (3)
const S_SUBCOUNT = 12;
const S_SUBSQ = 15;
const S_LI = 18; // open length window (NaN: none)
const S_LN = 19;
const S_RUN = 20; // requests at the time of the client's previous row (a batch when ≥ 2)
const S_FIRSTCOUNT = 24; // count in the window's first occupied 1/10/60 s sub-bin (3; NaN until it closes)
const S_CRUN = 21; // requests in the client's current run of gaps below each CLUSTER_GAPS threshold (3)
const STRIDE = 27;

export class SummaryBuilder {
  private readonly W: number;
  private readonly L: number;
  readonly resolution: number;
  private readonly clients: readonly string[];
  private readonly st: Float64Array;
  private readonly gapCodes: CodeArena;
  /** One arena per summarized field, then reason_ratio, then joint. */
  private readonly lengthCodes: CodeArena[];
  private readonly gapCounter = new Counter(QUANT_TICKS, QUANT_TICKS + 8192);
  /** Batch sizes of each client's open window (one code per batch, when it ends). */
  private readonly batchCodes: CodeArena;
  private readonly batchCounter = new Counter(0, 1024);
  /** Cluster runs of each client's open window (one clusterKey code per run, when it ends). */
  private readonly clusterCodes: CodeArena;
  /** Dense counts to runs of 4 096 (busy clients make long runs below 100 ms). */
  private readonly clusterCounter = new Counter(0, CLUSTER_KEYS * 4096);
  /** Each CLUSTER_GAPS threshold in clock ticks: a gap of fewer ticks continues a run. */
  private readonly clusterTicks: Float64Array;
  private readonly lengthCounter = new Counter(1024, 1024 + LENGTH_EXACT_BELOW);
  private readonly jointCounter = new Counter(0, JOINT_BINS * JOINT_BINS);
  /** Normal score per gap code (index code + QUANT_TICKS) while a window's gap memory is counted. */
  private readonly scoreTable = new Float64Array(QUANT_TICKS + 8192);
  private scores = new Float64Array(256);
  private z = new Float64Array(1024);
  private readonly lagSums = new Float64Array(NL);
  private readonly quantSink = new PairSink();
  private readonly histSink = new PairSink();
  private readonly batchSink = new PairSink();
  private readonly clusterSink = new PairSink();
  private readonly lengthSink = new PairSink();
  private readonly ratioSink = new PairSink(true);
  private readonly arrivals = new Records(AR);
  private readonly lengths = new Records(LR);
  private spanStart = Infinity;
  private spanEnd = -Infinity;
  /** Rows per AGGREGATE_BUCKET_SECONDS bucket (TraceSummaries.buckets): bucket bucketBase + i in bucketCounts[i]. */
  private bucketBase = 0;
  private bucketCounts = new Float64Array(0);
  private bucketsOff = false;
  /** Rows pushed. */
  rows = 0;

  /**
   * @param clients client names, indexed by the `client` column of pushed chunks
   * @param resolution clock resolution in seconds (0 = exact; at least 1 µs is used)
   */
  constructor(options: { arrivalSeconds: number; lengthSeconds: number; resolution: number; clients: readonly string[] }) {
    this.W = options.arrivalSeconds;
    this.L = options.lengthSeconds;
    // Timestamps are never finer than 1 µs here (the trace writers print 6 decimals); zero gaps need a tick.
    this.resolution = Math.max(options.resolution, 1e-6);
    this.clients = options.clients;
    const n = options.clients.length;
    this.st = new Float64Array(n * STRIDE);
    for (let c = 0; c < n; c++) for (const f of [S_LAST, S_WI, S_SUBBIN, S_SUBBIN + 1, S_SUBBIN + 2, S_LI, S_FIRSTCOUNT, S_FIRSTCOUNT + 1, S_FIRSTCOUNT + 2]) this.st[c * STRIDE + f] = NaN;
    this.gapCodes = new CodeArena(n);
    this.batchCodes = new CodeArena(n);
    this.clusterCodes = new CodeArena(n);
    this.clusterTicks = Float64Array.from(CLUSTER_GAPS, (tau) => clusterTicks(tau, this.resolution));
    this.lengthCodes = Array.from({ length: NF + 2 }, () => new CodeArena(n));
  }

  /**
   * Adds rows [from, to) of a chunk. Returns false — adding nothing more — at the first row
   * earlier than its client's previous row (the stream is not in time order per client).
   */
  push(chunk: RowChunk, from = 0, to = chunk.n): boolean {
    const { t: T, client: C } = chunk;
    const W = this.W;
    const L = this.L;
    const res = this.resolution;
    // The summarized columns present, with their arenas.
    const cols: Int32Array[] = [];
    const colBufs: CodeArena[] = [];
    SUMMARY_FIELDS.forEach((f, k) => {
      const col = chunk.ints[f];
      if (col === undefined) return;
      cols.push(col);
      colBufs.push(this.lengthCodes[k]);
    });
    const nc = cols.length;
    const inCol = chunk.ints.input_tokens;
    const outCol = chunk.ints.output_tokens;
    const reasonCol = chunk.ints.reasoning_tokens;
    const st = this.st;
    const gapCodes = this.gapCodes;
    const [K0, K1, K2] = this.clusterTicks;
    const clusterCodes = this.clusterCodes;
    const bufs = this.lengthCodes;
    let spanStart = this.spanStart;
    let spanEnd = this.spanEnd;
    let bucketBase = this.bucketBase;
    let buckets = this.bucketCounts;
    let i = from;
    for (; i < to; i++) {
      const t = T[i];
      const c = C[i];
      const o = c * STRIDE;
      const prev = st[o + S_LAST];
      if (t < prev) break;
      if (t < spanStart) spanStart = t;
      if (t > spanEnd) spanEnd = t;
      const bucket = Math.floor(t / AGGREGATE_BUCKET_SECONDS);
      if (bucket - bucketBase >= 0 && bucket - bucketBase < buckets.length) buckets[bucket - bucketBase]++;
      else if (this.growBuckets(bucket)) {
        bucketBase = this.bucketBase;
        buckets = this.bucketCounts;
        buckets[bucket - bucketBase]++;
      }
      // Batches: a run of rows at one time ends in the window it began in (before it closes).
      if (t === prev) st[o + S_RUN]++;
      else {
        if (st[o + S_RUN] >= 2) this.batchCodes.push(c, st[o + S_RUN]);
        st[o + S_RUN] = 1;
      }
      // Clusters: a run of gaps below a threshold within a window (it ends here, before that
      // window closes; a new window starts new runs). NaN ticks (the client's first row) too.
      // Thresholds ascend, so runs do (a run below 1 ms lies in one below 10 ms): most gaps end
      // all three, and none is 2 or more unless the 100 ms one is.
      const ticks = Math.round((t - prev) / res);
      const wi = Math.floor(t / W);
      if (!(ticks < K2) || st[o + S_WI] !== wi) {
        const run = st[o + S_CRUN + 2];
        if (run !== 1) {
          if (run >= 2) this.endRuns(c, 3);
          st[o + S_CRUN] = st[o + S_CRUN + 1] = st[o + S_CRUN + 2] = 1;
        }
      } else if (ticks < K0) {
        st[o + S_CRUN]++;
        st[o + S_CRUN + 1]++;
        st[o + S_CRUN + 2]++;
      } else {
        // Below 100 ms, not below 1 ms: the 1 ms run ends, the 10 ms one ends unless below 10 ms.
        const r0 = st[o + S_CRUN];
        if (r0 >= 2) clusterCodes.push(c, CLUSTER_KEYS * r0);
        st[o + S_CRUN] = 1;
        if (ticks < K1) st[o + S_CRUN + 1]++;
        else {
          const r1 = st[o + S_CRUN + 1];
          if (r1 >= 2) clusterCodes.push(c, CLUSTER_KEYS * r1 + 1);
          st[o + S_CRUN + 1] = 1;
        }
        st[o + S_CRUN + 2]++;
      }
      // Arrivals.
      const open = st[o + S_WI];
      if (open !== wi) {
        if (open === open) this.closeArrival(c);
        st[o + S_WI] = wi;
        st[o + S_FIRST] = t;
      }
      st[o + S_N]++;
      if (prev === prev) {
        const g = t - prev;
        st[o + S_GAPS]++;
        st[o + S_SUM] += g;
        st[o + S_SUMSQ] += g * g;
        gapCodes.push(c, ticks < QUANT_TICKS ? ticks - QUANT_TICKS : gapBin(g));
        if (g > 0) {
          st[o + S_POS]++;
          st[o + S_SUMLOG] += log(g);
        }
      }
      st[o + S_LAST] = t;
      for (let k = 0; k < 3; k++) {
        const b = Math.floor(t / SCALES[k]);
        if (st[o + S_SUBBIN + k] !== b) {
          const cnt = st[o + S_SUBCOUNT + k];
          st[o + S_SUBSQ + k] += cnt * cnt;
          if (cnt > 0 && st[o + S_FIRSTCOUNT + k] !== st[o + S_FIRSTCOUNT + k]) st[o + S_FIRSTCOUNT + k] = cnt;
          st[o + S_SUBBIN + k] = b;
          st[o + S_SUBCOUNT + k] = 0;
        }
        st[o + S_SUBCOUNT + k]++;
      }
      // Lengths.
      const li = Math.floor(t / L);
      const openL = st[o + S_LI];
      if (openL !== li) {
        if (openL === openL) this.closeLength(c);
        st[o + S_LI] = li;
      }
      st[o + S_LN]++;
      for (let k = 0; k < nc; k++) {
        const v = cols[k][i];
        if (v >= 0) colBufs[k].push(c, lengthKey(v));
      }
      if (reasonCol && outCol) {
        const r = reasonCol[i];
        const out = outCol[i];
        if (r >= 0 && out > 0) bufs[NF].push(c, Math.round(Math.min(1, r / out) * RATIO_GRID));
      }
      if (inCol && outCol && inCol[i] >= 0 && outCol[i] >= 0) bufs[NF + 1].push(c, jointBin(inCol[i]) * JOINT_BINS + jointBin(outCol[i]));
    }
    this.spanStart = spanStart;
    this.spanEnd = spanEnd;
    this.rows += i - from;
    return i === to;
  }

  /**
   * Makes room in bucketCounts for bucket k (doubling, either way); false, and no buckets from
   * then on, when the rows span more than MAX_BUCKETS (a time axis with strays decades away:
   * the aggregate model is then fitted to the arrival windows' counts).
   */
  private growBuckets(k: number): boolean {
    if (this.bucketsOff) return false;
    const old = this.bucketCounts;
    if (old.length === 0) {
      this.bucketBase = k;
      this.bucketCounts = new Float64Array(64);
      return true;
    }
    const lo = Math.min(this.bucketBase, k);
    const hi = Math.max(this.bucketBase + old.length, k + 1);
    if (hi - lo > MAX_BUCKETS) {
      this.bucketsOff = true;
      this.bucketCounts = new Float64Array(0);
      return false;
    }
    const size = Math.min(MAX_BUCKETS, Math.max(hi - lo, 2 * old.length));
    // Room on the side that grew (rows come in time order per client, mostly ascending).
    const base = k < this.bucketBase ? hi - size : lo;
    const next = new Float64Array(size);
    next.set(old, this.bucketBase - base);
    this.bucketBase = base;
    this.bucketCounts = next;
    return true;
  }

  /** Counts client c's runs at the first `ended` thresholds that have 2 requests or more (they end: the caller starts new ones). */
  private endRuns(c: number, ended: number): void {
    const o = c * STRIDE;
    for (let k = 0; k < ended; k++) {
      const run = this.st[o + S_CRUN + k];
      if (run >= 2) this.clusterCodes.push(c, CLUSTER_KEYS * run + k);
    }
  }

  private closeArrival(c: number): void {
    const r = this.arrivals.add() * AR;
    const A = this.arrivals.data;
    const st = this.st;
    const o = c * STRIDE;
    A[r] = c;
    A[r + 1] = st[o + S_WI];
    A[r + 2] = st[o + S_N];
    A[r + 3] = st[o + S_FIRST];
    A[r + 4] = st[o + S_LAST];
    A[r + 5] = st[o + S_GAPS];
    A[r + 6] = st[o + S_SUM];
    A[r + 7] = st[o + S_SUMSQ];
    A[r + 8] = st[o + S_SUMLOG];
    A[r + 9] = st[o + S_POS];
    // Dispersion: Σ count² over the window's sub-bins, the open one included; a sub-bin cut by
    // the window boundary counts in both windows.
    for (let k = 0; k < 3; k++) {
      const cnt = st[o + S_SUBCOUNT + k];
      A[r + 10 + k] = st[o + S_SUBSQ + k] + cnt * cnt;
      // The counts of the first and last occupied sub-bins (one sub-bin: both), for interiorDisp.
      const firstCount = st[o + S_FIRSTCOUNT + k];
      A[r + AR_EDGE + k] = firstCount === firstCount ? firstCount : cnt;
      A[r + AR_EDGE + 3 + k] = cnt;
      st[o + S_FIRSTCOUNT + k] = NaN;
      st[o + S_SUBSQ + k] = 0;
      st[o + S_SUBCOUNT + k] = 0;
      st[o + S_SUBBIN + k] = NaN;
    }
    const d = this.gapCounter.count(this.gapCodes, c);
    const { outCodes, outCounts } = this.gapCounter;
    this.memory(c, d, r);
    A[r + 13] = this.quantSink.n;
    let j = 0;
    for (; j < d && outCodes[j] < 0; j++) this.quantSink.push(outCodes[j] + QUANT_TICKS, outCounts[j]);
    A[r + 14] = this.quantSink.n;
    A[r + 15] = this.histSink.n;
    for (; j < d; j++) this.histSink.push(outCodes[j], outCounts[j]);
    A[r + 16] = this.histSink.n;
    this.gapCodes.clear(c);
    A[r + AR_BATCH] = this.batchSink.n;
    if (this.batchCodes.size(c) > 0) {
      const b = this.batchCounter.count(this.batchCodes, c);
      for (let k = 0; k < b; k++) this.batchSink.push(this.batchCounter.outCodes[k], this.batchCounter.outCounts[k]);
      this.batchCodes.clear(c);
    }
    A[r + AR_BATCH + 1] = this.batchSink.n;
    A[r + AR_CLUSTER] = this.clusterSink.n;
    if (this.clusterCodes.size(c) > 0) {
      const b = this.clusterCounter.count(this.clusterCodes, c);
      for (let k = 0; k < b; k++) this.clusterSink.push(this.clusterCounter.outCodes[k], this.clusterCounter.outCounts[k]);
      this.clusterCodes.clear(c);
    }
    A[r + AR_CLUSTER + 1] = this.clusterSink.n;
    st[o + S_N] = st[o + S_GAPS] = st[o + S_SUM] = st[o + S_SUMSQ] = st[o + S_SUMLOG] = st[o + S_POS] = 0;
    st[o + S_WI] = NaN;
  }

  /**
   * Gap-memory terms of the closing window of client c into record r (see ArrivalSummary.mem):
   * the window's own gaps (all its codes but a first one from the previous window) ranked by
   * code — codes order gaps, ties share their mid-rank — as normal scores Φ⁻¹(rank/(m+1)).
   * `d` distinct codes are in the gap counter's output, ascending.
   */
  private memory(c: number, d: number, r: number): void {
    const A = this.arrivals.data;
    const at = r + AR_MEM;
    for (let l = 0; l < 2 * NL; l++) A[at + l] = 0;
    const o = c * STRIDE;
    const m = this.st[o + S_N] - 1;
    if (m < MEM_MIN_GAPS) return;
    const skip = this.st[o + S_GAPS] - m; // 1 when the first code is the gap from the previous window
    const codes = this.gapCodes.codes(c);
    const { outCodes, outCounts } = this.gapCounter;
    const find = (code: number) => {
      let lo = 0;
      let hi = d - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (outCodes[mid] < code) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    const cross = skip ? find(codes[0]) : -1;
    if (this.scores.length < d) this.scores = new Float64Array(2 * d);
    const scores = this.scores;
    const table = this.scoreTable;
    let dense = true;
    let cum = 0;
    for (let j = 0; j < d; j++) {
      const cnt = outCounts[j] - (j === cross ? 1 : 0);
      const s = cnt > 0 ? normalQuantile((cum + (cnt + 1) / 2) / (m + 1)) : 0;
      cum += cnt;
      scores[j] = s;
      const k = outCodes[j] + QUANT_TICKS;
      if (k >= 0 && k < table.length) table[k] = s;
      else dense = false;
    }
    if (this.z.length < m) this.z = new Float64Array(2 * m);
    const z = this.z;
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < m; i++) {
      const code = codes[skip + i];
      const v = dense ? table[code + QUANT_TICKS] : scores[find(code)];
      z[i] = v;
      s1 += v;
      s2 += v * v;
    }
    // Σ zᵢ·zᵢ₋ₖ per lag, each in increasing i: the gaps before the longest lag one lag at a
    // time, then one pass with every lag (a quarter of the time of a pass per lag).
    const P = this.lagSums;
    P.fill(0);
    const head = Math.min(m, MEM_LAGS[NL - 1]);
    for (let l = 0; l < NL; l++) {
      const k = MEM_LAGS[l];
      let p = 0;
      for (let i = k; i < head; i++) p += z[i] * z[i - k];
      P[l] = p;
    }
    if (NL === 8 && m > head) {
      let p0 = P[0];
      let p1 = P[1];
      let p2 = P[2];
      let p3 = P[3];
      let p4 = P[4];
      let p5 = P[5];
      let p6 = P[6];
      let p7 = P[7];
      const [k0, k1, k2, k3, k4, k5, k6, k7] = MEM_LAGS;
      for (let i = head; i < m; i++) {
        const zi = z[i];
        p0 += zi * z[i - k0];
        p1 += zi * z[i - k1];
        p2 += zi * z[i - k2];
        p3 += zi * z[i - k3];
        p4 += zi * z[i - k4];
        p5 += zi * z[i - k5];
        p6 += zi * z[i - k6];
        p7 += zi * z[i - k7];
      }
      P[0] = p0;
      P[1] = p1;
      P[2] = p2;
      P[3] = p3;
      P[4] = p4;
      P[5] = p5;
      P[6] = p6;
      P[7] = p7;
    } else {
      for (let l = 0; l < NL; l++) {
        const k = MEM_LAGS[l];
        let p = P[l];
        for (let i = Math.max(k, head); i < m; i++) p += z[i] * z[i - k];
        P[l] = p;
      }
    }
    memTermsInto(A, at, m, s1, s2, P);
  }

  private closeLength(c: number): void {
    const r = this.lengths.add() * LR;
    const R = this.lengths.data;
    const o = c * STRIDE;
    R[r] = c;
    R[r + 1] = this.st[o + S_LI];
    R[r + 2] = this.st[o + S_LN];
    this.st[o + S_LN] = 0;
    const arenas = this.lengthCodes;
    const sink = this.lengthSink;
    for (let k = 0; k < arenas.length; k++) {
      const arena = arenas[k];
      // reason_ratio keys are fractions (k/500): their own sink.
      const into = k === NF ? this.ratioSink : sink;
      R[r + 3 + 2 * k] = into.n;
      if (arena.size(c) > 0) {
        const counter = k === NF + 1 ? this.jointCounter : this.lengthCounter;
        const d = counter.count(arena, c);
        const { outCodes, outCounts } = counter;
        for (let j = 0; j < d; j++) {
          const code = outCodes[j];
          const key = k === NF ? code / RATIO_GRID : k === NF + 1 ? Math.floor(code / JOINT_BINS) * JOINT_STRIDE + (code % JOINT_BINS) : code;
          into.push(key, outCounts[j]);
        }
        arena.clear(c);
      }
      R[r + 4 + 2 * k] = into.n;
    }
    this.st[o + S_LI] = NaN;
  }

  /** The summaries of every row pushed. Times count from `origin` (ISO, or null for relative times). */
  finish(origin: string | null): TraceSummaries {
    return summariesFromParts([this.parts()], { arrivalSeconds: this.W, lengthSeconds: this.L, resolution: this.resolution, clients: this.clients, origin });
  }

  /**
   * Closes every open window and returns what was counted as plain arrays (for a worker to
   * hand back): the builder is done after this.
   */
  parts(): SummaryParts {
    for (let c = 0; c < this.clients.length; c++) {
      const o = c * STRIDE;
      if (this.st[o + S_RUN] >= 2) this.batchCodes.push(c, this.st[o + S_RUN]);
      this.st[o + S_RUN] = 0;
      this.endRuns(c, 3);
      for (let k = 0; k < 3; k++) this.st[o + S_CRUN + k] = 0;
      if (this.st[o + S_WI] === this.st[o + S_WI]) this.closeArrival(c);
      if (this.st[o + S_LI] === this.st[o + S_LI]) this.closeLength(c);
    }
    return {
      rows: this.rows,
      spanStart: this.spanStart,
      spanEnd: this.spanEnd,
      buckets: { base: this.bucketBase, counts: this.bucketCounts, ...(this.bucketsOff ? { off: true } : {}) },
      arrivals: this.arrivals.data.slice(0, this.arrivals.n * AR),
      lengths: this.lengths.data.slice(0, this.lengths.n * LR),
      quant: this.quantSink.arrays(),
      hist: this.histSink.arrays(),
      batch: this.batchSink.arrays(),
      cluster: this.clusterSink.arrays(),
      length: this.lengthSink.arrays(),
      ratio: this.ratioSink.arrays(),
    };
  }
}

/** What a SummaryBuilder counted (its closed windows' records and their packed histograms). */
export interface SummaryParts {
  rows: number;
  spanStart: number;
  spanEnd: number;
  /** Rows per AGGREGATE_BUCKET_SECONDS bucket (no rows: an empty array; `off`: too many to count). */
  buckets: AggregateBuckets & { off?: boolean };
  /** Arrival window records (AR numbers each; histogram ranges index `quant` and `hist`). */
  arrivals: Float64Array;
  /** Length window records (LR numbers each; ranges index `length`, and `ratio` for reason_ratio). */
  lengths: Float64Array;
  quant: { keys: Int32Array | Float64Array; counts: Int32Array };
  hist: { keys: Int32Array | Float64Array; counts: Int32Array };
  /** Batch size → batches, per arrival window. */
  batch: { keys: Int32Array | Float64Array; counts: Int32Array };
  /** clusterKey(size, threshold) → runs, per arrival window. */
  cluster: { keys: Int32Array | Float64Array; counts: Int32Array };
  length: { keys: Int32Array | Float64Array; counts: Int32Array };
  ratio: { keys: Int32Array | Float64Array; counts: Int32Array };
}

/** Concatenates pair arrays; returns the offset of each part's pairs. */
function concatPairs(list: { keys: Int32Array | Float64Array; counts: Int32Array }[]): { keys: Int32Array | Float64Array; counts: Int32Array; offsets: number[] } {
  if (list.length === 1) return { ...list[0], offsets: [0] };
  const n = list.reduce((sum, p) => sum + p.counts.length, 0);
  const keys = list[0].keys instanceof Float64Array ? new Float64Array(n) : new Int32Array(n);
  const counts = new Int32Array(n);
  const offsets: number[] = [];
  let at = 0;
  for (const p of list) {
    offsets.push(at);
    keys.set(p.keys, at);
    counts.set(p.counts, at);
    at += p.counts.length;
  }
  return { keys, counts, offsets };
}

/**
 * The summaries of the rows counted by one or more SummaryBuilders that saw disjoint sets of
 * clients (each client's rows all in one builder): the same as one builder over all rows.
 */
export function summariesFromParts(parts: SummaryParts[], o: { arrivalSeconds: number; lengthSeconds: number; resolution: number; clients: readonly string[]; origin: string | null }): TraceSummaries {
  const W = o.arrivalSeconds;
  const L = o.lengthSeconds;
  const rows = parts.reduce((sum, p) => sum + p.rows, 0);
  const empty = rows === 0;
  const spanStart = empty ? 0 : Math.min(...parts.map((p) => p.spanStart));
  const spanEnd = empty ? 0 : Math.max(...parts.map((p) => p.spanEnd));
  // One record array per kind, histogram ranges shifted to the concatenated pairs.
  const merge = (records: Float64Array[], stride: number, shifts: [field: number, by: number[]][]) => {
    if (records.length === 1) return records[0];
    const out = new Float64Array(records.reduce((sum, r) => sum + r.length, 0));
    let at = 0;
    records.forEach((r, p) => {
      out.set(r, at);
      for (let i = at; i < at + r.length; i += stride) for (const [f, by] of shifts) out[i + f] += by[p];
      at += r.length;
    });
    return out;
  };
  const quant = concatPairs(parts.map((p) => p.quant));
  const hist = concatPairs(parts.map((p) => p.hist));
  const batch = concatPairs(parts.map((p) => p.batch));
  const cluster = concatPairs(parts.map((p) => p.cluster));
  const length = concatPairs(parts.map((p) => p.length));
  const ratio = concatPairs(parts.map((p) => p.ratio));
  const A = merge(
    parts.map((p) => p.arrivals),
    AR,
    [
      [13, quant.offsets],
      [14, quant.offsets],
      [15, hist.offsets],
      [16, hist.offsets],
      [AR_BATCH, batch.offsets],
      [AR_BATCH + 1, batch.offsets],
      [AR_CLUSTER, cluster.offsets],
      [AR_CLUSTER + 1, cluster.offsets],
    ],
  );
  const names = [...SUMMARY_FIELDS, 'reason_ratio'];
  const R = merge(
    parts.map((p) => p.lengths),
    LR,
    Array.from({ length: 2 * (names.length + 1) }, (_, j): [number, number[]] => [3 + j, Math.floor(j / 2) === NF ? ratio.offsets : length.offsets]),
  );
  const view = countsView;
  const rank = clientRanks(o.clients);
  const records: ArrivalRecords = { A, W, clients: o.clients, quant, hist, batch, cluster, spanStart, spanEnd };
  const arrivals = inOrder(A, AR, A.length / AR, rank).map((r): ArrivalSummary => new ArrivalRecord(records, r));
  const lengths = inOrder(R, LR, R.length / LR, rank).map((r): LengthSummary => {
    const fields = new Map<string, PackedCounts>();
    for (let k = 0; k < names.length; k++) {
      const from = R[r + 3 + 2 * k];
      const to = R[r + 4 + 2 * k];
      if (to > from) fields.set(names[k], view(k === NF ? ratio : length, from, to));
    }
    return { client: o.clients[R[r]], start: R[r + 1] * L, n: R[r + 2], fields, joint: view(length, R[r + 3 + 2 * names.length], R[r + 4 + 2 * names.length]) };
  });
  // The resolution the builders counted with (SummaryBuilder: at least 1 µs). Workers' parts
  // reported the detected 0 of a continuous clock: zero gaps then fitted as 0-tick gaps of 0 s
  // (log10(0) bins written as null; a 3.5 M-row generated trace, found by roundtrip --engine duckdb).
  const buckets = addBuckets(parts.map((p) => p.buckets));
  return { arrivalSeconds: W, lengthSeconds: L, resolution: Math.max(o.resolution, 1e-6), span: { start: spanStart, end: spanEnd }, origin: o.origin, arrivals, lengths, ...(buckets ? { buckets } : {}) };
}


/** The arrival records of summariesFromParts and what their views need to read them. */
interface ArrivalRecords {
  A: Float64Array;
  W: number;
  clients: readonly string[];
  quant: { keys: Int32Array | Float64Array; counts: Int32Array };
  hist: { keys: Int32Array | Float64Array; counts: Int32Array };
  batch: { keys: Int32Array | Float64Array; counts: Int32Array };
  cluster: { keys: Int32Array | Float64Array; counts: Int32Array };
  spanStart: number;
  spanEnd: number;
}

const countsView = (pairs: { keys: Int32Array | Float64Array; counts: Int32Array }, from: number, to: number) => (from === to ? EMPTY_COUNTS : new PackedCounts(pairs.keys, pairs.counts, from, to));

/**
 * One arrival window of summariesFromParts, read from its record in place. Held as plain
 * objects (a summary, its disp and three scales, two histogram views, the gap-memory array and
 * the doubles V8 boxes: ~15 heap objects a window), 30 days × 2 000 clients (1.5 M windows a
 * side) made full garbage collections 30–40 % of validate's CPU time; a view is one object
 * holding a reference and an offset. Its fields are getters: spread or rest copies of a
 * summary go through arrivalFields.
 */
class ArrivalRecord implements ArrivalSummary {
  constructor(
    private readonly x: ArrivalRecords,
    private readonly r: number,
  ) {}
  get client(): string {
    return this.x.clients[this.x.A[this.r]];
  }
  get start(): number {
    return this.x.A[this.r + 1] * this.x.W;
  }
  get n(): number {
    return this.x.A[this.r + 2];
  }
  get first(): number {
    return this.x.A[this.r + 3];
  }
  get last(): number {
    return this.x.A[this.r + 4];
  }
  get gaps(): number {
    return this.x.A[this.r + 5];
  }
  get sum(): number {
    return this.x.A[this.r + 6];
  }
  get sumSq(): number {
    return this.x.A[this.r + 7];
  }
  get sumLog(): number {
    return this.x.A[this.r + 8];
  }
  get positive(): number {
    return this.x.A[this.r + 9];
  }
  get quant(): PackedCounts {
    return countsView(this.x.quant, this.x.A[this.r + 13], this.x.A[this.r + 14]);
  }
  get hist(): PackedCounts {
    return countsView(this.x.hist, this.x.A[this.r + 15], this.x.A[this.r + 16]);
  }
  get disp(): ArrivalSummary['disp'] {
    const { A, W, spanStart, spanEnd } = this.x;
    const r = this.r;
    const start = A[r + 1] * W;
    // Bins per window: the part of the window inside the trace's span.
    const covered = Math.min(start + W, spanEnd) - Math.max(start, spanStart);
    const disp = (k: number) => ({ bins: Math.max(1, Math.ceil(Math.max(covered, SCALES[k]) / SCALES[k])), sum: A[r + 2], sumSq: A[r + 10 + k] });
    return { s1: disp(0), s10: disp(1), s60: disp(2) };
  }
  get mem(): number[] | undefined {
    const { A } = this.x;
    return A[this.r + AR_MEM + NL] > 0 ? Array.from(A.subarray(this.r + AR_MEM, this.r + AR_BATCH)) : undefined;
  }
  get batches(): PackedCounts | undefined {
    const { A } = this.x;
    const from = A[this.r + AR_BATCH];
    const to = A[this.r + AR_BATCH + 1];
    return to > from ? countsView(this.x.batch, from, to) : undefined;
  }
  get clusters(): PackedCounts | undefined {
    const { A } = this.x;
    const from = A[this.r + AR_CLUSTER];
    const to = A[this.r + AR_CLUSTER + 1];
    return to > from ? countsView(this.x.cluster, from, to) : undefined;
  }
  /** JSON.stringify writes the fields, as of a plain summary. */
  toJSON(): ArrivalSummary {
    return arrivalFields(this);
  }
  /** `disp` without the sub-bins the span's edges or the window's boundaries cut (interiorDisp). */
  get interiorDisp(): ArrivalSummary['disp'] {
    const { A, W, spanStart, spanEnd } = this.x;
    const r = this.r;
    const start = A[r + 1] * W;
    const firstBin = (k: number) => Math.floor(A[r + 3] / SCALES[k]);
    const lastBin = (k: number) => Math.floor(A[r + 4] / SCALES[k]);
    const disp = (k: number) => {
      const sc = SCALES[k];
      const b0 = Math.floor(spanStart / sc);
      const b1 = Math.floor(spanEnd / sc);
      // The window's sub-bins whole inside it (a window not a multiple of the bin — --window
      // 45, 7, 0.7 — cuts the bins at its boundaries, each part counted in its own window as a
      // bin: bins of 45 and 15 s counted as 60 s bins gave Poisson counts a 60 s index of 51;
      // found by review), strictly between the span's first and last. `start` is wi·W in
      // floating point (7 · 0.1 is 0.7000000000000001): a boundary within 1e-9 bin of a bin's
      // edge is on it.
      const lo = Math.max(Math.ceil(start / sc - 1e-9), b0 + 1);
      const hi = Math.min(Math.floor((start + W) / sc + 1e-9) - 1, b1 - 1);
      let sum = A[r + 2];
      let sumSq = A[r + 10 + k];
      // The window's counts outside [lo, hi] are in its first or last occupied sub-bin: the
      // span's first bin, or the one the window's start cuts, can only be its first; the
      // span's last, or the one its end cuts, its last.
      const edge = (b: number) => b < lo || b > hi;
      const bf = firstBin(k);
      const bl = lastBin(k);
      if (edge(bf)) {
        const c = A[r + AR_EDGE + k];
        sum -= c;
        sumSq -= c * c;
      }
      if (bl !== bf && edge(bl)) {
        const c = A[r + AR_EDGE + 3 + k];
        sum -= c;
        sumSq -= c * c;
      }
      return { bins: Math.max(0, hi - lo + 1), sum, sumSq };
    };
    return { s1: disp(0), s10: disp(1), s60: disp(2) };
  }
}

/**
 * The counts per 1/10/60 s bin of a window (`disp`) without the bins that the span's first and
 * last requests fall in, at each scale: those are cut by the span (a trace starts and ends
 * inside a bin), and counted as whole bins they inflate the index of dispersion — Azure conv
 * 2023 (3 502 s) ends 22 s into a 60 s bin, and its 60 s index was 20.5 with that bin against
 * 15.2 without; a draw of its profile for 3 600 s ends on a bin boundary, so validating the two
 * compared 15 with 20 (session 22). The first bin goes too: a trace's first request is not its
 * start. Nor the bins an arrival window's boundaries cut (windows not a multiple of the bin):
 * with windows shorter than a bin there are none left, and the index at that scale is null
 * ("not enough data"). Summaries a scan builds (SummaryBuilder) know their windows' edge counts; others
 * (read from JSON, merged, from SQL) are returned as they are.
 */
export function interiorDisp(a: ArrivalSummary): ArrivalSummary['disp'] {
  return a instanceof ArrivalRecord ? a.interiorDisp : a.disp;
}

/**
 * Offsets of the records sorted by (client name, window index). A client's windows close in
 * time order, so a stable counting sort by client rank is enough (checked; else a full sort).
 */
function inOrder(data: Float64Array, stride: number, n: number, rank: Int32Array): number[] {
  const start = new Int32Array(rank.length + 1);
  for (let i = 0; i < n; i++) start[rank[data[i * stride]] + 1]++;
  for (let r = 0; r < rank.length; r++) start[r + 1] += start[r];
  const idx = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const o = i * stride;
    const at = start[rank[data[o]]]++;
    idx[at] = o;
    // Same client as the record before it in the output: its window must come later.
    if (at > 0 && idx[at - 1] !== undefined && rank[data[idx[at - 1]]] === rank[data[o]] && data[idx[at - 1] + 1] >= data[o + 1]) {
      return Array.from({ length: n }, (_, j) => j * stride).sort((x, y) => rank[data[x]] - rank[data[y]] || data[x + 1] - data[y + 1]);
    }
  }
  return idx;
}

/** Rank of each client index by name in code-unit order (the order summaries are listed in). */
function clientRanks(clients: readonly string[]): Int32Array {
  const sorted = [...new Set(clients)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const byName = new Map(sorted.map((c, i) => [c, i]));
  return Int32Array.from(clients, (c) => byName.get(c)!);
}

/**
 * One pass over a time-sorted trace building per-(client, window) summaries (SummaryBuilder
 * over the whole trace; the clock resolution is detected from the earliest RESOLUTION_SAMPLE
 * timestamps unless given).
 */
export function buildSummaries(trace: Trace, options: SummaryOptions): TraceSummaries {
  const det = options.resolution !== undefined ? { resolution: options.resolution } : detectResolution(trace.timestamp.subarray(0, RESOLUTION_SAMPLE));
  const b = new SummaryBuilder({ arrivalSeconds: options.arrivalSeconds, lengthSeconds: options.lengthSeconds, resolution: det.resolution, clients: trace.clientIds });
  const chunk = { n: trace.n, t: trace.timestamp, client: trace.client, ints: trace.ints };
  // In slices when progress is wanted (push counts any range of a chunk as the whole would).
  const step = options.onProgress ? PROGRESS_ROWS : Math.max(1, trace.n);
  for (let from = 0; from < trace.n; from += step) {
    const to = Math.min(trace.n, from + step);
    if (!b.push(chunk, from, to)) throw new RangeError('buildSummaries: trace not sorted by time');
    options.onProgress?.(to, trace.n);
  }
  return b.finish(trace.origin);
}

/** The histogram type of summaries built here (for callers that want the arrays). */
export type { PackedCounts };
