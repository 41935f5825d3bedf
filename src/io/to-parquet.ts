import { renameSync, rmSync } from 'node:fs';
import { fileWriter, ParquetWriter } from 'hyparquet-writer';
import { tempPathFor } from './atomic.js';
import { LENGTH_COLUMNS, type TraceBatch, type TraceLayout } from './trace-schema.js';
import { layoutColumns } from './to-text.js';
import type { TraceWriter } from './trace-writer.js';

const ROW_GROUP = 262_144;

/**
 * Normalized-trace Parquet (hyparquet-writer, snappy): `timestamp` DOUBLE, `client_id`
 * UTF8, length columns INT32 (nullable). The meta goes in key-value metadata `servegen`.
 * Rows are buffered into row groups of 256 Ki rows, so memory stays bounded.
 */
export function parquetTraceWriter(path: string, layout: TraceLayout): TraceWriter {
  const cols = layoutColumns(layout, LENGTH_COLUMNS);
  const tmp = tempPathFor(path);
  const writer = new ParquetWriter({
    writer: fileWriter(tmp),
    schema: [
      { name: 'root', num_children: 2 + cols.length },
      { name: 'timestamp', type: 'DOUBLE', repetition_type: 'REQUIRED' },
      { name: 'client_id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      ...cols.map((c) => ({ name: c.name, type: 'INT32' as const, repetition_type: 'OPTIONAL' as const })),
    ],
    kvMetadata: [{ key: 'servegen', value: JSON.stringify(layout.meta) }],
    createdBy: String(layout.meta.tool ?? 'servegen-ts'),
  });
  let rows = 0;
  let pendingTs: number[] = [];
  let pendingClient: string[] = [];
  let pendingCols: (number | null)[][] = cols.map(() => []);
  const flush = async () => {
    if (pendingTs.length === 0) return;
    await writer.write({
      columnData: [
        { name: 'timestamp', data: Float64Array.from(pendingTs) },
        { name: 'client_id', data: pendingClient },
        ...cols.map((c, j) => ({ name: c.name, data: pendingCols[j] })),
      ],
      rowGroupSize: ROW_GROUP,
    });
    pendingTs = [];
    pendingClient = [];
    pendingCols = cols.map(() => []);
  };
  return {
    async write(batch: TraceBatch) {
      for (let i = 0; i < batch.n; i++) {
        pendingTs.push(batch.timestamp[i]);
        pendingClient.push(layout.clientIds[batch.client[i]]);
      }
      cols.forEach((c, j) => {
        const src = batch.lengths[c.index]!;
        const dst = pendingCols[j];
        for (let i = 0; i < batch.n; i++) {
          const v = src[i];
          dst.push(v === v ? v : null);
        }
      });
      rows += batch.n;
      if (pendingTs.length >= ROW_GROUP) await flush();
    },
    async close() {
      await flush();
      await writer.finish();
      renameSync(tmp, path);
      return rows;
    },
    abort() {
      rmSync(tmp, { force: true });
    },
  };
}
