import { existsSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';

// JSON lines that JSON.parse refuses but DuckDB's JSON reader (yyjson, with its NaN/Infinity and
// trailing-comma flags) took: the TypeScript engine rejects them (unparseable_line), DuckDB had
// read a bad_number, a bad_timestamp or an accepted row (found by the input audit).
const LINES = [
  '{"timestamp":1,"client_id":"a","input_length":10,"output_length":5,"note":"NaN, Infinity,} inf ,]"}',
  '{"timestamp":2,"client_id":"a","input_length":NaN,"output_length":5}',
  '{"timestamp":3,"client_id":"b","input_length":10,"output_length":5,}',
  '{"timestamp":Infinity,"client_id":"b","input_length":10,"output_length":5}',
  '{"timestamp":5,"client_id":"b","input_length":10,"output_length":5,"x":[1,2 ,\t]}',
  '{"timestamp":6,"client_id":"infra","input_length":12,"output_length":-inf}',
  '{"timestamp":7,"client_id":"nancy","input_length":1E3,"output_length":5,"ok":true,"n":null,"f":false,"e":2e-1}',
  '{"timestamp":8,"client_id":"b","input_length":10,"output_length":5,"u":nan}',
  '{"timestamp":9,"client_id":"b","input_length":11,"output_length":4}',
];
const MAP = { format: 'jsonl', columns: { timestamp: 'timestamp', client_id: 'client_id', input_tokens: 'input_length', output_tokens: 'output_length' }, timestamp: { unit: 's' } };

describe('JSON lines with NaN, Infinity or trailing commas: both engines agree', () => {
  it('--engine duckdb stops naming the file and the first such line; auto reads it with the TypeScript engine (same counts); valid lines with such text in strings still read', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    writeFileSync(`${dir}/m.json`, JSON.stringify(MAP));
    const plain = `${dir}/bad.jsonl`;
    writeFileSync(plain, LINES.join('\n') + '\n');
    const gz = `${dir}/bad2.jsonl.gz`;
    writeFileSync(gz, gzipSync([LINES[0], LINES[8], LINES[2]].join('\r\n') + '\r\n'));
    const good = `${dir}/good.jsonl`;
    writeFileSync(good, [LINES[0], LINES[6], LINES[8]].join('\n') + '\n');
    const cases: [string[], string, number, string][] = [
      [[plain], plain, 2, '6 rejected (unparseable_line 6)'],
      [[good, gz], gz, 3, '1 rejected (unparseable_line 1)'],
    ];
    for (const [inputs, file, line, counts] of cases) {
      for (const [cmd, out] of [['summarize', 's.json'], ['fit', 'p.json'], ['ingest', 't.parquet'], ['inspect', '']] as const) {
        const label = `${cmd} ${file}`;
        const args = (engine: string) => [cmd, ...inputs, '--map', `${dir}/m.json`, '--engine', engine, '--max-reject-ratio', '1', ...(out ? ['--out', `${dir}/${engine}-${out}`] : ['--json'])];
        const duck = await runCli(...args('duckdb'));
        expect(duck.code, label).toBe(2);
        const escaped = file.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');
        expect(duck.stderr, label).toMatch(new RegExp(`^servegen: ${escaped}: engine duckdb cannot read JSON lines with NaN, Infinity or a trailing comma \\(line ${line}: .*--engine ts reads it and counts such rows as rejects \\(unparseable_line\\)\\n$`));
        if (out) expect(existsSync(`${dir}/duckdb-${out}`), label).toBe(false);
        const ts = await runCli(...args('ts'));
        expect(ts.code, label).toBe(0);
        expect(ts.stderr, label).toContain(counts);
        const auto = await runCli(...args('auto'));
        expect(auto.code, label).toBe(0);
        expect(auto.stderr, label).toContain(counts);
        if (!out) expect(auto.stdout, label).toBe(ts.stdout);
      }
    }
    // Text like NaN, Infinity, ",}" inside strings, true/false/null and exponents: read by both, equally.
    const i = [];
    for (const engine of ['ts', 'duckdb']) i.push(await runCli('inspect', good, '--map', `${dir}/m.json`, '--engine', engine, '--json'));
    expect(i[1].code).toBe(0);
    expect(i[1].stderr).toContain('3 accepted, 0 rejected');
    const pick = (out: string) => {
      const { rows_read, rows_accepted, rows_rejected, rejects_by_reason } = (JSON.parse(out) as { ingest: Record<string, unknown> }).ingest;
      return { rows_read, rows_accepted, rows_rejected, rejects_by_reason };
    };
    expect(pick(i[1].stdout)).toEqual(pick(i[0].stdout));
    expect(pick(i[1].stdout).rows_accepted).toBe(3);
  });
});
