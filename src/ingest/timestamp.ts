import type { TimestampUnit } from './mapping.js';

export const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses an ISO-8601 date-time (`2023-11-16 18:15:46.6805900`, `2024-05-10T00:00:00Z`,
 * `…+08:00`) to epoch seconds, keeping sub-millisecond digits. Times without a zone are
 * read at `defaultOffset` seconds east of UTC (0 = UTC). NaN when it is not such a time.
 */
export function parseIsoSeconds(text: string, defaultOffset = 0): number {
  const m = ISO_RE.exec(text.trim());
  if (!m) return NaN;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 24 || Number(mi) > 59 || Number(s) > 60) return NaN;
  // No calendar rollover: 2023-02-30 is not 2023-03-02.
  if (day > new Date(Date.UTC(Number(y), month, 0)).getUTCDate()) return NaN;
  let offset = defaultOffset;
  if (zone !== undefined) {
    if (zone === 'Z' || zone === 'z' || zone === 'UTC') offset = 0;
    else {
      const sign = zone[0] === '-' ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      offset = sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || '0') * 60);
    }
  }
  const ms = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s));
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
