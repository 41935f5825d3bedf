import { extname } from 'node:path';
import type { TraceBatch, TraceLayout } from './trace-schema.js';

/**
 * Output formats for traces. `mooncake` is the Mooncake replay jsonl (ms timestamps), `vidur`
 * the Vidur simulator's trace-replay CSV, `azure` the Azure LLM inference trace CSV, `splitwise`
 * Splitwise's simulator trace CSV: replay formats, which `generate` writes and `ingest` does not
 * (they carry no client).
 */
export const TRACE_FORMATS = ['jsonl', 'csv', 'parquet', 'arrow', 'mooncake', 'vidur', 'azure', 'splitwise'] as const;

/** The file extension a format's files take (replay formats: their container's). */
export function formatExtension(format: TraceFormat): string {
  return format === 'mooncake' ? 'jsonl' : format === 'vidur' || format === 'azure' || format === 'splitwise' ? 'csv' : format;
}
export type TraceFormat = (typeof TRACE_FORMATS)[number];

/** Streaming writer of trace batches. Nothing appears at the target path until `close()`. */
export interface TraceWriter {
  write(batch: TraceBatch): Promise<void>;
  /** Flushes and atomically moves the file into place; returns rows written. */
  close(): Promise<number>;
  /** Discards the partial output. */
  abort(): void;
}

/**
 * Why an output may not have its name: a compression suffix for text written uncompressed
 * (`gzipWritten`: a profile, gzipped when named `.gz`). The CLI refuses such names as flags;
 * the library wrote plain text under them (`writeTrace(t, 'x.jsonl.gz', 'jsonl')`), which
 * gunzip and every other reader refuse (found by a library audit). Undefined when the name is fine.
 */
export function compressedNameProblem(path: string, gzipWritten = false): string | undefined {
  const m = /\.(gz|zst|zstd)$/i.exec(path);
  if (!m || (gzipWritten && m[1].toLowerCase() === 'gz')) return undefined;
  return `${path}: would be written uncompressed (servegen writes ${gzipWritten ? 'a profile gzipped when named .gz, and no zstd' : 'traces uncompressed'}); name it without .${m[1]}`;
}

/** Format implied by a file name (`.jsonl`, `.csv`, `.parquet`, `.arrow`), or undefined. */
export function formatFromPath(path: string): TraceFormat | undefined {
  const ext = extname(path).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.csv') return 'csv';
  if (ext === '.parquet') return 'parquet';
  if (ext === '.arrow' || ext === '.feather' || ext === '.ipc') return 'arrow';
  return undefined;
}

export type TraceWriterFactory = (path: string, layout: TraceLayout) => TraceWriter;
