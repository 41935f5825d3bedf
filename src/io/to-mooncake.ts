import { ascii } from './byte-sink.js';
import type { TraceLayout } from './trace-schema.js';
import { textTraceWriter } from './to-text.js';
import type { TraceWriter } from './trace-writer.js';

/**
 * Mooncake replay format (FAST'25 traces): one JSON object per line with integer
 * millisecond `timestamp`, `input_length` (text + image + audio + video input tokens) and
 * `output_length`. No header line: replay tools read the file as is.
 */
export function mooncakeTraceWriter(path: string, _layout: TraceLayout): TraceWriter {
  const a = ascii('{"timestamp":');
  const b = ascii(',"input_length":');
  const c = ascii(',"output_length":');
  const d = ascii('}\n');
  return textTraceWriter(path, '', (batch, sink) => {
    const L = batch.lengths;
    const parts = [L[0], L[4], L[6], L[8]].filter((col): col is Float64Array => col !== undefined);
    const out = L[1];
    for (let i = 0; i < batch.n; i++) {
      let input = 0;
      for (const p of parts) {
        const v = p[i];
        if (v === v) input += v;
      }
      const o = out ? out[i] : NaN;
      sink.bytes(a);
      sink.uint(Math.max(0, Math.round(batch.timestamp[i] * 1000)));
      sink.bytes(b);
      sink.number(input);
      sink.bytes(c);
      sink.number(o === o ? o : 0);
      sink.bytes(d);
    }
  });
}
