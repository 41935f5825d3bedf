import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { buildSummaries } from '../../src/summary/build.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping, parseTimezone } from '../../src/ingest/mapping.js';
import { parseIsoSeconds } from '../../src/ingest/timestamp.js';
import { ISO_RE2, JS_SPACE_RE2 } from '../../src/summary/sql.js';
import { textsThroughSql } from './texts-through-sql.js';
import { createRng } from '../../src/stats/rng.js';
import { expectEqualSummaries } from './equal-summaries.js';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';

const W = { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 0.001 };

/** DuckDB's normalized time (or null) of each text, read as an ISO timestamp column by the scan's own SQL. */
async function duckTimes(texts: (string | null)[], timezone?: string): Promise<(number | null)[]> {
  const mapping = { columns: { timestamp: 'x', request_id: 'n' }, timestamp: { unit: 'iso', ...(timezone ? { timezone } : {}) } };
  return (await textsThroughSql(texts, mapping, 'CAST(request_id AS INTEGER), t')).map(([, t]) => t as number | null);
}

/** The same double, or both refused (NaN in TypeScript, NULL in DuckDB); returns how many TypeScript accepts. */
function expectSameTimes(texts: (string | null)[], duck: (number | null)[], offset: number): number {
  let accepted = 0;
  const differ: { text: string | null; ts: number; duck: number | null }[] = [];
  texts.forEach((text, k) => {
    const ts = text === null ? NaN : parseIsoSeconds(text, offset);
    if (!Number.isNaN(ts)) accepted++;
    if (Number.isNaN(ts) ? duck[k] !== null : !Object.is(duck[k], ts)) differ.push({ text, ts, duck: duck[k] });
  });
  expect(duck.length).toBe(texts.length);
  expect(differ.slice(0, 10)).toEqual([]);
  return accepted;
}

// Forms parseIsoSeconds reads that TRY_CAST(… AS TIMESTAMPTZ) refused or read otherwise, each
// with its value from an independent parser (V8's Date.parse of the equivalent strict ISO form).
const EDGE: [string, number][] = [
  ['2023-11-16 18:17:11z', Date.parse('2023-11-16T18:17:11Z') / 1000],
  ['2023-11-16T18:17:11,5', Date.parse('2023-11-16T18:17:11.500Z') / 1000],
  ['2023-11-16 24:00:00', Date.parse('2023-11-17T00:00:00Z') / 1000],
  ['2016-12-31T23:59:60Z', Date.parse('2017-01-01T00:00:00Z') / 1000],
  ['2023-11-16 18:17:15 +05:30', Date.parse('2023-11-16T18:17:15+05:30') / 1000],
  ['2023-11-16 18:17:15\u00a0-0800', Date.parse('2023-11-16T18:17:15-08:00') / 1000],
  ['2023-11-16T18:17:16.123456789Z', Date.parse('2023-11-16T18:17:16Z') / 1000 + 0.123456789],
  ['2023-11-16T18:17:16.1234567891234567891234Z', Date.parse('2023-11-16T18:17:16Z') / 1000 + 0.1234567891234567891234],
  ['\u3000 2023-11-16T18:17:17+05\ufeff', Date.parse('2023-11-16T18:17:17+05:00') / 1000],
  // Years 0–99 are those years (Date.UTC would read 1900–1999); year 0 is a leap year.
  ['0000-02-29T12:00:00Z', Date.parse('0000-02-29T12:00:00Z') / 1000],
  ['0099-12-31 23:59:59', Date.parse('0099-12-31T23:59:59Z') / 1000],
  ['2024-02-29', Date.parse('2024-02-29T00:00:00Z') / 1000],
];
// Refused by both: no calendar rollover, out-of-range fields, a named zone, other shapes.
const INVALID = ['2023-02-30 00:00:00', '2023-02-29', '1900-02-29T00:00:00Z', '0100-02-29', '2023-13-01 00:00:00', '2023-00-10', '2023-11-00', '2023-11-16 25:00:00', '2023-11-16 18:60:00', '2023-11-16 18:17:61',
  '2023-11-16 18:17:13 America/New_York', '2023-11-16 18:17:13 GMT', '2023-11-16T18:17:13+5', '2023-11-16t18:17:13', '2023-11-16 18:17:13.', '16/11/2023 18:17:13', '2023-11-16 18:17:13\u200b'];
const ORDINARY = ['2023-11-16 18:17:00', '2023-11-16T18:17:01Z', '2023-11-16T18:17:02.5Z', '2023-11-16 18:17:03.6805900', '2023-11-16T18:17:04.123+00:00', '2023-11-16T18:17:05-01:30', '2023-11-16 18:17:06 UTC', '2023-11-16', '2023-11-16T18:17'];

describe('DuckDB engine: ISO-8601 times read as the TypeScript engine reads them (parseIsoSeconds, bit for bit)', () => {
  it("JS_SPACE_RE2 is JavaScript's whitespace (\\s, and what trim() removes), over every BMP code point, in DuckDB's RE2", async () => {
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const rows = (await con.runAndReadAll(`SELECT CAST(c AS INTEGER) FROM (SELECT * FROM range(0, 55296) UNION ALL SELECT * FROM range(57344, 65536)) r(c) WHERE regexp_full_match(chr(CAST(c AS INTEGER)), '${JS_SPACE_RE2}') ORDER BY c`)).getRowsJS().map((r) => r[0] as number);
    con.closeSync();
    db.closeSync();
    const js: number[] = [];
    for (let c = 0; c < 65536; c++) if ((c < 0xd800 || c > 0xdfff) && /\s/.test(String.fromCharCode(c))) js.push(c);
    expect(rows).toEqual(js);
    expect(js.every((c) => String.fromCharCode(c).trim() === '')).toBe(true);
    expect(js.length).toBe(25);
    // The pattern is ISO_RE's, with that class in place of \s and around the whole.
    expect(ISO_RE2.startsWith(`^${JS_SPACE_RE2}*(?:(\\d{4})-`)).toBe(true);
    expect(ISO_RE2.endsWith(`)${JS_SPACE_RE2}*$`)).toBe(true);
  });

  it('edge forms, ordinary and invalid times: the same double (and the independent value), the same rejects, byte-identical summaries from the CLI', async () => {
    const texts = [...EDGE.map(([x]) => x), ...ORDINARY, ...INVALID];
    for (const tz of [undefined, '+05:30']) {
      const duck = await duckTimes([...texts, null, '', ' \t'], tz);
      expect(expectSameTimes([...texts, null, '', ' \t'], duck, tz ? parseTimezone(tz) : 0), tz).toBe(EDGE.length + ORDINARY.length);
    }
    const duck = await duckTimes(EDGE.map(([x]) => x));
    EDGE.forEach(([x, value], k) => expect(duck[k], x).toBe(value));

    const dir = tempDir();
    const csv = `${dir}/iso.csv`;
    const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    const lines = texts.map((x, k) => `${quote(x)},c${k % 3},${k + 1}`);
    writeFileSync(csv, ['t,c,i', ...lines, ',c0,5', ' ,c1,6'].join('\n') + '\n');
    const jsonl = `${dir}/iso.jsonl`;
    writeFileSync(jsonl, texts.map((x, k) => JSON.stringify({ t: x, c: `c${k % 3}`, i: k + 1 })).join('\n') + '\n');
    for (const tz of [undefined, '-08:00']) {
      const mapping = { columns: { timestamp: 't', client_id: 'c', input_tokens: 'i' }, timestamp: { unit: 'iso', ...(tz ? { timezone: tz } : {}) } };
      const m = parseMapping(mapping, 'm');
      writeFileSync(`${dir}/m.json`, JSON.stringify(mapping));
      for (const file of [csv, jsonl]) {
        const d = await summarizeWithDuckDB([file], m, W);
        const ts = await ingestFiles({ inputs: [file], mapping: m });
        expect(d.rejectsByReason).toEqual(ts.summary.rejects_by_reason);
        expect(ts.summary.rejects_by_reason).toEqual(file === csv ? { bad_timestamp: INVALID.length, missing_timestamp: 2 } : { bad_timestamp: INVALID.length });
        expectEqualSummaries(buildSummaries(ts.trace, W), d.summaries);
        const out = (engine: string) => `${dir}/s-${engine}.json`;
        for (const engine of ['ts', 'duckdb']) expect((await runCli('summarize', file, '--map', `${dir}/m.json`, '--engine', engine, '--max-reject-ratio', '1', '--out', out(engine), '--quiet')).code).toBe(0);
        expect(readFileSync(out('duckdb'), 'utf8'), `${file} ${tz}`).toBe(readFileSync(out('ts'), 'utf8'));
      }
    }
  });

  it('JSON columns DuckDB types as TIMESTAMP or DATE (every value one shape) read as their text', async () => {
    const dir = tempDir();
    const m = parseMapping({ columns: { timestamp: 't', input_tokens: 'i' }, timestamp: { unit: 'iso' } }, 'm');
    for (const [name, values] of [
      ['timestamp', ['2023-11-16 18:17:11', '2023-11-16 18:17:12', '2023-11-16 18:17:13']],
      ['micros', ['2023-11-16 18:17:11.123456', '2023-11-16 18:17:12.5', '2023-11-16 18:17:13.000001']],
      ['date', ['2023-11-16', '2023-11-17', '2023-11-19']],
    ] as [string, string[]][]) {
      const file = `${dir}/${name}.jsonl`;
      writeFileSync(file, values.map((t, k) => JSON.stringify({ t, i: k })).join('\n') + '\n');
      const d = await summarizeWithDuckDB([file], m, W);
      const ts = await ingestFiles({ inputs: [file], mapping: m });
      expect(ts.summary.rows_accepted, name).toBe(3);
      expect(d.rejectsByReason, name).toEqual(ts.summary.rejects_by_reason);
      expectEqualSummaries(buildSummaries(ts.trace, W), d.summaries);
    }
  });

  it('the fast shape (TRY_CAST of the first 19 characters) refuses and counts days as parseIsoSeconds does: every month 00–19 and day 00–39 of leap and common years', async () => {
    const texts: string[] = [];
    const pad = (n: number, w: number) => String(n).padStart(w, '0');
    for (const y of [1000, 1582, 1600, 1700, 1800, 1900, 1969, 1970, 2000, 2023, 2024, 2100, 2400, 4000, 9999])
      for (let mo = 0; mo < 20; mo++) for (let d = 0; d < 40; d++) texts.push(`${y}-${pad(mo, 2)}-${pad(d, 2)}${d % 2 ? 'T' : ' '}${pad((y + d) % 24, 2)}:${pad((mo * 7) % 60, 2)}:${pad((d * 13) % 60, 2)}${['', 'Z', '.25', '+02:00'][d % 4]}`);
    expect(expectSameTimes(texts, await duckTimes(texts), 0)).toBe(10 * 365 + 5 * 366); // 1600, 2000, 2024, 2400 and 4000 are leap years
  });

  it('20 000 random strings (common shapes, near misses, whitespace, zones, long fractions), UTC and at an offset: the same double or both refused', async () => {
    const rng = createRng('iso-parity');
    const r = (n: number) => Math.floor(rng.next() * n);
    const pick = <T,>(a: readonly T[]): T => a[r(a.length)];
    const pad = (n: number, w: number) => String(n).padStart(w, '0');
    const spaces = ['', '', '', ' ', '\t', '\u00a0', '\u2003', '\ufeff', '\u3000', '\u2028', '\v', '\f', '\u200b', '\u0085'];
    const texts: string[] = [];
    for (let k = 0; k < 20000; k++) {
      const y = pick([r(10000), 1000 + r(9000), 1960 + r(80), 0, 99, 100, 999, 1000, 1600, 1900, 2000, 2100, 9999]);
      const mo = rng.next() < 0.05 ? r(20) : 1 + r(12);
      const d = rng.next() < 0.1 ? r(40) : 1 + r(31);
      let t = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}`;
      if (rng.next() < 0.9) {
        t += pick(['T', ' ', 'T', ' ', 't']) + pad(rng.next() < 0.1 ? pick([23, 24, 25, 99]) : r(24), 2) + ':' + pad(rng.next() < 0.05 ? pick([59, 60, 99]) : r(60), 2);
        if (rng.next() < 0.9) {
          t += ':' + pad(rng.next() < 0.05 ? pick([59, 60, 61, 99]) : r(60), 2);
          if (rng.next() < 0.7) t += pick(['.', '.', '.', ',', ':']) + String(rng.next()).slice(2, 3 + r(17)) + (rng.next() < 0.05 ? '9'.repeat(20) : '');
        }
      }
      if (rng.next() < 0.6) t += pick(['', ' ', '\u00a0']) + pick(['Z', 'z', 'UTC', 'utc', '+00:00', `+${pad(r(15), 2)}:${pad(pick([0, 30, 45, r(100)]), 2)}`, `-${pad(r(13), 2)}:30`, '+0530', '-08', '+5', '+05:3', 'GMT', '+05:30:00']);
      texts.push(rng.next() < 0.2 ? pick(spaces) + t + pick(spaces) : t);
    }
    for (const tz of [undefined, '+05:30', '-00:30']) {
      const accepted = expectSameTimes(texts, await duckTimes(texts, tz), tz ? parseTimezone(tz) : 0);
      expect(accepted).toBeGreaterThan(8000);
      expect(accepted).toBeLessThan(18000);
    }
  });
});
