import { ascii } from './byte-sink.js';
import type { TraceLayout } from './trace-schema.js';
import { textTraceWriter } from './to-text.js';
import { replayLengths } from './replay-lengths.js';
import type { TraceWriter } from './trace-writer.js';

/**
 * The Azure LLM inference trace layout (AzureLLMInferenceTrace_*.csv, which Splitwise's
 * simulator and many replay scripts read): header `TIMESTAMP,ContextTokens,GeneratedTokens`,
 * then one request per row with its UTC date-time to 7 fractional digits, as Azure writes it
 * (`2023-11-16 18:15:46.6805900`; the 7th digit is 0, times are kept to the microsecond), its
 * prompt tokens (text + media, as the Mooncake format counts them) and its output tokens. The
 * date is the trace origin plus the timestamp; a trace without an absolute origin (an
 * anonymized profile) counts from 1970-01-01 00:00:00, the Unix epoch.
 */
export function azureTraceWriter(path: string, layout: TraceLayout): TraceWriter {
  const originMs = layout.meta.origin ? Date.parse(layout.meta.origin) : 0;
  // Whole milliseconds (our origins are whole seconds); microseconds from the epoch stay exact below 2^53.
  const originUs = Number.isFinite(originMs) ? Math.round(originMs) * 1000 : 0;
  const comma = ascii(',');
  const nl = ascii('\n');
  let second = NaN;
  let prefix: Uint8Array = ascii('');
  // Six digits of microseconds and Azure's seventh, always 0.
  const fraction = ascii('0000000');
  return textTraceWriter(path, 'TIMESTAMP,ContextTokens,GeneratedTokens\n', (batch, sink) => {
    const { prompt, output } = replayLengths(batch);
    for (let i = 0; i < batch.n; i++) {
      const us = originUs + Math.round(batch.timestamp[i] * 1e6);
      const s = Math.floor(us / 1e6);
      if (s !== second) {
        second = s;
        // `YYYY-MM-DD HH:MM:SS.` of this second, made once per second of the trace.
        prefix = ascii(`${new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' ')}.`);
      }
      sink.bytes(prefix);
      let frac = us - s * 1e6;
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
