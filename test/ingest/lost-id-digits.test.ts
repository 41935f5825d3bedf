/**
 * Ids whose digits were lost before they were read (src/ingest/id-digits.ts): a Parquet DOUBLE
 * column mapped as client_id, a JSON number written with a fraction or an exponent, a CSV value
 * in exponent form. Two snowflake clients one apart, exported as doubles, are one value: both
 * engines merged them without a word. Now both warn, alike, naming the field and the file; ids
 * that kept their digits (integer literals past 2^53, INT64 columns, DOUBLE columns of integers
 * below 2^53, texts) are not counted.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { exponentPastExact, floatPastExact } from '../../src/ingest/id-digits.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { compareEngines } from '../summary/engine-compare.js';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';

const A = '1234567890123456789';
const B = '1234567890123456790';

/** Both engines agree on the inputs (rows, summaries, warnings: engine-compare.ts); the TypeScript engine's warnings. */
async function warningsOfBoth(files: string[], columns: Record<string, unknown>): Promise<string[]> {
  const m = parseMapping({ columns, timestamp: { unit: 's' } }, 'm');
  const cmp = await compareEngines(files, m, tempDir());
  expect(cmp.differences).toEqual([]);
  expect(cmp.outcome).toBe('agree');
  return (await ingestFiles({ inputs: files, mapping: m })).summary.warnings ?? [];
}

/** A Parquet file written by DuckDB from a SELECT of `rows` rows (k = 0 … rows − 1). */
async function parquet(file: string, select: string, rows: number): Promise<void> {
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  await con.run(`COPY (SELECT ${select} FROM range(${rows}) t(k)) TO '${file}' (FORMAT parquet)`);
  con.closeSync();
}

describe('ids whose digits were lost before they were read', () => {
  it('exponentPastExact and floatPastExact: floating-point values of 2^53 or more only', () => {
    for (const s of ['1.2e18', '1.2E+18', '-9.1e17', '+1e19', '.5e19', '1.234567890123457e+18', '9.007199254740992e15']) expect(exponentPastExact(s), s).toBe(true);
    for (const s of ['1.2e15', '9.007199254740991e15', A, '1e', 'e18', '3e4f', '1.2e18x', 'abc', '', '12345', '1.5']) expect(exponentPastExact(s), s).toBe(false);
    expect(floatPastExact(2 ** 53)).toBe(true);
    expect(floatPastExact(-(2 ** 53))).toBe(true);
    expect(floatPastExact(2 ** 53 - 1)).toBe(false);
    expect(floatPastExact(NaN)).toBe(false);
  });

  it('Parquet: a DOUBLE client column of snowflake ids warns (two clients read as one); DOUBLE integers below 2^53 and INT64 ids do not — both engines alike', async () => {
    const dir = tempDir();
    const file = join(dir, 'ids.parquet');
    await parquet(file, `k::DOUBLE AS ts, CASE WHEN k % 2 = 1 THEN ${A}::DOUBLE ELSE ${B}::DOUBLE END AS client, (k % 3 * 1000000)::DOUBLE AS small, ${A}::BIGINT + k % 2 AS big, 5::BIGINT AS "in"`, 40);
    const lost = await warningsOfBoth([file], { timestamp: 'ts', client_id: 'client', input_tokens: 'in' });
    expect(lost).toHaveLength(1);
    expect(lost[0]).toBe(`client_id: 1 distinct value in ${file} is a floating-point number of 2^53 or more (from a DOUBLE column, or written with a fraction or an exponent such as 1.2e18), which keep only about 16 significant digits: distinct ids may have been merged into one; export the ids as strings or as 64-bit integers (INT64) (README, Mapping files)`);
    expect(await warningsOfBoth([file], { timestamp: 'ts', client_id: 'small', input_tokens: 'in' })).toEqual([]);
    expect(await warningsOfBoth([file], { timestamp: 'ts', client_id: 'big', input_tokens: 'in' })).toEqual([]);
    // As a session id and a request id too, each named.
    const both = await warningsOfBoth([file], { timestamp: 'ts', client_id: 'big', session_id: 'client', request_id: ['small', 'client'], input_tokens: 'in' });
    expect(both.map((w) => w.slice(0, w.indexOf(' in ')))).toEqual(['session_id: 1 distinct value', 'request_id: 1 distinct value']);
  });

  it('JSON lines: numbers with a fraction or an exponent past 2^53 and texts in exponent form warn; integer literals past 2^53 and small numbers do not — both engines alike', async () => {
    const dir = tempDir();
    const file = join(dir, 'ids.jsonl');
    const clients = ['1.2e18', A, `${A}.0`, '"1.5e19"', '42.5', '1e15', B, '"abc"'];
    const sessions = ['9007199254740993.5', '5', 'null', '"s-1"'];
    writeFileSync(file, Array.from({ length: 48 }, (_, k) => `{"ts": ${k}, "c": ${clients[k % clients.length]}, "u": {"s": ${sessions[k % sessions.length]}}, "in": 5}`).join('\n') + '\n');
    const w = await warningsOfBoth([file], { timestamp: 'ts', client_id: 'c', session_id: 'u.s', input_tokens: 'in' });
    // client: 1.2e18, …789.0 and "1.5e19" (three values); session: 9007199254740993.5.
    expect(w.map((x) => x.slice(0, x.indexOf(' of 2^53')))).toEqual([`client_id: 3 distinct values in ${file} are floating-point numbers`, `session_id: 1 distinct value in ${file} is a floating-point number`]);
    // A log of integer literals only (snowflake ids kept with their digits) says nothing.
    const fine = join(dir, 'fine.jsonl');
    writeFileSync(fine, Array.from({ length: 20 }, (_, k) => `{"ts": ${k}, "c": ${k % 2 ? A : B}, "in": 5}`).join('\n') + '\n');
    expect(await warningsOfBoth([fine], { timestamp: 'ts', client_id: 'c', input_tokens: 'in' })).toEqual([]);
  });

  it('CSV: values in exponent form past 2^53 warn, naming each file that has them; other texts do not — both engines alike', async () => {
    const dir = tempDir();
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    writeFileSync(a, ['ts,client,in', ...Array.from({ length: 30 }, (_, k) => `${k},${[' 1.2e18', '1.2E+18', A, '3e4f', '1e15', 'tenant-e'][k % 6]},5`)].join('\n') + '\n');
    writeFileSync(b, ['ts,client,in', ...Array.from({ length: 10 }, (_, k) => `${30 + k},${k % 2 ? '1.3e18' : A},5`)].join('\n') + '\n');
    const w = await warningsOfBoth([a, b], { timestamp: 'ts', client_id: 'client', input_tokens: 'in' });
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(new RegExp(`^client_id: 3 distinct values in ${a}, ${b} are floating-point numbers of 2\\^53 or more`));
    expect(await warningsOfBoth([b], { timestamp: 'ts', client_id: 'client', input_tokens: 'in' })).toHaveLength(1);
  });

  it('fit, ingest --summary and inspect (--json too) say it on both engines (stderr; the JSON keeps it)', async () => {
    const dir = tempDir();
    const file = join(dir, 'ids.parquet');
    await parquet(file, `k::DOUBLE AS ts, CASE WHEN k % 2 = 1 THEN ${A}::DOUBLE ELSE ${B}::DOUBLE END AS client, 5::BIGINT AS "in"`, 40);
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'client', input_tokens: 'in' }, timestamp: { unit: 's' } }));
    const line = `warning: client_id: 1 distinct value in ${file} is a floating-point number of 2^53 or more`;
    for (const engine of ['ts', 'duckdb']) {
      const fit = await runCli('fit', file, '--map', map, '--engine', engine, '--out', join(dir, `${engine}.json`));
      expect(fit.code, fit.stderr).toBe(0);
      expect(fit.stderr).toContain(line);
      expect(fit.stderr.split(line)).toHaveLength(2);
      const ins = await runCli('inspect', file, '--map', map, '--engine', engine);
      expect(ins.code, ins.stderr).toBe(0);
      expect(ins.stderr).toContain(line);
      const json = await runCli('inspect', file, '--map', map, '--engine', engine, '--json');
      expect(json.code, json.stderr).toBe(0);
      const ingest = (JSON.parse(json.stdout) as { ingest: { warnings?: string[] } }).ingest;
      expect(ingest.warnings?.map((w) => w.slice(0, line.length - 'warning: '.length))).toEqual([line.slice('warning: '.length)]);
      const summary = join(dir, `${engine}-summary.json`);
      const ing = await runCli('ingest', file, '--map', map, '--engine', engine, '--out', join(dir, `${engine}.parquet`), '--summary', summary);
      expect(ing.code, ing.stderr).toBe(0);
      expect(ing.stderr.split(line)).toHaveLength(2);
      const kept = (JSON.parse(readFileSync(summary, 'utf8')) as { warnings?: string[] }).warnings ?? [];
      expect(kept).toHaveLength(1);
      expect(kept[0].startsWith(line.slice('warning: '.length))).toBe(true);
    }
  });
});
