import { didYouMean } from '../io/json-text.js';
import type { Profile, ProfileClient } from './schema.js';

/**
 * A copy of `profile` in which each client named in `factors` is drawn at `factor` × its rate:
 * its windows' `rate` and, for a level client (README, Sparse clients), its `levels.rates`,
 * which generation draws it at in place of its windows' rates — multiplying `arrivals[].rate`
 * alone left such a client's requests as they were, without a word (found by using the
 * installed package as a library: BurstGPT's GPT-4 conversation client, 89 requests at ×1 and
 * at ×2). Shapes (CV, families, gap memory, batches, sessions, lengths) are kept, as `--rate
 * scale:K` keeps them for every client; `requests` stays the source's count (`clients: { top }`
 * ranks by it, and batch sizes are checked against it). `profile` is not modified; clients not
 * named are shared with it. A factor of 0 leaves the client in, drawing nothing; to drop one,
 * filter `clients` (or give generate `clients: { ids }`).
 * @example scaleClientRates(profile, { 'tenant-0001': 2, 'tenant-0007': 0.5 })
 * @throws RangeError naming a factor that is not a finite number ≥ 0, or an id the profile lacks.
 */
export function scaleClientRates(profile: Profile, factors: Readonly<Record<string, number>>): Profile {
  const ids = new Set(profile.clients.map((c) => c.id));
  for (const [id, k] of Object.entries(factors)) {
    if (!ids.has(id)) {
      const listed = profile.clients.slice(0, 5).map((c) => JSON.stringify(c.id)).join(', ');
      throw new RangeError(`scaleClientRates: no client ${JSON.stringify(id)} in the profile${didYouMean([id], [...ids])} (its ${ids.size} client id${ids.size === 1 ? '' : 's'}: ${listed}${ids.size > 5 ? ', …' : ''})`);
    }
    if (typeof k !== 'number' || !Number.isFinite(k) || k < 0) throw new RangeError(`scaleClientRates: the factor of client ${JSON.stringify(id)} must be a finite number ≥ 0, got ${typeof k === 'number' ? k : JSON.stringify(k)}`);
  }
  const scaled = (c: ProfileClient, k: number): ProfileClient => ({
    ...c,
    arrivals: c.arrivals.map((w) => ({ ...w, rate: w.rate * k })),
    ...(c.levels ? { levels: { ...c.levels, rates: c.levels.rates.map((r) => r * k) } } : {}),
  });
  return { ...profile, clients: profile.clients.map((c) => (Object.hasOwn(factors, c.id) ? scaled(c, factors[c.id]) : c)) };
}
