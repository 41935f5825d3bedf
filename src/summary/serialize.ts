import { EMPTY_COUNTS, PackedCounts, PairSink } from './packed.js';
import { AGGREGATE_BUCKET_SECONDS, arrivalFields, CLUSTER_GAPS, clusterKey, clusterOf, MEM_LAGS, type AggregateBuckets, type ArrivalSummary, type LengthSummary, type TraceSummaries } from './types.js';

type ArrivalJson = Omit<ArrivalSummary, 'quant' | 'hist' | 'disp' | 'batches' | 'clusters'> & { quant: [number, number][]; hist: [number, number][]; disp: DispJson; batches?: [number, number][]; clusters?: [number, number, number][] };
type LengthJson = Omit<LengthSummary, 'fields' | 'joint'> & { fields: Record<string, [number, number][]>; joint: [number, number][] };

/** JSON form of summaries: maps become [key, count] pair lists. Versioned like profiles. */
export interface SummariesJson {
  format: 'servegen-summaries';
  version: 1;
  arrival_seconds: number;
  length_seconds: number;
  resolution: number;
  span: { start: number; end: number };
  origin: string | null;
  /** Rows per 300 s bucket from `base` (TraceSummaries.buckets); absent in files written before the thirty-seventh session. */
  aggregate_buckets?: { seconds: number; base: number; counts: number[] };
  arrivals: ArrivalJson[];
  lengths: LengthJson[];
}

/** ArrivalSummary.disp as written: keyed by the bin width in seconds. */
type DispJson = Record<'1' | '10' | '60', ArrivalSummary['disp']['s1']>;

const arrivalToJson = (a: ArrivalSummary): ArrivalJson => {
  const { batches, clusters, ...rest } = arrivalFields(a);
  return {
    ...rest,
    quant: [...a.quant.entries()],
    hist: [...a.hist.entries()],
    disp: { '1': a.disp.s1, '10': a.disp.s10, '60': a.disp.s60 },
    ...(batches ? { batches: [...batches.entries()] } : {}),
    // [threshold (s), size, runs]: readable without the key's packing.
    ...(clusters ? { clusters: [...clusters.entries()].map(([key, c]): [number, number, number] => { const [size, k] = clusterOf(key); return [CLUSTER_GAPS[k], size, c]; }) } : {}),
  };
};
const lengthToJson = (l: LengthSummary): LengthJson => ({ ...l, fields: Object.fromEntries([...l.fields.entries()].map(([k, m]) => [k, [...m.entries()]])), joint: [...l.joint.entries()] });

function headOf(s: TraceSummaries): Omit<SummariesJson, 'arrivals' | 'lengths'> {
  return {
    format: 'servegen-summaries',
    version: 1,
    arrival_seconds: s.arrivalSeconds,
    length_seconds: s.lengthSeconds,
    resolution: s.resolution,
    span: s.span,
    origin: s.origin,
    ...(s.buckets ? { aggregate_buckets: { seconds: AGGREGATE_BUCKET_SECONDS, base: s.buckets.base, counts: Array.from(s.buckets.counts) } } : {}),
  };
}

/** TraceSummaries.buckets from a file's `aggregate_buckets` (absent: none). @throws RangeError when malformed. */
function bucketsFromJson(j: SummariesJson['aggregate_buckets']): { buckets?: AggregateBuckets } {
  if (j === undefined) return {};
  const ok =
    j !== null && typeof j === 'object' && j.seconds === AGGREGATE_BUCKET_SECONDS && Number.isSafeInteger(j.base) && Array.isArray(j.counts) && j.counts.every((c) => typeof c === 'number' && Number.isInteger(c) && c >= 0);
  if (!ok) throw new RangeError(`aggregate_buckets: expected {"seconds": ${AGGREGATE_BUCKET_SECONDS}, "base": an integer, "counts": whole numbers ≥ 0}`);
  return { buckets: { base: j.base, counts: Float64Array.from(j.counts) } };
}

/** Summaries as plain JSON (so a scan done elsewhere can be fitted here). */
export function summariesToJson(s: TraceSummaries): SummariesJson {
  return { ...headOf(s), arrivals: s.arrivals.map(arrivalToJson), lengths: s.lengths.map(lengthToJson) };
}

const ARRIVALS_OPEN = '\n"arrivals": [\n';
const LENGTHS_OPEN = '\n],\n"lengths": [\n';
const CLOSE = '\n]}\n';

/**
 * The JSON text of summariesToJson in pieces, one window a line: a month of 2 000 clients (1.5 M
 * windows, ~1 GB of JSON) was one string, longer than V8 allows ("Invalid string length", exit
 * 3), and cannot be read back as one either; parseSummariesText reads this layout window by
 * window.
 */
export function* summariesJsonChunks(s: TraceSummaries): Generator<string, void, undefined> {
  yield JSON.stringify(headOf(s)).slice(0, -1) + ',' + ARRIVALS_OPEN;
  for (let i = 0; i < s.arrivals.length; i++) yield (i > 0 ? ',\n' : '') + JSON.stringify(arrivalToJson(s.arrivals[i]));
  yield LENGTHS_OPEN;
  for (let i = 0; i < s.lengths.length; i++) yield (i > 0 ? ',\n' : '') + JSON.stringify(lengthToJson(s.lengths[i]));
  yield CLOSE;
}

/** The longest text parsed whole (V8 strings hold at most 2^29 − 24 characters). */
const WHOLE_TEXT_LIMIT = 2 ** 29 - 24;

/**
 * Summaries from a file's bytes: parsed whole when they fit in one string (any layout), else
 * window by window in summariesJsonChunks' layout. @throws RangeError (bad content) or SyntaxError (bad JSON, or a large file in another layout).
 */
export function parseSummariesText(bytes: Buffer, options: { wholeTextLimit?: number } = {}): TraceSummaries {
  if (bytes.length <= (options.wholeTextLimit ?? WHOLE_TEXT_LIMIT)) return summariesFromJson(JSON.parse(bytes.toString('utf8')) as SummariesJson);
  const layout = (what: string) => new SyntaxError(`${(bytes.length / 2 ** 20).toFixed(0)} MB is more than one JSON text can hold here, and the file is not in the layout servegen summarize writes (${what})`);
  const a = bytes.indexOf(ARRIVALS_OPEN);
  const l = bytes.indexOf(LENGTHS_OPEN);
  const end = bytes.length - CLOSE.length;
  if (a < 0 || l < a || bytes.toString('utf8', end) !== CLOSE) throw layout('a one-line head, then "arrivals" and "lengths" one window a line');
  const head = JSON.parse(`${bytes.toString('utf8', 0, a)} "arrivals": [], "lengths": []}`) as SummariesJson;
  checkHead(head);
  const lines = <T>(from: number, to: number, each: (v: T) => void) => {
    for (let at = from; at < to; ) {
      let nl = bytes.indexOf(10, at);
      if (nl < 0 || nl > to) nl = to;
      const line = bytes.toString('utf8', at, nl).replace(/,$/, '');
      if (line !== '') each(JSON.parse(line) as T);
      at = nl + 1;
    }
  };
  const arrivals: ArrivalSummary[] = [];
  const lengths: LengthSummary[] = [];
  const packer = new HistogramPacker();
  lines<ArrivalJson>(a + ARRIVALS_OPEN.length, l, (v) => arrivals.push(arrivalFromJson(v, packer)));
  lines<LengthJson>(l + LENGTHS_OPEN.length, end, (v) => lengths.push(lengthFromJson(v, packer)));
  packer.finish();
  return { arrivalSeconds: head.arrival_seconds, lengthSeconds: head.length_seconds, resolution: head.resolution, span: head.span, origin: head.origin, arrivals, lengths, ...bucketsFromJson(head.aggregate_buckets) };
}

function checkHead(j: Pick<SummariesJson, 'format' | 'version'>): void {
  if (j.format !== 'servegen-summaries' || j.version !== 1) throw new RangeError(`not servegen summaries v1 (format ${JSON.stringify(j.format)}, version ${j.version})`);
}

/**
 * Histograms from JSON pairs, packed as the scans pack them (PackedCounts over shared typed
 * arrays, ~16 bytes a pair against ~100 in a Map; a month's 1.7 M windows parsed into Maps took
 * 2 GB of heap and the fit 3× as long) when the keys ascend and the counts are whole numbers
 * (as summarize writes them), else a Map of the pairs as given. A packed histogram is set on its
 * window once all are read (`finish`): the arrays are complete only then.
 */
class HistogramPacker {
  private readonly sink = new PairSink(true);
  private readonly targets: (Record<string, unknown> | Map<string, ReadonlyMap<number, number>>)[] = [];
  private readonly keys: string[] = [];
  private ranges: number[] = [];

  /** Sets `target[key]` (or `target.set(key, …)` on a Map) to the counts of `pairs`. */
  add(target: Record<string, unknown> | Map<string, ReadonlyMap<number, number>>, key: string, pairs: [number, number][]): void {
    let packable = Array.isArray(pairs);
    for (let i = 0; packable && i < pairs.length; i++) {
      const [k, c] = pairs[i];
      packable = typeof k === 'number' && (i === 0 ? Number.isFinite(k) : k > pairs[i - 1][0]) && Number.isInteger(c) && c >= 0 && c <= 0x7fffffff;
    }
    const set = (v: ReadonlyMap<number, number>) => (target instanceof Map ? target.set(key, v) : (target[key] = v));
    if (!packable || pairs.length === 0) return void set(pairs.length === 0 ? EMPTY_COUNTS : new Map(pairs));
    set(EMPTY_COUNTS); // holds the key's place (a Map's order) until finish
    const from = this.sink.n;
    for (const [k, c] of pairs) this.sink.push(k, c);
    this.targets.push(target);
    this.keys.push(key);
    this.ranges.push(from, this.sink.n);
  }

  finish(): void {
    const { keys, counts } = this.sink.arrays();
    this.targets.forEach((t, i) => {
      const v = new PackedCounts(keys, counts, this.ranges[2 * i], this.ranges[2 * i + 1]);
      if (t instanceof Map) t.set(this.keys[i], v);
      else t[this.keys[i]] = v;
    });
    this.ranges = [];
  }
}

function arrivalFromJson(a: ArrivalJson, packer: HistogramPacker): ArrivalSummary {
  // Gap-memory terms are summed by position: a list of another length (other lags) or with
  // non-numbers would be pooled into the wrong lags without a word.
  if (a.mem !== undefined && !(Array.isArray(a.mem) && a.mem.length === 2 * MEM_LAGS.length && a.mem.every((x) => typeof x === 'number' && Number.isFinite(x)))) {
    throw new RangeError(`arrival window (client ${JSON.stringify(a.client)}, start ${a.start}): mem must be ${2 * MEM_LAGS.length} finite numbers (lags ${MEM_LAGS.join(', ')}, then their variance terms)`);
  }
  const d = a.disp as Partial<DispJson> | undefined;
  if (!d || !d['1'] || !d['10'] || !d['60']) throw new RangeError(`arrival window (client ${JSON.stringify(a.client)}, start ${a.start}): disp must hold "1", "10" and "60"`);
  // Batch sizes are whole numbers from 2 (a request alone at its instant is no batch).
  if (a.batches !== undefined && !(Array.isArray(a.batches) && a.batches.every((p) => Array.isArray(p) && Number.isInteger(p[0]) && p[0] >= 2 && Number.isInteger(p[1]) && p[1] >= 0))) {
    throw new RangeError(`arrival window (client ${JSON.stringify(a.client)}, start ${a.start}): batches must be [size, count] pairs of whole numbers, sizes from 2`);
  }
  // Clusters: [threshold, size, count], a threshold of CLUSTER_GAPS and sizes from 2.
  let clusters: [number, number][] | undefined;
  if (a.clusters !== undefined) {
    const bad = () => new RangeError(`arrival window (client ${JSON.stringify(a.client)}, start ${a.start}): clusters must be [threshold, size, count] triples, thresholds of ${CLUSTER_GAPS.join(', ')} s, whole sizes from 2 and counts`);
    if (!Array.isArray(a.clusters)) throw bad();
    clusters = a.clusters.map((p) => {
      const k = Array.isArray(p) ? CLUSTER_GAPS.indexOf(p[0] as (typeof CLUSTER_GAPS)[number]) : -1;
      if (k < 0 || p.length !== 3 || !Number.isInteger(p[1]) || p[1] < 2 || !Number.isInteger(p[2]) || p[2] < 0) throw bad();
      return [clusterKey(p[1], k), p[2]];
    });
    clusters.sort((x, y) => x[0] - y[0]);
  }
  const { batches, clusters: _, ...fields } = a;
  const out = { ...fields, quant: EMPTY_COUNTS, hist: EMPTY_COUNTS, disp: { s1: d['1'], s10: d['10'], s60: d['60'] } } as ArrivalSummary;
  packer.add(out as unknown as Record<string, unknown>, 'quant', a.quant);
  packer.add(out as unknown as Record<string, unknown>, 'hist', a.hist);
  if (batches && batches.length > 0) packer.add(out as unknown as Record<string, unknown>, 'batches', batches);
  if (clusters && clusters.length > 0) packer.add(out as unknown as Record<string, unknown>, 'clusters', clusters);
  return out;
}

function lengthFromJson(l: LengthJson, packer: HistogramPacker): LengthSummary {
  const fields = new Map<string, ReadonlyMap<number, number>>();
  for (const [k, pairs] of Object.entries(l.fields)) packer.add(fields, k, pairs);
  const out = { ...l, fields, joint: EMPTY_COUNTS } as LengthSummary;
  packer.add(out as unknown as Record<string, unknown>, 'joint', l.joint);
  return out;
}

/** Inverse of summariesToJson. @throws RangeError on another format or version. */
export function summariesFromJson(j: SummariesJson): TraceSummaries {
  checkHead(j);
  const packer = new HistogramPacker();
  const arrivals = j.arrivals.map((a) => arrivalFromJson(a, packer));
  const lengths = j.lengths.map((l) => lengthFromJson(l, packer));
  packer.finish();
  return { arrivalSeconds: j.arrival_seconds, lengthSeconds: j.length_seconds, resolution: j.resolution, span: j.span, origin: j.origin, arrivals, lengths, ...bucketsFromJson(j.aggregate_buckets) };
}
