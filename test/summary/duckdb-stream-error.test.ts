import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { tempDir } from '../helpers.js';

const W = { arrivalSeconds: 600, lengthSeconds: 21600 };

describe('DuckDB one pass: an error part-way through the stream', () => {
  // Found by review: a streamed DuckDB result that fails part-way ends like a complete one
  // (fetchChunk returns no error), and the one pass's pre-scan reads only the client column,
  // so a value deep in a JSON lines file that cannot take its column's type was not seen: the
  // scan summarized the rows before it, silently, and exited 0.
  it('fails as a materialized scan does instead of summarizing the rows before the error', async () => {
    const dir = tempDir();
    const mapping = parseMapping({ columns: { timestamp: 'ts', client_id: 'c', input_tokens: 'i' }, timestamp: { unit: 's' } }, 'm');
    for (const [name, m] of [['with client', mapping], ['no client column', parseMapping({ columns: { timestamp: 'ts', input_tokens: 'i' }, timestamp: { unit: 's' } }, 'm')]] as const) {
      const file = `${dir}/log-${name.replace(/ /g, '-')}.jsonl`;
      const n = 600_000;
      const lines: string[] = [];
      for (let k = 0; k < n; k++) lines.push(JSON.stringify({ ts: 1.7e9 + k * 0.01, c: `c${k % 7}`, i: k === n - 1000 ? 'abc' : k % 5000 }));
      writeFileSync(file, lines.join('\n') + '\n');
      await expect(summarizeWithDuckDB([file], m, W), name).rejects.toThrow(/line 599001|abc/);
    }
  }, 120_000);
});
