import type { IntField } from '../ingest/fields.js';
import type { Trace } from '../ingest/trace.js';
import { gapBin, JOINT_STRIDE, jointBin, LENGTH_EXACT_BELOW, lengthKey } from './bins.js';
import { PairSink, type PackedCounts } from './packed.js';
import { detectResolution, RESOLUTION_SAMPLE } from './resolution.js';
import { QUANT_TICKS, type ArrivalSummary, type LengthSummary, type TraceSummaries } from './types.js';

export interface SummaryOptions {
  arrivalSeconds: number;
  lengthSeconds: number;
  /** Override the detected clock resolution (seconds; 0 = treat timestamps as exact). */
  resolution?: number;
}

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
  readonly base: Int32Array;
  readonly len: Int32Array;
  readonly cap: Int32Array;
  private top = 0;
  constructor(clients: number) {
    this.base = new Int32Array(clients);
    this.len = new Int32Array(clients);
    this.cap = new Int32Array(clients);
  }
  push(c: number, v: number): void {
    const n = this.len[c];
    if (n === this.cap[c]) this.grow(c);
    this.pool[this.base[c] + n] = v;
    this.len[c] = n + 1;
  }
  private grow(c: number): void {
    const room = Math.max(16, this.cap[c] * 2);
    if (this.top + room > this.pool.length) {
      // Compact: live segments (with their room) into a pool twice the size they need.
      let need = room;
      for (let k = 0; k < this.cap.length; k++) if (k !== c) need += this.cap[k];
      const next = new Int32Array(Math.max(this.pool.length, 2 * need));
      let at = 0;
      for (let k = 0; k < this.cap.length; k++) {
        if (k === c || this.cap[k] === 0) continue;
        next.set(this.pool.subarray(this.base[k], this.base[k] + this.len[k]), at);
        this.base[k] = at;
        at += this.cap[k];
      }
      next.set(this.pool.subarray(this.base[c], this.base[c] + this.len[c]), at);
      this.base[c] = at;
      this.cap[c] = room;
      this.top = at + room;
      this.pool = next;
      return;
    }
    this.pool.copyWithin(this.top, this.base[c], this.base[c] + this.len[c]);
    this.base[c] = this.top;
    this.cap[c] = room;
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
    const n = arena.len[c];
    const codes = arena.pool.subarray(arena.base[c], arena.base[c] + n);
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
    for (; i < n; i++) {
      const at = codes[i] + offset;
      if (at < 0 || at >= scratch.length) break;
      if (scratch[at]++ === 0) out[d++] = at;
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
/** Arrival window record: client, wi, n, first, last, gaps, sum, sumSq, sumLog, positive, Σcount² at 1/10/60 s, quant [from, to), hist [from, to). */
const AR = 17;
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
export class SummaryBuilder {
  private readonly W: number;
  private readonly L: number;
  readonly resolution: number;
  private readonly clients: readonly string[];
  private readonly lastT: Float64Array;
  // The open arrival window of each client (wi NaN: none).
  private readonly wi: Float64Array;
  private readonly n: Float64Array;
  private readonly first: Float64Array;
  private readonly gaps: Float64Array;
  private readonly sum: Float64Array;
  private readonly sumSq: Float64Array;
  private readonly sumLog: Float64Array;
  private readonly positive: Float64Array;
  private readonly subBin: Float64Array[];
  private readonly subCount: Float64Array[];
  private readonly subSq: Float64Array[];
  // The open length window of each client (li NaN: none).
  private readonly li: Float64Array;
  private readonly ln: Float64Array;
  private readonly gapCodes: CodeArena;
  /** One arena per summarized field, then reason_ratio, then joint. */
  private readonly lengthCodes: CodeArena[];
  private readonly gapCounter = new Counter(QUANT_TICKS, QUANT_TICKS + 8192);
  private readonly lengthCounter = new Counter(1024, 1024 + LENGTH_EXACT_BELOW);
  private readonly jointCounter = new Counter(0, 256 * JOINT_STRIDE);
  private readonly quantSink = new PairSink();
  private readonly histSink = new PairSink();
  private readonly lengthSink = new PairSink();
  private readonly arrivals = new Records(AR);
  private readonly lengths = new Records(LR);
  private spanStart = Infinity;
  private spanEnd = -Infinity;
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
    const zeros = () => new Float64Array(n);
    const nans = () => new Float64Array(n).fill(NaN);
    this.lastT = nans();
    this.wi = nans();
    this.n = zeros();
    this.first = zeros();
    this.gaps = zeros();
    this.sum = zeros();
    this.sumSq = zeros();
    this.sumLog = zeros();
    this.positive = zeros();
    this.subBin = SCALES.map(nans);
    this.subCount = SCALES.map(zeros);
    this.subSq = SCALES.map(zeros);
    this.li = nans();
    this.ln = zeros();
    this.gapCodes = new CodeArena(n);
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
    const cols = SUMMARY_FIELDS.map((f) => chunk.ints[f]);
    const inCol = chunk.ints.input_tokens;
    const outCol = chunk.ints.output_tokens;
    const reasonCol = chunk.ints.reasoning_tokens;
    const { lastT, wi: WI, n: N, first, gaps, sum, sumSq, sumLog, positive, subBin, subCount, subSq, li: LI, ln, gapCodes } = this;
    for (let i = from; i < to; i++) {
      const t = T[i];
      const c = C[i];
      const prev = lastT[c];
      if (t < prev) return false;
      if (t < this.spanStart) this.spanStart = t;
      if (t > this.spanEnd) this.spanEnd = t;
      this.rows++;
      // Arrivals.
      const wi = Math.floor(t / W);
      if (WI[c] !== wi) {
        if (WI[c] === WI[c]) this.closeArrival(c);
        WI[c] = wi;
        first[c] = t;
      }
      N[c]++;
      if (prev === prev) {
        const g = t - prev;
        gaps[c]++;
        sum[c] += g;
        sumSq[c] += g * g;
        const ticks = Math.round(g / res);
        gapCodes.push(c, ticks < QUANT_TICKS ? ticks - QUANT_TICKS : gapBin(g));
        if (g > 0) {
          positive[c]++;
          sumLog[c] += Math.log(g);
        }
      }
      lastT[c] = t;
      for (let k = 0; k < 3; k++) {
        const b = Math.floor(t / SCALES[k]);
        if (subBin[k][c] !== b) {
          const cnt = subCount[k][c];
          subSq[k][c] += cnt * cnt;
          subBin[k][c] = b;
          subCount[k][c] = 0;
        }
        subCount[k][c]++;
      }
      // Lengths.
      const li = Math.floor(t / L);
      if (LI[c] !== li) {
        if (LI[c] === LI[c]) this.closeLength(c);
        LI[c] = li;
      }
      ln[c]++;
      const bufs = this.lengthCodes;
      for (let k = 0; k < NF; k++) {
        const col = cols[k];
        if (col === undefined) continue;
        const v = col[i];
        if (v >= 0) bufs[k].push(c, lengthKey(v));
      }
      if (reasonCol && outCol) {
        const r = reasonCol[i];
        const o = outCol[i];
        if (r >= 0 && o > 0) bufs[NF].push(c, Math.round(Math.min(1, r / o) * RATIO_GRID));
      }
      if (inCol && outCol && inCol[i] >= 0 && outCol[i] >= 0) bufs[NF + 1].push(c, jointBin(inCol[i]) * JOINT_STRIDE + jointBin(outCol[i]));
    }
    return true;
  }

  private closeArrival(c: number): void {
    const r = this.arrivals.add() * AR;
    const A = this.arrivals.data;
    A[r] = c;
    A[r + 1] = this.wi[c];
    A[r + 2] = this.n[c];
    A[r + 3] = this.first[c];
    A[r + 4] = this.lastT[c];
    A[r + 5] = this.gaps[c];
    A[r + 6] = this.sum[c];
    A[r + 7] = this.sumSq[c];
    A[r + 8] = this.sumLog[c];
    A[r + 9] = this.positive[c];
    this.n[c] = this.gaps[c] = this.sum[c] = this.sumSq[c] = this.sumLog[c] = this.positive[c] = 0;
    // Dispersion: Σ count² over the window's sub-bins, the open one included; a sub-bin cut by
    // the window boundary counts in both windows.
    for (let k = 0; k < 3; k++) {
      const cnt = this.subCount[k][c];
      A[r + 10 + k] = this.subSq[k][c] + cnt * cnt;
      this.subSq[k][c] = 0;
      this.subCount[k][c] = 0;
      this.subBin[k][c] = NaN;
    }
    const d = this.gapCounter.count(this.gapCodes, c);
    const { outCodes, outCounts } = this.gapCounter;
    A[r + 13] = this.quantSink.n;
    let j = 0;
    for (; j < d && outCodes[j] < 0; j++) this.quantSink.push(outCodes[j] + QUANT_TICKS, outCounts[j]);
    A[r + 14] = this.quantSink.n;
    A[r + 15] = this.histSink.n;
    for (; j < d; j++) this.histSink.push(outCodes[j], outCounts[j]);
    A[r + 16] = this.histSink.n;
    this.gapCodes.len[c] = 0;
    this.wi[c] = NaN;
  }

  private closeLength(c: number): void {
    const r = this.lengths.add() * LR;
    const R = this.lengths.data;
    R[r] = c;
    R[r + 1] = this.li[c];
    R[r + 2] = this.ln[c];
    this.ln[c] = 0;
    const arenas = this.lengthCodes;
    const sink = this.lengthSink;
    for (let k = 0; k < arenas.length; k++) {
      const arena = arenas[k];
      R[r + 3 + 2 * k] = sink.n;
      if (arena.len[c] > 0) {
        const counter = k === NF + 1 ? this.jointCounter : this.lengthCounter;
        const d = counter.count(arena, c);
        const { outCodes, outCounts } = counter;
        for (let j = 0; j < d; j++) sink.push(k === NF ? outCodes[j] / RATIO_GRID : outCodes[j], outCounts[j]);
        arena.len[c] = 0;
      }
      R[r + 4 + 2 * k] = sink.n;
    }
    this.li[c] = NaN;
  }

  /** The summaries of every row pushed. Times count from `origin` (ISO, or null for relative times). */
  finish(origin: string | null): TraceSummaries {
    for (let c = 0; c < this.clients.length; c++) {
      if (this.wi[c] === this.wi[c]) this.closeArrival(c);
      if (this.li[c] === this.li[c]) this.closeLength(c);
    }
    const W = this.W;
    const L = this.L;
    const empty = this.rows === 0;
    const spanStart = empty ? 0 : this.spanStart;
    const spanEnd = empty ? 0 : this.spanEnd;
    const rank = clientRanks(this.clients);
    const A = this.arrivals.data;
    const arrivals = inOrder(A, AR, this.arrivals.n, rank).map((r): ArrivalSummary => {
      const start = A[r + 1] * W;
      // Bins per window: the part of the window inside the trace's span.
      const covered = Math.min(start + W, spanEnd) - Math.max(start, spanStart);
      const disp = (k: number) => ({ bins: Math.max(1, Math.ceil(Math.max(covered, SCALES[k]) / SCALES[k])), sum: A[r + 2], sumSq: A[r + 10 + k] });
      return {
        client: this.clients[A[r]],
        start,
        n: A[r + 2],
        first: A[r + 3],
        last: A[r + 4],
        gaps: A[r + 5],
        sum: A[r + 6],
        sumSq: A[r + 7],
        sumLog: A[r + 8],
        positive: A[r + 9],
        quant: this.quantSink.view(A[r + 13], A[r + 14]),
        hist: this.histSink.view(A[r + 15], A[r + 16]),
        disp: { '1': disp(0), '10': disp(1), '60': disp(2) },
      };
    });
    const names = [...SUMMARY_FIELDS, 'reason_ratio'];
    const R = this.lengths.data;
    const lengths = inOrder(R, LR, this.lengths.n, rank).map((r): LengthSummary => {
      const fields = new Map<string, PackedCounts>();
      for (let k = 0; k < names.length; k++) {
        const from = R[r + 3 + 2 * k];
        const to = R[r + 4 + 2 * k];
        if (to > from) fields.set(names[k], this.lengthSink.view(from, to));
      }
      return { client: this.clients[R[r]], start: R[r + 1] * L, n: R[r + 2], fields, joint: this.lengthSink.view(R[r + 3 + 2 * names.length], R[r + 4 + 2 * names.length]) };
    });
    return { arrivalSeconds: W, lengthSeconds: L, resolution: this.resolution, span: { start: spanStart, end: spanEnd }, origin, arrivals, lengths };
  }
}

/** Offsets of the records sorted by (client name, window index). */
function inOrder(data: Float64Array, stride: number, n: number, rank: Int32Array): number[] {
  const idx = Array.from({ length: n }, (_, i) => i * stride);
  return idx.sort((x, y) => rank[data[x]] - rank[data[y]] || data[x + 1] - data[y + 1]);
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
  if (!b.push({ n: trace.n, t: trace.timestamp, client: trace.client, ints: trace.ints })) throw new RangeError('buildSummaries: trace not sorted by time');
  return b.finish(trace.origin);
}

/** The histogram type of summaries built here (for callers that want the arrays). */
export type { PackedCounts };
