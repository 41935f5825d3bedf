/**
 * Ids whose digits were lost before they were read: a client, session or request id that is a
 * floating-point number of 2^53 or more — a Parquet DOUBLE (or FLOAT, DECIMAL) column, a JSON
 * number written with a fraction or an exponent (`1.2e18`, `1234567890123456789.0`), a CSV or
 * JSON text in exponent form. A double keeps about 16 significant digits: 64-bit snowflake ids
 * one apart are one double, so distinct clients or sessions merge without a word. Integer
 * literals past 2^53 keep their digits in both engines (longIntegerText), and every integer
 * below 2^53 is exact in a double: neither is counted. Both engines count the same values
 * (TraceBuilder; the DuckDB engine's idDigitsSql) and say it in one warning (idDigitsWarning).
 */

/** The fields read as ids whose lost digits are said (a model or the row filter's text are not ids of requests). */
export const ID_DIGIT_FIELDS = ['client_id', 'session_id', 'request_id'] as const;
export type IdDigitField = (typeof ID_DIGIT_FIELDS)[number];

/** A number in exponent form, as a CSV cell or a JSON string writes it (`1.2e18`, `-1.5E+19`). */
export const EXPONENT_RE = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+$/;

/** A double that may stand for several integers: past 2^53 − 1 in magnitude (NaN: no). */
export const floatPastExact = (v: number): boolean => v > Number.MAX_SAFE_INTEGER || v < -Number.MAX_SAFE_INTEGER;

/**
 * Whether a text (trimmed) is a number in exponent form of 2^53 or more in magnitude. The first
 * character and an `e` are looked at before the pattern: ids are read on every row.
 */
export function exponentPastExact(s: string): boolean {
  const n = s.length;
  if (n < 3) return false;
  const c = s.charCodeAt(0);
  if (!((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46)) return false;
  let e = false;
  for (let i = 1; i < n && !e; i++) {
    const k = s.charCodeAt(i);
    e = k === 101 || k === 69;
  }
  return e && EXPONENT_RE.test(s) && floatPastExact(Number(s));
}

/** What one field's lost-digit ids were: how many distinct values (as read), in which files (input order). */
export interface IdDigitsFound {
  field: IdDigitField;
  values: number;
  files: readonly string[];
}

/** Lost-digit ids as the TypeScript engine meets them, row by row: per field, the distinct values and their files. */
export class IdDigitsTally {
  private readonly byField = new Map<IdDigitField, { values: Set<string>; files: Set<string> }>();

  add(field: IdDigitField, file: string, value: string): void {
    let e = this.byField.get(field);
    if (!e) this.byField.set(field, (e = { values: new Set(), files: new Set() }));
    e.values.add(value);
    e.files.add(file);
  }

  /** Per field (ID_DIGIT_FIELDS order) that had any. */
  found(): IdDigitsFound[] {
    return ID_DIGIT_FIELDS.filter((f) => this.byField.has(f)).map((f) => ({ field: f, values: this.byField.get(f)!.values.size, files: [...this.byField.get(f)!.files] }));
  }
}

/** Files named in the warning, at most; more are counted. */
const FILES_NAMED = 3;

/**
 * The warning, one line per field with lost-digit ids (none when there are none): the field,
 * how many distinct values, the files, why ids may have merged and what to do.
 */
export function idDigitsWarnings(found: readonly IdDigitsFound[]): string[] {
  return found.map(({ field, values, files }) => {
    const named = files.slice(0, FILES_NAMED).join(', ') + (files.length > FILES_NAMED ? ` and ${files.length - FILES_NAMED} more file${files.length - FILES_NAMED === 1 ? '' : 's'}` : '');
    return `${field}: ${values} distinct value${values === 1 ? '' : 's'} in ${named} ${values === 1 ? 'is a floating-point number' : 'are floating-point numbers'} of 2^53 or more (from a DOUBLE column, or written with a fraction or an exponent such as 1.2e18), which keep only about 16 significant digits: distinct ids may have been merged into one; export the ids as strings or as 64-bit integers (INT64) (README, Mapping files)`;
  });
}
