import { parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type ColumnData, type FileMetaData, type SchemaTree } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { IngestError } from '../ingest/errors.js';

import { chunkRange, chunkReusable, dateTextKind, decimalIntegers, flatColumns, PARQUET_PARSERS, wholeDecimal, zonelessTimes, type PreciseDate } from './parquet-flat.js';
import type { RandomAccessFile } from './input.js';
import { jsonText, walkPath, type RowSink, type SourceInfo, type SourceKey } from './row-source.js';

/**
 * Parquet reader (hyparquet + hyparquet-compressors: snappy, gzip, zstd, brotli, lz4; v1 and
 * v2 pages; dictionary encoding). Reads row group by row group, only the requested columns,
 * each column chunk fetched from the file when needed (the file is never held whole).
 * Line numbers are 1-based row numbers. Flat columns are decoded page by page into compact
 * buffers (parquet-flat.ts); files whose requested columns are nested (structs read with a
 * dotted path) go through hyparquet's row-group reader. INT64 arrives as a number (a bigint
 * where `exact[k]`: a value read as text), TIMESTAMP as Date.
 */
export async function readParquet(file: string, source: RandomAccessFile, keys: SourceKey[], sink: RowSink, onInfo: (info: SourceInfo) => void, optional: ReadonlySet<string> = new Set(), exact: readonly boolean[] = []): Promise<void> {
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(source);
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
  onInfo({ columns: names, meta, rows: Number(metadata.num_rows) });
  const slot = keys.map((k) => wanted.indexOf(k.column));
  const values: unknown[] = new Array(keys.length);
  const hasPaths = keys.some((k) => k.path.length > 0);
  const tree = parquetSchema(metadata);
  const flat = flatColumns(metadata, tree, wanted);
  // Columns some slot reads as text (TraceBuilder.exactSlots: ids, the client, the filter): INT64 kept exact (FlatColumn.exact).
  if (flat) for (const col of flat) col.exact = keys.some((k, i) => k.column === col.name && exact[i] === true);
  // Keys whose values are zone-less times (TIMESTAMP not adjusted to UTC, DATE): marked so the
  // normalizer reads them at the mapping's timezone, as the DuckDB engine reads their text.
  const leaf = (k: SourceKey): SchemaTree | undefined => {
    let node: SchemaTree | undefined = tree.children.find((c) => c.element.name === k.column);
    for (const p of k.path) node = node?.children.find((c) => c.element.name === p);
    return node !== undefined && node.children.length === 0 ? node : undefined;
  };
  const zoneless = keys.map((k) => {
    const node = leaf(k);
    return node !== undefined && zonelessTimes(node.element);
  });
  // Keys read as text (exact) whose values are date-times: marked with their kind, so that their
  // text is DuckDB's (`2024-05-01`, `2024-05-01 10:00:00.5`, `…+00`; normalize.ts textValue).
  const textKinds = keys.map((k, i) => {
    const node = exact[i] === true ? leaf(k) : undefined;
    return node && dateTextKind(node.element);
  });
  const anyZoneless = zoneless.includes(true) || textKinds.some((t) => t !== undefined);
  const mark = (): void => {
    for (let k = 0; k < keys.length; k++) {
      const v = values[k];
      if (!(v instanceof Date)) continue;
      if (zoneless[k]) (v as PreciseDate).zoneless = true;
      if (textKinds[k]) (v as PreciseDate).textKind = textKinds[k];
    }
  };
  if (flat) {
    const readBuffer = { buffer: new Uint8Array(0) };
    let rowStart = 0;
    for (let g = 0; g < metadata.row_groups.length; g++) {
      const rows = Number(metadata.row_groups[g].num_rows);
      for (const col of flat) {
        const { start, end, codec } = chunkRange(metadata, g, col.name);
        try {
          // Column chunks are read into one reused buffer where nothing keeps a view into them.
          col.decodeChunk(chunkReusable(col) ? source.readInto(start, end, readBuffer) : source.slice(start, end), rows, codec);
        } catch (err) {
          throw new IngestError(`${file}: row group ${g} (rows ${rowStart + 1}–${rowStart + rows}), column ${JSON.stringify(col.name)}: cannot decode (${(err as Error).message})`, file, rowStart + 1, col.name);
        }
      }
      for (let r = 0; r < rows; r++) {
        for (let k = 0; k < keys.length; k++) {
          const j = slot[k];
          if (j < 0) {
            values[k] = undefined;
            continue;
          }
          const v = flat[j].get(r);
          values[k] = hasPaths && keys[k].path.length ? walkPath(v, keys[k].path) : v;
        }
        if (anyZoneless) mark();
        sink.row(values, rowStart + r + 1, () => jsonText(Object.fromEntries(keys.map((k, i) => [k.path.length ? `${k.column}.${k.path.join('.')}` : k.column, values[i]]))));
      }
      rowStart += rows;
    }
    return;
  }
  // Top-level DECIMALs of scale 0 (wholeDecimal) are read as their stored integers, as the flat
  // columns read them: hyparquet is given them unannotated (it would make doubles of them) and
  // their values are made integers here. (A DECIMAL stored as BYTE_ARRAY would come back as
  // UTF-8 text unannotated: left a double, as in a struct.)
  const whole = new Set(tree.children.filter((c) => c.children.length === 0 && c.element.type !== 'BYTE_ARRAY' && wanted.includes(c.element.name) && wholeDecimal(c.element)).map((c) => c.element));
  const readMetadata: FileMetaData = whole.size ? { ...metadata, schema: metadata.schema.map((el) => (whole.has(el) ? { ...el, converted_type: undefined, logical_type: undefined } : el)) } : metadata;
  const wholeNames = new Set([...whole].map((el) => el.name));
  let rowStart = 0;
  // One row group at a time (hyparquet decodes whole column chunks into JS arrays; slicing a
  // row group re-decodes it per slice, measured 5× slower): memory is bounded by the largest
  // row group, plus the garbage V8 has not collected yet (measured: ~110 bytes/row peak at
  // 1 M-row groups, vs ~32 for CSV).
  for (const rg of metadata.row_groups) {
    const rowEnd = rowStart + Number(rg.num_rows);
    // Columnar: collect each requested column's chunks for this row group (no row objects).
    const chunks = new Map<string, ColumnData[]>();
    try {
      await parquetRead({
        file: source,
        metadata: readMetadata,
        columns: wanted,
        rowStart,
        rowEnd,
        compressors,
        parsers: PARQUET_PARSERS,
        onChunk: (c: ColumnData) => {
          if (wholeNames.has(c.columnName)) c = { ...c, columnData: decimalIntegers(c.columnData) };
          let list = chunks.get(c.columnName);
          if (!list) chunks.set(c.columnName, (list = []));
          list.push(c);
        },
      });
    } catch (err) {
      // A type hyparquet cannot decode inside a nested column (an INTERVAL in a struct): said as
      // the flat columns say it, not an internal error (exit 3) (found by review of end times:
      // a Parquet whose struct held a duration as INTERVAL).
      if (err instanceof IngestError || !/not supported/.test((err as Error).message)) throw err;
      throw new IngestError(`${file}: rows ${rowStart + 1}–${rowEnd}, column${wanted.length > 1 ? 's' : ''} ${wanted.map((c) => JSON.stringify(c)).join(', ')}: cannot decode (${(err as Error).message})`, file, rowStart + 1);
    }
    const cols = wanted.map((name) => {
      const list = (chunks.get(name) ?? []).sort((a, b) => a.rowStart - b.rowStart);
      return list;
    });
    // Per column: the chunk covering the current row (chunks arrive in row order).
    const cursor = new Int32Array(wanted.length);
    for (let row = rowStart; row < rowEnd; row++) {
      for (let k = 0; k < keys.length; k++) {
        const j = slot[k];
        if (j < 0) {
          values[k] = undefined;
          continue;
        }
        const list = cols[j];
        let c = cursor[j];
        while (c < list.length && list[c].rowEnd <= row) c++;
        cursor[j] = c;
        const chunk = list[c];
        let v: unknown = chunk && row >= chunk.rowStart ? chunk.columnData[row - chunk.rowStart] : undefined;
        // (exact slots keep the bigint, as the flat reader does: a mapping with a dotted path,
        // read here, merged ids above 2^53 that the flat reader kept apart; found by review)
        if (typeof v === 'bigint' && exact[k] !== true) v = Number(v);
        values[k] = hasPaths && keys[k].path.length ? walkPath(v, keys[k].path) : v;
      }
      if (anyZoneless) mark();
      const lineNo = row + 1;
      sink.row(values, lineNo, () => jsonText(Object.fromEntries(keys.map((k, i) => [k.path.length ? `${k.column}.${k.path.join('.')}` : k.column, values[i]]))));
    }
    rowStart = rowEnd;
  }
}
