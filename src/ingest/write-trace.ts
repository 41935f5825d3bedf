import { LENGTH_COLUMNS, TEXT_COLUMNS, type ExtraIntColumn, type LengthColumn, type TraceBatch, type TraceLayout } from '../io/trace-schema.js';
import { compressedNameProblem, type TraceFormat } from '../io/trace-writer.js';
import { openTraceWriter } from '../generate/write-trace.js';
import { toolName } from '../version.js';
import type { Trace } from './trace.js';
import { IngestError, TRACE_VERSION } from './errors.js';

const BATCH = 65536;

/** Writer layout of an in-memory trace: the columns it actually has. */
export function traceLayout(trace: Trace, extraMeta: Record<string, unknown> = {}): TraceLayout {
  return {
    clientIds: trace.clientIds,
    columns: LENGTH_COLUMNS.filter((c) => trace.ints[c] !== undefined) as LengthColumn[],
    texts: TEXT_COLUMNS.filter((c) => trace.texts[c] !== undefined),
    extraInts: (['turn', 'block_count'] as ExtraIntColumn[]).filter((c) => trace.ints[c] !== undefined),
    ...(trace.hashIds ? { hashIds: true } : {}),
    meta: { format: 'servegen-trace', version: TRACE_VERSION, origin: trace.origin, tool: toolName(), ...(trace.hashIds ? { block_tokens: trace.hashIds.blockTokens } : {}), ...extraMeta },
  };
}

/** The trace as writer batches (Float64 with NaN for absent integers). */
export function* traceBatches(trace: Trace, size = BATCH): Generator<TraceBatch, void, undefined> {
  for (let a = 0; a < trace.n; a += size) {
    const b = Math.min(trace.n, a + size);
    const toF64 = (col: Int32Array | undefined): Float64Array | undefined => {
      if (!col) return undefined;
      const out = new Float64Array(b - a);
      for (let i = a; i < b; i++) out[i - a] = col[i] < 0 ? NaN : col[i];
      return out;
    };
    const texts: TraceBatch['texts'] = {};
    for (const t of TEXT_COLUMNS) {
      const col = trace.texts[t];
      if (!col) continue;
      const out: (string | undefined)[] = new Array(b - a);
      for (let i = a; i < b; i++) out[i - a] = col.index[i] < 0 ? undefined : col.values[col.index[i]];
      texts[t] = out;
    }
    yield {
      n: b - a,
      timestamp: trace.timestamp.subarray(a, b),
      client: trace.client.subarray(a, b),
      lengths: LENGTH_COLUMNS.map((c) => toF64(trace.ints[c])),
      texts,
      extraInts: { turn: toF64(trace.ints.turn), block_count: toF64(trace.ints.block_count) },
      ...(trace.hashIds ? { hashIds: { offsets: trace.hashIds.offsets.subarray(a, b + 1), ids: trace.hashIds.ids } } : {}),
    };
  }
}

/** Writes a trace atomically in any trace format. Returns rows written. */
export async function writeTrace(trace: Trace, path: string, format: TraceFormat, extraMeta: Record<string, unknown> = {}): Promise<number> {
  const compressed = compressedNameProblem(path);
  if (compressed) throw new IngestError(compressed, path);
  const writer = await openTraceWriter(format, path, traceLayout(trace, extraMeta));
  try {
    for (const batch of traceBatches(trace)) await writer.write(batch);
    return await writer.close();
  } catch (err) {
    writer.abort();
    throw err;
  }
}
