import type { RejectReason } from '../ingest/errors.js';

/** What a reader hands each row to: raw values per requested key, or a reject. */
export interface RowSink {
  /** `values[k]` is the raw value of requested key k (undefined when absent). `raw()` is the row's text. */
  row(values: unknown[], line: number, raw: () => string): void;
  reject(line: number, reason: RejectReason, message: string, raw: string): void;
}

/** A requested source key: top-level column plus an optional path inside it (JSON, structs). */
export interface SourceKey {
  column: string;
  path: string[];
}

/** Splits `usage.prompt_tokens` into column `usage` and path [`prompt_tokens`]. */
export function sourceKey(spec: string, dotted: boolean): SourceKey {
  if (!dotted) return { column: spec, path: [] };
  const parts = spec.split('.');
  return { column: parts[0], path: parts.slice(1) };
}

/** Walks a path inside a nested value; undefined when any step is missing. */
export function walkPath(value: unknown, path: string[]): unknown {
  let v = value;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

/** File-level facts a reader found (header metadata of our own traces, columns). */
export interface SourceInfo {
  columns?: string[];
  /** `servegen` metadata from a normalized trace's header line or Parquet metadata. */
  meta?: Record<string, unknown>;
  /** Exact number of rows in the file, when its footer says (Parquet), to size columns once. */
  rows?: number;
}
