import type { RejectReason } from '../ingest/errors.js';

/**
 * Where a row is within its line, for formats holding several rows per line (OTLP JSON: a
 * span's 1-based index among the line's spans, and its JSON path, made only when a reject needs
 * it). A reader may hand over one object for all its rows: read it during the call only.
 */
export interface RowAt {
  index: number;
  path(): string;
}

/** What a reader hands each row to: raw values per requested key, or a reject. */
export interface RowSink {
  /** `values[k]` is the raw value of requested key k (undefined when absent). `raw()` is the row's text. `at`: where in the line, when a line holds several rows. Returns `true` when the row was accepted (anything else: not known), which a reader may use. */
  row(values: unknown[], line: number, raw: () => string, at?: RowAt): unknown;
  reject(line: number, reason: RejectReason, message: string, raw: string, at?: RowAt): void;
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
  /** What the reader saw that a user should know (the ingest summary's warnings). */
  warnings?: string[];
}

/**
 * JSON text of a value that may hold bigints (INT64 inside a Parquet or Arrow struct, an INT64
 * id kept exact): each printed as its digits. JSON.stringify alone throws on a bigint ("Do not
 * know how to serialize a BigInt", exit 3 for a struct read as a client or a rejected Arrow row
 * with such a struct; found by review), and Number(bigint) rounds ids above 2^53.
 */
export function jsonText(value: unknown): string {
  let big = false;
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v !== 'bigint') return v;
    big = true;
    return `${BIG_MARK}${v}${BIG_MARK}`;
  });
  return big ? text.replace(BIG_RE, '$1') : text;
}

/** Marks a bigint's digits in jsonText's first pass (U+0000 is escaped by JSON.stringify, so a log's own text cannot hold the escaped marker around digits unless it held U+0000 there). */
const BIG_MARK = '\u0000';
const BIG_RE = /"\\u0000(-?\d+)\\u0000"/g;
