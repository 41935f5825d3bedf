/**
 * Fits windows on a worker thread (prefitWindows): the same fitArrivalWindow and
 * lengthWindowOf, on the same numbers, so each window's fit is the one the calling thread
 * would get.
 */
import { parentPort } from 'node:worker_threads';
import { fitArrivalWindow } from './arrival-fit.js';
import { lengthWindowParts } from './lengths.js';
import { arrivalsFromWire, lengthsFromWire, type FromFitWorker, type ToFitWorker } from './parallel-fit.js';

const port = parentPort!;
port.on('message', (m: ToFitWorker) => {
  let reply: FromFitWorker;
  try {
    const fits = m.kind === 'arrivals' ? arrivalsFromWire(m.batch).map((w) => fitArrivalWindow(w, m.res, m.options)[0]) : lengthsFromWire(m.batch).map(lengthWindowParts);
    reply = { id: m.id, fits };
  } catch (err) {
    reply = { id: m.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  port.postMessage(reply);
});
