import type { DuckDBConnection } from '@duckdb/node-api';
import { ID_DIGIT_FIELDS, type IdDigitField, type IdDigitsFound } from '../ingest/id-digits.js';
import type { Mapping } from '../ingest/mapping.js';
import { ident, idDigitsSql, type TypedColumns } from './sql.js';

/**
 * The DuckDB engine's count of ids whose digits were lost before they were read
 * (src/ingest/id-digits.ts), as the TypeScript engine counts them: over every row of the inputs,
 * each source of client_id, session_id and request_id (idDigitsSql), per field the distinct
 * values and the files they are in (input order). `read`: the inputs' rows with each row's file
 * in `fileColumn`. One read of the inputs, of those columns only; none when no source can hold
 * such a value (integer and text columns of Parquet).
 */
export async function idDigitsWithDuckDB(
  con: DuckDBConnection,
  read: string,
  fileColumn: string,
  files: readonly string[],
  mapping: Mapping,
  dotted: boolean,
  numeric: TypedColumns,
  texts: boolean,
): Promise<IdDigitsFound[]> {
  const sources: { field: number; text: string; lost: string }[] = [];
  ID_DIGIT_FIELDS.forEach((field, k) => {
    const src = mapping.columns[field];
    if (src === undefined) return;
    const specs = typeof src === 'string' ? [src] : Array.isArray(src) ? src : 'coalesce' in src ? src.coalesce : [];
    for (const spec of specs) {
      if (numeric.absent?.has(spec)) continue;
      const s = idDigitsSql(spec, dotted, numeric, texts);
      if (s.lost !== 'false') sources.push({ field: k, ...s });
    }
  });
  if (sources.length === 0) return [];
  // The rows with any such id first (the test alone on every row; texts of those rows only).
  const cols = sources.map((s, i) => `${s.text} AS t${i}, coalesce(${s.lost}, false) AS l${i}`).join(', ');
  const lost = sources.map((s) => `(${s.lost})`).join(' OR ');
  const each = sources.map((s, i) => `SELECT ${s.field} AS k, t${i} AS t, f FROM sg_ids WHERE l${i}`).join(' UNION ALL ');
  // (the rows kept whole, then their texts: a projection beside the filter cost the texts of
  // every row, 2.5 times the test alone)
  const sql = `WITH sg_rows AS MATERIALIZED (SELECT * FROM ${read} AS src_in WHERE ${lost}), sg_ids AS (SELECT ${ident(fileColumn)} AS f, ${cols} FROM sg_rows AS src_in) SELECT k, count(DISTINCT t) AS n, list(DISTINCT f) AS files FROM (${each}) AS sg_all GROUP BY k ORDER BY k`;
  const rows = (await con.runAndReadAll(sql)).getRowObjectsJS() as { k: unknown; n: unknown; files: unknown }[];
  const order = (f: string) => files.indexOf(f);
  return rows
    .map((r) => ({ field: ID_DIGIT_FIELDS[Number(r.k)] as IdDigitField, values: Number(r.n), files: (r.files as string[]).slice().sort((a, b) => order(a) - order(b)) }))
    .filter((r) => r.values > 0);
}
