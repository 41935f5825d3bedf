import { ascii } from './byte-sink.js';
import type { TraceLayout } from './trace-schema.js';
import { textTraceWriter } from './to-text.js';
import { replayLengths } from './replay-lengths.js';
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
    const { prompt, output } = replayLengths(batch);
    for (let i = 0; i < batch.n; i++) {
      sink.bytes(a);
      sink.uint(Math.max(0, Math.round(batch.timestamp[i] * 1000)));
      sink.bytes(b);
      sink.number(prompt[i]);
      sink.bytes(c);
      sink.number(output[i]);
      sink.bytes(d);
    }
  });
}
