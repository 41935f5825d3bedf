import { peakRate, tokenFields, tokenLoad, traceLoad, type LoadSeries } from '../summary/load.js';
import type { PrefixSide } from '../validate/prefix.js';
import { LENGTH_COLUMNS } from '../io/trace-schema.js';
import { clientSessionKeys, type Trace } from './trace.js';
import { buildSummaries } from '../summary/build.js';
import { onOwnClock } from '../summary/resolution.js';
import { traceGapMemory, type ClientGaps, type TraceGapMemory } from '../fit/gap-memory.js';
import type { ArrivalSummary } from '../summary/types.js';
import { batchClients, traceBatches, type TraceBatches } from '../fit/batches.js';

export interface TraceFieldSummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface TraceSummary {
  /** Prefix-cache statistics of the rows' hash_ids (inspect, either engine); absent without them. */
  prefix?: PrefixSide;
  requests: number;
  clients: number;
  origin: string | null;
  span: { start: number; end: number; seconds: number };
  meanRate: number;
  /** Clients carrying 50/90/99 % of requests. */
  concentration: { p50: number; p90: number; p99: number };
  topClients: { id: string; requests: number; share: number }[];
  /** CV of the aggregate inter-arrival gaps (1 for Poisson). */
  aggregateIatCv: number;
  fields: Record<string, TraceFieldSummary>;
  sessions?: { sessions: number; requestsWithSession: number };
  /** Gap memory as `fit` would find it (600 s windows, the detected clock). */
  gapMemory?: TraceGapMemory;
  /** The clients `fit` would fit as batch clients (src/fit/batches.ts). */
  batches?: TraceBatches;
  /** The clock resolution `fit` would detect (s; 1e-6 for a continuous clock); absent below 2 rows. */
  clockSeconds?: number;
  /** Peak load: the 99th percentiles of requests and of input + output tokens per second over 10 s bins (tokens null without token counts). */
  peak?: { requestsPerS: number; tokensPerS: number | null; tokenFields: string[] };
}

/** The peak of a load series (summary/load.ts), as inspect prints it. */
export function peakOf(load: LoadSeries | undefined): TraceSummary['peak'] {
  if (!load) return undefined;
  const fields = tokenFields(load);
  const tokens = tokenLoad(load, fields);
  return { requestsPerS: peakRate(load.requests), tokensPerS: tokens ? peakRate(tokens) : null, tokenFields: fields };
}

function percentile(sorted: Int32Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** Characterization of a normalized trace (what `inspect <trace>` prints). */
export function summarizeTrace(trace: Trace): TraceSummary {
  const n = trace.n;
  const counts = new Float64Array(trace.clientIds.length);
  const first = new Float64Array(trace.clientIds.length).fill(Infinity);
  for (let i = 0; i < n; i++) {
    const c = trace.client[i];
    counts[c]++;
    if (trace.timestamp[i] < first[c]) first[c] = trace.timestamp[i];
  }
  // Ties as the DuckDB engine breaks them (ORDER BY count DESC, min(t), client): 10 000 clients
  // of one request each were listed in the order of the file's rows by this engine, by time by
  // that one (found by the odd-traces audit).
  const ids = trace.clientIds;
  const order = Array.from(counts.keys()).sort((a, b) => counts[b] - counts[a] || first[a] - first[b] || (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0));
  const needed = (share: number) => {
    let acc = 0;
    for (let i = 0; i < order.length; i++) {
      acc += counts[order[i]];
      if (acc >= share * n) return i + 1;
    }
    return order.length;
  };
  const start = n ? trace.timestamp[0] : 0;
  const end = n ? trace.timestamp[n - 1] : 0;
  let s = 0;
  let s2 = 0;
  for (let i = 1; i < n; i++) {
    const g = trace.timestamp[i] - trace.timestamp[i - 1];
    s += g;
    s2 += g * g;
  }
  const m = s / Math.max(1, n - 1);
  const cv = n > 2 ? Math.sqrt(Math.max(0, s2 / (n - 1) - m * m)) / m : NaN;
  const fields: Record<string, TraceFieldSummary> = {};
  for (const name of [...LENGTH_COLUMNS, 'turn', 'block_count'] as const) {
    const col = trace.ints[name];
    if (!col) continue;
    let c = 0;
    for (let i = 0; i < n; i++) if (col[i] >= 0) c++;
    if (c === 0) continue;
    const vals = new Int32Array(c);
    let k = 0;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      if (col[i] >= 0) {
        vals[k++] = col[i];
        sum += col[i];
      }
    }
    vals.sort();
    fields[name] = { count: c, mean: sum / c, p50: percentile(vals, 0.5), p90: percentile(vals, 0.9), p99: percentile(vals, 0.99), max: vals[c - 1] };
  }
  const sess = trace.texts.session_id;
  let sessions: TraceSummary['sessions'];
  if (sess) {
    let withSession = 0;
    for (let i = 0; i < n; i++) if (sess.index[i] >= 0) withSession++;
    // A session is a client's rows with one session id (DESIGN): an id two clients use is two
    // sessions, as `fit` counts them (found by review: BurstGPT's 9 ids used with both models
    // made inspect say 135 sessions where the profile has 144).
    sessions = { sessions: clientSessionKeys(trace)!.sessions, requestsWithSession: withSession };
  }
  return {
    requests: n,
    clients: trace.clientIds.length,
    origin: trace.origin,
    span: { start, end, seconds: end - start },
    meanRate: end > start ? n / (end - start) : NaN,
    concentration: { p50: needed(0.5), p90: needed(0.9), p99: needed(0.99) },
    topClients: order.slice(0, 5).map((c) => ({ id: trace.clientIds[c], requests: counts[c], share: counts[c] / n })),
    aggregateIatCv: cv,
    fields,
    sessions,
    ...(n > 1 ? gapMemoryOf(trace) : {}),
    // (on the trace's own clock, as validate bins a source: onOwnClock)
    peak: peakOf(traceLoad(onOwnClock(trace.timestamp)?.times ?? trace.timestamp, trace.ints)),
  };
}

/** Arrival window of `fit` (its --window default), for inspect's gap memory. */
export const INSPECT_WINDOW_SECONDS = 600;

/** Gap memory per client, from the arrival summaries `fit` would count (no length histograms). */
function gapMemoryOf(trace: Trace): { gapMemory: TraceGapMemory; clockSeconds: number; batches: TraceBatches } {
  const s = buildSummaries({ ...trace, ints: {}, texts: {} }, { arrivalSeconds: INSPECT_WINDOW_SECONDS, lengthSeconds: 1e12 });
  const requests = new Map<string, number>();
  for (const a of s.arrivals) requests.set(a.client, (requests.get(a.client) ?? 0) + a.n);
  return { gapMemory: traceGapMemory(clientGaps(s.arrivals), s.resolution), clockSeconds: s.resolution, batches: traceBatches(batchClients(s), (id) => requests.get(id) ?? 0, trace.n) };
}

/** Arrival windows grouped by client, as traceGapMemory reads them. */
export function clientGaps(arrivals: readonly Pick<ArrivalSummary, 'client' | 'n' | 'mem' | 'sum' | 'gaps'>[]): ClientGaps[] {
  const by = new Map<string, ClientGaps & { windows: Pick<ArrivalSummary, 'mem'>[] }>();
  for (const a of arrivals) {
    let c = by.get(a.client);
    if (!c) by.set(a.client, (c = { id: a.client, requests: 0, windows: [], gapSum: 0, gaps: 0 }));
    c.requests += a.n;
    c.gapSum += a.sum;
    c.gaps += a.gaps;
    if (a.mem) c.windows.push(a);
  }
  return [...by.values()];
}
