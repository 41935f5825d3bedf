import { AtomicStream } from './atomic.js';
import { ByteSink } from './byte-sink.js';
import type { TraceBatch, TraceLayout } from './trace-schema.js';
import type { TraceWriter } from './trace-writer.js';

/**
 * Shared machinery of line-oriented writers: rows are encoded as bytes into a ByteSink,
 * full 1 MiB chunks are written with back-pressure, and the file is committed atomically.
 */
export function textTraceWriter(
  path: string,
  header: string,
  formatRows: (batch: TraceBatch, sink: ByteSink) => void,
): TraceWriter {
  const out = new AtomicStream(path);
  let rows = 0;
  let ready: Uint8Array[] = [];
  const sink = new ByteSink((chunk) => ready.push(chunk));
  if (header) sink.text(header);
  const drain = async () => {
    const chunks = ready;
    ready = [];
    for (const c of chunks) await out.write(c);
  };
  return {
    async write(batch) {
      formatRows(batch, sink);
      rows += batch.n;
      if (ready.length > 0) await drain();
    },
    async close() {
      sink.flush();
      await drain();
      await out.commit();
      return rows;
    },
    abort() {
      out.abort();
    },
  };
}

/** Layout columns as (index into LENGTH_COLUMNS, name) pairs, in canonical order. */
export function layoutColumns(layout: TraceLayout, all: readonly string[]): { index: number; name: string }[] {
  return all.map((name, index) => ({ index, name })).filter((c) => (layout.columns as readonly string[]).includes(c.name));
}
