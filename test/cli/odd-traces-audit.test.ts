import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

/**
 * Odd but legal traces (h-88's audit): degenerate and extreme logs through every command, both
 * engines. Each test holds a defect the audit found.
 */
describe('odd traces', () => {
  const dir = tempDir();
  const map = join(dir, 'm.json');
  writeFileSync(map, JSON.stringify({ columns: { timestamp: 't', client_id: 'c', input_tokens: 'i', output_tokens: 'o' }, timestamp: { unit: 's' }, optional: ['output_tokens'] }));
  const log = (name: string, rows: object[]) => {
    const file = join(dir, name);
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    return file;
  };

  it('inspect lists clients of equal volume in the same order with either engine', async () => {
    // 40 clients of one request each, the file's rows not in time order: the TypeScript
    // engine listed u0…u4 (the order of the rows), DuckDB the earliest five.
    const rows = Array.from({ length: 40 }, (_, k) => ({ t: ((k * 17) % 40) * 3.5, c: `u${k}`, i: 10, o: 2 }));
    const file = log('one-each.jsonl', rows);
    const ts = await runCli('inspect', file, '--map', map, '--json', '--quiet');
    const dd = await runCli('inspect', file, '--map', map, '--json', '--quiet', '--engine', 'duckdb');
    expect(ts.code).toBe(0);
    expect(dd.code).toBe(0);
    const top = (out: string) => JSON.parse(out).trace.top_clients.map((c: { id: string }) => c.id);
    expect(top(ts.stdout)).toEqual(['u0', 'u33', 'u26', 'u19', 'u12']);
    expect(top(ts.stdout)).toEqual(top(dd.stdout));
  }, 30_000);
});
