import { statSync } from 'node:fs';
import { wrongKindHint } from '../io/file-kind.js';
import { readCsv } from '../io/from-csv.js';
import { readJsonl } from '../io/from-jsonl.js';
import { readOtlpJson } from '../io/from-otlp-json.js';
import { compressionOf, expandInputs, formatReason, INPUT_FORMATS, inputFormatOf, jsonLinesReadAsCsv, openByteStream, openRandomAccess, readAllBytes, type InputFormat } from '../io/input.js';
import type { RowSink, SourceInfo } from '../io/row-source.js';
import { asIngestError, headerlessAmongShifted, IngestError, noAcceptedRows, originMismatch, originOffsets, originShift, refuseNewerTrace, REJECT_REASONS, sameOrigin, type Reject, type RejectReason } from './errors.js';
import { csvDelimiter, mappingOf, missingCoalesce, missingCoalesceError, missingCoalescePathsError, missingPathError, withoutHashIds, type Mapping, type MappingInput } from './mapping.js';
import { badHashIdsNote, blockSizeWarning, TraceBuilder, type IngestSummary } from './normalize.js';
import { timeAxisWarning } from './time-axis.js';
import type { Trace } from './trace.js';
import { idDigitsWarnings } from './id-digits.js';
import { gzipDamageMessage } from '../io/gzip-damage.js';
import { ZstdDataError, zstdDamageMessage } from '../io/zstd.js';

export interface IngestOptions {
  inputs: string[];
  /** readMapping(file), loadPreset(name), or one written inline (validated here, as parseMapping does). */
  mapping: MappingInput;
  /** Overrides the format implied by file names and the mapping. */
  format?: InputFormat;
  /** Called every ~64k rows and at the end of each file. */
  onProgress?: (rowsRead: number, file: string) => void;
}

export interface IngestResult {
  trace: Trace;
  summary: IngestSummary;
  rejects: Reject[];
  /** `servegen` metadata found in the inputs' headers (our own traces). */
  meta?: Record<string, unknown>;
  /** The first 5 distinct filter texts of the rows the mapping's filter excluded (which are not kept as rejects). */
  excludedTexts?: string[];
}

/** Picks the format of one input: --format, else OTLP JSON by content, else its name, else the mapping's `format` (inputFormatOf). */
export function resolveFormat(file: string, override: InputFormat | undefined, mapping: Mapping): InputFormat {
  const f = inputFormatOf(file, override, mapping.format);
  if (!f && /\.(xlsx|xlsm|xls|ods|numbers)$/i.test(file)) throw new IngestError(`${file}: a spreadsheet workbook, which is not read: export it as CSV (or Parquet) from the spreadsheet program first`, file);
  if (!f) throw new IngestError(wrongKindHint(file, 'trace') ?? `${file}: cannot tell the format from the name; use --format ${INPUT_FORMATS.join('|')}`, file);
  return f;
}

/**
 * Reads one or more inputs (files or patterns) into one normalized trace. Every row read is
 * accepted or rejected with a reason: rows_read = rows_accepted + rows_rejected.
 * @throws IngestError (exit 2) when an input cannot be read at all, before any output.
 */
export async function ingestFiles(given: IngestOptions): Promise<IngestResult> {
  const options = { ...given, mapping: mappingOf(given.mapping) };
  const files = inputFiles(options.inputs);
  const builder = new TraceBuilder(options.mapping);
  const read = await readInputs(files, options, builder);
  const { formats, rowsRead } = read;
  let meta = read.meta;
  if (rowsRead === 0) throw noAcceptedRows(files, 0, {});
  // Our own traces counting from different origins count from the earliest (every time ≥ 0, as
  // in any trace), each row's time moved once by its file's offset from it, and the earliest's
  // header is the trace's (validate takes a generated trace's --start from it: found by review).
  // (the DuckDB engine puts them on one origin by the same offsets: src/summary/duckdb.ts)
  const offsets = read.parts.some((p) => p.seconds !== 0) ? originOffsets(read.parts.map((p) => p.meta)) : undefined;
  const earliest = offsets ? read.parts[offsets.earliest] : undefined;
  const after = (p: FilePart) => (offsets ? offsets.seconds[read.parts.indexOf(p)] : 0);
  const shifts = read.parts.filter((p) => after(p) !== 0 && p.to > p.from).map((p) => ({ from: p.from, to: p.to, seconds: after(p) }));
  if (earliest) meta = earliest.meta;
  const { trace, timestamp, sorted, warnings } = builder.finish({ metaOrigin: typeof meta?.origin === 'string' && Number.isFinite(Date.parse(meta.origin)), shifts });
  // Our own traces carry their origin in the header: keep it.
  if (trace.origin === null && meta && typeof meta.origin === 'string') trace.origin = meta.origin;
  // And the size of their hash_ids' blocks (a mapping's block_tokens says it for other logs).
  const bt = meta?.block_tokens;
  if (trace.hashIds && options.mapping.block_tokens === undefined && typeof bt === 'number' && Number.isSafeInteger(bt) && bt > 0) trace.hashIds.blockTokens = bt;
  const notes: string[] = [];
  if (earliest) {
    const later = read.parts.filter((p) => after(p) !== 0).map((p) => `${p.file} +${after(p)} s`);
    notes.push(`traces counting from different origins are counted from the earliest, ${trace.origin} (${earliest.file}'s): ${later.join(', ')}`);
  }
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < trace.n; i++) {
    const t = trace.timestamp[i];
    if (t < min) min = t;
    if (t > max) max = t;
  }
  const summary: IngestSummary = {
    files,
    rows_read: rowsRead,
    rows_accepted: trace.n,
    rows_rejected: builder.rejectedTotal,
    // In REJECT_REASONS order (as the DuckDB engine lists them), not in order of first occurrence.
    rejects_by_reason: Object.fromEntries(REJECT_REASONS.filter((r) => builder.rejectCounts[r] !== undefined).map((r) => [r, builder.rejectCounts[r]])),
    clients: trace.clientIds.length,
    span_seconds: trace.n > 0 ? max - min : 0,
    origin: trace.origin,
    detected: { timestamp, formats },
    duplicate_request_ids: builder.duplicateRequestIds,
    sorted,
  };
  const axis = timeAxisWarning(trace.timestamp, trace.origin, options.mapping.timestamp?.marks === 'end');
  if (axis) warnings.push(axis);
  warnings.push(...read.readerWarnings);
  // Ids whose digits were lost before they were read (the DuckDB engine says them last too).
  warnings.push(...idDigitsWarnings(builder.idDigits.found()));
  if (warnings.length > 0) summary.warnings = warnings;
  // hash_ids, which the DuckDB engine reads in a pass of its own (duckdb-prefix.ts, which says
  // the same): notes, not warnings, whose lists the engines' scans must give alike.
  const bad = badHashIdsNote(builder.hashIdsBad);
  if (bad) notes.push(bad);
  const blocks = blockSizeWarning(trace);
  if (blocks) notes.push(blocks);
  // Our traces with blocks of other sizes read together: one size is kept (found by review: the
  // first header's, without a word). A mapping's block_tokens says which.
  if (trace.hashIds && options.mapping.block_tokens === undefined) {
    const sizes = [...new Set(read.parts.filter((p) => p.rows > 0).map((p) => p.meta?.block_tokens).filter((b) => typeof b === 'number'))];
    if (sizes.length > 1) notes.push(`hash_ids: the inputs' headers give blocks of ${sizes.join(', ')} tokens; the trace keeps ${trace.hashIds.blockTokens} for all (give "block_tokens" in a mapping to choose, or read traces of one block size together)`);
  }
  if (notes.length > 0) summary.notes = notes;
  return { trace, summary, rejects: builder.rejects, meta, ...(builder.excludedTexts.length ? { excludedTexts: builder.excludedTexts } : {}) };
}

/** The inputs' files (patterns expanded); an input that is not there is an IngestError. */
function inputFiles(inputs: string[]): string[] {
  try {
    return expandInputs(inputs);
  } catch (err) {
    throw asIngestError(err);
  }
}

/** What collectRejects found: every rejected row (up to the builder's cap, as ingestFiles keeps), counted by reason. */
export interface CollectedRejects {
  files: string[];
  rowsRead: number;
  rejects: Reject[];
  rejectsByReason: Partial<Record<RejectReason, number>>;
  rejected: number;
}

/**
 * Reads the inputs as ingestFiles does — the same readers, checks, reasons, lines and texts —
 * keeping only the rejected rows: memory does not grow with the accepted ones. The DuckDB
 * engine's `--rejects` (it counts rejects in SQL but cannot give their lines or original text).
 */
export async function collectRejects(given: IngestOptions): Promise<CollectedRejects> {
  // (without hash_ids: the DuckDB engine, whose rejects these are, does not read them)
  const options = { ...given, mapping: withoutHashIds(mappingOf(given.mapping)) };
  const files = inputFiles(options.inputs);
  const builder = new TraceBuilder(options.mapping, { keepRows: false });
  const { rowsRead } = await readInputs(files, options, builder);
  const rejectsByReason = Object.fromEntries(REJECT_REASONS.filter((r) => builder.rejectCounts[r] !== undefined).map((r) => [r, builder.rejectCounts[r]]));
  return { files, rowsRead, rejects: builder.rejects, rejectsByReason, rejected: builder.rejectedTotal };
}

/** Reads every input into the builder, file by file in order; what each file's format was, the rows read, our own traces' metadata. */
async function readInputs(files: string[], options: IngestOptions & { mapping: Mapping }, builder: TraceBuilder): Promise<{ formats: Record<string, string>; rowsRead: number; meta?: Record<string, unknown>; metaFile?: string; parts: FilePart[]; readerWarnings: string[] }> {
  // Estimate the total row count from the bytes behind the first rows, so the columns can be
  // sized once (peak memory ≈ one copy of the trace) instead of grown.
  let totalBytes = 0;
  for (const f of files) totalBytes += statSync(f).size;
  let bytesSeen = 0;
  let bytesDone = 0;
  let reserved = false;
  const anyCompressed = files.some((f) => compressionOf(f) !== undefined);
  const onRawBytes = (n: number) => {
    bytesSeen += n;
  };
  const formats: Record<string, string> = {};
  let rowsRead = 0;
  let meta: Record<string, unknown> | undefined;
  let metaFile: string | undefined;
  // Each file's accepted rows and header: our own traces counting from other origins than the
  // first one's are put on one by ingestFiles (`seconds`: from the first's origin to the file's).
  const parts: FilePart[] = [];
  const readerWarnings: string[] = [];
  for (const file of files) {
    const format = resolveFormat(file, options.format, options.mapping);
    formats[file] = format;
    builder.setFile(file, format === 'csv' || format === 'tsv' || format === 'jsonl');
    const part: FilePart = { file, from: builder.accepted, to: builder.accepted, seconds: 0, rows: 0 };
    parts.push(part);
    const dotted = format !== 'csv' && format !== 'tsv';
    const keys = builder.keysFor(dotted);
    const optional = builder.optionalColumns(dotted);
    // Dotted paths of required fields that no row of this file has resolved yet. A missing
    // top-level column stops ingest (the readers check it), but a typo below it
    // (`usage.prompt_tokns`) left the field absent from every row with exit 0 (found by review).
    let unresolved = builder.requiredPathSlots(dotted);
    // Required coalesces none of whose sources a row of this file has had yet (found by the
    // engines' fuzzer: {"coalesce": ["meta.model", "out"]} with "meta" there but no "meta.model"
    // and no "out" read the field as absent; DuckDB refused it).
    let coalesces = builder.requiredCoalesceSlots(dotted);
    let rowsInFile = 0;
    let sinceProgress = 0;
    const sink: RowSink = {
      row(values, line, raw, at) {
        rowsRead++;
        rowsInFile++;
        if (unresolved.length > 0) {
          for (const u of unresolved) {
            if (values[u.slot] !== undefined) {
              unresolved = unresolved.filter((v) => values[v.slot] === undefined);
              break;
            }
          }
        }
        if (coalesces.length > 0) coalesces = coalesces.filter((g) => !g.slots.some((k) => values[k] !== undefined));
        const accepted = builder.row(values, line, raw, at);
        if (++sinceProgress === 65536) {
          sinceProgress = 0;
          options.onProgress?.(rowsRead, file);
          if (!reserved && rowsRead >= 262144 && bytesSeen > 0) {
            reserved = true;
            // Disk reads run up to 1 MiB ahead of the rows handed over (much more for gzip or
            // zstd, where 1 MiB is several of text), so rows/byte is underestimated: add a margin.
            // Overshoot costs idle capacity; undershoot costs one copy at the end.
            const margin = anyCompressed ? 1.35 : 1.08;
            builder.reserve(Math.ceil((rowsRead / bytesSeen) * totalBytes * margin) + 65536);
          }
        }
        return accepted;
      },
      reject(line, reason, message, raw, at) {
        rowsRead++;
        builder.rejectRow(line, reason, message, raw, at);
      },
    };
    const onInfo = (info: SourceInfo) => {
      if (info.warnings) readerWarnings.push(...info.warnings);
      if (info.columns) {
        const missing = missingCoalesce(options.mapping, info.columns, dotted);
        if (missing) throw missingCoalesceError(file, missing, info.columns);
      }
      refuseNewerTrace(file, info.meta);
      if (info.meta) part.meta = info.meta;
      // Our own trace's hash_ids are numbered from 0 in each file, not hashes shared across files.
      if (info.meta?.format === 'servegen-trace') builder.hashIdsLocalToFile();
      if (info.meta && !meta) {
        meta = info.meta;
        metaFile = file;
      } else if (info.meta && meta && !sameOrigin(info.meta.origin, meta.origin)) {
        const seconds = originShift(meta, info.meta, options.mapping.timestamp?.unit);
        if (seconds === undefined) throw originMismatch({ file: metaFile!, meta }, file, info.meta, options.mapping.timestamp?.unit)!;
        part.seconds = seconds;
      }
      if (info.rows !== undefined && !reserved) {
        // The footer gives this file's exact row count; later files are estimated at its rows/byte.
        reserved = true;
        const size = statSync(file).size;
        const later = totalBytes - bytesDone - size;
        builder.reserve(rowsRead + info.rows + Math.ceil(later > 0 && size > 0 ? (info.rows / size) * later * 1.08 : 0));
      }
    };
    try {
      switch (format) {
        case 'csv':
        case 'tsv': {
          const json = jsonLinesReadAsCsv(file, format, formatReason(file, options.format, options.mapping.format));
          if (json) throw new IngestError(json, file, 1);
          await readCsv(file, openByteStream(file, onRawBytes), csvDelimiter(format, options.mapping), keys.map((k) => k.column), sink, onInfo, optional, builder.numericSlots());
          break;
        }
        case 'jsonl':
          await readJsonl(file, openByteStream(file, onRawBytes), keys, sink, onInfo, optional);
          break;
        case 'otlp-json':
          await readOtlpJson(file, openByteStream(file, onRawBytes), keys, sink, onInfo, optional);
          break;
        case 'parquet':
          bytesSeen += statSync(file).size;
          {
            const source = await openRandomAccess(file);
            try {
              await (await import('../io/from-parquet.js')).readParquet(file, source, keys, sink, onInfo, optional, builder.exactSlots());
            } finally {
              source.close();
            }
          }
          break;
        case 'arrow':
          bytesSeen += statSync(file).size;
          await (await import('../io/from-arrow.js')).readArrow(file, await readAllBytes(file), keys, sink, onInfo, optional, builder.exactSlots());
          break;
        default: {
          const never: never = format;
          throw new IngestError(`${file}: unsupported format ${String(never)}`, file);
        }
      }
    } catch (err) {
      if (err instanceof IngestError) throw err;
      if (err instanceof ZstdDataError) throw new IngestError(zstdDamageMessage(file, err.reason), file);
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'Z_BUF_ERROR' || e.code === 'Z_DATA_ERROR' || /unexpected end of file|incorrect header check/i.test(e.message ?? '')) {
        throw new IngestError(await gzipDamageMessage(file, e.message), file);
      }
      if (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR') throw new IngestError(`${file}: cannot read (${e.code})`, file);
      throw err;
    }
    if (rowsInFile > 0 && unresolved.length > 0) throw missingPathError(file, unresolved[0].field, builder.specs[unresolved[0].slot]);
    if (rowsInFile > 0 && coalesces.length > 0) throw missingCoalescePathsError(file, coalesces[0].field, coalesces[0].slots.map((k) => builder.specs[k]));
    options.onProgress?.(rowsRead, file);
    bytesDone += statSync(file).size;
    part.to = builder.accepted;
    part.rows = rowsInFile;
  }
  readerWarnings.push(...sameContentWarnings(parts, builder));
  // A file without a header, read with traces put on one origin, has no origin of its own to be
  // put there from (found by review: its rows landed at the first header's origin, which moved
  // with the order of the files).
  const bare = parts.find((p) => !p.meta && p.rows > 0);
  if (bare && parts.some((p) => p.seconds !== 0)) throw headerlessAmongShifted(bare.file);
  return { formats, rowsRead, meta, metaFile, parts, readerWarnings };
}

/**
 * A warning for each input whose accepted rows are another input's, row for row: one log given
 * twice under other names (`logs/*.csv*` matching `day1.csv` and its `gzip -k` copy
 * `day1.csv.gz`, a backup copy), which no path or inode check sees. Every request of it was
 * counted twice, with exit 0 (found by a new user's review). Files are compared only when their
 * counts of rows read and accepted are equal, and stop at the first row that differs.
 */
function sameContentWarnings(parts: readonly FilePart[], builder: TraceBuilder): string[] {
  const out: string[] = [];
  const twin = new Set<FilePart>();
  for (let j = 1; j < parts.length; j++) {
    const b = parts[j];
    const n = b.to - b.from;
    if (n < 2) continue;
    // (our own traces of other origins, a day each, may hold the same times from their origins: not one log)
    const a = parts.slice(0, j).find((p) => !twin.has(p) && p.rows === b.rows && p.to - p.from === n && p.seconds === b.seconds && p.meta?.origin === b.meta?.origin && builder.sameRows(p.from, b.from, n));
    if (a === undefined) continue;
    twin.add(b);
    out.push(`${b.file} holds the same ${n} accepted rows as ${a.file} (times, clients and lengths, in the same order): the log was given twice and every request of it is counted twice; give one of them`);
  }
  return out;
}

/** One input file's accepted rows [from, to) in the builder, its header, and its origin's offset from the first header's. */
interface FilePart {
  file: string;
  from: number;
  to: number;
  rows: number;
  meta?: Record<string, unknown>;
  seconds: number;
}
