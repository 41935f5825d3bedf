/**
 * SummaryBuilder on several threads: each worker (build-worker.ts) counts the rows of a
 * fixed share of the clients, and the parts are assembled into exactly the summaries one
 * builder would give (a client's rows are all counted by one worker, in the same order, with
 * the same arithmetic). The calling thread only checks each client's time order and deals
 * the rows out, in batches, with a bounded number in flight.
 */
import type { Worker } from 'node:worker_threads';
import { defaultWorkers, startWorker, usableThreads } from '../util/worker.js';
import { buildSummaries, summariesFromParts, type RowChunk, type SummaryOptions, type SummaryParts } from './build.js';
import { detectResolution, RESOLUTION_SAMPLE } from './resolution.js';
import type { Trace } from '../ingest/trace.js';
import type { FromWorker, ToWorker } from './build-worker.js';
import type { IntField } from '../ingest/fields.js';
import type { TraceSummaries } from './types.js';

/** Rows per batch posted to a worker. */
const BATCH = 32768;
/** Batches in flight per worker before push waits (drain). */
const IN_FLIGHT = 4;

/**
 * Workers counting summaries by default (defaultWorkers: cores − 1, up to 8; on 2 cores one
 * worker was as fast as two, with less memory).
 */
export const defaultBuildWorkers = defaultWorkers;

interface Lane {
  worker: Worker;
  inFlight: number;
  /** Called on every message from the worker (resolves what is waiting for it). */
  waiting: ((m: FromWorker) => void)[];
  failed?: Error;
  /** Stopped by close(): its exit is expected. */
  closed?: boolean;
  n: number;
  t: Float64Array;
  client: Int32Array;
  ints: Int32Array[];
}

/** Workers started by ParallelSummaryBuilder.spawn, not yet given their options. */
export interface SpawnedWorkers {
  lanes: Lane[];
  /** Resolves when every worker has loaded (rejects if one failed). */
  ready: Promise<unknown>;
  /** Stops them (when they will not be used). */
  close(): void;
}

/** Resolves at the first message from the lane's worker that `done` accepts; rejects if the worker failed. */
function untilMessage(lane: Lane, done: (m: FromWorker) => boolean): Promise<FromWorker> {
  return new Promise((resolve, reject) => {
    const wait = (m: FromWorker) => {
      if (lane.failed) reject(lane.failed);
      else if (done(m)) resolve(m);
      else lane.waiting.push(wait);
    };
    if (lane.failed) reject(lane.failed);
    else lane.waiting.push(wait);
  });
}

export class ParallelSummaryBuilder {
  private readonly last: Float64Array;
  private readonly lane: Int32Array;
  private fields: IntField[] | undefined;
  rows = 0;

  private constructor(
    private readonly lanes: Lane[],
    private readonly options: ConstructorParameters<typeof import('./build.js').SummaryBuilder>[0],
  ) {
    const n = options.clients.length;
    this.last = new Float64Array(n).fill(NaN);
    // Clients dealt round-robin by index.
    this.lane = Int32Array.from({ length: n }, (_, c) => c % lanes.length);
  }

  /**
   * Starts `workers` (≥ 1) workers before the options are known, so their modules load while
   * the caller reads ahead (the one pass decides the clock resolution from its first 200 000
   * rows): `start` with them, or `close` them.
   */
  static spawn(workers: number): SpawnedWorkers {
    const lanes: Lane[] = [];
    const close = () => stopLanes(lanes);
    try {
      for (let k = 0; k < workers; k++) {
        const worker = startWorker(import.meta.url, 'build-worker');
        const lane: Lane = { worker, inFlight: 0, waiting: [], n: 0, t: new Float64Array(0), client: new Int32Array(0), ints: [] };
        worker.on('message', (m: FromWorker) => {
          if (m.type === 'ack') lane.inFlight--;
          if (m.type === 'error') lane.failed = new Error(`summary worker: ${m.message}`);
          for (const w of lane.waiting.splice(0)) w(m);
        });
        const fail = (err: Error) => {
          lane.failed ??= err;
          for (const w of lane.waiting.splice(0)) w({ type: 'error', message: err.message });
        };
        worker.on('error', fail);
        // Stopping early (killed, out of memory) fails whatever waits on it rather than hanging.
        worker.on('exit', (code) => {
          if (!lane.closed) fail(new Error(`summary worker stopped (exit code ${code})`));
        });
        lanes.push(lane);
      }
    } catch (err) {
      close();
      throw err;
    }
    const ready = Promise.all(lanes.map((lane) => untilMessage(lane, (m) => m.type === 'ready')));
    ready.catch(() => undefined); // awaited by start; a worker that fails before then fails it there
    return { lanes, ready, close };
  }

  /** Starts `workers` (≥ 1) workers, or takes spawned ones, each with a SummaryBuilder for the given options. */
  static async start(options: ConstructorParameters<typeof import('./build.js').SummaryBuilder>[0], workers: number | SpawnedWorkers): Promise<ParallelSummaryBuilder> {
    const spawned = typeof workers === 'number' ? ParallelSummaryBuilder.spawn(workers) : workers;
    try {
      await spawned.ready;
      const b = new ParallelSummaryBuilder(spawned.lanes, options);
      for (const lane of spawned.lanes) b.send(lane, { type: 'init', options });
      return b;
    } catch (err) {
      spawned.close();
      throw err;
    }
  }

  private send(lane: Lane, m: ToWorker, transfer: ArrayBuffer[] = []): void {
    lane.worker.postMessage(m, transfer);
  }

  private until(lane: Lane, done: (m: FromWorker) => boolean): Promise<FromWorker> {
    return untilMessage(lane, done);
  }

  private fresh(lane: Lane): void {
    lane.n = 0;
    lane.t = new Float64Array(BATCH);
    lane.client = new Int32Array(BATCH);
    lane.ints = this.fields!.map(() => new Int32Array(BATCH));
  }

  private flush(lane: Lane): void {
    if (lane.n === 0) return;
    const n = lane.n;
    const chunk: RowChunk = { n, t: lane.t, client: lane.client, ints: {} };
    this.fields!.forEach((f, k) => (chunk.ints[f] = lane.ints[k]));
    lane.inFlight++;
    this.send(lane, { type: 'rows', chunk }, [lane.t.buffer as ArrayBuffer, lane.client.buffer as ArrayBuffer, ...lane.ints.map((a) => a.buffer as ArrayBuffer)]);
    this.fresh(lane);
  }

  /**
   * Deals rows [0, n) of a chunk out to the workers. Returns false — dealing nothing more —
   * at the first row earlier than its client's previous row, as SummaryBuilder.push does.
   * Call `drain` between chunks to bound what is in flight.
   */
  push(chunk: RowChunk): boolean {
    if (!this.fields) {
      this.fields = Object.keys(chunk.ints).filter((f) => chunk.ints[f as IntField] !== undefined) as IntField[];
      for (const lane of this.lanes) this.fresh(lane);
    }
    const { t: T, client: C, n } = chunk;
    const cols = this.fields.map((f) => chunk.ints[f]!);
    const nf = cols.length;
    const last = this.last;
    for (let i = 0; i < n; i++) {
      const c = C[i];
      const t = T[i];
      if (t < last[c]) return false;
      last[c] = t;
      const lane = this.lanes[this.lane[c]];
      const j = lane.n++;
      lane.t[j] = t;
      lane.client[j] = c;
      for (let k = 0; k < nf; k++) lane.ints[k][j] = cols[k][i];
      if (lane.n === BATCH) this.flush(lane);
      this.rows++;
    }
    return true;
  }

  /** Waits while a worker has more than IN_FLIGHT batches to count. */
  async drain(): Promise<void> {
    for (const lane of this.lanes) {
      if (lane.failed) throw lane.failed;
      while (lane.inFlight > IN_FLIGHT) await this.until(lane, (m) => m.type === 'ack');
    }
  }

  /** The summaries of every row pushed (the workers are stopped). */
  async finish(origin: string | null): Promise<TraceSummaries> {
    try {
      for (const lane of this.lanes) this.flush(lane);
      const parts = await Promise.all(
        this.lanes.map(async (lane) => {
          const reply = this.until(lane, (m) => m.type === 'parts');
          this.send(lane, { type: 'finish' });
          return ((await reply) as { parts: SummaryParts }).parts;
        }),
      );
      return summariesFromParts(parts, { ...this.options, origin });
    } finally {
      this.close();
    }
  }

  /** Stops the workers (also when the builder is abandoned). */
  close(): void {
    stopLanes(this.lanes);
  }
}

/** Stops the lanes' workers; their exits are expected. */
function stopLanes(lanes: Lane[]): void {
  for (const lane of lanes) {
    lane.closed = true;
    void lane.worker.terminate();
  }
}

/** Rows below which buildSummariesParallel counts on the calling thread (buildSummaries). */
const PARALLEL_MIN_ROWS = 500_000;

/**
 * buildSummaries with the counting on `workers` worker threads (ParallelSummaryBuilder): the
 * same summaries. The calling thread only deals the rows out, so on an idle machine every
 * core counts (buildSummaries counts on one). Fewer than PARALLEL_MIN_ROWS rows, or no worker,
 * are counted here.
 */
export async function buildSummariesParallel(trace: Trace, options: SummaryOptions, workers = usableThreads() >= 2 ? Math.min(8, usableThreads()) : 0): Promise<TraceSummaries> {
  if (workers < 1 || trace.n < PARALLEL_MIN_ROWS) return buildSummaries(trace, options);
  const det = options.resolution !== undefined ? { resolution: options.resolution } : detectResolution(trace.timestamp.subarray(0, RESOLUTION_SAMPLE));
  const b = await ParallelSummaryBuilder.start({ arrivalSeconds: options.arrivalSeconds, lengthSeconds: options.lengthSeconds, resolution: det.resolution, clients: trace.clientIds }, workers);
  try {
    const step = 1 << 20;
    for (let from = 0; from < trace.n; from += step) {
      const to = Math.min(trace.n, from + step);
      const chunk: RowChunk = { n: to - from, t: trace.timestamp.subarray(from, to), client: trace.client.subarray(from, to), ints: Object.fromEntries(Object.entries(trace.ints).map(([f, c]) => [f, c!.subarray(from, to)])) };
      if (!b.push(chunk)) throw new RangeError('buildSummaries: trace not sorted by time');
      options.onProgress?.(to, trace.n);
      await b.drain();
    }
    return await b.finish(trace.origin);
  } finally {
    b.close();
  }
}
