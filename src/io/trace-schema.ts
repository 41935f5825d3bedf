/**
 * The normalized trace (DESIGN.md): one row per request, canonical snake_case fields,
 * shared by ingest output and generator output.
 */

/** Length columns in canonical order (totals per request). */
export const LENGTH_COLUMNS = [
  'input_tokens',
  'output_tokens',
  'reasoning_tokens',
  'image_count',
  'image_tokens',
  'audio_count',
  'audio_tokens',
  'video_count',
  'video_tokens',
] as const;
export type LengthColumn = (typeof LENGTH_COLUMNS)[number];

/** Column buffers indexed by LENGTH_COLUMNS position; undefined when the trace lacks the column; NaN = absent value. */
export type LengthBuffers = (Float64Array | undefined)[];

/** Text columns besides client_id, in output order. */
export const TEXT_COLUMNS = ['model', 'request_id', 'session_id'] as const;
export type TextColumn = (typeof TEXT_COLUMNS)[number];

/** Integer columns besides the lengths: `turn` (before lengths) and `block_count` (after). */
export const EXTRA_INT_COLUMNS = ['turn', 'block_count'] as const;
export type ExtraIntColumn = (typeof EXTRA_INT_COLUMNS)[number];

/**
 * A batch of trace rows in columnar form, sorted by time. `timestamp` is seconds from the
 * trace origin; `client` indexes the writer's client id list. Optional text and integer
 * columns (ingested traces) use undefined / NaN for absent values.
 */
export interface TraceBatch {
  n: number;
  timestamp: Float64Array;
  client: Int32Array;
  lengths: LengthBuffers;
  texts?: Partial<Record<TextColumn, (string | undefined)[]>>;
  extraInts?: Partial<Record<ExtraIntColumn, Float64Array>>;
  /**
   * Generated session ids in compact form: when set, `texts.session_id[i]` is
   * `<client id>#<sessionNumbers[i]>` (NaN: no session), and text writers may write it from
   * the client's prefix and the number without building the string.
   */
  sessionNumbers?: Float64Array;
  /**
   * Per row, its prompt's block ids (the trace's hash_ids): row i's are
   * `ids[offsets[i] … offsets[i + 1])` (offsets has n + 1 entries; none: no ids). Generated
   * batches hold them as doubles: a long run's ids may pass 2^31.
   */
  hashIds?: { offsets: Int32Array; ids: Int32Array | Float64Array };
}

/** File-level metadata written in a header line (jsonl/csv) or key-value metadata (parquet). */
export interface TraceMeta {
  format: 'servegen-trace';
  version: 1;
  /** ISO time of timestamp 0, or null when unknown/anonymized. */
  origin: string | null;
  [key: string]: unknown;
}

/** Writer layout: the client ids and which columns are present. */
export interface TraceLayout {
  clientIds: readonly string[];
  columns: readonly LengthColumn[];
  texts?: readonly TextColumn[];
  extraInts?: readonly ExtraIntColumn[];
  /** Whether rows carry hash_ids (written last; the block size goes in `meta.block_tokens`). */
  hashIds?: boolean;
  meta: TraceMeta;
}

/** Formats seconds with microsecond precision, fixed 6 decimals (fast path for writers). */
export function formatSeconds(t: number): string {
  const us = Math.round(t * 1e6);
  const neg = us < 0;
  const a = neg ? -us : us;
  const whole = Math.floor(a / 1e6);
  const frac = a - whole * 1e6;
  const f = String(frac);
  return (neg ? '-' : '') + whole + '.' + '000000'.slice(f.length) + f;
}

/**
 * Sets `batch.texts.session_id` from `batch.sessionNumbers`: `<client id>#<n>` (NaN: none),
 * built only when read — the text writers write them from the numbers (found profiling:
 * building and escaping ~1.2 M id strings was 0.5 s of the 1.2 s that labels added to a 3.7 s
 * jsonl run). The last '#' splits an id, so ids of different clients never collide.
 */
export function defineSessionTexts(batch: TraceBatch, clientIds: readonly string[]): void {
  const numbers = batch.sessionNumbers;
  if (!numbers) return;
  let ids: (string | undefined)[] | undefined;
  const texts: NonNullable<TraceBatch['texts']> = batch.texts ?? {};
  Object.defineProperty(texts, 'session_id', {
    enumerable: true,
    configurable: true,
    get: () => (ids ??= Array.from(numbers, (sn, k) => (sn === sn ? `${clientIds[batch.client[k]]}#${sn}` : undefined))),
  });
  batch.texts = texts;
}
