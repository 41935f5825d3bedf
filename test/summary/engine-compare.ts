/**
 * The two engines on the same inputs, as the acceptance criterion states it: the same rows
 * read, accepted and rejected by reason, the same ingest summary (clients, span, origin,
 * detected unit, sorted, warnings), the same rows written (as a multiset: DuckDB orders equal
 * times otherwise), the same summaries; or both refusing the input. DuckDB's documented
 * refusals (rows its readers cannot split, non-UTF-8 bytes, column names differing only in
 * case) pass when the TypeScript engine counts such rows. Returns the differences found (empty:
 * the engines agree).
 */
import { readFileSync } from 'node:fs';
import { buildSummaries } from '../../src/summary/build.js';
import { ingestFiles, type IngestResult } from '../../src/ingest/ingest.js';
import { IngestError } from '../../src/ingest/errors.js';
import type { Mapping } from '../../src/ingest/mapping.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { DuckDbReadError } from '../../src/summary/duckdb-errors.js';
import { ingestWithDuckDB } from '../../src/summary/duckdb-ingest.js';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { INT_FIELDS, TEXT_FIELDS } from '../../src/ingest/fields.js';
import type { Trace } from '../../src/ingest/trace.js';
import { expectEqualSummaries } from './equal-summaries.js';

const W = { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 0.001 };
const rel = (x: number, y: number) => (x === y ? 0 : Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y)));

/** Rows a DuckDB refusal stands for (README: rows its readers cannot split, bytes that are not UTF-8). */
const UNSPLITTABLE = ['wrong_column_count', 'unparseable_line', 'bad_encoding'] as const;

/** A CSV/TSV file with both `\r\n` and lone `\n` line ends (also inside quoted fields), which DuckDB's sniffer refuses (docs/scale.md). */
function mixedLineEnds(file: string): boolean {
  if (!/\.(csv|tsv)$/.test(file)) return false;
  const text = readFileSync(file, 'latin1');
  return text.includes('\r\n') && /(^|[^\r])\n/.test(text);
}

export interface EngineOutcome {
  /** 'agree' | 'both-refuse' | 'duckdb-refuses-documented' */
  outcome: string;
  differences: string[];
}

/** Each accepted row as a sortable text: time (to 1e-9 relative, via 12 significant digits), client and every other field. */
function rowTexts(trace: Trace): string[] {
  const out: string[] = [];
  for (let i = 0; i < trace.n; i++) {
    const parts = [trace.timestamp[i].toPrecision(12), trace.clientIds[trace.client[i]]];
    for (const f of INT_FIELDS) parts.push(trace.ints[f] ? String(trace.ints[f]![i]) : '-');
    for (const f of TEXT_FIELDS) {
      const t = trace.texts[f];
      parts.push(t && t.index[i] >= 0 ? JSON.stringify(t.values[t.index[i]]) : '-');
    }
    out.push(parts.join('|'));
  }
  return out.sort();
}

export async function compareEngines(files: string[], mapping: Mapping, outDir: string): Promise<EngineOutcome> {
  const differences: string[] = [];
  let ts: IngestResult | undefined;
  let tsErr: unknown;
  try {
    ts = await ingestFiles({ inputs: files, mapping });
  } catch (e) {
    tsErr = e;
  }
  const out = `${outDir}/duck.parquet`;
  let duck: Awaited<ReturnType<typeof ingestWithDuckDB>> | undefined;
  let duckErr: unknown;
  try {
    duck = await ingestWithDuckDB(files, mapping, out, { maxRejectRatio: 1, inputOrder: true, threads: 1 });
  } catch (e) {
    duckErr = e;
  }
  const msg = (e: unknown) => (e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e));
  if (tsErr !== undefined || duckErr !== undefined) {
    if (tsErr !== undefined && duckErr !== undefined) {
      // A refusal is an IngestError (a clear message, exit 2), never another error.
      if (!(tsErr instanceof IngestError)) differences.push(`ts threw ${msg(tsErr)}`);
      if (!(duckErr instanceof IngestError)) differences.push(`duckdb threw ${msg(duckErr)}`);
      return { outcome: 'both-refuse', differences };
    }
    if (tsErr !== undefined) return { outcome: 'ts-only-refuses', differences: [`ts refuses (${msg(tsErr)}), duckdb reads ${JSON.stringify(duck!.summary.rejects_by_reason)} of ${duck!.summary.rows_read}`] };
    const documented =
      duckErr instanceof DuckDbReadError && (UNSPLITTABLE.some((r) => (ts!.summary.rejects_by_reason[r] ?? 0) > 0) || /differs only in case|without case/.test(msg(duckErr)) || (/cannot split/.test(msg(duckErr)) && files.some(mixedLineEnds)));
    // With no accepted row the TypeScript engine returns its counts (the CLI refuses): DuckDB may refuse at once.
    if (documented) return { outcome: 'duckdb-refuses-documented', differences };
    if (ts!.summary.rows_accepted === 0 && /no accepted rows/.test(msg(duckErr))) return { outcome: 'both-refuse', differences };
    return { outcome: 'duckdb-only-refuses', differences: [`duckdb refuses (${msg(duckErr)}), ts reads ${JSON.stringify(ts!.summary.rejects_by_reason)} of ${ts!.summary.rows_read}, accepted ${ts!.summary.rows_accepted}`] };
  }
  const a = ts!.summary;
  const b = duck!.summary;
  for (const k of ['rows_read', 'rows_accepted', 'rows_rejected', 'clients', 'origin', 'duplicate_request_ids', 'sorted'] as const)
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) differences.push(`${k}: ts ${JSON.stringify(a[k])}, duckdb ${JSON.stringify(b[k])}`);
  if (JSON.stringify(a.rejects_by_reason) !== JSON.stringify(b.rejects_by_reason)) differences.push(`rejects_by_reason: ts ${JSON.stringify(a.rejects_by_reason)}, duckdb ${JSON.stringify(b.rejects_by_reason)}`);
  if (rel(a.span_seconds, b.span_seconds) > 1e-9) differences.push(`span_seconds: ts ${a.span_seconds}, duckdb ${b.span_seconds}`);
  if (JSON.stringify(a.detected.timestamp) !== JSON.stringify(b.detected.timestamp)) differences.push(`detected.timestamp: ts ${JSON.stringify(a.detected.timestamp)}, duckdb ${JSON.stringify(b.detected.timestamp)}`);
  if (JSON.stringify(a.warnings ?? []) !== JSON.stringify(b.warnings ?? [])) differences.push(`warnings: ts ${JSON.stringify(a.warnings)}, duckdb ${JSON.stringify(b.warnings)}`);
  if (differences.length > 0 || a.rows_accepted === 0) return { outcome: differences.length ? 'differ' : 'agree', differences };
  // The rows written.
  const back = await ingestFiles({ inputs: [out], mapping: loadPreset('servegen') });
  const x = rowTexts(ts!.trace);
  const y = rowTexts(back.trace);
  const k = x.findIndex((v, i) => v !== y[i]);
  if (k >= 0 || x.length !== y.length) differences.push(`rows: first difference ts ${x[k]} duckdb ${y[k]}`);
  // The summaries.
  try {
    const s = await summarizeWithDuckDB(files, mapping, { ...W, threads: 1 });
    if (s.rowsRead !== a.rows_read) differences.push(`summarize rowsRead ${s.rowsRead} vs ${a.rows_read}`);
    expectEqualSummaries(buildSummaries(ts!.trace, W), s.summaries);
  } catch (e) {
    differences.push(`summaries: ${msg(e).slice(0, 400)}`);
  }
  return { outcome: differences.length ? 'differ' : 'agree', differences };
}
