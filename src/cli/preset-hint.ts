import { existsSync } from 'node:fs';
import type { IngestError } from '../ingest/errors.js';
import { presetsFitting } from '../ingest/presets.js';
import { headColumns } from '../io/head-columns.js';
import { CANONICAL_FIELDS } from '../ingest/fields.js';

/** The columns of a normalized trace (the servegen preset's). */
const SERVEGEN_COLUMNS: ReadonlySet<string> = new Set(CANONICAL_FIELDS.filter((f) => f !== 'duration' && f !== 'filter'));

const QUOTED = '"(?:[^"\\\\]|\\\\.)*"';
const QUOTED_LIST = `${QUOTED}(?:, ${QUOTED})*`;

/**
 * For a log read with a mapping whose columns it lacks (a wrong preset, or none: then it is
 * read as our own trace format), the shipped preset whose columns it has:
 * `; its columns fit the preset azure-llm-2023`. Found by a new user's walkthrough: the Azure,
 * BurstGPT and Mooncake logs without --preset (or with another log's) were told only to "give
 * --preset NAME". The columns come from the error's own list (every engine and format names
 * them) or, for "not a servegen trace", from the file's first line. Empty when none fits.
 */
export function presetHint(err: IngestError): string {
  const msg = err.message;
  if (!/mapping names columns? |not a servegen trace \(no servegen header\)/.test(msg)) return '';
  const listed = new RegExp(`\\((?:columns|keys of the first row): (${QUOTED_LIST})\\)`).exec(msg);
  let columns: string[] | undefined;
  try {
    columns = listed ? (JSON.parse(`[${listed[1]}]`) as string[]) : err.file !== undefined && existsSync(err.file) ? headColumns(err.file) : undefined;
  } catch {
    return '';
  }
  if (!columns) return '';
  // Our own trace (ingest's or generate's output) read with a log's preset: `fit trace.parquet
  // --preset azure-llm-2023` after ingesting with it named the Azure columns the trace lacks,
  // and no preset fits (servegen's is left out below; found by a new user's review).
  if (listed && columns.includes('timestamp') && columns.every((c) => SERVEGEN_COLUMNS.has(c))) {
    return "; its columns are a servegen trace's (ingest and generate write them): read it with no preset or mapping (the preset servegen if it has no servegen header)";
  }
  const fits = presetsFitting(columns);
  return fits.length === 0 ? '' : `; its columns fit the preset ${fits[0]}`;
}

