import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { buildSummaries } from '../../src/summary/build.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping, parseTimezone } from '../../src/ingest/mapping.js';
import { ISO_RE2, JS_SPACE_RE2 } from '../../src/summary/sql.js';
import { textsThroughSql } from './texts-through-sql.js';
import { ISO_EDGE, ISO_INVALID, ISO_ORDINARY, isoCalendarTexts, isoDifferences, randomIsoTexts } from './parity-cases.js';
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
  expect(duck.length).toBe(texts.length);
  const { accepted, differ } = isoDifferences(texts, duck, offset);
  expect(differ).toEqual([]);
  return accepted;
}

const [EDGE, INVALID, ORDINARY] = [ISO_EDGE, ISO_INVALID, ISO_ORDINARY];

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
    const texts = isoCalendarTexts();
    expect(expectSameTimes(texts, await duckTimes(texts), 0)).toBe(10 * 365 + 5 * 366); // 1600, 2000, 2024, 2400 and 4000 are leap years
  });

  it('20 000 random strings (common shapes, near misses, whitespace, zones, long fractions), UTC and at an offset: the same double or both refused', async () => {
    const texts = randomIsoTexts('iso-parity', 20000);
    for (const tz of [undefined, '+05:30', '-00:30']) {
      const accepted = expectSameTimes(texts, await duckTimes(texts, tz), tz ? parseTimezone(tz) : 0);
      expect(accepted).toBeGreaterThan(8000);
      expect(accepted).toBeLessThan(18000);
    }
  });
});
