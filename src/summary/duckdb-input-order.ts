import type { DuckDBConnection } from '@duckdb/node-api';
import { streamedAll } from './duckdb.js';

/** One chunk of a streamed result: its columns (as getColumns gives them) and its rows. */
export type StreamedChunk = { cols: unknown[][]; rows: number };

/**
 * Streams the rows of `sql` in input order (DuckDB's preserve_insertion_order for the query:
 * the order TraceBuilder reads the files in, which keeps the order of rows of one time),
 * handing each chunk to `each`, then checks that every row came (streamedAll: `expected` rows).
 */
export async function streamInInputOrder(con: DuckDBConnection, sql: string, expected: number, each: (chunk: StreamedChunk) => void): Promise<void> {
  await con.run('SET preserve_insertion_order = true');
  try {
    const result = await con.stream(sql);
    let got = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      got += chunk.rowCount;
      each({ cols: chunk.getColumns() as unknown[][], rows: chunk.rowCount });
    }
    await streamedAll(con, sql, got, expected);
  } finally {
    await con.run('SET preserve_insertion_order = false');
  }
}
