/**
 * The per-window fits — most of a profile fit's time — on worker threads, before
 * fitSummaries runs (which then takes them from `FitOptions.prefit`): arrival windows (the
 * family fits) and length windows (PMFs, characterizations, joint). Each window is fitted by
 * the same function on the same numbers as on the calling thread, so the profile is the same
 * byte for byte; only the wall time changes.
 */
import type { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { startWorker } from '../util/worker.js';
import { PackedCounts } from '../summary/packed.js';
import type { ArrivalSummary, LengthSummary, TraceSummaries } from '../summary/types.js';
import type { ArrivalFitOptions, FamilyFit } from './arrival-fit.js';
import type { lengthWindowOf } from './lengths.js';

export type LengthWindowFit = ReturnType<typeof lengthWindowOf>;

/** Windows per message to a worker (length windows take ~10× longer each). */
const BATCH = { arrivals: 256, lengths: 32 };
/** Fewer windows than this are fitted on the calling thread (starting workers costs more). */
const MIN_WINDOWS = 2000;

type Pairs = [Float64Array, Float64Array];
/** Window summaries as posted to a worker: histograms as sorted key and count arrays. */
export type WireArrival = Omit<ArrivalSummary, 'quant' | 'hist'> & { quant: Pairs; hist: Pairs };
export type WireLength = Omit<LengthSummary, 'fields' | 'joint'> & { fields: [string, Pairs][]; joint: Pairs };
export type ToFitWorker = { id: number; kind: 'arrivals'; res: number; options: ArrivalFitOptions; windows: WireArrival[] } | { id: number; kind: 'lengths'; windows: WireLength[] };
export type FromFitWorker = { id: number; fits: (FamilyFit | LengthWindowFit)[] } | { id: number; error: string };

function pairs(h: ReadonlyMap<number, number>): Pairs {
  const k = new Float64Array(h.size);
  const c = new Float64Array(h.size);
  let i = 0;
  h.forEach((count, key) => {
    k[i] = key;
    c[i++] = count;
  });
  return [k, c];
}

const packed = (p: Pairs) => new PackedCounts(p[0], p[1]);
const arrivalToWire = (s: ArrivalSummary): WireArrival => ({ ...s, quant: pairs(s.quant), hist: pairs(s.hist) });
const lengthToWire = (s: LengthSummary): WireLength => ({ ...s, fields: [...s.fields].map(([f, h]) => [f, pairs(h)]), joint: pairs(s.joint) });

/** The windows a worker fits: histograms back as maps iterating in the same order (fields too). */
export const arrivalFromWire = (w: WireArrival): ArrivalSummary => ({ ...w, quant: packed(w.quant), hist: packed(w.hist) });
export const lengthFromWire = (w: WireLength): LengthSummary => ({ ...w, fields: new Map(w.fields.map(([f, p]) => [f, packed(p)])), joint: packed(w.joint) });

/** Threads fitting windows by default: every core (the calling thread only waits), up to 8; 0 on one core. */
export function defaultFitWorkers(): number {
  const n = Math.min(8, availableParallelism());
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
  const arrivals = summaries.arrivals.filter((s) => s.gaps >= options.minArrivals);
  const lengths = summaries.lengths;
  const total = arrivals.length + lengths.length;
  if (workers < 1 || total < (options.minWindows ?? MIN_WINDOWS)) return undefined;
  const arrivalOptions: ArrivalFitOptions = { momentMatch: options.momentMatch, censorShare: options.censorShare };
  const out: Prefit = { arrivals: new Map(), lengths: new Map() };
  // Jobs: length windows first (fewer, longer), then arrival windows; dealt to whichever worker is free.
  const jobs: { message: (id: number) => ToFitWorker; done: (fits: FromFitWorker & { fits: unknown[] }) => void }[] = [];
  const batchOf = (kind: 'arrivals' | 'lengths') => options.batch ?? BATCH[kind];
  for (let at = 0; at < lengths.length; at += batchOf('lengths')) {
    const part = lengths.slice(at, at + batchOf('lengths'));
    jobs.push({ message: (id) => ({ id, kind: 'lengths', windows: part.map(lengthToWire) }), done: (m) => m.fits.forEach((f, i) => out.lengths.set(part[i], f as LengthWindowFit)) });
  }
  for (let at = 0; at < arrivals.length; at += batchOf('arrivals')) {
    const part = arrivals.slice(at, at + batchOf('arrivals'));
    jobs.push({ message: (id) => ({ id, kind: 'arrivals', res: summaries.resolution, options: arrivalOptions, windows: part.map(arrivalToWire) }), done: (m) => m.fits.forEach((f, i) => out.arrivals.set(part[i], f as FamilyFit)) });
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
        w.postMessage(jobs[id].message(id));
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
