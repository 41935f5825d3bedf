import { ownGapTotals, type GapTotals } from '../fit/idle-gaps.js';
import { prefixSideOf, type PrefixSide } from './prefix.js';
import { memorySums } from './metrics.js';
import { clientSessionKeys, sliceTrace, type Trace } from '../ingest/trace.js';
import { buildSummaries, interiorDisp, SUMMARY_FIELDS } from '../summary/build.js';
import { mergeArrivals, mergeLengths } from '../summary/merge.js';
import { arrivalFields, type ArrivalSummary, type LengthSummary, type TraceSummaries } from '../summary/types.js';
import { traceLoad, type LoadSeries } from '../summary/load.js';
import { alignTolerance, clockTolerance } from '../summary/resolution.js';

export { alignTolerance, clockTolerance };
import { orderWithinTimes } from '../util/time-order.js';

/** Session statistics of a side, pooled over its sessions (fit/sessions.ts keeps them per client). */
export interface SessionSide {
  sessions: number;
  meanTurns: number;
  /** Standard deviation of the turns per session. */
  sdTurns: number;
  /** Share of sessions with more than one turn. */
  multiShare: number;
  /** Inter-turn gaps (between consecutive turns of a session): count, median and 90th percentile (s), as fit reports them. */
  gaps: number;
  gapP50: number | null;
  gapP90: number | null;
  /**
   * Input growth between a session's consecutive turns (rows with an input only; the turns of
   * one time shortest input first, as fit takes them): count, median, and the spread q(0.6) − q(0.4) of the growths
   * (s[⌊0.6·(m − 1)⌋] − s[⌊0.4·(m − 1)⌋]); the median input of the session rows. Null without
   * inputs.
   */
  growths: number;
  growthP50: number | null;
  growthSpread: number | null;
  inputP50: number | null;
}

/** Pooled session statistics from each session's turn count, all inter-turn gaps and input growths, and the session rows' inputs (any order). */
export function sessionSideOf(turns: ArrayLike<number>, gaps: Float64Array, growth: Float64Array, inputs: Float64Array): SessionSide | undefined {
  const n = turns.length;
  if (n === 0) return undefined;
  let sum = 0;
  let multi = 0;
  for (let i = 0; i < n; i++) {
    sum += turns[i];
    if (turns[i] > 1) multi++;
  }
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (turns[i] - mean) ** 2;
  const sorted = Float64Array.from(gaps).sort();
  const m = sorted.length;
  // The quantiles sessionStats writes into profiles: s[⌊m/2⌋] and s[⌊0.9·(m − 1)⌋].
  return {
    sessions: n,
    meanTurns: mean,
    sdTurns: Math.sqrt(ss / n),
    multiShare: multi / n,
    gaps: m,
    gapP50: m ? sorted[m >> 1] : null,
    gapP90: m ? sorted[Math.floor(0.9 * (m - 1))] : null,
    ...growthOf(growth, inputs),
  };
}

function growthOf(growth: Float64Array, inputs: Float64Array): Pick<SessionSide, 'growths' | 'growthP50' | 'growthSpread' | 'inputP50'> {
  const g = Float64Array.from(growth).sort();
  const m = g.length;
  const x = Float64Array.from(inputs).sort();
  return {
    growths: m,
    growthP50: m ? g[m >> 1] : null,
    growthSpread: m ? g[Math.floor(0.6 * (m - 1))] - g[Math.floor(0.4 * (m - 1))] : null,
    inputP50: x.length ? x[x.length >> 1] : null,
  };
}


/**
 * A trace's pooled session statistics (rows in time order; rows without a session_id skipped).
 * Per-session counters are typed arrays over the dictionary's indices (found by review: two
 * Maps and a number[] took ~390 MB more than the same trace without sessions at 1.7 M sessions).
 */
export function traceSessions(trace: Trace): SessionSide | undefined {
  // A session is a client's rows with one id (as fit counts them).
  const keys = clientSessionKeys(trace);
  if (!keys) return undefined;
  const { key, sessions: m } = keys;
  const count = new Int32Array(m);
  const last = new Float64Array(m);
  // Sessions in order of their first row (as they are listed), and every inter-turn gap.
  const order = new Int32Array(m);
  let sessions = 0;
  const gaps = new Float64Array(trace.n);
  let g = 0;
  // Input growth as fit takes it (sessionStats): between a session's consecutive rows with an
  // input, the rows of one time shortest input first. It was taken between consecutive times,
  // from the largest input of each, so that turns at one time added one growth where the
  // profile has one a turn: validate's median growth of a log was not the one its profile holds
  // (found by audit, h-94).
  const input = trace.ints.input_tokens;
  const inputs = new Float64Array(input ? trace.n : 0);
  let nIn = 0;
  const growth = new Float64Array(input ? trace.n : 0);
  let nGrowth = 0;
  const prev = input ? new Float64Array(m).fill(NaN) : undefined;
  for (let i = 0; i < trace.n; i++) {
    const k = key[i];
    if (k < 0) continue;
    const t = trace.timestamp[i];
    if (count[k] > 0) gaps[g++] = t - last[k];
    else order[sessions++] = k;
    last[k] = t;
    count[k]++;
  }
  if (input) {
    const byInput = orderWithinTimes(trace.timestamp, (x, y) => input[x] - input[y] || x - y);
    for (let o = 0; o < trace.n; o++) {
      const i = byInput ? byInput[o] : o;
      const k = key[i];
      if (k < 0 || input[i] < 0) continue;
      const x = input[i];
      inputs[nIn++] = x;
      if (prev![k] === prev![k]) growth[nGrowth++] = x - prev![k];
      prev![k] = x;
    }
  }
  const turns = new Float64Array(sessions);
  for (let j = 0; j < sessions; j++) turns[j] = count[order[j]];
  return sessionSideOf(turns, gaps.subarray(0, g), growth.subarray(0, nGrowth), inputs.subarray(0, nIn));
}

/** Everything validation needs about one trace (or one client of it), merged over windows. */
export interface Stats {
  n: number;
  /** Requests per arrival window start. */
  windows: Map<number, number>;
  gaps: ArrivalSummary | undefined;
  lengths: LengthSummary | undefined;
  /**
   * Per arrival window, the sums the merged statistics add up (for jackknife noise estimates):
   * `gaps` (count, Σ gap, Σ gap²) and, per count scale, (bins, Σ count, Σ count²); packed triples;
   * and the windows' gap histograms (GapWindows, for the gaps' design effect).
   */
  perWindow?: { gaps: Float64Array; disp: Record<'1' | '10' | '60', Float64Array>; mem?: Float64Array; hists?: GapWindows };
  /**
   * The gaps of `gaps` without those from before a pause of a whole arrival window (count, Σ,
   * Σ²): what a fit reads of the windows (fitArrivals, ownGapTotals). Count allowances take the
   * gap CV from these.
   */
  own?: GapTotals;
}

/**
 * Per arrival window, its start and gap histogram packed in typed arrays: window i's cells are
 * [off[i], off[i + 1]), its quantized ticks (key: ticks) first, then its log bins (key: bin),
 * quantEnd[i] where the bins start. (Holding the ArrivalSummary objects instead, with their
 * Maps, for every side and half, doubled validate's memory and time on 2 000 sparse clients.)
 */
export interface GapWindows {
  start: Float64Array;
  off: Uint32Array;
  quantEnd: Uint32Array;
  key: Float64Array;
  count: Float64Array;
}

function gapWindows(arrivals: readonly ArrivalSummary[]): GapWindows {
  // Histograms walked with forEach: an iterator makes a [key, count] pair per cell. (A scan's
  // summaries are views whose getters build them; holding them all between the two passes
  // added ~250 MB to a 30-day validate's peak, so they are built again.)
  let cells = 0;
  for (const a of arrivals) cells += a.quant.size + a.hist.size;
  const w: GapWindows = { start: new Float64Array(arrivals.length), off: new Uint32Array(arrivals.length + 1), quantEnd: new Uint32Array(arrivals.length), key: new Float64Array(cells), count: new Float64Array(cells) };
  let k = 0;
  const put = (c: number, key: number) => {
    w.key[k] = key;
    w.count[k++] = c;
  };
  arrivals.forEach((a, i) => {
    w.start[i] = a.start;
    a.quant.forEach(put);
    w.quantEnd[i] = k;
    a.hist.forEach(put);
    w.off[i + 1] = k;
  });
  return w;
}

export interface Side {
  label: string;
  requests: number;
  span: { start: number; end: number };
  aggregate: Stats;
  clients: Map<string, Stats>;
  clientShares: Map<string, number>;
  hasSessions: boolean;
  /** Session statistics over all sessions (rows with a session_id), when there are any. */
  sessions?: SessionSide;
  /** Prefix-cache statistics (rows with hash_ids), when there are any. */
  prefix?: PrefixSide;
  /** Why the side's hash_ids were not read (the DuckDB engine), when it has some: its prefix metrics are listed as not judged, with this note. */
  prefixUnread?: string;
  /** The source's prefix statistics are of its earliest rows only, and each generated side's of the same span (the DuckDB engine above its limit): said in the prefix metrics' notes. */
  prefixSpan?: string;
  /** A generated side's: how little of the source's span (prefixSpan) it covers, when it covers less than PREFIX_COVER of it (said in the prefix metrics' notes). */
  prefixCover?: string;
  /** A generated side's: the source's prefix statistics over the part of its span this side covers (with prefixCover), compared in place of the source's. */
  prefixSource?: PrefixSide;
  /** Requests and tokens per 10 s bin over the side's span (peak load). */
  load?: LoadSeries;
  /** The source's first and second halves (by time), for self-consistency noise floors. */
  halves?: { aggregate: { a: Stats; b: Stats }; clients: Map<string, { a: Stats; b: Stats }> };
}

/** Per window with gap-memory terms, (Σ covariance, Σ variance) over the lags gapMemoryScore pools. */
function memoryPairs(arrivals: ArrivalSummary[]): Float64Array | undefined {
  const out: number[] = [];
  for (const a of arrivals) {
    const mem = a.mem; // a view builds it at each read
    if (mem) out.push(...memorySums(mem));
  }
  return out.length ? Float64Array.from(out) : undefined;
}

function statsOf(arrivals: ArrivalSummary[], lengths: LengthSummary[], own?: GapTotals): Stats {
  const windows = new Map<number, number>();
  let n = 0;
  for (const a of arrivals) {
    windows.set(a.start, (windows.get(a.start) ?? 0) + a.n);
    n += a.n;
  }
  // Per window (count, Σ, Σ²) triples, `disp` read once a window (a view builds it at each
  // read: nine reads a window took 3.7 s of a 30-day validate).
  const m = arrivals.length;
  const gaps = new Float64Array(3 * m);
  const d1 = new Float64Array(3 * m);
  const d10 = new Float64Array(3 * m);
  const d60 = new Float64Array(3 * m);
  // Counts per 1/10/60 s bin without the bins the span's edges cut (interiorDisp), per window
  // and in total (the merged window's disp).
  const disp: ArrivalSummary['disp'] = { s1: { bins: 0, sum: 0, sumSq: 0 }, s10: { bins: 0, sum: 0, sumSq: 0 }, s60: { bins: 0, sum: 0, sumSq: 0 } };
  arrivals.forEach((a, i) => {
    const j = 3 * i;
    gaps[j] = a.gaps;
    gaps[j + 1] = a.sum;
    gaps[j + 2] = a.sumSq;
    const d = interiorDisp(a);
    for (const [out, c, total] of [[d1, d.s1, disp.s1], [d10, d.s10, disp.s10], [d60, d.s60, disp.s60]] as const) {
      out[j] = c.bins;
      out[j + 1] = c.sum;
      out[j + 2] = c.sumSq;
      total.bins += c.bins;
      total.sum += c.sum;
      total.sumSq += c.sumSq;
    }
  });
  const merged = arrivals.length ? mergeArrivals(arrivals, true) : undefined;
  return {
    n,
    windows,
    ...(own ? { own } : {}),
    gaps: merged && { ...arrivalFields(merged), disp },
    lengths: lengths.length ? mergeLengths(lengths) : undefined,
    perWindow: { gaps, disp: { '1': d1, '10': d10, '60': d60 }, mem: memoryPairs(arrivals), hists: gapWindows(arrivals) },
  };
}

/**
 * Summarizes a trace for validation at a given clock resolution (the source's, for both
 * sides, so a generated trace is judged as if logged by the same clock): per client and
 * for the aggregate stream (all clients as one, whose gaps are those of the merged stream).
 */
export function summarizeSide(label: string, trace: Trace, resolution: number, arrivalSeconds: number): Side {
  const opts = { arrivalSeconds, lengthSeconds: SIDE_LENGTH_SECONDS, resolution };
  const per = buildSummaries(trace, opts);
  // The aggregate stream's arrivals only: its lengths are the clients' added up (sideFromSummaries).
  const agg = buildSummaries({ ...trace, client: new Int32Array(trace.n), clientIds: ['*'], ints: {} }, opts);
  return {
    ...sideFromSummaries(label, per, agg, trace.n, trace.texts.session_id !== undefined),
    sessions: traceSessions(trace),
    ...(trace.hashIds ? { prefix: prefixSideOf(trace) } : {}),
    load: traceLoad(trace.timestamp, trace.ints),
  };
}

/** One length window over everything: validation compares whole-trace length distributions. */
export const SIDE_LENGTH_SECONDS = 1e12;

/**
 * The length windows of the aggregate stream (one client `*`) from those of the clients: per
 * window start, every client's counts added, keys ascending and fields in the builder's order
 * — exactly the windows a scan of the aggregate stream gives (the same rows in the same
 * windows), without counting every row again.
 */
export function aggregateLengths(per: readonly LengthSummary[]): LengthSummary[] {
  const byStart = new Map<number, LengthSummary[]>();
  for (const l of per) {
    const list = byStart.get(l.start);
    if (list) list.push(l);
    else byStart.set(l.start, [l]);
  }
  const sorted = (m: Map<number, number>) => new Map([...m].sort((a, b) => a[0] - b[0]));
  const add = (into: Map<number, number>, from: ReadonlyMap<number, number>) => from.forEach((c, k) => into.set(k, (into.get(k) ?? 0) + c));
  return [...byStart.keys()]
    .sort((a, b) => a - b)
    .map((start) => {
      const list = byStart.get(start)!;
      const fields = new Map<string, ReadonlyMap<number, number>>();
      for (const f of [...SUMMARY_FIELDS, 'reason_ratio']) {
        const sum = new Map<number, number>();
        for (const l of list) {
          const h = l.fields.get(f);
          if (h) add(sum, h);
        }
        if (sum.size > 0) fields.set(f, sorted(sum));
      }
      const joint = new Map<number, number>();
      for (const l of list) add(joint, l.joint);
      return { client: '*', start, n: list.reduce((a, l) => a + l.n, 0), fields, joint: sorted(joint) };
    });
}

/**
 * A side from its per-client summaries and the aggregate stream's arrival summaries (one
 * client `*`; its lengths are the clients' added up, so its scan may skip them).
 */
export function sideFromSummaries(label: string, per: TraceSummaries, agg: TraceSummaries, requests: number, hasSessions: boolean): Side {
  const byClient = new Map<string, { a: ArrivalSummary[]; l: LengthSummary[] }>();
  for (const a of per.arrivals) {
    let e = byClient.get(a.client);
    if (!e) byClient.set(a.client, (e = { a: [], l: [] }));
    e.a.push(a);
  }
  for (const l of per.lengths) byClient.get(l.client)?.l.push(l);
  // Each client's gaps without those from before a pause of a whole window, as a fit reads them.
  const own = ownGapTotals(per);
  const clients = new Map<string, Stats>();
  for (const [id, e] of byClient) clients.set(id, statsOf(e.a, e.l, own.get(id)));
  const shares = new Map<string, number>();
  for (const [id, s] of clients) shares.set(id, s.n);
  return {
    label,
    requests,
    span: per.span,
    aggregate: statsOf(agg.arrivals, aggregateLengths(per.lengths), ownGapTotals(agg).get('*')),
    clients,
    clientShares: shares,
    hasSessions,
  };
}

/** A copy of a trace with timestamps shifted by `offset` and floored to the clock `resolution` (within `tol` ticks). */
export function alignTrace(trace: Trace, offset: number, resolution: number, tol = clockTolerance(resolution)): Trace {
  if (offset === 0 && !(resolution > 1e-6)) return trace;
  const ts = new Float64Array(trace.n);
  for (let i = 0; i < trace.n; i++) {
    const t = trace.timestamp[i] + offset;
    ts[i] = resolution > 1e-6 ? Math.floor(t / resolution + tol) * resolution : t;
  }
  return { ...trace, timestamp: ts };
}

/** Splits a trace at the middle of its span into two traces (for self-consistency checks). */
export function splitHalves(trace: Trace): [Trace, Trace] {
  const mid = trace.n ? (trace.timestamp[0] + trace.timestamp[trace.n - 1]) / 2 : 0;
  return [sliceTrace(trace, -Infinity, mid), sliceTrace(trace, mid, Infinity)];
}

/** Adds the statistics of two already summarized halves to a source side. */
export function withHalfSides(side: Side, a: Side, b: Side): Side {
  const clients = new Map<string, { a: Stats; b: Stats }>();
  for (const [id, s] of a.clients) {
    const t = b.clients.get(id);
    if (t) clients.set(id, { a: s, b: t });
  }
  return { ...side, halves: { aggregate: { a: a.aggregate, b: b.aggregate }, clients } };
}
