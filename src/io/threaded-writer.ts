/**
 * A trace writer on a worker thread: the batches are copied to a worker that runs the very
 * writer `openTraceWriter` gives (so the file is the same, byte for byte) while this thread
 * goes on making the next batches. Formatting and encoding took 10 of a 38 s `generate` of
 * 30 days to Parquet (10.4 M requests) and 5 of 31 s to jsonl, all on the one thread.
 */
import type { Worker } from 'node:worker_threads';
import { discardTemporary, outputError, tempPathFor } from './atomic.js';
import { InputError } from './input.js';
import { defineSessionTexts, type TraceBatch, type TraceLayout } from './trace-schema.js';
import type { TraceFormat, TraceWriter } from './trace-writer.js';
import { startWorker } from '../util/worker.js';

/** A batch as posted to the writer thread: compact session ids travel as their numbers. */
export interface WireBatch {
  n: number;
  timestamp: Float64Array;
  client: Int32Array;
  lengths: TraceBatch['lengths'];
  texts?: TraceBatch['texts'];
  extraInts?: TraceBatch['extraInts'];
  sessionNumbers?: Float64Array;
  hashIds?: TraceBatch['hashIds'];
}

export type ToWriterThread = { kind: 'open'; format: TraceFormat; path: string; layout: TraceLayout } | { kind: 'write'; batch: WireBatch } | { kind: 'close' };
export type FromWriterThread = { kind: 'written' } | { kind: 'closed'; rows: number } | { kind: 'error'; error: WireError };

/** An error as posted back: its message and errno fields (an output error names the path). */
export interface WireError {
  message: string;
  name: string;
  stack?: string;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
  /** An InputError's file (bad input the writer found, e.g. an id past a 32-bit column). */
  file?: string;
}

/** The batch's columns, without the lazily built session id strings. */
export function batchToWire(batch: TraceBatch): WireBatch {
  let texts = batch.texts;
  if (texts && batch.sessionNumbers) {
    // Reading texts.session_id would build the strings: the numbers go instead.
    const rest: NonNullable<TraceBatch['texts']> = {};
    for (const k of Object.keys(texts) as (keyof typeof texts)[]) if (k !== 'session_id') rest[k] = texts[k];
    texts = Object.keys(rest).length > 0 ? rest : undefined;
  }
  return {
    n: batch.n,
    timestamp: batch.timestamp,
    client: batch.client,
    lengths: batch.lengths,
    ...(texts ? { texts } : {}),
    ...(batch.extraInts ? { extraInts: batch.extraInts } : {}),
    ...(batch.sessionNumbers ? { sessionNumbers: batch.sessionNumbers } : {}),
    ...(batch.hashIds ? { hashIds: batch.hashIds } : {}),
  };
}

/** The batch a writer reads, from its wire form. */
export function batchFromWire(w: WireBatch, clientIds: readonly string[]): TraceBatch {
  const batch: TraceBatch = { n: w.n, timestamp: w.timestamp, client: w.client, lengths: w.lengths };
  if (w.texts) batch.texts = w.texts;
  if (w.extraInts) batch.extraInts = w.extraInts;
  if (w.hashIds) batch.hashIds = w.hashIds;
  if (w.sessionNumbers) {
    batch.sessionNumbers = w.sessionNumbers;
    defineSessionTexts(batch, clientIds);
  }
  return batch;
}

export function errorToWire(err: unknown): WireError {
  const e = (err instanceof Error ? err : new Error(String(err))) as NodeJS.ErrnoException;
  return { message: e.message, name: e.name, stack: e.stack, code: e.code, errno: e.errno, syscall: e.syscall, path: e.path, ...(err instanceof InputError ? { file: err.file } : {}) };
}

function errorFromWire(w: WireError): Error {
  // Bad input the writer found stays bad input (exit 2) across the thread (found by review:
  // int32Ids' "id … is past the 32-bit integers" of a long generate --format parquet came back
  // a plain Error, "internal error", exit 3).
  const e = (w.file !== undefined ? new InputError(w.message, w.file) : new Error(w.message)) as NodeJS.ErrnoException;
  e.name = w.name;
  if (w.stack) e.stack = w.stack;
  for (const k of ['code', 'errno', 'syscall', 'path'] as const) if (w[k] !== undefined) (e as unknown as Record<string, unknown>)[k] = w[k];
  return e;
}

/**
 * Rows posted and not yet written, at most: the generator runs ahead of the writer by this
 * many. Above a Parquet row group (256 Ki rows), so the generator does not wait while the
 * writer encodes one (~0.2 s each; with 4 batches of a window each, ~10 000 rows, it did).
 */
const IN_FLIGHT_ROWS = 1 << 20;

/** Rows posted between two turns of the event loop, so a signal (Ctrl-C) is handled (as the Parquet writer does). */
const YIELD_ROWS = 16_384;

/**
 * The writer of `format` at `path`, run on a worker thread. Same contract as openTraceWriter's:
 * nothing at `path` until close(), abort() leaves nothing behind, and the temporary file is
 * removed on Ctrl-C (it is tracked here, where the signal handlers are).
 */
export function threadedTraceWriter(format: TraceFormat, path: string, layout: TraceLayout): TraceWriter {
  // The writer's temporary name, tracked here for the signal handlers: the worker's writer
  // takes the same (tempPathFor: same directory, same pid) and renames it onto `path`.
  let tmp: string;
  try {
    tmp = tempPathFor(path);
  } catch (err) {
    throw outputError(path, err);
  }
  const worker: Worker = startWorker(import.meta.url, 'trace-writer-worker');
  let failed: Error | undefined;
  let inFlight = 0;
  const sizes: number[] = []; // rows of the batches in flight, oldest first
  let wake: (() => void) | undefined;
  let closed: ((rows: number) => void) | undefined;
  const fail = (err: Error) => {
    failed ??= err;
    wake?.();
  };
  worker.on('message', (m: FromWriterThread) => {
    if (m.kind === 'written') inFlight -= sizes.shift()!;
    else if (m.kind === 'closed') closed?.(m.rows);
    else fail(errorFromWire(m.error));
    const w = wake;
    wake = undefined;
    w?.();
  });
  worker.on('error', (err) => fail(err));
  worker.on('exit', (code) => fail(new Error(`trace writer thread stopped (exit code ${code})`)));
  const post = (m: ToWriterThread) => worker.postMessage(m);
  post({ kind: 'open', format, path, layout });
  let sinceYield = 0;
  const stop = () => {
    worker.removeAllListeners('exit');
    void worker.terminate();
  };
  return {
    async write(batch: TraceBatch) {
      if (failed) throw failed;
      while (inFlight > 0 && inFlight + batch.n > IN_FLIGHT_ROWS && !failed) await new Promise<void>((r) => (wake = r));
      if (failed) throw failed;
      inFlight += batch.n;
      sizes.push(batch.n);
      post({ kind: 'write', batch: batchToWire(batch) });
      sinceYield += batch.n;
      if (sinceYield >= YIELD_ROWS) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));
      }
    },
    async close() {
      if (failed) throw failed;
      const rows = await new Promise<number>((resolve, reject) => {
        closed = resolve;
        const check = () => (failed ? reject(failed) : (wake = check));
        wake = check;
        post({ kind: 'close' });
      });
      stop();
      discardTemporary(tmp); // renamed onto `path` by the worker: this only stops tracking it
      return rows;
    },
    abort() {
      stop();
      discardTemporary(tmp);
    },
  };
}
