import { gapBin } from './bins.js';
import { AGGREGATE_BUCKET_SECONDS, arrivalFields, DISP_SCALES, QUANT_TICKS, type AggregateBuckets, type ArrivalSummary, type LengthSummary, type TraceSummaries } from './types.js';
import { addBuckets } from './buckets.js';
import { log } from '../stats/det-math.js';

/** Sum of two windows' gap-memory terms (a window without them adds none). */
function addMem(a: readonly number[] | undefined, b: readonly number[] | undefined): number[] | undefined {
  if (!a) return b ? [...b] : undefined;
  if (!b) return [...a];
  return a.map((x, i) => x + b[i]);
}

/** Sum of two windows' batch counts (undefined when neither has a batch); a new Map when both have. */
function addBatches(a: ReadonlyMap<number, number> | undefined, b: ReadonlyMap<number, number> | undefined): ReadonlyMap<number, number> | undefined {
  const has = (m: ReadonlyMap<number, number> | undefined): m is ReadonlyMap<number, number> => m !== undefined && m.size > 0;
  if (!has(a)) return has(b) ? new Map(b) : undefined;
  const out = new Map(a);
  if (has(b)) addMap(out, b);
  return out;
}

function addMap<K>(into: Map<K, number>, from: ReadonlyMap<K, number>): void {
  // forEach, in the same order as iterating: no [key, value] pair made per entry.
  from.forEach((v, k) => into.set(k, (into.get(k) ?? 0) + v));
}

/**
 * Sum of two arrival summaries over disjoint rows. For the same (client, window) from two
 * partitions the dispersion bins are the window's (max); pooling different windows
 * (`acrossWindows`) adds them.
 */
export function mergeArrival(a: ArrivalSummary, b: ArrivalSummary, acrossWindows = false): ArrivalSummary {
  const bins = (x: number, y: number) => (acrossWindows ? x + y : Math.max(x, y));
  const quant = new Map(a.quant);
  const hist = new Map(a.hist);
  addMap(quant, b.quant);
  addMap(hist, b.hist);
  const mem = addMem(a.mem, b.mem);
  const batches = addBatches(a.batches, b.batches);
  const clusters = addBatches(a.clusters, b.clusters);
  const { mem: _, batches: __, clusters: ___, ...rest } = arrivalFields(a);
  // Read once: a scan's summaries are views, and each read of `disp` builds it.
  const ad = rest.disp;
  const bd = b.disp;
  return {
    ...rest,
    ...(mem ? { mem } : {}),
    ...(batches ? { batches } : {}),
    ...(clusters ? { clusters } : {}),
    n: a.n + b.n,
    first: Math.min(a.first, b.first),
    last: Math.max(a.last, b.last),
    gaps: a.gaps + b.gaps,
    sum: a.sum + b.sum,
    sumSq: a.sumSq + b.sumSq,
    sumLog: a.sumLog + b.sumLog,
    positive: a.positive + b.positive,
    quant,
    hist,
    disp: {
      s1: { bins: bins(ad.s1.bins, bd.s1.bins), sum: ad.s1.sum + bd.s1.sum, sumSq: ad.s1.sumSq + bd.s1.sumSq },
      s10: { bins: bins(ad.s10.bins, bd.s10.bins), sum: ad.s10.sum + bd.s10.sum, sumSq: ad.s10.sumSq + bd.s10.sumSq },
      s60: { bins: bins(ad.s60.bins, bd.s60.bins), sum: ad.s60.sum + bd.s60.sum, sumSq: ad.s60.sumSq + bd.s60.sumSq },
    },
  };
}

/**
 * The sum of arrival summaries, as `list.reduce((a, b) => mergeArrival(a, b, acrossWindows))`
 * gives it (the same additions in the same order, keys in the same order), but adding into
 * one histogram instead of copying the sum at every step (quadratic over many windows).
 */
export function mergeArrivals(list: readonly ArrivalSummary[], acrossWindows = false): ArrivalSummary {
  if (list.length === 1) return list[0];
  const out = mergeArrival(list[0], list[1], acrossWindows);
  const quant = out.quant as Map<number, number>;
  const hist = out.hist as Map<number, number>;
  for (let i = 2; i < list.length; i++) {
    const b = list[i];
    addMap(quant, b.quant);
    addMap(hist, b.hist);
    out.n += b.n;
    out.first = Math.min(out.first, b.first);
    out.last = Math.max(out.last, b.last);
    out.gaps += b.gaps;
    out.sum += b.sum;
    out.sumSq += b.sumSq;
    out.sumLog += b.sumLog;
    out.positive += b.positive;
    const mem = b.mem;
    if (mem) out.mem = addMem(out.mem, mem);
    const batches = b.batches;
    if (batches && batches.size > 0) out.batches = addBatches(out.batches, batches);
    const clusters = b.clusters;
    if (clusters && clusters.size > 0) out.clusters = addBatches(out.clusters, clusters);
    // Read once: a scan's summaries are views, and each read of `disp` builds it.
    const bd = b.disp;
    for (const k of ['s1', 's10', 's60'] as const) {
      const d = out.disp[k];
      d.bins = acrossWindows ? d.bins + bd[k].bins : Math.max(d.bins, bd[k].bins);
      d.sum += bd[k].sum;
      d.sumSq += bd[k].sumSq;
    }
  }
  return out;
}

/** The sum of length summaries, as `list.reduce(mergeLength)` gives it, adding into one set of histograms. */
export function mergeLengths(list: readonly LengthSummary[]): LengthSummary {
  if (list.length === 1) return list[0];
  const out = mergeLength(list[0], list[1]);
  const fields = out.fields as Map<string, Map<number, number>>;
  const joint = out.joint as Map<number, number>;
  for (let i = 2; i < list.length; i++) {
    const b = list[i];
    for (const [f, m] of b.fields) {
      let into = fields.get(f);
      if (!into) fields.set(f, (into = new Map()));
      addMap(into, m);
    }
    addMap(joint, b.joint);
    out.n += b.n;
  }
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
  const quant = new Map(a.quant);
  const hist = new Map(a.hist);
  const out: ArrivalSummary = { ...arrivalFields(a), gaps: a.gaps + 1, sum: a.sum + g, sumSq: a.sumSq + g * g, quant, hist };
  const ticks = Math.round(g / res);
  if (ticks < QUANT_TICKS) quant.set(ticks, (quant.get(ticks) ?? 0) + 1);
  else {
    const b = gapBin(g);
    hist.set(b, (hist.get(b) ?? 0) + 1);
  }
  if (g > 0) {
    out.positive++;
    out.sumLog += log(g);
  }
  return out;
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
    // Starts snapped to the grid as buildSummaries computes them (index × window), so the same
    // window from two parts gets one key.
    arrivals: s.arrivals.map((x) => ({ ...arrivalFields(x), start: Math.round((x.start + delta) / W) * W, first: x.first + delta, last: x.last + delta })),
    lengths: s.lengths.map((x) => ({ ...x, start: Math.round((x.start + delta) / L) * L })),
    // 5-minute counts move by whole buckets, or are dropped (the aggregate model then comes from
    // the windows' counts: origins a whole number of 60 s windows apart, not of 300 s).
    ...bucketsShifted(s.buckets, delta),
  };
}

function bucketsShifted(b: AggregateBuckets | undefined, delta: number): { buckets?: AggregateBuckets } {
  const k = delta / AGGREGATE_BUCKET_SECONDS;
  if (!b || Math.abs(k - Math.round(k)) >= 1e-9) return { buckets: undefined };
  return { buckets: { base: b.base + Math.round(k), counts: b.counts } };
}

/** @throws RangeError unless the parts share window lengths and clock resolution. */
function checkCompatible(parts: TraceSummaries[]): void {
  const [a] = parts;
  for (const b of parts) {
    if (a.arrivalSeconds !== b.arrivalSeconds || a.lengthSeconds !== b.lengthSeconds) {
      throw new RangeError(`cannot merge summaries with different windows (${a.arrivalSeconds}/${a.lengthSeconds} vs ${b.arrivalSeconds}/${b.lengthSeconds})`);
    }
  }
  // Gap ticks are counted in units of the resolution: parts counted in different units do not add.
  const withRows = parts.filter((p) => p.arrivals.length > 0);
  for (const b of withRows) {
    const r = withRows[0].resolution;
    if (Math.abs(b.resolution - r) > 1e-9 * Math.max(r, b.resolution)) {
      throw new RangeError(`parts have clock resolutions ${r} s and ${b.resolution} s: summarize every part with the same --resolution`);
    }
  }
}

/** Adds windows with the same (client, start); the parts share origin and resolution. */
function addUp(parts: TraceSummaries[], origin: string | null, restoreGaps: boolean): TraceSummaries {
  const [a] = parts;
  const W = a.arrivalSeconds;
  const withRows = parts.filter((s) => s.arrivals.length > 0);
  const resolution = withRows.length ? withRows[0].resolution : a.resolution;
  // An empty part (no rows) has no span of its own.
  const span = withRows.length ? { start: Math.min(...withRows.map((x) => x.span.start)), end: Math.max(...withRows.map((x) => x.span.end)) } : a.span;
  const arr = new Map<string, ArrivalSummary>();
  for (const p of parts) {
    for (const s of p.arrivals) {
      const k = `${s.client}\u0000${s.start}`;
      const prev = arr.get(k);
      arr.set(k, prev ? mergeArrival(prev, s) : s);
    }
  }
  if (restoreGaps) {
    // Per client, one extent (first, last) per part; sorted by first. The first row of an
    // extent that starts at or after every earlier extent's last row follows the latest of
    // those rows in the whole trace: that gap was seen by no part. Extents that overlap
    // (rows of a client interleaving across parts) give no gap (those are lost).
    const extents = new Map<string, { first: number; last: number; firstStart: number }[]>();
    for (const p of parts) {
      const own = new Map<string, { first: number; last: number; firstStart: number }>();
      for (const x of p.arrivals) {
        const e = own.get(x.client);
        if (!e) own.set(x.client, { first: x.first, last: x.last, firstStart: x.start });
        else {
          if (x.first < e.first) {
            e.first = x.first;
            e.firstStart = x.start;
          }
          if (x.last > e.last) e.last = x.last;
        }
      }
      for (const [client, e] of own) {
        let list = extents.get(client);
        if (!list) extents.set(client, (list = []));
        list.push(e);
      }
    }
    for (const [client, list] of extents) {
      if (list.length < 2) continue;
      list.sort((x, y) => x.first - y.first || x.last - y.last);
      let maxLast = list[0].last;
      for (let i = 1; i < list.length; i++) {
        const e = list[i];
        if (maxLast <= e.first) {
          const k = `${client}\u0000${e.firstStart}`;
          arr.set(k, withGap(arr.get(k)!, e.first - maxLast, resolution));
        }
        maxLast = Math.max(maxLast, e.last);
      }
    }
  }
  const len = new Map<string, LengthSummary>();
  for (const p of parts) {
    for (const s of p.lengths) {
      const k = `${s.client}\u0000${s.start}`;
      const prev = len.get(k);
      len.set(k, prev ? mergeLength(prev, s) : s);
    }
  }
  const order = <T extends { client: string; start: number }>(x: T, y: T) => (x.client < y.client ? -1 : x.client > y.client ? 1 : x.start - y.start);
  const arrivals = [...arr.values()].sort(order).map((s) => {
    // Bins per window: the part of the window inside the merged span (as buildSummaries).
    const covered = Math.min(s.start + W, span.end) - Math.max(s.start, span.start);
    const bins = (sc: number) => Math.max(1, Math.ceil(Math.max(covered, sc) / sc));
    const d = s.disp;
    return { ...arrivalFields(s), disp: { s1: { ...d.s1, bins: bins(1) }, s10: { ...d.s10, bins: bins(10) }, s60: { ...d.s60, bins: bins(60) } } };
  });
  // Every part's 5-minute counts, or none (a part from a SQL scan, or from before they were kept).
  const buckets = withRows.every((p) => p.buckets) ? addBuckets(withRows.map((p) => p.buckets!)) : undefined;
  return { arrivalSeconds: W, lengthSeconds: a.lengthSeconds, resolution, span, origin, arrivals, lengths: [...len.values()].sort(order), ...(buckets ? { buckets } : {}) };
}

/**
 * Merges summaries of all the disjoint parts of one trace (time partitions, client shards, or
 * both): windows with the same (client, start) are added, and each client's gap across a
 * time cut (seen by no part) is restored from the windows' first/last times, so the result
 * equals one scan over all rows — exactly, given cuts on multiples of 60 s (no 1/10/60 s
 * dispersion bin straddles two parts). Parts with their own origins are rebased onto the
 * earliest (they must be a whole number of windows apart); parts must share windows and clock
 * resolution. A client whose rows interleave in time across parts loses those gaps.
 * Give all parts at once: the gaps are placed using every part's extent.
 * @throws RangeError on incompatible parts.
 */
export function mergeAll(parts: TraceSummaries[]): TraceSummaries {
  if (parts.length === 0) throw new RangeError('no summaries to merge');
  checkCompatible(parts);
  // One part already in merged form is its own merge (a 30-day directory's 1.5 M windows were
  // copied through a Map keyed by strings: 2 s and their garbage).
  if (parts.length === 1 && isMerged(parts[0])) return parts[0];
  const withRows = parts.filter((p) => p.arrivals.length > 0);
  const origins = withRows.map((p) => p.origin).filter((o): o is string => o !== null);
  const origin = origins.length ? origins.reduce((x, y) => (Date.parse(y) < Date.parse(x) ? y : x)) : (withRows[0] ?? parts[0]).origin;
  const W = parts[0].arrivalSeconds;
  const L = parts[0].lengthSeconds;
  return addUp(
    parts.map((p) => rebase(p, origin, W, L)),
    origin,
    true,
  );
}

/** Whether addUp would return `s` unchanged: windows in (client, start) order, one per key, dispersion bins as it computes them. */
function isMerged(s: TraceSummaries): boolean {
  const ordered = (xs: readonly { client: string; start: number }[]) => xs.every((x, i) => i === 0 || xs[i - 1].client < x.client || (xs[i - 1].client === x.client && xs[i - 1].start < x.start));
  const W = s.arrivalSeconds;
  return (
    ordered(s.arrivals) &&
    ordered(s.lengths) &&
    s.arrivals.every((a) => {
      const covered = Math.min(a.start + W, s.span.end) - Math.max(a.start, s.span.start);
      return DISP_SCALES.every(([k, sc]) => a.disp[k].bins === Math.max(1, Math.ceil(Math.max(covered, sc) / sc)));
    })
  );
}

/**
 * Sum of two summaries of disjoint parts, without restoring the gaps across a cut (that needs
 * every part at once: use `mergeAll`). Associative and commutative up to float rounding.
 */
export function mergeSummaries(a: TraceSummaries, b: TraceSummaries): TraceSummaries {
  checkCompatible([a, b]);
  const origin = a.arrivals.length ? a.origin : b.origin;
  return addUp([rebase(a, origin, a.arrivalSeconds, a.lengthSeconds), rebase(b, origin, a.arrivalSeconds, a.lengthSeconds)], origin, false);
}

/** Two parts holding one client over overlapping times (partOverlaps). */
export interface PartOverlap {
  /** Indices of the two parts. */
  a: number;
  b: number;
  client: string;
  /** The overlap, in seconds from the first part's origin (the Unix epoch when it has one). */
  from: number;
  to: number;
  /** Clients with an overlap between some two parts. */
  clients: number;
}

/**
 * The first pair of parts whose rows of one client overlap in time, or undefined. Partitions of
 * one log (by time, or shards by client) are disjoint in (client, time): an overlap means the
 * same rows twice, or two different logs whose client ids collide — merged, their windows add
 * up as if one client had sent both (found by a README walkthrough: two traces' "default"
 * clients fitted as one, silently). A shared endpoint is not an overlap.
 */
export function partOverlaps(parts: readonly TraceSummaries[]): PartOverlap | undefined {
  const spans = new Map<string, { part: number; lo: number; hi: number }[]>();
  parts.forEach((p, part) => {
    const base = p.origin !== null ? Date.parse(p.origin) / 1000 : 0;
    const per = new Map<string, { lo: number; hi: number }>();
    for (const w of p.arrivals) {
      if (w.n === 0) continue;
      const s = per.get(w.client);
      if (!s) per.set(w.client, { lo: base + w.first, hi: base + w.last });
      else {
        s.lo = Math.min(s.lo, base + w.first);
        s.hi = Math.max(s.hi, base + w.last);
      }
    }
    for (const [client, s] of per) {
      let list = spans.get(client);
      if (!list) spans.set(client, (list = []));
      list.push({ part, ...s });
    }
  });
  let first: PartOverlap | undefined;
  let clients = 0;
  for (const client of [...spans.keys()].sort()) {
    const list = spans.get(client)!.sort((x, y) => x.lo - y.lo || x.part - y.part);
    let found: PartOverlap | undefined;
    let reach = list[0];
    for (let i = 1; i < list.length && !found; i++) {
      const s = list[i];
      if (s.lo < reach.hi) found = { a: Math.min(reach.part, s.part), b: Math.max(reach.part, s.part), client, from: s.lo, to: Math.min(s.hi, reach.hi), clients: 0 };
      if (s.hi > reach.hi) reach = s;
    }
    if (found) {
      clients++;
      first ??= found;
    }
  }
  return first && { ...first, clients };
}
