import { ascii } from './byte-sink.js';
import type { TraceLayout } from './trace-schema.js';
import { textTraceWriter } from './to-text.js';
import { replayLengths } from './replay-lengths.js';
import type { TraceWriter } from './trace-writer.js';

/**
 * Vidur's trace-replay CSV (microsoft/vidur, `TraceReplayRequestGenerator`): header
 * `arrived_at,num_prefill_tokens,num_decode_tokens`, then one request per row with the
 * arrival in seconds (six decimals), the prefill tokens (text + image + audio + video input
 * tokens, as the Mooncake format counts them) and the output tokens. No metadata line: the
 * simulator reads the file with `pandas.read_csv`. Vidur itself raises counts below 1 to 1.
 */
export function vidurTraceWriter(path: string, _layout: TraceLayout): TraceWriter {
  const comma = ascii(',');
  const nl = ascii('\n');
  return textTraceWriter(path, 'arrived_at,num_prefill_tokens,num_decode_tokens\n', (batch, sink) => {
    const { prompt, output } = replayLengths(batch);
    for (let i = 0; i < batch.n; i++) {
      sink.fixed6(batch.timestamp[i]);
      sink.bytes(comma);
      sink.number(prompt[i]);
      sink.bytes(comma);
      sink.number(output[i]);
      sink.bytes(nl);
    }
  });
}
