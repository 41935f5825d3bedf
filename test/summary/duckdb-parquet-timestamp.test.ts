import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { buildSummaries } from '../../src/summary/build.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { expectEqualSummaries } from './equal-summaries.js';
import { tempDir } from '../helpers.js';

const W = { arrivalSeconds: 600, lengthSeconds: 21600 };

describe('Parquet TIMESTAMP columns (unit iso): both engines keep the stored precision', () => {
  it('microsecond, millisecond and nanosecond timestamps give equal summaries and clock resolutions', async () => {
    // Found by review: hyparquet gives JavaScript Dates (whole milliseconds), so the TypeScript
    // engine's times differed from DuckDB's by < 1 ms and its clock resolution by 1000×.
    const dir = tempDir();
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const files: [string, string][] = [];
    for (const type of ['TIMESTAMP', 'TIMESTAMP_MS', 'TIMESTAMP_NS']) {
      const file = join(dir, `${type}.parquet`);
      // Gaps of ~1.2 s with sub-microsecond parts (cut to µs, or to ms for TIMESTAMP_MS).
      const ns = `1714557600000000000 + i * 1234567891 + (i * i) % 1000003789`;
      await con.run(`COPY (SELECT ${type === 'TIMESTAMP_NS' ? `make_timestamp_ns(${ns})` : `CAST(CAST(make_timestamp_ns(${ns}) AS TIMESTAMP) AS ${type})`} AS ts,
        'c' || (i % 3) AS client, 100 + i % 50 AS tokens FROM range(3000) t(i)) TO '${file}' (FORMAT parquet)`);
      files.push([type, file]);
    }
    con.closeSync();
    db.closeSync();
    const mapping = parseMapping({ columns: { timestamp: 'ts', client_id: 'client', input_tokens: 'tokens' }, timestamp: { unit: 'iso' } }, 'test');
    for (const [type, file] of files) {
      const ts = await ingestFiles({ inputs: [file], mapping });
      const mine = buildSummaries(ts.trace, W);
      const duck = await summarizeWithDuckDB([file], mapping, W);
      expectEqualSummaries(mine, duck.summaries);
      // Times keep what the type holds: a 1 ms clock for TIMESTAMP_MS, 1 µs for TIMESTAMP (NS
      // keeps its nine digits, as DuckDB's text of it does, but epoch seconds near 1.7·10⁹ hold
      // only ~0.2 µs, so its clock also reads as 1 µs).
      expect(mine.resolution, type).toBe(type === 'TIMESTAMP_MS' ? 0.001 : 1e-6);
    }
  }, 60_000);
});
