import { InputError } from '../io/input.js';
import { parseInstant, sameInstant, secondsBetween } from '../util/instant.js';

/**
 * Input that cannot be ingested at all (unreadable file, wrong format, mapping naming a
 * missing column, …). The CLI prints the message and exits 2 before writing any output.
 * Per-row problems are not errors: they are counted as rejects with a reason.
 */
/** The servegen trace version this tool writes and reads. */
export const TRACE_VERSION = 1;

/**
 * Refuses our own trace written by a newer tool, as a profile of a newer version is refused: its
 * columns were read by this version's rules without a word (found by a new user's walkthrough,
 * h-77: a header with "version": 2 was fitted and validated as version 1).
 */
export function refuseNewerTrace(file: string, meta: Record<string, unknown> | undefined): void {
  if (meta?.format !== 'servegen-trace') return;
  const v = meta.version;
  if (typeof v === 'number' && v > TRACE_VERSION) throw new IngestError(`${file}: servegen trace version ${v} is newer than this tool supports (${TRACE_VERSION}); upgrade servegen-ts`, file, undefined, 'version');
}

export class IngestError extends Error {
  readonly code = 'INGEST_INVALID';
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'IngestError';
  }
}

/** An input that cannot be opened (io's InputError, which the library does not export) as the IngestError the library documents; other errors as they are. */
export function asIngestError(err: unknown): unknown {
  return err instanceof InputError ? new IngestError(err.message, err.file || undefined) : err;
}

/**
 * Inputs with no row to use, as both engines say it (exit 2): no data rows at all, or every
 * row rejected — then with the counts by reason, and `hint` (where to see the rejects).
 */
export function noAcceptedRows(files: string[], rowsRead: number, rejectsByReason: Partial<Record<string, number>>, hint = ''): NoAcceptedRowsError {
  return new NoAcceptedRowsError(files, rowsRead, rejectsByReason, hint);
}

/**
 * Why no row was accepted. Rows the mapping's filter excluded are said apart: "all 5 rows
 * rejected (excluded 5) (use --rejects to see them)" pointed at a --rejects file that holds none
 * of them (found by review); when every row was excluded, the filter is what to look at (and
 * `hint` says what it read: excludedHint in src/cli/ingest-options.ts).
 */
function noRowsWhy(rowsRead: number, byReason: Partial<Record<string, number>>, hint: string): string {
  const excluded = excludedRows(byReason);
  const reasons = Object.entries(byReason)
    .filter(([k]) => excluded === 0 || k !== 'excluded')
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  if (excluded === 0) return `all ${rowsRead} rows rejected (${reasons})${hint}`;
  if (excluded === rowsRead) return `the mapping's filter excluded all ${rowsRead} rows (its texts compared exactly with "keep" or "drop", case included, surrounding whitespace trimmed)${hint}`;
  return `${excluded} of ${rowsRead} rows excluded by the mapping's filter, the other ${rowsRead - excluded} rejected (${reasons})${hint}`;
}

/** noAcceptedRows' error, with what the scan counted (the DuckDB engine's --rejects writes the rows from it). */
export class NoAcceptedRowsError extends IngestError {
  /** validate --engine duckdb: the side whose scan this is (source, generated, baseline); set where the side is opened. */
  side?: string;

  constructor(
    readonly files: string[],
    readonly rowsRead: number,
    readonly rejectsByReason: Partial<Record<string, number>>,
    hint = '',
  ) {
    super(rowsRead === 0 ? `${files.join(', ')}: no data rows (empty file or header only)` : `${files.join(', ')}: no accepted rows: ${noRowsWhy(rowsRead, rejectsByReason, hint)}`, files[0]);
  }
}

/** Reasons a row is rejected; each reject carries one, with file and line. */
export const REJECT_REASONS = [
  'unparseable_line',
  'wrong_column_count',
  'excluded',
  'missing_timestamp',
  'bad_timestamp',
  'missing_duration',
  'bad_duration',
  'bad_number',
  'negative_tokens',
  'bad_encoding',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/**
 * Rows a mapping's filter excluded (`columns.filter`, `keep`): counted with the rejects, but
 * neither written to --rejects nor held against --max-reject-ratio (which is a share of the
 * rows kept).
 */
export function excludedRows(byReason: Partial<Record<string, number>>): number {
  return byReason.excluded ?? 0;
}

export interface Reject {
  file: string;
  line: number;
  /** For a line holding several rows (OTLP JSON): the rejected span's 1-based index among the line's spans. */
  span?: number;
  reason: RejectReason;
  field?: string;
  message: string;
  text: string;
}

/** Whether two origins (ISO strings, or null for relative times) are one instant ("…00Z" and "…00.000Z" are). */
export function sameOrigin(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') {
    const x = parseInstant(a);
    const y = parseInstant(b);
    if (x !== undefined && y !== undefined) return sameInstant(x, y);
  }
  return a === b;
}

/**
 * Seconds from the first trace's origin to this one's, when both engines can read both as one
 * trace by shifting this one's times: both origins absolute instants and the times in
 * seconds (our traces' unit). Undefined otherwise (originMismatch says why not).
 */
export function originShift(first: Record<string, unknown>, meta: Record<string, unknown>, unit: string | undefined): number | undefined {
  const a = typeof first.origin === 'string' ? parseInstant(first.origin) : undefined;
  const b = typeof meta.origin === 'string' ? parseInstant(meta.origin) : undefined;
  if (a === undefined || b === undefined || unit !== 's') return undefined;
  return secondsBetween(b, a);
}

/**
 * Our own traces counting from different origins, read as one trace (both engines): given each
 * file's header (undefined: none) in input order, the earliest origin's file — the first of
 * equal ones — and each file's seconds after it (0 without a header), from the origins to the
 * nanosecond (a generated trace's origin has the digits of its --start: src/util/instant.ts). Undefined when they all count
 * from one origin (or none): nothing moves. Call it once originShift has allowed every pair.
 */
export function originOffsets(metas: readonly (Record<string, unknown> | undefined)[]): { earliest: number; seconds: number[] } | undefined {
  const first = metas.find((m) => m !== undefined);
  if (!first || metas.every((m) => m === undefined || sameOrigin(m.origin, first.origin))) return undefined;
  const at = metas.map((m) => (m !== undefined && typeof m.origin === 'string' ? parseInstant(m.origin) : undefined));
  if (metas.some((m, i) => m !== undefined && at[i] === undefined)) return undefined; // (refused: originMismatch)
  let earliest = -1;
  at.forEach((t, i) => {
    if (t && (earliest < 0 || secondsBetween(t, at[earliest]!) < 0)) earliest = i;
  });
  const from = at[earliest]!;
  return { earliest, seconds: at.map((t) => (t ? secondsBetween(t, from) : 0)) };
}

/** A file without a header read with our own traces counting from different origins (both engines refuse it). */
export function headerlessAmongShifted(file: string): IngestError {
  return new IngestError(`${file}: no servegen header, read with servegen traces counting from different origins: its times count from none of them; read it apart, or ingest it with the others' origin first`, file);
}

/**
 * The error for our own traces with different origins read as one trace (found by review: the
 * second file's times, counted from its own origin, were read as counted from the first's, and
 * its requests moved by the difference without a word). Undefined when the origins agree. Both
 * engines shift absolute origins onto one when the times are read in seconds (originShift,
 * originOffsets); relative times and another unit cannot be.
 */
export function originMismatch(first: { file: string; meta: Record<string, unknown> }, file: string, meta: Record<string, unknown>, unit?: string): IngestError | undefined {
  if (sameOrigin(first.meta.origin, meta.origin)) return undefined;
  const a = typeof first.meta.origin === 'string' ? first.meta.origin : null;
  const b = typeof meta.origin === 'string' ? meta.origin : null;
  const absolute = Number.isFinite(Date.parse(a ?? '')) && Number.isFinite(Date.parse(b ?? ''));
  const by = absolute ? ` (its requests would move by ${((Date.parse(b!) - Date.parse(a!)) / 1000).toFixed(3)} s)` : '';
  const why = !absolute
    ? `times from two origins cannot be one trace${by}; read them apart, or summarize each with the same --origin and fit --summaries`
    : `times from two origins are put on one only when read in seconds, as our traces are written, and the mapping reads them as ${unit ?? 'auto'}${by}; give "timestamp": {"unit": "s"} (or --preset servegen)`;
  return new IngestError(`${file}: a servegen trace counting from origin ${b ?? 'none (relative times)'}, read with ${first.file}, counting from ${a ?? 'none (relative times)'}: ${why}`, file);
}
