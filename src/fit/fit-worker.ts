/**
 * Fits arrival windows on a worker thread (prefitArrivalWindows): the same fitArrivalWindow,
 * on the same numbers, so each window's fit is the one the calling thread would get.
 */
import { parentPort } from 'node:worker_threads';
import { fitArrivalWindow } from './arrival-fit.js';
import { fromWire, type ToFitWorker, type FromFitWorker } from './parallel-fit.js';

const port = parentPort!;
port.on('message', (m: ToFitWorker) => {
  let reply: FromFitWorker;
  try {
    reply = { id: m.id, fits: m.windows.map((w) => fitArrivalWindow(fromWire(w), m.res, m.options)[0]) };
  } catch (err) {
    reply = { id: m.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  port.postMessage(reply);
});
