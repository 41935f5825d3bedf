import { InputError } from './input.js';
import { LENGTH_COLUMNS, type ExtraIntColumn, type TextColumn, type TraceLayout } from './trace-schema.js';

/**
 * Row ids[from … to) of a batch's hash_ids as a list for the Parquet and Arrow writers, whose
 * column is a list of INT32: an id past 2^31 − 1 (a generated run of billions of blocks) is
 * refused by name rather than wrapped.
 */
export function int32Ids(ids: Int32Array | Float64Array, from: number, to: number, path: string): number[] {
  const out = new Array<number>(to - from);
  for (let k = from; k < to; k++) {
    const v = ids[k];
    if (v > 2147483647) throw new InputError(`${path}: hash_ids: id ${v} is past the 32-bit integers of this format's hash_ids column; write jsonl, csv or mooncake`, path);
    out[k - from] = v;
  }
  return out;
}

/** One output column of a normalized trace, in canonical order. */
export type OutputColumn =
  | { kind: 'timestamp'; name: 'timestamp' }
  | { kind: 'client'; name: 'client_id' }
  | { kind: 'text'; name: TextColumn }
  | { kind: 'extra'; name: ExtraIntColumn }
  | { kind: 'length'; name: string; index: number }
  | { kind: 'hash_ids'; name: 'hash_ids' };

/**
 * Column order shared by every writer: timestamp, client_id, model, request_id, session_id,
 * turn, the length columns, block_count, hash_ids — only those the layout has.
 */
export function outputColumns(layout: TraceLayout): OutputColumn[] {
  const cols: OutputColumn[] = [{ kind: 'timestamp', name: 'timestamp' }, { kind: 'client', name: 'client_id' }];
  for (const t of layout.texts ?? []) cols.push({ kind: 'text', name: t });
  if (layout.extraInts?.includes('turn')) cols.push({ kind: 'extra', name: 'turn' });
  LENGTH_COLUMNS.forEach((name, index) => {
    if (layout.columns.includes(name)) cols.push({ kind: 'length', name, index });
  });
  if (layout.extraInts?.includes('block_count')) cols.push({ kind: 'extra', name: 'block_count' });
  if (layout.hashIds) cols.push({ kind: 'hash_ids', name: 'hash_ids' });
  return cols;
}
