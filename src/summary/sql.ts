/**
 * The summary scan as SQL: the same per-(client, window) statistics as buildSummaries, so
 * the heavy pass can run inside DuckDB (`--engine duckdb`, executed and tested) or on a
 * warehouse (`servegen sql --dialect spark|trino|clickhouse`, printed for the user to run;
 * the clickhouse script is executed by the tests on embedded ClickHouse (chdb), the others
 * parsed where a parser exists). Functions that differ between engines go through
 * a Dialect; everything else is portable SQL. See docs/scale.md.
 */
import { checkEndTimes, checkFilter, parseTimezone, type Mapping, type FieldSource } from '../ingest/mapping.js';
import { ISO_RE } from '../ingest/timestamp.js';
import { dropTexts, keepTexts, type FilterList } from '../ingest/mapping.js';
import { IngestError } from '../ingest/errors.js';
import { TEXT_FIELDS } from '../ingest/fields.js';
import { EXPONENT_RE } from '../ingest/id-digits.js';
import { GAP_BINS_PER_DECADE, GAP_MIN, LENGTH_EXACT_BELOW } from './bins.js';
import { AGGREGATE_BUCKET_SECONDS, CLUSTER_GAPS, CLUSTER_KEYS, clusterTicks, MEM_LAGS, MEM_MIN_GAPS, QUANT_TICKS } from './types.js';
import { dbl } from './sql-double.js';
import { clusterTicksColumn, RESOLUTION_COLUMN, RESOLUTION_CTE, resolutionSql } from './resolution-sql.js';

export const SQL_DIALECTS = ['duckdb', 'spark', 'trino', 'clickhouse'] as const;
export type SqlDialectName = (typeof SQL_DIALECTS)[number];

/** Engine-specific pieces of the scan. */
export interface Dialect {
  name: SqlDialectName;
  ident(name: string): string;
  text: string;
  toDouble(e: string): string;
  /** True for text the engine's cast reads as a number but JavaScript's Number() does not. */
  notNumber?(e: string): string;
  /** Text with surrounding whitespace removed. */
  trim(e: string): string;
  /**
   * The cast to DOUBLE ignores the whitespace trim removes: a number field's text is then
   * trimmed only when it does not parse (to tell blank from bad), not on every row.
   */
  castIgnoresSpace?: boolean;
  /**
   * The reason CASE starts with one test that a row is accepted (every field parsed and in
   * range), so most rows skip the reject checks: DuckDB evaluates a CASE's branches only for
   * the rows no earlier branch took (a third of its CSV normalization cost here).
   */
  acceptFirst?: boolean;
  /**
   * A column the engine typed as JSON (values of mixed types, e.g. `"user": "alice"` in one
   * row and `5` in another), as the text the TypeScript reader makes of each value: a string
   * unquoted, a number as String() prints it.
   */
  jsonText?(e: string): string;
  /** A JSON value read as an id's text: jsonText, but an integer literal past 2^53 − 1 as written (TypedColumns.exactIds). */
  jsonIdText?(e: string): string;
  /** A column typed as a number, as the text JavaScript's String() gives for it (2, not 2.0). */
  numberText(e: string): string;
  /** e (a double) as BIGINT, NULL when out of range (±inf, NaN: rows that are rejected anyway). */
  toBigint(e: string): string;
  isFinite(e: string): string;
  /** Epoch seconds (with microseconds) of an ISO-8601 date-time string read as UTC. */
  isoSeconds(e: string): string;
  /**
   * duckdb: ISO-8601 times read exactly as parseIsoSeconds reads them (the same double), in two
   * steps so the regular expression runs once per row: `parts(e)` one query level below (NULL
   * for the common shapes, else the match's groups), then `seconds(e, parts, offset)` (times
   * without a zone read at `offset` seconds east of UTC). DuckDB evaluates a subexpression
   * used several times inside a CASE once per use (41 s instead of 3 s for 5 M rows).
   */
  iso?: { parts(e: string): string; seconds(e: string, parts: string, offset: number): string };
  /** Items of an array column (a number, or text for duckdb). */
  arrayLength(e: string): string;
  /** Whether text e starts with the text literal p (the row filter's `{"prefix": p}`). */
  startsWith(e: string, p: string): string;
  /** Previous value of e within the client's rows by time (NULL for the first). */
  lag(e: string): string;
  /** The value of e k rows before, within `partition` ordered by `order` (NULL before the first). */
  lagAt(e: string, k: number, partition: string, order: string): string;
  /** Appended to every query of the printed script (clickhouse: a SETTINGS clause). */
  scriptSuffix?: string;
  /** A string literal of the mapping's text (`const`, `separator`), where '' doubling is not enough (clickhouse, spark: backslashes are escapes). */
  literal?: (v: string) => string;
  /** A source column as text, where CAST(e AS text) is not it (clickhouse: DateTime columns print the wall clock of their zone). */
  castText?(e: string): string;
  /**
   * duckdb: a column typed BLOB (Parquet BYTE_ARRAY without a string annotation) as its UTF-8
   * text, as the TypeScript reader decodes it (CAST(… AS VARCHAR) escapes every byte past ASCII,
   * `\xC3\xA9` for é); bytes that are not UTF-8 become BAD_BYTES_TEXT (the TypeScript reader's
   * lone surrogates), which no number or time parses and which text fields reject as bad_encoding.
   */
  blobText?(e: string): string;
  /** duckdb: true where a BLOB column's value is not UTF-8. */
  blobBad?(e: string): string;
}

/**
 * The text a BLOB value that is not UTF-8 reads as in the duckdb dialect (noncharacters around a
 * name: never read as a number or time). A text field holding it, from a column whose bytes
 * are not UTF-8 in that row, is rejected as bad_encoding.
 */
export const BAD_BYTES_TEXT = '\u{10FFFF}servegen:not-utf8\u{10FFFF}';

const standardLag = (e: string) => `lag(${e}) OVER (PARTITION BY client ORDER BY t)`;
const standardLagAt = (e: string, k: number, partition: string, order: string) => `lag(${e}, ${k}) OVER (PARTITION BY ${partition} ORDER BY ${order})`;

const quoteDouble = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * A finite double x ≠ 0 as JavaScript's Number.prototype.toString prints it, from DuckDB's
 * shortest round-trip text of |x| (the same digits, other layouts): its digits d (k of them) and
 * the decimal point's place n (|x| = 0.d × 10ⁿ), then JavaScript's rule — d and n − k zeros for
 * k ≤ n ≤ 21, a point inside d for 0 < n ≤ 21, `0.` and −n zeros before d for −6 < n ≤ 0, else
 * `d₁.d₂…e±(n − 1)`. DuckDB wrote 1e15 as `1000000000000000.0`, 1.5e-5 as `1.5e-05` and
 * 1.2345678901234567e19 as `1.2345678901234567e+19`, where the TypeScript engine reads
 * `1000000000000000`, `0.000015` and `12345678901234567000`: a client id written as such a JSON
 * number was another client in each engine (found by the odd-traces audit).
 */
const duckdbJsDoubleText = (x: string): string => {
  const s = `CAST(abs(${x}) AS VARCHAR)`;
  const mant = `regexp_extract(${s}, '^[0-9.]+')`;
  const ex = `CAST(coalesce(NULLIF(regexp_extract(${s}, '[eE]([-+]?[0-9]+)$', 1), ''), '0') AS INTEGER)`;
  const ip = `split_part(${mant}, '.', 1)`;
  const raw = `(${ip} || split_part(${mant}, '.', 2))`;
  const d = `rtrim(ltrim(${raw}, '0'), '0')`;
  const k = `length(${d})`;
  const n = `(length(${ip}) + ${ex} - (length(${raw}) - length(ltrim(${raw}, '0'))))`;
  return (
    `(CASE WHEN ${x} < 0 THEN '-' ELSE '' END || CASE ` +
    `WHEN ${k} <= ${n} AND ${n} <= 21 THEN ${d} || repeat('0', ${n} - ${k}) ` +
    `WHEN 0 < ${n} AND ${n} <= 21 THEN substr(${d}, 1, ${n}) || '.' || substr(${d}, ${n} + 1) ` +
    `WHEN -6 < ${n} AND ${n} <= 0 THEN '0.' || repeat('0', -${n}) || ${d} ` +
    `ELSE substr(${d}, 1, 1) || CASE WHEN ${k} > 1 THEN '.' || substr(${d}, 2) ELSE '' END || 'e' || CASE WHEN ${n} >= 1 THEN '+' ELSE '-' END || CAST(abs(${n} - 1) AS VARCHAR) END)`
  );
};

/**
 * A number as the TypeScript engine reads it as text: a double as JavaScript prints it, an
 * integer column's value (Parquet INT64, read there as a BigInt) with all its digits. (JSON
 * numbers are doubles in that engine: their columns are read through DOUBLE, TypedColumns.inexact.)
 */
const DUCKDB_NUMBER_TEXT = (e: string) =>
  `CASE WHEN isnan(${e}) THEN 'NaN' WHEN isinf(${e}) THEN CASE WHEN ${e} > 0 THEN 'Infinity' ELSE '-Infinity' END WHEN ${e} = trunc(${e}) AND abs(${e}) < 1e15 THEN CAST(CAST(${e} AS BIGINT) AS VARCHAR) WHEN typeof(${e}) NOT IN ('DOUBLE', 'FLOAT') THEN CAST(${e} AS VARCHAR) ELSE ${duckdbJsDoubleText(`CAST(${e} AS DOUBLE)`)} END`;

/** For tests: DUCKDB_NUMBER_TEXT. */
export const duckdbNumberTextSql = DUCKDB_NUMBER_TEXT;

/**
 * Source columns typed as numbers; `json`: those typed as JSON (mixed value types);
 * `jsonPaths`: dotted specs (`usage.prompt_tokens`) whose value is JSON-typed, with the index
 * of the first segment typed JSON (0: the column itself, e.g. `usage` an object in some rows
 * and a string in others; the last: a struct field of mixed types); `clientMissing`: the
 * mapping's client column is an optional one the input does not have (its rows are client
 * `unknown`, as the TypeScript engine reads an absent value; `default` is for mappings without one);
 * `blob`: top-level columns typed BLOB (read through Dialect.blobText where the dialect has it);
 * `numericPaths`, `blobPaths`: dotted specs into struct columns whose leaf is a number or BLOB;
 * `absent`: columns of an optional joined field that the input does not have (read as NULL);
 * `inexact`: number columns (and dotted specs) typed FLOAT or DECIMAL, and every number column of JSON
 * input (the TypeScript engine's JSON.parse makes doubles of them), read as text through DOUBLE;
 * `exactIds`: specs of values read as text (ids, the filter) from JSON lines, read as JSON so that
 * an integer past 2^53 − 1 keeps its digits (Dialect.jsonIdText; the TypeScript engine's longIntegerText).
 */
export type TypedColumns = ReadonlySet<string> & { json?: ReadonlySet<string>; jsonPaths?: ReadonlyMap<string, number>; clientMissing?: boolean; blob?: ReadonlySet<string>; numericPaths?: ReadonlySet<string>; blobPaths?: ReadonlySet<string>; absent?: ReadonlySet<string>; fieldCounts?: boolean; shifted?: boolean; hashSpaces?: boolean; inexact?: ReadonlySet<string>; exactIds?: ReadonlySet<string> };

/**
 * A boolean column of a CSV read with its rows' field counts (TypedColumns.fieldCounts,
 * src/summary/duckdb-csv-fields.ts): true where a row has another number of fields than the header.
 */
export const WRONG_FIELD_COUNT = '__sg_wrong_count';

/**
 * A DOUBLE column of the inputs read as our own traces counting from different origins
 * (TypedColumns.shifted): the seconds from the earliest origin to the row's file's, added once
 * to its time as read (NULL: the time as read), as the TypeScript engine adds them (ingestFiles).
 */
export const ORIGIN_SHIFT = '__sg_shift';

/**
 * An INTEGER column of the inputs read as several of our own traces with hash_ids
 * (TypedColumns.hashSpaces): whose ids the row's are, as TraceBuilder.hashIdsLocalToFile keeps
 * them apart — 0 (or NULL) a log's, shared by its files; k > 0 the k-th of our traces, whose ids
 * were numbered from 0 when it was written. rowsSql gives it as `hash_space` beside `hash_raw`.
 */
export const HASH_SPACE = '__sg_hash_space';

/**
 * JavaScript's whitespace as an RE2 character class: what `\s` matches and
 * String.prototype.trim removes (RE2's `\s` is ASCII only, and lacks \v).
 */
export const JS_SPACE_RE2 = '[\\t\\n\\v\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}]';

/**
 * ISO_RE for RE2 on untrimmed text: its `\s` spelled out as JavaScript's, and JavaScript
 * whitespace allowed at both ends (parseIsoSeconds matches `text.trim()`). The groups are
 * ISO_RE's, in order.
 */
export const ISO_RE2 = `^${JS_SPACE_RE2}*(?:${ISO_RE.source.replace(/^\^|\$$/g, '').replace(/\\s/g, JS_SPACE_RE2)})${JS_SPACE_RE2}*$`;

/**
 * The shapes most logs write, read without the capturing match: `YYYY-MM-DD[T ]hh:mm:ss`,
 * an optional `.` fraction, then nothing, `Z` or `±hh:mm`. For these TRY_CAST(… AS TIMESTAMP)
 * of the first 19 characters is exactly parseIsoSeconds' whole seconds: the year is 1000–9999,
 * hours 00–23, minutes and seconds 00–59 (no rollover), and DuckDB refuses the days
 * parseIsoSeconds refuses (checked against it for every month 00–19 and day 00–39 of every
 * such year; test/summary/duckdb-iso.test.ts checks 15 of them). The fraction and the offset are then added as parseIsoSeconds adds them.
 */
const ISO_FAST_RE2 = '[1-9]\\d{3}-\\d{2}-\\d{2}[T ]([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})?';

/** The ISO parts struct (duckdb): NULL when the text has a fast shape (or is NULL), else ISO_RE2's groups ('' when absent; y = '' when no match). */
function duckdbIsoParts(e: string): string {
  return `CASE WHEN regexp_full_match(${e}, ${literal(ISO_FAST_RE2)}) THEN NULL ELSE regexp_extract(${e}, ${literal(ISO_RE2)}, ['y', 'mo', 'd', 'h', 'mi', 's', 'frac', 'zone']) END`;
}

/**
 * Epoch seconds of ISO text as parseIsoSeconds computes them, bit for bit: whole milliseconds
 * (exact), `ms / 1000 + Number('0.' + frac) - offset` in that order (DuckDB's text-to-DOUBLE
 * cast is correctly rounded, as Number() is; a trailing '0' makes '' read as 0 and changes no
 * value). `parts` is duckdbIsoParts(e), computed one level below.
 */
function duckdbIsoSeconds(e: string, parts: string, offset: number): string {
  const fraction = (text: string) => `CAST('0.' || ${text} || '0' AS DOUBLE)`;
  // Zone: `Z`, `z`, `UTC` → 0; `±hh`, `±hhmm`, `±hh:mm` → sign × (hh × 3600 + mm × 60); none → offset.
  const zoneOffset = (z: string) =>
    `CASE WHEN ${z} = '' THEN ${offset} WHEN ${z} IN ('Z', 'z', 'UTC') THEN 0 ELSE CASE WHEN starts_with(${z}, '-') THEN -1 ELSE 1 END * (CAST(substr(${z}, 2, 2) AS INTEGER) * 3600 + CASE WHEN length(${z}) > 3 THEN CAST(right(${z}, 2) AS INTEGER) * 60 ELSE 0 END) END`;
  // Fast shapes: the zone is nothing, `Z` or `±hh:mm` (its sign 6th from the end: that
  // character is a digit, ':' or '.' in the other two); the fraction, if any, starts at
  // character 21 and runs to the zone.
  const signed = `length(${e}) >= 25 AND substr(${e}, -6, 1) IN ('+', '-')`;
  const zoneLength = `CASE WHEN ends_with(${e}, 'Z') THEN 1 WHEN ${signed} THEN 6 ELSE 0 END`;
  const fastOffset = `CASE WHEN ends_with(${e}, 'Z') THEN 0 WHEN ${signed} THEN ${zoneOffset(`right(${e}, 6)`)} ELSE ${offset} END`;
  const fast = `CAST(epoch(TRY_CAST(substr(${e}, 1, 19) AS TIMESTAMP)) AS DOUBLE) + ${fraction(`substr(${e}, 21, greatest(length(${e}) - 20 - ${zoneLength}, 0))`)} - ${fastOffset}`;
  // Other text: the match's groups, checked and added up as parseIsoSeconds does.
  const p = (k: string) => `${parts}.${k}`;
  const int = (k: string) => `TRY_CAST(${p(k)} AS INTEGER)`;
  const int0 = (k: string) => `coalesce(TRY_CAST(${p(k)} AS INTEGER), 0)`;
  const [y, mo, d, h, mi, s] = [int('y'), int('mo'), int('d'), int0('h'), int0('mi'), int0('s')];
  // daysFromCivil (src/ingest/timestamp.ts): years shifted by 400 so every // is of a non-negative number.
  const Y = `(${y} + 400 - CASE WHEN ${mo} <= 2 THEN 1 ELSE 0 END)`;
  const days = `(365 * ${Y} + ${Y} // 4 - ${Y} // 100 + ${Y} // 400 + (153 * (${mo} + CASE WHEN ${mo} > 2 THEN -3 ELSE 9 END) + 2) // 5 + ${d} - 1 - ${719468 + 146097})`;
  const ms = `(${days} * CAST(86400000 AS BIGINT) + ${h} * 3600000 + ${mi} * 60000 + ${s} * 1000)`;
  const leap = `(${y} % 4 = 0 AND (${y} % 100 <> 0 OR ${y} % 400 = 0))`;
  const monthDays = `CASE WHEN ${mo} = 2 THEN CASE WHEN ${leap} THEN 29 ELSE 28 END WHEN ${mo} IN (4, 6, 9, 11) THEN 30 ELSE 31 END`;
  const valid = `${mo} BETWEEN 1 AND 12 AND ${d} >= 1 AND ${d} <= ${monthDays} AND ${h} <= 24 AND ${mi} <= 59 AND ${s} <= 60`;
  const slow = `CASE WHEN ${valid} THEN CAST(${ms} AS DOUBLE) / 1000 + ${fraction(p('frac'))} - ${zoneOffset(p('zone'))} END`;
  return `CASE WHEN ${parts} IS NULL THEN ${fast} ELSE ${slow} END`;
}

/**
 * `{"length": col}` as the TypeScript engine reads it (normalize.ts): a list's items; text (a
 * CSV field, a JSON string) that is a JSON array written out, its items; NULL (absent) for
 * NULL and blank text; 'NaN' (a bad number) for anything else — other text, numbers, objects.
 * (`len()` counted a text's characters.) The column's type is known only when the query is
 * bound, so every branch is written and DuckDB keeps the one `typeof` selects.
 */
function duckdbArrayLength(e: string): string {
  const json = `CAST(${e} AS JSON)`;
  return `CASE WHEN ${e} IS NULL THEN NULL WHEN typeof(${e}) = 'VARCHAR' THEN ${duckdbTextArrayLength(`CAST(${e} AS VARCHAR)`)}
    WHEN typeof(${e}) = 'JSON' THEN CASE json_type(${json}) WHEN 'ARRAY' THEN CAST(json_array_length(${json}) AS VARCHAR) WHEN 'VARCHAR' THEN ${duckdbTextArrayLength(`${json} ->> '$'`)} WHEN 'NULL' THEN NULL ELSE 'NaN' END
    WHEN regexp_matches(typeof(${e}), '\\[\\d*\\]$') THEN CAST(len(TRY_CAST(${e} AS VARCHAR[])) AS VARCHAR) ELSE 'NaN' END`;
}

/**
 * Items of a JSON array written as text, as `JSON.parse(text).length` counts them; 'NaN' when the
 * text is not one; NULL when blank (ASCII whitespace). DuckDB's JSON reader (yyjson) also takes
 * trailing commas and NaN/Infinity, which JSON.parse refuses, and refuses lone surrogate escapes
 * (`"\ud800"`), which JSON.parse takes: trailing commas and letters (valid JSON has none but
 * true/false/null and exponents) are looked for in the text with its strings emptied and its literals made 0s, and
 * surrogate escapes are read as another letter before DuckDB validates the text.
 */
function duckdbTextArrayLength(e: string): string {
  const emptied = `regexp_replace(regexp_replace(${e}, '"(?:[^"\\\\]|\\\\.)*"', '""', 'g'), 'true|false|null', '0', 'g')`;
  const surrogatesRead = `regexp_replace(${e}, '\\\\u[dD][89a-fA-F][0-9a-fA-F]{2}', '\\\\u0041', 'g')`;
  const valid = `json_valid(${surrogatesRead}) AND NOT regexp_matches(${emptied}, '[A-DF-Za-df-z]|,[ \\t\\n\\r]*[\\]}]')`;
  return `CASE WHEN trim(${e}, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)) = '' THEN NULL WHEN ${valid} AND json_type(${surrogatesRead}) = 'ARRAY' THEN CAST(json_array_length(${surrogatesRead}) AS VARCHAR) ELSE 'NaN' END`;
}

/** A ClickHouse (or Spark) string literal: backslashes are escapes there, so they are doubled too, and a quote is backslash-quote. */
/** Spark: ASCII whitespace at either end (Java regex; written through chLiteral). */
const SPARK_TRIM_RE = '^[ \\t\\n\\x0B\\f\\r]+|[ \\t\\n\\x0B\\f\\r]+$';
/** Space, tab, LF, VT, FF, CR as one text (Trino's chr). */
const ASCII_SPACE_CHARS = `' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)`;
const chLiteral = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The ISO parts (clickhouse): ISO_RE2's eight groups as an array, empty when the text does not match (or is NULL). */
function clickhouseIsoParts(e: string): string {
  return `extractGroups(coalesce(${e}, ''), ${chLiteral(ISO_RE2)})`;
}

/**
 * Epoch seconds of ISO text as parseIsoSeconds computes them, bit for bit (clickhouse): the
 * match's groups checked and added up in the same order (whole milliseconds, exact; then
 * `ms / 1000 + Number('0.' + frac) - offset`; toFloat64 of decimal text is correctly rounded,
 * as Number() is). `parts` is clickhouseIsoParts(e), computed one level below. No date parsing
 * of ClickHouse's: parseDateTime64BestEffort took `2024/01/02`, `Jan 2 2024` and bare epoch
 * numbers, and refused `…z` and `,5` fractions.
 */
function clickhouseIsoSeconds(_e: string, parts: string, offset: number): string {
  const g = (k: number) => `${parts}[${k}]`;
  const int = (k: number) => `toInt64OrNull(${g(k)})`;
  const int0 = (k: number) => `coalesce(toInt64OrNull(${g(k)}), 0)`;
  const [y, mo, d, h, mi, s] = [int(1), int(2), int(3), int0(4), int0(5), int0(6)];
  const z = g(8);
  const zoneOffset = `multiIf(${z} = '', ${offset}, ${z} IN ('Z', 'z', 'UTC'), 0, if(startsWith(${z}, '-'), -1, 1) * (toInt64OrZero(substring(${z}, 2, 2)) * 3600 + if(length(${z}) > 3, toInt64OrZero(right(${z}, 2)) * 60, 0)))`;
  const Y = `(${y} + 400 - if(${mo} <= 2, 1, 0))`;
  const days = `(365 * ${Y} + intDiv(${Y}, 4) - intDiv(${Y}, 100) + intDiv(${Y}, 400) + intDiv(153 * (${mo} + if(${mo} > 2, -3, 9)) + 2, 5) + ${d} - 1 - ${719468 + 146097})`;
  const ms = `(${days} * 86400000 + ${h} * 3600000 + ${mi} * 60000 + ${s} * 1000)`;
  const leap = `(${y} % 4 = 0 AND (${y} % 100 <> 0 OR ${y} % 400 = 0))`;
  const monthDays = `multiIf(${mo} = 2, if(${leap}, 29, 28), ${mo} IN (4, 6, 9, 11), 30, 31)`;
  const valid = `${mo} BETWEEN 1 AND 12 AND ${d} >= 1 AND ${d} <= ${monthDays} AND ${h} <= 24 AND ${mi} <= 59 AND ${s} <= 60`;
  const fraction = `toFloat64(concat('0.', ${g(7)}, '0'))`;
  return `if(${valid}, toFloat64(${ms}) / 1000 + ${fraction} - ${zoneOffset}, NULL)`;
}

/**
 * `{"length": col}` as the TypeScript engine reads it (clickhouse): an array column's items;
 * text that is a JSON array written out, its items; NULL for NULL and blank text (ASCII
 * whitespace); 'NaN' (a bad number) for other text. (`length()` of a String counts its bytes.)
 * ClickHouse's JSON parser refuses two things JSON.parse takes, so the text is validated with
 * them rewritten: lone surrogate escapes (`"\ud800"`, read as another letter) and numbers
 * beyond a double's range (`1e999`, JSON.parse's Infinity; the exponent made 0), and integers
 * past 64 bits (`18446744073709551616`, made one digit).
 */
function clickhouseArrayLength(e: string): string {
  const text = `toString(${e})`;
  const exp = `replaceRegexpAll(replaceRegexpAll(${text}, ${chLiteral('\\\\u[dD][89a-fA-F][0-9a-fA-F]{2}')}, ${chLiteral('\\\\u0041')}), ${chLiteral('([0-9])[eE]\\+?[0-9]{3,}')}, ${chLiteral('\\1e0')})`;
  // Runs of 19+ digits (integers past Int64/UInt64, which ClickHouse's validator refuses) made one digit.
  const read = `replaceRegexpAll(${exp}, ${chLiteral('([1-9])[0-9]{18,}')}, ${chLiteral('\\1')})`;
  return `if(startsWith(toTypeName(${e}), 'Array'), toString(length(${e})), multiIf(${e} IS NULL, NULL, trim(BOTH ' \\t\\n\\r\\f\\v' FROM ${text}) = '', NULL, isValidJSON(${read}) AND JSONType(${read}) = 'Array', toString(JSONLength(${read})), 'NaN'))`;
}

export const DIALECTS: Record<SqlDialectName, Dialect> = {
  duckdb: {
    name: 'duckdb',
    startsWith: (e, p) => `starts_with(${e}, ${p})`,
    ident: quoteDouble,
    text: 'VARCHAR',
    toDouble: (e) => `TRY_CAST(${e} AS DOUBLE)`,
    // DuckDB reads '1_000' as 1000; JavaScript's Number() does not.
    notNumber: (e) => `contains(${e}, '_')`,
    // ASCII whitespace, as the TypeScript engine trims it; trim(x, chars) is slow, so only when
    // needed (RE2's \s lacks \v, so the class is spelled out; DuckDB's e'' strings have no \v
    // or \f escape, so the characters to trim are chr() codes).
    trim: (e) => `CASE WHEN regexp_matches(${e}, '^[ \\t\\n\\r\\f\\v]|[ \\t\\n\\r\\f\\v]$') THEN trim(${e}, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)) ELSE ${e} END`,
    castIgnoresSpace: true,
    acceptFirst: true,
    jsonText: (e) => `CASE WHEN json_type(${e}) IN ('UBIGINT', 'BIGINT', 'DOUBLE', 'HUGEINT') THEN ${DUCKDB_NUMBER_TEXT(`CAST(${e} AS DOUBLE)`)} ELSE ${e} ->> '$' END`,
    // (the literal's own text: DuckDB keeps a JSON number's digits as written, a 64-bit one and
    // one past 64 bits alike; JSON has no leading zeros or '+', so it is the TypeScript engine's
    // longIntegerText)
    jsonIdText: (e) =>
      `CASE WHEN json_type(${e}) IN ('UBIGINT', 'BIGINT', 'DOUBLE', 'HUGEINT') AND abs(CAST(${e} AS DOUBLE)) >= 9007199254740992 AND regexp_full_match(CAST(${e} AS VARCHAR), '-?[0-9]+') THEN CAST(${e} AS VARCHAR) WHEN json_type(${e}) IN ('UBIGINT', 'BIGINT', 'DOUBLE', 'HUGEINT') THEN ${DUCKDB_NUMBER_TEXT(`CAST(${e} AS DOUBLE)`)} ELSE ${e} ->> '$' END`,
    numberText: (e) => DUCKDB_NUMBER_TEXT(e),
    toBigint: (e) => `TRY_CAST(${e} AS BIGINT)`,
    isFinite: (e) => `isfinite(${e})`,
    // parseIsoSeconds in SQL (not TRY_CAST AS TIMESTAMPTZ: it refused `…z`, `,5` fractions,
    // 24:00:00, :60 and a space before the offset, kept only microseconds, and took named zones).
    isoSeconds: (e) => duckdbIsoSeconds(e, duckdbIsoParts(e), 0),
    iso: { parts: duckdbIsoParts, seconds: duckdbIsoSeconds },
    arrayLength: duckdbArrayLength,
    lag: standardLag,
    lagAt: standardLagAt,
    blobText: (e) => `CASE WHEN ${e} IS NULL THEN NULL ELSE coalesce(try(decode(${e})), ${literal(BAD_BYTES_TEXT)}) END`,
    blobBad: (e) => `(${e} IS NOT NULL AND try(decode(${e})) IS NULL)`,
  },
  spark: {
    name: 'spark',
    startsWith: (e, p) => `startswith(${e}, ${p})`,
    // Spark's string literals take backslash escapes, and '' is two adjacent literals ('It''s' is "Its").
    literal: chLiteral,
    ident: (name) => `\`${name.replace(/`/g, '``')}\``,
    text: 'STRING',
    // ASCII whitespace, as the TypeScript engine trims it: Spark's trim() removes spaces only (a
    // tab around a number was a bad_number). regexp_replace, not trim(BOTH … FROM), which Hive's
    // grammar (and so the parse check) lacks; the literal's backslashes reach Java's regex as \t….
    trim: (e) => `regexp_replace(${e}, ${chLiteral(SPARK_TRIM_RE)}, '')`,
    numberText: (e) => `CAST(${e} AS STRING)`,
    toDouble: (e) => `TRY_CAST(${e} AS DOUBLE)`,
    toBigint: (e) => `TRY_CAST(${e} AS BIGINT)`,
    isFinite: (e) => `(NOT isnan(${e}) AND abs(${e}) < double('inf'))`,
    isoSeconds: (e) => `unix_micros(try_to_timestamp(${e})) / 1e6`,
    // size(NULL) is -1 unless ANSI mode is on (Spark 3.x's default is off): a row without the
    // array was a negative_tokens reject where the other engines leave the field absent (found by review).
    arrayLength: (e) => `CASE WHEN ${e} IS NULL THEN NULL ELSE size(${e}) END`,
    lag: standardLag,
    lagAt: standardLagAt,
  },
  trino: {
    name: 'trino',
    startsWith: (e, p) => `starts_with(${e}, ${p})`,
    ident: quoteDouble,
    text: 'VARCHAR',
    // ASCII whitespace, as the TypeScript engine trims it: Trino's trim() strips white space by
    // its own definition, beyond ASCII. The characters after BOTH are a set.
    trim: (e) => `trim(BOTH ${ASCII_SPACE_CHARS} FROM ${e})`,
    numberText: (e) => `CAST(${e} AS VARCHAR)`,
    toDouble: (e) => `TRY_CAST(${e} AS DOUBLE)`,
    toBigint: (e) => `TRY_CAST(${e} AS BIGINT)`,
    isFinite: (e) => `is_finite(${e})`,
    isoSeconds: (e) => `to_unixtime(try(from_iso8601_timestamp(replace(${e}, ' ', 'T'))))`,
    arrayLength: (e) => `cardinality(${e})`,
    lag: standardLag,
    lagAt: standardLagAt,
  },
  clickhouse: {
    name: 'clickhouse',
    startsWith: (e, p) => `startsWith(${e}, ${p})`,
    ident: quoteDouble,
    // Nullable: CAST of a NULL to String is an error in ClickHouse.
    text: 'Nullable(String)',
    // ASCII whitespace, as the TypeScript engine trims it (trim() alone removes spaces only).
    trim: (e) => `trim(BOTH ' \\t\\n\\r\\f\\v' FROM ${e})`,
    numberText: (e) => `toString(${e})`,
    toDouble: (e) => `toFloat64OrNull(toString(${e}))`,
    toBigint: (e) => `accurateCastOrNull(${e}, 'Int64')`,
    isFinite: (e) => `isFinite(${e})`,
    isoSeconds: (e) => clickhouseIsoSeconds(e, clickhouseIsoParts(e), 0),
    iso: { parts: clickhouseIsoParts, seconds: clickhouseIsoSeconds },
    arrayLength: clickhouseArrayLength,
    // ClickHouse has no lag(); lagInFrame over the whole partition, on a Nullable so the
    // first row gets NULL rather than 0.
    lag: (e) => `lagInFrame(toNullable(${e})) OVER (PARTITION BY client ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)`,
    lagAt: (e, k, partition, order) => `lagInFrame(toNullable(${e}), ${k}) OVER (PARTITION BY ${partition} ORDER BY ${order} ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)`,
    // Over Parquet files (file(), s3(), clickhouse-local), ClickHouse 26.7 moved the lengths'
    // and joint's filters to PREWHERE and then failed: `Not found column nullIf(trimBoth(…)) in
    // block`. The filters are on computed columns, so PREWHERE saves nothing here anyway.
    scriptSuffix: '\nSETTINGS optimize_move_to_prewhere = 0',
    literal: chLiteral,
    // A DateTime/DateTime64 column holds instants but prints the wall clock of its zone (or the
    // server's) without the zone, which the ISO reading then took as UTC: hours off. Such a
    // column is printed as its UTC time with a Z. (Both branches must type-check for any type;
    // the condition is a constant.)
    castText: (e) => `if(match(toTypeName(${e}), '^(Nullable\\()?DateTime'), concat(toString(accurateCastOrNull(${e}, 'DateTime64(9, ''UTC'')')), 'Z'), CAST(${e} AS Nullable(String)))`,
  },
};

/** A SQL identifier, quoted (DuckDB). */
export function ident(name: string): string {
  return quoteDouble(name);
}

function literal(v: string | number): string {
  return typeof v === 'number' ? String(v) : `'${v.replace(/'/g, "''")}'`;
}

/**
 * SQL expression of a mapped source column (dotted paths are struct fields; below a segment
 * typed JSON, the rest of the path is read from the JSON value: NULL where a step is not an
 * object or lacks the key, as the TypeScript engine's walkPath reads it as absent).
 */
function column(spec: string, dotted: boolean, d: Dialect, numeric?: TypedColumns): string {
  if (!dotted) return d.ident(spec);
  const parts = spec.split('.');
  const k = numeric?.jsonPaths?.get(spec);
  if (k === undefined || k === parts.length - 1) return parts.map(d.ident).join('.');
  const rest = parts.slice(k + 1).map((p) => `.${JSON.stringify(p)}`).join('');
  return `json_extract(${parts.slice(0, k + 1).map(d.ident).join('.')}, ${literal(`$${rest}`)})`;
}

/** A source column as text before trimming (a column typed as a number as JavaScript prints it). */
function asTextSql(c: string, dotted: boolean, d: Dialect, numeric: TypedColumns): string {
  const top = !dotted || !c.includes('.');
  // (FLOAT and DECIMAL columns, `inexact`, as the double the TypeScript reader makes of them:
  // DuckDB printed a FLOAT 0.1 as 0.1 and a DECIMAL 1.50 as 1.50, JavaScript 0.10000000149011612 and 1.5)
  if (top ? numeric.has(c) : numeric.numericPaths?.has(c)) return d.numberText(numeric.inexact?.has(c) ? `CAST(${column(c, dotted, d)} AS DOUBLE)` : column(c, dotted, d));
  const jsonText = (numeric.exactIds?.has(c) ? d.jsonIdText : undefined) ?? d.jsonText;
  if (top && jsonText && numeric.json?.has(c)) return jsonText(column(c, dotted, d));
  if (!top && jsonText && numeric.jsonPaths?.has(c)) return jsonText(column(c, dotted, d, numeric));
  if (d.blobText && (top ? numeric.blob : numeric.blobPaths)?.has(c)) return d.blobText(column(c, dotted, d));
  return d.castText ? d.castText(column(c, dotted, d)) : `CAST(${column(c, dotted, d)} AS ${d.text})`;
}

const pastExactSql = (x: string) => `abs(${x}) > ${Number.MAX_SAFE_INTEGER}`;

/**
 * True where a text id `t` is a number in exponent form of 2^53 or more (idDigitsSql's test of
 * a text column). A text as read, untrimmed: the pattern takes the ASCII whitespace
 * TraceBuilder trims, and the cast ignores it (trimming first cost a regular expression per
 * row: 2 s for 2 M rows).
 */
export function exponentIdSql(t: string): string {
  const space = '[ \\t\\n\\v\\f\\r]*';
  return `((contains(${t}, 'e') OR contains(${t}, 'E')) AND regexp_full_match(${t}, ${literal(space + EXPONENT_RE.source.slice(1, -1) + space)}) AND ${pastExactSql(`TRY_CAST(${t} AS DOUBLE)`)})`;
}

/** Whether idDigitsSql tests a column's values as texts (exponentIdSql): not a number, JSON or BLOB column, and texts are tested. */
export function idDigitsByText(spec: string, dotted: boolean, numeric: TypedColumns, texts: boolean): boolean {
  const top = !dotted || !spec.includes('.');
  if (top ? numeric.has(spec) : numeric.numericPaths?.has(spec)) return false;
  if (top ? numeric.json?.has(spec) : numeric.jsonPaths?.has(spec)) return false;
  return texts && !(top ? numeric.blob : numeric.blobPaths)?.has(spec);
}

/**
 * duckdb: one id source (`spec`) read as the TypeScript engine's TraceBuilder.checkIdDigits
 * reads it (src/ingest/id-digits.ts): `text`, the value's text as the scan reads it (fieldSql),
 * and `lost`, whether it is a floating-point number past 2^53 − 1 (NULL: no; a filter, whose
 * conjunctions DuckDB evaluates on the rows still in, as a coalesce's are not) — a column typed DOUBLE,
 * FLOAT or DECIMAL; a JSON number that is no integer literal; with `texts` (CSV and JSON
 * lines), a text in exponent form (`1.2e18`). Integer columns keep their digits.
 */
export function idDigitsSql(spec: string, dotted: boolean, numeric: TypedColumns, texts: boolean): { text: string; lost: string } {
  const d = DIALECTS.duckdb;
  const top = !dotted || !spec.includes('.');
  const c = column(spec, dotted, d, numeric);
  const past = pastExactSql;
  const exponent = exponentIdSql;
  const text = fieldSql(spec, dotted, ',', d, numeric);
  let lost: string;
  if (top ? numeric.has(spec) : numeric.numericPaths?.has(spec)) lost = `((typeof(${c}) IN ('DOUBLE', 'FLOAT', 'REAL') OR (starts_with(typeof(${c}), 'DECIMAL')${top ? ` AND NOT ends_with(typeof(${c}), ',0)')` : ''})) AND ${past(`CAST(${c} AS DOUBLE)`)})`;
  else if (top ? numeric.json?.has(spec) : numeric.jsonPaths?.has(spec)) {
    // A literal with a fraction or an exponent, or an integer past 64 bits, is typed DOUBLE (an
    // integer literal, the common id, is BIGINT or UBIGINT: passed over first); of those, the
    // integer literals keep their digits (jsonIdText). (TRY_CAST: DuckDB casts a column's values
    // whatever the other tests say, texts too.)
    const x = `CAST(${c} AS VARCHAR)`;
    const number = `(json_type(${c}) = 'DOUBLE' AND ${past(`TRY_CAST(${c} AS DOUBLE)`)} AND NOT regexp_full_match(${x}, '-?[0-9]+'))`;
    lost = texts ? `(${number} OR (json_type(${c}) = 'VARCHAR' AND ${exponent(`(${c} ->> '$')`)}))` : number;
  } else if (idDigitsByText(spec, dotted, numeric, texts)) lost = exponent(d.castText ? d.castText(c) : `CAST(${c} AS ${d.text})`);
  else lost = 'false';
  return { text, lost };
}

/** Text trimmed, blank → NULL (absent). */
const blankSql = (text: string, d: Dialect) => `NULLIF(${d.trim(text)}, '')`;

/** The client of a row from its client field's text (fieldSql): absent → 'unknown'. */
const clientSql = (field: string) => `coalesce(${field}, 'unknown')`;

/** SQL for one mapped field, as text (NULL = absent), mirroring TraceBuilder's rules. */
export function fieldSql(src: FieldSource, dotted: boolean, separator: string, d: Dialect = DIALECTS.duckdb, numeric: TypedColumns = new Set()): string {
  const blank = (c: string) => blankSql(asTextSql(c, dotted, d, numeric), d);
  if (typeof src === 'string') return blank(src);
  if (Array.isArray(src)) {
    // A joined column missing from the input (the field optional, another of its columns there) is empty in every row.
    const parts = src.map((c) => (numeric.absent?.has(c) ? 'NULL' : blank(c)));
    // The joined text is trimmed too, as the TypeScript engine trims every value: with a
    // separator ' / ', an empty first part left a leading space (found by the engines' fuzzer).
    // Only a separator with whitespace at an end can leave any (the parts are trimmed).
    const joined = `concat(${parts.map((p) => `coalesce(${p}, '')`).join(`, ${(d.literal ?? literal)(separator)}, `)})`;
    return `CASE WHEN ${parts.map((p) => `${p} IS NULL`).join(' AND ')} THEN NULL ELSE ${/^[ \t\n\v\f\r]|[ \t\n\v\f\r]$/.test(separator) ? d.trim(joined) : joined} END`;
  }
  if ('const' in src) return `CAST(${d.literal && typeof src.const === 'string' ? d.literal(src.const) : literal(src.const)} AS ${d.text})`;
  if ('coalesce' in src) return `coalesce(${src.coalesce.map(blank).join(', ')})`;
  // (hash_ids, the only field with this source, is not scanned in SQL: withoutHashIds)
  if ('token_blocks' in src) throw new Error('{"token_blocks": …} has no SQL form: hash_ids are read as JSON text (hashIdsJsonSql)');
  return `CAST(${d.arrayLength(column(src.length, dotted, d, numeric))} AS ${d.text})`;
}

/** The column (or dotted path) a hash_ids source reads: `"col"`, or `{"token_blocks": "col"}`'s. */
export function hashIdsSpec(src: FieldSource): string | undefined {
  return typeof src === 'string' ? src : typeof src === 'object' && !Array.isArray(src) && 'token_blocks' in src ? src.token_blocks : undefined;
}

/**
 * A row's hash_ids value (`"col"`, or the token ids of `{"token_blocks": "col"}`) as JSON text,
 * NULL when absent: a list as `[1,2]`, a text as a JSON string, for hashIdKeys to read with the
 * TypeScript engine's rules (src/summary/duckdb-prefix.ts). A CSV's (`dotted` false: every column
 * read as text) is the cell's text itself, as TraceBuilder reads it: no JSON string to parse
 * before the cell's own JSON. DuckDB only.
 */
function hashIdsJsonSql(src: FieldSource, dotted: boolean, d: Dialect, numeric: TypedColumns): string {
  if (d !== DIALECTS.duckdb) throw new Error('hash_ids are read in the duckdb dialect only');
  const spec = hashIdsSpec(src);
  if (spec === undefined) throw new Error(`hash_ids: no SQL form of ${JSON.stringify(src)}`);
  const c = column(spec, dotted, d, numeric);
  if (!dotted) return c;
  return `CASE WHEN ${c} IS NULL THEN NULL ELSE CAST(to_json(${c}) AS VARCHAR) END`;
}

const UNIT_FACTOR: Record<string, number> = { s: 1, ms: 1e-3, us: 1e-6, ns: 1e-9 };

/**
 * Timestamp in seconds (epoch or relative) as SQL; ISO strings read as UTC or at the mapping's
 * timezone. `isoParts`: a column holding `d.iso.parts(raw)` (computed one query level below;
 * without it the expression repeats the match, correct but much slower).
 */
export function timestampSql(raw: string, mapping: Mapping, d: Dialect = DIALECTS.duckdb, isoParts?: string): string {
  const unit = mapping.timestamp?.unit ?? 'auto';
  if (unit === 'auto') throw new IngestError('SQL scan: set timestamp.unit in the mapping (auto detection runs in the TypeScript engine only)');
  if (unit === 'iso') {
    // Times without a zone are read at the mapping's offset (seconds east of UTC).
    const offset = mapping.timestamp?.timezone ? parseTimezone(mapping.timestamp.timezone) : 0;
    if (d.iso) return d.iso.seconds(raw, isoParts ?? d.iso.parts(raw), offset);
    if (offset === 0) return d.isoSeconds(raw);
    throw new IngestError(`SQL scan: timestamp.timezone other than UTC is supported by the duckdb and clickhouse dialects only, not ${d.name}; convert the times to UTC (or give them a zone) first`);
  }
  return `${d.toDouble(raw)} * ${UNIT_FACTOR[unit]}`;
}

/**
 * When the client comes from one source column: that column as text before normalization
 * (`raw`), and the client a raw text normalizes to (`client(text)`, as in rowsSql). A scan
 * can then normalize each distinct raw value once instead of every row (`rowsSql` with
 * `rawClient` outputs it as `client_raw`; NULL there is the client 'unknown').
 */
export function clientRaw(mapping: Mapping, dotted: boolean, numericColumns: TypedColumns, d: Dialect = DIALECTS.duckdb): { raw: string; client: (text: string) => string } | undefined {
  const src = mapping.columns.client_id;
  if (typeof src !== 'string') return undefined;
  return { raw: asTextSql(src, dotted, d, numericColumns), client: (text) => clientSql(blankSql(text, d)) };
}

/**
 * True where one of the text fields the TypeScript engine checks for bytes that are not UTF-8
 * (client_id, model, request_id, session_id) reads such bytes from a BLOB column (its text holds
 * BAD_BYTES_TEXT and one of its BLOB columns is not UTF-8 in this row); undefined when no such
 * field reads a BLOB column or the dialect reads none.
 */
function badBytesSql(mapping: Mapping, dotted: boolean, d: Dialect, numeric: TypedColumns): string | undefined {
  if (!d.blobText || !d.blobBad || !(numeric.blob?.size || numeric.blobPaths?.size)) return undefined;
  const tests: string[] = [];
  for (const f of ['client_id', ...TEXT_FIELDS] as const) {
    const src = mapping.columns[f];
    if (src === undefined) continue;
    const specs = typeof src === 'string' ? [src] : Array.isArray(src) ? src : 'coalesce' in src ? src.coalesce : [];
    const blobs = specs.filter((c) => (!dotted || !c.includes('.') ? numeric.blob : numeric.blobPaths)?.has(c));
    if (blobs.length === 0) continue;
    tests.push(`(strpos(${fieldSql(src, dotted, mapping.separator, d, numeric)}, ${literal(BAD_BYTES_TEXT)}) > 0 AND (${blobs.map((c) => d.blobBad!(column(c, dotted, d))).join(' OR ')}))`);
  }
  return tests.length ? `coalesce(${tests.join(' OR ')}, false)` : undefined;
}

/** Integer fields summarized as lengths (the TypeScript engine's FIELD_OF) plus reasoning. */
export const SQL_INT_FIELDS = ['input_tokens', 'output_tokens', 'reasoning_tokens', 'image_count', 'image_tokens', 'audio_count', 'audio_tokens', 'video_count', 'video_tokens'] as const;

/** Every integer field the TypeScript engine validates (summaries use SQL_INT_FIELDS of them). */
export const SQL_ALL_INT_FIELDS = [...SQL_INT_FIELDS, 'turn', 'block_count'] as const;

/**
 * The normalized-rows relation: `t` (seconds, before origin), `client`, the integer fields,
 * and `reason` (NULL when the row is accepted, else the reject reason). Every mapped integer
 * field is validated (as TraceBuilder does); `texts` adds text fields (e.g. session_id).
 */
export function rowsSql(
  fromClause: string,
  mapping: Mapping,
  dotted: boolean,
  d: Dialect = DIALECTS.duckdb,
  numericColumns: TypedColumns = new Set(),
  texts: readonly ('session_id' | 'model' | 'request_id')[] = [],
  options: { rawClient?: boolean; endTimes?: boolean; hashIds?: FieldSource } = {},
): string {
  checkEndTimes(mapping);
  checkFilter(mapping);
  const cols = mapping.columns;
  const rawClient = options.rawClient ? clientRaw(mapping, dotted, numericColumns, d)?.raw : undefined;
  const q = d.ident;
  // Three levels, so each value is trimmed and parsed once per row (engines do not reliably
  // share repeated subexpressions): raw texts, then numbers, then the row and its reason.
  // A field read from one column the source already types as a number skips the text
  // round trip (trim, blank → NULL, parse): NULL stays NULL, NaN is still rejected.
  const typedNumber = (src: FieldSource | undefined) => (typeof src === 'string' && (!dotted || !src.includes('.')) && numericColumns.has(src) ? q(src) : undefined);
  const tTyped = typedNumber(cols.timestamp);
  const unit = mapping.timestamp?.unit;
  // End times (`"marks": "end"`): the duration, validated as TraceBuilder does and subtracted
  // from the time (options.endTimes: not subtracted, the times as the log holds them).
  const durSrc = mapping.timestamp?.marks === 'end' ? cols.duration : undefined;
  const dTyped = typedNumber(durSrc);
  const ints = SQL_ALL_INT_FIELDS.filter((f) => cols[f] !== undefined).map((f) => ({ f, typed: typedNumber(cols[f]) }));
  const raw = (f: string) => q(`__sg_raw_${f}`);
  const num = (f: string) => q(`__sg_num_${f}`);
  // Number fields from one text column, where the engine's cast ignores surrounding space:
  // raw is the untrimmed text (NULL, blank or not), trimmed only for rows that fail to parse.
  // So are ISO times read by Dialect.iso, which allows JavaScript's whitespace (a superset of
  // what trim removes) around the time, as parseIsoSeconds' text.trim() does.
  const untrimmed = (f: string, src: FieldSource | undefined, typed: string | undefined) =>
    d.castIgnoresSpace && !typed && typeof src === 'string' && (f !== 'timestamp' || unit !== 'iso' || d.iso !== undefined) ? asTextSql(src, dotted, d, numericColumns) : undefined;
  const lazy = new Set<string>();
  const text = (f: string, src: FieldSource, typed: string | undefined) => {
    const u = untrimmed(f, src, typed);
    if (u) lazy.add(f);
    // numericColumns: a JSON column of mixed types is read by its values (jsonText), not as JSON text ('"2024-…"').
    return typed ?? u ?? fieldSql(src, dotted, mapping.separator, d, numericColumns);
  };
  const level1 = [
    `${text('timestamp', cols.timestamp!, tTyped)} AS ${raw('timestamp')}`,
    `${cols.client_id ? clientSql(fieldSql(cols.client_id, dotted, mapping.separator, d, numericColumns)) : numericColumns.clientMissing ? `'unknown'` : `'default'`} AS ${q('__sg_client')}`,
    ...(rawClient ? [`${rawClient} AS ${q('__sg_client_raw')}`] : []),
    ...texts.filter((f) => cols[f] !== undefined).map((f) => `${fieldSql(cols[f]!, dotted, mapping.separator, d, numericColumns)} AS ${q(`__sg_text_${f}`)}`),
    ...(durSrc ? [`${text('duration', durSrc, dTyped)} AS ${raw('duration')}`] : []),
    ...(cols.filter ? [`${fieldSql(cols.filter, dotted, mapping.separator, d, numericColumns)} AS ${q('__sg_filter')}`] : []),
    ...ints.map(({ f, typed }) => `${text(f, cols[f]!, typed)} AS ${raw(f)}`),
    ...(options.hashIds ? [`${hashIdsJsonSql(options.hashIds, dotted, d, numericColumns)} AS ${q('__sg_hash')}`] : []),
  ];
  // Text fields (the client and TEXT_FIELDS, as TraceBuilder checks them) read from a BLOB
  // column whose bytes are not UTF-8: the row is rejected as bad_encoding.
  const badBytes = badBytesSql(mapping, dotted, d, numericColumns);
  if (badBytes) level1.push(`${badBytes} AS ${q('__sg_bad_bytes')}`);
  // ISO text read in two levels (Dialect.iso): the match's parts below, the seconds here.
  // A column typed as numbers holds no ISO text: every row a bad timestamp, as in the TypeScript engine.
  const isoParts = unit === 'iso' && d.iso && !tTyped ? q('__sg_iso') : undefined;
  const tExpr = tTyped && unit !== 'iso' && unit !== 'auto' ? `CAST(${raw('timestamp')} AS DOUBLE) * ${UNIT_FACTOR[unit!]}` : tTyped && unit === 'iso' ? 'CAST(NULL AS DOUBLE)' : timestampSql(raw('timestamp'), mapping, d, isoParts);
  // (one addition, so the times are the TypeScript engine's to the bit; the rows of the earliest
  // file, and of files of its origin, keep theirs as read)
  const shifted = numericColumns.shifted ? `CASE WHEN ${q(ORIGIN_SHIFT)} IS NULL THEN ${tExpr} ELSE (${tExpr}) + ${q(ORIGIN_SHIFT)} END` : tExpr;
  const level2 = [
    `${shifted} AS ${q('__sg_t')}`,
    ...(durSrc ? [`${dTyped ? `CAST(${raw('duration')} AS DOUBLE)` : d.toDouble(raw('duration'))} AS ${num('duration')}`] : []),
    ...ints.map(({ f, typed }) => `${typed ? `CAST(${raw(f)} AS DOUBLE)` : d.toDouble(raw(f))} AS ${num(f)}`),
  ];
  // Text the engine parses but JavaScript's Number() does not (DuckDB: '1_000').
  const notNumber = (f: string, typed: boolean) => (typed || !d.notNumber ? '' : ` OR ${d.notNumber(raw(f))}`);
  const t = q('__sg_t');
  // A field is present when its text is not blank (lazily trimmed: when it parsed, it is not).
  const present = (f: string, parsed: string) => (lazy.has(f) ? `(${raw(f)} IS NOT NULL AND (${parsed} IS NOT NULL OR ${d.trim(raw(f))} <> ''))` : `${raw(f)} IS NOT NULL`);
  const reasons = [
    `WHEN ${lazy.has('timestamp') ? `NOT ${present('timestamp', t)}` : `${raw('timestamp')} IS NULL`} THEN 'missing_timestamp'`,
    `WHEN ${t} IS NULL OR NOT ${d.isFinite(t)}${notNumber('timestamp', Boolean(tTyped) || unit === 'iso')} THEN 'bad_timestamp'`,
    ...(durSrc
      ? [
          `WHEN ${lazy.has('duration') ? `NOT ${present('duration', num('duration'))}` : `${raw('duration')} IS NULL`} THEN 'missing_duration'`,
          `WHEN ${num('duration')} IS NULL OR NOT ${d.isFinite(num('duration'))}${notNumber('duration', Boolean(dTyped))} OR ${num('duration')} < 0 THEN 'bad_duration'`,
        ]
      : []),
    ...ints.flatMap(({ f, typed }) => [
      `WHEN ${present(f, num(f))} AND (${num(f)} IS NULL OR NOT ${d.isFinite(num(f))}${notNumber(f, Boolean(typed))}) THEN 'bad_number'`,
      `WHEN ${present(f, num(f))} AND ${num(f)} < 0 THEN 'negative_tokens'`,
      `WHEN ${present(f, num(f))} AND (${num(f)} <> floor(${num(f)}) OR ${num(f)} > 2147483647) THEN 'bad_number'`,
    ]),
    ...(badBytes ? [`WHEN ${q('__sg_bad_bytes')} THEN 'bad_encoding'`] : []),
  ];
  // Accepted for sure (a sufficient test: a row it misses goes through the checks): every
  // present field parsed, finite and in range; a field that did not parse is left to them.
  const inRange = (f: string, typed: boolean) =>
    `(${raw(f)} IS NULL OR (${num(f)} IS NOT NULL AND ${d.isFinite(num(f))}${notNumber(f, typed).replace(/^ OR /, ' AND NOT ')} AND ${num(f)} >= 0 AND ${num(f)} = floor(${num(f)}) AND ${num(f)} <= 2147483647))`;
  if (d.acceptFirst) {
    const ok = [
      `${t} IS NOT NULL AND ${d.isFinite(t)}${notNumber('timestamp', Boolean(tTyped) || unit === 'iso').replace(/^ OR /, ' AND NOT ')}`,
      ...(durSrc ? [`${num('duration')} IS NOT NULL AND ${d.isFinite(num('duration'))}${notNumber('duration', Boolean(dTyped)).replace(/^ OR /, ' AND NOT ')} AND ${num('duration')} >= 0`] : []),
      ...ints.map(({ f, typed }) => inRange(f, Boolean(typed))),
      ...(badBytes ? [`NOT ${q('__sg_bad_bytes')}`] : []),
    ];
    reasons.unshift(`WHEN ${ok.join(' AND ')} THEN NULL`);
  }
  // The row filter before any check of its fields, as TraceBuilder.row; `keep` and `drop` as
  // TraceBuilder compares their texts (a NULL filter, blank in the row, is excluded by keep, kept by drop).
  // (`{"prefix": p}` entries: the text starts with p, the engine's own function)
  const oneOf = (list: FilterList) => {
    const f = q('__sg_filter');
    const tests = [...(list.texts.length ? [`${f} IN (${list.texts.map((v) => (d.literal ?? literal)(v)).join(', ')})`] : []), ...list.prefixes.map((p) => d.startsWith(f, (d.literal ?? literal)(p)))];
    return list.prefixes.length === 0 ? tests[0] : `(${tests.join(' OR ')})`;
  };
  const kept = !cols.filter ? undefined : mapping.drop !== undefined ? `(${q('__sg_filter')} IS NULL OR NOT ${oneOf(dropTexts(mapping))})` : oneOf(keepTexts(mapping));
  if (kept) {
    if (d.acceptFirst) reasons[0] = reasons[0].replace(/^WHEN /, `WHEN ${kept} AND `);
    reasons.unshift(mapping.drop !== undefined ? `WHEN ${q('__sg_filter')} IS NOT NULL AND ${oneOf(dropTexts(mapping))} THEN 'excluded'` : `WHEN ${q('__sg_filter')} IS NULL OR NOT (${kept}) THEN 'excluded'`);
  }
  // Before any check of its fields, as the TypeScript reader rejects such a row unread.
  if (numericColumns.fieldCounts) reasons.unshift(`WHEN ${q(WRONG_FIELD_COUNT)} THEN 'wrong_column_count'`);
  const l1 = `SELECT *, ${level1.join(', ')} FROM ${fromClause} AS src_in`;
  const l1b = isoParts ? `SELECT *, ${d.iso!.parts(raw('timestamp'))} AS ${isoParts} FROM (${l1}) AS src_l1b` : l1;
  const outTexts = texts.filter((f) => cols[f] !== undefined).map((f) => `${q(`__sg_text_${f}`)} AS ${q(f)}, `).join('');
  // (the end in seconds minus the duration in seconds: TraceBuilder.finish's arithmetic)
  // (in parentheses: node-sql-parser's Trino grammar, with which the script is checked, refuses `"a" - "b" AS t`)
  const arrival = durSrc && !options.endTimes ? `(${t} - ${num('duration')} * ${UNIT_FACTOR[mapping.timestamp!.duration_unit!]})` : t;
  const hash = options.hashIds ? `${q('__sg_hash')} AS hash_raw, ${numericColumns.hashSpaces ? `CAST(COALESCE(${q(HASH_SPACE)}, 0) AS INTEGER) AS hash_space, ` : ''}` : '';
  return `SELECT ${arrival} AS t, ${q('__sg_client')} AS client, ${rawClient ? `${q('__sg_client_raw')} AS client_raw, ` : ''}${hash}${outTexts}${ints.map(({ f }) => `${d.toBigint(num(f))} AS ${q(f)}`).join(', ')}${ints.length ? ',' : ''}
  CASE ${reasons.join('\n    ')} ELSE NULL END AS reason
FROM (SELECT *, ${level2.join(', ')} FROM (${l1b}) AS src_l1) AS src_l2`;
}

const horner = (coef: readonly number[], x: string) => coef.reduceRight((acc, c, i) => (i === coef.length - 1 ? dbl(c) : `(${acc}) * ${x} + ${dbl(c)}`), '');

// Wichura's AS 241 (PPND16): Φ⁻¹ to about 1e-16 relative with +, *, /, ln and sqrt only.
const AS241 = {
  a: [3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125, 45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727],
  b: [1.0, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077, 21213.794301586595867, 39307.89580009271061, 28729.085735721942674, 5226.495278852545925],
  c: [1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504, 1.27045825245236838258, 0.24178072517745061177, 0.0227238449892691845833, 7.7454501427834140764e-4],
  d: [1.0, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455, 0.14810397642748007459, 0.0151986665636164571966, 5.475938084995344946e-4, 1.05075007164441684324e-9],
  e: [6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 0.29656057182850489123, 0.026532189526576123093, 0.0012426609473880784386, 2.71155556874348757815e-5, 2.01033439929228813265e-7],
  f: [1.0, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525, 7.868691311456132591e-4, 1.8463183175100546818e-5, 1.4215117583164458887e-7, 2.04426310338993978564e-15],
} as const;

/**
 * Φ⁻¹(p) for 0 < p < 1 as a SELECT over `rel` (which has a DOUBLE column p): every column of
 * rel plus `z`. Two query levels, so p's derived values are computed once per row.
 */
export function normalQuantileSql(rel: string): string {
  const ratio = (num: readonly number[], den: readonly number[], x: string) => `(${horner(num, x)}) / (${horner(den, x)})`;
  const tail = `CASE WHEN sg_r <= ${dbl(5)} THEN ${ratio(AS241.c, AS241.d, `(sg_r - ${dbl(1.6)})`)} ELSE ${ratio(AS241.e, AS241.f, `(sg_r - ${dbl(5)})`)} END`;
  return `SELECT *, CASE WHEN abs(sg_q) <= ${dbl(0.425)} THEN sg_q * ${ratio(AS241.a, AS241.b, 'sg_c')} WHEN sg_q < 0 THEN -(${tail}) ELSE ${tail} END AS z
FROM (SELECT *, p - ${dbl(0.5)} AS sg_q, ${dbl(0.180625)} - (p - ${dbl(0.5)}) * (p - ${dbl(0.5)}) AS sg_c, sqrt(-ln(least(p, ${dbl(1)} - p))) AS sg_r FROM (${rel}) AS sg_p) AS sg_pq`;
}

/**
 * Queries computing the summaries from an accepted-rows relation `r(t, client, …)` (t relative
 * to the origin) and the gaps relation `x` (the `gaps` query; for gapHist, `gapsWithPrevious`,
 * which adds the previous row's gap pg). Rounding is floor(x + 0.5), as
 * JavaScript's Math.round on these positive values (engines differ on halves otherwise).
 * `res` 'auto': the resolution is detected by the script, and `x` must carry resolutionSql's
 * columns (scanScript joins them in for the queries that count ticks).
 */
export function summaryQueries(opts: { W: number; L: number; res: number | 'auto'; fields: string[] }, d: Dialect = DIALECTS.duckdb): { gaps: string; gapsWithPrevious: string; arrivals: string; gapHist: string; disp: string; lengths: string; joint: string | undefined; memory: string; buckets: string } {
  const { W, L, res, fields } = opts;
  const q = d.ident;
  // pwi: the window of the client's previous row (gap memory uses the gaps within a window);
  // NULL for the first (ClickHouse's CAST refuses a NULL, its toBigint gives one). pg (in
  // gapsWithPrevious, which gapHist needs): the previous row's gap, the same doubles subtracted
  // as its g (NULL for the first two rows), and ppwi the window of the row before that, in the
  // same window pass, for the clusters.
  const gapsOf = (previous: boolean) =>
    `SELECT client, t, CAST(floor(t / ${W}) AS BIGINT) AS wi, t - ${d.lag('t')} AS g, ${d.toBigint(`floor(${d.lag('t')} / ${W})`)} AS pwi${previous ? `, ${d.lag('t')} - ${d.lagAt('t', 2, 'client', 't')} AS pg, ${d.toBigint(`floor(${d.lagAt('t', 2, 'client', 't')} / ${W})`)} AS ppwi` : ''} FROM r`;
  const gaps = gapsOf(false);
  const gapsWithPrevious = gapsOf(true);
  const ticks = `floor(g / ${resolutionText(res)} + 0.5)`;
  const fsum = (e: string) => `sum(${e})`;
  // Counts and keys come back as INTEGER/DOUBLE: BIGINT would become one JS BigInt per value.
  const arrivals = `SELECT client, CAST(wi AS INTEGER) AS wi, CAST(count(*) AS INTEGER) AS n, min(t) AS ${q('first')}, max(t) AS ${q('last')}, CAST(count(g) AS INTEGER) AS gaps,
  coalesce(${fsum('g')}, 0) AS ${q('sum')}, coalesce(${fsum('g * g')}, 0) AS sumSq, coalesce(${fsum('CASE WHEN g > 0 THEN ln(g) END')}, 0) AS sumLog, CAST(count(CASE WHEN g > 0 THEN 1 END) AS INTEGER) AS positive
FROM x GROUP BY client, wi`;
  const kind = `CASE WHEN ${ticks} < ${QUANT_TICKS} THEN 'q' ELSE 'h' END`;
  const hkey = `CAST(CASE WHEN ${ticks} < ${QUANT_TICKS} THEN ${ticks} ELSE floor(log10(g / ${GAP_MIN}) * ${GAP_BINS_PER_DECADE}) END AS INTEGER)`;
  // Batches (kind 'b', key = size): a client's rows at one time, 2 or more — the rows with a
  // gap of exactly 0 grouped by time, plus the row before them (ArrivalSummary.batches).
  const batchRows = `SELECT client, CAST(wi AS INTEGER) AS wi, 'b' AS kind, CAST(sg_size AS INTEGER) AS ${q('key')}, CAST(count(*) AS INTEGER) AS c
FROM (SELECT client, wi, count(*) + 1 AS sg_size FROM x WHERE g = 0 GROUP BY client, wi, t) AS sg_b GROUP BY client, wi, sg_size`;
  const gapHist = `SELECT client, wi, kind, ${q('key')}, c FROM (SELECT client, CAST(wi AS INTEGER) AS wi, ${kind} AS kind, ${hkey} AS ${q('key')}, CAST(count(*) AS INTEGER) AS c
FROM x WHERE g IS NOT NULL GROUP BY client, wi, ${kind}, ${hkey}
UNION ALL
${batchRows}
UNION ALL
${clusterRowsSql(d, res)}) AS sg_gh ORDER BY client, wi`;
  const dispAt = (sc: number) => `SELECT client, CAST(wi AS INTEGER) AS wi, ${sc} AS scale, CAST(sum(c) AS DOUBLE) AS ${q('sum')}, CAST(sum(c * c) AS DOUBLE) AS sumSq FROM (
  SELECT client, wi, floor(t / ${sc}) AS b, count(*) AS c FROM x GROUP BY client, wi, floor(t / ${sc})) s${sc} GROUP BY client, wi`;
  const disp = [1, 10, 60].map(dispAt).join('\nUNION ALL\n');
  const li = `CAST(floor(t / ${L}) AS INTEGER)`;
  const lengthKey = (e: string) => `CASE WHEN ${e} < ${LENGTH_EXACT_BELOW} THEN ${e} ELSE -1 - CAST(floor(log10(${e} / ${LENGTH_EXACT_BELOW}) * 64) AS BIGINT) END`;
  const parts = fields
    .filter((f) => f !== 'reasoning_tokens')
    .map((f) => `SELECT client, ${li} AS li, '${f}' AS field, CAST(${lengthKey(q(f))} AS DOUBLE) AS ${q('key')}, CAST(count(*) AS INTEGER) AS c FROM r WHERE ${q(f)} IS NOT NULL GROUP BY client, ${li}, ${lengthKey(q(f))}`);
  if (fields.includes('reasoning_tokens') && fields.includes('output_tokens')) {
    const ratio = `floor(least(1, ${q('reasoning_tokens')} / ${q('output_tokens')}) * 500 + 0.5) / 500`;
    parts.push(`SELECT client, ${li} AS li, 'reason_ratio' AS field, ${ratio} AS ${q('key')}, CAST(count(*) AS INTEGER) AS c
FROM r WHERE ${q('reasoning_tokens')} IS NOT NULL AND ${q('output_tokens')} > 0 GROUP BY client, ${li}, ${ratio}`);
  }
  const nPerWindow = `SELECT client, ${li} AS li, '__n' AS field, 0.0 AS ${q('key')}, CAST(count(*) AS INTEGER) AS c FROM r GROUP BY client, ${li}`;
  const lengths = [nPerWindow, ...parts].join('\nUNION ALL\n');
  const jb = (e: string) => `CASE WHEN ${e} < 16 THEN ${e} ELSE 16 + CAST(floor(log10(${e} / 16) * 16) AS BIGINT) END`;
  const jkey = `CAST(${jb(q('input_tokens'))} * 1024 + ${jb(q('output_tokens'))} AS INTEGER)`;
  const joint =
    fields.includes('input_tokens') && fields.includes('output_tokens')
      ? `SELECT client, ${li} AS li, ${jkey} AS ${q('key')}, CAST(count(*) AS INTEGER) AS c FROM r WHERE ${q('input_tokens')} IS NOT NULL AND ${q('output_tokens')} IS NOT NULL GROUP BY client, ${li}, ${jkey}`
      : undefined;
  // Gap memory (ArrivalSummary.mem, as the sums memTermsInto takes): each window's own gaps
  // (those from a row of the same window) ranked by histogram code, ties sharing their mid-rank
  // (the mean of a tie's first rank and its last: rank() and the count through its peers), as
  // normal scores; then per (client, window) m, Σz, Σz² and Σ zᵢ·zᵢ₋ₖ per lag in MEM_LAGS, the
  // gaps in time order (rows at one time: the gap from the previous time first, then the zeros).
  // Two sorts of the gaps (by code, by time); the three window functions by code share one.
  const code = `CASE WHEN ${ticks} < ${QUANT_TICKS} THEN ${ticks} - ${QUANT_TICKS} ELSE floor(log10(g / ${GAP_MIN}) * ${GAP_BINS_PER_DECADE}) END`;
  const own = `SELECT client, wi, t, g, ${code} AS code FROM x WHERE pwi = wi`;
  const byCode = 'PARTITION BY client, wi ORDER BY code';
  const ranked = `SELECT client, wi, t, g, rank() OVER (${byCode}) AS sg_first, count(*) OVER (${byCode}) AS sg_last, count(*) OVER (${byCode} ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS m FROM (${own}) AS sg_own`;
  const p = `SELECT client, wi, t, g, (CAST(sg_first AS DOUBLE) + CAST(sg_last AS DOUBLE)) * ${dbl(0.5)} / (CAST(m AS DOUBLE) + ${dbl(1)}) AS p FROM (${ranked}) AS sg_r WHERE m >= ${MEM_MIN_GAPS}`;
  const scored = `SELECT client, wi, t, g, z FROM (${normalQuantileSql(p)}) AS sg_z`;
  const lagged = `SELECT client, wi, z, ${MEM_LAGS.map((k) => `${d.lagAt('z', k, 'client, wi', 't, g DESC')} AS z${k}`).join(', ')} FROM (${scored}) AS sg_s`;
  const memory = `SELECT client, CAST(wi AS INTEGER) AS wi, CAST(count(*) AS INTEGER) AS m, sum(z) AS s1, sum(z * z) AS s2, ${MEM_LAGS.map((k) => `coalesce(sum(z * z${k}), 0) AS p${k}`).join(', ')}
FROM (${lagged}) AS sg_l GROUP BY client, wi`;
  // Rows per 5-minute bucket (TraceSummaries.buckets: the aggregate rate model's counts), over r.
  const bucket = `CAST(floor(t / ${AGGREGATE_BUCKET_SECONDS}) AS INTEGER)`;
  const buckets = `SELECT ${bucket} AS ${q('bucket')}, CAST(count(*) AS INTEGER) AS c FROM r GROUP BY ${bucket}`;
  return { gaps, gapsWithPrevious, arrivals, gapHist, disp, lengths, joint, memory, buckets };
}

/** The resolution in the scan's SQL: the number as written, or the detected one's column of x. */
const resolutionText = (res: number | 'auto'): string => (res === 'auto' ? RESOLUTION_COLUMN : String(res));

/**
 * Clusters (kind 'c', key = clusterKey(size, k)) over the gaps relation `x`, as
 * ArrivalSummary.clusters counts them: per client and threshold CLUSTER_GAPS[k], the runs of 2
 * or more rows each fewer ticks after the one before than τ/res (the builder's double, as a
 * literal) within a window (a row whose previous one is in another window starts a run). Only the rows continuing a run at the largest
 * threshold are read (a run of n rows has n − 1 of them, and the last is one): such a row is
 * the second of its run when the row before it starts one (its gap pg is NULL or as many ticks
 * as the threshold or more), and a running count of these numbers the runs. Rows at one time
 * (in any order among themselves) all continue one run, and the default frame of an ordered
 * window in all four dialects (RANGE … CURRENT ROW: peers included; Hive's grammar, with which
 * the Spark script is checked, has no RANGE) gives them one number. So there is no second sort
 * of every row, only of the continuing ones.
 */
function clusterRowsSql(d: Dialect, res: number | 'auto'): string {
  const q = d.ident;
  const ticks = (e: string) => `floor(${e} / ${resolutionText(res)} + 0.5)`;
  // Detected by the script: the thresholds are columns of x, carried to the levels that compare with them.
  const below = CLUSTER_GAPS.map((tau, k) => (res === 'auto' ? clusterTicksColumn(k) : dbl(clusterTicks(tau, res))));
  const carry = res === 'auto' ? `, ${below.join(', ')}` : '';
  const byK = (f: (k: number) => string) => `CASE sg_k ${below.map((_, k) => (k < below.length - 1 ? `WHEN ${k} THEN ${f(k)} ` : `ELSE ${f(k)} END`)).join('')}`;
  const second = (k: number) => `sum(CASE WHEN sg_ticks < ${below[k]} AND NOT (pg IS NOT NULL AND ${ticks('pg')} < ${below[k]} AND ppwi = pwi) THEN 1 ELSE 0 END) OVER (PARTITION BY client ORDER BY t) AS sg_run${k}`;
  const continuing = `SELECT client, wi, t, pg, pwi, ppwi, ${ticks('g')} AS sg_ticks${res === 'auto' ? `, ${RESOLUTION_COLUMN}` : ''}${carry} FROM x WHERE ${ticks('g')} < ${below[below.length - 1]} AND pwi = wi`;
  const numbered = `SELECT client, wi, sg_ticks, ${below.map((_, k) => second(k)).join(', ')}${carry} FROM (${continuing}) AS sg_cc`;
  const ks = below.map((_, k) => `SELECT ${k} AS sg_k`).join(' UNION ALL ');
  const runs = `SELECT client, sg_k, max(wi) AS wi, count(*) + 1 AS sg_size FROM (SELECT client, wi, sg_k, ${byK((k) => `sg_run${k}`)} AS sg_run
  FROM (${numbered}) AS sg_cn CROSS JOIN (${ks}) AS sg_ks WHERE sg_ticks < ${byK((k) => below[k])}) AS sg_ck GROUP BY client, sg_k, sg_run`;
  return `SELECT client, CAST(wi AS INTEGER) AS wi, 'c' AS kind, CAST(${CLUSTER_KEYS} * sg_size + sg_k AS INTEGER) AS ${q('key')}, CAST(count(*) AS INTEGER) AS c
FROM (${runs}) AS sg_cr GROUP BY client, wi, sg_size, sg_k`;
}

/**
 * The whole scan as standalone statements for a dialect, over `source` (a table or view
 * with the raw columns): one self-contained query per output (CTEs for the normalized rows
 * and gaps, so no temporary tables are needed), plus the rejects count and `scan`, one row
 * with the scan parameters and the span that `loadScanDirectory` needs. `res` 'auto': the script
 * detects the clock resolution as detectResolution does (resolutionSql, a CTE of the queries that
 * count gaps in ticks) and `scan` records the one it counted with, which `fit --summaries` reads.
 */
export function scanScript(source: string, mapping: Mapping, opts: { W: number; L: number; res: number | 'auto'; origin: number; dotted: boolean }, d: Dialect): { name: string; sql: string }[] {
  const fields = SQL_INT_FIELDS.filter((f) => mapping.columns[f] !== undefined);
  // A table (schema.table, quoted part by part), or a table function as written (`file('…')`).
  const src = source.includes('(') ? source : source.split('.').map(d.ident).join('.');
  const rows = rowsSql(src, mapping, opts.dotted, d);
  const r = `SELECT t - ${opts.origin} AS t, client${fields.map((f) => `, ${d.ident(f)}`).join('')} FROM src_rows WHERE reason IS NULL`;
  const q = summaryQueries({ W: opts.W, L: opts.L, res: opts.res, fields }, d);
  const withAll = (body: string, gaps = q.gaps) => `WITH src_rows AS (\n${rows}\n), r AS (${r}), x AS (${gaps})\n${body}`;
  // Detected: the one-row relation beside r, joined to every gap of the queries counting ticks.
  const auto = opts.res === 'auto';
  const detect = `${RESOLUTION_CTE} AS (${resolutionSql(d.lagAt)})`;
  const withTicks = (body: string, gaps = q.gaps) =>
    auto ? `WITH src_rows AS (\n${rows}\n), r AS (${r}), ${detect}, x AS (SELECT * FROM (${gaps}) AS sg_gx CROSS JOIN ${RESOLUTION_CTE})\n${body}` : withAll(body, gaps);
  const scan = auto
    ? `WITH src_rows AS (\n${rows}\n), r AS (${r}), ${detect}\nSELECT ${opts.W} AS arrival_seconds, ${opts.L} AS length_seconds, ${RESOLUTION_COLUMN} AS resolution, ${opts.origin} AS origin_seconds, span_start, span_end, n FROM (SELECT min(t) AS span_start, max(t) AS span_end, count(*) AS n FROM r) AS sg_span CROSS JOIN ${RESOLUTION_CTE}`
    : `WITH src_rows AS (\n${rows}\n), r AS (${r})\nSELECT ${opts.W} AS arrival_seconds, ${opts.L} AS length_seconds, ${opts.res} AS resolution, ${opts.origin} AS origin_seconds, min(t) AS span_start, max(t) AS span_end, count(*) AS n FROM r`;
  const out = [
    { name: 'rejects', sql: `WITH src_rows AS (\n${rows}\n)\nSELECT reason, count(*) AS c FROM src_rows GROUP BY reason` },
    { name: 'scan', sql: scan },
    { name: 'arrivals', sql: withAll(q.arrivals) },
    { name: 'gap_histograms', sql: withTicks(q.gapHist, q.gapsWithPrevious) },
    { name: 'dispersion', sql: withAll(q.disp) },
    { name: 'lengths', sql: withAll(q.lengths) },
  ];
  if (q.joint) out.push({ name: 'joint', sql: withAll(q.joint) });
  out.push({ name: 'gap_memory', sql: withTicks(q.memory) });
  out.push({ name: 'aggregate_buckets', sql: `WITH src_rows AS (\n${rows}\n), r AS (${r})\n${q.buckets}` });
  return d.scriptSuffix ? out.map(({ name, sql }) => ({ name, sql: sql + d.scriptSuffix })) : out;
}
