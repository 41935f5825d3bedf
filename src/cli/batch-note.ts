import { batchClients, type BatchCounts } from '../fit/batches.js';
import type { TraceSummaries } from '../summary/types.js';

/**
 * A note naming the clients fitted as batch clients — most of their gaps 0 at a fine clock (a
 * batch job, a fan-out: 50 requests at one millisecond) — whose profiles draw instants and a
 * batch size for each (`clients[].batches`, src/fit/batches.ts; examples/batch-client.sh). On
 * the bundled real traces no client is named (Azure: µs clocks, no two requests of a client at
 * one instant). Ids are left out when `anonymized` (stderr of a sharing run names no tenant).
 */
export function batchClientsNote(summaries: TraceSummaries, anonymized = false): string | undefined {
  const batchy = [...batchClients(summaries)].sort((x, y) => y[1].gaps - x[1].gaps || (x[0] < y[0] ? -1 : 1));
  if (batchy.length === 0) return undefined;
  const one = ([id, e]: [string, BatchCounts]) => {
    // Requests per instant: each instant's requests but its first are its 0-gaps, so there are
    // n − zeros instants — the mean of the fitted batches.sizes. (1 + zeros / (gaps − zeros),
    // used before, leaves out the first instant and counts a gap before each window after a
    // pause: 10 instants of 50 were "about 55"; found by review.)
    const size = e.n / (e.n - e.zeros);
    return `${anonymized ? 'a client' : `client ${JSON.stringify(id)}`}, ${((100 * e.zeros) / e.gaps).toFixed(0)} % of its gaps 0, about ${size.toFixed(0)} requests at one instant`;
  };
  const named = batchy.slice(0, 3).map(one).join('; ');
  const more = batchy.length > 3 ? `; and ${batchy.length - 3} more` : '';
  return `note: ${batchy.length} client${batchy.length === 1 ? ' sends' : 's send'} requests in batches at the ${summaries.resolution} s clock (${named}${more}): fitted with their requests per instant (clients[].batches), their windows describe the gaps between instants`;
}
