/**
 * The per-window arrival fits — most of a profile fit's time — on worker threads, before
 * fitSummaries runs (which then takes them from `FitOptions.prefit`). Each window is fitted
 * by the same function on the same numbers as on the calling thread, so the profile is the
 * same byte for byte; only the wall time changes.
 */
import type { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { startWorker } from '../util/worker.js';
import { PackedCounts } from '../summary/packed.js';
import type { ArrivalSummary, TraceSummaries } from '../summary/types.js';
import type { ArrivalFitOptions, FamilyFit } from './arrival-fit.js';

/** Windows per message to a worker. */
const BATCH = 256;
/** Fewer windows than this are fitted on the calling thread (starting workers costs more). */
const MIN_WINDOWS = 2000;

/** An arrival summary as posted to a worker: histograms as sorted key and count arrays. */
export type WireWindow = Omit<ArrivalSummary, 'quant' | 'hist'> & { quant: [Float64Array, Float64Array]; hist: [Float64Array, Float64Array] };
export interface ToFitWorker {
  id: number;
  res: number;
  options: ArrivalFitOptions;
  windows: WireWindow[];
}
export type FromFitWorker = { id: number; fits: FamilyFit[] } | { id: number; error: string };

function pairs(h: ReadonlyMap<number, number>): [Float64Array, Float64Array] {
  const k = new Float64Array(h.size);
  const c = new Float64Array(h.size);
  let i = 0;
  h.forEach((count, key) => {
    k[i] = key;
    c[i++] = count;
  });
  return [k, c];
}

const toWire = (s: ArrivalSummary): WireWindow => ({ ...s, quant: pairs(s.quant), hist: pairs(s.hist) });

/** The window a worker fits: histograms back as maps iterating in the same (ascending) order. */
export const fromWire = (w: WireWindow): ArrivalSummary => ({ ...w, quant: new PackedCounts(w.quant[0], w.quant[1]), hist: new PackedCounts(w.hist[0], w.hist[1]) });

/** Threads fitting windows by default: every core (the calling thread only waits), up to 8; 0 on one core. */
export function defaultFitWorkers(): number {
  const n = Math.min(8, availableParallelism());
  return n >= 2 ? n : 0;
}

/**
 * The best fit of every arrival window with at least `options.minArrivals` gaps, fitted on
 * `workers` threads; undefined when that is not worth it (one core, few windows) and
 * fitSummaries fits them itself.
 */
export async function prefitArrivalWindows(
  summaries: TraceSummaries,
  options: ArrivalFitOptions & { minArrivals: number; onWindows?: (fitted: number, windows: number) => void; minWindows?: number; batch?: number },
  workers = defaultFitWorkers(),
): Promise<Map<ArrivalSummary, FamilyFit> | undefined> {
  const windows = summaries.arrivals.filter((s) => s.gaps >= options.minArrivals);
  if (workers < 1 || windows.length < (options.minWindows ?? MIN_WINDOWS)) return undefined;
  const arrivalOptions: ArrivalFitOptions = { momentMatch: options.momentMatch, censorShare: options.censorShare };
  const fits = new Map<ArrivalSummary, FamilyFit>();
  const pool: Worker[] = [];
  const batch = options.batch ?? BATCH;
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let pending = 0;
      const batches = Math.ceil(windows.length / batch);
      const give = (w: Worker) => {
        if (next >= batches) {
          if (pending === 0) resolve();
          return;
        }
        const id = next++;
        pending++;
        w.postMessage({ id, res: summaries.resolution, options: arrivalOptions, windows: windows.slice(id * batch, (id + 1) * batch).map(toWire) } satisfies ToFitWorker);
      };
      for (let k = 0; k < Math.min(workers, batches); k++) {
        const w = startWorker(import.meta.url, 'fit-worker');
        pool.push(w);
        w.on('message', (m: FromFitWorker) => {
          pending--;
          if ('error' in m) return reject(new Error(`fit worker: ${m.error}`));
          m.fits.forEach((f, i) => fits.set(windows[m.id * batch + i], f));
          options.onWindows?.(fits.size, windows.length);
          give(w);
        });
        w.on('error', reject);
        w.on('exit', (code) => reject(new Error(`fit worker stopped (exit code ${code})`)));
        give(w);
      }
    });
  } finally {
    for (const w of pool) {
      w.removeAllListeners('exit');
      void w.terminate();
    }
  }
  return fits;
}
