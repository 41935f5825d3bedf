import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';

/**
 * A mapped column twice in a CSV header (`ts,c,in,out,in`): both engines read the first without
 * a word (found by review); both now refuse it naming the file, line, column and fields.
 */
describe('a mapped column twice in the header', () => {
  const dir = tempDir();
  const map = join(dir, 'map.json');
  writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'c', input_tokens: 'in', output_tokens: 'out' }, timestamp: { unit: 's' } }));
  const file = (name: string, text: string) => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };

  it('is refused by both engines with the same message (CSV and TSV); unmapped duplicates and a real `in_1` column are read', async () => {
    const cases: [string, number, string][] = [
      [file('dup.csv', 'ts,c,in,out,in\n1,a,5,6,7\n2,a,8,9,10\n'), 2, 'dup.csv:1: the header has column "in" 2 times (fields 3, 5): which one the mapping names cannot be told; rename all but one'],
      [file('dup.tsv', 'ts\tc\tin\tout\tin\n1\ta\t5\t6\t7\n'), 2, 'dup.tsv:1: the header has column "in" 2 times (fields 3, 5)'],
      [file('unmapped.csv', 'ts,c,in,out,x,x\n1,a,5,6,7,8\n'), 0, ''],
      [file('in_1.csv', 'ts,c,in,out,in_1\n1,a,5,6,7\n'), 0, ''],
    ];
    for (const [input, code, message] of cases) {
      const stderr: string[] = [];
      for (const engine of ['ts', 'duckdb']) {
        const r = await runCli('ingest', input, '--map', map, '--engine', engine, '--out', join(dir, `out-${engine}.parquet`), '--quiet');
        expect(r.code, `${input} ${engine}`).toBe(code);
        if (message) expect(r.stderr, `${input} ${engine}`).toContain(message);
        stderr.push(r.stderr);
      }
      expect(stderr[1], input).toBe(stderr[0]);
    }
  });
});
