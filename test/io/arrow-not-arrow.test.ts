import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';

describe('an .arrow input with no Arrow message at all is bad input in plain words', () => {
  it('an empty file, or text: exit 2 naming the file (was "internal error: Cannot read properties of undefined (reading \'fields\')")', async () => {
    const dir = tempDir();
    for (const [name, bytes] of [['empty.arrow', ''], ['text.arrow', 'hello, this is not Arrow\n']] as const) {
      const file = join(dir, name);
      writeFileSync(file, bytes);
      for (const cmd of ['ingest', 'inspect']) {
        const r = await runCli(cmd, file, ...(cmd === 'ingest' ? ['--out', join(dir, 'x.parquet')] : []));
        expect(r.code, `${cmd} ${name}`).toBe(2);
        expect(r.stderr, `${cmd} ${name}`).toMatch(new RegExp(`^servegen: ${file}: not a readable Arrow IPC file or stream \\([^\\n]+\\)\\n$`));
      }
    }
  });
});

describe('an Arrow trace of no rows', () => {
  it('is written (its schema alone), not an internal error', async () => {
    // (found by review: generate --format arrow of a span without requests exited 3, "internal
    // error: Table and inner RecordBatch schemas must be equivalent"; jsonl, csv and parquet wrote it)
    const { arrowTraceWriter } = await import('../../src/io/to-arrow.js');
    const { RecordBatchReader } = await import('apache-arrow');
    const { readFileSync } = await import('node:fs');
    const file = join(tempDir(), 'empty.arrow');
    const w = arrowTraceWriter(file, { clientIds: ['a'], columns: ['input_tokens'], hashIds: true, meta: { format: 'servegen-trace', version: 1, origin: null, tool: 'test' } });
    expect(await w.close()).toBe(0);
    const reader = RecordBatchReader.from(readFileSync(file));
    reader.open();
    expect(reader.schema.fields.map((f) => f.name)).toEqual(['timestamp', 'client_id', 'input_tokens', 'hash_ids']);
    let rows = 0;
    for (const b of reader) rows += b.numRows;
    expect(rows).toBe(0);
  });
});
