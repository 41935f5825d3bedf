/**
 * The summary scan as it was before the streaming builder (a Map per histogram, bumped per
 * row): kept as the oracle the streaming builder in src/summary/build.ts is tested against.
 */
import type { Trace } from '../../src/ingest/trace.js';
import { gapBin, JOINT_STRIDE, jointBin, lengthKey } from '../../src/summary/bins.js';
import { detectResolution } from '../../src/summary/resolution.js';
import { normalQuantile } from '../../src/stats/normal.js';
import { CLUSTER_GAPS, clusterKey, clusterTicks, MEM_LAGS, MEM_MIN_GAPS, QUANT_TICKS, type ArrivalSummary, type LengthSummary, type TraceSummaries } from '../../src/summary/types.js';

export interface SummaryOptions {
  arrivalSeconds: number;
  lengthSeconds: number;
  /** Override the detected clock resolution (seconds; 0 = treat timestamps as exact). */
  resolution?: number;
}

const SCALES = [1, 10, 60] as const;
const SCALE_KEYS = ['s1', 's10', 's60'] as const;
const RATIO_GRID = 500;

function emptyArrival(client: string, start: number): ArrivalSummary {
  return {
    client,
    start,
    n: 0,
    first: Infinity,
    last: -Infinity,
    gaps: 0,
    sum: 0,
    sumSq: 0,
    sumLog: 0,
    positive: 0,
    quant: new Map(),
    hist: new Map(),
    disp: { s1: { bins: 0, sum: 0, sumSq: 0 }, s10: { bins: 0, sum: 0, sumSq: 0 }, s60: { bins: 0, sum: 0, sumSq: 0 } },
  };
}

/**
 * Gap-memory terms of a window's own gaps given as their codes in time order (ArrivalSummary.mem):
 * mid-ranks of the codes by counting, normal scores, lag products less their expectation under
 * random order, and the variance terms. Undefined below MEM_MIN_GAPS gaps or with all codes tied.
 */
export function referenceMem(codes: readonly number[]): number[] | undefined {
  const m = codes.length;
  if (m < MEM_MIN_GAPS) return undefined;
  const below = new Map<number, number>();
  const tied = new Map<number, number>();
  for (const k of codes) tied.set(k, (tied.get(k) ?? 0) + 1);
  for (const k of tied.keys()) below.set(k, codes.filter((v) => v < k).length);
  const z = codes.map((k) => normalQuantile((below.get(k)! + (tied.get(k)! + 1) / 2) / (m + 1)));
  let s1 = 0;
  let s2 = 0;
  for (const v of z) {
    s1 += v;
    s2 += v * v;
  }
  const centered = s2 - (s1 * s1) / m;
  if (!(((m - 1) / m) * centered > 0)) return undefined;
  const nullProduct = (s1 * s1 - s2) / (m * (m - 1));
  const out = new Array<number>(2 * MEM_LAGS.length).fill(0);
  MEM_LAGS.forEach((k, l) => {
    if (k >= m) return;
    let p = 0;
    for (let i = k; i < m; i++) p += z[i] * z[i - k];
    out[l] = p - (m - k) * nullProduct;
    out[MEM_LAGS.length + l] = ((m - k) / m) * centered;
  });
  return out;
}

function bump<K>(m: Map<K, number>, k: K, by = 1): void {
  m.set(k, (m.get(k) ?? 0) + by);
}

/** Profile field names summarized from trace columns. */
const FIELD_OF: [string, string][] = [
  ['input_tokens', 'input_tokens'],
  ['output_tokens', 'output_tokens'],
  ['image_count', 'image_count'],
  ['image_tokens', 'image_tokens'],
  ['audio_count', 'audio_count'],
  ['audio_tokens', 'audio_tokens'],
  ['video_count', 'video_count'],
  ['video_tokens', 'video_tokens'],
];

/**
 * One pass over a time-sorted trace building per-(client, window) summaries. Windows are
 * aligned to multiples of their length from the trace origin. Reasoning tokens become
 * `reason_ratio` (reasoning / output, on a 1/500 grid) so generated reasoning never exceeds
 * the output it is part of.
 */
export function referenceBuildSummaries(trace: Trace, options: SummaryOptions): TraceSummaries {
  const W = options.arrivalSeconds;
  const L = options.lengthSeconds;
  const det = options.resolution !== undefined ? { resolution: options.resolution } : detectResolution(trace.timestamp);
  // Timestamps are never finer than 1 µs here (the trace writers print 6 decimals); zero gaps need a tick.
  const res = Math.max(det.resolution, 1e-6);
  const n = trace.n;
  const spanStart = n ? trace.timestamp[0] : 0;
  const spanEnd = n ? trace.timestamp[n - 1] : 0;
  // Numeric (client, window) keys: string keys cost ~1 µs per row at 5 M rows.
  const arrivals = new Map<number, ArrivalSummary>();
  const lengths = new Map<number, LengthSummary>();
  const nClients = trace.clientIds.length;
  const windowBase = Math.floor(spanStart / W);
  const lengthBase = Math.floor(spanStart / L);
  const curArrival = new Array<ArrivalSummary | undefined>(nClients);
  const curWindow = new Float64Array(nClients).fill(NaN);
  const curLength = new Array<LengthSummary | undefined>(nClients);
  const curLWindow = new Float64Array(nClients).fill(NaN);
  const curFieldMaps = new Array<Map<number, number>[] | undefined>(nClients);
  const lastT = new Float64Array(nClients).fill(NaN);
  // Codes of each window's own gaps (both arrivals in the window), for its gap-memory terms.
  const ownCodes = new Map<ArrivalSummary, number[]>();
  // Current 1/10/60 s sub-bin per client and its count.
  const subBin = SCALES.map(() => new Float64Array(nClients).fill(NaN));
  const subCount = SCALES.map(() => new Float64Array(nClients));
  const subOwner = SCALES.map(() => new Array<ArrivalSummary | undefined>(nClients));
  const cols = FIELD_OF.map(([col, field]) => ({ field, data: trace.ints[col as keyof Trace['ints']] })).filter((c) => c.data !== undefined);
  const inCol = trace.ints.input_tokens;
  const outCol = trace.ints.output_tokens;
  const reasonCol = trace.ints.reasoning_tokens;
  const flushSub = (k: number, c: number) => {
    const owner = subOwner[k][c];
    if (owner) {
      const cnt = subCount[k][c];
      owner.disp[SCALE_KEYS[k]].sumSq += cnt * cnt;
    }
  };
  for (let i = 0; i < n; i++) {
    const t = trace.timestamp[i];
    const c = trace.client[i];
    const id = trace.clientIds[c];
    const wi = Math.floor(t / W);
    let a = curArrival[c];
    if (a === undefined || curWindow[c] !== wi) {
      // Rows of a client come in time order: look the window up only when it changes.
      const akey = c * 4294967296 + (wi - windowBase);
      a = arrivals.get(akey);
      if (!a) arrivals.set(akey, (a = emptyArrival(id, wi * W)));
      curArrival[c] = a;
      curWindow[c] = wi;
    }
    a.n++;
    if (t < a.first) a.first = t;
    if (t > a.last) a.last = t;
    const prev = lastT[c];
    if (prev === prev) {
      const g = t - prev;
      a.gaps++;
      a.sum += g;
      a.sumSq += g * g;
      const ticks = res > 0 ? Math.round(g / res) : Infinity;
      if (ticks < QUANT_TICKS) bump(a.quant as Map<number, number>, ticks);
      else bump(a.hist as Map<number, number>, gapBin(g));
      if (Math.floor(prev / W) === wi) {
        let list = ownCodes.get(a);
        if (!list) ownCodes.set(a, (list = []));
        list.push(ticks < QUANT_TICKS ? ticks - QUANT_TICKS : gapBin(g));
      }
      if (g > 0) {
        a.positive++;
        a.sumLog += Math.log(g);
      }
    }
    lastT[c] = t;
    for (let k = 0; k < SCALES.length; k++) {
      const b = Math.floor(t / SCALES[k]);
      if (subBin[k][c] !== b || subOwner[k][c] !== a) {
        flushSub(k, c);
        subBin[k][c] = b;
        subCount[k][c] = 0;
        subOwner[k][c] = a;
      }
      subCount[k][c]++;
      a.disp[SCALE_KEYS[k]].sum++;
    }
    // Lengths.
    const li = Math.floor(t / L);
    let l = curLength[c];
    let fm = curFieldMaps[c];
    if (l === undefined || curLWindow[c] !== li) {
      const lkey = c * 4294967296 + (li - lengthBase);
      l = lengths.get(lkey);
      if (!l) lengths.set(lkey, (l = { client: id, start: li * L, n: 0, fields: new Map(), joint: new Map() }));
      curLength[c] = l;
      curLWindow[c] = li;
      const ll = l;
      fm = curFieldMaps[c] = cols.map((col) => {
        let m = ll.fields.get(col.field) as Map<number, number> | undefined;
        if (!m) ll.fields.set(col.field, (m = new Map()));
        return m;
      });
    }
    l.n++;
    for (let k = 0; k < cols.length; k++) {
      const v = cols[k].data![i];
      if (v < 0) continue;
      bump(fm![k], lengthKey(v));
    }
    if (reasonCol && outCol) {
      const r = reasonCol[i];
      const o = outCol[i];
      if (r >= 0 && o > 0) {
        let m = l.fields.get('reason_ratio') as Map<number, number> | undefined;
        if (!m) l.fields.set('reason_ratio', (m = new Map()));
        bump(m, Math.round(Math.min(1, r / o) * RATIO_GRID) / RATIO_GRID);
      }
    }
    if (inCol && outCol && inCol[i] >= 0 && outCol[i] >= 0) bump(l.joint as Map<number, number>, jointBin(inCol[i]) * JOINT_STRIDE + jointBin(outCol[i]));
  }
  for (let k = 0; k < SCALES.length; k++) for (let c = 0; c < nClients; c++) flushSub(k, c);
  // Field maps were created eagerly per window; drop those that stayed empty.
  for (const l of lengths.values()) for (const [f, m] of l.fields) if (m.size === 0) l.fields.delete(f);
  // Bins per window: the part of the window inside the trace's span.
  for (const a of arrivals.values()) {
    const covered = Math.min(a.start + W, spanEnd) - Math.max(a.start, spanStart);
    SCALES.forEach((sc, k) => (a.disp[SCALE_KEYS[k]].bins = Math.max(1, Math.ceil(Math.max(covered, sc) / sc))));
    const mem = referenceMem(ownCodes.get(a) ?? []);
    if (mem) a.mem = mem;
  }
  // Batches: rows of one client at one time, 2 or more, in that time's window (by a count of
  // every (client, time), independent of the scan's runs).
  const atTime = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const k = `${trace.client[i]}\u0000${trace.timestamp[i]}`;
    atTime.set(k, (atTime.get(k) ?? 0) + 1);
  }
  for (const [k, size] of atTime) {
    if (size < 2) continue;
    const [c, t] = k.split('\u0000');
    const a = arrivals.get(Number(c) * 4294967296 + (Math.floor(Number(t) / W) - windowBase))!;
    const m = (a.batches ?? new Map<number, number>()) as Map<number, number>;
    bump(m, size);
    a.batches = m;
  }
  // Clusters: per client and threshold, the run starts (a first row, a row in another window
  // than the one before, or a gap of as many ticks as the threshold or more); each run of 2 or
  // more, from one start to the next, in its window (from per-client index lists, independent
  // of the scan's running counts).
  const rowsOf = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const list = rowsOf.get(trace.client[i]);
    if (list) list.push(i);
    else rowsOf.set(trace.client[i], [i]);
  }
  for (const [c, rows] of rowsOf) {
    CLUSTER_GAPS.forEach((tau, k) => {
      const at = (j: number) => trace.timestamp[rows[j]];
      const starts = rows.map((_, j) => j).filter((j) => j === 0 || Math.floor(at(j) / W) !== Math.floor(at(j - 1) / W) || !(Math.round((at(j) - at(j - 1)) / res) < clusterTicks(tau, res)));
      starts.push(rows.length);
      for (let s = 0; s + 1 < starts.length; s++) {
        const size = starts[s + 1] - starts[s];
        if (size < 2) continue;
        const lastT = trace.timestamp[rows[starts[s + 1] - 1]];
        const a = arrivals.get(c * 4294967296 + (Math.floor(lastT / W) - windowBase))!;
        const m = (a.clusters ?? new Map<number, number>()) as Map<number, number>;
        bump(m, clusterKey(size, k));
        a.clusters = m;
      }
    });
  }
  const byClientStart = <T extends { client: string; start: number }>(x: T, y: T) => (x.client < y.client ? -1 : x.client > y.client ? 1 : x.start - y.start);
  return {
    arrivalSeconds: W,
    lengthSeconds: L,
    resolution: res,
    span: { start: spanStart, end: spanEnd },
    origin: trace.origin,
    arrivals: [...arrivals.values()].sort(byClientStart),
    lengths: [...lengths.values()].sort(byClientStart),
  };
}
