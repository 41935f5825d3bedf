/**
 * The per-window fits — most of a profile fit's time — on worker threads, before
 * fitSummaries runs (which then takes them from `FitOptions.prefit`): arrival windows (the
 * family fits) and length windows (PMFs, characterizations, joint). Each window is fitted by
 * the same function on the same numbers as on the calling thread, so the profile is the same
 * byte for byte; only the wall time changes.
 */
import { fitArrivals } from './idle-gaps.js';
import type { Worker } from 'node:worker_threads';
import { startWorker, usableThreads } from '../util/worker.js';
import { PackedCounts } from '../summary/packed.js';
import type { ArrivalSummary, LengthSummary, TraceSummaries } from '../summary/types.js';
import { fitsOnItsOwn, type ArrivalFitOptions, type FamilyFit } from './arrival-fit.js';
import { lengthWindowOf, type LengthWindowParts } from './lengths.js';

export type LengthWindowFit = ReturnType<typeof lengthWindowOf>;

/** Windows per message to a worker (length windows take ~10× longer each). */
const BATCH = { arrivals: 256, lengths: 32 };
/** Fewer windows than this are fitted on the calling thread (starting workers costs more). */
const MIN_WINDOWS = 2000;

/**
 * A batch of arrival windows as posted to a worker: only what fitArrivalWindow reads, in four
 * arrays moved (not copied) to the worker — per window its gaps, sum, sumSq, sumLog and positive
 * (`scalars`), and the ranges of its quant and hist pairs in `keys`/`counts` (`ranges`), each
 * histogram in its own iteration order. (Posting the windows as objects, disp and mem included,
 * cost the calling thread more than a second of structured cloning at 30 days × 2 000 clients.)
 */
export interface WireArrivals {
  scalars: Float64Array;
  ranges: Int32Array;
  keys: Float64Array;
  counts: Float64Array;
}
/**
 * A batch of length windows as posted to a worker: only their histograms (what
 * lengthWindowParts reads), in arrays moved to the worker. Per window `ranges` holds its
 * number of fields, then per field the index of its name in `names` and its cells' range in
 * `keys`/`counts`, then the joint histogram's range; each histogram in its iteration order.
 * (Posted as objects of small typed arrays, and answered with whole window fits, PMFs
 * included, the calling thread spent about as long cloning as a worker spent fitting.)
 */
export interface WireLengths {
  names: string[];
  ranges: Int32Array;
  keys: Float64Array;
  counts: Float64Array;
}
export type ToFitWorker = { id: number; kind: 'arrivals'; res: number; options: ArrivalFitOptions; batch: WireArrivals } | { id: number; kind: 'lengths'; batch: WireLengths };
export type FromFitWorker = { id: number; fits: (FamilyFit | LengthWindowParts)[] } | { id: number; error: string };

export function lengthsToWire(list: readonly LengthSummary[]): WireLengths {
  const names: string[] = [];
  let cells = 0;
  let slots = 0;
  for (const s of list) {
    for (const [, h] of s.fields) cells += h.size;
    cells += s.joint.size;
    slots += 3 + 3 * s.fields.size;
  }
  const out: WireLengths = { names, ranges: new Int32Array(slots), keys: new Float64Array(cells), counts: new Float64Array(cells) };
  let at = 0;
  let r = 0;
  const put = (count: number, key: number) => {
    out.keys[at] = key;
    out.counts[at++] = count;
  };
  for (const s of list) {
    out.ranges[r++] = s.fields.size;
    for (const [f, h] of s.fields) {
      let k = names.indexOf(f);
      if (k < 0) k = names.push(f) - 1;
      out.ranges[r++] = k;
      out.ranges[r++] = at;
      h.forEach(put);
      out.ranges[r++] = at;
    }
    out.ranges[r++] = at;
    s.joint.forEach(put);
    out.ranges[r++] = at;
  }
  return out;
}

/** The histograms of a batch of length windows, as lengthWindowParts reads them. */
export function lengthsFromWire(w: WireLengths): Pick<LengthSummary, 'fields' | 'joint'>[] {
  const out: Pick<LengthSummary, 'fields' | 'joint'>[] = [];
  const r = w.ranges;
  for (let i = 0; i < r.length; ) {
    const n = r[i++];
    const fields = new Map<string, PackedCounts>();
    for (let j = 0; j < n; j++, i += 3) fields.set(w.names[r[i]], new PackedCounts(w.keys, w.counts, r[i + 1], r[i + 2]));
    out.push({ fields, joint: new PackedCounts(w.keys, w.counts, r[i], r[i + 1]) });
    i += 2;
  }
  return out;
}

const SCALARS = 5;
export function arrivalsToWire(list: readonly ArrivalSummary[]): WireArrivals {
  let n = 0;
  for (const s of list) n += s.quant.size + s.hist.size;
  const out: WireArrivals = { scalars: new Float64Array(SCALARS * list.length), ranges: new Int32Array(4 * list.length), keys: new Float64Array(n), counts: new Float64Array(n) };
  let at = 0;
  const put = (count: number, key: number) => {
    out.keys[at] = key;
    out.counts[at++] = count;
  };
  list.forEach((s, i) => {
    out.scalars.set([s.gaps, s.sum, s.sumSq, s.sumLog, s.positive], SCALARS * i);
    out.ranges[4 * i] = at;
    s.quant.forEach(put);
    out.ranges[4 * i + 1] = at;
    out.ranges[4 * i + 2] = at;
    s.hist.forEach(put);
    out.ranges[4 * i + 3] = at;
  });
  return out;
}

const NO_DISP = { s1: { bins: 0, sum: 0, sumSq: 0 }, s10: { bins: 0, sum: 0, sumSq: 0 }, s60: { bins: 0, sum: 0, sumSq: 0 } };

/** The windows a worker fits: what fitArrivalWindow reads (the rest blank), histograms iterating in the same order. */
export function arrivalsFromWire(w: WireArrivals): ArrivalSummary[] {
  const out: ArrivalSummary[] = [];
  for (let i = 0; i < w.scalars.length / SCALARS; i++) {
    const [gaps, sum, sumSq, sumLog, positive] = w.scalars.subarray(SCALARS * i, SCALARS * (i + 1));
    const r = 4 * i;
    out.push({ client: '', start: 0, n: 0, first: 0, last: 0, gaps, sum, sumSq, sumLog, positive, quant: new PackedCounts(w.keys, w.counts, w.ranges[r], w.ranges[r + 1]), hist: new PackedCounts(w.keys, w.counts, w.ranges[r + 2], w.ranges[r + 3]), disp: NO_DISP });
  }
  return out;
}

/** Threads fitting windows by default: every core (the calling thread only waits), up to 8; 0 on one core or with setThreads(1). */
export function defaultFitWorkers(): number {
  const n = Math.min(8, usableThreads());
  return n >= 2 ? n : 0;
}

export interface Prefit {
  arrivals: Map<ArrivalSummary, FamilyFit>;
  lengths: Map<LengthSummary, LengthWindowFit>;
}

/**
 * The fit of every length window and of every arrival window with at least
 * `options.minArrivals` gaps, on `workers` threads; undefined when that is not worth it (one
 * core, few windows) and fitSummaries fits them itself.
 */
export async function prefitWindows(
  summaries: TraceSummaries,
  options: ArrivalFitOptions & { minArrivals: number; onWindows?: (fitted: number, windows: number) => void; minWindows?: number; batch?: number },
  workers = defaultFitWorkers(),
): Promise<Prefit | undefined> {
  const arrivals = fitArrivals(summaries).filter((s) => fitsOnItsOwn(s.gaps, options.minArrivals));
  const lengths = summaries.lengths;
  const total = arrivals.length + lengths.length;
  if (workers < 1 || total < (options.minWindows ?? MIN_WINDOWS)) return undefined;
  const arrivalOptions: ArrivalFitOptions = { momentMatch: options.momentMatch, censorShare: options.censorShare };
  const out: Prefit = { arrivals: new Map(), lengths: new Map() };
  // Jobs: length windows first (fewer, longer), then arrival windows; dealt to whichever worker is free.
  const jobs: { message: (id: number) => ToFitWorker; done: (fits: FromFitWorker & { fits: unknown[] }) => void }[] = [];
  // Arrays a message moves to its worker rather than copies.
  const moved = (m: ToFitWorker): ArrayBuffer[] => (m.kind === 'arrivals' ? [m.batch.scalars, m.batch.ranges, m.batch.keys, m.batch.counts] : [m.batch.ranges, m.batch.keys, m.batch.counts]).map((a) => a.buffer as ArrayBuffer);
  const batchOf = (kind: 'arrivals' | 'lengths') => options.batch ?? BATCH[kind];
  for (let at = 0; at < lengths.length; at += batchOf('lengths')) {
    const part = lengths.slice(at, at + batchOf('lengths'));
    // The PMFs are made here from the window's own histograms: cheaper than cloning them back.
    jobs.push({ message: (id) => ({ id, kind: 'lengths', batch: lengthsToWire(part) }), done: (m) => m.fits.forEach((f, i) => out.lengths.set(part[i], lengthWindowOf(part[i], f as LengthWindowParts))) });
  }
  for (let at = 0; at < arrivals.length; at += batchOf('arrivals')) {
    const part = arrivals.slice(at, at + batchOf('arrivals'));
    jobs.push({ message: (id) => ({ id, kind: 'arrivals', res: summaries.resolution, options: arrivalOptions, batch: arrivalsToWire(part) }), done: (m) => m.fits.forEach((f, i) => out.arrivals.set(part[i], f as FamilyFit)) });
  }
  const pool: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let pending = 0;
      const give = (w: Worker) => {
        if (next >= jobs.length) {
          if (pending === 0) resolve();
          return;
        }
        pending++;
        const id = next++;
        const message = jobs[id].message(id);
        w.postMessage(message, moved(message));
      };
      // Two batches in flight per worker: while it fits one, the next is already queued (with
      // one, each worker idled ~27 % of the time waiting for this thread to post its next batch).
      for (let k = 0; k < Math.min(workers, jobs.length); k++) {
        const w = startWorker(import.meta.url, 'fit-worker');
        pool.push(w);
        w.on('message', (m: FromFitWorker) => {
          pending--;
          if ('error' in m) return reject(new Error(`fit worker: ${m.error}`));
          jobs[m.id].done(m);
          options.onWindows?.(out.arrivals.size + out.lengths.size, total);
          give(w);
        });
        w.on('error', reject);
        w.on('exit', (code) => reject(new Error(`fit worker stopped (exit code ${code})`)));
        give(w);
        give(w);
      }
    });
  } finally {
    for (const w of pool) {
      w.removeAllListeners('exit');
      void w.terminate();
    }
  }
  return out;
}
