/**
 * summarizeSide on a worker thread (summarizeSides): the same function on the same rows, so
 * the side is the one the calling thread would compute.
 */
import { parentPort } from 'node:worker_threads';
import { summarizeSide, type Side, type Stats } from './side.js';
import type { Trace } from '../ingest/trace.js';
import { arrivalFields } from '../summary/types.js';

export type ToSideWorker = { id: number; label: string; trace: Trace; resolution: number; arrivalSeconds: number };
export type FromSideWorker = { id: number; side: Side } | { id: number; error: string };

const port = parentPort!;
port.on('message', (m: ToSideWorker) => {
  let reply: FromSideWorker;
  try {
    reply = { id: m.id, side: cloneable(summarizeSide(m.label, m.trace, m.resolution, m.arrivalSeconds)) };
  } catch (err) {
    reply = { id: m.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  port.postMessage(reply);
});

/**
 * The side with every histogram a Map, in its iteration order: a summary of one window keeps the
 * builder's PackedCounts, which structured cloning would turn into a plain object.
 */
function cloneable(side: Side): Side {
  const map = (h: ReadonlyMap<number, number>): Map<number, number> => (h instanceof Map ? h : new Map(h));
  const stats = (s: Stats): Stats => ({
    ...s,
    gaps: s.gaps && { ...arrivalFields(s.gaps), quant: map(s.gaps.quant), hist: map(s.gaps.hist), ...(s.gaps.batches?.size ? { batches: map(s.gaps.batches) } : {}) },
    lengths: s.lengths && { ...s.lengths, fields: new Map([...s.lengths.fields].map(([f, h]) => [f, map(h)])), joint: map(s.lengths.joint) },
  });
  return { ...side, aggregate: stats(side.aggregate), clients: new Map([...side.clients].map(([id, s]) => [id, stats(s)])) };
}
