import { INT_FIELDS } from '../ingest/fields.js';
import type { RejectReason } from '../ingest/errors.js';
import type { Mapping } from '../ingest/mapping.js';
import { peakOf, type TraceFieldSummary, type TraceSummary } from '../ingest/summarize-trace.js';
import { loadBinsSql, loadFromBins, TOKEN_FIELDS } from './load.js';
import { num, numericColumns, openScan, scanTimeWarning, singleThreaded, type DuckDbOptions, sqlDouble } from './duckdb.js';

export interface DuckDbInspectResult {
  summary: TraceSummary;
  rowsRead: number;
  rejectsByReason: Partial<Record<RejectReason, number>>;
  files: string[];
  /** The time-axis warning the TypeScript engine would give (outlier rows), if any. */
  warning?: string;
}

/**
 * `inspect` for inputs too large to hold as a trace: the same characterization as
 * summarizeTrace, computed in embedded DuckDB (only per-client counts and a few numbers come
 * back). Equal to the TypeScript engine's (tested on the real traces) except that clients with
 * equal request counts are ordered by first request time, not by first row in the file.
 */
export async function inspectWithDuckDB(inputs: string[], mapping: Mapping, options: DuckDbOptions = {}): Promise<DuckDbInspectResult> {
  const scan = await openScan(inputs, mapping, { ...options, texts: ['session_id'] });
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
      const [ss] = await rows('SELECT count(DISTINCT session_id) AS d, count(session_id) AS c FROM a');
      if (num(ss.d) > 0) sessions = { sessions: num(ss.d), requestsWithSession: num(ss.c) };
    }
    // Peak load as traceLoad bins it (the same relative times).
    const tokens = TOKEN_FIELDS.filter((f) => ints.includes(f));
    const bins = await numericColumns(con, loadBinsSql('t', 'a', tokens));
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
      peak: peakOf(loadFromBins(bins, tokens)),
    };
    return { summary, rowsRead: scan.rowsRead, rejectsByReason: scan.rejectsByReason, files: scan.files, warning };
  } finally {
    close();
  }
}
