import { ProfileError } from '../profile/errors.js';
import type { Profile, ProfileClient } from '../profile/schema.js';

/** A rate or rate factor generation multiplies by: a finite number ≥ 0. */
const isRate = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * Refuses a profile whose rates generation cannot draw from: every number a client's rate is
 * made of (its windows' `rate`, a level client's `levels.rates` and daily `factors`, the
 * profile's `level_shape.factors`) must be a finite number ≥ 0; of the clients `chosen` (the
 * run's: a client left out draws nothing), named by their index in the profile. A profile read from a file
 * was checked by its schema (readProfile), but one built or edited in memory was not: a rate
 * of NaN or −1 (an edit gone wrong, `rate * undefined`) generated no request from that client
 * without a word, and a rate of "2" (a string) was taken as 2 req/s (found by using the
 * installed package as a library). O(windows): no full schema check (profile.validateProfile,
 * 0.2 s for the 15 MB m-small pool) on every run.
 * @throws ProfileError whose `where` is the JSON path of the first bad value (file `<profile>`).
 */
export function checkProfileRates(profile: Pick<Profile, 'clients' | 'level_shape'>, chosen: ReadonlySet<ProfileClient> = new Set(profile.clients)): void {
  const bad = (where: string, v: unknown): never => {
    const got = typeof v === 'number' || v === undefined || v === null ? String(v) : `${JSON.stringify(v)} (a ${typeof v})`;
    throw new ProfileError(`<profile>: ${where}: expected a finite number ≥ 0 (requests/s, or a factor of them), got ${got}; check the edit that made it (profile.validateProfile checks a whole profile)`, '<profile>', where);
  };
  const factors = profile.level_shape?.factors;
  if (factors) for (let i = 0; i < factors.length; i++) if (!isRate(factors[i])) bad(`level_shape.factors[${i}]`, factors[i]);
  profile.clients.forEach((c, ci) => {
    if (!chosen.has(c)) return;
    const arrivals = c.arrivals;
    for (let i = 0; i < arrivals.length; i++) if (!isRate(arrivals[i].rate)) bad(`clients[${ci}].arrivals[${i}].rate`, arrivals[i].rate);
    if (!c.levels) return;
    const { rates, daily } = c.levels;
    for (let i = 0; i < rates.length; i++) if (!isRate(rates[i])) bad(`clients[${ci}].levels.rates[${i}]`, rates[i]);
    if (daily) for (let i = 0; i < daily.factors.length; i++) if (!isRate(daily.factors[i])) bad(`clients[${ci}].levels.daily.factors[${i}]`, daily.factors[i]);
  });
}
