import { fileWriter, ParquetWriter } from 'hyparquet-writer';

/** A Parquet schema element as hyparquet-writer takes it. */
type SchemaElement = NonNullable<ConstructorParameters<typeof ParquetWriter>[0]['schema']>[number];
import { int32Ids } from './output-columns.js';
import { commitTemporary, discardTemporary, outputError, tempPathFor } from './atomic.js';
import { outputColumns, type OutputColumn } from './output-columns.js';
import type { TraceBatch, TraceLayout } from './trace-schema.js';
import type { TraceWriter } from './trace-writer.js';

const ROW_GROUP = 262_144;
/**
 * Row groups of traces with text columns besides client_id (session and request ids, mostly
 * distinct): hyparquet-writer's memory grows with a row group's distinct strings (found by
 * review: with session ids, generate to Parquet peaked at 426 MB against 195 MB without; 2 ×
 * 262 144 distinct ids alone took 375 MB, 251 MB in groups of 65 536).
 */
const TEXT_ROW_GROUP = 65_536;

/** Rows buffered between two turns of the event loop when no row group is written. */
const YIELD_ROWS = 16_384;

/**
 * Lets the event loop reach its poll phase, where a signal (Ctrl-C) is handled. One
 * setImmediate is not always enough: scheduled from an I/O callback (the poll phase) it runs in
 * the same loop iteration's check phase, before any poll (found by review: the first turn after
 * the output opened took two row groups, ~2 s, before SIGINT removed the temporary file).
 */
function yieldToSignals(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));
}

/**
 * Normalized-trace Parquet (hyparquet-writer, snappy): `timestamp` DOUBLE, `client_id` and
 * other text columns UTF8, integer columns INT32 (nullable). The meta goes in key-value
 * metadata `servegen`. Rows are buffered into row groups of 256 Ki rows, so memory stays
 * bounded.
 */
export function parquetTraceWriter(path: string, layout: TraceLayout): TraceWriter {
  const cols: OutputColumn[] = outputColumns(layout);
  let tmp: string;
  let out: ReturnType<typeof fileWriter>;
  try {
    // Inside the try: a file in the way of the output's directory is named as on other paths
    // (found by review: it said "pool.json: EEXIST: file already exists").
    tmp = tempPathFor(path);
    out = fileWriter(tmp);
  } catch (err) {
    throw outputError(path, err);
  }
  const writer = new ParquetWriter({
    writer: out,
    schema: [
      { name: 'root', num_children: cols.length },
      ...cols.flatMap((c): SchemaElement[] =>
        c.kind === 'hash_ids'
          ? // A 3-level LIST of INT32 (the form DuckDB, pyarrow and hyparquet read as a list)
            [
              { name: c.name, repetition_type: 'OPTIONAL' as const, converted_type: 'LIST' as const, num_children: 1 },
              { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
              { name: 'element', type: 'INT32' as const, repetition_type: 'REQUIRED' as const },
            ]
          : c.kind === 'timestamp'
            ? [{ name: c.name, type: 'DOUBLE' as const, repetition_type: 'REQUIRED' as const }]
            : c.kind === 'client' || c.kind === 'text'
              ? [{ name: c.name, type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: c.kind === 'client' ? ('REQUIRED' as const) : ('OPTIONAL' as const) }]
              : [{ name: c.name, type: 'INT32' as const, repetition_type: 'OPTIONAL' as const }],
      ),
    ],
    kvMetadata: [{ key: 'servegen', value: JSON.stringify(layout.meta) }],
    createdBy: String(layout.meta.tool ?? 'servegen-ts'),
  });
  const rowGroup = cols.some((c) => c.kind === 'text') ? TEXT_ROW_GROUP : ROW_GROUP;
  let rows = 0;
  let pending: unknown[][] = cols.map(() => []);
  let pendingRows = 0;
  const flush = async () => {
    if (pendingRows === 0) return;
    // One row group per call (a batch can hold several: a generated window of 1 Mi rows),
    // the same groups as one call with rowGroupSize would write. hyparquet-writer writes
    // synchronously: the event loop turns after each group, so Ctrl-C can remove the
    // temporary file (removeTemporariesOnSignals) instead of waiting for them all.
    for (let start = 0; start < pendingRows; start += rowGroup) {
      const end = Math.min(pendingRows, start + rowGroup);
      const part = (j: number) => (start === 0 && end === pendingRows ? pending[j] : pending[j].slice(start, end));
      await writer.write({
        columnData: cols.map((c, j) => ({ name: c.name, data: c.kind === 'timestamp' ? Float64Array.from(part(j) as number[]) : (part(j) as never) })),
        rowGroupSize: rowGroup,
      });
      await yieldToSignals();
    }
    pending = cols.map(() => []);
    pendingRows = 0;
  };
  let sinceYield = 0;
  return {
    async write(batch: TraceBatch) {
      cols.forEach((c, j) => {
        const dst = pending[j];
        const n = batch.n;
        if (c.kind === 'timestamp') for (let i = 0; i < n; i++) dst.push(batch.timestamp[i]);
        else if (c.kind === 'client') for (let i = 0; i < n; i++) dst.push(layout.clientIds[batch.client[i]]);
        else if (c.kind === 'text') {
          const src = batch.texts?.[c.name];
          for (let i = 0; i < n; i++) dst.push(src?.[i] ?? null);
        } else if (c.kind === 'hash_ids') {
          const h = batch.hashIds;
          for (let i = 0; i < n; i++) dst.push(h && h.offsets[i + 1] > h.offsets[i] ? int32Ids(h.ids, h.offsets[i], h.offsets[i + 1], path) : null);
        } else {
          const src = c.kind === 'length' ? batch.lengths[c.index] : batch.extraInts?.[c.name];
          for (let i = 0; i < n; i++) {
            const v = src ? src[i] : NaN;
            dst.push(v === v ? v : null);
          }
        }
      });
      rows += batch.n;
      pendingRows += batch.n;
      sinceYield += batch.n;
      if (pendingRows >= rowGroup) {
        try {
          await flush();
        } catch (err) {
          // A full disk while writing a row group is the output's failure, named (it was an
          // internal error, exit 3; found testing the writer thread on a full tmpfs).
          throw outputError(path, err);
        }
        sinceYield = 0;
      } else if (sinceYield >= YIELD_ROWS) {
        // The rows of a row group are made (generated, read) between two flushes without the
        // event loop turning (a batch's write resolves at once): Ctrl-C waited for them too.
        sinceYield = 0;
        await yieldToSignals();
      }
    },
    async close() {
      try {
        await flush();
        await writer.finish();
        commitTemporary(tmp, path);
      } catch (err) {
        throw outputError(path, err);
      }
      return rows;
    },
    abort() {
      discardTemporary(tmp);
    },
  };
}
