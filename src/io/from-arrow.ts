import { RecordBatchReader } from 'apache-arrow';
import { IngestError } from '../ingest/errors.js';
import { walkPath, type RowSink, type SourceInfo, type SourceKey } from './row-source.js';

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v !== null && typeof v === 'object' && 'toJSON' in v && typeof (v as { toJSON: unknown }).toJSON === 'function') {
    return (v as { toJSON(): unknown }).toJSON(); // struct rows → plain objects
  }
  return v;
}

/** Arrow IPC reader (file or stream format), batch by batch, only the requested columns. */
export async function readArrow(file: string, bytes: Uint8Array, keys: SourceKey[], sink: RowSink, onInfo: (info: SourceInfo) => void, optional: ReadonlySet<string> = new Set()): Promise<void> {
  let reader;
  try {
    reader = RecordBatchReader.from(bytes);
    reader.open();
  } catch (err) {
    throw new IngestError(`${file}: not a readable Arrow IPC file or stream (${(err as Error).message})`, file);
  }
  const names = reader.schema.fields.map((f) => f.name);
  const wanted = [...new Set(keys.map((k) => k.column))].filter((c) => names.includes(c) || !optional.has(c));
  const missing = wanted.filter((c) => !names.includes(c));
  if (missing.length > 0) {
    throw new IngestError(`${file}: mapping names column${missing.length > 1 ? 's' : ''} ${missing.map((m) => JSON.stringify(m)).join(', ')} not in the Arrow schema (columns: ${names.map((n) => JSON.stringify(n)).join(', ')})`, file, undefined, missing[0]);
  }
  const metaText = reader.schema.metadata.get('servegen');
  let meta: Record<string, unknown> | undefined;
  if (metaText) {
    try {
      meta = JSON.parse(metaText) as Record<string, unknown>;
    } catch {
      meta = undefined;
    }
  }
  onInfo({ columns: names, meta });
  const values: unknown[] = new Array(keys.length);
  let base = 0;
  for (const batch of reader) {
    const vectors = keys.map((k) => batch.getChild(k.column));
    for (let r = 0; r < batch.numRows; r++) {
      for (let k = 0; k < keys.length; k++) {
        const v = plain(vectors[k]?.get(r));
        values[k] = keys[k].path.length ? walkPath(v, keys[k].path) : v;
      }
      const lineNo = base + r + 1;
      sink.row(values, lineNo, () => JSON.stringify(Object.fromEntries(wanted.map((c) => [c, plain(batch.getChild(c)?.get(r))]))));
    }
    base += batch.numRows;
  }
}
