/**
 * The DuckDB engine as the public API (summary namespace) exposes it. These declarations name
 * no type of `@duckdb/node-api`, an optional dependency: re-exported from duckdb.ts as they
 * were, every consumer compiling without skipLibCheck and without that package got TS2307 from
 * dist/summary/duckdb.d.ts (found by compiling a program against the installed package). The
 * engine's low-level helpers (connections, scans) stay in duckdb.ts, imported by path.
 */
import type { InputFormat } from '../io/input.js';
import { asIngestError } from '../ingest/errors.js';
import { mappingOf, type MappingInput } from '../ingest/mapping.js';
import * as engine from './duckdb.js';
import { duckdbAvailable as available } from './duckdb-module.js';
import type { DuckDbExportOptions, DuckDbExportResult, DuckDbScanResult, DuckDbSummarizeOptions } from './duckdb-types.js';

/**
 * The engine's call, an input that cannot be opened thrown as the IngestError documented: it
 * was io's InputError, which the library does not export (found by a library audit).
 */
async function reading<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw asIngestError(err);
  }
}

export type { DuckDbExportOptions, DuckDbExportResult, DuckDbOptions, DuckDbScanResult, DuckDbSummarizeOptions } from './duckdb-types.js';

/** Whether the DuckDB engine can run here: `@duckdb/node-api` (optional) is installed and loads. */
export function duckdbAvailable(): boolean {
  return available();
}

/**
 * Window summaries of logs scanned in embedded DuckDB, for logs too large to hold (as
 * buildSummaries gives from an ingested trace; fit them with fit.fitSummaries).
 * @throws IngestError when `@duckdb/node-api` is not installed, or an input cannot be read.
 */
export function summarizeWithDuckDB(inputs: string[], mapping: MappingInput, options: DuckDbSummarizeOptions): Promise<DuckDbScanResult> {
  return reading(() => engine.summarizeWithDuckDB(inputs, mappingOf(mapping), options));
}

/** `summarize --engine duckdb --out DIR`: the scan's results as Parquet in the warehouse layout of docs/scale.md. */
export function exportScanWithDuckDB(inputs: string[], mapping: MappingInput, outDir: string, options: DuckDbExportOptions): Promise<DuckDbExportResult> {
  return reading(() => engine.exportScanWithDuckDB(inputs, mappingOf(mapping), outDir, options));
}

/** The `servegen` metadata of the first input that has it (our own traces), read from headers only. */
export function inputsMeta(inputs: string[], mapping: MappingInput, format?: InputFormat): Promise<Record<string, unknown> | undefined> {
  return reading(() => engine.inputsMeta(inputs, mappingOf(mapping), format));
}

/** A DuckDB memory limit such as `512MB` or `2GiB`. @throws IngestError otherwise. */
export function parseMemoryLimit(text: string): string {
  return engine.parseMemoryLimit(text);
}
