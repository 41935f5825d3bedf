import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { parquetWriteFile } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { readParquet } from '../../src/io/from-parquet.js';
import { chunkRange, flatColumns } from '../../src/io/parquet-flat.js';
import { openRandomAccess } from '../../src/io/input.js';
import { tempDir } from '../helpers.js';

/**
 * The page-at-a-time flat-column decoder (src/io/parquet-flat.ts) against hyparquet's own
 * row reader as the reference, on files written by two independent writers across codecs,
 * page versions, row-group and page sizes, nulls, dictionary→plain fallback and types.
 */

const N = 5000;
const COLUMNS = ['d', 'i32', 'i64', 'f', 's_low', 's_high', 'b', 'ts', 'dec'];

async function ours(file: string, columns: string[]): Promise<unknown[][]> {
  const out: unknown[][] = [];
  const source = await openRandomAccess(file);
  try {
    await readParquet(
      file,
      source,
      columns.map((c) => ({ column: c, path: [] })),
      {
        row: (values) => out.push([...values]),
        reject: (line, reason, message) => {
          throw new Error(`unexpected reject at ${line}: ${reason} ${message}`);
        },
      },
      () => undefined,
    );
  } finally {
    source.close();
  }
  return out;
}

async function reference(file: string, columns: string[]): Promise<unknown[][]> {
  const source = await openRandomAccess(file);
  try {
    const rows = (await parquetReadObjects({ file: source, columns, compressors })) as Record<string, unknown>[];
    return rows.map((r) => columns.map((c) => (r[c] === null ? undefined : typeof r[c] === 'bigint' ? Number(r[c]) : r[c])));
  } finally {
    source.close();
  }
}

async function pageCount(file: string): Promise<{ groups: number }> {
  const source = await openRandomAccess(file);
  try {
    const md = await parquetMetadataAsync(source);
    return { groups: md.row_groups.length };
  } finally {
    source.close();
  }
}

describe('flat Parquet columns decoded page by page equal hyparquet row reads', () => {
  const dir = tempDir();

  it('DuckDB files: snappy/zstd/gzip/none × v1/v2 pages × 1 or many row groups, with nulls', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    // Deterministic data with nulls in every column, a low- and a high-cardinality string
    // (the latter overflows DuckDB's dictionary and falls back to plain pages).
    await con.run(`CREATE TABLE t AS SELECT
        CASE WHEN i % 17 = 0 THEN NULL ELSE i * 0.125 + 1.7e9 END AS d,
        CASE WHEN i % 13 = 0 THEN NULL ELSE (i * 7919) % 1000 END::INTEGER AS i32,
        CASE WHEN i % 11 = 0 THEN NULL ELSE i * 1000003 END::BIGINT AS i64,
        CASE WHEN i % 19 = 0 THEN NULL ELSE i / 8.0 END::FLOAT AS f,
        CASE WHEN i % 23 = 0 THEN NULL ELSE 'tenant-' || (i % 37) END AS s_low,
        CASE WHEN i % 29 = 0 THEN NULL ELSE md5(i::VARCHAR) || repeat('x', i % 50) END AS s_high,
        CASE WHEN i % 31 = 0 THEN NULL ELSE i % 3 = 0 END AS b,
        CASE WHEN i % 41 = 0 THEN NULL ELSE TIMESTAMP '2024-05-01 00:00:00' + to_milliseconds(i * 37) END AS ts,
        CASE WHEN i % 43 = 0 THEN NULL ELSE (i % 1000) / 100 END::DECIMAL(10,2) AS dec
      FROM range(${N}) r(i)`);
    let files = 0;
    for (const codec of ['snappy', 'zstd', 'gzip', 'uncompressed']) {
      for (const version of ['v1', 'v2']) {
        for (const groups of [N, 700]) {
          const f = join(dir, `duck-${codec}-${version}-${groups}.parquet`);
          await con.run(`COPY t TO '${f}' (FORMAT parquet, COMPRESSION ${codec}, PARQUET_VERSION ${version}, ROW_GROUP_SIZE ${groups})`);
          const got = await ours(f, COLUMNS);
          expect(got.length, f).toBe(N);
          expect(got, f).toEqual(await reference(f, COLUMNS));
          if (groups < N) expect((await pageCount(f)).groups, f).toBeGreaterThan(1);
          files++;
        }
      }
    }
    expect(files).toBe(16);
    // Spot checks against the generating SQL, independent of both readers.
    const got = await ours(join(dir, 'duck-zstd-v2-700.parquet'), COLUMNS);
    expect(got[0]).toEqual([undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
    expect(got[1][0]).toBe(1.7e9 + 0.125);
    expect(got[2][2]).toBe(2_000_006);
    expect(got[3][4]).toBe('tenant-3');
    expect(got[3][6]).toBe(true);
    expect(got.filter((r) => r[0] === undefined).length).toBe(Math.ceil(N / 17));
  });

  it('hyparquet-writer files: small pages (many per chunk), dictionary and plain, required columns', async () => {
    const n = 3000;
    const d = Float64Array.from({ length: n }, (_, i) => 1.7e9 + i / 3);
    const tenants = Array.from({ length: n }, (_, i) => `t${(i * 31) % 97}`);
    const unique = Array.from({ length: n }, (_, i) => `req-${i}`);
    const tokens = Int32Array.from({ length: n }, (_, i) => (i * 7) % 4096);
    const big = Array.from({ length: n }, (_, i) => BigInt(i) * 1_000_000_007n);
    const maybe = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : i % 7));
    for (const codec of ['SNAPPY', 'UNCOMPRESSED'] as const) {
      for (const pageSize of [512, 1 << 20]) {
        const f = join(dir, `hw-${codec}-${pageSize}.parquet`);
        parquetWriteFile({
          filename: f,
          codec,
          pageSize,
          rowGroupSize: 1000,
          columnData: [
            { name: 'd', data: d, type: 'DOUBLE', nullable: false },
            { name: 'tenant', data: tenants, type: 'STRING', nullable: false },
            { name: 'unique', data: unique, type: 'STRING' },
            { name: 'tokens', data: tokens, type: 'INT32', nullable: false },
            { name: 'big', data: big, type: 'INT64' },
            { name: 'maybe', data: maybe, type: 'INT32' },
          ],
        });
        const cols = ['d', 'tenant', 'unique', 'tokens', 'big', 'maybe'];
        const got = await ours(f, cols);
        expect(got, f).toEqual(await reference(f, cols));
        expect(got[5], f).toEqual([1.7e9 + 5 / 3, 't58', 'req-5', 35, 5_000_000_035, undefined]);
      }
    }
  });

  it('a chunk that falls back from dictionary to plain pages midway (as parquet-mr writes) keeps every row', async () => {
    // Splice a dictionary-encoded chunk and a plain-encoded chunk of the same column into one.
    const lowCard = Array.from({ length: 400 }, (_, i) => (i % 9 === 0 ? null : `t${i % 5}`));
    const unique = Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? null : `unique-value-${i}-${'y'.repeat(i % 13)}`));
    const chunk = async (name: string, data: (string | null)[]) => {
      const f = join(dir, `${name}.parquet`);
      parquetWriteFile({ filename: f, codec: 'SNAPPY', columnData: [{ name: 's', data, type: 'STRING' }] });
      const source = await openRandomAccess(f);
      const md = await parquetMetadataAsync(source);
      const { start, end } = chunkRange(md, 0, 's');
      const encodings = md.row_groups[0].columns[0].meta_data!.encodings;
      const bytes = new Uint8Array(source.slice(start, end));
      source.close();
      return { md, bytes, encodings };
    };
    const a = await chunk('dict', lowCard);
    const b = await chunk('plain', unique);
    expect(a.encodings.some((e) => e.endsWith('DICTIONARY'))).toBe(true);
    expect(b.encodings.some((e) => e.endsWith('DICTIONARY'))).toBe(false);
    const spliced = new Uint8Array(a.bytes.length + b.bytes.length);
    spliced.set(a.bytes);
    spliced.set(b.bytes, a.bytes.length);
    const [col] = flatColumns(a.md, parquetSchema(a.md), ['s'])!;
    col.decodeChunk(spliced.buffer, 700, 'SNAPPY');
    expect(col.mode).toBe('any');
    const got = Array.from({ length: 700 }, (_, r) => col.get(r));
    expect(got).toEqual([...lowCard, ...unique].map((v) => v ?? undefined));
    // A chunk holding more values than its row group says is an error, not a silent overrun.
    expect(() => col.decodeChunk(spliced.buffer, 650, 'SNAPPY')).toThrow(/more values than the row group/);

    // INT64 the same way (found by review): the plain pages' values must come out as numbers
    // like the dictionary's, not as bigints.
    const int64 = async (name: string, data: bigint[], encoding?: 'PLAIN') => {
      const f = join(dir, `${name}.parquet`);
      parquetWriteFile({ filename: f, codec: 'UNCOMPRESSED', columnData: [{ name: 'x', data, type: 'INT64', nullable: false, ...(encoding ? { encoding } : {}) }] });
      const source = await openRandomAccess(f);
      const md = await parquetMetadataAsync(source);
      const { start, end } = chunkRange(md, 0, 'x');
      const bytes = new Uint8Array(source.slice(start, end));
      source.close();
      return { md, bytes };
    };
    const da = Array.from({ length: 40 }, (_, i) => BigInt(i % 3) * 10n);
    const pb = Array.from({ length: 30 }, (_, i) => BigInt(i) * 1000n - 5n);
    const ia = await int64('i64-dict', da);
    const ib = await int64('i64-plain', pb, 'PLAIN');
    const both = new Uint8Array(ia.bytes.length + ib.bytes.length);
    both.set(ia.bytes);
    both.set(ib.bytes, ia.bytes.length);
    const [x] = flatColumns(ia.md, parquetSchema(ia.md), ['x'])!;
    x.decodeChunk(both.buffer, 70, 'UNCOMPRESSED');
    const vals = Array.from({ length: 70 }, (_, r) => x.get(r));
    expect(vals).toEqual([...da, ...pb].map(Number));
    expect(vals.every((v) => typeof v === 'number')).toBe(true);
  });
});
