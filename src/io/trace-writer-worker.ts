/**
 * The writer thread of threadedTraceWriter: opens the writer openTraceWriter gives and writes
 * the batches it is sent, in order, acknowledging each.
 */
import { parentPort } from 'node:worker_threads';
import { openTraceWriter } from './open-writer.js';
import { batchFromWire, errorToWire, type FromWriterThread, type ToWriterThread } from './threaded-writer.js';
import type { TraceLayout } from './trace-schema.js';
import type { TraceWriter } from './trace-writer.js';

const port = parentPort!;
let writer: TraceWriter | undefined;
let layout: TraceLayout | undefined;
let failed = false;
let queue: Promise<void> = Promise.resolve();

async function handle(m: ToWriterThread): Promise<FromWriterThread | undefined> {
  if (m.kind === 'open') {
    layout = m.layout;
    writer = await openTraceWriter(m.format, m.path, m.layout);
    return undefined;
  }
  if (!writer || !layout) throw new Error('trace writer thread: not open');
  if (m.kind === 'write') {
    await writer.write(batchFromWire(m.batch, layout.clientIds));
    return { kind: 'written' };
  }
  return { kind: 'closed', rows: await writer.close() };
}

port.on('message', (m: ToWriterThread) => {
  queue = queue.then(async () => {
    if (failed) return;
    try {
      const reply = await handle(m);
      if (reply) port.postMessage(reply);
    } catch (err) {
      failed = true;
      writer?.abort();
      port.postMessage({ kind: 'error', error: errorToWire(err) } satisfies FromWriterThread);
    }
  });
});
