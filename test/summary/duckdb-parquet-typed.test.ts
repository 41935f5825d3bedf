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
const N = 2000;

/**
 * Found by the fifteenth session's review; each engine read these Parquet types its own way:
 * - BLOB text fields: DuckDB cast the bytes to escaped text (`\xC3\xA9` for é) and accepted
 *   bytes that are not UTF-8, which the TypeScript engine decodes and rejects (bad_encoding);
 * - a date-time column under a numeric unit (`ms`): the TypeScript engine read the typed
 *   times, DuckDB rejected every row (bad_timestamp);
 * - `timestamp.timezone` on a zone-less TIMESTAMP or DATE: DuckDB read its text at the
 *   timezone, the TypeScript engine ignored it.
 */
describe('Parquet BLOB text and typed times: both engines read them alike', () => {
  it('gives equal summaries and reject counts for BLOB clients and models, TIMESTAMP/TIMESTAMPTZ/TIMESTAMP_NS/DATE columns, numeric units and timezones', async () => {
    const dir = tempDir();
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const file = join(dir, 'typed.parquet');
    const ns = `1714557600000000000 + i * 1234567891 + (i * i) % 1000003789`;
    // Rows i % 7 = 0: client bytes FF 41 (not UTF-8); i % 5 = 0 (else): client é0..é2 as UTF-8
    // bytes; i % 11 = 0: model byte FE (not UTF-8).
    await con.run(`COPY (SELECT CAST(make_timestamp_ns(${ns}) AS TIMESTAMP) AS ts, CAST(make_timestamp_ns(${ns}) AS TIMESTAMPTZ) AS tstz,
        make_timestamp_ns(${ns}) AS tsns, CAST(make_timestamp_ns(${ns}) AS DATE) AS day,
        'c' || (i % 3) AS client, 100 + i % 50 AS tokens,
        CASE WHEN i % 7 = 0 THEN from_hex('FF41') WHEN i % 5 = 0 THEN encode('é' || (i % 3)) ELSE encode('c' || (i % 3)) END AS bclient,
        CASE WHEN i % 11 = 0 THEN from_hex('FE') ELSE encode('m') END AS bmodel
      FROM range(${N}) t(i)) TO '${file}' (FORMAT parquet)`);
    con.closeSync();
    db.closeSync();
    const count = (f: (i: number) => boolean) => Array.from({ length: N }, (_, i) => i).filter(f).length;
    const cases: [string, Record<string, unknown>, Record<string, unknown>, Record<string, number>][] = [
      ['BLOB client', { client_id: 'bclient' }, { unit: 'iso' }, { bad_encoding: count((i) => i % 7 === 0) }],
      ['BLOB model', { client_id: 'client', model: 'bmodel' }, { unit: 'iso' }, { bad_encoding: count((i) => i % 11 === 0) }],
      ['BLOB in a coalesce', { client_id: { coalesce: ['bmodel', 'client'] } }, { unit: 'iso' }, { bad_encoding: count((i) => i % 11 === 0) }],
      ['TIMESTAMP, unit ms', { client_id: 'client', timestamp: 'ts' }, { unit: 'ms' }, {}],
      ['TIMESTAMP_NS, unit s, timezone', { client_id: 'client', timestamp: 'tsns' }, { unit: 's', timezone: '-05:30' }, {}],
      ['TIMESTAMP at +08:00', { client_id: 'client', timestamp: 'ts' }, { unit: 'iso', timezone: '+08:00' }, {}],
      ['TIMESTAMPTZ at +08:00', { client_id: 'client', timestamp: 'tstz' }, { unit: 'iso', timezone: '+08:00' }, {}],
      ['DATE at +08:00', { client_id: 'client', timestamp: 'day' }, { unit: 'ms', timezone: '+08:00' }, {}],
    ];
    const origins = new Map<string, string | null>();
    for (const [name, cols, timestamp, rejects] of cases) {
      const mapping = parseMapping({ columns: { timestamp: 'ts', input_tokens: 'tokens', ...cols }, timestamp }, 'test');
      const ts = await ingestFiles({ inputs: [file], mapping });
      const mine = buildSummaries(ts.trace, W);
      const duck = await summarizeWithDuckDB([file], mapping, W);
      expect(ts.summary.rejects_by_reason, name).toEqual(rejects);
      expect(duck.rejectsByReason, name).toEqual(rejects);
      expectEqualSummaries(mine, duck.summaries);
      origins.set(name, mine.origin);
      if (name === 'BLOB client') expect([...new Set(mine.arrivals.map((w) => w.client))].sort(), name).toEqual(['c0', 'c1', 'c2', 'é0', 'é1', 'é2']);
    }
    // Zone-less times are wall clock at the timezone; TIMESTAMPTZ holds its own zone.
    expect(origins.get('TIMESTAMP, unit ms')).toBe('2024-05-01T10:00:00.000Z');
    expect(origins.get('TIMESTAMP at +08:00')).toBe('2024-05-01T02:00:00.000Z');
    expect(origins.get('TIMESTAMPTZ at +08:00')).toBe('2024-05-01T10:00:00.000Z');
    expect(origins.get('TIMESTAMP_NS, unit s, timezone')).toBe('2024-05-01T15:30:00.000Z');
    expect(origins.get('DATE at +08:00')).toBe('2024-04-30T16:00:00.000Z');
  }, 60_000);
});
