import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { findDuplicateKey, formatJsonPath, parseJsonText } from '../io/json-text.js';
import { CANONICAL_FIELDS, type CanonicalField } from './fields.js';
import { IngestError } from './errors.js';
import { readErrorReason } from '../io/read-error.js';

/**
 * Where a canonical field comes from:
 * - `"col"` — a column name, or a dotted path into JSON objects (`usage.prompt_tokens`);
 * - `["a", "b"]` — several columns joined with `separator` (client_id from Model + Log Type);
 * - `{"const": v}` — a constant for every row;
 * - `{"coalesce": ["a", "b"]}` — the first non-empty of several columns;
 * - `{"length": "col"}` — the length of an array column (Mooncake `hash_ids` → block count).
 */
export type FieldSource = string | string[] | { const: string | number } | { coalesce: string[] } | { length: string };

export const TIMESTAMP_UNITS = ['auto', 's', 'ms', 'us', 'ns', 'iso'] as const;
export type TimestampUnit = (typeof TIMESTAMP_UNITS)[number];

const SourceSchema = z.union([
  z.string().min(1),
  z.array(z.string().min(1)).min(1),
  z.object({ const: z.union([z.string(), z.number()]) }).strict(),
  z.object({ coalesce: z.array(z.string().min(1)).min(1) }).strict(),
  z.object({ length: z.string().min(1) }).strict(),
]);

export const MappingSchema = z
  .object({
    description: z.string().optional(),
    format: z.enum(['csv', 'tsv', 'jsonl', 'parquet', 'arrow']).optional(),
    columns: z.partialRecord(z.enum(CANONICAL_FIELDS), SourceSchema),
    timestamp: z
      .object({
        unit: z.enum(TIMESTAMP_UNITS).default('auto'),
        timezone: z.string().optional().describe('offset like +08:00 or UTC, for ISO times without a zone'),
      })
      .strict()
      .optional(),
    separator: z.string().default('/').describe('joins client_id columns'),
    optional: z.array(z.enum(CANONICAL_FIELDS)).default([]).describe('fields whose source columns may be missing from a file (left absent)'),
  })
  .strict();

export type Mapping = z.infer<typeof MappingSchema>;

/** Validates a parsed mapping; errors name the file and the JSON path. */
export function parseMapping(value: unknown, file: string): Mapping {
  // A profile (or another file of ours) given to --map said `format: Invalid option: expected
  // one of "csv"|…` (found by review): name what the file is instead.
  const ours = (value as { format?: unknown } | null)?.format;
  if (typeof ours === 'string' && ours.startsWith('servegen-')) {
    throw new IngestError(`${file}: a ${ours.replace('-', ' ')} file, not a mapping file (a mapping is {"columns": {"timestamp": …, …}}; servegen ingest --help)`, file);
  }
  const r = MappingSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new IngestError(`${file}: ${formatJsonPath(issue.path)}: ${issue.message}`, file);
  }
  if (!r.data.columns.timestamp) throw new IngestError(`${file}: columns.timestamp: the timestamp field is required`, file);
  if (r.data.timestamp?.timezone !== undefined) parseTimezone(r.data.timestamp.timezone, file);
  return r.data;
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
  const dup = findDuplicateKey(text);
  if (dup) {
    const where = dup.path === '(root)' ? 'the top level' : dup.path;
    throw new IngestError(`${file}:${dup.line}:${dup.column}: key ${JSON.stringify(dup.key)} appears twice in ${where} (JSON keeps only the last one); remove one of them`, file);
  }
  return parseMapping(value, file);
}

/** Offset in seconds east of UTC for `UTC`, `Z`, `+08:00`, `-0530`. */
export function parseTimezone(tz: string, file = 'mapping'): number {
  if (tz === 'UTC' || tz === 'Z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(tz);
  if (!m) throw new IngestError(`${file}: timestamp.timezone: expected UTC or an offset like +08:00, got ${JSON.stringify(tz)}`, file);
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

/** The error for missingCoalesce's result in `file` (exit 2, before any output). */
export function missingCoalesceError(file: string, missing: { field: CanonicalField; columns: string[] }, columns: readonly string[]): IngestError {
  return new IngestError(
    `${file}: mapping reads ${missing.field} from the first non-empty of ${missing.columns.map((c) => JSON.stringify(c)).join(', ')}, none of which is in the input (columns: ${columns.map((c) => JSON.stringify(c)).join(', ')}); list ${missing.field} in "optional" if it may be absent`,
    file,
    undefined,
    missing.field,
  );
}

/**
 * The error for a dotted path of a required field that no row of `file` has, below a column
 * the file does have (`usage.prompt_tokns`): a typo, refused as a missing column is (exit 2).
 */
export function missingPathError(file: string, field: CanonicalField, spec: string): IngestError {
  const [column, ...path] = spec.split('.');
  return new IngestError(
    `${file}: mapping reads ${field} from ${JSON.stringify(spec)}, a path no row of the file has (${JSON.stringify(column)} is there, ${JSON.stringify(path.join('.'))} inside it is not); fix the path, or list ${field} in "optional" if it may be absent`,
    file,
    undefined,
    field,
  );
}
