import { writeFileSync } from 'node:fs';
import { int32Ids } from './output-columns.js';
import { Float64, Int32, List, Schema, Field, Table, Utf8, makeVector, tableToIPC, vectorFromArray } from 'apache-arrow';
import { commitTemporary, discardTemporary, outputError, tempPathFor } from './atomic.js';
import { outputColumns } from './output-columns.js';
import type { TraceBatch, TraceLayout } from './trace-schema.js';
import type { TraceWriter } from './trace-writer.js';

/**
 * Normalized-trace Arrow IPC file (apache-arrow): same columns as the other writers
 * (timestamp Float64, text Utf8, integers Int32, nullable), meta in schema metadata
 * `servegen`. Batches are collected and written once at close (ingest already holds the
 * whole trace in memory).
 */
export function arrowTraceWriter(path: string, layout: TraceLayout): TraceWriter {
  const cols = outputColumns(layout);
  const parts: unknown[][] = cols.map(() => []);
  let rows = 0;
  return {
    async write(batch: TraceBatch) {
      cols.forEach((c, j) => {
        const dst = parts[j];
        for (let i = 0; i < batch.n; i++) {
          if (c.kind === 'timestamp') dst.push(batch.timestamp[i]);
          else if (c.kind === 'client') dst.push(layout.clientIds[batch.client[i]]);
          else if (c.kind === 'text') dst.push(batch.texts?.[c.name]?.[i] ?? null);
          else if (c.kind === 'hash_ids') {
            const h = batch.hashIds;
            dst.push(h && h.offsets[i + 1] > h.offsets[i] ? int32Ids(h.ids, h.offsets[i], h.offsets[i + 1], path) : null);
          } else {
            const src = c.kind === 'length' ? batch.lengths[c.index] : batch.extraInts?.[c.name];
            const v = src ? src[i] : NaN;
            dst.push(v === v ? v : null);
          }
        }
      });
      rows += batch.n;
    },
    async close() {
      const fields: Field[] = [];
      const vectors = cols.map((c, j) => {
        if (c.kind === 'timestamp') {
          fields.push(new Field(c.name, new Float64(), false));
          return makeVector(Float64Array.from(parts[j] as number[]));
        }
        if (c.kind === 'client' || c.kind === 'text') {
          fields.push(new Field(c.name, new Utf8(), c.kind !== 'client'));
          return vectorFromArray(parts[j] as (string | null)[], new Utf8());
        }
        if (c.kind === 'hash_ids') {
          const type = new List(new Field('item', new Int32(), false));
          fields.push(new Field(c.name, type, true));
          return vectorFromArray(parts[j] as (number[] | null)[], type);
        }
        fields.push(new Field(c.name, new Int32(), true));
        return vectorFromArray(parts[j] as (number | null)[], new Int32());
      });
      const schema = new Schema(fields, new Map([['servegen', JSON.stringify(layout.meta)]]));
      // No rows (a generated span the profile has no requests in): the schema alone. Table of
      // zero-length vectors throws "Table and inner RecordBatch schemas must be equivalent"
      // (found by review: generate --format arrow of an empty span exited 3, internal error).
      const table = rows === 0 ? new Table(schema) : new Table(schema, new Table(schema, Object.fromEntries(cols.map((c, j) => [c.name, vectors[j]])) as never).batches);
      let tmp: string | undefined;
      try {
        tmp = tempPathFor(path);
        writeFileSync(tmp, tableToIPC(table, 'file'));
        commitTemporary(tmp, path);
      } catch (err) {
        if (tmp) discardTemporary(tmp);
        throw outputError(path, err);
      }
      return rows;
    },
    abort() {},
  };
}
