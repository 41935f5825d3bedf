import { INT_FIELDS } from '../ingest/fields.js';
import type { RejectReason } from '../ingest/errors.js';
import type { Mapping } from '../ingest/mapping.js';
import { clientGaps, INSPECT_WINDOW_SECONDS, peakOf, type TraceFieldSummary, type TraceSummary } from '../ingest/summarize-trace.js';
import { traceGapMemory, type TraceGapMemory } from '../fit/gap-memory.js';
import { CLUSTER_GAPS, clusterTicks, MEM_LAGS, type ArrivalSummary, type TraceSummaries } from './types.js';
import { memFromSums } from './mem-terms.js';
import { summaryQueries } from './sql.js';
import { BATCH_MIN_GAPS, BATCH_SHARE, batchesAmong, CLUSTER_CLOCKS, clusterClients, traceBatches, type BatchTotals, type BatchWindow, type TraceBatches } from '../fit/batches.js';
import { loadBinsSql, loadFromBins, TOKEN_FIELDS } from './load.js';
import { onOwnClock } from './resolution.js';
import { prefixSideWithDuckDB } from './duckdb-prefix.js';
import { detectScanResolution, num, numericColumns, openScan, scanTimeWarning, singleThreaded, type DuckDbOptions, type OpenScan, sqlDouble } from './duckdb.js';

export interface DuckDbInspectResult {
  summary: TraceSummary;
  rowsRead: number;
  rejectsByReason: Partial<Record<RejectReason, number>>;
  files: string[];
  /** The time-axis warning the TypeScript engine would give (outlier rows), if any. */
  warning?: string;
  /** The ingest warnings the TypeScript engine's summary keeps, in its order (mixed units, the time axis, ids whose digits were lost); absent when none. */
  warnings?: string[];
}

/**
 * `inspect` for inputs too large to hold as a trace: the same characterization as
 * summarizeTrace, computed in embedded DuckDB (only per-client counts and a few numbers come
 * back). Equal to the TypeScript engine's (tested on the real traces) except that clients with
 * equal request counts are ordered by first request time, not by first row in the file.
 */
export async function inspectWithDuckDB(inputs: string[], mapping: Mapping, options: DuckDbOptions & { prefixMaxRows?: number } = {}): Promise<DuckDbInspectResult> {
  const scan = await openScan(inputs, mapping, { ...options, texts: ['session_id'], hashIds: 'elsewhere', idDigits: true });
  const { con, origin, originIso, close } = scan;
  const rows = async (sql: string) => (await con.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  try {
    const m = scan.mapping;
    const ints = INT_FIELDS.filter((f) => m.columns[f] !== undefined);
    const hasSession = m.columns.session_id !== undefined;
    scan.stage('characterizing');
    const warning = await scanTimeWarning(scan);
    await con.run(`CREATE TEMP TABLE a AS SELECT t - ${sqlDouble(origin)} AS t, client${hasSession ? ', session_id' : ''}${ints.map((f) => `, "${f}"`).join('')} FROM src_rows WHERE reason IS NULL`);
    await con.run('DROP TABLE src_rows');
    const [tot] = await rows('SELECT count(*) AS n, min(t) AS s, max(t) AS e FROM a');
    const n = num(tot.n);
    const start = num(tot.s);
    const end = num(tot.e);
    const perClient = await rows('SELECT client, count(*) AS c FROM a GROUP BY client ORDER BY c DESC, min(t), client');
    const counts = perClient.map((r) => num(r.c));
    const needed = (share: number) => {
      let acc = 0;
      for (let i = 0; i < counts.length; i++) {
        acc += counts[i];
        if (acc >= share * n) return i + 1;
      }
      return counts.length;
    };
    // On one thread the gaps are added in time order: the same bits on every run.
    const [iat] = await singleThreaded(con, () => rows('SELECT sum(g) AS s, sum(g * g) AS s2 FROM (SELECT t - lag(t) OVER (ORDER BY t) AS g FROM a)'));
    const s = num(iat.s ?? 0);
    const s2 = num(iat.s2 ?? 0);
    const mean = s / Math.max(1, n - 1);
    const cv = n > 2 ? Math.sqrt(Math.max(0, s2 / (n - 1) - mean * mean)) / mean : NaN;
    const fields: Record<string, TraceFieldSummary> = {};
    for (const f of ints) {
      const [st] = await rows(`SELECT count("${f}") AS c, sum("${f}") AS s, max("${f}") AS mx FROM a`);
      const c = num(st.c);
      if (c === 0) continue;
      // The TypeScript engine's order statistic: the ceil(p·c)-th smallest value.
      const rank = (p: number) => Math.min(c, Math.max(1, Math.ceil(p * c)));
      const want = [rank(0.5), rank(0.9), rank(0.99)];
      const got = await rows(`SELECT rn, v FROM (SELECT "${f}" AS v, row_number() OVER (ORDER BY "${f}") AS rn FROM a WHERE "${f}" IS NOT NULL) WHERE rn IN (${[...new Set(want)].join(', ')})`);
      const at = new Map(got.map((r) => [num(r.rn), num(r.v)]));
      fields[f] = { count: c, mean: num(st.s) / c, p50: at.get(want[0])!, p90: at.get(want[1])!, p99: at.get(want[2])!, max: num(st.mx) };
    }
    let sessions: TraceSummary['sessions'];
    if (hasSession) {
      const [ss] = await rows('SELECT (SELECT count(*) FROM (SELECT DISTINCT client, session_id FROM a WHERE session_id IS NOT NULL)) AS d, count(session_id) AS c FROM a');
      if (num(ss.d) > 0) sessions = { sessions: num(ss.d), requestsWithSession: num(ss.c) };
    }
    const gm = n > 1 ? await gapMemoryInDuckDB(scan) : undefined;
    // Peak load as traceLoad bins it (the same relative times, on their own clock: onOwnClock,
    // from every time, as validate's DuckDB engine detects a source's clock).
    const tokens = TOKEN_FIELDS.filter((f) => ints.includes(f));
    const clock = n > 0 ? onOwnClock((await numericColumns(con, 'SELECT CAST(t AS DOUBLE) AS t FROM a ORDER BY t')).t as Float64Array) : undefined;
    const time = clock ? `floor(t / ${sqlDouble(clock.resolution)} + ${sqlDouble(clock.tolerance)}) * ${sqlDouble(clock.resolution)}` : 't';
    const bins = await numericColumns(con, loadBinsSql(time, 'a', tokens));
    const summary: TraceSummary = {
      requests: n,
      clients: perClient.length,
      origin: originIso,
      span: { start, end, seconds: end - start },
      meanRate: end > start ? n / (end - start) : NaN,
      concentration: { p50: needed(0.5), p90: needed(0.9), p99: needed(0.99) },
      topClients: perClient.slice(0, 5).map((r) => ({ id: String(r.client), requests: num(r.c), share: num(r.c) / n })),
      aggregateIatCv: cv,
      fields,
      sessions,
      gapMemory: gm?.gapMemory,
      batches: gm?.batches,
      clockSeconds: gm?.clock,
      peak: peakOf(loadFromBins(bins, tokens)),
    };
    // Prefix reuse from the rows' hash_ids (a pass of their own), as the TypeScript engine's inspect.
    // (above the engine's limit, of the earliest rows: said, and in the summary's firstSeconds)
    const prefix = await prefixSideWithDuckDB(inputs, mapping, { ...options, maxRows: options.prefixMaxRows, slice: true });
    if (prefix.sliced) options.onNote?.(`note: hash_ids: ${prefix.sliced.of} requests have them, more than the DuckDB engine's prefix pass holds (${prefix.sliced.max}): the prefix-cache statistics are of the earliest ${prefix.sliced.requests}, the first ${prefix.sliced.span}`);
    if (prefix.side) summary.prefix = prefix.sliced ? { ...prefix.side, firstSeconds: prefix.sliced.seconds } : prefix.side;
    const warnings = [scan.autoTimestamp?.warning, warning, ...(scan.sameBytes ?? []), ...(scan.idDigits ?? [])].filter((w): w is string => w !== undefined);
    return { summary, rowsRead: scan.rowsRead, rejectsByReason: scan.rejectsByReason, files: scan.files, warning, ...(warnings.length ? { warnings } : {}) };
  } finally {
    close();
  }
}

/**
 * Gap memory per client as summarizeTrace finds it, from the accepted rows in table `a`: the
 * gap-memory sums of the SQL scan (summaryQueries' `memory`, over a gaps table `x` of 600 s
 * windows, in time order as the builder lists them) and each client's gap total, on one
 * thread (float sums in one order: the same bits on every run).
 */
async function gapMemoryInDuckDB(scan: OpenScan): Promise<{ gapMemory: TraceGapMemory; clock: number; batches: TraceBatches }> {
  const { con } = scan;
  const W = INSPECT_WINDOW_SECONDS;
  const res = Math.max(await detectScanResolution(scan, 'a', 't'), 1e-6);
  const lag = 'lag(t) OVER (PARTITION BY client ORDER BY t)';
  const lag2 = 'lag(t, 2) OVER (PARTITION BY client ORDER BY t)';
  await con.run(`CREATE TEMP TABLE x AS SELECT client, t, CAST(floor(t / ${W}) AS BIGINT) AS wi, t - ${lag} AS g, CAST(floor(${lag} / ${W}) AS BIGINT) AS pwi, ${lag} - ${lag2} AS pg, CAST(floor(${lag2} / ${W}) AS BIGINT) AS ppwi FROM a`);
  const q = summaryQueries({ W, L: 1e12, res, fields: [] });
  // Cluster candidates (clusterClients): 100+ gaps, BATCH_SHARE of them inside runs below a
  // threshold the clock judges (a gap below it from a row of the same window).
  const judged = CLUSTER_GAPS.map((tau, k) => ({ k, below: clusterTicks(tau, res) })).filter(({ k }) => res * CLUSTER_CLOCKS <= CLUSTER_GAPS[k]);
  const candidates = judged.length === 0 ? undefined : `SELECT client FROM x GROUP BY client HAVING count(g) >= ${BATCH_MIN_GAPS} AND (${judged.map(({ below }) => `count(CASE WHEN floor(g / ${res} + 0.5) < ${sqlDouble(below)} AND pwi = wi THEN 1 END) >= ${sqlDouble(BATCH_SHARE)} * count(g)`).join(' OR ')})`;
  // Per client its gaps, 0-gaps and one-tick gaps (batch candidates: batchesAmong); per
  // window its requests, 0-gaps and batch sizes (rows at one time) for the chance test.
  const [mem, per, perWindow, sizes] = await singleThreaded(con, async () => [
    await rowsOf(con, `SELECT * FROM (${q.memory}) AS sg_m ORDER BY client, wi`),
    await rowsOf(con, `SELECT client, count(*) AS n, coalesce(sum(g), 0) AS s, count(g) AS c, count(CASE WHEN g = 0 THEN 1 END) AS z, count(CASE WHEN floor(g / ${res} + 0.5) = 1 THEN 1 END) AS z1 FROM x GROUP BY client`),
    await rowsOf(con, 'SELECT client, wi, count(*) AS n, count(CASE WHEN g = 0 THEN 1 END) AS z FROM x GROUP BY client, wi ORDER BY client, wi'),
    await rowsOf(con, 'SELECT client, wi, s, count(*) AS k FROM (SELECT client, wi, count(*) + 1 AS s FROM x WHERE g = 0 GROUP BY client, wi, t) AS sg_s GROUP BY client, wi, s'),
  ]);
  // The candidates' windows as clusterClients reads them (n, gaps, quant, hist, clusters): only
  // theirs, so a log without any pays one aggregate.
  const clusterWindows = candidates
    ? await singleThreaded(con, async () => [
        await rowsOf(con, `SELECT client, wi, count(*) AS n, count(g) AS c FROM x WHERE client IN (${candidates}) GROUP BY client, wi ORDER BY client, wi`),
        await rowsOf(con, `SELECT * FROM (${q.gapHist}) AS sg_h WHERE client IN (${candidates})`),
      ])
    : undefined;
  await con.run('DROP TABLE x');
  const windows: { client: string; n: number; sum: number; gaps: number; mem?: number[] }[] = [];
  for (const r of per) windows.push({ client: String(r.client), n: num(r.n), sum: num(r.s), gaps: num(r.c) });
  const P = new Float64Array(MEM_LAGS.length);
  for (const r of mem) {
    MEM_LAGS.forEach((k, l) => (P[l] = num(r[`p${k}`])));
    const terms = memFromSums(num(r.m), num(r.s1), num(r.s2), P);
    if (terms) windows.push({ client: String(r.client), n: 0, sum: 0, gaps: 0, mem: terms });
  }
  // Batch clients: every gap of exactly 0 is inside a batch (rows at one time).
  const totals = new Map(per.map((r): [string, BatchTotals] => [String(r.client), { zeros: num(r.z), gaps: num(r.c), oneTick: num(r.z1) }]));
  const windowsOf = (ids: ReadonlySet<string>) => {
    const key = (c: unknown, w: unknown) => `${String(c)}\u0000${num(w)}`;
    const byWindow = new Map<string, Map<number, number>>();
    for (const r of sizes) {
      if (!ids.has(String(r.client))) continue;
      const k = key(r.client, r.wi);
      let m = byWindow.get(k);
      if (!m) byWindow.set(k, (m = new Map()));
      m.set(num(r.s), num(r.k));
    }
    const out = new Map<string, BatchWindow[]>([...ids].map((id) => [id, []]));
    for (const r of perWindow) out.get(String(r.client))?.push({ n: num(r.n), zeros: num(r.z), batches: byWindow.get(key(r.client, r.wi)) });
    return out;
  };
  const requests = new Map(per.map((r) => [String(r.client), num(r.n)]));
  const total = per.reduce((a, r) => a + num(r.n), 0);
  const batched = batchesAmong(totals, res, windowsOf);
  if (clusterWindows) for (const [id, e] of clusterClients(clusterSummaries(clusterWindows[0], clusterWindows[1], W, res), batched)) batched.set(id, e);
  return { gapMemory: traceGapMemory(clientGaps(windows), res), clock: res, batches: traceBatches(batched, (id) => requests.get(id) ?? 0, total) };
}

/**
 * Windows of the cluster candidates as clusterClients reads them: requests, gaps and the gap
 * histograms' tick counts (kind q), log bins (h) and clusters (c); the other fields are not
 * read there (zero).
 */
function clusterSummaries(perWindow: Record<string, unknown>[], hist: Record<string, unknown>[], W: number, res: number): TraceSummaries {
  const key = (c: unknown, w: unknown) => `${String(c)}\u0000${num(w)}`;
  const byKey = new Map<string, ArrivalSummary>();
  const arrivals = perWindow.map((r): ArrivalSummary => {
    const a: ArrivalSummary = { client: String(r.client), start: num(r.wi) * W, n: num(r.n), first: 0, last: 0, gaps: num(r.c), sum: 0, sumSq: 0, sumLog: 0, positive: 0, quant: new Map(), hist: new Map(), clusters: new Map(), disp: { s1: { bins: 0, sum: 0, sumSq: 0 }, s10: { bins: 0, sum: 0, sumSq: 0 }, s60: { bins: 0, sum: 0, sumSq: 0 } } };
    byKey.set(key(r.client, r.wi), a);
    return a;
  });
  for (const r of hist) {
    const a = byKey.get(key(r.client, r.wi));
    const into = r.kind === 'q' ? a?.quant : r.kind === 'h' ? a?.hist : r.kind === 'c' ? a?.clusters : undefined;
    (into as Map<number, number> | undefined)?.set(num(r.key), num(r.c));
  }
  return { arrivalSeconds: W, lengthSeconds: W, resolution: res, span: { start: 0, end: 0 }, origin: null, arrivals, lengths: [] };
}

/** A query's rows as objects. */
async function rowsOf(con: OpenScan['con'], sql: string): Promise<Record<string, unknown>[]> {
  return (await con.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}
