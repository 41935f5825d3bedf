import type { DecodedArray, FileMetaData, PageHeader, SchemaElement, SchemaTree } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { convert, DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { decodeUtf8Escaped } from './utf8.js';
import { parseJsonKeepingDigits } from './json-text.js';

const utf8 = new TextDecoder();

/**
 * A Parquet TIMESTAMP as a Date that also keeps its epoch seconds to the unit the file stored
 * (a Date holds whole milliseconds).
 */
/** A Parquet timestamp: `fraction` the digits of its second's fraction as stored (micro- or nanoseconds too), when not 0. */
export type PreciseDate = Date & { epochSeconds?: number; zoneless?: boolean; fraction?: string; textKind?: DateTextKind };

/** What a Parquet date-time column is to DuckDB when it prints it as text (CAST … AS VARCHAR). */
export type DateTextKind = 'date' | 'timestamp' | 'timestamptz';

/**
 * A Parquet column's date-time kind as DuckDB types it: DATE; TIMESTAMP (not adjusted to UTC,
 * the legacy converted types, INT96: zoneless, as zonelessTimes); TIMESTAMP WITH TIME ZONE
 * (adjusted to UTC). Undefined for other columns.
 */
export function dateTextKind(el: SchemaElement): DateTextKind | undefined {
  const lt = el.logical_type;
  if (lt?.type === 'DATE' || (lt === undefined && el.converted_type === 'DATE')) return 'date';
  if (lt?.type === 'TIMESTAMP') return lt.isAdjustedToUTC ? 'timestamptz' : 'timestamp';
  if (lt === undefined && (el.type === 'INT96' || el.converted_type === 'TIMESTAMP_MILLIS' || el.converted_type === 'TIMESTAMP_MICROS')) return 'timestamp';
  return undefined;
}

/**
 * Whether a Parquet column holds times without a zone, read at the mapping's timezone: a
 * TIMESTAMP not adjusted to UTC, a DATE, a TIMESTAMP with only the legacy converted type, an
 * INT96 — what DuckDB types TIMESTAMP or DATE (an adjusted TIMESTAMP is its TIMESTAMP WITH TIME
 * ZONE, printed with its offset).
 */
export function zonelessTimes(el: SchemaElement): boolean {
  const lt = el.logical_type;
  if (lt?.type === 'TIMESTAMP') return !lt.isAdjustedToUTC;
  if (lt?.type === 'DATE') return true;
  if (lt !== undefined) return false;
  return el.type === 'INT96' || el.converted_type === 'DATE' || el.converted_type === 'TIMESTAMP_MILLIS' || el.converted_type === 'TIMESTAMP_MICROS';
}

/**
 * A timestamp stored as `v` units of 1/`perSecond` s, as a Date (milliseconds, `ms`) with its
 * epoch seconds: whole seconds plus the fraction's decimal digits as a number — what
 * parseIsoSeconds gives for the timestamp's text (`2024-05-01 10:00:01.234567`), which is how the
 * DuckDB engine reads a TIMESTAMP column — and those digits (`fraction`, for its text).
 */
function preciseDate(ms: number, v: bigint, perSecond: bigint, digits: number): PreciseDate {
  let whole = v / perSecond;
  let frac = v % perSecond;
  if (frac < 0n) {
    whole -= 1n;
    frac += perSecond;
  }
  const d: PreciseDate = new Date(ms);
  if (frac === 0n) d.epochSeconds = Number(whole);
  else {
    const fraction = frac.toString().padStart(digits, '0');
    d.epochSeconds = Number(whole) + Number(`0.${fraction}`);
    d.fraction = fraction;
  }
  return d;
}

/**
 * hyparquet's parsers, but strings keep bytes that are not UTF-8 recognizable (io/utf8.ts)
 * instead of U+FFFD, and timestamps keep their micro- and nanoseconds (found by review: the
 * engines differed by < 1 ms per time and by 1000× in the detected clock resolution). JSON
 * columns' values remember their integers past 2^53 (parseJsonKeepingDigits): JSON.parse
 * rounded them, so distinct 64-bit hash_ids of a JSON column (a Parquet file DuckDB wrote from
 * JSON lines of mixed types) were read as one id, where the DuckDB engine keeps them apart
 * (found by review, the engines' hash_ids compared).
 */
export const PARQUET_PARSERS = {
  ...DEFAULT_PARSERS,
  jsonFromBytes: (bytes: Uint8Array | undefined) => bytes && parseJsonKeepingDigits(utf8.decode(bytes)),
  stringFromBytes: (bytes: Uint8Array | undefined) => bytes && decodeUtf8Escaped(bytes),
  timestampFromMilliseconds: (millis: bigint) => preciseDate(Number(millis), millis, 1000n, 3),
  timestampFromMicroseconds: (micros: bigint) => preciseDate(Number(micros / 1000n), micros, 1000000n, 6),
  timestampFromNanoseconds: (nanos: bigint) => preciseDate(Number(nanos / 1000000n), nanos, 1000000000n, 9),
};
import { decompressPage, readDataPage, readDataPageV2 } from 'hyparquet/src/datapage.js';
import { readPlain } from 'hyparquet/src/plain.js';
import { getMaxDefinitionLevel } from 'hyparquet/src/schema.js';
import { readRleBitPackedHybrid } from 'hyparquet/src/encoding.js';
import { compressors } from 'hyparquet-compressors';
import { snappyUncompress } from 'hyparquet';

type ColumnDecoder = Parameters<typeof readDataPage>[2];

/**
 * Page-at-a-time decoding of flat (top-level, non-repeated) Parquet columns into compact,
 * reused buffers: numbers into one Float64Array, dictionary-encoded values as Int32 indices
 * into the (converted) dictionary, anything else as a plain array. hyparquet's own readers
 * turn every column chunk into JS arrays (and, for nullable columns, synthesize definition
 * levels and rebuild the array again), which for 1 M-row groups left ~250 bytes/row of
 * garbage behind; here each page's transient arrays die before the next page is read, and the
 * per-column buffers are allocated once for the largest row group. Pages themselves are
 * decoded by hyparquet (all encodings, v1/v2 pages, every codec in hyparquet-compressors).
 */
export class FlatColumn {
  /** 'num': plain numbers (or null); 'dict': indices into the page dictionary `dict`; 'any': `any`. */
  mode: 'num' | 'dict' | 'any' | undefined;
  num: Float64Array<ArrayBufferLike> = new Float64Array(0);
  /** Dictionary indices, in the narrowest type the dictionary allows (Uint8/Uint16/Int32). */
  idx: Uint8Array | Uint16Array | Int32Array = new Int32Array(0);
  dict: unknown[] = [];
  any: unknown[] = [];
  nulls = new Uint8Array(0);
  hasNulls = false;
  n = 0;
  /**
   * INT64 values kept exact, as bigints (a column read as text: a request, session or client id),
   * not converted to numbers, which merged ids above 2^53 (1234567890123456789 read as
   * …800; found by the row filter's review).
   */
  exact = false;

  /** A DECIMAL with scale 0 (wholeDecimal): its values read as integers, every digit kept. */
  private readonly whole: boolean;

  constructor(
    readonly name: string,
    private readonly decoder: ColumnDecoder,
  ) {
    this.whole = wholeDecimal(decoder.element);
  }

  /** hyparquet's conversion of a page's values, but a whole DECIMAL's to integers (decimalIntegers). */
  private convert(values: DecodedArray, decoder: ColumnDecoder): DecodedArray {
    return this.whole ? decimalIntegers(values) : convert(values, decoder);
  }

  /**
   * `values` as numbers, unless they are INT64 kept exact and one is beyond 2^53 (below it a
   * number prints the same digits, and the column stays numeric: INT64 client ids read as
   * bigints cost 10-15 % of a Parquet ingest; found by review).
   */
  private numbers(values: ArrayLike<unknown>): Float64Array | undefined {
    return this.exact && (values instanceof BigInt64Array || values instanceof BigUint64Array) && !allSafe(values) ? undefined : numericArray(values);
  }

  get physicalType(): string {
    return this.decoder.type;
  }

  /** Value of row `r` of the current row group (undefined when null). */
  get(r: number): unknown {
    if (this.hasNulls && this.nulls[r]) return undefined;
    const m = this.mode;
    if (m === 'num') return this.num[r];
    if (m === 'dict') return this.dict[this.idx[r]];
    return this.any[r];
  }

  /** Decodes one column chunk (all its pages) for a row group of `rows` rows. */
  decodeChunk(chunk: ArrayBuffer | Uint8Array, rows: number, codec: ColumnDecoder['codec']): void {
    this.reset(rows);
    const decoder = { ...this.decoder, codec };
    const view = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk);
    const bytes = view.buffer as ArrayBuffer;
    const reader = { view: new DataView(bytes, view.byteOffset, view.byteLength), offset: 0 };
    const maxDef = getMaxDefinitionLevel(decoder.schemaPath);
    let dictionary: unknown[] | undefined;
    while (this.n < rows && reader.offset < reader.view.byteLength - 1) {
      const header: PageHeader = parquetHeader(reader);
      const compressed = new Uint8Array(bytes, view.byteOffset + reader.offset, header.compressed_page_size);
      reader.offset += header.compressed_page_size;
      if (header.type === 'DICTIONARY_PAGE') {
        const page = decompressPage(compressed, Number(header.uncompressed_page_size), codec, compressors);
        const view = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
        const plain = readPlain(view, decoder.type, header.dictionary_page_header!.num_values, decoder.element.type_length);
        const values = this.convert(plain, decoder) as ArrayLike<unknown>;
        const num = this.numbers(values);
        dictionary = num ? Array.from(num) : Array.from(values); // INT64 → numbers (unless exact)
        continue;
      }
      let numValues: number;
      let encoding: string;
      let valueBytes: Uint8Array | undefined; // the page's value section, decompressed (fast encodings)
      let def: Uint8Array | undefined;
      let raw: Uint8Array | undefined;
      if (header.type === 'DATA_PAGE') {
        const daph = header.data_page_header!;
        numValues = daph.num_values;
        encoding = daph.encoding;
        raw = this.decompress(compressed, Number(header.uncompressed_page_size), codec, this.reusable(encoding, decoder.type));
        const r = { view: new DataView(raw.buffer, raw.byteOffset, raw.byteLength), offset: 0 };
        if (maxDef > 0 && FAST.has(encoding)) {
          def = this.scratchDef(numValues);
          readRleBitPackedHybrid(r, bitWidth(maxDef), def); // v1: 4-byte length prefix
        }
        valueBytes = raw.subarray(r.offset);
      } else if (header.type === 'DATA_PAGE_V2') {
        const daph2 = header.data_page_header_v2!;
        numValues = daph2.num_values;
        encoding = daph2.encoding;
        const repLen = daph2.repetition_levels_byte_length;
        const defLen = daph2.definition_levels_byte_length;
        if (maxDef > 0 && FAST.has(encoding)) {
          def = this.scratchDef(numValues);
          const r = { view: new DataView(compressed.buffer, compressed.byteOffset, compressed.byteLength), offset: repLen };
          readRleBitPackedHybrid(r, bitWidth(maxDef), def, defLen);
        }
        if (FAST.has(encoding)) {
          // Other encodings are handed to readDataPageV2, which decompresses the page itself.
          const size = Number(header.uncompressed_page_size) - repLen - defLen;
          const body = compressed.subarray(repLen + defLen);
          valueBytes = daph2.is_compressed !== false && size ? this.decompress(body, size, codec, this.reusable(encoding, decoder.type)) : body;
        }
      } else {
        continue; // index pages carry no rows
      }
      if (numValues > rows - this.n) throw new Error(`pages hold more values than the row group's ${rows} rows`);
      if (FAST.has(encoding)) {
        // Levels and dictionary indices go into reused typed scratch, values straight to the store.
        let nulls = 0;
        if (def) for (let i = 0; i < numValues; i++) if (def[i] !== maxDef) nulls++;
        if (nulls === 0) def = undefined;
        const r = { view: new DataView(valueBytes!.buffer, valueBytes!.byteOffset, valueBytes!.byteLength), offset: 0 };
        const count = numValues - nulls;
        if (encoding === 'PLAIN' && this.plainNumber && (this.mode === undefined || this.mode === 'num')) {
          this.putPlainNumbers(r.view, r.offset, decoder.type, def, maxDef, numValues, count);
        } else if (encoding === 'PLAIN') {
          this.putValues(this.convert(readPlain(r, decoder.type, count, decoder.element.type_length), decoder), def, maxDef, numValues);
        } else {
          if (!dictionary) throw new Error('dictionary-encoded page without a dictionary');
          const width = count > 0 ? r.view.getUint8(r.offset++) : 0;
          const direct = !def && this.startDict(dictionary);
          // Without nulls the indices are decoded straight into the store.
          const idx = direct ? this.idx.subarray(this.n, this.n + count) : this.scratchIdx(count);
          if (width) readRleBitPackedHybrid(r, width, idx as Int32Array, r.view.byteLength - r.offset); // writes by index: any typed array
          else idx.fill(0);
          if (direct) this.n += count;
          else this.putIndices(idx, dictionary, def, maxDef, numValues);
        }
        continue;
      }
      // Other encodings (delta, byte-stream-split, RLE booleans, …): hyparquet's page readers.
      const page = header.type === 'DATA_PAGE' ? readDataPage(raw!, header.data_page_header!, decoder) : readDataPageV2(compressed, header, decoder);
      const levels = page.definitionLevels && page.definitionLevels.length ? page.definitionLevels : undefined;
      if (encoding === 'RLE' && decoder.type !== 'BOOLEAN') {
        if (!dictionary) throw new Error('dictionary-encoded page without a dictionary');
        this.putIndices(page.dataPage as ArrayLike<number>, dictionary, levels, maxDef, numValues);
      } else {
        this.putValues(this.convert(page.dataPage, decoder), levels, maxDef, numValues);
      }
    }
    if (this.n !== rows) throw new Error(`${this.n} values for a row group of ${rows} rows`);
  }

  private reset(rows: number): void {
    this.mode = undefined;
    this.n = 0;
    this.hasNulls = false;
    this.any = [];
    this.dict = [];
    if (this.nulls.length > 0) this.nulls.fill(0, 0, Math.min(rows, this.nulls.length)); // allocated at the first null
    this.capacity = rows;
  }

  private capacity = 0;


  /**
   * Whether a data page's decompressed bytes may go to the reused scratch buffer: only when
   * nothing decoded from it keeps a view into it (numbers are copied out, indices too;
   * byte arrays would be views).
   */
  private reusable(encoding: string, type: string): boolean {
    return encoding.endsWith('_DICTIONARY') || (encoding === 'PLAIN' && NUMERIC.has(type));
  }

  private decompress(compressed: Uint8Array, size: number, codec: ColumnDecoder['codec'], reuse: boolean): Uint8Array {
    // fzstd given an output buffer was measured 10× slower than letting it allocate: only
    // snappy (hyparquet's JS decoder writes into a given buffer) and plain pages are reused.
    if (!reuse || codec !== 'SNAPPY') return decompressPage(compressed, size, codec, compressors);
    if (scratch.page.length < size) scratch.page = new Uint8Array(size);
    const out = scratch.page.subarray(0, size);
    snappyUncompress(compressed, out);
    return out;
  }

  private scratchDef(n: number): Uint8Array {
    if (scratch.def.length < n) scratch.def = new Uint8Array(n);
    return scratch.def.subarray(0, n);
  }

  private scratchIdx(n: number): Int32Array {
    if (scratch.idx.length < n) scratch.idx = new Int32Array(n);
    return scratch.idx.subarray(0, n);
  }

  private ensureNum(): void {
    if (this.num.length < this.capacity) this.num = new Float64Array(this.capacity);
  }

  private ensureIdx(): void {
    const size = this.dict.length;
    const Kind = size <= 0x100 ? Uint8Array : size <= 0x10000 ? Uint16Array : Int32Array;
    if (!(this.idx instanceof Kind) || this.idx.length < this.capacity) this.idx = new Kind(this.capacity);
  }

  /** Marks the page's rows whose definition level is below the maximum (nulls). */
  private markNulls(def: ArrayLike<number> | undefined, maxDef: number, count: number): void {
    if (!def) return;
    for (let i = 0; i < count; i++) {
      if (def[i] !== maxDef) {
        if (this.nulls.length < this.capacity) {
          const grown = new Uint8Array(this.capacity);
          grown.set(this.nulls.subarray(0, Math.min(this.n, this.nulls.length)));
          this.nulls = grown;
        }
        this.nulls[this.n + i] = 1;
        this.hasNulls = true;
      }
    }
  }

  /** Enters (or stays in) dictionary mode for `dictionary`; false when the store cannot. */
  private startDict(dictionary: unknown[]): boolean {
    if (this.mode === undefined || (this.mode === 'dict' && this.n === 0)) {
      this.mode = 'dict';
      this.dict = dictionary;
    }
    if (this.mode !== 'dict' || this.dict !== dictionary) return false;
    this.ensureIdx();
    return true;
  }

  private putIndices(indices: ArrayLike<number>, dictionary: unknown[], def: ArrayLike<number> | undefined, maxDef: number, count: number): void {
    if (this.mode === undefined || (this.mode === 'dict' && this.n === 0)) {
      this.mode = 'dict';
      this.dict = dictionary;
    }
    if (this.mode !== 'any' && !(this.mode === 'dict' && this.dict === dictionary)) this.toAny();
    this.markNulls(def, maxDef, count);
    const base = this.n;
    let v = 0;
    if (this.mode === 'dict') {
      this.ensureIdx();
      const idx = this.idx;
      if (!def) idx.set(indices as ArrayLike<number>, base);
      else for (let i = 0; i < count; i++) idx[base + i] = def[i] !== maxDef ? 0 : (indices[v++] as number);
    } else {
      for (let i = 0; i < count; i++) this.any[base + i] = def && def[i] !== maxDef ? undefined : dictionary[indices[v++] as number];
    }
    this.n += count;
  }

  /** Numeric physical type with no logical annotation: PLAIN values are read as they are. */
  private get plainNumber(): boolean {
    const el = this.decoder.element;
    return NUMERIC.has(this.decoder.type) && el.converted_type === undefined && el.logical_type === undefined && !(this.exact && this.decoder.type === 'INT64');
  }

  /** PLAIN numbers straight from the page bytes into the store (no intermediate array). */
  private putPlainNumbers(view: DataView, offset: number, type: string, def: ArrayLike<number> | undefined, maxDef: number, rows: number, count: number): void {
    const width = type === 'INT32' || type === 'FLOAT' ? 4 : 8;
    if (offset + count * width > view.byteLength) throw new Error(`page holds fewer than its ${count} values`);
    this.mode = 'num';
    this.ensureNum();
    this.markNulls(def, maxDef, rows);
    const out = this.num;
    const base = this.n;
    let at = offset;
    for (let i = 0; i < rows; i++) {
      if (def && def[i] !== maxDef) {
        out[base + i] = NaN;
        continue;
      }
      out[base + i] = type === 'DOUBLE' ? view.getFloat64(at, true) : type === 'INT64' ? Number(view.getBigInt64(at, true)) : type === 'INT32' ? view.getInt32(at, true) : view.getFloat32(at, true);
      at += width;
    }
    this.n += rows;
  }

  private putValues(values: DecodedArray, def: ArrayLike<number> | undefined, maxDef: number, count: number): void {
    const numeric = this.numbers(values);
    if (this.mode === undefined) this.mode = numeric ? 'num' : 'any';
    if (this.mode !== 'any' && !(this.mode === 'num' && numeric)) this.toAny();
    this.markNulls(def, maxDef, count);
    const base = this.n;
    let v = 0;
    if (this.mode === 'num') {
      this.ensureNum();
      const src = numeric!;
      for (let i = 0; i < count; i++) this.num[base + i] = def && def[i] !== maxDef ? NaN : src[v++];
    } else {
      // Numbers (INT64 as bigint in `values`) go in as numbers, as from every other path.
      const src: ArrayLike<unknown> = numeric ?? values;
      for (let i = 0; i < count; i++) this.any[base + i] = def && def[i] !== maxDef ? undefined : src[v++];
    }
    this.n += count;
  }

  /** Falls back to a plain array, keeping the rows decoded so far. */
  private toAny(): void {
    const out: unknown[] = new Array(this.n);
    for (let r = 0; r < this.n; r++) out[r] = this.get(r);
    this.any = out;
    this.mode = 'any';
  }
}

/** Scratch shared by all columns (decoded one after another): levels, indices, pages. */
const scratch = { def: new Uint8Array(0), idx: new Int32Array(0), page: new Uint8Array(0) };

/** Encodings decoded here without hyparquet's per-page JS arrays. */
const NUMERIC: ReadonlySet<string> = new Set(['INT32', 'INT64', 'FLOAT', 'DOUBLE']);
const FAST: ReadonlySet<string> = new Set(['PLAIN', 'PLAIN_DICTIONARY', 'RLE_DICTIONARY']);

function bitWidth(value: number): number {
  return 32 - Math.clz32(value);
}

/**
 * Whether a column is a DECIMAL of scale 0: integers, which warehouses write for their integer
 * types (Snowflake's NUMBER(38,0), its HASH()'s NUMBER(19,0), Spark's DecimalType(p, 0)),
 * in 16-byte FIXED_LEN_BYTE_ARRAYs above 18 digits. hyparquet reads every DECIMAL as a double,
 * which merged ids past 2^53 (1234567890123456789 and …790 were one client, …800, with a
 * warning; found by review). Read as integers instead (decimalIntegers), as DuckDB prints them.
 */
export function wholeDecimal(el: SchemaElement): boolean {
  const decimal = el.logical_type?.type === 'DECIMAL' || el.converted_type === 'DECIMAL';
  return decimal && (el.logical_type?.type === 'DECIMAL' ? el.logical_type.scale : el.scale ?? 0) === 0;
}

const SAFE = 9007199254740991n;

/**
 * A whole DECIMAL's physical values (INT32 numbers, INT64 bigints, big-endian two's-complement
 * bytes) as integers: float64 when every one is exact there (|v| ≤ 2^53 − 1), else numbers and,
 * past 2^53, bigints, whose text keeps every digit (an id), as an INT64 column's do.
 */
export function decimalIntegers(data: ArrayLike<unknown>): DecodedArray {
  const n = data.length;
  const out = new Float64Array(n);
  let mixed: unknown[] | undefined;
  for (let i = 0; i < n; i++) {
    const v = data[i];
    let x: number | bigint;
    if (typeof v === 'number') x = v;
    else {
      let b: bigint;
      if (typeof v === 'bigint') b = v;
      else {
        const bytes = v as Uint8Array;
        const len = bytes.length;
        const neg = len > 0 && (bytes[0] & 0x80) !== 0;
        // Past the sign's bytes, 6 or fewer left (48 bits) are read as a number: no BigInt for
        // the usual value (token counts in NUMBER(38,0) columns, small ids).
        let k = 0;
        while (k < len - 6 && bytes[k] === (neg ? 0xff : 0)) k++;
        if (len - k <= 6) {
          let x = 0;
          for (let j = k; j < len; j++) x = x * 256 + bytes[j];
          if (neg) x -= 2 ** (8 * (len - k));
          if (!mixed) out[i] = x;
          else mixed.push(x);
          continue;
        }
        b = 0n;
        for (let j = 0; j < len; j++) b = (b << 8n) | BigInt(bytes[j]);
        if (neg) b -= 1n << BigInt(8 * len);
      }
      x = b > SAFE || b < -SAFE ? b : Number(b);
    }
    if (typeof x === 'number' && !mixed) out[i] = x;
    else {
      mixed ??= Array.from(out.subarray(0, i));
      mixed.push(x);
    }
  }
  return (mixed ?? out) as DecodedArray;
}

/** Whether every INT64 is a safe integer (|v| < 2^53: Number(v) is exact). */
function allSafe(values: BigInt64Array | BigUint64Array): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > 9007199254740991n || v < -9007199254740991n) return false;
  }
  return true;
}

/** The values as float64 when all are numbers (typed arrays, bigints converted); else undefined. */
function numericArray(values: ArrayLike<unknown>): Float64Array | undefined {
  if (values instanceof Float64Array) return values;
  if (values instanceof Float32Array || values instanceof Int32Array || values instanceof Uint32Array || values instanceof Uint8Array) return Float64Array.from(values);
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    const out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = Number(values[i]);
    return out;
  }
  return undefined;
}

/** The flat top-level columns among `names` (leaf, not repeated) with their decoders. */
export function flatColumns(metadata: FileMetaData, tree: SchemaTree, names: string[]): FlatColumn[] | undefined {
  const out: FlatColumn[] = [];
  for (const name of names) {
    const node = tree.children.find((c) => c.element.name === name);
    if (!node || node.children.length > 0 || node.element.repetition_type === 'REPEATED') return undefined;
    const chunk = metadata.row_groups[0]?.columns.find((c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === name);
    const decoder: ColumnDecoder = {
      pathInSchema: [name],
      type: node.element.type!,
      element: node.element,
      schemaPath: [tree, node],
      codec: chunk?.meta_data?.codec ?? 'UNCOMPRESSED',
      parsers: PARQUET_PARSERS,
      compressors,
    };
    out.push(new FlatColumn(name, decoder));
  }
  return out;
}

/** Byte range of a column chunk in the file. */
export function chunkRange(metadata: FileMetaData, group: number, name: string): { start: number; end: number; codec: ColumnDecoder['codec'] } {
  const chunk = metadata.row_groups[group].columns.find((c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === name);
  const meta = chunk?.meta_data;
  if (!meta) throw new Error(`row group ${group} has no column chunk ${JSON.stringify(name)}`);
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  return { start, end: start + Number(meta.total_compressed_size), codec: meta.codec };
}

/**
 * Whether a column chunk's bytes may be read into a reused buffer: nothing decoded from it
 * may keep a view into it. Every type is copied out (numbers, strings, dates) except raw
 * fixed-length byte arrays.
 */
export function chunkReusable(col: FlatColumn): boolean {
  return col.physicalType !== 'FIXED_LEN_BYTE_ARRAY';
}
