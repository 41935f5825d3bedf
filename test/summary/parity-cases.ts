/**
 * Inputs every SQL engine's normalization is checked on against the TypeScript engine's
 * (DuckDB: duckdb-iso/duckdb-length tests; ClickHouse: clickhouse.test.ts): ISO-8601 times
 * and `{"length": col}` texts, hand-picked and random (seeded).
 */
import { parseIsoSeconds } from '../../src/ingest/timestamp.js';
import { createRng } from '../../src/stats/rng.js';

const pad = (n: number, w: number) => String(n).padStart(w, '0');

// Forms parseIsoSeconds reads that TRY_CAST(… AS TIMESTAMPTZ) refused or read otherwise, each
// with its value from an independent parser (V8's Date.parse of the equivalent strict ISO form).
export const ISO_EDGE: [string, number][] = [
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
/** Refused by parseIsoSeconds: no calendar rollover, out-of-range fields, a named zone, other shapes (some read by lenient date parsers). */
export const ISO_INVALID = ['2023-02-30 00:00:00', '2023-02-29', '1900-02-29T00:00:00Z', '0100-02-29', '2023-13-01 00:00:00', '2023-00-10', '2023-11-00', '2023-11-16 25:00:00', '2023-11-16 18:60:00', '2023-11-16 18:17:61',
  '2023-11-16 18:17:13 America/New_York', '2023-11-16 18:17:13 GMT', '2023-11-16T18:17:13+5', '2023-11-16t18:17:13', '2023-11-16 18:17:13.', '16/11/2023 18:17:13', '2023-11-16 18:17:13\u200b',
  '2023/11/16 18:17:13', 'Nov 16 2023 18:17:13', '1700158633', '20231116T181713Z', '2023-11-6T18:17:13Z'];
export const ISO_ORDINARY = ['2023-11-16 18:17:00', '2023-11-16T18:17:01Z', '2023-11-16T18:17:02.5Z', '2023-11-16 18:17:03.6805900', '2023-11-16T18:17:04.123+00:00', '2023-11-16T18:17:05-01:30', '2023-11-16 18:17:06 UTC', '2023-11-16', '2023-11-16T18:17'];

/** Every month 00–19 and day 00–39 of leap and common years 1000–9999 (10 × 365 + 5 × 366 valid days). */
export function isoCalendarTexts(): string[] {
  const texts: string[] = [];
  for (const y of [1000, 1582, 1600, 1700, 1800, 1900, 1969, 1970, 2000, 2023, 2024, 2100, 2400, 4000, 9999])
    for (let mo = 0; mo < 20; mo++) for (let d = 0; d < 40; d++) texts.push(`${y}-${pad(mo, 2)}-${pad(d, 2)}${d % 2 ? 'T' : ' '}${pad((y + d) % 24, 2)}:${pad((mo * 7) % 60, 2)}:${pad((d * 13) % 60, 2)}${['', 'Z', '.25', '+02:00'][d % 4]}`);
  return texts;
}

/** n random ISO-like strings: common shapes, near misses, JavaScript whitespace around them, zones, long fractions. */
export function randomIsoTexts(seed: string, n: number): string[] {
  const rng = createRng(seed);
  const r = (k: number) => Math.floor(rng.next() * k);
  const pick = <T,>(a: readonly T[]): T => a[r(a.length)];
  const spaces = ['', '', '', ' ', '\t', '\u00a0', '\u2003', '\ufeff', '\u3000', '\u2028', '\v', '\f', '\u200b', '\u0085'];
  const texts: string[] = [];
  for (let k = 0; k < n; k++) {
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
  return texts;
}

/**
 * Texts and the times an engine gave them (null: refused) against parseIsoSeconds at `offset`
 * seconds east of UTC: the first differences (the same double, or both refused), and how many
 * TypeScript accepts.
 */
export function isoDifferences(texts: readonly (string | null)[], got: readonly (number | null)[], offset: number): { accepted: number; differ: { text: string | null; ts: number; got: number | null }[] } {
  let accepted = 0;
  const differ: { text: string | null; ts: number; got: number | null }[] = [];
  texts.forEach((text, k) => {
    const ts = text === null ? NaN : parseIsoSeconds(text, offset);
    if (!Number.isNaN(ts)) accepted++;
    if (Number.isNaN(ts) ? got[k] !== null : !Object.is(got[k], ts)) differ.push({ text, ts, got: got[k] });
  });
  return { accepted, differ: differ.slice(0, 10) };
}

/** `{"length": col}` of a text value as the TypeScript engine reads it (normalize.ts): undefined = absent, NaN = a bad number. */
export function tsLength(v: string): number | undefined {
  if (/^[ \t\n\v\f\r]*$/.test(v)) return undefined;
  if (!v.trim().startsWith('[')) return NaN;
  try {
    const a = JSON.parse(v) as unknown;
    return Array.isArray(a) ? a.length : NaN;
  } catch {
    return NaN;
  }
}

/** [row, input_tokens, reason] the TypeScript rule gives a text read as `{"length": x}`. */
export function expectedLengthRow(x: string, n: number): [number, number | null, string | null] {
  const len = tsLength(x);
  return [n, len === undefined || Number.isNaN(len) ? null : len, len !== undefined && Number.isNaN(len) ? 'bad_number' : null];
}

export const LENGTH_TEXTS = ['[1,2,3]', '[]', ' [1, 2] ', '[[1],[2,3]]', '["a,b", "c]"]', '[{"a":1}]', '[1e999]', '[true, null]', '["\\ud83d\\ude00", 2]', '["\\\\ud800"]', '[1]\n',
  // A lone surrogate escape: an array for JSON.parse, refused by DuckDB's JSON reader.
  '["\\ud800"]',
  // Integers past 64 bits (JSON.parse: doubles), refused by ClickHouse's JSON validator.
  '[18446744073709551616]', '[-9223372036854775809]', '[{"a":99999999999999999999999}]', '[0123456789012345678901]', '[1.5e-1234567890123456789012]',
  // Not arrays for JSON.parse (DuckDB's JSON reader takes the first six: trailing commas, NaN/Infinity).
  '[1,]', '[{"a":1,}]', '[NaN]', '[Infinity]', '[-inf]', '[nan]', '[01]', '[1] x', 'abc', '{"a":1}', '5', '[1 2]', '\u00a0[1]', '[1] \f', "['a']", '[.5]',
  '', ' ', '\t'];

/** n random JSON-like texts: valid arrays with random spacing, half of them broken one way or another (trailing commas, NaN/inf, lone surrogates, cuts, quotes). */
export function randomJsonArrayTexts(seed: string, n: number): string[] {
  const rng = createRng(seed);
  const r = (k: number) => Math.floor(rng.next() * k);
  const ws = () => [' ', '', '', '\n', '\t'][r(5)];
  const value = (depth: number): string => {
    const k = r(depth > 2 ? 5 : 7);
    if (k === 0) return String(r(1000) - 500) + ['', '.5', 'e3', 'E-2'][r(4)];
    if (k === 1) return ['true', 'false', 'null'][r(3)];
    if (k === 2) return `"${['a', 'x,]', '\\u00e9', '\\"', '\\\\', 'true', '\\ud83d\\ude00'][r(7)]}"`;
    if (k === 3 || k === 4) return ['0', '"s"', 'null'][r(3)];
    if (k === 5) return array(depth + 1);
    return `{${ws()}"k"${ws()}:${ws()}${value(depth + 1)}${r(2) ? `,${ws()}"j":${value(depth + 1)}` : ''}}`;
  };
  const array = (depth: number): string => `[${ws()}${Array.from({ length: r(4) }, () => value(depth)).join(`${ws()},${ws()}`)}${ws()}]`;
  const breaks = [(t: string) => t.replace(/\]$/, ',]'), (t: string) => t.replace(/\}/, ',}'), (t: string) => t.replace(/null|0/, ['NaN', 'Infinity', '-Infinity', 'inf', 'nan'][r(5)]), (t: string) => t.replace(/"s"|"a"/, '"\\ud800"'),
    (t: string) => t.slice(0, r(t.length)), (t: string) => `${t}${['x', ',', ' ', '\f', '\u00a0'][r(5)]}`, (t: string) => t.replace(/true|false|null/, (w) => w.slice(0, 3)), (t: string) => t.replace(/"/, "'")];
  const texts: string[] = [];
  for (let k = 0; k < n; k++) {
    const t = array(0);
    texts.push(r(2) ? t : breaks[r(breaks.length)](t));
  }
  return texts;
}
