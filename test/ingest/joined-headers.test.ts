import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';
import { badTimestampMessage } from '../../src/ingest/normalize.js';

// Hourly CSV files joined with `cat hour-*.csv > day.csv` keep each file's header line among the
// rows; each was rejected as `cannot read "TIMESTAMP" as …`, with no word that it is a header
// line again nor what to do (found by a new user's review, session 38). The rows stay counted
// as bad_timestamp rejects, as the DuckDB engine counts them.

const CODE = fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv');

describe('header lines among the rows', () => {
  it('are rejects that say so, and the files given apart read whole', async () => {
    const dir = tempDir();
    const [header, ...rows] = readFileSync(CODE, 'utf8').trimEnd().split('\n');
    const third = Math.ceil(rows.length / 3);
    const parts = [0, 1, 2].map((k) => [header, ...rows.slice(k * third, (k + 1) * third)].join('\n') + '\n');
    const joined = join(dir, 'day.csv');
    writeFileSync(joined, parts.join(''));
    const rejects = join(dir, 'r.jsonl');
    const r = await runCli('ingest', joined, '--preset', 'azure-llm-2023', '--out', join(dir, 't.parquet'), '--rejects', rejects);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${rows.length} accepted, 2 rejected (bad_timestamp 2)`);
    const got = readFileSync(rejects, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { line: number; message: string });
    expect(got.map((g) => g.line)).toEqual([third + 2, 2 * third + 3]);
    for (const g of got) expect(g.message).toMatch(/^cannot read "TIMESTAMP" as .*: the timestamp column's own name, a header line among the rows \(files joined with cat\? give them as inputs of their own\)$/);
    const files = parts.map((p, k) => {
      const f = join(dir, `hour-${k}.csv`);
      writeFileSync(f, p);
      return f;
    });
    const apart = await runCli('ingest', ...files, '--preset', 'azure-llm-2023', '--out', join(dir, 'u.parquet'));
    expect(apart.code).toBe(0);
    expect(apart.stderr).toContain(`${rows.length} accepted, 0 rejected`);
  });

  it('another bad time keeps the plain message', () => {
    expect(badTimestampMessage('TIMESTAMPS', 'iso', 'TIMESTAMP')).not.toContain('header');
    expect(badTimestampMessage('yesterday', 'date-time', 'time')).toBe('cannot read "yesterday" as a date-time (YYYY-MM-DD[Thh:mm[:ss[.f]]][zone])');
  });
});
