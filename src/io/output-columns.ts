import { LENGTH_COLUMNS, type ExtraIntColumn, type TextColumn, type TraceLayout } from './trace-schema.js';

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
