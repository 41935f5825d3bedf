import type { TimestampUnit } from './mapping.js';
import { IngestError } from './errors.js';

export const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$/;

/** days_from_civil's offset to 1970-01-01, plus the 400 years (146 097 days) it is shifted by. */
const DAYS_TO_EPOCH = 719468 + 146097;

/**
 * Days from 1970-01-01 to the proleptic Gregorian date y-m-d (any year ≥ 0; `m` 1–12, `d` may
 * exceed the month and rolls over). Arithmetic (Hinnant's days_from_civil, shifted 400 years
 * so every division is of a non-negative number), because `Date.UTC` reads years 0–99 as
 * 1900–1999. The DuckDB engine computes the same in SQL (src/summary/sql.ts).
 */
export function daysFromCivil(y: number, m: number, d: number): number {
  const Y = y + 400 - (m <= 2 ? 1 : 0);
  return 365 * Y + Math.floor(Y / 4) - Math.floor(Y / 100) + Math.floor(Y / 400) + Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1 - DAYS_TO_EPOCH;
}

/** Days in month `m` (1–12) of year `y` (proleptic Gregorian). */
export function daysInMonth(y: number, m: number): number {
  if (m === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * Parses an ISO-8601 date-time (`2023-11-16 18:15:46.6805900`, `2024-05-10T00:00:00Z`,
 * `…+08:00`) to epoch seconds, keeping sub-millisecond digits. Times without a zone are
 * read at `defaultOffset` seconds east of UTC (0 = UTC). NaN when it is not such a time.
 * The DuckDB engine's SQL (`DIALECTS.duckdb.iso` in src/summary/sql.ts) gives the same double
 * bit for bit: change both together.
 */
export function parseIsoSeconds(text: string, defaultOffset = 0): number {
  const m = ISO_RE.exec(text.trim());
  if (!m) return NaN;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  // No calendar rollover (2023-02-30 is not 2023-03-02); 24:00:00 and a leap second :60 do
  // roll over, to the next day and minute.
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || Number(h) > 24 || Number(mi) > 59 || Number(s) > 60) return NaN;
  let offset = defaultOffset;
  if (zone !== undefined) {
    if (zone === 'Z' || zone === 'z' || zone === 'UTC') offset = 0;
    else {
      const sign = zone[0] === '-' ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      offset = sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || '0') * 60);
    }
  }
  // Whole milliseconds, exact in a double (as Date.UTC computes them, with the real year).
  const ms = daysFromCivil(year, month, day) * 86400000 + Number(h) * 3600000 + Number(mi) * 60000 + Number(s) * 1000;
  return ms / 1000 + (frac ? Number(`0.${frac}`) : 0) - offset;
}

/** Seconds per unit of a numeric timestamp unit. */
export const UNIT_SECONDS: Record<Exclude<TimestampUnit, 'auto' | 'iso'>, number> = { s: 1, ms: 1e-3, us: 1e-6, ns: 1e-9 };

/**
 * Unit of numeric timestamps judged from their largest magnitude: epoch nanoseconds,
 * microseconds, milliseconds or seconds (after 1973), else relative seconds.
 */
export function detectNumericUnit(maxAbs: number): { unit: 's' | 'ms' | 'us' | 'ns'; absolute: boolean; reason: string } {
  if (maxAbs >= 1e17) return { unit: 'ns', absolute: true, reason: `values up to ${maxAbs.toExponential(2)} look like epoch nanoseconds` };
  if (maxAbs >= 1e14) return { unit: 'us', absolute: true, reason: `values up to ${maxAbs.toExponential(2)} look like epoch microseconds` };
  if (maxAbs >= 1e11) return { unit: 'ms', absolute: true, reason: `values up to ${maxAbs.toExponential(2)} look like epoch milliseconds` };
  if (maxAbs >= 1e8) return { unit: 's', absolute: true, reason: `values up to ${maxAbs.toExponential(2)} look like epoch seconds` };
  return { unit: 's', absolute: false, reason: `values up to ${maxAbs.toPrecision(4)} are too small for epoch times; read as relative seconds (set timestamp.unit if they are ms)` };
}

/** Whether a numeric value in `unit` is an absolute epoch time (explicit units: by magnitude too). */
export function isEpoch(unit: 's' | 'ms' | 'us' | 'ns', maxAbs: number): boolean {
  return maxAbs * UNIT_SECONDS[unit] >= 1e8;
}

/**
 * The ISO time of an epoch-seconds origin (the earliest accepted time, floored), as both
 * engines write it. @throws IngestError when it is past the dates JavaScript can hold
 * (±8.64e12 s): a wrong timestamp.unit, not a time.
 */
export function originIsoOf(seconds: number, files: readonly string[], unit: string, endTimes = false): string {
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) {
    // With end times the earliest arrival may be far off by its duration, not by its timestamp.
    if (endTimes) throw new IngestError(`${files.join(', ')}: the earliest arrival (timestamp − duration), ${seconds} s from 1970 with timestamps read as ${unit}, is past the dates a trace can hold (±8.64e12 s, year 275760); check timestamp.unit, timestamp.duration_unit and the longest durations`, files[0], undefined, 'duration');
    throw new IngestError(`${files.join(', ')}: the earliest timestamp, ${seconds} s from 1970 read as ${unit}, is past the dates a trace can hold (±8.64e12 s, year 275760); check timestamp.unit`, files[0], undefined, 'timestamp');
  }
  return d.toISOString();
}
