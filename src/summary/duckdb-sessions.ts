/**
 * The DuckDB engine's pass for fit's session statistics (src/fit/sessions.ts): turns per session,
 * inter-turn gaps and their quantiles, input growth per turn, the turns histogram calibrated by
 * simulation over the session rows' times, and the input-rank model of turns (ranks within each
 * client's length window, over all its rows with an input). Medians, the calibration and the
 * rank copula need the rows themselves, which window summaries do not keep, so DuckDB
 * normalizes the inputs with the scan's mapping (rowsSql: the rows it accepts are the scan's) and
 * hands over each accepted row's client, time, input and session id; JavaScript sorts them by
 * time (ties in input order, as TraceBuilder.finish), pools small clients as the scan pooled
 * them, and runs sessionStats on that trace: the TypeScript engine's numbers on the same rows.
 *
 * Read only when the mapping maps session_id and a row has one; ~20 bytes a row are held
 * (client, time, input, session) and ~100 more in sessionStats, at most SESSION_MAX_ROWS rows
 * (above, none: said).
 */
import { openSource, originOf, num, type Source } from './duckdb.js';
import { streamInInputOrder } from './duckdb-input-order.js';
import type { DuckDbOptions } from './duckdb-types.js';
import { withFieldCounts } from './duckdb-csv-fields.js';
import { DIALECTS, rowsSql } from './sql.js';
import { duckdbReadError } from './duckdb-errors.js';
import { GrowableF64, GrowableI32, type Trace } from '../ingest/trace.js';
import type { Mapping } from '../ingest/mapping.js';
import { poolClients } from './pool.js';
import { sessionStats } from '../fit/sessions.js';
import { timeOrder } from '../util/time-order.js';

/**
 * Accepted rows the session pass holds at most: with sessionStats' working arrays, ~120 bytes a
 * row (measured: a 2.25 M-row fit took 267 MB more than without session ids), ~2.4 GB at this
 * many. Above it a fit has no session statistics and says so, rather than running out of
 * memory on a log of billions of rows.
 */
export const SESSION_MAX_ROWS = 20_000_000;

/** What sessionStatsWithDuckDB found. */
export interface DuckDbSessions {
  /** Session statistics per client (as pooled), as sessionStats gives them; undefined when not read (`tooMany`) or no row has a session id. */
  stats?: Map<string, Record<string, unknown>>;
  /** More accepted rows than `maxRows`: none read. */
  tooMany?: { rows: number; max: number };
}

/**
 * Fit's session statistics of the inputs read in embedded DuckDB (see the file's comment);
 * undefined when the mapping maps no session_id. Times count from the origin the TypeScript
 * engine takes (`firstSecond`: fit --anonymize, as openScan); clients below `poolBelow` accepted
 * rows are pooled into `tail` as the scan pools them; `lengthSeconds` is the profile's length window.
 */
export async function sessionStatsWithDuckDB(
  inputs: string[],
  mapping: Mapping,
  options: DuckDbOptions & { firstSecond?: boolean; poolBelow?: number; lengthSeconds: number; maxRows?: number },
): Promise<DuckDbSessions | undefined> {
  if (mapping.columns.session_id === undefined) return undefined;
  const src = await openSource(inputs, mapping, { ...options, onNote: undefined });
  try {
    if (src.mapping.columns.session_id === undefined) return undefined;
    src.stage('reading the rows for session statistics');
    return await readSessions(src, options);
  } finally {
    src.close();
  }
}

async function readSessions(src: Source, options: { firstSecond?: boolean; poolBelow?: number; lengthSeconds: number; maxRows?: number }): Promise<DuckDbSessions> {
  const { con, files } = src;
  const hasInput = src.mapping.columns.input_tokens !== undefined;
  const counts = src.fields && src.fields.found !== false ? src.fields : undefined;
  if (counts) src.numericSource.fieldCounts = true;
  const rows = (from: string) => rowsSql(from, src.mapping, src.dotted, DIALECTS.duckdb, src.numericSource, ['session_id']);
  const run = <T>(q: (from: string) => Promise<T>) => (counts ? withFieldCounts(counts, q) : q(src.from)).catch((err: unknown) => {
    throw duckdbReadError(err, files);
  });
  const agg = await run(async (from) => (await con.runAndReadAll(`SELECT client, count(*) AS n, count(session_id) AS s, min(t) AS tmin, max(abs(t)) AS amax FROM (${rows(from)}) AS r WHERE reason IS NULL GROUP BY client ORDER BY min(t), client`)).getRowObjectsJS() as { client: string; n: unknown; s: unknown; tmin: unknown; amax: unknown }[]);
  let total = 0;
  let withSession = 0;
  let tmin = Infinity;
  let amax = 0;
  for (const r of agg) {
    total += num(r.n);
    withSession += num(r.s);
    tmin = Math.min(tmin, num(r.tmin));
    amax = Math.max(amax, num(r.amax));
  }
  if (withSession === 0) return {};
  const max = options.maxRows ?? SESSION_MAX_ROWS;
  if (total > max) return { tooMany: { rows: total, max } };
  const { origin } = originOf(src, tmin, amax, undefined, options.firstSecond);
  // Clients pooled as the scan pools them (poolClients over every client's accepted rows).
  const names = agg.map((r) => String(r.client));
  const pool = options.poolBelow !== undefined ? poolClients(names, agg.map((r) => num(r.n)), options.poolBelow) : undefined;
  const clientIds = pool ? pool.ids : names;
  const codeOf = new Map(names.map((c, i) => [c, pool ? pool.code[i] : i]));
  const client = new GrowableI32();
  const time = new GrowableF64();
  const input = new GrowableI32();
  const session = new GrowableI32();
  const sessionIds = new Map<string, number>();
  const values: string[] = [];
  client.reserve(total);
  time.reserve(total);
  session.reserve(total);
  if (hasInput) input.reserve(total);
  // The rows in input order (ties in time keep it, as in TraceBuilder.finish).
  const sql = (from: string) => `SELECT client, CAST(t AS DOUBLE) AS t, session_id${hasInput ? ', CAST(input_tokens AS DOUBLE) AS x' : ''} FROM (${rows(from)}) AS r WHERE reason IS NULL`;
  await run((from) =>
    streamInInputOrder(con, sql(from), total, ({ cols: [cl, t, s, x], rows: m }) => {
      for (let i = 0; i < m; i++) {
        client.push(codeOf.get(String(cl[i]))!);
        time.push(Number(t[i]) - origin);
        const id = s[i];
        if (id === null || id === undefined) session.push(-1);
        else {
          const text = String(id);
          let k = sessionIds.get(text);
          if (k === undefined) {
            sessionIds.set(text, (k = values.length));
            values.push(text);
          }
          session.push(k);
        }
        if (hasInput) input.push(x[i] === null ? -1 : Number(x[i]));
      }
    }),
  );
  const n = time.n;
  const t = time.finish();
  const { apply } = timeOrder(t);
  const trace: Trace = {
    n,
    timestamp: apply(t),
    client: apply(client.finish()),
    clientIds,
    ints: hasInput ? { input_tokens: apply(input.finish()) } : {},
    texts: { session_id: { index: apply(session.finish()), values } },
    origin: null,
  };
  return { stats: sessionStats(trace, options.lengthSeconds) };
}

/** What fit says when the session pass read nothing (DuckDbSessions.tooMany). */
export function sessionsTooManyNote(t: { rows: number; max: number }): string {
  return `note: the inputs have session ids, but ${t.rows} accepted rows are more than the DuckDB engine's session pass holds (${t.max}): the profile has no session statistics (generate then labels no sessions); fit a time slice of the log for them`;
}
