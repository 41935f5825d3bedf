import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { INPUT_FORMATS } from '../io/input.js';
import { duplicateKeyProblem, formatJsonPath, parseJsonText, plainIssue, type SchemaIssue } from '../io/json-text.js';
import { CANONICAL_FIELDS, INT_FIELDS, type CanonicalField } from './fields.js';
import { NUMERIC_RE, trimmed } from './normalize.js';
import { IngestError } from './errors.js';
import { readErrorReason } from '../io/read-error.js';

/**
 * Where a canonical field comes from:
 * - `"col"` — a column name, or a dotted path into JSON objects (`usage.prompt_tokens`);
 * - `["a", "b"]` — several columns joined with `separator` (client_id from Model + Log Type);
 * - `{"const": v}` — a constant for every row;
 * - `{"coalesce": ["a", "b"]}` — the first non-empty of several columns;
 * - `{"length": "col"}` — the length of an array column (Mooncake `hash_ids` → block count);
 * - `{"token_blocks": "col"}` — for `hash_ids` only: a prompt's token ids, cut into blocks of
 *   `block_tokens` tokens and hashed in a chain (a block's id stands for its whole prefix).
 */
export type FieldSource = string | string[] | { const: string | number } | { coalesce: string[] } | { length: string } | { token_blocks: string };

export const TIMESTAMP_UNITS = ['auto', 's', 'ms', 'us', 'ns', 'iso'] as const;
export type TimestampUnit = (typeof TIMESTAMP_UNITS)[number];

/** Units of `columns.duration` (`timestamp.duration_unit`). */
export const DURATION_UNITS = ['s', 'ms', 'us', 'ns'] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number];

const SourceSchema = z.union([
  z.string().min(1),
  z.array(z.string().min(1)).min(1),
  z.object({ const: z.union([z.string(), z.number()]) }).strict(),
  z.object({ coalesce: z.array(z.string().min(1)).min(1) }).strict(),
  z.object({ length: z.string().min(1) }).strict(),
  z.object({ token_blocks: z.string().min(1) }).strict(),
]);

/**
 * `keep` and `drop` texts (booleans too: `"stream": true` in JSON lines reads as "true"; `[true]`
 * was "keep[0]: Invalid input"), or `{"prefix": text}`: every text that starts with it (a
 * gateway's path with a query string, `/v1/chat/completions?api-version=…`).
 */
const FilterTexts = z.array(z.union([z.string().min(1), z.number(), z.boolean(), z.object({ prefix: z.string().min(1) }).strict()])).min(1).optional();

/** One entry of `keep` or `drop`. */
export type FilterEntry = string | number | boolean | { prefix: string };

export const MappingSchema = z
  .object({
    description: z.string().optional(),
    format: z.enum(INPUT_FORMATS).optional(),
    delimiter: z.string().optional().describe('field delimiter of CSV input: one character, "," by default (";" for spreadsheet exports where the decimal mark is a comma, "|")'),
    columns: z.partialRecord(z.enum(CANONICAL_FIELDS), SourceSchema),
    timestamp: z
      .object({
        unit: z.enum(TIMESTAMP_UNITS).default('auto'),
        timezone: z.string().optional().describe('offset like +08:00 or UTC, for ISO times without a zone'),
        marks: z
          .enum(['start', 'end'])
          .optional()
          .describe('what the timestamp marks: "start" (the default: when the request arrived) or "end" (a log line written when the request finished); with "end", each arrival is the timestamp minus columns.duration'),
        duration_unit: z.enum(DURATION_UNITS).optional().describe('unit of columns.duration (required with marks "end")'),
      })
      .strict()
      .optional(),
    separator: z.string().default('/').describe('joins client_id columns'),
    block_tokens: z.number().int().positive().optional().describe('tokens per block of columns.hash_ids (512, the Mooncake traces\' block, when not given)'),
    optional: z.array(z.enum(CANONICAL_FIELDS)).default([]).describe('fields whose source columns may be missing from a file (left absent)'),
    keep: FilterTexts.describe('the texts of columns.filter a row is kept for (other rows are counted as excluded), or {"prefix": text} for every text starting with it: ["POST /v1/chat/completions"], ["profiling"], [{"prefix": "/v1/chat/completions?"}]'),
    drop: FilterTexts.describe('or instead: the texts of columns.filter a row is excluded for (every other row is kept, a blank filter text too), or {"prefix": text}: ["GET /health"], [{"prefix": "/health"}]'),
  })
  .strict();

export type Mapping = z.infer<typeof MappingSchema>;

/**
 * A mapping as written (in a mapping file, or inline in a program): `separator`, `optional`
 * and `timestamp.unit` may be left out (their defaults, as in a file). ingestFiles takes one and
 * validates it (parseMapping); a `Mapping` is one too.
 */
export type MappingInput = z.input<typeof MappingSchema>;

/** The mappings parseMapping returned: already validated, with their defaults. */
const parsed = new WeakSet<Mapping>();

/**
 * Validates a parsed mapping; errors name the file and the JSON path (`file`: what to call it in
 * them, "mapping" for one written in a program).
 */
export function parseMapping(value: unknown, file = 'mapping'): Mapping {
  // A profile (or another file of ours) given to --map said `format: Invalid option: expected
  // one of "csv"|…` (found by review): name what the file is instead.
  const ours = (value as { format?: unknown } | null)?.format;
  if (typeof ours === 'string' && ours.startsWith('servegen-')) {
    throw new IngestError(`${file}: a ${ours.replace('-', ' ')} file, not a mapping file (a mapping is {"columns": {"timestamp": …, …}}; servegen ingest --help)`, file);
  }
  const r = MappingSchema.safeParse(value);
  if (!r.success) throw new IngestError(`${file}: ${mappingIssue(r.error.issues, value)}`, file);
  if (!r.data.columns.timestamp) throw new IngestError(`${file}: columns.timestamp: the timestamp field is required`, file);
  // Listed optional, a missing timestamp column left every row missing_timestamp: "no accepted
  // rows" about the log rather than the mapping (an audit leftover).
  if (r.data.optional.includes('timestamp')) throw new IngestError(`${file}: optional: timestamp cannot be optional: every row needs its arrival time (a row without one is rejected as missing_timestamp)`, file);
  if (r.data.timestamp?.timezone !== undefined) parseTimezone(r.data.timestamp.timezone, file);
  checkEndTimes(r.data, file);
  checkFilter(r.data, file);
  checkConstCounts(r.data, file);
  const h = r.data.columns.hash_ids;
  if (h !== undefined && typeof h !== 'string' && !(typeof h === 'object' && 'token_blocks' in h)) throw new IngestError(`${file}: columns.hash_ids: expected the column (or dotted path) holding each request's block ids, an array such as [0, 1, 2], or {"token_blocks": col} for a column of the prompt's token ids, got ${JSON.stringify(h)}`, file);
  const tb = (Object.entries(r.data.columns) as [string, FieldSource][]).find(([f, src]) => f !== 'hash_ids' && typeof src === 'object' && 'token_blocks' in src);
  if (tb) throw new IngestError(`${file}: columns.${tb[0]}: {"token_blocks": …} is a source of hash_ids only (a prompt's token ids cut into blocks)`, file);
  if (r.data.block_tokens !== undefined && h === undefined) throw new IngestError(`${file}: block_tokens is the size of a block of columns.hash_ids: map that column too, or leave block_tokens out`, file);
  const d = r.data.delimiter;
  if (d !== undefined && (d.length !== 1 || '"\r\n#\''.includes(d))) throw new IngestError(`${file}: delimiter: expected one character other than a quote, '#' or a line break (";" or "|"), got ${JSON.stringify(d)}`, file);
  if (d !== undefined && d !== '\t' && r.data.format === 'tsv') throw new IngestError(`${file}: delimiter ${JSON.stringify(d)} with format "tsv" (tab-separated): give "format": "csv" with it`, file);
  parsed.add(r.data);
  return r.data;
}

/**
 * A `{"const": v}` count (tokens, images, turn, …) that every row would reject — negative, a
 * fraction, not a number — is refused here, naming the key: it said "no accepted rows: all 8819
 * rows rejected (negative_tokens 8819)" about the log (found by the bad-input audit). A blank
 * const leaves the field absent, as an empty column does.
 */
function checkConstCounts(m: Mapping, file: string): void {
  for (const field of INT_FIELDS) {
    const src = m.columns[field];
    if (src === undefined || typeof src !== 'object' || Array.isArray(src) || !('const' in src)) continue;
    const v = typeof src.const === 'string' ? trimmed(src.const) : src.const;
    if (v === '') continue;
    const x = typeof v === 'number' ? v : NUMERIC_RE.test(v) ? Number(v) : NaN;
    if (!(Number.isInteger(x) && x >= 0 && x <= 2147483647)) throw new IngestError(`${file}: columns.${field}.const: ${field} must be a whole number from 0 to 2147483647, got ${JSON.stringify(src.const)} (every row would be rejected)`, file);
  }
}

/**
 * The mapping a library call was given, validated with its defaults: one that parseMapping
 * (readMapping, loadPreset) returned as it is, any other object through parseMapping. A
 * mapping written inline without `optional` failed deep in ingest with "Cannot read properties
 * of undefined (reading 'includes')", and its type asked for `separator` and `optional` (found
 * by using the installed package as a library).
 */
export function mappingOf(mapping: MappingInput): Mapping {
  return parsed.has(mapping as Mapping) ? (mapping as Mapping) : parseMapping(mapping);
}

/**
 * @throws IngestError when a mapping's end times are half-said (endTimeProblem). parseMapping
 * checks it; so do the library's entry points that take a Mapping as it is (TraceBuilder,
 * rowsSql and scanScript): a hand-built one with "marks": "end" but no duration or no unit read
 * the times unsubtracted, or the duration as seconds, without a word (found by review).
 */
export function checkEndTimes(m: Mapping, file = 'mapping'): void {
  const problem = endTimeProblem(m);
  if (problem) throw new IngestError(`${file}: ${problem}`, file);
}

/**
 * What is wrong with a mapping's end times, or undefined: `"marks": "end"` needs the duration
 * column and its unit, and the duration is read for nothing else (a mapping that named it with
 * the timestamp at the start would have dropped it without a word).
 */
function endTimeProblem(m: Mapping): string | undefined {
  const end = m.timestamp?.marks === 'end';
  const has = m.columns.duration !== undefined;
  if (end && !has) return 'timestamp.marks "end": map columns.duration too (how long each request took: its arrival is the timestamp minus it), with "duration_unit" in "timestamp"';
  if (end && m.timestamp?.duration_unit === undefined) return `timestamp.duration_unit: give the unit of columns.duration, one of ${DURATION_UNITS.map((u) => JSON.stringify(u)).join(', ')} (for "timestamp": {"marks": "end"})`;
  if (has && !end) return 'columns.duration is read only to take each request\'s arrival from a timestamp that marks its end: add "marks": "end" (and "duration_unit") to "timestamp", or leave duration out';
  if (!end && m.timestamp?.duration_unit !== undefined) return 'timestamp.duration_unit without "marks": "end" and columns.duration: the duration is read only for end times';
  if (m.optional.includes('duration')) return 'optional: duration cannot be optional: without it a request\'s arrival is unknown (a row without one is rejected as missing_duration)';
  return undefined;
}

/**
 * Refuses a mapping whose row filter is half said (parseMapping; and TraceBuilder and rowsSql, for
 * a Mapping built by hand, where a filter without keep excluded every row in one engine and was
 * an SQL syntax error, `IN ()`, in the other).
 */
export function checkFilter(m: Mapping, file = 'mapping'): void {
  const problem = filterProblem(m);
  if (problem) throw new IngestError(`${file}: ${problem}`, file);
}

/** What is wrong with a mapping's row filter, or undefined: `columns.filter` goes with one of `keep` and `drop`. */
function filterProblem(m: Mapping): string | undefined {
  const has = m.columns.filter !== undefined;
  if (m.keep !== undefined && m.drop !== undefined) return 'keep and drop: give one of them (keep: the filter texts of the rows to keep; drop: those of the rows to exclude)';
  const list = m.keep !== undefined ? 'keep' : m.drop !== undefined ? 'drop' : undefined;
  if (has && list === undefined) return 'columns.filter: give "keep", the texts of the filter a row is kept for (["profiling"], ["POST /v1/chat/completions"]), or "drop", those a row is excluded for (["GET /health"]): the rows not kept are counted as excluded';
  if (!has && list !== undefined) return `${list}: map columns.filter too, the column (or columns joined) whose text decides which rows are kept`;
  // (the schema's min(1) does not see a Mapping built by hand: `drop: []` kept every row and
  // `keep: []` none in the TypeScript engine, and both were `IN ()` in SQL; found by review)
  if ((m.keep ?? m.drop)?.length === 0) return `${list}: an empty list; give the texts of the rows to ${list}`;
  if (m.optional.includes('filter')) return 'optional: filter cannot be optional: without its column no row could be kept';
  // (`" "` passed the schema's min(1), then kept nothing: a blank filter text is excluded; found by review)
  const blank = (m.keep ?? m.drop)?.find((v) => (typeof v === 'string' && filterTexts([v]).texts[0] === '') || (typeof v === 'object' && filterTexts([v]).prefixes[0] === ''));
  // (a row's integer past 2^53 − 1 is read with its digits as written, which this list's number,
  // a double already, no longer has: 1234567890123456789 here is 1234567890123456800)
  const long = (m.keep ?? m.drop)?.find((v) => typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v));
  if (long !== undefined) return `${list}: ${String(long)} is a number past 2^53, whose digits a JSON number does not keep: give it as a text ("…" with its digits)`;
  if (blank !== undefined) return `${list}: ${JSON.stringify(blank)} is blank once trimmed, and a row's blank filter text is compared with none: give the texts of the rows to ${list}`;
  return undefined;
}

/**
 * A `keep` or `drop` list as row texts are compared with it: exact texts (trimmed; numbers and
 * booleans as JavaScript prints them) and prefixes (leading whitespace trimmed, as a row's text
 * has none; trailing kept: `{"prefix": "POST "}` is the word and its space).
 */
export interface FilterList {
  texts: string[];
  prefixes: string[];
}

function filterTexts(list: readonly FilterEntry[]): FilterList {
  const out: FilterList = { texts: [], prefixes: [] };
  for (const v of list) {
    if (typeof v === 'object') out.prefixes.push(v.prefix.replace(/^[ \t\n\v\f\r]+/, ''));
    else out.texts.push(typeof v !== 'string' ? String(v) : v.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, ''));
  }
  return out;
}

/** What a mapping's `keep` lists, as row texts are compared with it. */
export function keepTexts(m: Pick<Mapping, 'keep'>): FilterList {
  return filterTexts(m.keep ?? []);
}

/** What a mapping's `drop` lists, as row texts are compared with it. */
export function dropTexts(m: Pick<Mapping, 'drop'>): FilterList {
  return filterTexts(m.drop ?? []);
}

/** Whether a row's filter text is one of a list's texts or starts with one of its prefixes. */
export function filterMatches(list: { texts: ReadonlySet<string>; prefixes: readonly string[] }, text: string): boolean {
  if (list.texts.has(text)) return true;
  for (const p of list.prefixes) if (text.startsWith(p)) return true;
  return false;
}

/** A list as a mapping gives it back (messages: `["a", {"prefix": "b"}]`). */
export function filterListText(l: FilterList): string {
  return JSON.stringify([...l.texts, ...l.prefixes.map((prefix) => ({ prefix }))]);
}

/** The field delimiter of a CSV or TSV input read with `mapping`. */
export function csvDelimiter(format: 'csv' | 'tsv', mapping: Pick<Mapping, 'delimiter'>): string {
  return format === 'tsv' ? '\t' : (mapping.delimiter ?? ',');
}

const SOURCE_FORMS = 'a column name ("col" or "a.b" into JSON/structs), a list of columns to join, {"const": v}, {"coalesce": ["a", "b"]}, {"length": "col"} or (hash_ids) {"token_blocks": "col"}';
const SOURCE_KEYS = ['const', 'coalesce', 'length', 'token_blocks'];
/** Keys of a mapping's "timestamp" object. */
const TIMESTAMP_KEYS = ['unit', 'timezone', 'marks', 'duration_unit'] as const;

/**
 * The first schema issue of a mapping in plain words. zod said `columns.client_id: Invalid
 * input` for a source of no known form ({"colaesce": […]}, a number) and `columns: Unrecognized
 * key: "request_time"` without the keys allowed there (found by review): name the forms of a
 * source, the allowed keys and the nearest of them.
 */
function mappingIssue(issues: readonly SchemaIssue[], value: unknown): string {
  // An unknown key says more than the missing key it leaves behind ("column" for "columns").
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  const p = issue.path;
  if (p.length === 2 && p[0] === 'columns' && issue.code === 'invalid_union') {
    const v = (value as { columns: Record<string, unknown> }).columns[String(p[1])];
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const unknown = keys.find((k) => !SOURCE_KEYS.includes(k));
      if (unknown !== undefined) return plainIssue({ code: 'unrecognized_keys', path: p, message: '', keys: [unknown] }, value, () => SOURCE_KEYS);
      if (keys.length !== 1) return `${formatJsonPath(p)}: a source object has one key of ${SOURCE_KEYS.join(', ')}, got ${keys.length === 0 ? 'none' : keys.join(', ')}`;
    }
    return `${formatJsonPath(p)}: expected ${SOURCE_FORMS}, got ${JSON.stringify(v)}`;
  }
  const known = (path: readonly PropertyKey[]): readonly string[] | undefined => {
    if (path.length === 0) return Object.keys(MappingSchema.shape);
    if (path.length === 1 && path[0] === 'columns') return CANONICAL_FIELDS;
    if (path.length === 1 && path[0] === 'timestamp') return TIMESTAMP_KEYS;
    if (path.length === 2 && path[0] === 'columns') return SOURCE_KEYS;
    return undefined;
  };
  const text = plainIssue(issue, value, known);
  // {"timestamp": "ts", "client_id": "tenant"}: the fields written at the top level, without
  // their "columns" object (found by a new user's walkthrough: the allowed keys alone left it to guess).
  if (issue.code === 'unrecognized_keys' && p.length === 0 && issue.keys?.some((k) => (CANONICAL_FIELDS as readonly string[]).includes(k))) {
    const top = value as Record<string, unknown>;
    const fields = (CANONICAL_FIELDS as readonly string[]).filter((f) => f in top && (f !== 'timestamp' || typeof top[f] === 'string'));
    return `${text}; fields' sources go in a "columns" object: {"columns": {${fields.map((f) => `${JSON.stringify(f)}: ${JSON.stringify(top[f])}`).join(', ')}}}`;
  }
  // End times written where the README's example does not put them: {"timestamp": {"duration":
  // "latency_ms"}}, or "marks"/"duration_unit" next to "columns" (the allowed keys alone left it to guess).
  const misplaced = issue.code === 'unrecognized_keys' ? issue.keys?.[0] : undefined;
  if (misplaced === 'duration' && p.length === 1 && p[0] === 'timestamp') {
    return `${text}; the duration's source goes in "columns": {"duration": ${JSON.stringify((value as { timestamp: Record<string, unknown> }).timestamp.duration)}}, its unit in "timestamp": {"duration_unit": …}`;
  }
  if (misplaced !== undefined && p.length === 0 && (TIMESTAMP_KEYS as readonly string[]).includes(misplaced)) {
    return `${text}; ${JSON.stringify(misplaced)} goes in the "timestamp" object: "timestamp": {${JSON.stringify(misplaced)}: ${JSON.stringify((value as Record<string, unknown>)[misplaced])}}`;
  }
  // {"request_time": "timestamp"}: the pairs written the wrong way round.
  const reversed = issue.code === 'unrecognized_keys' && p.length === 1 && p[0] === 'columns' ? issue.keys?.find((k) => (CANONICAL_FIELDS as readonly unknown[]).includes((value as { columns: Record<string, unknown> }).columns[k])) : undefined;
  if (reversed === undefined) return text;
  const field = (value as { columns: Record<string, string> }).columns[reversed];
  return `${text}; keys are our fields and values your columns: ${JSON.stringify({ [field]: reversed })}`;
}

/** Reads a mapping file. */
export function readMapping(file: string): Mapping {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new IngestError(`${file}: cannot read mapping file (${readErrorReason(err)})`, file);
  }
  let value: unknown;
  try {
    value = parseJsonText(text, file);
  } catch (err) {
    throw new IngestError((err as Error).message, file);
  }
  // JSON.parse keeps the last of two equal keys without a word: a mapping with "client_id"
  // twice in columns read the second column and the first was never used (left open by review).
  const dup = duplicateKeyProblem(text, file);
  if (dup) throw new IngestError(dup, file);
  return parseMapping(value, file);
}

/**
 * The mapping without hash_ids (and block_tokens): what the DuckDB engine reads (it reads no
 * hash_ids), and so what its --rejects pass checks (collectRejects).
 */
export function withoutHashIds(m: Mapping): Mapping {
  if (m.columns.hash_ids === undefined) return m;
  const { hash_ids: _, ...columns } = m.columns;
  const out: Mapping = { ...m, columns, optional: m.optional.filter((f) => f !== 'hash_ids') };
  delete out.block_tokens;
  parsed.add(out);
  return out;
}

/** Offset in seconds east of UTC for `UTC`, `Z`, `+08:00`, `-0530`. */
export function parseTimezone(tz: string, file = 'mapping'): number {
  if (tz === 'UTC' || tz === 'Z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(tz);
  // An offset past a day or an hour (`+80:00` for `+08:00`, `+05:75`) moved every time by it
  // without a word (found by the bad-input audit).
  if (!m || Number(m[2]) > 23 || Number(m[3]) > 59) throw new IngestError(`${file}: timestamp.timezone: expected UTC or an offset like +08:00 (hours up to 23, minutes up to 59), got ${JSON.stringify(tz)}`, file);
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60);
}

/** Source column names (first path segment) a mapping reads, for up-front checks. */
export function mappedColumns(mapping: Mapping): { field: CanonicalField; column: string }[] {
  const out: { field: CanonicalField; column: string }[] = [];
  for (const [field, src] of Object.entries(mapping.columns) as [CanonicalField, FieldSource][]) {
    if (typeof src === 'string') out.push({ field, column: src });
    else if (Array.isArray(src)) for (const c of src) out.push({ field, column: c });
    else if ('coalesce' in src) for (const c of src.coalesce) out.push({ field, column: c });
    else if ('length' in src) out.push({ field, column: src.length });
    else if ('token_blocks' in src) out.push({ field, column: src.token_blocks });
  }
  return out;
}

/**
 * A field the mapping requires (not `optional`) that reads `{"coalesce": [...]}` of columns none
 * of which a file has, with those columns; undefined when there is none. Each coalesced column
 * may be missing, but not all of them: the field would be absent from every row.
 */
export function missingCoalesce(mapping: Mapping, columns: readonly string[], dotted: boolean): { field: CanonicalField; columns: string[] } | undefined {
  for (const [field, src] of Object.entries(mapping.columns) as [CanonicalField, FieldSource][]) {
    if (typeof src !== 'object' || Array.isArray(src) || !('coalesce' in src) || mapping.optional.includes(field)) continue;
    const tops = src.coalesce.map((c) => (dotted ? c.split('.')[0] : c));
    if (!tops.some((c) => columns.includes(c))) return { field, columns: [...new Set(tops)] };
  }
  return undefined;
}

/**
 * What to do about a field no row has: list it in "optional" — except the duration of end times and
 * the row filter, which parseMapping refuses as optional, and the timestamp (the errors told a user to do what it then refused).
 */
function ifAbsent(field: CanonicalField, join = ''): string {
  if (field === 'duration') return `${join ? '; ' : ''}every row needs its duration (with "marks": "end" its arrival is the timestamp minus it): map the column that holds it`;
  // The row filter cannot be optional either, and a timestamp listed there leaves every row
  // missing_timestamp (the advice was given for both; found by review).
  if (field === 'filter') return `${join ? '; ' : ''}every row needs its filter text (a row without one is excluded): map the column that holds it`;
  if (field === 'timestamp') return `${join ? '; ' : ''}every row needs its timestamp: map the column that holds it`;
  return `${join}list ${field} in "optional" if it may be absent`;
}

/** The error for missingCoalesce's result in `file` (exit 2, before any output). */
export function missingCoalesceError(file: string, missing: { field: CanonicalField; columns: string[] }, columns: readonly string[]): IngestError {
  return new IngestError(
    `${file}: mapping reads ${missing.field} from the first non-empty of ${missing.columns.map((c) => JSON.stringify(c)).join(', ')}, none of which is in the input (columns: ${columns.map((c) => JSON.stringify(c)).join(', ')}); ${ifAbsent(missing.field)}`,
    file,
    undefined,
    missing.field,
  );
}

/**
 * The error for a required `coalesce` none of whose sources any row of `file` has (each a
 * missing column or a dotted path no row resolves): the field would be absent from every row.
 */
export function missingCoalescePathsError(file: string, field: CanonicalField, specs: readonly string[]): IngestError {
  return new IngestError(
    `${file}: mapping reads ${field} from the first non-empty of ${specs.map((c) => JSON.stringify(c)).join(', ')}, none of which any row of the file has; fix the paths${ifAbsent(field, ', or ')}`,
    file,
    undefined,
    field,
  );
}

/**
 * The error for a dotted path of a required field that no row of `file` has, below a column
 * the file does have (`usage.prompt_tokns`): a typo, refused as a missing column is (exit 2).
 */
export function missingPathError(file: string, field: CanonicalField, spec: string): IngestError {
  const [column, ...path] = spec.split('.');
  return new IngestError(
    `${file}: mapping reads ${field} from ${JSON.stringify(spec)}, a path no row of the file has (${JSON.stringify(column)} is there, ${JSON.stringify(path.join('.'))} inside it is not); fix the path${ifAbsent(field, ', or ')}`,
    file,
    undefined,
    field,
  );
}
