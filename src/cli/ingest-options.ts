import type { Command } from 'commander';
import { INPUT_FORMATS, type InputFormat } from '../io/input.js';
import { ingestFiles, type IngestResult } from '../ingest/ingest.js';
import { readMapping, type Mapping } from '../ingest/mapping.js';
import { loadPreset } from '../ingest/presets.js';
import { writeFileAtomic } from '../io/atomic.js';
import { humanCount, type Reporter } from './progress.js';
import { UsageError } from './errors.js';

export interface IngestCliOptions {
  preset?: string;
  map?: string;
  format?: string;
  rejects?: string;
  maxRejectRatio: string;
}

/** Adds the shared ingest options (same code path for ingest, fit, validate, inspect). */
export function addIngestOptions(cmd: Command, prefix = ''): Command {
  const p = prefix ? `${prefix}-` : '';
  return cmd
    .option(`--${p}preset <name>`, 'mapping preset (servegen ingest --list-presets)')
    .option(`--${p}map <mapping.json>`, 'mapping file: canonical field → source column or dotted path')
    .option(`--${p}format <fmt>`, `input format: ${INPUT_FORMATS.join('|')} (default: from the file name)`);
}

/** Mapping from --preset or --map (exactly one; `fallback` preset when neither). */
export function mappingFrom(opts: { preset?: string; map?: string }, fallback?: string, flagPrefix = ''): Mapping {
  const p = flagPrefix ? `${flagPrefix}-` : '';
  if (opts.preset && opts.map) throw new UsageError(`give --${p}preset or --${p}map, not both`);
  if (opts.preset) return loadPreset(opts.preset);
  if (opts.map) return readMapping(opts.map);
  if (fallback) return loadPreset(fallback);
  throw new UsageError(`give --${p}preset NAME or --${p}map mapping.json (servegen ingest --list-presets lists presets)`);
}

export function parseFormat(text: string | undefined, flag = '--format'): InputFormat | undefined {
  if (text === undefined) return undefined;
  if (!(INPUT_FORMATS as readonly string[]).includes(text)) throw new UsageError(`${flag}: unknown input format ${JSON.stringify(text)}; use one of ${INPUT_FORMATS.join(', ')}`);
  return text as InputFormat;
}

export function parseRatio(text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0 || v > 1) throw new UsageError(`--max-reject-ratio: expected a number in [0, 1], got ${JSON.stringify(text)}`);
  return v;
}

/** Writes rejects as JSON lines (atomic). */
export function writeRejects(path: string, result: IngestResult): void {
  const lines = result.rejects.map((r) => JSON.stringify(r)).join('\n');
  writeFileAtomic(path, lines ? lines + '\n' : '');
}

/** Runs ingest with progress on stderr. */
export async function runIngest(inputs: string[], mapping: Mapping, format: InputFormat | undefined, rep: Reporter): Promise<IngestResult> {
  return ingestFiles({
    inputs,
    mapping,
    format,
    onProgress: (rows, file) => rep.progress(`ingest: ${humanCount(rows)} rows (${file})`),
  });
}

/** One-line ingest summary. */
export function ingestLine(r: IngestResult): string {
  const s = r.summary;
  const reasons = Object.entries(s.rejects_by_reason).map(([k, v]) => `${k} ${v}`).join(', ');
  const ts = s.detected.timestamp;
  return `read ${s.rows_read} rows from ${s.files.length} file(s): ${s.rows_accepted} accepted, ${s.rows_rejected} rejected${reasons ? ` (${reasons})` : ''}; ${s.clients} client(s), span ${s.span_seconds.toFixed(1)} s, timestamps ${ts.unit}${ts.absolute ? `, origin ${s.origin}` : ' (relative)'}${ts.how === 'auto' ? ` [auto: ${ts.reason}]` : ''}${s.duplicate_request_ids ? `; ${s.duplicate_request_ids} duplicate request_id(s)` : ''}${s.sorted ? '' : '; rows were out of order and have been sorted'}`;
}

