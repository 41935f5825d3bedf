import type { ArrivalSummary, LengthSummary, TraceSummaries } from './types.js';

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

/**
 * Merges summaries of disjoint parts of one trace (time partitions or shards): windows with
 * the same (client, start) are added. Associative and commutative up to float rounding.
 * A gap that spans two partitions is lost (each partition starts its clients afresh).
 */
export function mergeSummaries(a: TraceSummaries, b: TraceSummaries): TraceSummaries {
  if (a.arrivalSeconds !== b.arrivalSeconds || a.lengthSeconds !== b.lengthSeconds) {
    throw new RangeError(`cannot merge summaries with different windows (${a.arrivalSeconds}/${a.lengthSeconds} vs ${b.arrivalSeconds}/${b.lengthSeconds})`);
  }
  const arr = new Map<string, ArrivalSummary>();
  for (const s of [...a.arrivals, ...b.arrivals]) {
    const k = `${s.client}\u0000${s.start}`;
    const prev = arr.get(k);
    arr.set(k, prev ? mergeArrival(prev, s) : s);
  }
  const len = new Map<string, LengthSummary>();
  for (const s of [...a.lengths, ...b.lengths]) {
    const k = `${s.client}\u0000${s.start}`;
    const prev = len.get(k);
    len.set(k, prev ? mergeLength(prev, s) : s);
  }
  const order = <T extends { client: string; start: number }>(x: T, y: T) => (x.client < y.client ? -1 : x.client > y.client ? 1 : x.start - y.start);
  return {
    arrivalSeconds: a.arrivalSeconds,
    lengthSeconds: a.lengthSeconds,
    resolution: Math.max(a.resolution, b.resolution),
    span: { start: Math.min(a.span.start, b.span.start), end: Math.max(a.span.end, b.span.end) },
    origin: a.origin ?? b.origin,
    arrivals: [...arr.values()].sort(order),
    lengths: [...len.values()].sort(order),
  };
}
