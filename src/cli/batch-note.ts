import type { TraceSummaries } from '../summary/types.js';

/** Clocks this fine or finer: a gap of 0 ticks is requests sent together, not a coarse clock (1 s, Mooncake's 3 s buckets). */
const FINE_CLOCK = 0.01;
/** A client's gaps that are 0 ticks at a fine clock, from this share: batches. */
const BATCH_SHARE = 0.5;
/** Clients with fewer gaps are not judged. */
const MIN_GAPS = 100;

/**
 * A note naming the clients that send their requests in batches — most of their gaps 0 at a
 * fine clock (a batch job, a fan-out: 50 requests at one millisecond) — which no profile
 * reproduces: its windows draw gaps one at a time, so generated traces spread the batches out
 * and need fewer serving slots (README, Validating fidelity; examples/batch-client.sh). On the
 * bundled real traces no client is named (Azure: µs clocks, 0 % of gaps at 0 ticks). Ids are
 * left out when `anonymized` (stderr of a sharing run names no tenant).
 */
export function batchClientsNote(summaries: TraceSummaries, anonymized = false): string | undefined {
  if (!(summaries.resolution <= FINE_CLOCK)) return undefined;
  const by = new Map<string, { zero: number; gaps: number }>();
  for (const a of summaries.arrivals) {
    let e = by.get(a.client);
    if (!e) by.set(a.client, (e = { zero: 0, gaps: 0 }));
    e.zero += a.quant.get(0) ?? 0;
    e.gaps += a.gaps;
  }
  const batchy = [...by]
    .filter(([, e]) => e.gaps >= MIN_GAPS && e.zero >= BATCH_SHARE * e.gaps)
    .sort((x, y) => y[1].gaps - x[1].gaps || (x[0] < y[0] ? -1 : 1));
  if (batchy.length === 0) return undefined;
  const one = ([id, e]: [string, { zero: number; gaps: number }]) => {
    // Runs of 0-tick gaps: a batch of k requests has k − 1 of them, and one gap before it.
    const size = e.gaps > e.zero ? 1 + e.zero / (e.gaps - e.zero) : e.zero + 1;
    return `${anonymized ? 'a client' : `client ${JSON.stringify(id)}`}, ${((100 * e.zero) / e.gaps).toFixed(0)} % of its gaps 0, about ${size.toFixed(0)} requests at one instant`;
  };
  const named = batchy.slice(0, 3).map(one).join('; ');
  const more = batchy.length > 3 ? `; and ${batchy.length - 3} more` : '';
  return `note: ${batchy.length} client${batchy.length === 1 ? ' sends' : 's send'} requests in batches at the ${summaries.resolution} s clock (${named}${more}): a profile draws gaps one at a time and makes no exact batches, so traces generated from it spread them out and need fewer serving slots (README, Validating fidelity; examples/batch-client.sh)`;
}
