import { createReadStream, existsSync, fstatSync, openSync, readdirSync, readSync, closeSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { readWholeFile } from './whole-file.js';
import { readTextHead } from './file-kind.js';
import { startsOtlpJson } from './otlp-json-head.js';
import { createZstdDecompress, isZstdMagic } from './zstd.js';

/** Input formats ingest reads. */
export const INPUT_FORMATS = ['csv', 'tsv', 'jsonl', 'parquet', 'arrow', 'otlp-json'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** Error for an input that cannot be opened or identified (exit 2). */
export class InputError extends Error {
  constructor(message: string, readonly file: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** Compression an input is read through, by its first bytes (whatever its name). */
export type Compression = 'gzip' | 'zstd';

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
/** Bytes 2–4 of a skippable frame's magic (the first is 0x50–0x5f). */
const SKIPPABLE_TAIL = Buffer.from([0x2a, 0x4d, 0x18]);

/**
 * The file's compression by magic bytes: gzip (1f 8b), zstd (a zstd or skippable frame), else
 * undefined; a file named .gz / .zst / .zstd that ends inside that magic counts as compressed.
 */
export function compressionOf(path: string): Compression | undefined {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(4);
    const n = readSync(fd, b, 0, 4, 0);
    if (n >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
    if (isZstdMagic(b.subarray(0, n))) return 'zstd';
    // A file named compressed that ends inside its magic bytes is that compression cut short
    // (it was read as a one-line text file); its reader names where it stops.
    const named = /\.gz$/i.test(path) ? GZIP_MAGIC : /\.zstd?$/i.test(path) ? ZSTD_MAGIC : undefined;
    if (named && n > 0 && n < named.length && b.subarray(0, n).equals(named.subarray(0, n))) return named === GZIP_MAGIC ? 'gzip' : 'zstd';
    // Or inside a skippable frame's (0x184D2A5?, little-endian; pzstd starts its files with one).
    if (named === ZSTD_MAGIC && n > 0 && n < 4 && (b[0] & 0xf0) === 0x50 && b.subarray(1, n).equals(SKIPPABLE_TAIL.subarray(0, n - 1))) return 'zstd';
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Whether a file starts with the gzip magic bytes 1f 8b. */
export function isGzipFile(path: string): boolean {
  return compressionOf(path) === 'gzip';
}

/** The compression suffixes a file name may end in after its format's (`log.jsonl.zst`). */
export const COMPRESSED_SUFFIX = /\.(gz|zst|zstd)$/i;

/** Format from the file name (ignoring a trailing .gz, .zst or .zstd), or undefined. */
export function formatFromName(path: string): InputFormat | undefined {
  const name = basename(path).toLowerCase().replace(COMPRESSED_SUFFIX, '');
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.tsv') || name.endsWith('.tab')) return 'tsv';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson') || name.endsWith('.json')) return 'jsonl';
  if (name.endsWith('.parquet') || name.endsWith('.pq')) return 'parquet';
  if (name.endsWith('.arrow') || name.endsWith('.arrows') || name.endsWith('.feather') || name.endsWith('.ipc')) return 'arrow';
  return undefined;
}

/**
 * The format of one input: `override` (--format) when given; else OpenTelemetry traces (OTLP
 * JSON, whatever the name: the Collector's file exporter writes them under any name, often
 * `.json`) when the first line starts `{"resourceSpans":`, or when the mapping says `otlp-json`
 * and the name says JSON; else the name's; else the mapping's `format`.
 */
export function inputFormatOf(file: string, override: InputFormat | undefined, mappingFormat: InputFormat | undefined): InputFormat | undefined {
  if (override) return override;
  const named = formatFromName(file);
  if (named === undefined || named === 'jsonl') {
    if (startsOtlpJson(readTextHead(file, 256).toString('utf8'))) return 'otlp-json';
    if (named === 'jsonl' && mappingFormat === 'otlp-json') return 'otlp-json';
  }
  return named ?? mappingFormat;
}

/**
 * The refusal of a file read as CSV (or TSV) whose first line is a JSON object: JSON lines named
 * `.csv`, or given `--format csv` (or a mapping's `"format": "csv"`). Its "header" did not parse
 * ("text after the closing quote of field 2"), or parsed into columns such as `{"ts":1`, and
 * DuckDB named rows it could not split (found by a new user's review). `how` says what made the
 * file CSV. Undefined for any other first line (blank lines, a byte-order mark and `#` comments
 * skipped).
 */
export function jsonLinesReadAsCsv(file: string, format: InputFormat, how: string): string | undefined {
  const head = readTextHead(file, 4096).toString('utf8').replace(/^\ufeff/, '');
  const first = head.split('\n').find((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (first === undefined || !/^\s*\{\s*"/.test(first)) return undefined;
  return `${file}: read as ${format.toUpperCase()} (${how}), but its first line is a JSON object: JSON lines? Give --format jsonl${how.startsWith('--format') ? '' : ' (or name it .jsonl)'}`;
}

/** What made `file` read as `format` (for messages): --format, its name, or the mapping's `format`. */
export function formatReason(file: string, override: InputFormat | undefined, mappingFormat: InputFormat | undefined): string {
  if (override) return `--format ${override}`;
  if (formatFromName(file)) return 'by its name';
  return mappingFormat ? `the mapping's "format": "${mappingFormat}"` : 'its format';
}

/**
 * A byte stream of the file, decompressed when it is gzip or zstd (by magic bytes, whatever
 * its name). `onRawBytes` reports bytes read from disk (compressed ones for a compressed file),
 * for progress and row-count estimates.
 */
export function openByteStream(path: string, onRawBytes?: (n: number) => void): Readable {
  const raw = createReadStream(path, { highWaterMark: 1 << 18 });
  if (onRawBytes) raw.on('data', (c) => onRawBytes(c.length));
  const compression = compressionOf(path);
  if (!compression) return raw;
  const decompress = compression === 'gzip' ? createGunzip({ chunkSize: 1 << 20 }) : createZstdDecompress();
  raw.on('error', (err) => decompress.destroy(err));
  return raw.pipe(decompress);
}

/** Whole file as bytes, decompressed when needed (formats that need random access). */
export async function readAllBytes(path: string): Promise<Uint8Array> {
  if (!compressionOf(path)) return readWholeFile(path); // one allocation, no concatenation copy
  const chunks: Buffer[] = [];
  for await (const c of openByteStream(path)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Random access to a file's bytes (positional reads; a compressed file is decompressed into memory first). */
export interface RandomAccessFile {
  byteLength: number;
  slice(start: number, end?: number): ArrayBuffer;
  /** Reads [start, end) into `into` (grown when too small) and returns the filled view. */
  readInto(start: number, end: number, into: { buffer: Uint8Array }): Uint8Array;
  close(): void;
}

export async function openRandomAccess(path: string): Promise<RandomAccessFile> {
  if (compressionOf(path)) {
    const bytes = await readAllBytes(path);
    return {
      byteLength: bytes.byteLength,
      slice: (start, end = bytes.byteLength) => bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + end) as ArrayBuffer,
      readInto: (start, end) => bytes.subarray(start, end),
      close: () => undefined,
    };
  }
  const fd = openSync(path, 'r');
  const size = fstatSync(fd).size;
  const fill = (out: Uint8Array, start: number) => {
    let at = 0;
    while (at < out.length) {
      const n = readSync(fd, out, at, out.length - at, start + at);
      if (n === 0) throw new Error(`unexpected end of file at byte ${start + at}`);
      at += n;
    }
    return out;
  };
  return {
    byteLength: size,
    slice: (start, end = size) => fill(new Uint8Array(Math.max(0, end - start)), start).buffer as ArrayBuffer,
    readInto(start, end, into) {
      if (into.buffer.length < end - start) into.buffer = new Uint8Array(Math.ceil((end - start) * 1.25));
      return fill(into.buffer.subarray(0, end - start), start);
    },
    close: () => closeSync(fd),
  };
}

function globToRegExp(pattern: string): RegExp {
  let re = '^';
  for (const ch of pattern) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

/**
 * For a directory holding an upstream ServeGen pool (chunk-N-trace.csv files) given where a trace
 * or a profile goes: import it first. It was told to give a pattern like DIR/*.csv, its chunk
 * traces, or "cannot read profile (is a directory)" (found by a new user's walkthrough:
 * `inspect fixtures/servegen/multimodal/mm-image`). Undefined for other directories.
 */
export function upstreamPoolAdvice(dir: string, names?: readonly string[]): string | undefined {
  let list = names;
  if (list === undefined) {
    try {
      list = readdirSync(dir);
    } catch {
      return undefined;
    }
  }
  if (!list.some((n) => /^chunk-\d+-trace\.csv$/.test(n))) return undefined;
  return `${dir}: is an upstream ServeGen pool (chunk-N-trace.csv): import it first (servegen import-servegen ${dir} --out pool.json), then use the profile`;
}

/**
 * What to give instead of a directory (found by review: a directory of Parquet summaries, or
 * of .jsonl.gz logs, was told to give a pattern like DIR/*.csv).
 */
function directoryAdvice(dir: string): string {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    // (unreadable: the generic advice)
  }
  if (names.includes('scan.parquet') || names.includes('scan')) return `${dir}: is a directory of window summaries (Parquet): fit it with servegen fit --summaries ${dir}`;
  // Given where a trace goes: "then use the profile" left validate and capacity, whose source
  // a profile is not, with nothing to give (found by a new user's audit).
  const pool = upstreamPoolAdvice(dir, names);
  if (pool) return `${pool}; where a source trace goes (validate, capacity, roundtrip) a pool has no requests to compare: give a trace generated from the profile (servegen generate pool.json --duration 3600 --out trace.jsonl)`;
  // The most common extension among its files (".csv.gz" counts as one).
  const count = new Map<string, number>();
  for (const n of names) {
    const m = /(\.[A-Za-z0-9]+(\.(gz|zst|zstd))?)$/.exec(n);
    if (m && !n.startsWith('.')) count.set(m[1], (count.get(m[1]) ?? 0) + 1);
  }
  const ext = [...count].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? '.csv';
  return `${dir}: is a directory; give the files (or a pattern like ${join(dir, `*${ext}`)})`;
}

/**
 * Expands inputs: plain paths as given (must exist), `*`/`?` patterns in any path segment
 * (for shells that pass them through), sorted for a stable order; a file matched more than
 * once is listed once.
 */
export function expandInputs(inputs: string[], opts: { directories?: boolean } = {}): string[] {
  // An empty list (a library call; the CLI asks for one) said ": no data rows (empty file or
  // header only)", naming no file (found by a library audit).
  if (inputs.length === 0) throw new InputError('no inputs: give at least one file (or a pattern like logs/*.csv)', '');
  const out: string[] = [];
  for (const input of inputs) {
    if (!/[*?]/.test(input)) {
      if (!existsSync(input)) throw new InputError(`${input}: no such file`, input);
      const st = statSync(input);
      if (st.isDirectory() && !opts.directories) throw new InputError(directoryAdvice(input), input);
      // A pipe (`cat log | servegen fit /dev/stdin`, `<(zcat log.gz)`) can be read once only, and
      // an input's first bytes are read before the rest (gzip, format, header): exit 3 with
      // "ESPIPE: invalid seek" (found by review).
      if (st.isFIFO() || st.isSocket()) throw new InputError(`${input}: a pipe; inputs are read more than once (their first bytes, then the rest): save it to a file and give that (gzip and zstd files are read as they are)`, input);
      out.push(input);
      continue;
    }
    const abs = resolve(input);
    const parts = abs.split(sep).filter((p) => p !== '');
    let bases: string[] = [sep];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      const last = i === parts.length - 1;
      const next: string[] = [];
      for (const b of bases) {
        if (!/[*?]/.test(part)) {
          const p = join(b, part);
          if (existsSync(p)) next.push(p);
          continue;
        }
        if (!existsSync(b) || !statSync(b).isDirectory()) continue;
        const re = globToRegExp(part);
        for (const name of readdirSync(b).sort()) {
          if (!re.test(name)) continue;
          const p = join(b, name);
          if (last ? statSync(p).isFile() || (opts.directories && statSync(p).isDirectory()) : statSync(p).isDirectory()) next.push(p);
        }
      }
      bases = next;
    }
    if (bases.length === 0) {
      // A directory missing before the pattern said only "matches no files (in logz)" (found by review).
      const segments = input.split(sep);
      const fixed = segments.slice(0, segments.findIndex((p) => /[*?]/.test(p))).join(sep);
      if (fixed !== '' && !existsSync(fixed)) throw new InputError(`${input}: no such directory ${fixed} (the pattern matches no files)`, input);
      throw new InputError(`${input}: pattern matches no files (in ${dirname(input)})`, input);
    }
    out.push(...bases.sort());
  }
  // A file named twice (a pattern and a path that both match it, or the same path twice) is
  // read once: it was read twice and every request doubled, with exit 0 (found by review).
  // The same file under two names (a symlink, a hard link) is one file too: keyed by device
  // and inode (found by review: logs/today.csv → day-3.csv beside day-*.csv doubled that day).
  const seen = new Set<string>();
  return out.filter((f) => {
    let key = resolve(f);
    try {
      const st = statSync(f, { bigint: true });
      if (st.ino !== 0n) key = `${st.dev}:${st.ino}`;
    } catch {
      // unreadable: its reader names the problem
    }
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
