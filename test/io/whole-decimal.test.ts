/**
 * Parquet DECIMAL columns of scale 0 — the integers warehouses export (Snowflake's NUMBER(38,0)
 * and its HASH()'s NUMBER(19,0), Spark's DecimalType(p, 0)) — are read as integers with every
 * digit, in both engines. hyparquet read each as a double: 64-bit ids past 2^53 one apart were one
 * client (`1234567890123456789` and `…790` became `1234567890123456800`, with a warning), and
 * DuckDB printed them through DOUBLE to agree (left open by session 38's h-99).
 */
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { inspectWithDuckDB } from '../../src/summary/duckdb-inspect.js';
import { tempDir } from '../helpers.js';

/** The id columns: DECIMAL(19,0) as DuckDB writes it (16-byte FIXED_LEN_BYTE_ARRAY, plain pages) and DECIMAL(18,0) (INT64, dictionary pages). */
const CASES = [
  { type: 'DECIMAL(19,0)', base: 1234567890123456789n, pages: '16-byte values, plain pages' },
  { type: 'DECIMAL(18,0)', base: 123456789012345678n, pages: 'INT64 values, dictionary pages' },
];

/** 600 rows: ids past 2^53, sessions past 2^64 in DECIMAL(38,0), negative ids, nulls, token counts in DECIMAL(9,0) (INT32) and DECIMAL(38,0) (16 bytes), models in DECIMAL(38,0) about 2^47 and 2^48, negative too. */
async function writeParquet(file: string, type: string, BASE: bigint): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(`COPY (SELECT i * 0.5 AS t,
      CASE WHEN i % 50 = 7 THEN NULL WHEN i % 3 = 2 THEN -(${BASE} + i % 4) ELSE ${BASE} + i % 4 END::${type} AS client,
      (123456789012345678901234567890 + i % 9)::DECIMAL(38,0) AS session,
      (100 + i % 17)::DECIMAL(9,0) AS i_tok,
      (10 + i % 5)::DECIMAL(38,0) AS o_tok,
      [-1, -256, -140737488355329, 140737488355328, 281474976710655, 0][i % 6 + 1]::DECIMAL(38,0) AS model
    FROM range(0, 600) r(i)) TO '${file}' (FORMAT parquet)`);
  con.closeSync();
  db.closeSync();
}

const mapping = parseMapping({ columns: { timestamp: 't', client_id: 'client', session_id: 'session', model: 'model', input_tokens: 'i_tok', output_tokens: 'o_tok' }, timestamp: { unit: 's' } }, 'm');

describe('Parquet DECIMAL(p, 0) read as integers', () => {
  for (const { type, base: BASE, pages } of CASES) {
    it(`keeps ids' digits past 2^53 and 2^64, in both engines (${type}: ${pages})`, async () => {
      const file = join(tempDir(), 'whole.parquet');
      await writeParquet(file, type, BASE);
      const ts = await ingestFiles({ inputs: [file], mapping });
      const want = ['unknown', ...[0n, 1n, 2n, 3n].flatMap((k) => [`${BASE + k}`, `-${BASE + k}`])].sort();
      expect([...ts.trace.clientIds].sort()).toEqual(want);
      expect(ts.summary.warnings ?? []).toEqual([]);
      const sessions = ts.trace.texts.session_id!;
      expect(new Set(sessions.values)).toEqual(new Set(Array.from({ length: 9 }, (_, k) => `${123456789012345678901234567890n + BigInt(k)}`)));
      expect(Array.from(ts.trace.ints.input_tokens!.slice(0, 3))).toEqual([100, 101, 102]);
      expect(Array.from(ts.trace.ints.output_tokens!.slice(0, 3))).toEqual([10, 11, 12]);
      expect(new Set(ts.trace.texts.model!.values)).toEqual(new Set(['-1', '-256', '-140737488355329', '140737488355328', '281474976710655', '0']));
      // DuckDB names the same clients, with the same counts, and no warning.
      const duck = await inspectWithDuckDB([file], mapping);
      const counts = new Map<string, number>();
      for (let i = 0; i < ts.trace.n; i++) counts.set(ts.trace.clientIds[ts.trace.client[i]], (counts.get(ts.trace.clientIds[ts.trace.client[i]]) ?? 0) + 1);
      expect(duck.summary.clients).toBe(want.length);
      for (const c of duck.summary.topClients) expect(counts.get(c.id), c.id).toBe(c.requests);
      expect(duck.summary.sessions?.sessions).toBe(new Set(Array.from({ length: ts.trace.n }, (_, i) => `${ts.trace.client[i]}/${sessions.index[i]}`)).size);
      expect(duck.warnings ?? []).toEqual([]);
    });
  }

  it('also beside a struct column (the nested reader), while a DECIMAL inside a struct stays a double, warned of in both engines', async () => {
    const file = join(tempDir(), 'nested.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run(`COPY (SELECT i * 0.5 AS t, (1234567890123456789 + i % 4)::DECIMAL(19,0) AS client,
        {'prompt': 100 + i % 17, 'tenant': (1234567890123456789 + i % 2)::DECIMAL(19,0)} AS usage
      FROM range(0, 200) r(i)) TO '${file}' (FORMAT parquet)`);
    con.closeSync();
    db.closeSync();
    const top = parseMapping({ columns: { timestamp: 't', client_id: 'client', input_tokens: 'usage.prompt' }, timestamp: { unit: 's' } }, 'm');
    const ts = await ingestFiles({ inputs: [file], mapping: top });
    expect([...ts.trace.clientIds].sort()).toEqual([0n, 1n, 2n, 3n].map((k) => `${1234567890123456789n + k}`));
    expect(Array.from(ts.trace.ints.input_tokens!.slice(0, 2))).toEqual([100, 101]);
    const duck = await inspectWithDuckDB([file], top);
    expect(duck.summary.topClients.map((c) => c.id).sort()).toEqual([...ts.trace.clientIds].sort());
    // The struct's DECIMAL: one double for both tenants, in both engines, each warning of it.
    const inner = parseMapping({ columns: { timestamp: 't', client_id: 'usage.tenant', input_tokens: 'usage.prompt' }, timestamp: { unit: 's' } }, 'm');
    const tsInner = await ingestFiles({ inputs: [file], mapping: inner });
    const duckInner = await inspectWithDuckDB([file], inner);
    expect(tsInner.trace.clientIds).toEqual(['1234567890123456800']);
    expect(duckInner.summary.topClients.map((c) => c.id)).toEqual(['1234567890123456800']);
    expect(tsInner.summary.warnings?.length).toBe(1);
    expect(duckInner.warnings).toEqual(tsInner.summary.warnings);
  });
});
