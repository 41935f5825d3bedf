/**
 * FLOAT and DECIMAL columns read as text (a client id, a row filter) are the same text in both
 * engines. DuckDB printed a FLOAT 0.1 as `0.1` and a DECIMAL(6,2) 1.50 as `1.50`, where the
 * TypeScript engine reads the double they decode to and prints `0.10000000149011612` and `1.5`:
 * the two engines named clients otherwise, and one `keep` list kept other rows in each (with
 * `drop`, silently). The DuckDB engine now prints such a column through DOUBLE, as JavaScript does.
 */
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { inspectWithDuckDB } from '../../src/summary/duckdb-inspect.js';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
const file = join(dir, 'typed.parquet');

async function writeParquet(): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(`COPY (SELECT i AS t, CAST(i % 7 * 0.1 AS FLOAT) AS f, CAST(i % 5 * 1.5 AS DECIMAL(6,2)) AS d, CAST(i % 3 * 2.25 AS DECIMAL(20,4)) AS d2, {'w': CAST(i % 4 * 0.3 AS REAL)} AS s, 100 + i AS n FROM range(1, 60) r(i)) TO '${file}' (FORMAT parquet)`);
  con.closeSync();
  db.closeSync();
}

describe('FLOAT and DECIMAL columns read as text', () => {
  it('name the same clients and keep the same rows in both engines', async () => {
    await writeParquet();
    for (const client of ['f', 'd', 'd2', 's.w']) {
      const mapping = parseMapping({ columns: { timestamp: 't', client_id: client, input_tokens: 'n' }, timestamp: { unit: 's' } }, 'm');
      const ts = await ingestFiles({ inputs: [file], mapping });
      const names = (await inspectWithDuckDB([file], mapping)).summary.topClients.map((c) => [c.id, c.requests]);
      const counts = new Map<string, number>();
      for (let i = 0; i < ts.trace.n; i++) counts.set(ts.trace.clientIds[ts.trace.client[i]], (counts.get(ts.trace.clientIds[ts.trace.client[i]]) ?? 0) + 1);
      for (const [id, n] of names) expect(counts.get(id as string), `${client}: ${String(id)}`).toBe(n);
    }
    expect((await ingestFiles({ inputs: [file], mapping: parseMapping({ columns: { timestamp: 't', client_id: 'f', input_tokens: 'n' }, timestamp: { unit: 's' } }, 'm') })).trace.clientIds).toContain('0.10000000149011612');
    // A filter on them: the same rows kept (keep) and dropped (drop).
    for (const list of [{ keep: ['1.5', '0.10000000149011612', { prefix: '4.' }] }, { drop: ['1.5', '0.10000000149011612'] }]) {
      for (const filter of ['d', 'f']) {
        const mapping = parseMapping({ columns: { timestamp: 't', filter, input_tokens: 'n' }, timestamp: { unit: 's' }, ...list }, 'm');
        const ts = await ingestFiles({ inputs: [file], mapping });
        const dd = await summarizeWithDuckDB([file], mapping, { arrivalSeconds: 600, lengthSeconds: 21600 });
        expect(dd.rejectsByReason, `${filter} ${JSON.stringify(list)}`).toEqual(ts.summary.rejects_by_reason);
        expect(ts.summary.rejects_by_reason.excluded ?? 0).toBeGreaterThan(0);
      }
    }
  });
});
