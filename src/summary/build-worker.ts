/**
 * A SummaryBuilder on a worker thread (ParallelSummaryBuilder): counts the rows of the
 * clients it is given, in the order they arrive, and hands back what it counted.
 */
import { parentPort } from 'node:worker_threads';
import { SummaryBuilder, type RowChunk, type SummaryParts } from './build.js';

export type ToWorker = { type: 'init'; options: ConstructorParameters<typeof SummaryBuilder>[0] } | { type: 'rows'; chunk: RowChunk } | { type: 'finish' };
export type FromWorker = { type: 'ready' } | { type: 'ack' } | { type: 'parts'; parts: SummaryParts } | { type: 'error'; message: string };

const port = parentPort!;
let builder: SummaryBuilder | undefined;
const send = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

port.on('message', (m: ToWorker) => {
  try {
    if (m.type === 'init') builder = new SummaryBuilder(m.options);
    else if (m.type === 'rows') {
      // The sender checked each client's time order: a refusal here is a bug.
      if (!builder!.push(m.chunk)) throw new Error('internal: a client went back in time in a worker');
      send({ type: 'ack' });
    } else {
      const parts = builder!.parts();
      builder = undefined;
      const arrays = [parts.arrivals, parts.lengths, parts.quant.keys, parts.quant.counts, parts.hist.keys, parts.hist.counts, parts.batch.keys, parts.batch.counts, parts.cluster.keys, parts.cluster.counts, parts.length.keys, parts.length.counts, parts.ratio.keys, parts.ratio.counts];
      send({ type: 'parts', parts }, arrays.map((a) => a.buffer as ArrayBuffer));
    }
  } catch (err) {
    send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
send({ type: 'ready' });
