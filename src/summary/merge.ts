import { gapBin } from './bins.js';
import { QUANT_TICKS, type ArrivalSummary, type LengthSummary, type TraceSummaries } from './types.js';

function addMap<K>(into: Map<K, number>, from: Map<K, number>): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
}

/**
 * Sum of two arrival summaries over disjoint rows. For the same (client, window) from two
 * partitions the dispersion bins are the window's (max); pooling different windows
 * (`acrossWindows`) adds them.
 */
export function mergeArrival(a: ArrivalSummary, b: ArrivalSummary, acrossWindows = false): ArrivalSummary {
  const bins = (x: number, y: number) => (acrossWindows ? x + y : Math.max(x, y));
  const out: ArrivalSummary = {
    ...a,
    n: a.n + b.n,
    first: Math.min(a.first, b.first),
    last: Math.max(a.last, b.last),
    gaps: a.gaps + b.gaps,
    sum: a.sum + b.sum,
    sumSq: a.sumSq + b.sumSq,
    sumLog: a.sumLog + b.sumLog,
    positive: a.positive + b.positive,
    quant: new Map(a.quant),
    hist: new Map(a.hist),
    disp: {
      '1': { bins: bins(a.disp['1'].bins, b.disp['1'].bins), sum: a.disp['1'].sum + b.disp['1'].sum, sumSq: a.disp['1'].sumSq + b.disp['1'].sumSq },
      '10': { bins: bins(a.disp['10'].bins, b.disp['10'].bins), sum: a.disp['10'].sum + b.disp['10'].sum, sumSq: a.disp['10'].sumSq + b.disp['10'].sumSq },
      '60': { bins: bins(a.disp['60'].bins, b.disp['60'].bins), sum: a.disp['60'].sum + b.disp['60'].sum, sumSq: a.disp['60'].sumSq + b.disp['60'].sumSq },
    },
  };
  addMap(out.quant, b.quant);
  addMap(out.hist, b.hist);
  return out;
}

export function mergeLength(a: LengthSummary, b: LengthSummary): LengthSummary {
  const fields = new Map<string, Map<number, number>>();
  for (const src of [a.fields, b.fields]) {
    for (const [f, m] of src) {
      let into = fields.get(f);
      if (!into) fields.set(f, (into = new Map()));
      addMap(into, m);
    }
  }
  const joint = new Map(a.joint);
  addMap(joint, b.joint);
  return { client: a.client, start: a.start, n: a.n + b.n, fields, joint };
}

/** A copy of `a` with one more gap `g` (as buildSummaries would have counted it at clock `res`). */
function withGap(a: ArrivalSummary, g: number, res: number): ArrivalSummary {
  const out: ArrivalSummary = { ...a, gaps: a.gaps + 1, sum: a.sum + g, sumSq: a.sumSq + g * g, quant: new Map(a.quant), hist: new Map(a.hist) };
  const ticks = Math.round(g / res);
  if (ticks < QUANT_TICKS) out.quant.set(ticks, (out.quant.get(ticks) ?? 0) + 1);
  else {
    const b = gapBin(g);
    out.hist.set(b, (out.hist.get(b) ?? 0) + 1);
  }
  if (g > 0) {
    out.positive++;
    out.sumLog += Math.log(g);
  }
  return out;
}

/** Per client: the earliest first and latest last request over its windows. */
function extent(s: TraceSummaries): Map<string, { first: number; last: number; firstStart: number }> {
  const m = new Map<string, { first: number; last: number; firstStart: number }>();
  for (const a of s.arrivals) {
    const e = m.get(a.client);
    if (!e) m.set(a.client, { first: a.first, last: a.last, firstStart: a.start });
    else {
      if (a.first < e.first) {
        e.first = a.first;
        e.firstStart = a.start;
      }
      if (a.last > e.last) e.last = a.last;
    }
  }
  return m;
}

/**
 * `s` with its times counted from `origin` instead of its own (parts scanned apart each start
 * at their first second). Window starts must stay on the window grid, so the two origins
 * must be a whole number of windows apart. @throws RangeError otherwise, or when one side has
 * absolute times and the other relative ones.
 */
function rebase(s: TraceSummaries, origin: string | null, W: number, L: number): TraceSummaries {
  if (s.origin === origin || s.arrivals.length === 0) return { ...s, origin };
  if (s.origin === null || origin === null) {
    throw new RangeError(`cannot merge summaries with relative times and summaries with absolute times (origin ${origin ?? s.origin})`);
  }
  const delta = (Date.parse(s.origin) - Date.parse(origin)) / 1000;
  const onGrid = (x: number) => Math.abs(delta / x - Math.round(delta / x)) < 1e-9;
  if (!onGrid(W) || !onGrid(L)) {
    throw new RangeError(
      `parts have origins ${origin} and ${s.origin}, ${delta} s apart: not a whole number of ${W} s and ${L} s windows; summarize every part with the same --origin (e.g. --origin ${origin})`,
    );
  }
  return {
    ...s,
    origin,
    span: { start: s.span.start + delta, end: s.span.end + delta },
    arrivals: s.arrivals.map((x) => ({ ...x, start: x.start + delta, first: x.first + delta, last: x.last + delta })),
    lengths: s.lengths.map((x) => ({ ...x, start: x.start + delta })),
  };
}

/**
 * Merges summaries of disjoint parts of one trace (time partitions or shards): windows with
 * the same (client, start) are added. When all of a client's rows in one part precede all
 * of its rows in the other, the gap between them (which neither part saw) is added to the
 * window of the later request, so time partitions give the whole scan's summaries exactly
 * (given boundaries on multiples of 60 s, where no 1/10/60 s dispersion bin straddles two
 * parts). Dispersion bins are recomputed from the merged span. Merge parts in time order
 * (`mergeAll` sorts them): a client whose rows interleave across parts loses those gaps.
 */
export function mergeSummaries(a: TraceSummaries, b0: TraceSummaries): TraceSummaries {
  if (a.arrivalSeconds !== b0.arrivalSeconds || a.lengthSeconds !== b0.lengthSeconds) {
    throw new RangeError(`cannot merge summaries with different windows (${a.arrivalSeconds}/${a.lengthSeconds} vs ${b0.arrivalSeconds}/${b0.lengthSeconds})`);
  }
  const origin = a.arrivals.length ? a.origin : b0.origin;
  const b = rebase(b0, origin, a.arrivalSeconds, a.lengthSeconds);
  const W = a.arrivalSeconds;
  const resolution = Math.max(a.resolution, b.resolution);
  // An empty part (no rows) has no span of its own.
  const spans = [a, b].filter((s) => s.arrivals.length > 0).map((s) => s.span);
  const span = spans.length ? { start: Math.min(...spans.map((x) => x.start)), end: Math.max(...spans.map((x) => x.end)) } : a.span;
  const arr = new Map<string, ArrivalSummary>();
  for (const s of [...a.arrivals, ...b.arrivals]) {
    const k = `${s.client}\u0000${s.start}`;
    const prev = arr.get(k);
    arr.set(k, prev ? mergeArrival(prev, s) : s);
  }
  const ea = extent(a);
  const eb = extent(b);
  for (const [client, x] of ea) {
    const y = eb.get(client);
    if (!y) continue;
    const [before, after] = x.last <= y.first ? [x, y] : y.last <= x.first ? [y, x] : [undefined, undefined];
    if (!before || !after) continue;
    const k = `${client}\u0000${after.firstStart}`;
    arr.set(k, withGap(arr.get(k)!, after.first - before.last, resolution));
  }
  const len = new Map<string, LengthSummary>();
  for (const s of [...a.lengths, ...b.lengths]) {
    const k = `${s.client}\u0000${s.start}`;
    const prev = len.get(k);
    len.set(k, prev ? mergeLength(prev, s) : s);
  }
  const order = <T extends { client: string; start: number }>(x: T, y: T) => (x.client < y.client ? -1 : x.client > y.client ? 1 : x.start - y.start);
  const arrivals = [...arr.values()].sort(order).map((s) => {
    // Bins per window: the part of the window inside the merged span (as buildSummaries).
    const covered = Math.min(s.start + W, span.end) - Math.max(s.start, span.start);
    const bins = (sc: number) => Math.max(1, Math.ceil(Math.max(covered, sc) / sc));
    return { ...s, disp: { '1': { ...s.disp['1'], bins: bins(1) }, '10': { ...s.disp['10'], bins: bins(10) }, '60': { ...s.disp['60'], bins: bins(60) } } };
  });
  return {
    arrivalSeconds: a.arrivalSeconds,
    lengthSeconds: a.lengthSeconds,
    resolution,
    span,
    origin,
    arrivals,
    lengths: [...len.values()].sort(order),
  };
}

/** Merges any number of parts in time order (by span start), see mergeSummaries. */
export function mergeAll(parts: TraceSummaries[]): TraceSummaries {
  if (parts.length === 0) throw new RangeError('no summaries to merge');
  // Time order on the absolute clock when parts have their own origins.
  const at = (s: TraceSummaries, t: number) => (s.origin ? Date.parse(s.origin) / 1000 : 0) + t;
  const sorted = [...parts].sort((x, y) => at(x, x.span.start) - at(y, y.span.start) || at(x, x.span.end) - at(y, y.span.end));
  return sorted.reduce((m, p) => mergeSummaries(m, p));
}
