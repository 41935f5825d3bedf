import { MEM_LAGS, type ArrivalSummary, type LengthSummary, type TraceSummaries } from './types.js';

/** JSON form of summaries: maps become [key, count] pair lists. Versioned like profiles. */
export interface SummariesJson {
  format: 'servegen-summaries';
  version: 1;
  arrival_seconds: number;
  length_seconds: number;
  resolution: number;
  span: { start: number; end: number };
  origin: string | null;
  arrivals: (Omit<ArrivalSummary, 'quant' | 'hist' | 'disp'> & { quant: [number, number][]; hist: [number, number][]; disp: DispJson })[];
  lengths: (Omit<LengthSummary, 'fields' | 'joint'> & { fields: Record<string, [number, number][]>; joint: [number, number][] })[];
}

/** ArrivalSummary.disp as written: keyed by the bin width in seconds. */
type DispJson = Record<'1' | '10' | '60', ArrivalSummary['disp']['s1']>;

/** Summaries as plain JSON (so a scan done elsewhere can be fitted here). */
export function summariesToJson(s: TraceSummaries): SummariesJson {
  return {
    format: 'servegen-summaries',
    version: 1,
    arrival_seconds: s.arrivalSeconds,
    length_seconds: s.lengthSeconds,
    resolution: s.resolution,
    span: s.span,
    origin: s.origin,
    arrivals: s.arrivals.map((a) => ({ ...a, quant: [...a.quant.entries()], hist: [...a.hist.entries()], disp: { '1': a.disp.s1, '10': a.disp.s10, '60': a.disp.s60 } })),
    lengths: s.lengths.map((l) => ({ ...l, fields: Object.fromEntries([...l.fields.entries()].map(([k, m]) => [k, [...m.entries()]])), joint: [...l.joint.entries()] })),
  };
}

/** Inverse of summariesToJson. @throws RangeError on another format or version. */
export function summariesFromJson(j: SummariesJson): TraceSummaries {
  if (j.format !== 'servegen-summaries' || j.version !== 1) throw new RangeError(`not servegen summaries v1 (format ${JSON.stringify(j.format)}, version ${j.version})`);
  return {
    arrivalSeconds: j.arrival_seconds,
    lengthSeconds: j.length_seconds,
    resolution: j.resolution,
    span: j.span,
    origin: j.origin,
    arrivals: j.arrivals.map((a) => {
      // Gap-memory terms are summed by position: a list of another length (other lags) or with
      // non-numbers would be pooled into the wrong lags without a word.
      if (a.mem !== undefined && !(Array.isArray(a.mem) && a.mem.length === 2 * MEM_LAGS.length && a.mem.every((x) => typeof x === 'number' && Number.isFinite(x)))) {
        throw new RangeError(`arrival window (client ${JSON.stringify(a.client)}, start ${a.start}): mem must be ${2 * MEM_LAGS.length} finite numbers (lags ${MEM_LAGS.join(', ')}, then their variance terms)`);
      }
      const d = a.disp as Partial<DispJson> | undefined;
      if (!d || !d['1'] || !d['10'] || !d['60']) throw new RangeError(`arrival window (client ${JSON.stringify(a.client)}, start ${a.start}): disp must hold "1", "10" and "60"`);
      return { ...a, quant: new Map(a.quant), hist: new Map(a.hist), disp: { s1: d['1'], s10: d['10'], s60: d['60'] } };
    }),
    lengths: j.lengths.map((l) => ({ ...l, fields: new Map(Object.entries(l.fields).map(([k, pairs]) => [k, new Map(pairs)])), joint: new Map(l.joint) })),
  };
}
