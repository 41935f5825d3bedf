import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

// hyparquet-writer's file writer, failing as a full disk does when it flushes its first 1 MB.
vi.mock('hyparquet-writer', async (original) => {
  const real = await original<typeof import('hyparquet-writer')>();
  return {
    ...real,
    fileWriter: (file: string) => {
      const w = real.fileWriter(file);
      const ensure = w.ensure.bind(w);
      w.ensure = (size: number) => {
        if ((w as unknown as { index: number }).index > 1_000_000) throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC', errno: -28, syscall: 'write' });
        ensure(size);
      };
      return w;
    },
  };
});

const { parquetTraceWriter } = await import('../../src/io/to-parquet.js');
const { tempDir } = await import('../helpers.js');

describe('Parquet trace writer on a full disk', () => {
  it('fails naming the output and the cause (it was an internal error, exit 3, when a row group filled the disk)', async () => {
    const dir = tempDir();
    const out = join(dir, 'full.parquet');
    const w = parquetTraceWriter(out, { clientIds: ['a'], columns: ['input_tokens'], meta: { format: 'servegen-trace', version: 1, origin: null } });
    const n = 300_000; // above one row group (262 144 rows): written while rows are added
    const batch = { n, timestamp: Float64Array.from({ length: n }, (_, i) => i / 7), client: new Int32Array(n), lengths: [Float64Array.from({ length: n }, (_, i) => (i * 7919) % 100_003)] };
    let error: (Error & { code?: string; path?: string }) | undefined;
    try {
      await w.write(batch);
      await w.close();
    } catch (err) {
      error = err as Error;
      w.abort();
    }
    expect(error?.message).toBe(`${out}: cannot write (no space left on the device)`);
    expect(error?.code).toBe('ENOSPC');
    expect(error?.path).toBe(out);
    expect(existsSync(out)).toBe(false);
  });
});
