import type { Profile, ProfileClient, ArrivalWindow } from '../profile/schema.js';
import { countsForPeak, windowGrid } from '../profile/window-grid.js';
import { HashIdStream } from './prefix-stream.js';
import { prefixModelOf } from './prefix-section.js';
import { createRng, type Rng } from '../stats/rng.js';
import { normalCdf } from '../stats/normal.js';
import { GenerateError } from './errors.js';
import { describeRateSpec, meanRateOver, rateAt, type RateSpec } from './rate-function.js';
import { PmfSampler } from '../stats/pmf.js';
import { unitGapSampler, type ShapeSource, type UnitGapSampler } from './arrival-sampler.js';
import { GapMemoryState } from './gap-memory-state.js';
import { ClientLengthSampler, clearLengths, lengthColumnsOf, sampleLengths } from './length-sampler.js';
import { SessionAssigner, sessionModelOf } from './session-sampler.js';
import { dailyBoundaries, levelAt, levelRateAt, levelsWindow } from './levels.js';
import { LENGTH_COLUMNS, type LengthBuffers, type LengthColumn, type TraceBatch, defineSessionTexts } from '../io/trace-schema.js';
import { checkProfileRates } from './profile-rates.js';

/** Options of one generation run. Times in seconds. */
export interface GenerateOptions {
  /** Start of the generated span, seconds from the profile's origin (`--start`). */
  start: number;
  /** Seconds to generate (`--duration`). */
  duration: number;
  /** The rate function (`--rate`; parseRateSpec('scale:1') reads the flag's text). */
  rate: RateSpec;
  /** Same seed, profile and options → the same requests (`--seed`). */
  seed: number | bigint | string;
  /** Restrict to these clients (ids), or the top-K by request volume (`--clients id1,id2` or `top:K`). */
  clients?: { ids: string[] } | { top: number };
  /** Each window's gap shape (`--shape`): 'cv' (default) matches the window's CV, 'params' keeps the fitted shape as stored. */
  shapeSource?: ShapeSource;
  /** Sample windows' empirical gap distributions where the profile has them (default true; no flag: the CLI always does). */
  useEmpirical?: boolean;
  /** Refuse (GenerateError) a run expected to produce more requests than this (`--max-requests`; default: no limit, GENERATE_DEFAULTS.maxRequests in defaultGenerateOptions). */
  maxRequests?: number;
  /** Expected requests per batch at most (default BATCH_TARGET); the requests do not depend on it. */
  batchTarget?: number;
  /**
   * Label arrivals with sessions (`session_id`, `turn`) for clients whose profile has session
   * statistics (default true; false: `--no-sessions`). Times and lengths are the same either way.
   */
  sessions?: boolean;
  /** Draw gaps with the serial dependence of clients that have `gap_memory` (default true); false: independent gaps (`--no-gap-memory`). */
  gapMemory?: boolean;
  /**
   * Give requests `hash_ids` (their prompt's block ids) for clients whose profile has a `prefix`
   * section (default true; false: none, `generate --no-prefix`).
   */
  prefix?: boolean;
  /**
   * Exact repeats (default false; `generate --exact-repeats`): a request drawn to share all its
   * n blocks with an earlier one takes the prompt length those blocks have there (its text input
   * moves by under one block), so it shares its partial last block too and hits a prefix cache
   * whole, as an earlier prompt asked again does (Mooncake logs: 5.3 % and 1.0 % of requests).
   * Off, a block keeps one size, so such a request shares all but its last block (whole-prompt
   * hits 0.0–0.2 %), and times and lengths are the same with and without hash_ids (`prefix:
   * false`). On, the input lengths of such requests depend on the ids: not the same without them.
   */
  exactRepeats?: boolean;
  /** Gamma quantiles of gaps with memory from shared tables (default true; false: every quantile exact, for benchmarks). */
  quantileTables?: boolean;
}

/**
 * Expected requests per generated batch at most: a window expected to hold more is generated
 * in equal sub-intervals of time, each merged and yielded on its own, so memory stays bounded
 * whatever the rate. The requests are the same as in one pass over the window.
 */
export const BATCH_TARGET = 1 << 20;

/** Refuses a run whose expected size is above `options.maxRequests`. */
export function checkExpectedRequests(expected: number, options: GenerateOptions): void {
  const max = options.maxRequests;
  if (max !== undefined && expected > max) {
    throw new GenerateError((n) =>
      // A rate past what a double holds (a profile's window rate of 1e308, --rate scale:1e300)
      // said "about Infinity requests … raise --max-requests" (found by the bad-input audit).
      Number.isFinite(expected)
        ? `${n.rate} ${describeRateSpec(options.rate)} over ${options.duration} s is expected to give about ${expected.toPrecision(3)} requests, above the limit of ${max} (${n.maxRequests}); lower the rate or duration, or raise ${n.maxRequests}`
        : `${n.rate} ${describeRateSpec(options.rate)} over ${options.duration} s is expected to give more requests than a number holds: a rate in the profile or in ${n.rate} is out of range`,
    );
  }
}

/**
 * Refuses options no flag of `servegen generate` could give, which a library caller can: a
 * `start` of NaN or Infinity (it was told the span was "below the resolution of times that
 * large"), an infinite `duration` (told a rate was out of range), `clients: { top: 1.5 }`
 * (taken as top:1), a `maxRequests` of NaN (no limit at all), a `batchTarget` below 1 (0
 * planned infinitely many parts of a window: the run never ended) and a `shapeSource` that is
 * neither 'cv' nor 'params' (taken as 'params'). Found by the generation audit (h-85).
 * @throws GenerateError naming the option.
 */
export function checkGenerateOptions(options: GenerateOptions): void {
  const shown = (v: unknown) => (typeof v === 'number' ? String(v) : JSON.stringify(v) ?? String(v));
  if (typeof options.start !== 'number' || !Number.isFinite(options.start)) throw new GenerateError((n) => `${n.start}: expected a finite number of seconds from the profile's origin, got ${shown(options.start)}`);
  if (typeof options.duration !== 'number' || !(options.duration > 0) || !Number.isFinite(options.duration)) throw new GenerateError((n) => `${n.duration}: expected a finite number of seconds > 0, got ${shown(options.duration)}`);
  const c = options.clients;
  if (c && 'top' in c && !(Number.isInteger(c.top) && c.top >= 1)) throw new GenerateError((n) => `${n.clients} top:K needs a whole number K ≥ 1, got ${shown(c.top)}`);
  const max = options.maxRequests;
  if (max !== undefined && !(typeof max === 'number' && max >= 0)) throw new GenerateError((n) => `${n.maxRequests}: expected a number ≥ 0, got ${shown(max)}`);
  const bt = options.batchTarget;
  if (bt !== undefined && !(typeof bt === 'number' && bt >= 1 && Number.isFinite(bt))) throw new GenerateError(`batchTarget: expected a finite number ≥ 1 of requests, got ${shown(bt)}`);
  const shape = options.shapeSource;
  if (shape !== undefined && shape !== 'cv' && shape !== 'params') throw new GenerateError(`shapeSource: expected 'cv' or 'params', got ${shown(shape)}`);
  // A seed of 1.5 was a RangeError ("seed must be a safe integer"), not the GenerateError the
  // other options give; one left out drew from the hash of "undefined" without a word (found by
  // using the library, h-102). (`servegen generate --seed` checks its text before.)
  const seed = options.seed;
  if (!(typeof seed === 'string' || typeof seed === 'bigint' || Number.isSafeInteger(seed))) throw new GenerateError(`seed: expected a whole number (a safe integer), a bigint or a string, got ${typeof seed === 'bigint' ? String(seed) : shown(seed)}`);
  checkRateSpec(options.rate);
}

/**
 * A RateSpec built by hand (not by parseRateSpec): a rate of −5 or NaN gave an empty trace
 * without a word, and the text 'constant:100' in place of a spec "unknown rate spec".
 */
function checkRateSpec(spec: RateSpec): void {
  const kind = (spec as { kind?: unknown } | undefined)?.kind;
  const bad = (what: string) => new GenerateError((n) => `${n.rate}: ${what}`);
  if (typeof spec !== 'object' || spec === null || !['constant', 'scale', 'peak', 'points'].includes(kind as string)) {
    throw bad(`expected a RateSpec ({ kind: 'constant' | 'scale' | 'peak' | 'points', … }, as parseRateSpec('constant:100') gives), got ${JSON.stringify(spec) ?? String(spec)}`);
  }
  const value = (v: unknown, name: string) => {
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw bad(`${kind} ${name}: expected a finite number ≥ 0, got ${typeof v === 'number' ? String(v) : JSON.stringify(v) ?? String(v)}`);
  };
  if (spec.kind === 'scale') value(spec.factor, 'factor');
  else if (spec.kind !== 'points') value(spec.rate, 'rate');
  else {
    const { times, rates } = spec;
    if (!Array.isArray(times) || !Array.isArray(rates) || times.length === 0 || times.length !== rates.length) throw bad('points: expected times and rates of one length ≥ 1');
    times.forEach((t, i) => {
      if (typeof t !== 'number' || !Number.isFinite(t) || (i > 0 && !(t > times[i - 1]))) throw bad(`points: times[${i}] is ${String(t)}: times must be finite and strictly increase`);
      value(rates[i], `rates[${i}]`);
    });
  }
}

/** Generated requests: a trace batch whose timestamps are seconds from the generated span's start. */
export type RequestBatch = TraceBatch;

/** What a run will produce: known before the first batch (writers need the columns). */
export interface GenerationPlan {
  clientIds: string[];
  columns: LengthColumn[];
  clientsWithoutLengths: string[];
  /** Chosen clients left out because they have no length data while others have (clientsToDraw). */
  clientsLeftOut: string[];
  /** Slots (arrival windows) with a positive target rate but no client rate to share it. */
  emptySlots: number;
  /** Expected number of requests (rate × time summed over windows; the actual count is random). */
  expectedRequests: number;
  /** Clients whose arrivals are labelled with sessions (batches then carry `session_id` and `turn`). */
  sessionClients: string[];
  /** Clients whose gaps are drawn with their profile's gap memory. */
  memoryClients: string[];
  /** Clients whose requests get hash_ids (their profile's prefix section); batches then carry `hashIds`. */
  prefixClients: string[];
  /**
   * Cluster clients drawn at a rate their clusters do not fit (a cycle shorter than their
   * spread: the gaps inside their clusters scaled down to keep the rate), in the order met;
   * filled as the batches are drawn.
   */
  squeezedClusterClients: string[];
  /** Tokens per hash_ids block (the prefix clients'; undefined without any). */
  blockTokens?: number;
  /** Clients with a prefix section but no prompt length (input, image, audio or video tokens) to count their blocks from: their requests get no hash_ids. */
  prefixWithoutPrompts?: string[];
  batches: Iterable<RequestBatch>;
}

/** Picks the clients a run uses. */
export function selectClients(profile: Profile, filter: GenerateOptions['clients']): ProfileClient[] {
  if (!filter) return profile.clients;
  if ('top' in filter) {
    if (!(filter.top >= 1)) throw new GenerateError((n) => `${n.clients} top:K needs K ≥ 1`);
    return [...profile.clients].sort((a, b) => b.requests - a.requests || (a.id < b.id ? -1 : 1)).slice(0, filter.top);
  }
  const byId = new Map(profile.clients.map((c) => [c.id, c]));
  // An id listed twice is one client: generated twice it gave every request twice, identical
  // (both copies draw from the stream split by its id) — found by review.
  return [...new Set(filter.ids)].map((id) => {
    const c = byId.get(id);
    if (!c) throw new GenerateError((n) => `${n.clients}: no client ${JSON.stringify(id)} in the profile (${knownIds(profile.clients)})`);
    return c;
  });
}

/**
 * The ids one could have meant, for a --clients id that is not there (found by a new user's
 * walkthrough: it named none, so finding the right spelling took an inspect of the profile):
 * how many there are and the largest few by volume.
 */
function knownIds(clients: readonly ProfileClient[]): string {
  const top = [...clients].sort((a, b) => b.requests - a.requests || (a.id < b.id ? -1 : 1)).slice(0, 5);
  const more = clients.length > top.length ? ', …' : '';
  return `its ${clients.length} client id${clients.length === 1 ? '' : 's'}, largest first: ${top.map((c) => JSON.stringify(c.id)).join(', ')}${more}`;
}

/**
 * Whether a client's length windows have a prompt length (input, image, audio or video tokens):
 * a request's block ids are ⌈prompt / block⌉, so without one it gets none. Found by audit (h-89):
 * a log with hash_ids but no input lengths was fitted a prefix section, and generate said its
 * requests carried hash_ids while none did.
 */
function hasPromptLengths(c: ProfileClient): boolean {
  return c.lengths.some((w) => ['input_tokens', 'image_tokens', 'audio_tokens', 'video_tokens'].some((f) => f in w.fields));
}

/**
 * The share of a client's requests generation gives block ids: the profile's `prefix.share`
 * (fitted on a slice of the log), else its requests with ids over the client's requests.
 */
function prefixShareOf(c: ProfileClient): number {
  return c.prefix!.share ?? c.prefix!.requests / c.requests;
}

/** True when the client has length data (a window with a field). */
function hasLengthData(c: ProfileClient): boolean {
  return c.lengths.some((w) => Object.keys(w.fields).length > 0);
}

/**
 * The clients a run draws from: when some chosen clients have length data, those without
 * any are left out (listed in `leftOut`), so the target rate goes to requests that carry
 * lengths. Upstream's generator never loads a client without a length file, so a pool's
 * `constant:R` gives R req/s to the others there too; found by the parity check
 * (scripts/upstream-reference.py): upstream's m-small keeps 57 % of its rate in 5 such
 * clients, and `constant:100` gave 41 req/s with lengths and 59 without. Clients chosen with
 * no length data at all (every one without) are generated, arrivals only.
 */
export function clientsToDraw(chosen: ProfileClient[]): { clients: ProfileClient[]; leftOut: string[] } {
  const withLengths = chosen.filter(hasLengthData);
  if (withLengths.length === 0 || withLengths.length === chosen.length) return { clients: chosen, leftOut: [] };
  return { clients: withLengths, leftOut: chosen.filter((c) => !hasLengthData(c)).map((c) => c.id) };
}

/** One arrival slot in generated time: [a, b) and the profile time of its window start. */
export interface Slot {
  a: number;
  b: number;
  profileStart: number;
  /** Profile time at `a` when the slot is a piece of a window cut by a rate file (default: `profileStart`). */
  profileAt?: number;
  /** Index of the window slot the piece was cut from (pieces of one window share it). */
  window?: number;
}

/**
 * Most slots one run plans. Each takes ~150 bytes of bookkeeping before the first request, so
 * a span of billions of windows (`--duration 1e12`) exhausted the heap and crashed with V8's
 * stack trace (found by review); 10^6 windows of 600 s are 19 years.
 */
export const MAX_SLOTS = 1_000_000;

/** Pieces a sloped segment of a rate file is cut into within one window: at least 1 s each, at most this many. */
const MAX_RAMP_PIECES = 100;

/** (Just over the limit, "about 1.00e+6 … above the 1000000" read as no excess at all; found by review: the count is exact there.) */
function tooManySlots(duration: number, count: number, unit: string): GenerateError {
  return new GenerateError(
    (n) => `${n.duration} ${duration} s needs ${count < 1e7 ? count : `about ${count.toPrecision(3)}`} ${unit}, above the ${MAX_SLOTS} one run can plan; generate a shorter span (several runs with ${n.start})`,
  );
}

const DAY = 86_400;

/**
 * How the profile repeats past its span. `windows`: the period, in arrival windows — its span
 * rounded up to whole windows, and, for a span of a day or more when a day is a whole number of
 * windows, further up to whole days (so the repeats stay in step with the clock); `fromDayBefore`:
 * the windows from there to the period's end (`windows` − that count … `windows` − 1), drawn as the
 * windows a day earlier, which the span holds. Before, a 7.5-day profile repeated every 7.5 days,
 * and its clients' evenings (windows, `level_shape`, daily cycles) came 12 h later at each repeat:
 * an evening client drew 0.57 of its requests in its evenings over the span and 0.10 in the
 * second repeat (review of session 26). `windowsPerDay`: a day in windows, 0 when the period
 * is not aligned to days (a span under a day, or windows that do not divide a day).
 */
export function repeatPlan(profile: Profile): { windows: number; fromDayBefore: number; windowsPerDay: number } {
  const W = profile.windows.arrival_seconds;
  const span = Math.max(1, Math.ceil((profile.span.end - windowGrid(profile)) / W - 1e-9));
  const perDay = Math.round(DAY / W);
  const aligned = perDay >= 1 && Math.abs(perDay * W - DAY) <= 1e-9 * DAY && span >= perDay;
  if (!aligned) return { windows: span, fromDayBefore: 0, windowsPerDay: 0 };
  const windows = Math.ceil(span / perDay) * perDay;
  return { windows, fromDayBefore: windows - span, windowsPerDay: perDay };
}

/**
 * A note for a run that goes past the profile's span when its repeats do not follow the clock
 * exactly: when the span of a day or more is padded to whole days (the hours it adds are drawn as
 * the same hours a day earlier), or, where a day is not a whole number of windows, when the
 * span's repeat moves the time of day (not whole days to within a second).
 */
export function repeatShiftNote(profile: Profile, start: number, duration: number): string | undefined {
  const W = profile.windows.arrival_seconds;
  const plan = repeatPlan(profile);
  const span = (plan.windows - plan.fromDayBefore) * W;
  const s0 = windowGrid(profile);
  if (start >= s0 && start + duration <= s0 + span) return undefined;
  const hours = (x: number) => `${(x / 3600).toFixed(x < 36_000 ? 2 : 1)} h`;
  if (plan.fromDayBefore > 0) {
    return `note: the run goes past the profile's span (${(span / DAY).toFixed(2)} days), which repeats every ${plan.windows * W / DAY} days to stay in step with the clock: the ${hours(plan.fromDayBefore * W)} after the span's end in each repeat are drawn as the same hours a day earlier`;
  }
  if (plan.windowsPerDay > 0 || span < DAY - 1) return undefined;
  const shift = span % DAY;
  if (Math.min(shift, DAY - shift) < 1) return undefined;
  return `note: the run goes past the profile's span, which repeats every ${span} s (${(span / DAY).toFixed(2)} days), so at each repeat the time of day of its clients' rates (windows, level_shape, daily cycles) moves ${shift <= DAY / 2 ? `${hours(shift)} later` : `${hours(DAY - shift)} earlier`} (its ${W} s windows do not divide a day, so the repeat cannot be padded to whole days)`;
}

/**
 * A note for a run longer than a profile spanning less than a day: it is the profile's span over
 * and over, which nothing said (found by a new user's walkthrough, h-77: a day generated from the
 * hour-long Azure conv profile came out as 24 copies of that hour, with no daily cycle, silently).
 */
export function shortSpanNote(profile: Profile, duration: number): string | undefined {
  const period = repeatPlan(profile).windows * profile.windows.arrival_seconds;
  if (period >= DAY - 1 || !(duration > period)) return undefined;
  const hours = (x: number) => `${Number((x / 3600).toPrecision(3))} h`;
  return `note: the profile spans ${hours(profile.span.end - profile.span.start)}, repeated every ${hours(period)}: the ${hours(duration)} run draws it ${Number((duration / period).toPrecision(3))} times over, with no rise and fall of load the profile did not see (a daily cycle needs a profile fitted from a day or more)`;
}

/**
 * Slots covering [start, start + duration), aligned to the profile's arrival windows.
 * Past the profile's span the profile repeats (`repeatPlan`: the span, padded to whole days
 * with the day before its end when it is a day or more).
 */
export function slotsFor(profile: Profile, start: number, duration: number): Slot[] {
  const W = profile.windows.arrival_seconds;
  const s0 = windowGrid(profile);
  const L = profile.span.end - profile.span.start;
  if (!(L > 0)) throw new GenerateError('profile span is empty (span.end ≤ span.start)');
  if (!(duration > 0)) throw new GenerateError((n) => `${n.duration} must be > 0, got ${duration}`);
  const end = start + duration;
  const count = Math.ceil(duration / W) + 1;
  if (count > MAX_SLOTS) throw tooManySlots(duration, count, `arrival windows of ${W} s`);
  if (!(end > start) || !(end - start > 0.5 * duration)) {
    throw new GenerateError((n) => `${n.start} ${start} with ${n.duration} ${duration}: the span is below the resolution of times that large; give a smaller ${n.start}`);
  }
  const slots: Slot[] = [];
  // The profile repeats every whole number of windows; window indices wrap as integers so
  // starts stay exact multiples of W, and those past the span are taken a day earlier.
  const { windows: period, fromDayBefore, windowsPerDay } = repeatPlan(profile);
  const inSpan = period - fromDayBefore;
  let a = start;
  while (a < end) {
    const rel = a - s0;
    const k = Math.floor(rel / W + 1e-9);
    const b = Math.min(end, s0 + (k + 1) * W);
    let wrapped = ((k % period) + period) % period;
    if (wrapped >= inSpan) wrapped -= windowsPerDay;
    const profileStart = s0 + wrapped * W;
    // A slot from inside its window (a --start there, or span.start): its profile time at `a`.
    const into = a - (s0 + k * W);
    slots.push(into > 1e-9 * Math.max(1, Math.abs(a)) ? { a, b, profileStart, profileAt: profileStart + into } : { a, b, profileStart });
    a = b;
  }
  return slots;
}

/**
 * Cuts slots where a rate file's curve bends, and sloped segments into pieces of ≥ 1 s (at
 * most MAX_RAMP_PIECES per segment and window), so the aggregate follows the piecewise-linear
 * curve within a window instead of its mean over the window (found by review: a burst of
 * 100 req/s for 60 s was spread over its whole 600 s window). Other rate specs: slots unchanged.
 */
export function cutSlotsAtRate(slots: Slot[], spec: RateSpec, start: number, duration: number): Slot[] {
  if (spec.kind !== 'points') return slots; // one slot per window: its index is its window
  const times = spec.times.map((t) => t + start);
  const out: Slot[] = [];
  let j = 0;
  slots.forEach((s, window) => {
    const at0 = s.profileAt ?? s.profileStart;
    const cuts = [s.a];
    while (j < times.length && times[j] <= s.a) j++;
    for (let k = j; k < times.length && times[k] < s.b; k++) cuts.push(times[k]);
    cuts.push(s.b);
    for (let i = 0; i + 1 < cuts.length; i++) {
      const a = cuts[i];
      const b = cuts[i + 1];
      const sloped = rateAt(spec, a - start) !== rateAt(spec, b - start);
      const n = sloped ? Math.max(1, Math.min(MAX_RAMP_PIECES, Math.ceil(b - a))) : 1;
      for (let p = 0; p < n; p++) {
        const pa = p === 0 ? a : a + ((b - a) * p) / n;
        const pb = p === n - 1 ? b : a + ((b - a) * (p + 1)) / n;
        out.push({ a: pa, b: pb, profileStart: s.profileStart, profileAt: at0 + (pa - s.a), window });
      }
      if (out.length > MAX_SLOTS) throw tooManySlots(duration, out.length, 'pieces of windows to follow the rate file');
    }
  });
  return out;
}

/**
 * The slots of a run: refuses up front a span too long to plan — by the size guard when the
 * run would be above --max-requests anyway (estimated from the profile's mean rate, without
 * planning), else by the slot limit — then cuts slots at the rate file's bends.
 */
export function planSlots(profile: Profile, chosen: ProfileClient[], options: GenerateOptions): Slot[] {
  const W = profile.windows.arrival_seconds;
  if (options.duration / W + 1 > MAX_SLOTS && options.maxRequests !== undefined) {
    const s0 = windowGrid(profile);
    const n = Math.max(1, Math.ceil((profile.span.end - s0) / W - 1e-9));
    // Sparse: a profile of tiny windows has far more windows in its span than it lists (found by
    // review: 1e-12 s windows over an hour, a typed array of 3.5·10^15, exit 3).
    const totals = new Map<number, number>();
    for (const c of chosen) {
      if (c.levels) continue;
      for (const w of c.arrivals) {
        const k = Math.round((w.start - s0) / W);
        if (k >= 0 && k < n && w.rate > 0) totals.set(k, (totals.get(k) ?? 0) + w.rate);
      }
    }
    // Level clients are drawn in every window at level × rhythm (their windows' rates are not
    // drawn): their summed rate is constant on pieces between level and rhythm starts, counted
    // piece by piece (their windows read the 1 % of windows that Azure conv's --window 0.01
    // profile lists, and a constant rate's estimate came out 19× short).
    const level = levelPieces(profile, chosen, n);
    let sum = level.sum;
    let max = 0;
    let active = level.windows;
    let maxAll = 0;
    for (const [k, t] of totals) {
      const r = level.at(k);
      sum += t;
      maxAll = Math.max(maxAll, t + r);
      if (countsForPeak(profile, s0 + k * W)) max = Math.max(max, t + r);
      if (t > 0 && !(r > 0)) active++;
    }
    if (max === 0) max = maxAll;
    max = Math.max(max, level.max);
    const spec = options.rate;
    const d = options.duration;
    const estimate =
      spec.kind === 'scale' ? (spec.factor * sum * d) / n
      : spec.kind === 'peak' ? (max > 0 ? (spec.rate * sum * d) / (n * max) : 0)
      : spec.kind === 'constant' ? (spec.rate * active * d) / n
      : (meanRateOver(spec, 0, d) * active * d) / n;
    checkExpectedRequests(estimate, options);
  }
  return cutSlotsAtRate(slotsFor(profile, options.start, options.duration), options.rate, options.start, options.duration);
}

/**
 * The level clients' summed rate (level × rhythm × daily factor) over windows 0..n-1 of the span,
 * as pieces of constant rate between their levels', the rhythm's and their daily bins' starts: its sum over windows, its
 * largest, the windows where it is positive, and its value in window k.
 */
function levelPieces(profile: Profile, chosen: readonly ProfileClient[], n: number): { sum: number; max: number; windows: number; at: (k: number) => number } {
  const W = profile.windows.arrival_seconds;
  const s0 = windowGrid(profile);
  const levelled = chosen.filter((c) => c.levels);
  if (levelled.length === 0) return { sum: 0, max: 0, windows: 0, at: () => 0 };
  const shape = profile.level_shape;
  const bounds = new Set<number>([0]);
  const index = (t: number) => Math.min(n, Math.max(0, Math.round((t - s0) / W)));
  for (const c of levelled) for (const t of c.levels!.starts) bounds.add(index(t));
  if (shape) for (const t of shape.starts) bounds.add(index(t));
  for (const t of dailyBoundaries(levelled, s0, s0 + n * W, W)) bounds.add(index(t));
  const starts = [...bounds].filter((k) => k < n).sort((a, b) => a - b);
  const rates = starts.map((k) => {
    const t = s0 + k * W;
    let r = 0;
    for (const c of levelled) r += levelRateAt(c.levels!, shape, t);
    return r;
  });
  let sum = 0;
  let max = 0;
  let windows = 0;
  starts.forEach((k, j) => {
    const count = (j + 1 < starts.length ? starts[j + 1] : n) - k;
    sum += rates[j] * count;
    max = Math.max(max, rates[j]);
    if (rates[j] > 0) windows += count;
  });
  // (The pieces as levels over window indices: the rate of the last piece starting at or before k.)
  const pieces = { starts, rates } as NonNullable<ProfileClient['levels']>;
  return { sum, max, windows, at: (k: number) => levelAt(pieces, k) };
}

/**
 * The index of the arrival window starting at profile time `start` (0: the first window, from
 * windowGrid), by which a slot finds its windows. Not the float of the start: fit writes a
 * window's start as k'·W from the origin and a slot's is the grid's start + k·W, which differ in
 * the last bit when W is not a whole number (found by review: 0.3 s windows from 0.3 s, 3 890 of
 * a client's 12 001 windows were never drawn and scale:1 gave 69 % of the log's requests).
 */
export function windowIndex(profile: Profile, start: number, grid: number = windowGrid(profile)): number {
  return Math.round((start - grid) / profile.windows.arrival_seconds);
}

/** Per-client lookup of the arrival window by its index (windowIndex). */
class ArrivalIndex {
  private readonly byIndex = new Map<number, ArrivalWindow>();
  constructor(profile: Profile, client: ProfileClient, grid: number = windowGrid(profile)) {
    for (const w of client.arrivals) this.byIndex.set(windowIndex(profile, w.start, grid), w);
  }
  /** One window per index (the last given) and its index. */
  entries(): IterableIterator<[number, ArrivalWindow]> {
    return this.byIndex.entries();
  }
}

interface ClientState {
  index: number;
  id: string;
  arrivals: ArrivalIndex;
  lengths: ClientLengthSampler;
  arrivalRng: Rng;
  lengthRng: Rng;
  /** Operational time (expected-arrival units) until the next arrival; NaN before the first active slot. */
  residual: number;
  /** Session labels of its arrivals (profiles with session statistics). */
  sessions?: SessionAssigner;
  /** Gap memory (the client's `gap_memory`): its latent AR(1) state, carried across slots. */
  memory?: GapMemoryState;
  /** The client's pooled gap shape (its `empirical`), for windows without their own. */
  shape?: ProfileClient['empirical'];
  /** Requests per instant (a batch client's `batches.sizes`); absent: one. */
  sizes?: PmfSampler;
  /** Gaps inside a cluster (a cluster client's `batches.within`, seconds); absent: a batch's requests at one instant. */
  within?: PmfSampler;
  /** Mean time from a cluster's first request to its last (s): (mean size − 1) · mean gap within. */
  spread: number;
  /** Requests of the cluster under way still to come (its next one at `next`, in seconds, not gap units). */
  left: number;
  /** A sparse client's rate levels (its `levels`): drawn at them in every slot, with their gap shape, not at its windows'. */
  levels?: ProfileClient['levels'];
  /** Its requests' block ids (its `prefix` section). */
  prefix?: HashIdStream;
  /**
   * Which of its requests get ids, when only some of its log's rows had them (the section's
   * `requests` below the client's): each with that share, drawn from a stream of its own (times,
   * lengths and the ids' stream stay as they are). Undefined: every request.
   */
  prefixShare?: { share: number; rng: Rng };
}

/** Growable column buffers for one slot. */
class SlotBuffer {
  n = 0;
  timestamp = new Float64Array(1024);
  client = new Int32Array(1024);
  lengths: LengthBuffers;
  /** Session number (NaN: none) and turn per row, when the run labels sessions. */
  session?: Float64Array;
  turn?: Float64Array;
  /** Per row where its hash_ids start in `ids` and how many, when the run gives hash_ids. */
  hashAt?: Int32Array;
  hashLen?: Int32Array;
  ids = new Float64Array(0);
  idsN = 0;
  constructor(
    private readonly columns: LengthColumn[],
    sessions = false,
    hashIds = false,
  ) {
    this.lengths = LENGTH_COLUMNS.map((c) => (columns.includes(c) ? new Float64Array(1024) : undefined));
    if (sessions) {
      this.session = new Float64Array(1024);
      this.turn = new Float64Array(1024);
    }
    if (hashIds) {
      this.hashAt = new Int32Array(1024);
      this.hashLen = new Int32Array(1024);
      this.ids = new Float64Array(4096);
    }
  }
  /** Row `row`'s hash_ids. */
  setIds(row: number, ids: readonly number[]): void {
    const need = this.idsN + ids.length;
    if (need > this.ids.length) {
      let cap = this.ids.length * 2;
      while (cap < need) cap *= 2;
      const b = new Float64Array(cap);
      b.set(this.ids.subarray(0, this.idsN));
      this.ids = b;
    }
    this.hashAt![row] = this.idsN;
    this.hashLen![row] = ids.length;
    for (let k = 0; k < ids.length; k++) this.ids[this.idsN++] = ids[k];
  }
  reserve(extra: number): void {
    const need = this.n + extra;
    if (need <= this.timestamp.length) return;
    let cap = this.timestamp.length;
    while (cap < need) cap *= 2;
    const grow = <T extends Float64Array | Int32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(cap);
      b.set(a.subarray(0, this.n));
      return b;
    };
    this.timestamp = grow(this.timestamp);
    this.client = grow(this.client);
    this.lengths = this.lengths.map((c) => (c ? grow(c) : undefined));
    if (this.session) this.session = grow(this.session);
    if (this.turn) this.turn = grow(this.turn);
    if (this.hashAt) this.hashAt = grow(this.hashAt);
    if (this.hashLen) this.hashLen = grow(this.hashLen);
  }
}

/**
 * Merges per-client runs (each sorted by time) into one time-sorted batch with a binary
 * heap over run heads: O(n log k) and stable (ties keep client order).
 */
function mergeRuns(buf: SlotBuffer, runStart: Int32Array, runEnd: Int32Array, runs: number, clientIds: readonly string[]): RequestBatch {
  const n = buf.n;
  const out: RequestBatch = {
    n,
    timestamp: new Float64Array(n),
    client: new Int32Array(n),
    lengths: buf.lengths.map((c) => (c ? new Float64Array(n) : undefined)),
  };
  const session = buf.session;
  const turn = buf.turn;
  // Session ids as numbers; their strings are built only when read (defineSessionTexts).
  const sessionNumbers = session ? new Float64Array(n) : undefined;
  const turns = turn ? new Float64Array(n) : undefined;
  if (sessionNumbers && turns) {
    out.sessionNumbers = sessionNumbers;
    out.extraInts = { turn: turns };
    defineSessionTexts(out, clientIds);
  }
  const hashAt = buf.hashAt;
  const hashLen = buf.hashLen;
  const hashOffsets = hashAt ? new Int32Array(n + 1) : undefined;
  const hashIds = hashAt ? new Float64Array(buf.idsN) : undefined;
  if (hashOffsets && hashIds) out.hashIds = { offsets: hashOffsets, ids: hashIds };
  let o = 0;
  const heap = new Int32Array(runs);
  const pos = Int32Array.from(runStart.subarray(0, runs));
  let size = 0;
  const ts = buf.timestamp;
  const less = (r1: number, r2: number) => {
    const t1 = ts[pos[r1]];
    const t2 = ts[pos[r2]];
    return t1 < t2 || (t1 === t2 && r1 < r2);
  };
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) return;
      const r = l + 1;
      const m = r < size && less(heap[r], heap[l]) ? r : l;
      if (!less(heap[m], heap[i])) return;
      const tmp = heap[i];
      heap[i] = heap[m];
      heap[m] = tmp;
      i = m;
    }
  };
  for (let r = 0; r < runs; r++) if (runStart[r] < runEnd[r]) heap[size++] = r;
  for (let i = (size >> 1) - 1; i >= 0; i--) siftDown(i);
  const cols = buf.lengths;
  const outCols = out.lengths;
  let k = 0;
  while (size > 0) {
    const r = heap[0];
    const src = pos[r];
    out.timestamp[k] = ts[src];
    out.client[k] = buf.client[src];
    for (let c = 0; c < cols.length; c++) {
      const col = cols[c];
      if (col) outCols[c]![k] = col[src];
    }
    if (sessionNumbers && turns && session && turn) {
      sessionNumbers[k] = session[src];
      turns[k] = turn[src];
    }
    if (hashOffsets && hashIds && hashAt && hashLen) {
      const a = hashAt[src];
      const len = hashLen[src];
      for (let d = 0; d < len; d++) hashIds[o++] = buf.ids[a + d];
      hashOffsets[k + 1] = o;
    }
    k++;
    pos[r] = src + 1;
    if (pos[r] >= runEnd[r]) heap[0] = heap[--size];
    siftDown(0);
  }
  return out;
}

/**
 * Plans and lazily generates a workload from a profile (DESIGN.md, Generation).
 *
 * Each client is a renewal process in operational time: gaps have mean 1 under the window's
 * family and shape and are divided by the client's target rate for the slot; a gap that
 * crosses a slot boundary continues at the next slot's rate (time change), so counts per
 * window vary as in reality and are never rescaled to fill a window. Each client has its
 * own arrival and length streams split from the seed by client id, so adding or removing a
 * client leaves the others' requests unchanged (for rate specs that do not share a total).
 */
export function planGeneration(profile: Profile, options: GenerateOptions): GenerationPlan {
  checkGenerateOptions(options);
  const { clients: chosen, leftOut } = clientsToDraw(selectClients(profile, options.clients));
  if (chosen.length === 0) throw new GenerateError('no clients to generate from');
  checkProfileRates(profile, new Set(chosen));
  // Nothing to generate is an error, not an empty file (found by review).
  if (chosen.every((c) => c.arrivals.length === 0)) throw new GenerateError(`no client${chosen.length > 1 ? ' of the ' + chosen.length : ''} has arrival windows: the profile describes no requests to generate`);
  const slots = planSlots(profile, chosen, options);
  // The windows' grid, once (windowGrid looks through the clients' first windows).
  const grid = windowGrid(profile);
  // The clients' draw state (streams split from the seed, residuals, sessions, memory), made
  // afresh for every pass over `batches`: shared, a second pass went on from the first one's
  // streams and gave another workload (found by using the library: 11 979 then 11 960 requests).
  const freshStates = (): ClientState[] => {
    const root = createRng(options.seed);
    // Block ids are numbered across clients in the order they are made (so they never collide),
    // from 0 on every pass, by the pass's own counter: one counter per plan, reset when a pass
    // began, gave two passes walked together (two iterators of `batches`) other ids than one
    // pass alone (found by using the library, h-102: 2 779 of 3 697 Mooncake rows).
    let nextId = 0;
    return chosen.map((c, index) => ({
      index,
      id: c.id,
      arrivals: new ArrivalIndex(profile, c, grid),
      lengths: new ClientLengthSampler(c),
      arrivalRng: root.split(`arrivals:${c.id}`),
      lengthRng: root.split(`lengths:${c.id}`),
      residual: NaN,
      sessions: sessionAssigner(c, options, root),
      memory: c.gap_memory && c.gap_memory.weight > 0 && options.gapMemory !== false ? new GapMemoryState(c.gap_memory.weight, c.gap_memory.phi) : undefined,
      shape: c.empirical,
      sizes: c.batches ? new PmfSampler(c.batches.sizes) : undefined,
      within: c.batches?.within ? new PmfSampler(c.batches.within) : undefined,
      spread: c.batches?.within ? (new PmfSampler(c.batches.sizes).mean - 1) * new PmfSampler(c.batches.within).mean : 0,
      left: 0,
      levels: c.levels,
      prefix: c.prefix && options.prefix !== false && hasPromptLengths(c) ? new HashIdStream(prefixModelOf(c.prefix), root.split(`prefix:${c.id}`), { nextId: () => nextId++ }) : undefined,
      prefixShare: c.prefix && options.prefix !== false && hasPromptLengths(c) && prefixShareOf(c) < 1 ? { share: prefixShareOf(c), rng: root.split(`prefix-share:${c.id}`) } : undefined,
    }));
  };
  const initial = freshStates();
  let passes = 0;
  const states = initial;
  const labelSessions = states.some((s) => s.sessions);
  const prefixed = states.some((s) => s.prefix);
  const columns = lengthColumnsOf(chosen);
  const shapeSource = options.shapeSource ?? 'cv';

  // The clients with a window at each profile window (by index), in client order: a slot visits
  // those only (visiting every client in every slot cost clients × slots Map lookups, three
  // times: 50 000 clients over one day spent 5 of a 16 s run there, and 30 days 30× that).
  // Each window's gap sampler is looked up once (`sampler`), not once per slot it repeats in.
  const activeAt = new Map<number, { ci: number[]; w: ArrivalWindow[]; sampler: (UnitGapSampler | undefined)[] }>();
  states.forEach((st, ci) => {
    if (st.levels) return; // drawn at its levels (levelRates)
    for (const [k, w] of st.arrivals.entries()) {
      let a = activeAt.get(k);
      if (!a) activeAt.set(k, (a = { ci: [], w: [], sampler: [] }));
      a.ci.push(ci);
      a.w.push(w);
      a.sampler.push(undefined);
    }
  });
  const NONE = { ci: [] as number[], w: [] as ArrivalWindow[], sampler: [] as (UnitGapSampler | undefined)[] };
  const activeIn = (s: Slot) => activeAt.get(windowIndex(profile, s.profileStart, grid)) ?? NONE;
  // Sparse clients drawn at their rate levels (src/fit/levels.ts): in every slot, each at its
  // level there, from one gap sampler; the levels at each profile window start, once.
  const levelClients = states.flatMap((st, ci) => (st.levels ? [ci] : []));
  const levelSamplers = new Map<number, UnitGapSampler>();
  const levelRatesAt = new Map<number, Float64Array>();
  const levelRates = (s: Slot): Float64Array => {
    let r = levelRatesAt.get(s.profileStart);
    if (!r) levelRatesAt.set(s.profileStart, (r = Float64Array.from(levelClients, (ci) => levelRateAt(states[ci].levels!, profile.level_shape, s.profileStart))));
    return r;
  };

  // Source (profile) aggregate rate per slot, over the chosen clients.
  const sourceTotals = slots.map((s) => {
    let total = 0;
    for (const w of activeIn(s).w) total += w.rate;
    if (levelClients.length > 0) for (const r of levelRates(s)) total += r;
    return total;
  });
  const spec = options.rate;
  let peakFactor = 1;
  if (spec.kind === 'peak') {
    // A loop, not Math.max(...): spread over ~10^5 slots overflowed the call stack (internal
    // error, exit 3, for --rate peak:R over a long span) — found by review.
    // Over the windows that may set a peak (countsForPeak), all when none may.
    let max = 0;
    let maxAll = 0;
    sourceTotals.forEach((t, i) => {
      if (t > maxAll) maxAll = t;
      if (t > max && countsForPeak(profile, slots[i].profileStart)) max = t;
    });
    if (max === 0) max = maxAll;
    peakFactor = max > 0 ? spec.rate / max : 0;
  }
  const emptyWindows = new Set<number>();
  const factors = slots.map((s, i) => {
    const total = sourceTotals[i];
    switch (spec.kind) {
      case 'scale':
        return spec.factor;
      case 'peak':
        return peakFactor;
      case 'constant':
      case 'points': {
        const target = spec.kind === 'constant' ? spec.rate : meanRateOver(spec, s.a - options.start, s.b - options.start);
        if (total > 0) return target / total;
        if (target > 0) emptyWindows.add(s.window ?? i);
        return 0;
      }
      default: {
        const never: never = spec;
        throw new GenerateError(`unknown rate spec ${JSON.stringify(never)}`);
      }
    }
  });

  // Expected requests per slot over the clients that have a window there.
  const expectedBySlot = slots.map((s, i) => {
    let sum = 0;
    for (const w of activeIn(s).w) {
      const rate = w.rate * factors[i];
      if (rate > 0) sum += rate * (s.b - s.a);
    }
    if (levelClients.length > 0) for (const r of levelRates(s)) if (r * factors[i] > 0) sum += r * factors[i] * (s.b - s.a);
    return sum;
  });
  const expectedRequests = expectedBySlot.reduce((a, b) => a + b, 0);
  checkExpectedRequests(expectedRequests, options);

  const squeezed: string[] = [];
  const squeezedSeen = new Uint8Array(states.length);
  function* batches(): Generator<RequestBatch> {
    // This pass's own draw state (the first pass takes the one the plan was made with).
    const states = passes++ === 0 ? initial : freshStates();
    const buf = new SlotBuffer(columns, labelSessions, prefixed);
    const clientIds = states.map((s) => s.id);
    const runStart = new Int32Array(states.length);
    const runEnd = new Int32Array(states.length);
    // Per client within a slot: its sampler and rate (undefined when idle), its next arrival time.
    const samplers: (UnitGapSampler | undefined)[] = new Array(states.length);
    const rates = new Float64Array(states.length);
    /** A cluster client's gaps inside clusters are scaled by this (1 unless its clusters do not fit its rate). */
    const squeeze = new Float64Array(states.length);
    const next = new Float64Array(states.length);
    // The clients drawing in the slot, ascending.
    let drawing: number[] = [];
    for (let si = 0; si < slots.length; si++) {
      const slot = slots[si];
      const factor = factors[si];
      const width = slot.b - slot.a;
      const profileOffset = (slot.profileAt ?? slot.profileStart) - slot.a; // profile time = generated time + offset (within the slot)
      for (const ci of drawing) samplers[ci] = undefined;
      drawing = [];
      const active = activeIn(slot);
      const levelled = levelClients.length > 0 ? levelRates(slot) : undefined;
      const count = active.ci.length + levelClients.length;
      for (let k = 0; k < count; k++) {
        const inWindows = k < active.ci.length;
        const ci = inWindows ? active.ci[k] : levelClients[k - active.ci.length];
        const st = states[ci];
        const rate = (inWindows ? active.w[k].rate : levelled![k - active.ci.length]) * factor;
        if (!(rate > 0)) continue;
        let sampler: UnitGapSampler;
        if (inWindows) sampler = active.sampler[k] ??= unitGapSampler(active.w[k], shapeSource, options.useEmpirical ?? true, st.shape);
        else {
          let s = levelSamplers.get(ci);
          if (!s) levelSamplers.set(ci, (s = unitGapSampler(levelsWindow(st.levels!), shapeSource, options.useEmpirical ?? true, undefined)));
          sampler = s;
        }
        if (Number.isNaN(st.residual)) st.residual = sampler.residual(st.arrivalRng);
        samplers[ci] = sampler;
        // A batch client's gaps are between instants, which come at rate / mean size; a cluster
        // client's from one cluster's last request to the next one's first, a cycle less its
        // spread. A rate scaled up far (or a window far busier than the client's clusters are
        // long) leaves less than 10 % of the cycle between clusters: the clusters' inner gaps are
        // then scaled down so that they span 90 % of it, and the client keeps its rate (found by
        // review: held at 10 % with the gaps as fitted, `--rate scale:4` of a fan-out client drew
        // 131 440 requests for 235 840).
        squeeze[ci] = 1;
        if (st.sizes && st.within) {
          const cycle = st.sizes.mean / rate;
          if (st.spread > 0.9 * cycle) {
            squeeze[ci] = (0.9 * cycle) / st.spread;
            if (!squeezedSeen[ci]) {
              squeezedSeen[ci] = 1;
              squeezed.push(st.id);
            }
          }
          rates[ci] = 1 / Math.max(cycle - st.spread, 0.1 * cycle);
        } else rates[ci] = st.sizes ? rate / st.sizes.mean : rate;
        // The residual is in units of the gaps drawn (between instants, `rates`: the slot's end
        // stores it so), not of requests: read at the request rate it brought a batch client's
        // first instant in every slot mean-size times too soon (found by review: 50 per instant
        // in 600 s windows drew ~13 % more instants).
        // A cluster under way at the end of the last slot goes on at its next request, in seconds.
        next[ci] = slot.a + (st.left > 0 ? st.residual : st.residual / rates[ci]);
        drawing.push(ci);
      }
      // Sub-intervals of the slot (one unless the slot is expected to be very large): each
      // client continues from its next arrival, so the requests do not depend on the split.
      const parts = Math.max(1, Math.ceil(expectedBySlot[si] / (options.batchTarget ?? BATCH_TARGET)));
      for (let part = 0; part < parts; part++) {
        const end = part === parts - 1 ? slot.b : slot.a + (width * (part + 1)) / parts;
        const partWidth = end - (part === 0 ? slot.a : slot.a + (width * part) / parts);
        buf.n = 0;
        buf.idsN = 0;
        // Runs of the clients not drawing stay empty (mergeRuns skips them).
        for (const ci of drawing) {
          runStart[ci] = buf.n;
          runEnd[ci] = buf.n;
          const sampler = samplers[ci]!;
          const st = states[ci];
          const rate = rates[ci];
          const sizes = st.sizes;
          // Reserve for the expected count plus generous slack; grow further if needed.
          buf.reserve(Math.ceil(rate * (sizes ? sizes.mean : 1) * partWidth * 1.5) + 64);
          let t = next[ci];
          const rng = st.arrivalRng;
          const lrng = st.lengthRng;
          const ls = st.lengths;
          const sessions = st.sessions;
          const memory = st.memory;
          const fast = options.quantileTables !== false;
          const within = st.within;
          // Requests of the instant or cluster under way still to come, and (a batch at one
          // instant) the time of the next instant.
          let left = st.left;
          let nextInstant = t;
          while (t < end) {
            // An instant's (or cluster's) size is drawn at its first request, before its gap to
            // the next instant: at once for a batch at one instant, after its last request for a
            // cluster, whose requests are a gap within it apart.
            if (left === 0) {
              left = sizes ? sizes.quantile(rng.next()) : 1;
              if (!within) nextInstant = t + (memory ? memory.next(sampler, rng, fast) : sampler.next(rng)) / rate;
            }
            left--;
            const after = !within ? (left > 0 ? t : nextInstant) : left > 0 ? t + within.quantile(rng.next()) * squeeze[ci] : t + (memory ? memory.next(sampler, rng, fast) : sampler.next(rng)) / rate;
            if (buf.n >= buf.timestamp.length) buf.reserve(buf.timestamp.length);
            const row = buf.n++;
            buf.timestamp[row] = t - options.start;
            buf.client[row] = ci;
            if (buf.session && buf.turn) {
              if (sessions) {
                // The next arrival as this slot's rate places it (a look-ahead for labelling only).
                sessions.assign(t, after);
                buf.session[row] = sessions.session;
                buf.turn[row] = sessions.turn;
              } else {
                buf.session[row] = NaN;
                buf.turn[row] = NaN;
              }
            }
            // Lengths after the session label: a turn's input rank comes from its session.
            const lw = ls.at(t + profileOffset);
            if (lw) sampleLengths(lw, lrng, buf.lengths, row, sessions?.hasRanks ? sessions.inputRankIn(lw) : NaN);
            else clearLengths(buf.lengths, row);
            // Block ids after the lengths: a prompt of t tokens has ⌈t / block⌉ blocks.
            if (buf.hashLen) {
              // (found by review: a client whose log had ids on some rows got them on every one)
              // A prompt of 0 tokens (or no lengths at all) has no blocks: ⌈0 / block⌉ (found by
              // review: the stream gives every request at least one block).
              const prompt = st.prefix ? promptTokens(buf.lengths, row) : 0;
              if (prompt > 0 && (!st.prefixShare || st.prefixShare.rng.next() < st.prefixShare.share)) {
                const sn = buf.session ? buf.session[row] : NaN;
                // An exact repeat moves the text input (never below 1 token, or 0 when it was 0).
                const text = options.exactRepeats ? buf.lengths[0]?.[row] : undefined;
                const floor = text !== undefined && text >= 0 ? prompt - text + Math.min(text, 1) : undefined;
                buf.setIds(row, st.prefix!.next(t, prompt, sn === sn ? sn : undefined, floor));
                if (floor !== undefined) buf.lengths[0]![row] = text! + (st.prefix!.tokens - prompt);
              } else buf.hashLen[row] = 0;
            }
            t = after;
          }
          st.left = left;
          next[ci] = t;
          runEnd[ci] = buf.n;
        }
        if (buf.n > 0) yield mergeRuns(buf, runStart, runEnd, states.length, clientIds);
        for (const ci of drawing) runEnd[ci] = runStart[ci];
      }
      for (const ci of drawing) states[ci].residual = (next[ci] - slot.b) * (states[ci].left > 0 ? 1 : rates[ci]);
    }
  }

  return {
    clientIds: states.map((s) => s.id),
    columns,
    clientsWithoutLengths: states.filter((s) => !s.lengths.hasLengths).map((s) => s.id),
    clientsLeftOut: leftOut,
    emptySlots: emptyWindows.size,
    expectedRequests,
    sessionClients: states.filter((s) => s.sessions).map((s) => s.id),
    memoryClients: states.filter((s) => s.memory).map((s) => s.id),
    prefixClients: states.filter((s) => s.prefix).map((s) => s.id),
    squeezedClusterClients: squeezed,
    ...(options.prefix !== false && chosen.some((c) => c.prefix && !hasPromptLengths(c)) ? { prefixWithoutPrompts: chosen.filter((c) => c.prefix && !hasPromptLengths(c)).map((c) => c.id) } : {}),
    ...(prefixed ? { blockTokens: chosen.find((c) => c.prefix)!.prefix!.block_tokens } : {}),
    batches: { [Symbol.iterator]: batches },
  };
}

/** Row `row`'s prompt tokens: text + image + audio + video input tokens (absent: 0), as replay formats and the prefix fit count them. */
function promptTokens(lengths: LengthBuffers, row: number): number {
  let t = 0;
  for (const c of PROMPT_COLUMNS) {
    const v = lengths[c]?.[row];
    if (v !== undefined && v > 0) t += v;
  }
  return t;
}

/** LENGTH_COLUMNS positions of the prompt's tokens (input, image, audio, video). */
const PROMPT_COLUMNS = [0, 4, 6, 8];

/** A client's session labeller: when the run labels sessions and its profile has session statistics. */
function sessionAssigner(client: ProfileClient, options: GenerateOptions, root: Rng): SessionAssigner | undefined {
  if (options.sessions === false) return undefined;
  let model;
  try {
    model = sessionModelOf(client.sessions);
  } catch (e) {
    if (e instanceof GenerateError) throw new GenerateError((n) => `client ${JSON.stringify(client.id)}: ${e.describe(n)} (fix the profile, or generate with ${n.noSessions})`);
    throw e;
  }
  return model ? new SessionAssigner(model, root.split(`sessions:${client.id}`)) : undefined;
}
