/**
 * Instants finer than JavaScript's Date: an ISO date-time's whole milliseconds since the epoch
 * (what Date.parse gives; it ignores fraction digits past the third) and the fraction of a
 * millisecond its further digits add, to the nanosecond. A generated trace's origin is its
 * profile's origin + `--start`, which can hold sub-millisecond seconds (`--start 1200.4567`);
 * written to the millisecond, reading two such traces as one, or writing the Azure layout's
 * absolute times, was up to 1 ms off.
 */
export interface Instant {
  /** Whole milliseconds since the epoch (an integer). */
  ms: number;
  /** Fraction of a millisecond past `ms`, in [0, 1), a whole number of nanoseconds. */
  sub: number;
}

/** The instant an ISO date-time names, or undefined when Date.parse cannot read it. */
export function parseInstant(iso: string): Instant | undefined {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return undefined;
  // Digits past the milliseconds: `.sss` then more digits, before the zone. Date.parse
  // truncates them (V8, SpiderMonkey), so they are a positive fraction of a millisecond. The
  // date and time apart by T, t or a space, all of which Date.parse reads.
  const m = /[Tt ]\d\d:\d\d:\d\d\.\d{3}(\d+)/.exec(iso);
  if (!m) return { ms, sub: 0 };
  const digits = m[1].slice(0, 6).padEnd(6, '0');
  return { ms, sub: Number(digits) / 1e6 };
}

/** The instant `seconds` after `from` (a finite number of seconds, of either sign), to the nanosecond. */
export function addSeconds(from: Instant, seconds: number): Instant {
  // Milliseconds of the offset, split so that the epoch's large whole part never meets the
  // small fractions in one double (1.7e12 ms leaves 0.24 µs of resolution).
  const offsetMs = seconds * 1000;
  const whole = Math.floor(offsetMs);
  let ns = Math.round((offsetMs - whole + from.sub) * 1e6);
  let ms = from.ms + whole;
  const carry = Math.floor(ns / 1e6);
  ms += carry;
  ns -= carry * 1e6;
  return { ms, sub: ns / 1e6 };
}

/** Seconds from `b` to `a`. */
export function secondsBetween(a: Instant, b: Instant): number {
  return (a.ms - b.ms + (a.sub - b.sub)) / 1000;
}

/** Whether two instants are one. */
export function sameInstant(a: Instant, b: Instant): boolean {
  return a.ms === b.ms && Math.round(a.sub * 1e6) === Math.round(b.sub * 1e6);
}

/**
 * ISO 8601 in UTC (`…T18:50:03.456Z`, or `…T18:50:03.4567Z` with the digits past the
 * millisecond that are not 0), or undefined past the dates Date has.
 */
export function formatInstant(t: Instant): string | undefined {
  const d = new Date(t.ms);
  if (Number.isNaN(d.getTime())) return undefined;
  const iso = d.toISOString();
  const ns = Math.round(t.sub * 1e6);
  if (ns === 0) return iso;
  const extra = String(ns).padStart(6, '0').replace(/0+$/, '');
  return `${iso.slice(0, -1)}${extra}Z`;
}

/**
 * An ISO date-time's seconds since the epoch as one double, the digits past the millisecond
 * included (Date.parse(iso) / 1000 dropped them); NaN when Date.parse cannot read it. For an
 * instant on the millisecond, the very double Date.parse(iso) / 1000 is.
 */
export function epochSeconds(iso: string): number {
  const t = parseInstant(iso);
  return t === undefined ? NaN : t.sub === 0 ? t.ms / 1000 : (t.ms + t.sub) / 1000;
}
