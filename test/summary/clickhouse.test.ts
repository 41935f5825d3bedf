/**
 * The ClickHouse dialect of `servegen sql`, executed: chdb is ClickHouse itself, embedded
 * (the npm package ships its library), so the script runs here as it would on a ClickHouse
 * server. The rows are normalized as the TypeScript engine normalizes them (times to the same
 * double, the same rejects), and the script's Parquet results fit the same profile.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from 'chdb';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { parseMapping, parseTimezone } from '../../src/ingest/mapping.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { buildSummaries } from '../../src/summary/build.js';
import { DIALECTS, rowsSql } from '../../src/summary/sql.js';
import { resolutionSql } from '../../src/summary/resolution-sql.js';
import { loadScanDirectory } from '../../src/summary/warehouse.js';
import { createRng } from '../../src/stats/rng.js';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';
import { expectEqualSummaries, expectSameProfileFiles } from './equal-summaries.js';
import { expectedResolution, resolutionCases } from './resolution-cases.js';
import { CLUSTER_LOG_MAPPING, writeClusterLog } from './cluster-log.js';
import { ISO_EDGE, ISO_INVALID, ISO_ORDINARY, LENGTH_TEXTS, expectedLengthRow, isoCalendarTexts, isoDifferences, randomIsoTexts, randomJsonArrayTexts } from './parity-cases.js';

const dir = tempDir('servegen-clickhouse-');
let session: Session;
let tables = 0;
beforeAll(() => {
  session = new Session();
});
// chdb's library aborts the process at exit when a session is left open.
afterAll(() => {
  session.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const query = (sql: string): string => session.query(sql, 'JSONCompactEachRow');
const rowsOf = (text: string): unknown[][] => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown[]);

/**
 * Texts (or NULLs) as the Nullable(String) column `x` of a new table, row `n` numbering them,
 * normalized by the clickhouse dialect of the scan's SQL (rowsSql) under `mapping`; returns
 * `select` (first column: the row order) of the normalized rows. Times come back as their bits
 * (reinterpreted as UInt64 text), so equality is exact.
 */
function textsThroughClickHouse(texts: readonly (string | null)[], mapping: Record<string, unknown>, select: string): unknown[][] {
  const table = `texts_${++tables}`;
  const file = join(dir, `${table}.jsonl`);
  writeFileSync(file, texts.map((x, n) => JSON.stringify({ n, x })).join('\n') + '\n');
  query(`CREATE TABLE ${table} ENGINE = Memory AS SELECT * FROM file('${file}', 'JSONEachRow', 'n Int32, x Nullable(String)')`);
  return rowsOf(query(`SELECT ${select} FROM (${rowsSql(table, parseMapping(mapping, 'm'), false, DIALECTS.clickhouse, new Set(), ['request_id'])}) AS r ORDER BY 1`));
}

/** The time (a double, or null) ClickHouse gives each text read as an ISO timestamp column. */
function clickhouseTimes(texts: readonly (string | null)[], timezone?: string): (number | null)[] {
  const mapping = { columns: { timestamp: 'x', request_id: 'n' }, timestamp: { unit: 'iso', ...(timezone ? { timezone } : {}) } };
  return textsThroughClickHouse(texts, mapping, 'toInt32(request_id), toString(reinterpretAsUInt64(t))').map(([, bits]) => (bits === null ? null : fromBits(bits as string)));
}

const fromBits = (bits: string): number => {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(bits));
  return view.getFloat64(0);
};

describe('ClickHouse dialect: rows normalized as the TypeScript engine normalizes them', () => {
  it('ISO-8601 times: the same double as parseIsoSeconds, or both refused (edge forms, every month/day of 15 years, 20 000 random strings; UTC and two offsets)', () => {
    const texts = [...ISO_EDGE.map(([x]) => x), ...ISO_ORDINARY, ...ISO_INVALID, null, '', ' \t', ...isoCalendarTexts(), ...randomIsoTexts('iso-parity-clickhouse', 20000)];
    for (const tz of [undefined, '+05:30', '-00:30']) {
      const got = clickhouseTimes(texts, tz);
      expect(got.length).toBe(texts.length);
      const { accepted, differ } = isoDifferences(texts, got, tz ? parseTimezone(tz) : 0);
      expect(differ, tz).toEqual([]);
      expect(accepted).toBeGreaterThan(12000);
      expect(accepted).toBeLessThan(20000);
    }
    // The independent values (V8's Date.parse of the strict form) of the edge forms.
    const got = clickhouseTimes(ISO_EDGE.map(([x]) => x));
    ISO_EDGE.forEach(([x, value], k) => expect(got[k], x).toBe(value));
  });

  it('number fields and numeric timestamps: the same value or the same reject reason as ingest, for odd texts and 20 000 random decimals', async () => {
    const odd = ['12', ' 12', '12 ', '\t12\t', '\v12\f', '\u00a012', '1e3', '12.0', '12.5', '-1', '-0', '+5', '.5', '5.', '1e400', '2147483647', '2147483648', 'inf', 'Infinity', '-inf', 'nan', 'NaN',
      '0x10', '1_000', '0b1', '0o7', '1,000', '١٢', '１２', '12abc', '00012', '1E2', '1e-2', '0.0', '4.000000000000001', '', ' ', '\t', null];
    const rng = createRng('decimals-clickhouse');
    // Relative times (below 1e8 s, so no origin is subtracted), up to 17 fraction digits: correctly rounded as Number() rounds.
    const decimals = Array.from({ length: 20000 }, () => `${Math.floor(rng.next() * 9e7)}.${String(rng.next()).slice(2, 3 + Math.floor(rng.next() * 17))}`);
    const cases: [string, (string | null)[], (string | null)[]][] = [
      ['tokens', odd.map(() => '100'), odd],
      // (Without the values past 1e8, which would make the times epoch seconds, shifted to an origin.)
      ['timestamps', [...odd.filter((x) => !x?.startsWith('214748364')), ...decimals], [...odd, ...decimals].map(() => '1')],
    ];
    for (const [name, ts, tokens] of cases) {
      // The TypeScript engine: a CSV of the same values (a blank field is absent; NULL is written as one).
      const csv = join(dir, `${name}.csv`);
      const cell = (v: string | null) => (v === null ? '' : `"${v.replace(/"/g, '""')}"`);
      writeFileSync(csv, 'n,t,i\n' + ts.map((t, n) => `${n},${cell(t)},${cell(tokens[n])}`).join('\n') + '\n');
      const mapping = { columns: { timestamp: 't', input_tokens: 'i', request_id: 'n' }, timestamp: { unit: 's' } };
      const { trace, rejects } = await ingestFiles({ inputs: [csv], mapping: parseMapping(mapping, 'm') });
      const want = new Map<number, unknown[]>();
      const ids = trace.texts.request_id!;
      for (let i = 0; i < trace.n; i++) want.set(Number(ids.values[ids.index[i]]), [trace.timestamp[i], trace.ints.input_tokens![i] < 0 ? null : trace.ints.input_tokens![i], null]);
      for (const r of rejects) want.set(r.line - 2, [r.reason]);

      // ClickHouse: the same values in a table with the columns as Nullable(String).
      const table = `numbers_${name}`;
      const jsonl = join(dir, `${table}.jsonl`);
      writeFileSync(jsonl, ts.map((t, n) => JSON.stringify({ n: String(n), t, i: tokens[n] })).join('\n') + '\n');
      query(`CREATE TABLE ${table} ENGINE = Memory AS SELECT * FROM file('${jsonl}', 'JSONEachRow', 'n String, t Nullable(String), i Nullable(String)')`);
      const got = rowsOf(query(`SELECT toInt32(request_id), toString(reinterpretAsUInt64(t)), input_tokens, reason FROM (${rowsSql(table, parseMapping(mapping, 'm'), false, DIALECTS.clickhouse, new Set(), ['request_id'])}) ORDER BY 1`));
      expect(got.length).toBe(ts.length);
      const differ = got
        .map(([n, bits, tokens, reason]) => ({ n: n as number, got: reason === null ? [fromBits(bits as string), tokens === null ? null : Number(tokens), null] : [reason] }))
        .filter(({ n, got }) => JSON.stringify(got) !== JSON.stringify(want.get(n)))
        .map(({ n, got }) => ({ t: ts[n], i: tokens[n], ts: want.get(n), got }));
      expect(differ.slice(0, 10), name).toEqual([]);
      expect(rejects.length, name).toBeGreaterThan(15);
      expect(trace.origin, name).toBeNull();
    }
  });

  it('DateTime columns (with a zone, or the server\'s) read as the instants they hold, not their zone\'s wall clock read as UTC', () => {
    const ms = [1_704_067_200_000, 1_704_067_201_250, 1_720_000_000_123];
    query(`CREATE TABLE zoned (n Int32, a DateTime64(3, 'Asia/Shanghai'), b DateTime('America/New_York'), c Nullable(DateTime64(3)), d DateTime64(3, 'UTC')) ENGINE = Memory`);
    query(`INSERT INTO zoned VALUES ${ms.map((m, n) => `(${n}, fromUnixTimestamp64Milli(${m}), toDateTime(${Math.floor(m / 1000)}), fromUnixTimestamp64Milli(${m}), fromUnixTimestamp64Milli(${m}))`).join(', ')}, (3, fromUnixTimestamp64Milli(0), toDateTime(0), NULL, fromUnixTimestamp64Milli(0))`);
    for (const col of ['a', 'b', 'c', 'd']) {
      const mapping = parseMapping({ columns: { timestamp: col, request_id: 'n' }, timestamp: { unit: 'iso' } }, 'm');
      const got = rowsOf(query(`SELECT toInt32(request_id), t, reason FROM (${rowsSql('zoned', mapping, false, DIALECTS.clickhouse, new Set(), ['request_id'])}) ORDER BY 1`));
      const want = [...ms.map((m, n) => [n, col === 'b' ? Math.floor(m / 1000) : m / 1000, null]), [3, col === 'c' ? null : 0, col === 'c' ? 'missing_timestamp' : null]];
      expect(got, col).toEqual(want);
    }
  });

  it('{"length": col}: text holding a JSON array counts its items, other text is a bad number, a blank is absent; an Array column counts its items', () => {
    const texts = [...LENGTH_TEXTS, ...randomJsonArrayTexts('length-parity-clickhouse', 20000)];
    const mapping = { columns: { timestamp: 'n', input_tokens: { length: 'x' } }, timestamp: { unit: 's' } };
    const got = textsThroughClickHouse(texts, mapping, 'toInt32(t), input_tokens, reason').map(([n, len, reason]) => [n, len === null ? null : Number(len), reason]);
    const expected = texts.map((x, n) => expectedLengthRow(x, n));
    const differ = got.filter((row, n) => JSON.stringify(row) !== JSON.stringify(expected[n])).map((row) => ({ text: texts[row[0] as number], ts: expected[row[0] as number], got: row }));
    expect(differ.slice(0, 10)).toEqual([]);
    expect(expected.filter(([, len]) => len !== null).length).toBeGreaterThan(3000);

    query(`CREATE TABLE arrays ENGINE = Memory AS SELECT * FROM values('n Int32, x Array(Int64)', (0, [1, 2, 3]), (1, []), (2, [4]))`);
    const arrays = rowsOf(query(`SELECT toInt32(t), input_tokens, reason FROM (${rowsSql('arrays', parseMapping(mapping, 'm'), false, DIALECTS.clickhouse)}) ORDER BY 1`));
    expect(arrays.map(([n, len, reason]) => [n, Number(len), reason])).toEqual([[0, 3, null], [1, 0, null], [2, 1, null]]);
  });
});

/**
 * Plays the ClickHouse warehouse: loads a CSV into a table (`text`: every column
 * Nullable(String); `typed`: the types ClickHouse's schema inference gives; `parquet`: a view
 * over a Parquet file of the text columns, as clickhouse-local or s3() reads files; `json`: JSON
 * lines, objects becoming Tuple columns), runs each
 * query `servegen sql --dialect clickhouse` prints, and exports each result as Parquet into `out`.
 */
async function exportScan(out: string, csv: string, args: string[], source: 'text' | 'typed' | 'parquet' | 'function' | 'json'): Promise<string[]> {
  mkdirSync(out, { recursive: true });
  const table = `requests_${++tables}`;
  const settings = source === 'typed' ? '' : ' SETTINGS schema_inference_make_columns_nullable = 1, input_format_csv_use_best_effort_in_schema_inference = 0';
  let from = `logs.${table}`;
  if (source === 'parquet' || source === 'function') {
    const parquet = join(dir, `${table}.parquet`);
    session.query(`INSERT INTO FUNCTION file('${parquet}', 'Parquet') SELECT * FROM file('${csv}', 'CSVWithNames')${settings}`);
    // The file through a view, or named as --source itself.
    if (source === 'parquet') query(`CREATE VIEW logs.${table} AS SELECT * FROM file('${parquet}', 'Parquet')`);
    else from = `file('${parquet}', 'Parquet')`;
  } else query(`CREATE TABLE logs.${table} ENGINE = Memory AS SELECT * FROM file('${csv}', '${source === 'json' ? 'JSONEachRow' : 'CSVWithNames'}')${settings}`);
  const types = rowsOf(query(`DESCRIBE TABLE ${from}`)).map(([, t]) => t as string);
  const r = await runCli('sql', ...args, '--source', from, '--dialect', 'clickhouse');
  expect(r.code, r.stderr).toBe(0);
  const names: string[] = [];
  for (const b of r.stdout.split(/^-- /m).slice(2)) {
    const name = b.slice(0, b.indexOf('\n'));
    const sql = b.slice(b.indexOf('\n') + 1).trim().replace(/;$/, '');
    names.push(name);
    session.query(`INSERT INTO FUNCTION file('${join(out, `${name}.parquet`)}', 'Parquet') ${sql}`);
  }
  expect(names).toEqual(['rejects', 'scan', 'arrivals', 'gap_histograms', 'dispersion', 'lengths', 'joint', 'gap_memory', 'aggregate_buckets']);
  return types;
}

describe('ClickHouse dialect: the mapping\'s own text in literals', () => {
  it('a const client and a separator with backslashes and quotes are the text the TypeScript engine uses (backslashes are escapes in ClickHouse literals)', async () => {
    const csv = join(dir, 'literals.csv');
    writeFileSync(csv, 'n,t,a,b\n0,1,x,y\n1,2,p,\n');
    for (const client of [{ const: 'a\\tb\\\\c\'d' }, ['a', 'b']]) {
      const mapping = { columns: { timestamp: 't', client_id: client, request_id: 'n' }, timestamp: { unit: 's' }, separator: '\\n\'' };
      const { trace } = await ingestFiles({ inputs: [csv], mapping: parseMapping(mapping, 'm') });
      const want = Array.from({ length: trace.n }, (_, i) => trace.clientIds[trace.client[i]]);
      const got = textsThroughClickHouseTable(csv, mapping).map(([, c]) => c);
      expect(got).toEqual(want);
    }
  });
});

describe('ClickHouse dialect: the row filter (columns.filter, keep)', () => {
  it('excludes the rows the TypeScript engine excludes: columns joined, whitespace trimmed, case kept, quotes, backslashes and non-ASCII text in keep (the script was only printed before)', async () => {
    const csv = join(dir, 'filter.csv');
    writeFileSync(csv, "n,ts,phase,path,in\n0,1,warmup,/v1/chat,10\n1,2,profiling,/v1/chat,11\n2,3,profiling,/health,\n3,4, profiling ,/v1/chat,12\n4,5,,/v1/chat,13\n5,6,profiling,/v1/chat,abc\n6,7,Profiling,/v1/chat,14\n7,8,it's,C:\\x,1\n8,9,é,/v1/chat,1\n");
    for (const mapping of [
      { columns: { timestamp: 'ts', filter: ['phase', 'path'], input_tokens: 'in', request_id: 'n' }, separator: ' ', keep: ['profiling /v1/chat', "it's C:\\x"], timestamp: { unit: 's' } },
      { columns: { timestamp: 'ts', filter: 'phase', input_tokens: 'in', request_id: 'n' }, keep: ['é', ' profiling'], timestamp: { unit: 's' } },
      // drop (d1cb1b4 said every dialect; ClickHouse ran keep only): a blank phase (row 4) kept.
      { columns: { timestamp: 'ts', filter: 'phase', input_tokens: 'in', request_id: 'n' }, drop: ['profiling', 'warmup', 'Profiling', "it's", 'é'], timestamp: { unit: 's' } },
      { columns: { timestamp: 'ts', filter: ['phase', 'path'], input_tokens: 'in', request_id: 'n' }, separator: ' ', drop: ['profiling /v1/chat', 'warmup /v1/chat', 'profiling /health', 'Profiling /v1/chat'], timestamp: { unit: 's' } },
      // {"prefix": …} entries (startsWith): with texts, alone, in drop; a quote and non-ASCII text.
      { columns: { timestamp: 'ts', filter: ['phase', 'path'], input_tokens: 'in', request_id: 'n' }, separator: ' ', keep: [{ prefix: 'profiling /v1' }, "it's C:\\x"], timestamp: { unit: 's' } },
      { columns: { timestamp: 'ts', filter: 'phase', input_tokens: 'in', request_id: 'n' }, keep: [{ prefix: 'prof' }, { prefix: "it'" }], timestamp: { unit: 's' } },
      { columns: { timestamp: 'ts', filter: 'phase', input_tokens: 'in', request_id: 'n' }, drop: [{ prefix: 'pro' }, 'warmup'], timestamp: { unit: 's' } },
    ]) {
      const m = parseMapping(mapping, 'm');
      const ts = await ingestFiles({ inputs: [csv], mapping: m });
      const table = `csv_${++tables}`;
      query(`CREATE TABLE ${table} ENGINE = Memory AS SELECT * FROM file('${csv}', 'CSVWithNames') SETTINGS schema_inference_make_columns_nullable = 1, input_format_csv_use_best_effort_in_schema_inference = 0`);
      const got = rowsOf(query(`SELECT reason, toInt32(count()) FROM (${rowsSql(table, m, false, DIALECTS.clickhouse, new Set(), ['request_id'])}) WHERE reason IS NOT NULL GROUP BY reason`));
      expect(Object.fromEntries(got), JSON.stringify(mapping)).toEqual(ts.summary.rejects_by_reason);
      expect(ts.summary.rejects_by_reason.excluded).toBeGreaterThan(3);
      if ('drop' in mapping) expect(ts.trace.n, JSON.stringify(mapping)).toBeGreaterThan(0);
    }
  });
});

/** The rows of a CSV (every column Nullable(String)) normalized by the clickhouse dialect: [request_id, client]. */
function textsThroughClickHouseTable(csv: string, mapping: Record<string, unknown>): unknown[][] {
  const table = `csv_${++tables}`;
  query(`CREATE TABLE ${table} ENGINE = Memory AS SELECT * FROM file('${csv}', 'CSVWithNames') SETTINGS schema_inference_make_columns_nullable = 1, input_format_csv_use_best_effort_in_schema_inference = 0`);
  return rowsOf(query(`SELECT toInt32(request_id), client FROM (${rowsSql(table, parseMapping(mapping, 'm'), false, DIALECTS.clickhouse, new Set(), ['request_id'])}) ORDER BY 1`));
}

describe('ClickHouse dialect: the script run on ClickHouse, its Parquet results fitted', () => {
  beforeAll(() => {
    query('CREATE DATABASE IF NOT EXISTS logs');
  });

  it('BurstGPT (relative seconds, 1 s clock), from a table and from a Parquet file (a view, or file() as --source): the TypeScript engine\'s summaries, and the same profile', async () => {
    const csv = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');
    const { trace } = await ingestFiles({ inputs: [csv], mapping: loadPreset('burstgpt') });
    const ts = buildSummaries(trace, { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 1 });
    expect(ts.arrivals.filter((a) => a.mem).length).toBeGreaterThan(3);
    for (const source of ['parquet', 'function', 'text'] as const) {
      const types = await exportScan(join(dir, `burstgpt-${source}`), csv, ['--preset', 'burstgpt', '--resolution', '1'], source);
      expect(new Set(types)).toEqual(new Set(['Nullable(String)']));
      const w = await loadScanDirectory(join(dir, `burstgpt-${source}`));
      expect(w.rowsRead).toBe(400);
      expect(w.summaries.span).toEqual(ts.span);
      expectEqualSummaries(ts, w.summaries);
    }
    const out = join(dir, 'burstgpt-text');

    const json = join(dir, 'burstgpt-ts.json');
    expect((await runCli('summarize', csv, '--preset', 'burstgpt', '--resolution', '1', '--out', json, '--quiet')).code).toBe(0);
    const [a, b] = [join(dir, 'a.json'), join(dir, 'b.json')];
    expect((await runCli('fit', '--summaries', json, '--out', a)).code).toBe(0);
    const r = await runCli('fit', '--summaries', out, '--out', b);
    expect(r.code, r.stderr).toBe(0);
    expectSameProfileFiles(a, b);
  });

  it('Azure conv and code (ISO times, µs clock, --origin), as text columns and as the DateTime64/Int64 columns ClickHouse infers: the TypeScript engine\'s summaries', async () => {
    for (const name of ['conv', 'code']) {
      const csv = fixture('traces', 'azure-llm-2023', `AzureLLMInferenceTrace_${name}.csv`);
      const { trace } = await ingestFiles({ inputs: [csv], mapping: loadPreset('azure-llm-2023') });
      const origin = Date.parse(trace.origin!) / 1000;
      const ts = buildSummaries(trace, { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 1e-6 });
      for (const source of ['text', 'typed'] as const) {
        const out = join(dir, `azure-${name}-${source}`);
        const types = await exportScan(out, csv, ['--preset', 'azure-llm-2023', '--resolution', '0.000001', '--origin', String(origin)], source);
        expect(types.some((t) => t.startsWith('Nullable(DateTime64')), `${name} ${types}`).toBe(source === 'typed');
        const w = await loadScanDirectory(out);
        expect(w.rowsRead).toBe(trace.n);
        expect(w.summaries.origin).toBe(ts.origin);
        expect(w.summaries.span).toEqual(ts.span);
        expectEqualSummaries(ts, w.summaries);
      }
    }
  });

  it('blank and bad values: the same rejects by reason, and the accepted rows\' summaries', async () => {
    const csv = join(dir, 'rejects.csv');
    const rows = ['t,c,i,o'];
    for (let k = 0; k < 300; k++) rows.push(`${k * 1.5},c${k % 3},${10 + (k % 17)},${5 + (k % 7)}`);
    rows.push(',c0,1,1', 'x,c1,1,1', '5,c2,-3,1', '6,c0,2.5,1', '7,,1,abc', '8, ,\t,', '9,c1,,', '10,c2,1e10,1', '11,c0,0x10,1', 'inf,c1,1,1');
    writeFileSync(csv, rows.join('\n') + '\n');
    const mapping = { columns: { timestamp: 't', client_id: 'c', input_tokens: 'i', output_tokens: 'o' }, timestamp: { unit: 's' } };
    const mapFile = join(dir, 'rejects-map.json');
    writeFileSync(mapFile, JSON.stringify(mapping));
    const out = join(dir, 'rejects');
    await exportScan(out, csv, ['--map', mapFile, '--resolution', '0.5'], 'text');
    const w = await loadScanDirectory(out);
    const { trace, summary } = await ingestFiles({ inputs: [csv], mapping: parseMapping(mapping, 'm') });
    expect(summary.rejects_by_reason).toEqual({ missing_timestamp: 1, bad_timestamp: 2, negative_tokens: 1, bad_number: 4 });
    expect(w.rejectsByReason).toEqual(summary.rejects_by_reason);
    expect(w.rowsRead).toBe(summary.rows_read);
    expectEqualSummaries(buildSummaries(trace, { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 0.5 }), w.summaries);
  });

  it('OpenAI usage records (JSON lines, usage.* read as Tuple fields with --dotted, reasoning tokens in some rows): the TypeScript engine\'s summaries', async () => {
    const file = join(dir, 'usage.jsonl');
    const rng = createRng('openai-usage-clickhouse');
    let t = 1_700_000_000;
    const lines: string[] = [];
    for (let k = 0; k < 400; k++) {
      const usage: Record<string, unknown> = { prompt_tokens: 10 + Math.floor(rng.next() * 900), completion_tokens: 1 + Math.floor(rng.next() * 300) };
      if (k % 3 === 0) usage.completion_tokens_details = { reasoning_tokens: Math.floor(rng.next() * (usage.completion_tokens as number)) };
      lines.push(JSON.stringify({ created: t, user: `u${k % 4}`, model: 'm', id: `r${k}`, usage }));
      t += Math.round(-Math.log(rng.nextOpen()) * 2000) / 1000;
    }
    writeFileSync(file, lines.join('\n') + '\n');
    const out = join(dir, 'usage');
    const types = await exportScan(out, file, ['--preset', 'openai-usage', '--resolution', '0.001', '--origin', '1700000000', '--dotted'], 'json');
    expect(types.some((x) => x.startsWith('Tuple('))).toBe(true);
    const w = await loadScanDirectory(out);
    const { trace } = await ingestFiles({ inputs: [file], mapping: loadPreset('openai-usage') });
    expect(trace.origin).toBe('2023-11-14T22:13:20.000Z');
    const ts = buildSummaries(trace, { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 0.001 });
    expect(ts.lengths.some((l) => (l.fields.get('reason_ratio')?.size ?? 0) > 0)).toBe(true);
    expect(w.rowsRead).toBe(400);
    expectEqualSummaries(ts, w.summaries);
  });

  it('clusters (fan-out bursts, a run across a window boundary, equal times, gaps of exactly a threshold): the TypeScript engine\'s, on a µs and a 1 ms clock', async () => {
    const csv = writeClusterLog(dir);
    const mapFile = join(dir, 'clusters-map.json');
    writeFileSync(mapFile, JSON.stringify(CLUSTER_LOG_MAPPING));
    const { trace } = await ingestFiles({ inputs: [csv], mapping: parseMapping(CLUSTER_LOG_MAPPING, 'm') });
    for (const resolution of ['0.000001', '0.001']) {
      const out = join(dir, `clusters-${resolution}`);
      await exportScan(out, csv, ['--map', mapFile, '--resolution', resolution, '--origin', '1700000000'], 'text');
      const w = await loadScanDirectory(out);
      const ts = buildSummaries(trace, { arrivalSeconds: 600, lengthSeconds: 21600, resolution: Number(resolution) });
      expect(ts.arrivals.filter((a) => a.clusters).length).toBeGreaterThan(5);
      expectEqualSummaries(ts, w.summaries);
    }
  });

  it('--resolution auto (the default): detectResolution\'s resolution and cluster thresholds on every case, bit for bit; Azure code (1 µs) and Mooncake (3 s buckets) give the TypeScript engine\'s summaries at the resolution it detects', async () => {
    const view = new DataView(new ArrayBuffer(8));
    const bits = (x: number) => {
      view.setFloat64(0, x);
      return view.getBigUint64(0).toString();
    };
    for (const { name, t } of resolutionCases()) {
      const file = join(dir, 'times.csv');
      writeFileSync(file, Array.from(t, bits).join('\n') + '\n');
      const [row] = rowsOf(query(`WITH r AS (SELECT reinterpretAsFloat64(b) AS t FROM file('${file}', 'CSV', 'b UInt64')) ${resolutionSql(DIALECTS.clickhouse.lagAt)}`));
      const want = expectedResolution(t);
      expect(row, name).toEqual([want.resolution, ...want.ticks]);
    }
    const cases = [
      { file: fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv'), preset: 'azure-llm-2023', source: 'text' as const, resolution: 1e-6 },
      { file: fixture('traces', 'mooncake', 'conversation_trace.jsonl.gz'), preset: 'mooncake', source: 'json' as const, resolution: 3 },
    ];
    for (const { file, preset, source, resolution } of cases) {
      const { trace } = await ingestFiles({ inputs: [file], mapping: loadPreset(preset) });
      const ts = buildSummaries(trace, { arrivalSeconds: 600, lengthSeconds: 21600 });
      expect(ts.resolution).toBe(resolution);
      const out = join(dir, `auto-${preset}`);
      await exportScan(out, file, ['--preset', preset, ...(trace.origin === null ? [] : ['--origin', String(Date.parse(trace.origin) / 1000)])], source);
      const w = await loadScanDirectory(out);
      expect(w.rowsRead).toBe(trace.n);
      expect(w.summaries.resolution, preset).toBe(resolution);
      expectEqualSummaries(ts, w.summaries);
    }
  });
});
