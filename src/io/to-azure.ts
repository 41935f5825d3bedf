import { ascii } from './byte-sink.js';
import { parseInstant } from '../util/instant.js';
import type { TraceLayout } from './trace-schema.js';
import { textTraceWriter } from './to-text.js';
import { replayLengths } from './replay-lengths.js';
import type { TraceWriter } from './trace-writer.js';

/**
 * The Azure LLM inference trace layout (AzureLLMInferenceTrace_*.csv, which replay scripts
 * read; Splitwise's generate_trace.py samples only its length columns, and its simulator replays
 * the `splitwise` format, to-splitwise.ts): header `TIMESTAMP,ContextTokens,GeneratedTokens`,
 * then one request per row with its UTC date-time to 7 fractional digits, as Azure writes it
 * (`2023-11-16 18:15:46.6805900`; the 7th digit is 0, times are kept to the microsecond), its
 * prompt tokens (text + media, as the Mooncake format counts them) and its output tokens. The
 * date is the trace origin plus the timestamp; a trace without an absolute origin (an
 * anonymized profile) counts from 1970-01-01 00:00:00, the Unix epoch.
 */
export function azureTraceWriter(path: string, layout: TraceLayout): TraceWriter {
  const parsed = layout.meta.origin ? parseInstant(layout.meta.origin) : undefined;
  const originMs = parsed?.ms ?? 0;
  // The origin as whole seconds and microseconds past them, each exact: microseconds from the
  // epoch are exact only below 2^53 (285 years from 1970), and a --start of centuries wrote
  // dates with wrong microseconds. A generated trace's origin has digits past the millisecond
  // when --start has (they were dropped: every date up to 1 ms early).
  const originS = Math.floor(originMs / 1000);
  const originUs = (originMs - originS * 1000) * 1000;
  const subUs = (parsed?.sub ?? 0) * 1000;
  const comma = ascii(',');
  const nl = ascii('\n');
  let second = NaN;
  let prefix: Uint8Array = ascii('');
  // Six digits of microseconds and Azure's seventh, always 0.
  const fraction = ascii('0000000');
  return textTraceWriter(path, 'TIMESTAMP,ContextTokens,GeneratedTokens\n', (batch, sink) => {
    const { prompt, output } = replayLengths(batch);
    for (let i = 0; i < batch.n; i++) {
      const us = originUs + Math.round(batch.timestamp[i] * 1e6 + subUs);
      const carry = Math.floor(us / 1e6);
      const s = originS + carry;
      if (s !== second) {
        if (!(s >= AZURE_FIRST_SECOND && s < AZURE_END_SECOND)) throw new RangeError(`${azureDate(s)}: the Azure layout writes years 0000 to 9999`);
        second = s;
        // `YYYY-MM-DD HH:MM:SS.` of this second, made once per second of the trace.
        prefix = ascii(`${azureDate(s)}.`);
      }
      sink.bytes(prefix);
      let frac = us - carry * 1e6;
      for (let k = 5; k >= 0; k--) {
        const q = Math.floor(frac / 10);
        fraction[k] = 48 + frac - q * 10;
        frac = q;
      }
      sink.bytes(fraction);
      sink.bytes(comma);
      sink.number(prompt[i]);
      sink.bytes(comma);
      sink.number(output[i]);
      sink.bytes(nl);
    }
  });
}

/** Seconds from the epoch of 0000-01-01 00:00:00 and 10000-01-01 00:00:00 UTC: the four-digit years the layout has. */
export const AZURE_FIRST_SECOND = -62_167_219_200;
export const AZURE_END_SECOND = 253_402_300_800;

/** `YYYY-MM-DD HH:MM:SS` of a second from the epoch (ISO's ±YYYYYY years outside 0000–9999, or the number past Date's range). */
function azureDate(s: number): string {
  const d = new Date(s * 1000);
  if (Number.isNaN(d.getTime())) return `${s} s from 1970`;
  const iso = d.toISOString();
  return `${iso.slice(0, iso.indexOf('T'))} ${iso.slice(iso.indexOf('T') + 1, iso.indexOf('T') + 9)}`;
}

/**
 * Why a run cannot be written in the Azure layout, or undefined: its dates (the origin, or the
 * epoch, + `start` … + `start + duration` s) must have four-digit years. (Found by review:
 * --start 2.6e11 wrote `+010262-12-13 00:30.9248960`, the seconds cut off, exit 0.)
 */
export function azureRangeProblem(origin: string | null, start: number, duration: number): string | undefined {
  const parsed = origin === null ? 0 : Date.parse(origin);
  const o = Number.isFinite(parsed) ? parsed / 1000 : 0;
  const first = o + (origin === null ? 0 : start);
  const last = first + duration;
  if (first >= AZURE_FIRST_SECOND && last < AZURE_END_SECOND) return undefined;
  return `its dates would run from ${azureDate(Math.floor(first))} to ${azureDate(Math.floor(last))} UTC, and the layout writes years 0000 to 9999`;
}
