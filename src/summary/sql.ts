/**
 * The summary scan as SQL (DuckDB dialect): the same per-(client, window) statistics as
 * buildSummaries, so the heavy pass can run inside DuckDB (or, with a dialect port, on a
 * warehouse) and only the summaries come back. See docs/scale.md.
 */
import type { Mapping, FieldSource } from '../ingest/mapping.js';
import { IngestError } from '../ingest/errors.js';
import { GAP_BINS_PER_DECADE, GAP_MIN, LENGTH_EXACT_BELOW } from './bins.js';
import { QUANT_TICKS } from './types.js';

/** A SQL identifier, quoted. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function literal(v: string | number): string {
  return typeof v === 'number' ? String(v) : `'${v.replace(/'/g, "''")}'`;
}

/** SQL expression of a mapped source column (dotted paths are struct fields). */
function column(spec: string, dotted: boolean): string {
  return dotted ? spec.split('.').map(ident).join('.') : ident(spec);
}

const blankToNull = (e: string) => `NULLIF(trim(CAST(${e} AS VARCHAR)), '')`;

/** SQL for one mapped field, as text (NULL = absent), mirroring TraceBuilder's rules. */
export function fieldSql(src: FieldSource, dotted: boolean, separator: string): string {
  if (typeof src === 'string') return blankToNull(column(src, dotted));
  if (Array.isArray(src)) {
    const parts = src.map((c) => blankToNull(column(c, dotted)));
    return `CASE WHEN ${parts.map((p) => `${p} IS NULL`).join(' AND ')} THEN NULL ELSE concat(${parts.map((p) => `coalesce(${p}, '')`).join(`, ${literal(separator)}, `)}) END`;
  }
  if ('const' in src) return `CAST(${literal(src.const)} AS VARCHAR)`;
  if ('coalesce' in src) return `coalesce(${src.coalesce.map((c) => blankToNull(column(c, dotted))).join(', ')})`;
  return `CAST(len(${column(src.length, dotted)}) AS VARCHAR)`;
}

const UNIT_FACTOR: Record<string, number> = { s: 1, ms: 1e-3, us: 1e-6, ns: 1e-9 };

/** Timestamp in seconds (epoch or relative) as SQL; ISO strings go through TIMESTAMPTZ (UTC). */
export function timestampSql(raw: string, mapping: Mapping): string {
  const unit = mapping.timestamp?.unit ?? 'auto';
  if (unit === 'auto') throw new IngestError('engine duckdb: set timestamp.unit in the mapping (auto detection runs in the TypeScript engine only)');
  if (unit === 'iso') {
    if (mapping.timestamp?.timezone && mapping.timestamp.timezone !== 'UTC') throw new IngestError('engine duckdb: timestamp.timezone other than UTC is not supported yet; use --engine ts');
    return `epoch_us(TRY_CAST(${raw} AS TIMESTAMPTZ)) / 1e6`;
  }
  return `TRY_CAST(${raw} AS DOUBLE) * ${UNIT_FACTOR[unit]}`;
}

/** Integer fields summarized as lengths (the TypeScript engine's FIELD_OF) plus reasoning. */
export const SQL_INT_FIELDS = ['input_tokens', 'output_tokens', 'reasoning_tokens', 'image_count', 'image_tokens', 'audio_count', 'audio_tokens', 'video_count', 'video_tokens'] as const;

/**
 * The normalized-rows relation: `t` (seconds, before origin), `client`, the integer fields,
 * and `reason` (NULL when the row is accepted, else the reject reason).
 */
export function rowsSql(fromClause: string, mapping: Mapping, dotted: boolean): string {
  const cols = mapping.columns;
  const tRaw = fieldSql(cols.timestamp!, dotted, mapping.separator);
  const t = timestampSql(tRaw, mapping);
  const client = cols.client_id ? `coalesce(${fieldSql(cols.client_id, dotted, mapping.separator)}, 'unknown')` : `'default'`;
  const ints = SQL_INT_FIELDS.filter((f) => cols[f] !== undefined).map((f) => ({ f, raw: fieldSql(cols[f]!, dotted, mapping.separator) }));
  const numeric = (raw: string) => `TRY_CAST(${raw} AS DOUBLE)`;
  const reasons = [
    `WHEN ${tRaw} IS NULL THEN 'missing_timestamp'`,
    `WHEN ${t} IS NULL OR NOT isfinite(${t}) THEN 'bad_timestamp'`,
    ...ints.flatMap(({ raw }) => [
      `WHEN ${raw} IS NOT NULL AND (${numeric(raw)} IS NULL OR NOT isfinite(${numeric(raw)})) THEN 'bad_number'`,
      `WHEN ${raw} IS NOT NULL AND ${numeric(raw)} < 0 THEN 'negative_tokens'`,
      `WHEN ${raw} IS NOT NULL AND (${numeric(raw)} <> floor(${numeric(raw)}) OR ${numeric(raw)} > 2147483647) THEN 'bad_number'`,
    ]),
  ];
  return `SELECT ${t} AS t, ${client} AS client, ${ints.map(({ f, raw }) => `CAST(${numeric(raw)} AS BIGINT) AS ${ident(f)}`).join(', ')}${ints.length ? ',' : ''}
  CASE ${reasons.join('\n    ')} ELSE NULL END AS reason
FROM ${fromClause}`;
}

/** Queries computing the summaries from an accepted-rows relation `r(t, client, …)` with t relative to the origin. */
export function summaryQueries(opts: { W: number; L: number; res: number; fields: string[] }): { gaps: string; arrivals: string; gapHist: string; disp: string; lengths: string; joint: string | undefined } {
  const { W, L, res, fields } = opts;
  // `gaps` is materialized once by the caller as table x(client, t, wi, g).
  const gaps = `SELECT client, t, CAST(floor(t / ${W}) AS BIGINT) AS wi, t - lag(t) OVER (PARTITION BY client ORDER BY t) AS g FROM r`;
  const ticks = `round(g / ${res})`;
  // Counts and keys come back as INTEGER/DOUBLE: BIGINT would become one JS BigInt per value.
  const arrivals = `SELECT client, CAST(wi AS INTEGER) AS wi, CAST(count(*) AS INTEGER) AS n, min(t) AS first, max(t) AS last, CAST(count(g) AS INTEGER) AS gaps, coalesce(sum(g), 0) AS sum, coalesce(sum(g * g), 0) AS sumSq,
  coalesce(sum(CASE WHEN g > 0 THEN ln(g) END), 0) AS sumLog, CAST(count(CASE WHEN g > 0 THEN 1 END) AS INTEGER) AS positive
FROM x GROUP BY client, wi`;
  const gapHist = `SELECT client, CAST(wi AS INTEGER) AS wi, CASE WHEN ${ticks} < ${QUANT_TICKS} THEN 'q' ELSE 'h' END AS kind,
  CAST(CASE WHEN ${ticks} < ${QUANT_TICKS} THEN ${ticks} ELSE floor(log10(g / ${GAP_MIN}) * ${GAP_BINS_PER_DECADE}) END AS INTEGER) AS key, CAST(count(*) AS INTEGER) AS c
FROM x WHERE g IS NOT NULL GROUP BY ALL ORDER BY client, wi`;
  const dispAt = (sc: number) => `SELECT client, CAST(wi AS INTEGER) AS wi, ${sc} AS scale, CAST(sum(c) AS DOUBLE) AS sum, CAST(sum(c * c) AS DOUBLE) AS sumSq FROM (
  SELECT client, wi, floor(t / ${sc}) AS b, count(*) AS c FROM x GROUP BY ALL) GROUP BY ALL`;
  const disp = [1, 10, 60].map(dispAt).join('\nUNION ALL\n');
  const lengthKey = (e: string) => `CASE WHEN ${e} < ${LENGTH_EXACT_BELOW} THEN ${e} ELSE -1 - CAST(floor(log10(${e} / ${LENGTH_EXACT_BELOW}) * 64) AS BIGINT) END`;
  const parts = fields
    .filter((f) => f !== 'reasoning_tokens')
    .map((f) => `SELECT client, CAST(floor(t / ${L}) AS INTEGER) AS li, '${f}' AS field, CAST(${lengthKey(ident(f))} AS DOUBLE) AS key, CAST(count(*) AS INTEGER) AS c FROM r WHERE ${ident(f)} IS NOT NULL GROUP BY ALL`);
  if (fields.includes('reasoning_tokens') && fields.includes('output_tokens')) {
    parts.push(`SELECT client, CAST(floor(t / ${L}) AS INTEGER) AS li, 'reason_ratio' AS field, round(least(1, "reasoning_tokens" / "output_tokens") * 500) / 500 AS key, CAST(count(*) AS INTEGER) AS c
FROM r WHERE "reasoning_tokens" IS NOT NULL AND "output_tokens" > 0 GROUP BY ALL`);
  }
  const nPerWindow = `SELECT client, CAST(floor(t / ${L}) AS INTEGER) AS li, '__n' AS field, 0.0 AS key, CAST(count(*) AS INTEGER) AS c FROM r GROUP BY ALL`;
  const lengths = [nPerWindow, ...parts].join('\nUNION ALL\n');
  const jb = (e: string) => `CASE WHEN ${e} < 16 THEN ${e} ELSE 16 + CAST(floor(log10(${e} / 16) * 16) AS BIGINT) END`;
  const joint =
    fields.includes('input_tokens') && fields.includes('output_tokens')
      ? `SELECT client, CAST(floor(t / ${L}) AS INTEGER) AS li, CAST(${jb('"input_tokens"')} * 1024 + ${jb('"output_tokens"')} AS INTEGER) AS key, CAST(count(*) AS INTEGER) AS c FROM r WHERE "input_tokens" IS NOT NULL AND "output_tokens" IS NOT NULL GROUP BY ALL`
      : undefined;
  return { gaps, arrivals, gapHist, disp, lengths, joint };
}
