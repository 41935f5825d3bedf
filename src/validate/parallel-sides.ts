/**
 * Sides summarized on worker threads and on the calling thread at once (validateTracesParallel):
 * each side by the same summarizeSide on the same rows, so the report is the one validateTraces
 * gives; only the wall time changes (validate's sides are otherwise summarized one by one).
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../util/worker.js';
import type { Trace } from '../ingest/trace.js';
import { summarizeSide, type Side } from './side.js';
import type { FromSideWorker, ToSideWorker } from './side-worker.js';

export interface SideJob {
  label: string;
  trace: Trace;
}

/**
 * A trace as posted to a worker: its columns copied out of any larger buffer (a view is cloned
 * with its whole buffer: a half would carry the whole trace).
 */
function own(trace: Trace): Trace {
  const copy = <T extends Float64Array | Int32Array>(a: T): T => (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : (a.slice() as T));
  return {
    ...trace,
    timestamp: copy(trace.timestamp),
    client: copy(trace.client),
    ints: Object.fromEntries(Object.entries(trace.ints).map(([f, c]) => [f, copy(c!)])),
    texts: Object.fromEntries(Object.entries(trace.texts).map(([f, c]) => [f, { index: copy(c!.index), values: c!.values }])),
    ...(trace.hashIds ? { hashIds: { ...trace.hashIds, offsets: copy(trace.hashIds.offsets) } } : {}),
  };
}

/**
 * summarizeSide of every job, in the jobs' order. The jobs are dealt by rows, largest first,
 * to the least loaded of the calling thread and `workers` worker threads; the calling thread
 * summarizes its share while the workers summarize theirs. With no worker, all are here.
 */
export async function summarizeSides(jobs: readonly SideJob[], resolution: number, arrivalSeconds: number, workers: number, onSide?: (done: number, sides: number) => void): Promise<Side[]> {
  const out: (Side | undefined)[] = new Array(jobs.length);
  let done = 0;
  const finished = () => onSide?.(++done, jobs.length);
  const lanes = Math.max(1, Math.min(workers + 1, jobs.length));
  const load = new Float64Array(lanes);
  const laneOf = new Int32Array(jobs.length);
  const order = jobs.map((_, i) => i).sort((a, b) => jobs[b].trace.n - jobs[a].trace.n || a - b);
  for (const i of order) {
    let best = 0;
    for (let l = 1; l < lanes; l++) if (load[l] < load[best]) best = l;
    laneOf[i] = best;
    load[best] += jobs[i].trace.n;
  }
  const pool: Worker[] = [];
  try {
    const results: Promise<void>[] = [];
    for (let l = 1; l < lanes; l++) {
      const mine = jobs.map((_, i) => i).filter((i) => laneOf[i] === l);
      if (mine.length === 0) continue;
      const worker = startWorker(import.meta.url, 'side-worker');
      pool.push(worker);
      results.push(
        new Promise<void>((resolve, reject) => {
          let left = mine.length;
          worker.on('message', (m: FromSideWorker) => {
            if ('error' in m) return reject(new Error(`validate worker: ${m.error}`));
            out[m.id] = m.side;
            finished();
            if (--left === 0) resolve();
          });
          worker.on('error', reject);
          worker.on('exit', (code) => reject(new Error(`validate worker stopped (exit code ${code})`)));
        }),
      );
      for (const i of mine) {
        const message: ToSideWorker = { id: i, label: jobs[i].label, trace: own(jobs[i].trace), resolution, arrivalSeconds };
        worker.postMessage(message);
      }
    }
    // This thread's share, while the workers count theirs.
    for (let i = 0; i < jobs.length; i++) {
      if (laneOf[i] !== 0) continue;
      out[i] = summarizeSide(jobs[i].label, jobs[i].trace, resolution, arrivalSeconds);
      finished();
    }
    await Promise.all(results);
  } finally {
    for (const w of pool) {
      w.removeAllListeners('exit');
      void w.terminate();
    }
  }
  return out as Side[];
}
