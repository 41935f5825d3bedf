import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';

/** Client ids of a Parquet trace, sorted. */
async function clients(file: string): Promise<string[]> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    return ((await con.runAndReadAll(`SELECT client_id FROM read_parquet('${file}')`)).getColumnsJS()[0] as string[]).map(String).sort();
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

describe('text values read alike in both engines', () => {
  it('joined client columns keep Unicode spaces (only ASCII whitespace is trimmed); objects and arrays in JSON lines are their JSON', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const nbsp = `${dir}/nbsp.csv`;
    writeFileSync(nbsp, 'ts,team,user,in\n1,\u00a0t1,u\u00a0,1\n2,t1,u,1\n');
    writeFileSync(`${dir}/join.json`, JSON.stringify({ columns: { timestamp: 'ts', client_id: ['team', 'user'], input_tokens: 'in' } }));
    const objects = `${dir}/objects.jsonl`;
    writeFileSync(objects, ['{"ts":1,"client":{"a":1},"in":1}', '{"ts":2,"client":{"a":2},"in":1}', '{"ts":3,"client":[1,2],"in":1}', '{"ts":4,"client":"x","in":1}'].join('\n') + '\n');
    writeFileSync(`${dir}/one.json`, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'client', input_tokens: 'in' } }));
    const expected: [string, string, string[]][] = [
      [nbsp, 'join.json', ['t1/u', '\u00a0t1/u\u00a0']],
      // (was "[object Object]" for both objects, one client, and "1,2"; the Unicode spaces were trimmed)
      [objects, 'one.json', ['[1,2]', 'x', '{"a":1}', '{"a":2}']],
    ];
    for (const [file, map, ids] of expected) {
      for (const engine of ['ts', 'duckdb']) {
        const out = `${dir}/${engine}.parquet`;
        const r = await runCli('ingest', file, '--map', `${dir}/${map}`, '--engine', engine, '--out', out, '--summary', `${dir}/s.json`, '--quiet');
        expect(r.code, `${engine} ${file}: ${r.stderr}`).toBe(0);
        expect(await clients(out), `${engine} ${file}`).toEqual(ids);
        expect((JSON.parse(readFileSync(`${dir}/s.json`, 'utf8')) as { clients: number }).clients).toBe(new Set(ids).size);
      }
    }
  });
});

describe('a timestamp that is a JSON array or object is a bad timestamp in both engines', () => {
  it('[5] and ["2024-01-01"] are not times (the TypeScript engine read their String(): 5, 2024-01-01)', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    writeFileSync(`${dir}/m.json`, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'client', input_tokens: 'in' } }));
    const cases: [string[], Record<string, number>][] = [
      [['{"ts":1,"client":"a","in":1}', '{"ts":[2],"client":"a","in":1}', '{"ts":3,"client":"a","in":1}', '{"ts":{"t":4},"client":"a","in":1}'], { bad_timestamp: 2 }],
      // First value an array: date-time strings (as DuckDB reads its text '["…"]'), so 5 is bad too.
      [['{"ts":["2024-01-01"],"client":"a","in":1}', '{"ts":"2024-01-01T00:00:01Z","client":"a","in":1}', '{"ts":5,"client":"a","in":1}'], { bad_timestamp: 2 }],
    ];
    for (const [i, [lines, rejects]] of cases.entries()) {
      const file = `${dir}/t${i}.jsonl`;
      writeFileSync(file, lines.join('\n') + '\n');
      for (const engine of ['ts', 'duckdb']) {
        const r = await runCli('ingest', file, '--map', `${dir}/m.json`, '--engine', engine, '--max-reject-ratio', '1', '--out', `${dir}/${engine}.parquet`, '--summary', `${dir}/s.json`, '--quiet');
        expect(r.code, `${engine} ${file}: ${r.stderr}`).toBe(0);
        const s = JSON.parse(readFileSync(`${dir}/s.json`, 'utf8')) as { rows_accepted: number; rejects_by_reason: Record<string, number> };
        expect(s.rejects_by_reason, `${engine} ${file}`).toEqual(rejects);
        expect(s.rows_accepted, `${engine} ${file}`).toBe(lines.length - 2);
      }
    }
  });
});

describe('a date-time read as text', () => {
  it("does not depend on the machine's time zone (String(date) gave each zone its own client ids)", async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const { ingestFiles } = await import('../../src/ingest/ingest.js');
    const { parseMapping } = await import('../../src/ingest/mapping.js');
    const dir = tempDir();
    const file = `${dir}/dates.parquet`;
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run(`COPY (SELECT i AS t, DATE '2024-05-01' + (i % 2)::INTEGER AS d, TIMESTAMP '2024-05-01 10:00:00.5' AS ts FROM range(4) r(i)) TO '${file}'`);
    con.closeSync();
    db.closeSync();
    const zone = process.env.TZ;
    const read: string[][] = [];
    try {
      for (const tz of ['America/New_York', 'Asia/Tokyo']) {
        process.env.TZ = tz;
        const r = await ingestFiles({ inputs: [file], mapping: parseMapping({ columns: { timestamp: 't', client_id: ['d', 'ts'] }, timestamp: { unit: 's' } }) });
        read.push([...r.trace.clientIds]);
      }
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
    // (DuckDB's text of a DATE and a TIMESTAMP, as the DuckDB engine reads them)
    expect(read[0]).toEqual(['2024-05-01/2024-05-01 10:00:00.5', '2024-05-02/2024-05-01 10:00:00.5']);
    expect(read[1]).toEqual(read[0]);
  });

  it('keeps a TIMESTAMP\'s micro- and nanoseconds (toISOString stopped at milliseconds: ids a microsecond apart were one)', async () => {
    const { ingestFiles } = await import('../../src/ingest/ingest.js');
    const { parseMapping } = await import('../../src/ingest/mapping.js');
    const { file } = await duckParquet('us.parquet', "SELECT i AS t, TIMESTAMP '2024-05-01 10:00:00.123456' + to_microseconds(i) AS us, TIMESTAMP_NS '2024-05-01 10:00:00.123456789' AS ns, TIMESTAMP '2024-05-01 10:00:00.5' AS ms FROM range(2) r(i)");
    const r = await ingestFiles({ inputs: [file], mapping: parseMapping({ columns: { timestamp: 't', request_id: 'us', client_id: ['ns', 'ms'] }, timestamp: { unit: 's' } }, 'm.json') });
    expect(r.trace.texts.request_id!.values).toEqual(['2024-05-01 10:00:00.123456', '2024-05-01 10:00:00.123457']);
    expect(r.summary.duplicate_request_ids).toBe(0);
    expect([...r.trace.clientIds]).toEqual(['2024-05-01 10:00:00.123456789/2024-05-01 10:00:00.5']);
  });

  it("is DuckDB's text of the column (DATE, TIMESTAMP of s/ms/µs/ns, WITH TIME ZONE) in the TypeScript engine too: a filter on it keeps the same rows in both engines (it kept none in one)", async () => {
    const { parseMapping } = await import('../../src/ingest/mapping.js');
    const { ingestFiles } = await import('../../src/ingest/ingest.js');
    const { compareEngines } = await import('../summary/engine-compare.js');
    const { dir, file } = await duckParquet(
      'kinds.parquet',
      "SELECT i AS t, DATE '2024-05-01' + (i % 3)::INTEGER AS d, TIMESTAMP '2024-05-01 10:00:00' + to_milliseconds(i * 250) AS ts, TIMESTAMP_NS '2024-05-01 10:00:00.123456789' + to_microseconds(i) AS ns, TIMESTAMP_MS '2024-05-01 10:00:00.120' AS ms, TIMESTAMP_S '2024-05-01 10:00:01' AS sec, TIMESTAMPTZ '2024-05-01 10:00:00.5+00' + to_seconds(i) AS tz, TIMESTAMP '1969-12-31 23:59:59.25' AS old FROM range(6) r(i)",
    );
    const cases: [Record<string, unknown>, string[]][] = [
      [{ client_id: 'd', filter: 'd', keep: ['2024-05-01', '2024-05-03'] }, ['2024-05-01', '2024-05-03']],
      [{ client_id: 'ts', filter: 'ts', drop: ['2024-05-01 10:00:00.25', '2024-05-01 10:00:01'] }, ['2024-05-01 10:00:00', '2024-05-01 10:00:00.5', '2024-05-01 10:00:00.75', '2024-05-01 10:00:01.25']],
      // (a TIMESTAMP_NS plus an interval is DuckDB's TIMESTAMP, to the µs)
      [{ client_id: ['ns', 'ms', 'sec'] }, ['2024-05-01 10:00:00.123456/2024-05-01 10:00:00.12/2024-05-01 10:00:01', '2024-05-01 10:00:00.123457/2024-05-01 10:00:00.12/2024-05-01 10:00:01']],
      [{ client_id: ['tz', 'old'], filter: 'tz', keep: ['2024-05-01 10:00:00.5+00'] }, ['2024-05-01 10:00:00.5+00/1969-12-31 23:59:59.25']],
    ];
    for (const [extra, clients] of cases) {
      const { keep, drop, ...columns } = extra as { keep?: string[]; drop?: string[] };
      const mapping = parseMapping({ columns: { timestamp: 't', ...columns }, ...(keep ? { keep } : {}), ...(drop ? { drop } : {}), timestamp: { unit: 's' } }, 'k.json');
      const r = await ingestFiles({ inputs: [file], mapping });
      expect([...r.trace.clientIds].sort().slice(0, clients.length), JSON.stringify(extra)).toEqual(clients.sort());
      const c = await compareEngines([file], mapping, dir);
      expect(c.differences, JSON.stringify(extra)).toEqual([]);
      expect(c.outcome).toBe('agree');
    }
  });
});

/** A Parquet file of `select` written by DuckDB into a new temporary directory; the directory and the file. */
async function duckParquet(name: string, select: string): Promise<{ dir: string; file: string }> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const dir = tempDir();
  const file = `${dir}/${name}`;
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(`COPY (${select}) TO '${file}'`);
  con.closeSync();
  db.closeSync();
  return { dir, file };
}

/** The same input read by both engines agrees (test/summary/engine-compare.ts). */
async function enginesAgree(file: string, mapping: import('../../src/ingest/mapping.js').Mapping, dir: string): Promise<void> {
  const { compareEngines } = await import('../summary/engine-compare.js');
  const c = await compareEngines([file], mapping, dir);
  expect(c.differences).toEqual([]);
  expect(c.outcome).toBe('agree');
}

describe('INT64 ids read as text', () => {
  it('keep every digit (ids above 2^53 were rounded and distinct ones merged), in both engines, plain and dictionary-encoded', async () => {
    const { ingestFiles } = await import('../../src/ingest/ingest.js');
    const { parseMapping } = await import('../../src/ingest/mapping.js');
    // 1234567890123456789 and …790 are one double. Few distinct values: DuckDB writes a dictionary;
    // all distinct: plain pages.
    const { dir } = await duckParquet('ids.parquet', 'SELECT i AS t, 1234567890123456789 + (i % 2) AS client, 1234567890123456789 + i AS rid, (i % 50)::INTEGER AS n_in FROM range(40) r(i)');
    const mapping = parseMapping({ columns: { timestamp: 't', client_id: 'client', request_id: 'rid', input_tokens: 'n_in' }, timestamp: { unit: 's' } }, 'ids.json');
    const r = await ingestFiles({ inputs: [`${dir}/ids.parquet`], mapping });
    expect([...r.trace.clientIds].sort()).toEqual(['1234567890123456789', '1234567890123456790']);
    expect(r.summary.duplicate_request_ids).toBe(0);
    expect(r.trace.texts.request_id!.values).toHaveLength(40);
    await enginesAgree(`${dir}/ids.parquet`, mapping, dir);
    // Arrow (the TypeScript engine only): the same, and an INT64 time still a number.
    const { tableFromArrays, tableToIPC } = await import('apache-arrow');
    const n = 40;
    const ids = BigInt64Array.from({ length: n }, (_, i) => 1234567890123456789n + BigInt(i % 2));
    const times = BigInt64Array.from({ length: n }, (_, i) => 1764234000000000000n + BigInt(i) * 1000000n);
    writeFileSync(`${dir}/ids.arrow`, tableToIPC(tableFromArrays({ t: times, client: ids }), 'file'));
    const a = await ingestFiles({ inputs: [`${dir}/ids.arrow`], mapping: parseMapping({ columns: { timestamp: 't', client_id: 'client' }, timestamp: { unit: 'ns' } }, 'a.json') });
    expect([...a.trace.clientIds].sort()).toEqual(['1234567890123456789', '1234567890123456790']);
    expect(Math.abs(a.trace.timestamp[1] - a.trace.timestamp[0] - 0.001)).toBeLessThan(1e-6); // (epoch ns as a double: 256 ns apart)
  });

  it('only where a value is read as text: an INT64 time under unit auto, or a count through coalesce, still arrives as a number (bigint times cost a quarter of a Parquet ingest)', async () => {
    const { TraceBuilder } = await import('../../src/ingest/normalize.js');
    const { parseMapping } = await import('../../src/ingest/mapping.js');
    const { readParquet } = await import('../../src/io/from-parquet.js');
    const { openRandomAccess } = await import('../../src/io/input.js');
    const { file } = await duckParquet('t.parquet', "SELECT 1714550400000 + i AS t, 1234567890123456789 + i AS rid, i AS a, i AS b, 'x' || i AS c FROM range(3) r(i)");
    const builder = new TraceBuilder(parseMapping({ columns: { timestamp: 't', request_id: 'rid', input_tokens: { coalesce: ['a', 'b'] }, client_id: ['c', 'b'] } }, 't.json'));
    expect(builder.specs).toEqual(['t', 'rid', 'a', 'b', 'c']);
    // b is also joined into the client: read as text there.
    expect(builder.exactSlots()).toEqual([false, true, false, true, true]);
    const types: string[][] = [];
    const source = await openRandomAccess(file);
    try {
      await readParquet(file, source, builder.keysFor(true), { row: (values) => types.push(values.map((v) => typeof v)), reject: () => undefined }, () => undefined, new Set(), builder.exactSlots());
    } finally {
      source.close();
    }
    // (b is exact too, but its INT64s are below 2^53: numbers print the same digits)
    expect(types[0]).toEqual(['number', 'bigint', 'number', 'number', 'string']);
  });

  it('a column whose first row groups hold small ids and a later one ids beyond 2^53 keeps every digit of each (small ones are read as numbers)', async () => {
    const { parquetWriteFile } = await import('hyparquet-writer');
    const { ingestFiles } = await import('../../src/ingest/ingest.js');
    const { parseMapping } = await import('../../src/ingest/mapping.js');
    const dir = tempDir();
    const ids = [...Array.from({ length: 20 }, (_, i) => BigInt(i)), 1234567890123456789n, 1234567890123456790n];
    parquetWriteFile({ filename: `${dir}/mixed.parquet`, rowGroupSize: 10, columnData: [{ name: 't', data: ids.map((_, i) => i), type: 'INT32' }, { name: 'rid', data: ids, type: 'INT64' }] });
    const r = await ingestFiles({ inputs: [`${dir}/mixed.parquet`], mapping: parseMapping({ columns: { timestamp: 't', request_id: 'rid', client_id: 'rid' }, timestamp: { unit: 's' } }, 'm.json') });
    expect(r.trace.texts.request_id!.values).toEqual(ids.map(String));
    expect(r.summary.duplicate_request_ids).toBe(0);
  });

  it('through hyparquet too (a mapping with a dotted path, which the flat reader does not take): ids above 2^53 are not merged, in both engines', async () => {
    const { ingestFiles } = await import('../../src/ingest/ingest.js');
    const { parseMapping } = await import('../../src/ingest/mapping.js');
    const { dir, file } = await duckParquet('nested.parquet', "SELECT i AS t, 1234567890123456789 + i AS rid, {'n': i::INTEGER} AS usage FROM range(6) r(i)");
    const mapping = parseMapping({ columns: { timestamp: 't', request_id: 'rid', filter: 'rid', input_tokens: 'usage.n' }, drop: ['1234567890123456790'], timestamp: { unit: 's' } }, 'n.json');
    const r = await ingestFiles({ inputs: [file], mapping });
    // (was: every id read as 1234567890123456800, 5 of them duplicates, and no row dropped)
    expect(r.trace.texts.request_id!.values).toEqual(['1234567890123456789', '1234567890123456791', '1234567890123456792', '1234567890123456793', '1234567890123456794']);
    expect(r.summary.duplicate_request_ids).toBe(0);
    expect(r.summary.rejects_by_reason).toEqual({ excluded: 1 });
    await enginesAgree(file, mapping, dir);
  });
});

describe('INT64 inside a struct', () => {
  it('read as text is JSON with its digits, and a rejected row with one has its raw text (both threw "Do not know how to serialize a BigInt", exit 3)', async () => {
    const { ingestFiles } = await import('../../src/ingest/ingest.js');
    const { parseMapping } = await import('../../src/ingest/mapping.js');
    const { dir, file } = await duckParquet('s.parquet', "SELECT i AS t, {'id': 1234567890123456789 + i, 'n': (i - 1)::INTEGER} AS s FROM range(2) r(i)");
    const p = await ingestFiles({ inputs: [file], mapping: parseMapping({ columns: { timestamp: 't', client_id: 's' }, timestamp: { unit: 's' } }, 's.json') });
    expect([...p.trace.clientIds]).toEqual(['{"id":1234567890123456789,"n":-1}', '{"id":1234567890123456790,"n":0}']);
    const { Field, Int32, Int64, Struct, Table, tableToIPC, vectorFromArray } = await import('apache-arrow');
    const s = vectorFromArray([{ id: 1234567890123456789n, n: -1 }, { id: 2n, n: 5 }], new Struct([new Field('id', new Int64()), new Field('n', new Int32())]));
    writeFileSync(`${dir}/s.arrow`, tableToIPC(new Table({ t: vectorFromArray([1, 2], new Int32()), s }), 'file'));
    const a = await ingestFiles({ inputs: [`${dir}/s.arrow`], mapping: parseMapping({ columns: { timestamp: 't', client_id: 's', input_tokens: 's.n' }, timestamp: { unit: 's' } }, 'a.json') });
    expect([...a.trace.clientIds]).toEqual(['{"id":2,"n":5}']);
    expect(a.rejects.map((r) => r.text)).toEqual(['{"t":1,"s":{"id":1234567890123456789,"n":-1}}']);
  });
});
