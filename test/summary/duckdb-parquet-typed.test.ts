import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { structFields, summarizeWithDuckDB } from '../../src/summary/duckdb.js';
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

/**
 * Seventeenth session: leaves of structs (Parquet groups, JSON objects DuckDB types as
 * structs) read with dotted paths. DuckDB cast a BLOB leaf to escaped text and a DOUBLE leaf
 * to `2.0` (client ids `2.0` against the TypeScript engine's `2`), so such clients were named
 * differently; bytes that are not UTF-8 were accepted.
 */
describe('struct leaves read with dotted paths: both engines read them alike', () => {
  it('gives equal summaries, client names and reject counts for BLOB, DOUBLE and BIGINT leaves (Parquet) and nested numbers (JSON lines)', async () => {
    const dir = tempDir();
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const file = join(dir, 'struct.parquet');
    // i % 7 = 0: who is the bytes FF 41 (not UTF-8); i % 3 = 0 (else): é0..é3.
    await con.run(`COPY (SELECT {'who': CASE WHEN i % 7 = 0 THEN from_hex('FF41') WHEN i % 3 = 0 THEN encode('é' || (i % 4)) ELSE encode('c' || (i % 4)) END,
        'n': (i % 5) / 2, 'k': (i % 7)::BIGINT, 'ts': 1700000000 + i * 0.5} AS meta, {'inp': (100 + i % 50)::DOUBLE} AS usage FROM range(${N}) t(i)) TO '${file}' (FORMAT parquet)`);
    con.closeSync();
    db.closeSync();
    const jsonl = join(dir, 'nested.jsonl');
    writeFileSync(jsonl, Array.from({ length: N }, (_, i) => JSON.stringify({ meta: { n: (i % 5) / 2, ts: 1700000000 + i * 0.5 }, usage: { inp: 100 + (i % 50) } })).join('\n') + '\n');
    const cases: [string, string, string, string[], Record<string, number>][] = [
      ['BLOB leaf', file, 'meta.who', ['c0', 'c1', 'c2', 'c3', 'é0', 'é1', 'é2', 'é3'], { bad_encoding: Array.from({ length: N }, (_, i) => i).filter((i) => i % 7 === 0).length }],
      ['DOUBLE leaf', file, 'meta.n', ['0', '0.5', '1', '1.5', '2'], {}],
      ['BIGINT leaf', file, 'meta.k', ['0', '1', '2', '3', '4', '5', '6'], {}],
      ['JSON number', jsonl, 'meta.n', ['0', '0.5', '1', '1.5', '2'], {}],
    ];
    for (const [name, input, client, clients, rejects] of cases) {
      const mapping = parseMapping({ columns: { timestamp: 'meta.ts', client_id: client, input_tokens: 'usage.inp' }, timestamp: { unit: 's' } }, 'test');
      const ts = await ingestFiles({ inputs: [input], mapping });
      const mine = buildSummaries(ts.trace, W);
      const duck = await summarizeWithDuckDB([input], mapping, W);
      expect(ts.summary.rejects_by_reason, name).toEqual(rejects);
      expect(duck.rejectsByReason, name).toEqual(rejects);
      expect([...new Set(duck.summaries.arrivals.map((w) => w.client))].sort(), name).toEqual(clients);
      expectEqualSummaries(mine, duck.summaries);
    }
  }, 60_000);

  it('reads DuckDB struct types: quoted names, nested structs and lists', () => {
    expect(structFields('BIGINT')).toBeUndefined();
    // As DuckDB 1.x's DESCRIBE writes it (keywords and mixed case quoted).
    expect(structFields('STRUCT(who BLOB, "a b" DECIMAL(2,1), "say ""hi"", x" VARCHAR, "inner" STRUCT(x BIGINT, "y)" DECIMAL(10,2)), tags VARCHAR[], "Case" INTEGER)')).toEqual(
      new Map([
        ['who', 'BLOB'],
        ['a b', 'DECIMAL(2,1)'],
        ['say "hi", x', 'VARCHAR'],
        ['inner', 'STRUCT(x BIGINT, "y)" DECIMAL(10,2))'],
        ['tags', 'VARCHAR[]'],
        ['Case', 'INTEGER'],
      ]),
    );
  });
});
