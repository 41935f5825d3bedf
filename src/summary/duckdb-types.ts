/**
 * The DuckDB engine's option and result types, apart from src/summary/duckdb.ts: they name no
 * type of `@duckdb/node-api` (an optional dependency), so the public declarations that use
 * them (duckdb-api.ts) compile where it is not installed.
 */
import type { InputFormat } from '../io/input.js';
import type { RejectReason } from '../ingest/errors.js';
import type { TraceSummaries } from './types.js';

/** What summarizeWithDuckDB returns. */
export interface DuckDbScanResult {
  summaries: TraceSummaries;
  rowsRead: number;
  rejectsByReason: Partial<Record<RejectReason, number>>;
  files: string[];
  /**
   * How the summaries were computed: one pass streamed from the inputs; one pass from a
   * normalized table in input order (each client's rows in time order, but not the first
   * rows' origin or clock); or one pass over the table sorted by time (rows out of order).
   */
  pass: 'stream' | 'table-stream' | 'sorted-stream';
  /** The time-axis warning the TypeScript engine gives on the same rows (a few rows far from the others), if any. */
  warning?: string;
  /** Clients pooled into `tail` (`poolBelow`). */
  pooled: number;
  /** Whether the inputs have the mapped session_id column (the summaries keep no sessions). */
  sessionColumn?: boolean;
}

/** Options every DuckDB engine takes. */
export interface DuckDbOptions {
  format?: InputFormat;
  threads?: number;
  /** DuckDB's memory_limit (e.g. `512MB`): above it DuckDB spills to a temporary directory. */
  memoryLimit?: string;
  /** Called as each stage of a long scan starts (progress on stderr). */
  onStage?: (text: string) => void;
  /** Threads counting summaries in the one pass (0: the calling thread; default: the cores, up to 8). */
  workers?: number;
  /** Called with the rows read so far as a one-pass scan goes (often: throttle it). */
  onProgress?: (rowsRead: number) => void;
  /**
   * Called with lines for stderr that the TypeScript engine prints too: the unit `auto` chose
   * for numeric timestamps, and a `warning:` when their magnitudes disagree.
   */
  onNote?: (line: string) => void;
  /**
   * Mapped hash_ids: 'read' by this pass (openSource keeps their source: duckdb-prefix.ts), or
   * read 'elsewhere' (a prefix pass beside this scan); unset, left out with a note (ingest).
   */
  hashIds?: 'read' | 'elsewhere';
  /**
   * Count the ids whose digits were lost before they were read (src/ingest/id-digits.ts: one
   * more read of the id columns), said as `warning:` lines through onNote and kept on the
   * source; set by a command's scan, not by the passes beside it (sessions, prefix).
   * `client-later`: the one pass, whose client pre-pass lists the client column's distinct
   * texts anyway, tests the client's ids on those (Source.clientIdDigits) instead of reading a
   * CSV again for them.
   */
  idDigits?: boolean | 'client-later';
}

/** summarizeWithDuckDB's options. */
export type DuckDbSummarizeOptions = DuckDbOptions & { arrivalSeconds: number; lengthSeconds: number; resolution?: number; origin?: number; firstSecond?: boolean; poolBelow?: number };

/** exportScanWithDuckDB's options. */
export type DuckDbExportOptions = DuckDbOptions & {
  arrivalSeconds: number;
  lengthSeconds: number;
  resolution?: number;
  origin?: number;
  beforeWrite?: (scan: { rowsRead: number; rejectsByReason: Partial<Record<RejectReason, number>>; files: string[] }) => void | Promise<void>;
};

/** What exportScanWithDuckDB wrote. */
export interface DuckDbExportResult {
  rowsRead: number;
  rejectsByReason: Partial<Record<RejectReason, number>>;
  files: string[];
  windows: number;
  resolution: number;
  warning?: string;
  spanStart: number;
}
