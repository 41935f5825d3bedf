import { windowGrid } from './window-grid.js';
import { ProfileError } from './errors.js';
import { createHash, randomBytes } from 'node:crypto';
import { createRng, type Rng } from '../stats/rng.js';
import type { LengthField, Profile, ProfileClient } from './schema.js';
import { cos, log, sin } from '../stats/det-math.js';

export interface AnonymizeOptions {
  /** Keep only the weekday and hour (UTC) of the origin, for diurnal/weekly alignment. */
  keepCalendar?: boolean;
  /** Laplace noise with scale 1/ε on every PMF count (ε-differential privacy per count). */
  dpEpsilon?: number;
  /**
   * Seed of the DP noise. Without one the noise comes from a fresh random seed: noise drawn
   * from a known seed (such as a default) can be regenerated and subtracted by anyone.
   */
  seed?: number | bigint | string;
}

/** `provenance.created` of an anonymized profile: the Unix epoch, not when it was made. */
export const CREATED_ANONYMIZED = '1970-01-01T00:00:00.000Z';

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Laplace(0, b) by inverse CDF. */
function laplace(rng: Rng, b: number): number {
  const u = rng.nextOpen() - 0.5;
  return -b * Math.sign(u) * log(1 - 2 * Math.abs(u));
}

function noisyPmf(pmf: LengthField['pmf'], rng: Rng, eps: number): LengthField['pmf'] {
  const noisy = (xs: number[], integer: boolean) =>
    xs.map((c) => {
      const v = c + laplace(rng, integer ? 1 / eps : 1 / eps / 1000);
      return integer ? Math.max(0, Math.round(v)) : Math.max(0, v);
    });
  const out: LengthField['pmf'] = { values: pmf.values };
  if (pmf.counts) out.counts = noisy(pmf.counts, true);
  if (pmf.probs) out.probs = noisy(pmf.probs, false);
  if (pmf.bins) {
    out.bins = { lo: pmf.bins.lo, hi: pmf.bins.hi };
    if (pmf.bins.counts) out.bins.counts = noisy(pmf.bins.counts, true);
    if (pmf.bins.probs) out.bins.probs = noisy(pmf.bins.probs, false);
  }
  // Keep at least one unit of mass so the PMF stays valid.
  const mass = [...(out.counts ?? out.probs ?? []), ...(out.bins?.counts ?? out.bins?.probs ?? [])].reduce((a, b) => a + b, 0);
  if (!(mass > 0)) return pmf.counts ? { values: [pmf.values[0] ?? 0], counts: [1] } : pmf;
  return out;
}

/**
 * A daily cycle's start (the UTC clock's hour at or before the span's start, once shifted: minus
 * the start's minutes and seconds past the hour) moved up to the arrival windows' grid. Generation
 * reads a cycle's factor at window starts only (dailyAt, dailyBoundaries), and its bins are whole
 * windows (an hour, or 10-minute bins at 600 s windows), so every window keeps its bin: the traces
 * drawn are the same. Found by the privacy audit (h-86): `-2231` published that the log started
 * 37 min 11 s past an hour; now `-1800` says no more than the windows' grid does (30–40 min past).
 */
function onWindowGrid(start: number, W: number): number {
  return Math.ceil(start / W - 1e-9) * W + 0; // (+ 0: never -0)
}

/**
 * Refuses a profile whose times do not count from its first request's whole second, as
 * `fit --anonymize` counts them (it fits the log rebased there, rebaseToFirstSecond): a fit of
 * the log's own times keeps its windows on the clock's grid — the span, starting at the first
 * request's whole second (profileSpanStart), that far into its first arrival window, the length
 * windows that far from its start — and moved to 0 the profile published that offset: the log's
 * start past the clock's 10 minutes and 6 hours, to the second (found by review, h-98: a log from
 * 1 700 000 110.3 s gave `span.start` 310 and length windows from −15 000 s). The windows cannot
 * be moved without the rows; the CLI refuses summaries so counted for the same reason
 * (refuseLengthGridPhase). Windows under a second start the span at their boundary inside the
 * first second, its length windows at that second: within 1 s of span.start.
 * @throws ProfileError naming the field and the fit to make instead
 */
function checkCountsFromFirstSecond(p: Profile, grid: number): void {
  const { start } = p.span;
  const remedy = 'fit the log counted from its first request\'s whole second, as `fit --anonymize` does: fit.fitIngested({ ...source, trace: ingest.rebaseToFirstSecond(source.trace) }) (or summaries made without `--origin`), then anonymize that profile';
  const into = start - grid;
  if (into > 1e-9 * Math.max(1, Math.abs(start))) {
    throw new ProfileError(
      `anonymizeProfile: span.start ${start} is ${Number(into.toPrecision(12))} s into its first arrival window (from ${grid}): the windows are on the grid of the log's clock, and the anonymized profile would publish that offset (the log's start past the clock's ${p.windows.arrival_seconds} s); ${remedy}`,
      undefined,
      'span.start',
    );
  }
  const L = p.windows.length_seconds;
  for (const [i, c] of p.clients.entries()) {
    for (const [j, w] of c.lengths.entries()) {
      const rel = w.start - start;
      const d = ((rel % L) + L) % L;
      if (Math.min(d, L - d) < 1) continue;
      throw new ProfileError(
        `anonymizeProfile: a length window starts ${Number(Math.abs(rel).toPrecision(12))} s ${rel < 0 ? 'before' : 'after'} span.start (at ${w.start}; span.start ${start}), not a whole number of length windows (${L} s) from it: they are on the grid of the log's clock, and the anonymized profile would publish that offset (the log's start past the clock's ${L} s); ${remedy}`,
        undefined,
        `clients[${i}].lengths[${j}].start`,
      );
    }
  }
}

/**
 * A copy of a profile that is safe to publish (issue 6): client ids replaced by ranks by volume
 * (`c0001`, …; the pooled `tail` keeps its name) with no mapping stored, absolute time removed
 * (span shifted to start at 0; origin null, or only weekday and hour with `keepCalendar`), no
 * source hash (a fingerprint of the input), optional Laplace noise on PMF counts. Pool small
 * clients before (fit --min-client-requests, default 100 with --anonymize). What was removed
 * is recorded in `provenance.options.anonymized`. Refuses (ProfileError) a profile whose times do
 * not count from its first request's whole second (checkCountsFromFirstSecond).
 */
export function anonymizeProfile(profile: Profile, options: AnonymizeOptions = {}): Profile {
  // `fit --dp-epsilon` refuses these; the library took them (found by a library audit): 0, NaN
  // added no noise yet recorded `dp_epsilon` 0 or null, a negative ε drew noise of scale 1/|ε|
  // and recorded the negative one, and a tiny ε noise of infinite scale.
  const eps = options.dpEpsilon;
  if (eps !== undefined && !(eps > 0 && Number.isFinite(eps) && Number.isFinite(1 / eps))) {
    throw new RangeError(`dpEpsilon: a finite number > 0 (the noise scale is 1/dpEpsilon; leave it out for no noise), got ${eps}`);
  }
  // The head copied deep; the clients are rebuilt below (new clients, windows and length
  // fields), their unchanged parts (models, fits, histograms) shared with `profile`, which is
  // not modified. A deep copy of every client (structuredClone of the whole profile) cost 30
  // days × 2 000 clients 13 s and 1.2 GB more peak memory than the fit without --anonymize.
  const { clients, ...head } = profile;
  const p: Profile = { ...structuredClone(head), clients };
  // Times move by the start of the first window, so the windows stay on their grid (multiples
  // of W): span.start, as a profile counted from its first request's whole second has it
  // (checkCountsFromFirstSecond).
  const shift = windowGrid(p);
  checkCountsFromFirstSecond(p, shift);
  let calendar: { weekday: string; hour: number } | undefined;
  if (options.keepCalendar && p.span.origin) {
    const d = new Date(Date.parse(p.span.origin) + shift * 1000);
    calendar = { weekday: WEEKDAYS[d.getUTCDay()], hour: d.getUTCHours() };
  }
  // Clients of equal volume are ordered by their content, not their ids: ranks given in id
  // order told anyone who knew two tenants of equal volume which was which (found by review).
  const tieKeys = new Map<ProfileClient, string>();
  const tieKey = (c: ProfileClient): string => {
    let k = tieKeys.get(c);
    if (k === undefined) {
      const { id: _id, ...content } = c;
      k = createHash('sha256').update(JSON.stringify(content)).digest('hex');
      tieKeys.set(c, k);
    }
    return k;
  };
  const ranked = [...p.clients].sort((a, b) => b.requests - a.requests || (a === b ? 0 : tieKey(a) < tieKey(b) ? -1 : tieKey(a) > tieKey(b) ? 1 : 0));
  // `tail` keeps its name only when it is fit's pool (or was kept by an anonymization before):
  // a client whose own id is "tail" is ranked like any other (found by review: with nothing
  // pooled, a tenant named "tail" was published under its id, and looked like a pool).
  const recorded = p.provenance.options as Record<string, unknown>;
  const tailIsPool = (typeof recorded.pooled_clients === 'number' && recorded.pooled_clients > 0) || recorded.anonymized !== undefined;
  const W = p.windows.arrival_seconds;
  let rank = 0;
  const rng = options.dpEpsilon ? createRng(options.seed ?? randomBytes(8).readBigUInt64LE()).split('dp') : undefined;
  p.clients = ranked.map((c) => {
    const id = c.id === 'tail' && tailIsPool ? 'tail' : `c${String(++rank).padStart(4, '0')}`;
    const out = { ...c, id };
    out.arrivals = c.arrivals.map((w) => ({ ...w, start: w.start - shift }));
    out.lengths = c.lengths.map((w) => {
      const fields: typeof w.fields = {};
      for (const [k, f] of Object.entries(w.fields) as [keyof typeof w.fields, LengthField][]) {
        fields[k] = rng && options.dpEpsilon ? { ...f, pmf: noisyPmf(f.pmf, rng, options.dpEpsilon) } : f;
      }
      return { ...w, start: w.start - shift, fields };
    });
    if (c.shifts) out.shifts = c.shifts.map((s) => s - shift);
    if (c.levels) {
      out.levels = { ...c.levels, starts: c.levels.starts.map((s) => s - shift) };
      if (c.levels.daily) out.levels.daily = { ...c.levels.daily, start: onWindowGrid(c.levels.daily.start - shift, W) };
    }
    return out;
  });
  p.span = { origin: null, start: p.span.start - shift, end: p.span.end - shift };
  if (p.level_shape) p.level_shape = { ...p.level_shape, starts: p.level_shape.starts.map((s) => s - shift) };
  // How many clients `tail` pools is not published: with one, `tail` is that client alone,
  // singled out by the count (found by review: `pooled_clients: 1` beside a `tail` of 12
  // requests was one small tenant's windows and lengths, said to be one).
  // Nor how many files or summaries were read (the log's layout: one per day, per gateway host…).
  const { pooled_clients: _pooled, inputs: _inputs, summaries: _summaries, ...kept } = p.provenance.options as Record<string, unknown>;
  p.provenance = {
    ...p.provenance,
    // When the profile was made bounds when its log was taken (fitted the same day, most
    // often): an absolute time kept to the millisecond (found by review). The Unix epoch.
    created: CREATED_ANONYMIZED,
    source_sha256: null,
    source: p.provenance.source ? { kind: p.provenance.source.kind } : undefined,
    options: {
      ...kept,
      anonymized: {
        client_ids: 'replaced by ranks by volume; no mapping kept',
        pooled_clients: 'removed (how many clients "tail" pools)',
        inputs: 'removed (how many files or summaries were read)',
        origin: calendar ? `removed; kept weekday ${calendar.weekday} and hour ${calendar.hour} UTC of the span start` : 'removed; times start at 0',
        calendar: calendar ?? null,
        source_sha256: 'removed',
        created: 'removed (set to the Unix epoch)',
        dp_epsilon: options.dpEpsilon ?? null,
      },
    },
  };
  if (p.provenance.source === undefined) delete p.provenance.source;
  if (p.aggregate && typeof p.aggregate === 'object') {
    // The aggregate model is in the profile's time: re-express it at the shifted origin — the
    // trend's intercept, and the 24 h / 12 h terms' phase (c·cos ω(t + Δ) + s·sin ω(t + Δ) in t;
    // found by review: only the intercept moved, so the daily shape drifted by the shift).
    const a = p.aggregate as { params?: { a: number; b: number; c24?: number; s24?: number; c12?: number; s12?: number } };
    if (a.params) {
      const q = { ...a.params, a: a.params.a + a.params.b * shift };
      const rephase = (c: number, s: number, period: number): [number, number] => {
        const phi = (2 * Math.PI * shift) / period;
        return [c * cos(phi) + s * sin(phi), s * cos(phi) - c * sin(phi)];
      };
      if (q.c24 !== undefined && q.s24 !== undefined) [q.c24, q.s24] = rephase(q.c24, q.s24, 86400);
      if (q.c12 !== undefined && q.s12 !== undefined) [q.c12, q.s12] = rephase(q.c12, q.s12, 43200);
      a.params = q;
    }
  }
  return p;
}
