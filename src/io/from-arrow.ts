import { DataType, RecordBatchReader, type Vector } from 'apache-arrow';
import { IngestError } from '../ingest/errors.js';
import { decodeUtf8Escaped } from './utf8.js';
import { jsonText, walkPath, type RowSink, type SourceInfo, type SourceKey } from './row-source.js';

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v !== null && typeof v === 'object' && 'toJSON' in v && typeof (v as { toJSON: unknown }).toJSON === 'function') {
    return (v as { toJSON(): unknown }).toJSON(); // struct rows → plain objects
  }
  return v;
}

/**
 * A getter for a string column that keeps bytes that are not UTF-8 recognizable (io/utf8.ts;
 * apache-arrow's own get() turns them into U+FFFD): plain or large Utf8, or dictionary-encoded
 * Utf8 (each dictionary value decoded once). Undefined for other columns (plain get()).
 */
function stringGetter(vec: Vector | null | undefined): ((r: number) => unknown) | undefined {
  if (!vec || vec.data.length !== 1) return undefined;
  const d = vec.data[0];
  const text = (data: typeof d) => {
    const off = data.valueOffsets as ArrayLike<number | bigint>;
    const bytes = data.values as Uint8Array;
    return (r: number) => (data.getValid(r) ? decodeUtf8Escaped(bytes.subarray(Number(off[r]), Number(off[r + 1]))) : null);
  };
  if (DataType.isUtf8(vec.type) || DataType.isLargeUtf8(vec.type)) return text(d);
  if (DataType.isDictionary(vec.type) && d.dictionary && d.dictionary.data.length === 1 && (DataType.isUtf8(d.dictionary.type) || DataType.isLargeUtf8(d.dictionary.type))) {
    const dict = text(d.dictionary.data[0] as typeof d);
    const cache = new Map<number, unknown>();
    const idx = d.values as ArrayLike<number | bigint>;
    return (r: number) => {
      if (!d.getValid(r)) return null;
      const i = Number(idx[r]);
      let v = cache.get(i);
      if (v === undefined) cache.set(i, (v = dict(i)));
      return v;
    };
  }
  return undefined;
}

/** Arrow IPC reader (file or stream format), batch by batch, only the requested columns. */
export async function readArrow(file: string, bytes: Uint8Array, keys: SourceKey[], sink: RowSink, onInfo: (info: SourceInfo) => void, optional: ReadonlySet<string> = new Set(), exactSlots: readonly boolean[] = []): Promise<void> {
  let reader;
  try {
    reader = RecordBatchReader.from(bytes);
    reader.open();
    // Bytes with no Arrow message at all (an empty file, text) open without error and without a schema.
    if (!reader.schema) throw new TypeError('no schema');
  } catch (err) {
    // apache-arrow fails on a cut or corrupt file with its own TypeErrors ("Cannot read properties of null"): say what they mean.
    throw new IngestError(`${file}: not a readable Arrow IPC file or stream (${err instanceof TypeError ? 'cut short or corrupt' : (err as Error).message})`, file);
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
  const exact = keys.map((_, k) => exactSlots[k] === true);
  let base = 0;
  for (const batch of reader) {
    const vectors = keys.map((k) => batch.getChild(k.column));
    const strings = keys.map((_, k) => stringGetter(vectors[k]));
    const rawGet = wanted.map((c) => {
      const vec = batch.getChild(c);
      const s = stringGetter(vec);
      // (an INT64's digits as they are: the raw text is for reading, not a number)
      return (r: number) => {
        if (s) return s(r);
        const v: unknown = vec?.get(r);
        return typeof v === 'bigint' ? v : plain(v);
      };
    });
    for (let r = 0; r < batch.numRows; r++) {
      for (let k = 0; k < keys.length; k++) {
        const get = strings[k];
        const raw = get ? get(r) : vectors[k]?.get(r);
        // INT64 read as text (a non-numeric slot: an id) keeps every digit, as a bigint.
        const v = get || (typeof raw === 'bigint' && exact[k]) ? raw : plain(raw);
        values[k] = keys[k].path.length ? walkPath(v, keys[k].path) : v;
      }
      const lineNo = base + r + 1;
      sink.row(values, lineNo, () => jsonText(Object.fromEntries(wanted.map((c, j) => [c, rawGet[j](r)]))));
    }
    base += batch.numRows;
  }
}
