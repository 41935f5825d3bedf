import { DuckDBInstance } from '@duckdb/node-api';
import { parseMapping } from '../../src/ingest/mapping.js';
import { rowsSql } from '../../src/summary/sql.js';

/**
 * Texts (or NULLs) as column `x` of a table, row `n` numbering them, normalized by the DuckDB
 * scan's own SQL (rowsSql) under `mapping`; returns `select` (first column: the row order) of
 * the normalized rows.
 */
export async function textsThroughSql(texts: readonly (string | null)[], mapping: Record<string, unknown>, select: string): Promise<unknown[][]> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    await con.run('CREATE TABLE src (n INTEGER, x VARCHAR)');
    const app = await con.createAppender('src');
    texts.forEach((x, n) => {
      app.appendInteger(n);
      if (x === null) app.appendNull();
      else app.appendVarchar(x);
      app.endRow();
    });
    app.closeSync();
    return (await con.runAndReadAll(`SELECT ${select} FROM (${rowsSql('src', parseMapping(mapping, 'm'), false, undefined, new Set(), ['request_id'])}) AS r ORDER BY 1`)).getRowsJS();
  } finally {
    con.closeSync();
    db.closeSync();
  }
}
