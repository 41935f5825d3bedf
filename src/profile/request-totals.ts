import type { Profile, ProfileClient } from './schema.js';

/**
 * Requests a client's arrival windows give over the span: Σ rate × the seconds of its window
 * inside [span.start, span.end] — how `fit` and `import-servegen` set a client's `requests`
 * (equal to the request in every profile they write: the three upstream pools and fits of the
 * bundled traces were checked).
 */
export function requestsFromRates(profile: Profile, client: ProfileClient): number {
  const W = profile.windows.arrival_seconds;
  const { start, end } = profile.span;
  let total = 0;
  for (const w of client.arrivals) total += w.rate * Math.max(0, Math.min(w.start + W, end) - Math.max(w.start, start));
  return total;
}

/** A client whose `requests` disagrees with its windows' rates. */
export interface StaleRequests {
  id: string;
  requests: number;
  fromRates: number;
}

/**
 * Clients whose `requests` is off requestsFromRates by more than 1 request and 1 %: rates edited
 * by hand and `requests` left as it was (found by a receiver's review, h-104: a client's rates
 * ×10 and `inspect` still said 400 requests and a 75.5 % share, and `--clients top:K` ranks by
 * `requests`). A level client's `levels.rates` do not enter (its windows' rates are the log's).
 */
export function staleRequestCounts(profile: Profile): StaleRequests[] {
  const out: StaleRequests[] = [];
  for (const c of profile.clients) {
    const fromRates = requestsFromRates(profile, c);
    // A total no double holds is a rate out of range, which generate refuses on its own.
    if (Number.isFinite(fromRates) && Math.abs(fromRates - c.requests) > Math.max(1, 0.01 * c.requests)) out.push({ id: c.id, requests: c.requests, fromRates });
  }
  return out;
}

/** The note the CLI prints for staleRequestCounts; undefined when there are none. */
export function staleRequestsNote(profile: Profile): string | undefined {
  const stale = staleRequestCounts(profile);
  if (stale.length === 0) return undefined;
  const shown = stale.slice(0, 5).map((s) => `${JSON.stringify(s.id)} has requests ${s.requests}, its windows' rates give ${Math.round(s.fromRates)}`);
  return `note: ${stale.length} client${stale.length === 1 ? "'s" : "s'"} "requests" disagree${stale.length === 1 ? 's' : ''} with ${stale.length === 1 ? 'its' : 'their'} arrival windows' rates (edited by hand?): ${shown.join('; ')}${stale.length > 5 ? '; …' : ''}. generate draws from the rates; inspect's request counts and shares and --clients top:K go by "requests": set it to the rates' total (docs/profile-format.md, Editing a profile by hand)`;
}
