import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parquetMetadata, parquetRead, parquetSchema, type ColumnData } from 'hyparquet';
import { chunkRange, flatColumns, type FlatColumn } from '../io/parquet-flat.js';
import { compressors } from 'hyparquet-compressors';
import { IngestError } from '../ingest/errors.js';
import { assembleSummaries, CodedColumn, reader, type Column, type ScanTables } from './duckdb.js';
import { MEM_LAGS, type TraceSummaries } from './types.js';

/**
 * Loads the results of `servegen sql` run on a warehouse (Spark, Trino, ClickHouse, DuckDB):
 * a directory with one Parquet output per query, either `<name>.parquet` or a folder
 * `<name>/` of part files (Spark's part-*.parquet, or files without an extension). Required: `scan`, `arrivals`,
 * `gap_histograms`, `dispersion`, `lengths`; optional: `joint`, `gap_memory`, `aggregate_buckets`, `rejects`. Column names
 * are matched case-insensitively (Trino folds identifiers to lower case).
 */
export interface WarehouseScan {
  summaries: TraceSummaries;
  /** Rows the scan accepted plus rejects (when `rejects` was exported). */
  rowsRead: number;
  rejectsByReason: Record<string, number>;
  /** Every Parquet file read, in the order read (for hashing). */
  files: string[];
}

const COLUMNS: Record<string, string[]> = {
  scan: ['arrival_seconds', 'length_seconds', 'resolution', 'origin_seconds', 'span_start', 'span_end', 'n'],
  arrivals: ['client', 'wi', 'n', 'first', 'last', 'gaps', 'sum', 'sumSq', 'sumLog', 'positive'],
  gap_histograms: ['client', 'wi', 'kind', 'key', 'c'],
  dispersion: ['client', 'wi', 'scale', 'sum', 'sumSq'],
  lengths: ['client', 'li', 'field', 'key', 'c'],
  joint: ['client', 'li', 'key', 'c'],
  rejects: ['reason', 'c'],
  gap_memory: ['client', 'wi', 'm', 's1', 's2', ...MEM_LAGS.map((k) => `p${k}`)],
  aggregate_buckets: ['bucket', 'c'],
};

/** The Parquet files of one output, or [] when it is absent. */
function partFiles(dir: string, name: string): string[] {
  const single = join(dir, `${name}.parquet`);
  if (existsSync(single)) return [single];
  const sub = join(dir, name);
  if (existsSync(sub) && statSync(sub).isDirectory()) {
    return readdirSync(sub)
      // Part files by any name (Trino's have no extension), minus markers and checksums
      // (_SUCCESS, .part-0.crc) and empty files.
      .filter((f) => !f.startsWith('.') && !f.startsWith('_') && !f.endsWith('.crc') && statSync(join(sub, f)).isFile() && statSync(join(sub, f)).size > 0)
      .sort()
      .map((f) => join(sub, f));
  }
  return [];
}

/**
 * One output column: numbers in a Float64Array while every value is a non-null number; text
 * from Parquet dictionaries (clients, kinds, fields) as codes into its distinct values
 * (CodedColumn); else a plain array. (A 90-day directory's 14 M dispersion rows and 20 M
 * histogram rows pushed into plain arrays kept ~7 GB of heap busy for the garbage collector;
 * at 30 days the text columns alone were 48 M references.)
 */
class ColumnBuilder {
  private f = new Float64Array(1 << 16);
  private codes: Int32Array | undefined;
  private values: unknown[] = [];
  private codeOf = new Map<unknown, number>();
  private n = 0;
  private any: unknown[] | undefined;

  /** Appends rows [0, rows) of a decoded flat column chunk. */
  addFlat(col: FlatColumn, rows: number): void {
    if (!this.any && !col.hasNulls && col.mode === 'dict' && (this.codes || this.n === 0) && col.dict.every((v) => typeof v === 'string')) {
      const codes = this.reserveCodes(rows);
      const remap = Int32Array.from(col.dict, (v) => {
        let k = this.codeOf.get(v);
        if (k === undefined) {
          this.codeOf.set(v, (k = this.values.length));
          this.values.push(v);
        }
        return k;
      });
      for (let r = 0; r < rows; r++) codes[this.n + r] = remap[col.idx[r]];
      this.n += rows;
      return;
    }
    const numeric = !this.any && !this.codes && !col.hasNulls && (col.mode === 'num' || (col.mode === 'dict' && col.dict.every((v) => typeof v === 'number')));
    if (!numeric) {
      for (let r = 0; r < rows; r++) this.push(col.get(r));
      return;
    }
    this.reserve(rows);
    const f = this.f;
    if (col.mode === 'num') f.set(col.num.subarray(0, rows), this.n);
    else for (let r = 0; r < rows; r++) f[this.n + r] = col.dict[col.idx[r]] as number;
    this.n += rows;
  }

  push(v: unknown): void {
    if (!this.any && !this.codes && typeof v === 'number') {
      this.reserve(1);
      this.f[this.n++] = v;
      return;
    }
    if (!this.any) {
      const codes = this.codes;
      this.any = codes ? Array.from(codes.subarray(0, this.n), (k) => this.values[k]) : Array.from(this.f.subarray(0, this.n));
      this.codes = undefined;
    }
    this.any.push(v);
  }

  private reserve(k: number): void {
    if (this.n + k <= this.f.length) return;
    const grown = new Float64Array(Math.max(this.n + k, 2 * this.f.length));
    grown.set(this.f.subarray(0, this.n));
    this.f = grown;
  }

  private reserveCodes(k: number): Int32Array {
    const codes = this.codes ?? new Int32Array(Math.max(k, 1 << 16));
    if (this.n + k <= codes.length) return (this.codes = codes);
    const grown = new Int32Array(Math.max(this.n + k, 2 * codes.length));
    grown.set(codes.subarray(0, this.n));
    return (this.codes = grown);
  }

  result(): Column {
    if (this.any) return this.any;
    if (this.codes) return new CodedColumn(this.codes.slice(0, this.n), this.values);
    return this.f.slice(0, this.n);
  }
}

async function readColumns(files: string[], wanted: string[]): Promise<Record<string, Column>> {
  const builders = wanted.map(() => new ColumnBuilder());
  for (const file of files) {
    const bytes = readFileSync(file);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    let metadata;
    try {
      metadata = parquetMetadata(buffer);
    } catch (err) {
      throw new IngestError(`${file}: not a Parquet file (${(err as Error).message})`, file);
    }
    const names = metadata.schema.slice(1).map((s) => s.name);
    const byLower = new Map(names.map((n) => [n.toLowerCase(), n]));
    const actual = wanted.map((w) => {
      const a = byLower.get(w.toLowerCase());
      if (a === undefined) throw new IngestError(`${file}: missing column "${w}" (has ${names.join(', ')}); export the query printed by servegen sql unchanged`, file, undefined, w);
      return a;
    });
    // Flat columns (what every warehouse writes here) are decoded page by page into compact
    // buffers (src/io/parquet-flat.ts): strings come from the page dictionaries, shared, not
    // one per row. Anything else goes through hyparquet's row-group reader.
    const flat = flatColumns(metadata, parquetSchema(metadata), actual);
    if (flat) {
      const source = { slice: (a: number, b: number) => buffer.slice(a, b) };
      for (let g = 0; g < metadata.row_groups.length; g++) {
        const rows = Number(metadata.row_groups[g].num_rows);
        flat.forEach((col, i) => {
          const { start, end, codec } = chunkRange(metadata, g, col.name);
          try {
            col.decodeChunk(source.slice(start, end), rows, codec);
          } catch (err) {
            throw new IngestError(`${file}: row group ${g}, column ${JSON.stringify(col.name)}: cannot decode (${(err as Error).message})`, file, undefined, wanted[i]);
          }
          builders[i].addFlat(col, rows);
        });
      }
      continue;
    }
    const chunks = new Map<string, ColumnData[]>();
    await parquetRead({
      file: buffer,
      metadata,
      columns: actual,
      compressors,
      onChunk: (c: ColumnData) => {
        let list = chunks.get(c.columnName);
        if (!list) chunks.set(c.columnName, (list = []));
        list.push(c);
      },
    });
    wanted.forEach((w, i) => {
      for (const c of (chunks.get(actual[i]) ?? []).sort((a, b) => a.rowStart - b.rowStart)) for (const v of c.columnData) builders[i].push(v);
    });
  }
  return Object.fromEntries(wanted.map((w, i) => [w, builders[i].result()]));
}

/** Text columns of the outputs; every other column must hold a finite number in every row. */
const TEXT_COLUMNS = new Set(['client', 'kind', 'field', 'reason']);

/**
 * Refuses a number column with a missing or non-finite value (a hand-edited or truncated
 * export): it would otherwise be read as 0 or NaN, a histogram key or count silently wrong.
 */
function checkNumbers(dir: string, name: string, cols: Record<string, Column>): void {
  for (const [col, values] of Object.entries(cols)) {
    // The span of a scan with no accepted rows is NULL (min and max of nothing): checked below.
    if (TEXT_COLUMNS.has(col) || (name === 'scan' && col.startsWith('span_'))) continue;
    const bad = (i: number, v: unknown): never => {
      throw new IngestError(`${dir}: ${name} row ${i + 1}, column "${col}": ${v === null || v === undefined ? 'missing' : JSON.stringify(String(v))}, expected a number; export the query printed by servegen sql unchanged`, dir, undefined, col);
    };
    if (values instanceof Float64Array) {
      for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) bad(i, values[i]);
      continue;
    }
    const at = reader(values);
    for (let i = 0; i < values.length; i++) {
      const v = at(i);
      if (!((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'bigint')) bad(i, v);
    }
  }
}

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : Number(v));

/** Reads a directory of exported scan results into summaries (see WarehouseScan). */
export async function loadScanDirectory(dir: string, options: { onStage?: (text: string) => void } = {}): Promise<WarehouseScan> {
  const files: string[] = [];
  const read = async (name: string, required: boolean) => {
    const parts = partFiles(dir, name);
    if (parts.length === 0) {
      if (required) throw new IngestError(`${dir}: no ${name}.parquet (or ${name}/*.parquet); export every query printed by servegen sql (docs/scale.md)`, dir);
      return undefined;
    }
    files.push(...parts);
    // A long span's directory takes minutes to read: say which output (found at 90 days: silence for 2.5 min).
    const mb = parts.reduce((a, f) => a + statSync(f).size, 0) / 2 ** 20;
    if (mb >= 1) options.onStage?.(`reading ${name} (${mb.toFixed(0)} MB)`);
    const cols = await readColumns(parts, COLUMNS[name]);
    checkNumbers(dir, name, cols);
    return cols;
  };
  const scan = (await read('scan', true))!;
  if (scan.n.length !== 1) throw new IngestError(`${dir}: scan output has ${scan.n.length} rows, expected 1`, dir);
  const tables: ScanTables = {
    arrivals: (await read('arrivals', true))!,
    gapHist: (await read('gap_histograms', true))!,
    disp: (await read('dispersion', true))!,
    lengths: (await read('lengths', true))!,
    joint: await read('joint', false),
    // Absent in results exported before gap memory (fit then says the profile has none).
    memory: await read('gap_memory', false),
    // Absent in results exported before the 5-minute counts (the aggregate model then comes from the windows' counts).
    buckets: await read('aggregate_buckets', false),
  };
  const rejects = await read('rejects', false);
  const first = (c: Column) => num(reader(c)(0));
  const spanAt = (c: Column) => {
    const v = first(c);
    if (!Number.isFinite(v)) throw new IngestError(`${dir}: scan row 1: span ${JSON.stringify(String(v))} with ${first(scan.n)} accepted rows, expected a number; export the query printed by servegen sql unchanged`, dir);
    return v;
  };
  const originSeconds = first(scan.origin_seconds);
  const accepted = first(scan.n);
  options.onStage?.(`assembling ${tables.arrivals.client.length} arrival windows`);
  const summaries = assembleSummaries(tables, {
    arrivalSeconds: first(scan.arrival_seconds),
    lengthSeconds: first(scan.length_seconds),
    resolution: first(scan.resolution),
    span: accepted > 0 ? { start: spanAt(scan.span_start), end: spanAt(scan.span_end) } : { start: 0, end: 0 },
    origin: originSeconds !== 0 ? new Date(originSeconds * 1000).toISOString() : null,
  });
  const rejectsByReason: Record<string, number> = {};
  // The accepted rows (scan's n) plus the rejected: servegen sql's rejects output has a NULL
  // reason row holding n again, summarize --engine duckdb's has the rejected only, so only the
  // reasons are added (rows read were the rejected alone there: "150 rows scanned, 150 rejected
  // (excluded 150)" for a 600-row log; found by review).
  let rowsRead = accepted;
  if (rejects) {
    const [reasonAt, cAt] = [reader(rejects.reason), reader(rejects.c)];
    for (let i = 0; i < rejects.reason.length; i++) {
      const r = reasonAt(i);
      const c = num(cAt(i));
      if (r === null || r === undefined) continue;
      rowsRead += c;
      rejectsByReason[String(r)] = (rejectsByReason[String(r)] ?? 0) + c;
    }
  }
  return { summaries, rowsRead, rejectsByReason, files };
}
