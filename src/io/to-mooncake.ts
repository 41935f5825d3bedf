import { ascii } from './byte-sink.js';
import type { TraceLayout } from './trace-schema.js';
import { textTraceWriter } from './to-text.js';
import { replayLengths } from './replay-lengths.js';
import type { TraceWriter } from './trace-writer.js';

/**
 * Mooncake replay format (FAST'25 traces): one JSON object per line with integer
 * millisecond `timestamp`, `input_length` (text + image + audio + video input tokens),
 * `output_length`, and `hash_ids` when the trace has them (a prompt's block ids: equal ids,
 * equal prefixes; a row without ids has none). No header line: replay tools read the file as is.
 *
 * An output of 0 tokens (or none) is written as `output_length` 1: AIPerf sends `output_length`
 * as the request's completion-token cap (ai-dynamo/aiperf endpoints/openai_chat.py,
 * `max_completion_tokens`), which servers refuse below 1 (vLLM's SamplingParams: "max_tokens must
 * be at least 1", HTTP 400), so such rows were replayed as failed requests (found by audit, h-92:
 * 157 of 172 522 requests of a day of the BurstGPT profile, whose log has failed requests with 0
 * response tokens). `replayOutputsRaised` counts them for a note.
 */
export function mooncakeTraceWriter(path: string, _layout: TraceLayout): TraceWriter {
  const a = ascii('{"timestamp":');
  const b = ascii(',"input_length":');
  const c = ascii(',"output_length":');
  const d = ascii('}\n');
  const e = ascii(',"hash_ids":');
  return textTraceWriter(path, '', (batch, sink) => {
    const { prompt, output } = replayLengths(batch);
    const hash = batch.hashIds;
    for (let i = 0; i < batch.n; i++) {
      sink.bytes(a);
      sink.uint(Math.max(0, Math.round(batch.timestamp[i] * 1000)));
      sink.bytes(b);
      sink.number(prompt[i]);
      sink.bytes(c);
      sink.number(output[i] >= 1 ? output[i] : 1);
      if (hash && hash.offsets[i + 1] > hash.offsets[i]) {
        sink.bytes(e);
        sink.intList(hash.ids, hash.offsets[i], hash.offsets[i + 1]);
      }
      sink.bytes(d);
    }
  });
}
