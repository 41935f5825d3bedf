import { join } from 'node:path';
import { parquetMetadataAsync } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { parquetTraceWriter } from '../../src/io/to-parquet.js';
import { openRandomAccess } from '../../src/io/input.js';
import { LENGTH_COLUMNS, type TraceBatch } from '../../src/io/trace-schema.js';
import { tempDir } from '../helpers.js';

async function rowGroups(file: string): Promise<number[]> {
  const source = await openRandomAccess(file);
  try {
    return (await parquetMetadataAsync(source)).row_groups.map((g) => Number(g.num_rows));
  } finally {
    source.close();
  }
}

describe('Parquet traces: row groups', () => {
  it('traces with id columns (session_id) are written in row groups of 65 536 rows, others of 262 144', async () => {
    // Found by review: hyparquet-writer's memory grows with a row group's distinct strings
    // (generate with session ids peaked at 426 MB against 195 MB without).
    const dir = tempDir();
    const n = 300_000;
    const batch = (ids: boolean): TraceBatch => ({
      n,
      timestamp: Float64Array.from({ length: n }, (_, i) => i / 10),
      client: new Int32Array(n),
      lengths: LENGTH_COLUMNS.map((c) => (c === 'input_tokens' ? new Float64Array(n).fill(7) : undefined)),
      ...(ids ? { texts: { session_id: Array.from({ length: n }, (_, i) => `c#${i}`) }, extraInts: { turn: new Float64Array(n).fill(1) } } : {}),
    });
    const meta = { format: 'servegen-trace' as const, version: 1 as const, origin: null };
    for (const ids of [true, false]) {
      const file = join(dir, `${ids}.parquet`);
      const w = parquetTraceWriter(file, { clientIds: ['c'], columns: ['input_tokens'], ...(ids ? { texts: ['session_id'] as const, extraInts: ['turn'] as const } : {}), meta });
      await w.write(batch(ids));
      await w.close();
      expect(await rowGroups(file)).toEqual(ids ? [65536, 65536, 65536, 65536, 37856] : [262144, 37856]);
    }
  }, 60_000);
});
