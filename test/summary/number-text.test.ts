import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { duckdbNumberTextSql } from '../../src/summary/sql.js';
import { createRng } from '../../src/stats/rng.js';

/**
 * A number read as text (a client id, a session id, a filter's text) in the DuckDB engine must
 * be spelled as the TypeScript engine spells it, JavaScript's String(x): DuckDB wrote 1e15 as
 * 1000000000000000.0, 1.5e-5 as 1.5e-05 and 1.2345678901234567e19 in exponent form (found by
 * the odd-traces audit: such client ids were other clients in each engine).
 */
describe('numbers as text in the DuckDB engine', () => {
  it('spells every double as JavaScript does', async () => {
    const rng = createRng('number-text');
    const vals = [12345678901234567890, 1e15, 1e16, 1e20, 9.99e20, 1e21, 1e-7, 1e-6, 9.999e-7, 0.000001, 1.5e-5, 0.1, 123.456, 1234567890123456.7, -0, 5e-324, 1.7976931348623157e308, 2 ** 53 + 2, 999999999999999.9, -1.5e-7, -123.5, 0.5, 1, -1];
    for (let i = 0; i < 2000; i++) {
      const m = rng.next() * 10;
      vals.push((rng.next() < 0.5 ? -1 : 1) * m * 10 ** (Math.floor(rng.next() * 60) - 30));
      vals.push(Math.round(m * 10 ** Math.floor(rng.next() * 22)));
    }
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    try {
      await con.run('CREATE TABLE v (x DOUBLE)');
      const app = await con.createAppender('v');
      for (const v of vals) {
        app.appendDouble(v);
        app.endRow();
      }
      app.closeSync();
      const [xs, ts] = (await con.runAndReadAll(`SELECT x, ${duckdbNumberTextSql('x')} AS t FROM v`)).getColumnsJS();
      const differ = xs.map((x, i) => [String(x), ts[i]]).filter(([a, b]) => a !== b);
      expect(differ.slice(0, 5)).toEqual([]);
      expect(xs).toHaveLength(vals.length);
    } finally {
      con.closeSync();
    }
  });
});
