import { INT_FIELDS, TEXT_FIELDS, type CanonicalField, type IntField, type TextField } from './fields.js';
import type { FieldSource, Mapping } from './mapping.js';
import { checkEndTimes, checkFilter, dropTexts, filterMatches, keepTexts, parseTimezone, type FilterList, type TimestampUnit } from './mapping.js';
import type { Reject, RejectReason } from './errors.js';
import { detectNumericUnit, isEpoch, originIsoOf, parseIsoSeconds, UNIT_SECONDS } from './timestamp.js';
import { magnitudeCounts, mixedUnitWarning } from './time-axis.js';
import { Dictionary, GrowableF64, GrowableI32, type HashIds, type Trace } from './trace.js';
import { jsonText, sourceKey, type RowAt, type SourceKey } from '../io/row-source.js';
import { hasBadBytes } from '../io/utf8.js';
import { exactTwinList, longIntegerText, quoteLongIntegers } from '../io/json-text.js';
import { IdDictionary } from './id-dictionary.js';
import { PrefixIds } from './prefix-ids.js';
import { exponentPastExact, floatPastExact, ID_DIGIT_FIELDS, IdDigitsTally, type IdDigitField } from './id-digits.js';
import { columnsRowContent, orderRows, PREFIX_TIE_INTS, type RowContent } from './row-order.js';
import type { PreciseDate } from '../io/parquet-flat.js';

/** How a mapped field reads its raw value(s) from the per-row values array. */
type Extract =
  | { kind: 'one'; slot: number }
  | { kind: 'join'; slots: number[]; sep: string }
  | { kind: 'coalesce'; slots: number[] }
  | { kind: 'const'; value: string | number }
  | { kind: 'length'; slot: number };

/** What the timestamp column turned out to be, reported in the summary. */
export interface TimestampDetection {
  unit: 's' | 'ms' | 'us' | 'ns' | 'iso';
  absolute: boolean;
  how: 'mapping' | 'auto';
  reason: string;
}

/** Summary of an ingest run (also written by --summary). */
export interface IngestSummary {
  files: string[];
  rows_read: number;
  rows_accepted: number;
  rows_rejected: number;
  rejects_by_reason: Partial<Record<RejectReason, number>>;
  clients: number;
  span_seconds: number;
  origin: string | null;
  detected: { timestamp: TimestampDetection; formats: Record<string, string> };
  duplicate_request_ids: number;
  sorted: boolean;
  /** When the time axis looks wrong (src/ingest/time-axis.ts): one line each; absent when none. */
  warnings?: string[];
  /** What was done that the user should know (our own traces shifted onto one origin); absent when none. */
  notes?: string[];
}

/** ASCII whitespace: space, tab, LF, VT, FF, CR (what DuckDB's trim and number casts skip too). */
const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);

/** `s` without surrounding ASCII whitespace (not String.trim: it also strips Unicode spaces, which the DuckDB engine keeps). */
function asciiTrim(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s.charCodeAt(a))) a++;
  while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

function isBlank(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v !== 'string') return false;
  if (v.length === 0) return true;
  // Only strings that start with whitespace can be blank.
  return isSpace(v.charCodeAt(0)) && asciiTrim(v) === '';
}

/** Trims only when needed (most values have no surrounding whitespace). */
export function trimmed(s: string): string {
  const n = s.length;
  if (n === 0) return s;
  return isSpace(s.charCodeAt(0)) || isSpace(s.charCodeAt(n - 1)) ? asciiTrim(s) : s;
}

/** A token count's value for a message: text as the log writes it (trimmed), else the number read. */
function asWritten(v: unknown, x: number): string {
  return typeof v === 'string' ? trimmed(v).slice(0, 40) : typeof v === 'bigint' ? v.toString() : String(x);
}

/**
 * A non-blank text value as text: strings without surrounding ASCII whitespace; objects and
 * arrays (JSON lines of mixed types) as JSON, as the DuckDB engine reads them, not
 * "[object Object]" or "1,2"; a date-time (a Parquet DATE or TIMESTAMP column) as its ISO UTC
 * text; other values as String() prints them.
 */
function textValue(v: unknown): string {
  if (typeof v === 'string') return trimmed(v);
  // (String(date) is the machine's time zone's text: a client read from a DATE column was
  // "Wed May 01 2024 06:00:00 GMT-0400 (Eastern Daylight Time)" on one machine and another text
  // on the next, found by the row filter's review. The DuckDB engine prints its own text.)
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? String(v) : (v as PreciseDate).textKind ? dateText(v) : isoText(v);
  return v !== null && typeof v === 'object' ? jsonText(v) : String(v);
}

/**
 * A date-time's ISO UTC text, with a Parquet timestamp's micro- or nanoseconds (toISOString
 * stops at milliseconds: request ids 10:00:00.123456 and .123457 read as one; found by review).
 */
function isoText(d: PreciseDate): string {
  const iso = d.toISOString();
  const f = d.fraction;
  if (f === undefined || f.length <= 3) return iso;
  // The digits past the milliseconds, without trailing zeros (10:00:00.5 stays .500Z); only where
  // the Date's milliseconds are the fraction's first digits (before 1970 they may not be).
  const more = f.slice(3).replace(/0+$/, '');
  return more === '' || iso.length !== 24 || iso.slice(20, 23) !== f.slice(0, 3) ? iso : `${iso.slice(0, 23)}${more}Z`;
}

/**
 * A Parquet date-time read as text the way the DuckDB engine reads it (CAST … AS VARCHAR, time
 * zone UTC): DATE `2024-05-01`, TIMESTAMP `2024-05-01 10:00:00.5` (the stored fraction without
 * trailing zeros), TIMESTAMP WITH TIME ZONE the same with `+00`. A filter `"keep":
 * ["2024-05-01"]` kept the rows in one engine and none in the other (found by review). Years
 * outside 0–9999, and sub-millisecond times before 1970, keep their ISO text (isoText).
 */
function dateText(d: PreciseDate): string {
  const iso = d.toISOString();
  if (iso.length !== 24) return isoText(d);
  if (d.textKind === 'date') return iso.slice(0, 10);
  const f = d.fraction ?? iso.slice(20, 23);
  if (d.fraction !== undefined && iso.slice(20, 23) !== f.slice(0, 3).padEnd(3, '0')) return isoText(d);
  const frac = f.replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac ? `.${frac}` : ''}${d.textKind === 'timestamptz' ? '+00' : ''}`;
}

export const NUMERIC_RE = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * Whether `s`, which Number() already read as finite, is a plain decimal (NUMERIC_RE) —
 * without running the regex on every row: a string Number() accepts that starts with a
 * digit, sign or dot and ends with a digit or dot is decimal unless it is 0x/0b/0o.
 */
/** A trimmed text as a number when it is a plain decimal, else NaN. */
function decimalOf(s: string): number {
  const x = +s;
  return s !== '' && x === x && (x === Infinity || x === -Infinity || plainDecimal(s)) ? x : NaN;
}

export function plainDecimal(s: string): boolean {
  const a = s.charCodeAt(0);
  const z = s.charCodeAt(s.length - 1);
  if (((a >= 48 && a <= 57) || a === 45 || a === 43 || a === 46) && ((z >= 48 && z <= 57) || z === 46)) {
    if (a !== 48 || s.length < 3) return true;
    const c = s.charCodeAt(1) | 32;
    return c !== 120 && c !== 98 && c !== 111;
  }
  return NUMERIC_RE.test(s);
}

/** What a bad_timestamp's value was read as, in words (it said "as a iso timestamp", "as a s timestamp"). */
const TS_UNIT_WORDS: Record<Exclude<TimestampUnit, 'auto'> | 'number' | 'date-time', string> = {
  s: 'a timestamp in seconds',
  ms: 'a timestamp in milliseconds',
  us: 'a timestamp in microseconds',
  ns: 'a timestamp in nanoseconds',
  iso: 'an ISO date-time (YYYY-MM-DD[Thh:mm[:ss[.f]]][zone])',
  number: 'a numeric timestamp',
  'date-time': 'a date-time (YYYY-MM-DD[Thh:mm[:ss[.f]]][zone])',
};

/** (Defined with the row order it sets, src/ingest/row-order.ts.) */
export { PREFIX_TIE_INTS };

/**
 * A bad timestamp's message: the value and what it was read as, and for the access-log form
 * (`07/Dec/2024:14:00:03 +0000`: nginx's `$time_local`, Apache's `%t`), which no unit reads, what
 * to log instead. A gateway log of such times had every row "cannot read … as a date-time
 * timestamp", which said neither the form expected nor what to do (found by a new user's review).
 */
export function badTimestampMessage(value: unknown, unit: keyof typeof TS_UNIT_WORDS, column?: string): string {
  const text = String(value);
  // The column's own name: a header line among the rows, as `cat day-*.csv > all.csv` leaves one
  // per file joined (found by a new user's review).
  if (column !== undefined && text.trim() === column) {
    return `cannot read ${JSON.stringify(text).slice(0, 60)} as ${TS_UNIT_WORDS[unit]}: the timestamp column's own name, a header line among the rows (files joined with cat? give them as inputs of their own)`;
  }
  const clf = /^\[?\d{1,2}\/[A-Za-z]{3}\/\d{4}:\d{2}:\d{2}:\d{2}/.test(text.trim())
    ? "; the access-log form (nginx's $time_local) is not read: log $time_iso8601 or $msec"
    : '';
  return `cannot read ${JSON.stringify(text).slice(0, 60)} as ${TS_UNIT_WORDS[unit]}${clf}`;
}

/**
 * Turns raw rows into a columnar trace. Every row is either accepted or rejected with a
 * reason (the caller counts rows read); fields the mapping does not name stay absent.
 */
export class TraceBuilder {
  /** Source specs (column names or dotted paths) in value-slot order. */
  readonly specs: string[] = [];
  private readonly extract = new Map<CanonicalField, Extract>();
  private readonly ts = new GrowableF64();
  private readonly client = new GrowableI32();
  private readonly clients = new Dictionary();
  private readonly ints = new Map<IntField, GrowableI32>();
  private readonly texts = new Map<TextField, { index: GrowableI32; dict: Dictionary }>();
  /** Flat per-row work lists (Map iteration allocates; these do not). */
  private intFields: IntField[] = [];
  private intExtract: Extract[] = [];
  private intCols: GrowableI32[] = [];
  private textFields: TextField[] = [];
  private textExtract: Extract[] = [];
  private textCols: { index: GrowableI32; dict: Dictionary }[] = [];
  private tsExtract!: Extract;
  private clientExtract: Extract | undefined;
  /** End times (`"timestamp": {"marks": "end"}`): the duration's source, its seconds per unit, each accepted row's duration in seconds. */
  private durExtract: Extract | undefined;
  private readonly durFactor: number = 1;
  private readonly durations = new GrowableF64();
  /** The row filter (`columns.filter`, `keep`): its source and the texts a row is kept for. */
  private filterExtract: Extract | undefined;
  private keep: { texts: Set<string>; prefixes: string[] } | undefined;
  /** Or (`drop`) the texts a row is excluded for. */
  private drop: { texts: Set<string>; prefixes: string[] } | undefined;
  /** hash_ids: the source, each accepted row's count of ids and their codes (ids by first read, renumbered by first use in time order in finish). */
  private hashExtract: Extract | undefined;
  private readonly hashCounts = new GrowableI32();
  private readonly hashCodes = new GrowableI32();
  private readonly hashDict = new IdDictionary();
  private hashScratch: number[] = [];
  /** hash_ids from token ids (`{"token_blocks": col}`): each block's chained hash is its id's key. */
  private hashFromTokens = false;
  /** The first 5 distinct filter texts of excluded rows: when the filter excludes every row, what it read (a separator, a case) is the clue. */
  readonly excludedTexts: string[] = [];
  readonly rejects: Reject[] = [];
  readonly rejectCounts: Partial<Record<RejectReason, number>> = {};
  rejectedTotal = 0;
  private readonly unit: TimestampUnit;
  private readonly tzOffset: number;
  private tsKind: 'number' | 'iso' | undefined;
  private maxAbsTs = 0;
  private readonly maxRejectsKept: number;
  private readonly requestIds = new Set<string>();
  duplicateRequestIds = 0;
  private file = '';
  /**
   * False: rows are checked and rejected as always, but accepted ones are not kept (no
   * columns, no dictionaries, no request ids): collectRejects, for the DuckDB engine's --rejects.
   */
  private readonly keepRows: boolean;

  constructor(
    readonly mapping: Mapping,
    options: { maxRejectsKept?: number; keepRows?: boolean } = {},
  ) {
    checkEndTimes(mapping);
    checkFilter(mapping);
    this.keepRows = options.keepRows ?? true;
    this.unit = mapping.timestamp?.unit ?? 'auto';
    this.tzOffset = mapping.timestamp?.timezone ? parseTimezone(mapping.timestamp.timezone) : 0;
    this.maxRejectsKept = options.maxRejectsKept ?? 1_000_000;
    const slotOf = (spec: string): number => {
      const i = this.specs.indexOf(spec);
      if (i >= 0) return i;
      this.specs.push(spec);
      return this.specs.length - 1;
    };
    for (const [field, src] of Object.entries(mapping.columns) as [CanonicalField, FieldSource][]) {
      let e: Extract;
      if (typeof src === 'string') e = { kind: 'one', slot: slotOf(src) };
      else if (Array.isArray(src)) e = { kind: 'join', slots: src.map(slotOf), sep: mapping.separator };
      else if ('const' in src) e = { kind: 'const', value: src.const };
      else if ('coalesce' in src) e = { kind: 'coalesce', slots: src.coalesce.map(slotOf) };
      else if ('token_blocks' in src) {
        // hash_ids from the prompt's token ids (readHashIds cuts and hashes them).
        e = { kind: 'one', slot: slotOf(src.token_blocks) };
        this.hashFromTokens = true;
      } else e = { kind: 'length', slot: slotOf(src.length) };
      this.extract.set(field, e);
    }
    for (const f of INT_FIELDS) if (this.extract.has(f)) this.ints.set(f, new GrowableI32());
    for (const f of TEXT_FIELDS) if (this.extract.has(f)) this.texts.set(f, { index: new GrowableI32(), dict: new Dictionary() });
    for (const [f, col] of this.ints) {
      this.intFields.push(f);
      this.intExtract.push(this.extract.get(f)!);
      this.intCols.push(col);
    }
    for (const [f, col] of this.texts) {
      this.textFields.push(f);
      this.textExtract.push(this.extract.get(f)!);
      this.textCols.push(col);
    }
    this.tsExtract = this.extract.get('timestamp')!;
    for (const f of ID_DIGIT_FIELDS) {
      const e = this.extract.get(f);
      const slots = e === undefined ? [] : e.kind === 'one' ? [e.slot] : e.kind === 'join' || e.kind === 'coalesce' ? e.slots : [];
      for (const slot of slots) {
        this.idSlots.push(slot);
        this.idFields.push(f);
      }
    }
    this.digitsStamp = new Float64Array(this.specs.length).fill(-1);
    this.clientExtract = this.extract.get('client_id');
    this.filterExtract = this.extract.get('filter');
    this.hashExtract = this.extract.get('hash_ids');
    const setOf = (l: FilterList) => ({ texts: new Set(l.texts), prefixes: l.prefixes });
    if (this.filterExtract && mapping.drop !== undefined) this.drop = setOf(dropTexts(mapping));
    else if (this.filterExtract) this.keep = setOf(keepTexts(mapping));
    if (mapping.timestamp?.marks === 'end') {
      this.durExtract = this.extract.get('duration');
      this.durFactor = UNIT_SECONDS[mapping.timestamp.duration_unit!];
    }
  }

  /** Sizes every column for about `rows` accepted rows in total (an estimate; see ChunkedColumn). */
  reserve(rows: number): void {
    if (!this.keepRows) return;
    this.ts.reserve(rows);
    if (this.durExtract) this.durations.reserve(rows);
    if (this.hashExtract) this.hashCounts.reserve(rows);
    this.client.reserve(rows);
    for (const c of this.intCols) c.reserve(rows);
    for (const c of this.textCols) c.index.reserve(rows);
  }

  /** Source keys for a file: plain column names for CSV/TSV, dotted paths for JSON-like inputs. */
  keysFor(dotted: boolean): SourceKey[] {
    return this.specs.map((spec) => sourceKey(spec, dotted));
  }

  /**
   * Per value slot: whether every use of it is numeric (an integer field or a timestamp in
   * s/ms/us/ns taken from that one column), so a text reader may hand over a number it parsed
   * itself instead of the field's text — the result is the same either way.
   */
  numericSlots(): boolean[] {
    const out = this.specs.map(() => true);
    const numericTs = this.unit === 's' || this.unit === 'ms' || this.unit === 'us' || this.unit === 'ns';
    for (const [field, e] of this.extract) {
      const numeric = e.kind === 'one' && ((INT_FIELDS as readonly string[]).includes(field) || field === 'duration' || (field === 'timestamp' && numericTs));
      const slots = e.kind === 'one' || e.kind === 'length' ? [e.slot] : e.kind === 'const' ? [] : e.slots;
      if (!numeric) for (const k of slots) out[k] = false;
    }
    return out;
  }

  /**
   * Per value slot: whether some use of it reads the value as text (the client, the filter, a
   * text field such as request_id, or a joined text), where an INT64 must keep every digit (the
   * Parquet and Arrow readers hand it over as a bigint). Not numericSlots' complement: a time
   * under unit auto or iso, or a count read through coalesce, is not numeric there but becomes a
   * number all the same (a bigint's digits parse to the double Number(bigint) gives), and an
   * INT64 time read as bigints cost a quarter of a Parquet ingest's speed (found by review).
   */
  exactSlots(): boolean[] {
    const out = this.specs.map(() => false);
    for (const [field, e] of this.extract) {
      if (e.kind === 'const' || e.kind === 'length') continue;
      const text = e.kind === 'join' || field === 'client_id' || field === 'filter' || (TEXT_FIELDS as readonly string[]).includes(field);
      if (text) for (const k of e.kind === 'one' ? [e.slot] : e.slots) out[k] = true;
    }
    return out;
  }

  /** Top-level source columns of optional fields (may be missing from a file). */
  optionalColumns(dotted: boolean): Set<string> {
    const out = new Set<string>();
    const required = new Set<string>();
    for (const [field, src] of Object.entries(this.mapping.columns) as [CanonicalField, FieldSource][]) {
      const specs = typeof src === 'string' ? [src] : Array.isArray(src) ? src : 'coalesce' in src ? src.coalesce : 'length' in src ? [src.length] : 'token_blocks' in src ? [src.token_blocks] : [];
      const target = this.mapping.optional.includes(field) || (!Array.isArray(src) && typeof src === 'object' && 'coalesce' in src) ? out : required;
      for (const spec of specs) target.add(sourceKey(spec, dotted).column);
    }
    for (const c of required) out.delete(c);
    return out;
  }

  /**
   * Value slots read through a dotted path (`usage.prompt_tokens`) by a field the mapping
   * requires (not `optional`, not a `coalesce` member), each with that field: a path no row
   * of a file resolves is a typo, as a missing top-level column is.
   */
  requiredPathSlots(dotted: boolean): { slot: number; field: CanonicalField }[] {
    if (!dotted) return [];
    const out: { slot: number; field: CanonicalField }[] = [];
    for (const [field, e] of this.extract) {
      if (this.mapping.optional.includes(field) || e.kind === 'const' || e.kind === 'coalesce') continue;
      const slots = e.kind === 'join' ? e.slots : [e.slot];
      for (const slot of slots) if (this.specs[slot].includes('.') && !out.some((o) => o.slot === slot)) out.push({ slot, field });
    }
    return out;
  }

  /**
   * Value slots of each required `coalesce` (not `optional`) read through dotted paths: when no
   * row of a file resolves any of them, the field is absent from every row, which is refused as
   * a coalesce of missing columns is (missingCoalesce sees only the top-level columns).
   */
  requiredCoalesceSlots(dotted: boolean): { slots: number[]; field: CanonicalField }[] {
    if (!dotted) return [];
    const out: { slots: number[]; field: CanonicalField }[] = [];
    for (const [field, e] of this.extract) if (e.kind === 'coalesce' && !this.mapping.optional.includes(field)) out.push({ slots: e.slots, field });
    return out;
  }

  /**
   * Sets the file that subsequent rows come from (for reject records). `textRows`: a row's raw
   * text is the file's own (CSV, JSON lines), not a rendering of decoded values (Parquet, Arrow).
   */
  setFile(file: string, textRows = true): void {
    this.file = file;
    this.textRows = textRows;
    this.hashSpace = 0;
    if (!this.files.includes(file)) this.files.push(file);
  }

  /** The files read (for errors about all of them). */
  private readonly files: string[] = [];

  /**
   * Whose hash_ids the current file's are: 0, a log's (block hashes, one space across its
   * files); k > 0, the k-th file whose ids are its own (hashIdsLocalToFile).
   */
  private hashSpace = 0;
  private hashSpaces = 0;

  /**
   * The current file's hash_ids are numbers of its own, not hashes shared with other files: our
   * own trace, whose ids were renumbered from 0 when it was written (its `servegen` header says
   * so). Its ids are kept apart from every other file's (found by review: two generated traces
   * read together, or two days ingested apart, shared their block 0, 1, … as if the same
   * prompts, inflating the prefix reuse a fit and validate saw).
   */
  hashIdsLocalToFile(): void {
    this.hashSpace = ++this.hashSpaces;
  }

  get accepted(): number {
    return this.ts.n;
  }

  /**
   * Whether the accepted rows [a, a + n) and [b, b + n) are the same rows in the same order: times
   * as read, clients, integer and text fields, durations (not hash_ids, numbered per file in our
   * own traces). For inputs that are one log twice (`log.csv` beside its `log.csv.gz`).
   */
  sameRows(a: number, b: number, n: number): boolean {
    const cols: { at(i: number): number }[] = [this.ts, this.client, ...this.intCols, ...this.textCols.map((c) => c.index)];
    if (this.durExtract) cols.push(this.durations);
    for (let i = 0; i < n; i++) {
      for (const c of cols) if (c.at(a + i) !== c.at(b + i)) return false;
    }
    return true;
  }

  private raw(e: Extract, values: unknown[], text?: () => string): unknown {
    if (e.kind === 'one') return values[e.slot];
    switch (e.kind) {
      case 'const':
        return e.value;
      case 'length': {
        const v = values[e.slot];
        if (isBlank(v)) return undefined;
        if (Array.isArray(v)) return v.length;
        if (typeof v === 'string' && v.trim().startsWith('[')) {
          try {
            const a = JSON.parse(v) as unknown;
            return Array.isArray(a) ? a.length : NaN;
          } catch {
            return NaN;
          }
        }
        return NaN;
      }
      case 'coalesce': {
        for (const s of e.slots) if (!isBlank(values[s])) return values[s];
        return undefined;
      }
      case 'join': {
        let out = '';
        let any = false;
        for (let i = 0; i < e.slots.length; i++) {
          const v = values[e.slots[i]];
          if (i > 0) out += e.sep;
          if (!isBlank(v)) {
            any = true;
            out += text ? this.textOf(v, e.slots[i], text) : textValue(v);
          }
        }
        return any ? out : undefined;
      }
      default: {
        const never: never = e;
        return never;
      }
    }
  }

  reject(line: number, reason: RejectReason, message: string, text: string, field?: string): void {
    this.rejectedTotal++;
    this.rejectCounts[reason] = (this.rejectCounts[reason] ?? 0) + 1;
    // Rows the filter excludes are counted, not kept: they may be most of a log.
    if (reason !== 'excluded' && this.rejects.length < this.maxRejectsKept) {
      const at = this.rowAt;
      // A line holding several rows (OTLP JSON's spans): which one, in the record and its message.
      if (at) this.rejects.push({ file: this.file, line, span: at.index, reason, field, message: `${message} (span ${at.index} of the line: ${at.path()})`, text });
      else this.rejects.push({ file: this.file, line, reason, field, message, text });
    }
  }

  /** Where the current row is within its line (row(), rejectRow()), for its rejects. */
  private rowAt: RowAt | undefined;

  /** A row the reader rejected (RowSink.reject): `at` where it is in its line, when a line holds several. */
  rejectRow(line: number, reason: RejectReason, message: string, text: string, at?: RowAt): void {
    this.rowAt = at;
    this.reject(line, reason, message, text);
  }

  /** Parses a timestamp value to a number in raw units (or epoch seconds for ISO); NaN if bad. */
  private timestampOf(v: unknown): number {
    if (v instanceof Date) {
      if (this.tsKind === undefined) this.tsKind = 'iso';
      // Parquet timestamps carry their microseconds (io/parquet-flat.ts PARQUET_PARSERS); zone-less
      // ones (TIMESTAMP not adjusted to UTC, DATE) are wall-clock times at the mapping's timezone.
      if (this.tsKind !== 'iso') return NaN;
      const p = v as PreciseDate;
      const s = p.epochSeconds ?? v.getTime() / 1000;
      return p.zoneless ? s - this.tzOffset : s;
    }
    // An array or object (JSON lines) is no time: not its String() ("[5]" read as 5). As the
    // first value under unit auto it says date-time strings, as the DuckDB engine reads its text.
    if (typeof v === 'object') {
      if (this.tsKind === undefined && this.unit === 'auto') this.tsKind = 'iso';
      return NaN;
    }
    if (typeof v === 'number') {
      if (this.unit === 'iso') return NaN;
      if (this.tsKind === undefined) this.tsKind = 'number';
      return this.tsKind === 'number' ? v : NaN;
    }
    const s = trimmed(String(v));
    if (this.unit === 'iso') return parseIsoSeconds(s, this.tzOffset);
    if (this.unit !== 'auto') {
      // Number() alone would accept "0x1f" and "Infinity": require a plain decimal too.
      const x = +s;
      return s !== '' && Number.isFinite(x) && plainDecimal(s) ? x : NaN;
    }
    if (this.tsKind === undefined) this.tsKind = NUMERIC_RE.test(s) ? 'number' : 'iso';
    if (this.tsKind === 'number') {
      const x = +s;
      return s !== '' && Number.isFinite(x) && plainDecimal(s) ? x : NaN;
    }
    return parseIsoSeconds(s, this.tzOffset);
  }

  /**
   * Whether the row filter excludes a row (rejected as `excluded`, not kept): its text, read as
   * the client's is (trimmed, other JSON values as JSON), is not one of `keep`. Out of row()
   * so that row() stays small enough for V8 to optimize as before.
   */
  private excluded(values: unknown[], line: number, raw: () => string): boolean {
    const fe = this.filterExtract!;
    const v = fe.kind === 'one' ? values[fe.slot] : this.raw(fe, values, raw);
    const text = isBlank(v) ? '' : typeof v === 'string' ? trimmed(v) : this.textOf(v, this.slotOf(fe, values, v), raw);
    if (this.drop ? !filterMatches(this.drop, text) : text !== '' && filterMatches(this.keep!, text)) return false;
    if (this.excludedTexts.length < 5 && !this.excludedTexts.includes(text)) this.excludedTexts.push(text);
    this.reject(line, 'excluded', this.drop ? 'the filter is one of drop' : 'the filter is not one of keep', '', 'filter');
    return true;
  }

  /** A row's duration in seconds (end times), or NaN when it is rejected (missing_duration, bad_duration). */
  private durationOf(de: Extract, values: unknown[], line: number, raw: () => string): number {
    const v = de.kind === 'one' ? values[de.slot] : this.raw(de, values);
    if (isBlank(v)) {
      this.reject(line, 'missing_duration', 'duration is empty or missing (the timestamp marks the end of the request)', raw(), 'duration');
      return NaN;
    }
    const x = typeof v === 'number' ? v : typeof v === 'string' ? decimalOf(trimmed(v)) : typeof v === 'bigint' ? Number(v) : NaN;
    if (x !== x || x === Infinity || x === -Infinity) {
      const what = Array.isArray(v) ? 'an array' : v !== null && typeof v === 'object' && !(v instanceof Date) ? 'an object' : undefined;
      this.reject(line, 'bad_duration', what ? `duration: ${what}, not a number: ${textValue(v).slice(0, 40)}` : `duration: not a number: ${JSON.stringify(String(v)).slice(0, 40)}`, raw(), 'duration');
      return NaN;
    }
    if (x < 0) {
      this.reject(line, 'bad_duration', `duration: negative value ${x}`, raw(), 'duration');
      return NaN;
    }
    return x * this.durFactor;
  }

  /** Normalizes one row; returns false when it was rejected. */
  row(values: unknown[], line: number, raw: () => string, at?: RowAt): boolean {
    this.rowAt = at;
    this.rowStamp++;
    // Ids of every row read (the DuckDB engine's idDigitsSql reads the inputs' rows so).
    if (this.idSlots.length > 0) this.checkIdDigits(values, raw);
    // The row filter first: a row it excludes is not checked further.
    if (this.filterExtract && this.excluded(values, line, raw)) return false;
    // Timestamp (required).
    const tv = this.raw(this.tsExtract, values);
    if (isBlank(tv)) {
      this.reject(line, 'missing_timestamp', 'timestamp is empty or missing', raw(), 'timestamp');
      return false;
    }
    const t = this.timestampOf(tv);
    if (!Number.isFinite(t)) {
      const column = this.tsExtract.kind === 'one' ? this.specs[this.tsExtract.slot] : undefined;
      this.reject(line, 'bad_timestamp', badTimestampMessage(tv, this.unit === 'auto' ? (this.tsKind === 'number' ? 'number' : 'date-time') : this.unit, column), raw(), 'timestamp');
      return false;
    }
    // End times: the request's duration, subtracted in finish (after the timestamp's unit is known).
    let duration = 0;
    const de = this.durExtract;
    if (de) {
      duration = this.durationOf(de, values, line, raw);
      if (duration !== duration) return false;
    }
    // Integer fields: validate all before appending anything.
    const intVals = this.intScratch;
    const nInts = this.intFields.length;
    for (let k = 0; k < nInts; k++) {
      const e = this.intExtract[k];
      const v = e.kind === 'one' ? values[e.slot] : this.raw(e, values);
      let x = -1;
      if (!isBlank(v)) {
        // Text must be a plain decimal (Number() would also take 0x10, 0b11, 0o7).
        x = typeof v === 'number' ? v : typeof v === 'string' ? decimalOf(trimmed(v)) : typeof v === 'bigint' ? Number(v) : NaN;
        if (x !== x || x === Infinity || x === -Infinity) {
          const field = this.intFields[k];
          // An array or object (JSON lines) as JSON: `[1]` read as "1", `{"x":1}` as "[object Object]" (found by review).
          const what = Array.isArray(v) ? 'an array' : v !== null && typeof v === 'object' && !(v instanceof Date) ? 'an object' : undefined;
          // A {"length": col} source that holds no array read as NaN, and the message quoted
          // "NaN", a value not in the log (found by review): quote the column's own text.
          if (e.kind === 'length') {
            const src = values[e.slot];
            this.reject(line, 'bad_number', `${field}: not an array (or text holding a JSON array) to count: ${JSON.stringify(typeof src === 'string' ? src : textValue(src)).slice(0, 40)}`, raw(), field);
            return false;
          }
          this.reject(line, 'bad_number', what ? `${field}: ${what}, not a number: ${textValue(v).slice(0, 40)}` : `${field}: not a number: ${JSON.stringify(String(v)).slice(0, 40)}`, raw(), field);
          return false;
        }
        if (x < 0) {
          const field = this.intFields[k];
          this.reject(line, 'negative_tokens', `${field}: negative value ${asWritten(v, x)}`, raw(), field);
          return false;
        }
        if (x > 2147483647 || Math.floor(x) !== x) {
          const field = this.intFields[k];
          // The value as the log writes it: a CSV's 99999999999999999999 was echoed as the
          // double it parses to, 100000000000000000000 (found by review).
          this.reject(line, 'bad_number', `${field}: not a whole number in range: ${asWritten(v, x)}`, raw(), field);
          return false;
        }
      }
      intVals[k] = x;
    }
    const he = this.hashExtract;
    if (he && !this.readHashIds(he, values, line, raw)) return false;
    let clientId = 'default';
    const ce = this.clientExtract;
    if (ce) {
      const v = ce.kind === 'one' ? values[ce.slot] : this.raw(ce, values, raw);
      clientId = isBlank(v) ? 'unknown' : typeof v === 'string' ? trimmed(v) : this.textOf(v, this.slotOf(ce, values, v), raw);
    }
    let clientNum = this.clients.ids.get(clientId);
    if (clientNum === undefined && hasBadBytes(clientId)) return this.badEncoding(line, 'client_id', raw);
    // Text fields: a value seen before is known good; a new one is checked once (bytes that
    // are not UTF-8 were escaped by the readers, see io/utf8.ts). Nothing is stored until the
    // row is accepted.
    const nTexts = this.textFields.length;
    const textIds = this.textScratch;
    const textNew = this.textNewScratch;
    for (let k = 0; k < nTexts; k++) {
      const e = this.textExtract[k];
      const v = e.kind === 'one' ? values[e.slot] : this.raw(e, values, raw);
      if (isBlank(v)) {
        textIds[k] = -1;
        continue;
      }
      const s = typeof v === 'string' ? trimmed(v) : this.textOf(v, this.slotOf(e, values, v), raw);
      const id = this.textCols[k].dict.ids.get(s);
      if (id !== undefined) textIds[k] = id;
      else if (hasBadBytes(s)) return this.badEncoding(line, this.textFields[k], raw);
      else {
        textIds[k] = -2;
        textNew[k] = s;
      }
    }
    // Accept.
    if (!this.keepRows) return true;
    if (clientNum === undefined) clientNum = this.clients.id(clientId);
    const a = t < 0 ? -t : t;
    if (a > this.maxAbsTs) this.maxAbsTs = a;
    this.ts.push(t);
    if (de) this.durations.push(duration);
    this.client.push(clientNum);
    for (let k = 0; k < nInts; k++) this.intCols[k].push(intVals[k]);
    if (he) {
      const h = this.hashScratch;
      this.hashCounts.push(h.length);
      for (let k = 0; k < h.length; k++) this.hashCodes.push(h[k]);
    }
    for (let k = 0; k < nTexts; k++) {
      const col = this.textCols[k];
      let id = textIds[k];
      if (id === -2) {
        id = col.dict.id(textNew[k]);
        textNew[k] = '';
      }
      col.index.push(id);
      if (id >= 0 && this.textFields[k] === 'request_id') {
        const s = col.dict.values[id];
        if (this.requestIds.has(s)) this.duplicateRequestIds++;
        else this.requestIds.add(s);
      }
    }
    return true;
  }

  /**
   * A value read as text that is no string: an integer past 2^53 − 1 from a JSON record (a 64-bit
   * client, session or request id written as a number) with its digits as the record's text
   * writes them (longIntegerText), where JSON.parse's double had merged ids one apart
   * (1234567890123456789 and …790 both read "1234567890123456800"); anything else as textValue.
   * `slot`: the value's source slot (-1: none, a constant).
   */
  private textOf(v: unknown, slot: number, raw: () => string): string {
    if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v) && this.textRows && slot >= 0) {
      const digits = this.literalDigits(slot, raw);
      if (digits !== undefined) return digits;
    }
    return textValue(v);
  }

  /** The digits of the JSON integer literal at `slot` in this row's text (longIntegerText), read once a row. */
  private literalDigits(slot: number, raw: () => string): string | undefined {
    if (this.digitsStamp[slot] === this.rowStamp) return this.digitsAt[slot];
    const key = sourceKey(this.specs[slot], true);
    const digits = longIntegerText(raw(), key.column, key.path);
    this.digitsStamp[slot] = this.rowStamp;
    this.digitsAt[slot] = digits;
    return digits;
  }

  /**
   * Counts the row's ids whose digits were lost before they were read (src/ingest/id-digits.ts):
   * a number past 2^53 that is no integer literal of a JSON line (a DOUBLE of Parquet or Arrow,
   * a JSON number with a fraction or exponent), or a text of a CSV or JSON line in exponent form.
   */
  private checkIdDigits(values: unknown[], raw: () => string): void {
    for (let k = 0; k < this.idSlots.length; k++) {
      const slot = this.idSlots[k];
      const v = values[slot];
      if (typeof v === 'number') {
        if (!floatPastExact(v) || (this.textRows && this.literalDigits(slot, raw) !== undefined)) continue;
        this.idDigits.add(this.idFields[k], this.file, textValue(v));
      } else if (typeof v === 'string' && this.textRows) {
        const s = trimmed(v);
        if (exponentPastExact(s)) this.idDigits.add(this.idFields[k], this.file, s);
      }
    }
  }

  /** Value slots of the id fields (ID_DIGIT_FIELDS) and their fields, one entry per slot of each. */
  private readonly idSlots: number[] = [];
  private readonly idFields: IdDigitField[] = [];
  /** Ids whose digits were lost, by field (idDigitsWarnings says them). */
  readonly idDigits = new IdDigitsTally();
  /** Rows seen (row()), and per slot the row whose literal digits digitsAt holds. */
  private rowStamp = 0;
  private digitsStamp: Float64Array;
  private readonly digitsAt: (string | undefined)[] = [];

  /** The slot a text field's value `v` came from (its one, or the coalesce member that gave it); -1 for others (a join formats its parts itself). */
  private slotOf(e: Extract, values: unknown[], v: unknown): number {
    if (e.kind === 'one') return e.slot;
    if (e.kind === 'coalesce') for (const s of e.slots) if (values[s] === v) return s;
    return -1;
  }

  /**
   * Reads a row's hash_ids into hashScratch as codes (none, counted in hashIdsBad, when the value
   * is not an array of block ids; the row is kept). A value is
   * an array (JSON lines, a Parquet or Arrow list) or a text holding a JSON array (CSV); blank is
   * none. An id is a whole number ≥ 0 or a non-blank text (a hex digest): `5` and `"5"` are one id.
   */
  private readHashIds(he: Extract, values: unknown[], line: number, raw: () => string): boolean {
    const v = he.kind === 'one' ? values[he.slot] : this.raw(he, values);
    const out = this.hashScratch;
    out.length = 0;
    const keys = this.keyScratch;
    // (a 64-bit id past 2^53 read again from the text: the cell's, or the JSON record's at the
    // value's path. Not from a Parquet or Arrow row's rendering, which holds the rounded double
    // again: a DOUBLE list's 18446744073709551615 and …614 were read as one id "18446744073709551616",
    // and only at the top level (a dotted path found nothing); its INT64 ids come exact, and a
    // JSON column's from the twin its parser kept (exactTwinList). Found by review, the engines compared.)
    const again = () => (typeof v === 'string' ? exactHashList(trimmed(v), undefined) : this.textRows ? exactHashList(raw(), he.kind !== 'one' ? undefined : sourceKey(this.specs[he.slot], true)) : exactTwinList(v));
    const bad = hashIdKeys(v, this.hashFromTokens ? this.mapping.block_tokens ?? DEFAULT_BLOCK_TOKENS : undefined, again, keys);
    if (bad !== undefined) return this.badHashIds(line, bad, raw);
    const dict = this.hashDict;
    const space = this.hashSpace;
    for (let k = 0; k < keys.length; k++) {
      out.push(dict.code(space > 0 && !this.hashFromTokens ? spacedHashKey(keys[k], space) : keys[k]));
    }
    return true;
  }

  private readonly keyScratch: (number | string)[] = [];

  /** The current file's rows come with their own text (setFile). */
  private textRows = true;

  /**
   * A row whose hash_ids value is not an array of block ids is kept without ids, counted, and
   * the first named (badHashIds): not rejected, as the DuckDB engine's scan (which reads the ids
   * in a pass of its own, duckdb-prefix.ts) keeps it — found by review: the engines' differential fuzzer failed, the TypeScript engine
   * rejecting rows the DuckDB engine accepted, and a log read with the `servegen` preset whose
   * `hash_ids` held something else (a Python list's text) lost every row to rejects.
   */
  private badHashIds(line: number, message: string, _raw: () => string): true {
    this.hashScratch.length = 0;
    if (this.hashIdsBad.rows++ === 0) this.hashIdsBad.first = `${this.file}:${line}: ${message}`;
    return true;
  }

  /** Rows kept without ids because their hash_ids value was not an array of block ids, and the first of them (file:line: why). */
  readonly hashIdsBad: { rows: number; first?: string } = { rows: 0 };

  private badEncoding(line: number, field: string, raw: () => string): false {
    this.reject(line, 'bad_encoding', `${field} contains bytes that are not UTF-8`, raw(), field);
    return false;
  }

  private readonly textScratch = new Int32Array(8);
  private readonly textNewScratch: string[] = new Array<string>(8).fill('');

  private readonly intScratch = new Float64Array(16);

  /**
   * Resolves units, sets the origin, sorts by time; returns the trace and what was detected.
   * `shifts`: seconds added to the accepted rows [from, to) before anything else (our own traces
   * counting from other origins, put on one: ingestFiles; times in seconds).
   */
  finish(options: { metaOrigin?: boolean; shifts?: readonly { from: number; to: number; seconds: number }[] } = {}): { trace: Trace; timestamp: TimestampDetection; sorted: boolean; warnings: string[] } {
    const n = this.ts.n;
    const raw = this.ts.finish();
    for (const { from, to, seconds } of options.shifts ?? []) for (let i = from; i < to; i++) raw[i] += seconds;
    const warnings: string[] = [];
    let det: TimestampDetection;
    let scale = 1;
    if (this.tsKind === 'iso' || this.unit === 'iso') {
      det = { unit: 'iso', absolute: true, how: this.unit === 'iso' ? 'mapping' : 'auto', reason: 'date-time strings' };
    } else if (this.unit === 'auto') {
      const d = detectNumericUnit(this.maxAbsTs);
      det = { unit: d.unit, absolute: d.absolute, how: 'auto', reason: d.reason };
      scale = UNIT_SECONDS[d.unit];
      const mixed = mixedUnitWarning(magnitudeCounts(raw, n), d.unit);
      if (mixed) warnings.push(mixed);
    } else {
      const u = this.unit as 's' | 'ms' | 'us' | 'ns';
      scale = UNIT_SECONDS[u];
      // Our own traces' times count from the origin in their header, however large (found by
      // review: a trace spanning a 1970 outlier, re-read, took 1970-01-01 as its origin and
      // moved every request by the outlier's offset).
      const abs = !options.metaOrigin && isEpoch(u, this.maxAbsTs);
      det = { unit: u, absolute: abs, how: 'mapping', reason: abs ? 'epoch time' : 'relative time' };
    }
    let origin: string | null = null;
    if (n > 0) {
      let min = Infinity;
      // End times: each arrival is the end in seconds minus the duration in seconds, as the
      // DuckDB engine's SQL computes it (src/summary/sql.ts rowsSql), to the bit.
      const dur = this.durExtract ? this.durations.finish() : undefined;
      let maxAbs = 0;
      for (let i = 0; i < n; i++) {
        raw[i] = dur ? raw[i] * scale - dur[i] : raw[i] * scale;
        if (raw[i] < min) min = raw[i];
        const a = raw[i] < 0 ? -raw[i] : raw[i];
        if (a > maxAbs) maxAbs = a;
      }
      // Epoch or relative times by the arrivals' magnitude, as the DuckDB engine decides it
      // (originOf): with end times, a duration of years could move the earliest arrival across
      // 1e8 s (the two engines differed on such a row, found by this feature's parity test).
      if (dur && det.unit !== 'iso') {
        const abs = maxAbs >= 1e8 && !options.metaOrigin;
        if (abs !== det.absolute) det = { ...det, absolute: abs, reason: det.how === 'mapping' ? (abs ? 'epoch time' : 'relative time') : `${det.reason}; ${abs ? 'epoch' : 'relative'} times once the durations are subtracted` };
      }
      if (det.absolute) {
        const base = Math.floor(min);
        origin = originIsoOf(base, this.files, det.unit, this.durExtract !== undefined);
        for (let i = 0; i < n; i++) raw[i] -= base;
      }
    }
    let sorted = true;
    for (let i = 1; i < n; i++) {
      if (raw[i] < raw[i - 1]) {
        sorted = false;
        break;
      }
    }
    // The rows of one time in a content order (orderRows: the DuckDB engine's rows with ids
    // take the same), not in the order the files gave them; then by the other lengths and the
    // texts, which those rows need not hold (rows alike to the prefix model and the lengths are
    // alike to both engines), so that the trace ingest writes does not follow the files either.
    const ints = new Map([...this.ints].map(([f, col]) => [f, col.finish()]));
    const texts = new Map([...this.texts].map(([f, col]) => [f, { index: col.index.finish(), values: col.dict.values }]));
    const client = this.client.finish();
    const { apply, hashIds } = orderRows(raw, this.rowContent(client, ints, texts));
    const trace: Trace = {
      n,
      timestamp: apply(raw),
      client: apply(client),
      clientIds: this.clients.values,
      ints: {},
      texts: {},
      origin,
    };
    // A column with no value at all is absent (optional fields the files did not have).
    // (each column let go once put in order: the peak a read holds is one column more)
    for (const [f, col] of ints) {
      ints.delete(f);
      if (!col.some((v) => v >= 0)) continue;
      trace.ints[f] = apply(col);
    }
    for (const [f, col] of texts) {
      texts.delete(f);
      if (col.values.length > 0) trace.texts[f] = { index: apply(col.index), values: col.values };
    }
    if (hashIds && hashIds.ids.length > 0) trace.hashIds = hashIds;
    return { trace, timestamp: det, sorted, warnings };
  }

  /** What orderRows compares of the rows (finish's columns, input order). */
  private rowContent(client: Int32Array, ints: ReadonlyMap<IntField, Int32Array>, texts: ReadonlyMap<TextField, { index: Int32Array; values: string[] }>): RowContent {
    const dict = this.hashDict;
    const hash = this.hashExtract ? { counts: this.hashCounts.finish(), codes: this.hashCodes.finish(), distinct: dict.size, keys: () => dict.keys(), blockTokens: this.mapping.block_tokens ?? DEFAULT_BLOCK_TOKENS } : undefined;
    return columnsRowContent(this.clients.values, client, ints, texts, hash);
  }
}

/**
 * A hash_ids list read again from its JSON text with integers past 2^53 kept as digit texts
 * (quoteLongIntegers): the text itself (a CSV cell), or a JSON record's text and the value's
 * column and path in it (JSON lines). Undefined when that does not give an array.
 */
export function exactHashList(text: string, key: SourceKey | undefined): unknown[] | undefined {
  let v: unknown;
  try {
    v = JSON.parse(quoteLongIntegers(text));
  } catch {
    return undefined;
  }
  if (key) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key.column];
    for (const p of key.path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  }
  return Array.isArray(v) ? v : undefined;
}

/**
 * A block id's key in the id space of the file it came from, when that file's ids are its own
 * (TraceBuilder.hashIdsLocalToFile, space k > 0: the k-th of our own traces read together):
 * negative numbers (a log's are ≥ 0) or texts prefixed with the space, so that two files' id 0
 * are two blocks. The DuckDB engine's prefix pass keys them the same (Source.hashIds.spaces).
 * Numbers keep their order within a space (orderRows orders the rows of one time by their ids'
 * keys: found by audit, h-96 — as −(space·2^32 + key) − 1 they ran backwards, and a trace written
 * and read again had the rows of one time in the other order, its ids numbered otherwise).
 */
export function spacedHashKey(key: number | string, space: number): number | string {
  return typeof key === 'number' && key < 4294967296 && space < 1048576 ? space * 4294967296 + key - 4503599627370496 : `${space}\u0000${key}`;
}

/**
 * A row's hash_ids value read as block-id keys into `out` (both engines: TraceBuilder, and the
 * DuckDB engine's rows with ids, src/summary/duckdb-prefix.ts): undefined when read (blank is
 * none: `out` empty), else why the value is not an array of block ids. A value is an array
 * (JSON lines, a Parquet or Arrow list) or a text holding a JSON array (CSV). An id is a whole
 * number ≥ 0 or a non-blank text (a hex digest): `5` and `"5"` are one id. With `blockTokens`
 * the array holds a prompt's token ids, cut into blocks whose chained hashes are the keys.
 * `again`: the list read again from its text with integers past 2^53 kept as digits.
 */
export function hashIdKeys(v: unknown, blockTokens: number | undefined, again: () => unknown[] | undefined, out: (number | string)[]): string | undefined {
  out.length = 0;
  if (isBlank(v)) return undefined;
  let list: unknown = v;
  if (typeof v === 'string') {
    const s = trimmed(v);
    try {
      list = s.startsWith('[') ? (JSON.parse(s) as unknown) : undefined;
    } catch {
      list = undefined;
    }
    if (!Array.isArray(list)) return `not an array of block ids (or a text holding a JSON array): ${JSON.stringify(s).slice(0, 40)}`;
  } else if (!Array.isArray(v)) {
    return `not an array of block ids: ${textValue(v).slice(0, 40)}`;
  }
  let a = list as unknown[];
  if (blockTokens !== undefined) return tokenBlockKeys(a, blockTokens, out);
  let exact = false;
  for (let k = 0; k < a.length; k++) {
    const x = a[k];
    let key: number | string;
    if (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) key = x;
    else if (typeof x === 'number' && x > Number.MAX_SAFE_INTEGER && Number.isInteger(x) && !exact) {
      // A whole number past 2^53 (a 64-bit block hash in JSON) that JSON.parse rounded to a
      // double: read the list again from its text with such numbers kept as their digits
      // (found by review: every row of a log with 64-bit hashes was rejected as "not a whole
      // number", and ids one apart would have been read as one).
      exact = true;
      const digits = again();
      if (digits && digits.length === a.length) {
        a = digits;
        out.length = 0;
        k = -1;
        continue;
      }
      out.length = 0;
      return `id ${k}: ${textValue(x)} is past 2^53, where JSON numbers lose digits, and its digits could not be read again from the text: give such ids as texts ("12345678901234567890")`;
    } else if (typeof x === 'bigint' && x >= 0n) key = x <= 9007199254740991n ? Number(x) : String(x);
    else if (typeof x === 'string' && !isBlank(x)) {
      const t = trimmed(x);
      const n = /^\d+$/.test(t) ? Number(t) : NaN;
      key = Number.isSafeInteger(n) ? n : t;
    } else {
      out.length = 0;
      return `id ${k}: not a whole number ≥ 0 or a text: ${x === undefined ? 'undefined' : textValue(x).slice(0, 40)}`;
    }
    out.push(key);
  }
  return undefined;
}

/**
 * A prompt's token ids cut into blocks of `B` tokens (the last one partial, as Mooncake's
 * hash_ids count ⌈tokens / block⌉), each block's key the chained hash of its tokens and its
 * parent block's hash: equal prefixes, equal leading keys. The hash is two 32-bit lanes (53 bits
 * kept): one collision among 10 million distinct blocks has a chance of about 0.5 %.
 */
function tokenBlockKeys(a: unknown[], B: number, out: (number | string)[]): string | undefined {
  let h1 = 0x9747b28c;
  let h2 = 0x85ebca6b;
  for (let start = 0; start < a.length; start += B) {
    const end = Math.min(a.length, start + B);
    for (let k = start; k < end; k++) {
      const x = a[k];
      const t = typeof x === 'number' ? x : typeof x === 'bigint' && x >= 0n && x <= 9007199254740991n ? Number(x) : NaN;
      if (!(Number.isSafeInteger(t) && t >= 0)) {
        out.length = 0;
        return `token ${k}: not a whole number ≥ 0: ${x === undefined ? 'undefined' : textValue(x).slice(0, 40)}`;
      }
      const lo = t >>> 0;
      const hi = (t - lo) / 4294967296;
      h1 = Math.imul(h1 ^ lo, 0xcc9e2d51);
      h1 = Math.imul((h1 << 15) | (h1 >>> 17), 0x1b873593) ^ hi;
      h2 = Math.imul(h2 ^ lo, 0x85ebca6b);
      h2 = Math.imul((h2 << 13) | (h2 >>> 19), 0xc2b2ae35) ^ hi;
    }
    h1 = fmix32(h1 ^ (end - start));
    h2 = fmix32(h2 ^ Math.imul(end - start, 0x27d4eb2f));
    out.push((h1 >>> 0) * 2097152 + ((h2 >>> 0) >>> 11));
  }
  return undefined;
}

/**
 * A warning when the rows' hash_ids do not count their prompts' blocks at the trace's block size:
 * more than a tenth of the rows with ids and a prompt length (text + media input tokens) have a
 * number of ids more than one away from ⌈prompt tokens / block_tokens⌉ (the Mooncake traces:
 * none). The prefix model draws a prompt's blocks from its length, so a log with 16- or 64-token
 * blocks read as 512 (block_tokens not given) is fitted and generated wrong without it (found by
 * review: 50 ids a 10-token prompt, no word, then a 98 % infinite-cache hit ratio generated as 0 %).
 */
export function blockSizeWarning(trace: Trace): string | undefined {
  const h = trace.hashIds;
  if (!h) return undefined;
  const cols = (['input_tokens', 'image_tokens', 'audio_tokens', 'video_tokens'] as const).map((f) => trace.ints[f]).filter((c) => c !== undefined);
  if (cols.length === 0) return undefined;
  const prompt = (i: number) => {
    let p = 0;
    for (const c of cols) if (c[i] > 0) p += c[i];
    return p;
  };
  return blockSizeNote(trace.n, (i) => h.offsets[i + 1] - h.offsets[i], prompt, h.blockTokens);
}

/**
 * blockSizeWarning over n rows given by their number of ids and prompt tokens (0: none): what
 * `ingest --engine duckdb` checks of the rows it renumbers, without a trace of their ids.
 */
export function blockSizeNote(n: number, idsOf: (i: number) => number, promptOf: (i: number) => number, bt: number): string | undefined {
  const perId: number[] = [];
  let off = 0;
  for (let i = 0; i < n; i++) {
    const ids = idsOf(i);
    if (ids === 0) continue;
    const p = promptOf(i);
    if (!(p > 0)) continue;
    perId.push(p / ids);
    if (Math.abs(ids - Math.ceil(p / bt)) > 1) off++;
  }
  if (perId.length < 20 || off <= 0.1 * perId.length) return undefined;
  perId.sort((a, b) => a - b);
  const median = perId[perId.length >> 1];
  return `hash_ids: ${((100 * off) / perId.length).toFixed(1)} % of the ${perId.length} rows with ids and a prompt length have a number of ids other than ⌈prompt tokens / ${bt}⌉ (a median of ${Number(median.toPrecision(3))} prompt tokens per id): if the log's blocks are not ${bt} tokens, give their size in the mapping ("block_tokens": N); the prefix model counts a prompt's blocks from its length`;
}

/** The note of rows kept without ids because their hash_ids value was not an array of block ids (TraceBuilder.hashIdsBad; the DuckDB engine's prefix pass). */
export function badHashIdsNote(bad: { rows: number; first?: string }): string | undefined {
  if (bad.rows === 0) return undefined;
  return `hash_ids: ${bad.rows} row${bad.rows === 1 ? ' has' : 's have'} a value that is not an array of block ids (whole numbers ≥ 0 or texts), kept without ids (one field's bad value: the request is not rejected); the first, ${bad.first}`;
}

/** Tokens per hash_ids block when a mapping does not say (`block_tokens`): the Mooncake traces'. */
export const DEFAULT_BLOCK_TOKENS = 512;

/**
 * Rows' hash_ids (per row its count of codes, the codes in row order) in the order `perm` gives
 * (undefined: as they are), renumbered by first use in that order (Mooncake's own convention), as
 * prefix ids: an id that follows different blocks in different rows is a different block in each.
 */
export function sortHashIds(counts: Int32Array, codes: Int32Array, distinct: number, perm: Uint32Array | undefined, blockTokens: number): HashIds {
  const n = counts.length;
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i] + counts[i];
  const offsets = new Int32Array(n + 1);
  const ids = new Int32Array(start[n]);
  // Ids numbered as prefix ids (PrefixIds), in first-use order.
  const numbering = new PrefixIds(distinct);
  let o = 0;
  for (let r = 0; r < n; r++) {
    const i = perm ? perm[r] : r;
    let prev = -1;
    for (let k = start[i]; k < start[i + 1]; k++) ids[o++] = prev = numbering.id(prev, codes[k]);
    offsets[r + 1] = o;
  }
  return { offsets, ids, blockTokens };
}

/** MurmurHash3's 32-bit finalizer. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
