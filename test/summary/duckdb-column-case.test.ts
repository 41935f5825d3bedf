import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMapping } from '../../src/ingest/mapping.js';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { DuckDbReadError } from '../../src/summary/duckdb-errors.js';
import { tempDir } from '../helpers.js';

describe('columns whose names differ only in case: the DuckDB engine refuses them (auto retries with ts)', () => {
  it('CSV `TS,ts` and a JSON line with `In` and `in`: a read error naming the column (was: "not in the input", or the field silently absent)', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    writeFileSync(`${dir}/case.csv`, 'TS,ts,client,in\n100,1,a,1\n200,2,a,3\n');
    writeFileSync(`${dir}/case.jsonl`, '{"ts":1,"client":"a","In":5,"in":1}\n{"ts":2,"client":"a","In":6,"in":2}\n');
    const m = parseMapping({ columns: { timestamp: 'ts', client_id: 'client', input_tokens: 'in' } }, 'm');
    for (const [file, column] of [[`${dir}/case.csv`, 'ts'], [`${dir}/case.jsonl`, 'in']]) {
      const err = await summarizeWithDuckDB([file], m, { arrivalSeconds: 600, lengthSeconds: 21600 }).then(
        (r) => r.rejectsByReason,
        (e: unknown) => e,
      );
      expect(err, file).toBeInstanceOf(DuckDbReadError);
      expect((err as Error).message).toBe(`${file}: engine duckdb cannot read column "${column}" beside another whose name differs only in case (it renames one); --engine ts reads it`);
    }
  });
});
