import { BATCH_FINE_CLOCK, BATCH_MIN_GAPS, BATCH_SHARE, batchClients, CLUSTER_CLOCKS, gapsFrom, insideWords, perWords, traceBatches } from '../fit/batches.js';
import { CLUSTER_GAPS, type TraceSummaries } from '../summary/types.js';

/**
 * A note naming the clients fitted as batch clients — most of their gaps 0 at a fine clock (a
 * batch job, a fan-out: 50 requests at one millisecond) — whose profiles draw instants and a
 * batch size for each (`clients[].batches`, src/fit/batches.ts; examples/batch-client.sh). On
 * the bundled real traces no client is named (Azure: µs clocks, no two requests of a client at
 * one instant). Ids are left out when `anonymized` (stderr of a sharing run names no tenant).
 */
export function batchClientsNote(summaries: TraceSummaries, anonymized = false): string | undefined {
  const batched = batchClients(summaries);
  if (batched.size === 0) return undefined;
  const requests = new Map<string, number>();
  for (const a of summaries.arrivals) if (batched.has(a.client)) requests.set(a.client, (requests.get(a.client) ?? 0) + a.n);
  const { top, clients, how } = traceBatches(batched, (id) => requests.get(id) ?? 0, 0);
  const one = (x: (typeof top)[number]) => `${anonymized ? 'a client' : `client ${JSON.stringify(x.id)}`}, ${(100 * x.zeroShare).toFixed(0)} % of its gaps ${insideWords(x.below)}, about ${Number(x.meanSize.toPrecision(3))} requests ${perWords(x.below)}`;
  const named = top.map(one).join('; ');
  const more = clients > 3 ? `; and ${clients - 3} more` : '';
  const exact = [...batched.values()].every((e) => e.cluster === undefined);
  return `note: ${clients} client${clients === 1 ? ' sends' : 's send'} requests ${exact ? 'in batches' : how} at the ${summaries.resolution} s clock (${named}${more}): ${exact ? 'fitted with their requests per instant (clients[].batches), their windows describe the gaps between instants' : "fitted with their requests per instant or cluster and the gaps inside clusters (clients[].batches), their windows describe the gaps between them"}`;
}

/**
 * A note for summaries that count no batch anywhere while some client has BATCH_SHARE of its
 * gaps at 0 ticks of a fine clock: summaries written before batches were counted (session 22)
 * fit such a client one gap at a time, as before, without a word (found by review).
 */
export function uncountedBatchesNote(summaries: TraceSummaries): string | undefined {
  if (!(summaries.resolution <= BATCH_FINE_CLOCK)) return undefined;
  const by = new Map<string, { zeroTicks: number; gaps: number }>();
  for (const a of summaries.arrivals) {
    if (a.batches && a.batches.size > 0) return undefined;
    let e = by.get(a.client);
    if (!e) by.set(a.client, (e = { zeroTicks: 0, gaps: 0 }));
    e.zeroTicks += a.quant.get(0) ?? 0;
    e.gaps += a.gaps;
  }
  const many = [...by.values()].filter((e) => e.gaps >= BATCH_MIN_GAPS && e.zeroTicks >= BATCH_SHARE * e.gaps).length;
  if (many === 0) return undefined;
  return `note: ${many} client${many === 1 ? ' has' : 's have'} ${Math.round(100 * BATCH_SHARE)} % or more of ${many === 1 ? 'its' : 'their'} gaps at 0 ticks of the ${summaries.resolution} s clock, but these summaries count no batches (requests at one instant): written before batches were counted? Summarize the log again so that fit can find batch clients (README, Batch clients)`;
}

/**
 * A note for summaries that count no clusters anywhere while some client that is no batch
 * client has BATCH_SHARE of its gaps below the largest threshold its clock judges: summaries
 * written before clusters were counted (session 23) cannot show a cluster client (requests
 * sent together, logged apart), and fit draws such a client one gap at a time.
 */
export function uncountedClustersNote(summaries: TraceSummaries): string | undefined {
  const res = summaries.resolution;
  const tau = CLUSTER_GAPS.filter((t) => res * CLUSTER_CLOCKS <= t).at(-1);
  if (tau === undefined) return undefined;
  const batched = batchClients(summaries);
  const by = new Map<string, { below: number; gaps: number }>();
  for (const a of summaries.arrivals) {
    if (a.clusters && a.clusters.size > 0) return undefined;
    if (batched.has(a.client)) continue;
    let e = by.get(a.client);
    if (!e) by.set(a.client, (e = { below: 0, gaps: 0 }));
    e.below += gapsFrom(a, 0, tau, res);
    e.gaps += a.gaps;
  }
  const many = [...by.values()].filter((e) => e.gaps >= BATCH_MIN_GAPS && e.below >= BATCH_SHARE * e.gaps).length;
  if (many === 0) return undefined;
  return `note: ${many} client${many === 1 ? ' has' : 's have'} ${Math.round(100 * BATCH_SHARE)} % or more of ${many === 1 ? 'its' : 'their'} gaps below ${tau * 1000} ms, but these summaries count no clusters (requests sent together, logged apart): written before clusters were counted? Summarize the log again so that fit can find cluster clients (README, Cluster clients)`;
}
