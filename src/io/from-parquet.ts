import { parquetMetadata, parquetRead } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { IngestError } from '../ingest/errors.js';
import { walkPath, type RowSink, type SourceInfo, type SourceKey } from './row-source.js';

/** Parquet INT64 arrives as bigint, TIMESTAMP as Date: hand the sink plain values. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  return v;
}

/**
 * Parquet reader (hyparquet + hyparquet-compressors: snappy, gzip, zstd, brotli, lz4; v1 and
 * v2 pages; dictionary encoding). Reads row group by row group, only the requested columns.
 * Line numbers are 1-based row numbers.
 */
export async function readParquet(file: string, bytes: Uint8Array, keys: SourceKey[], sink: RowSink, onInfo: (info: SourceInfo) => void, optional: ReadonlySet<string> = new Set()): Promise<void> {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let metadata;
  try {
    metadata = parquetMetadata(buffer);
  } catch (err) {
    throw new IngestError(`${file}: not a readable Parquet file (${(err as Error).message})`, file);
  }
  const top = metadata.schema.slice(1);
  const names: string[] = [];
  // Top-level columns: walk the flattened schema tree by num_children.
  let i = 0;
  const skip = (): void => {
    const el = top[i++];
    for (let c = 0; c < (el.num_children ?? 0); c++) skip();
  };
  while (i < top.length) {
    names.push(top[i].name);
    skip();
  }
  const wanted = [...new Set(keys.map((k) => k.column))].filter((c) => names.includes(c) || !optional.has(c));
  const missing = wanted.filter((c) => !names.includes(c));
  if (missing.length > 0) {
    throw new IngestError(`${file}: mapping names column${missing.length > 1 ? 's' : ''} ${missing.map((m) => JSON.stringify(m)).join(', ')} not in the Parquet schema (columns: ${names.map((n) => JSON.stringify(n)).join(', ')})`, file, undefined, missing[0]);
  }
  const kv = metadata.key_value_metadata?.find((e) => e.key === 'servegen');
  let meta: Record<string, unknown> | undefined;
  if (kv?.value) {
    try {
      meta = JSON.parse(kv.value) as Record<string, unknown>;
    } catch {
      meta = undefined;
    }
  }
  onInfo({ columns: names, meta });
  const slot = keys.map((k) => wanted.indexOf(k.column));
  const values: unknown[] = new Array(keys.length);
  let rowStart = 0;
  for (const rg of metadata.row_groups) {
    const rowEnd = rowStart + Number(rg.num_rows);
    let rows: unknown[][] = [];
    await parquetRead({
      file: buffer,
      metadata,
      columns: wanted,
      rowStart,
      rowEnd,
      compressors,
      onComplete: (r: unknown[][]) => {
        rows = r;
      },
    });
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      for (let k = 0; k < keys.length; k++) {
        const v = slot[k] < 0 ? undefined : plain(row[slot[k]]);
        values[k] = keys[k].path.length ? walkPath(v, keys[k].path) : v;
      }
      const lineNo = rowStart + r + 1;
      sink.row(values, lineNo, () => JSON.stringify(Object.fromEntries(wanted.map((c, j) => [c, plain(row[j])])), (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));
    }
    rowStart = rowEnd;
  }
}
