import { ascii } from './byte-sink.js';
import type { TraceLayout } from './trace-schema.js';
import { textTraceWriter } from './to-text.js';
import { replayLengths } from './replay-lengths.js';
import type { TraceWriter } from './trace-writer.js';

/**
 * Splitwise's simulator trace (Mutinifni/splitwise-sim, `trace.py`: `pd.read_csv`, then each row
 * as keyword arguments of `GenerativeLLMRequest` in `request.py`): header
 * `request_id,request_type,application_id,arrival_timestamp,batch_size,prompt_size,token_size`,
 * one request per row numbered from 0, request type 2 (generative LLM, the only one it runs),
 * application 0 (its configs' one application), batch size 1, the arrival in seconds (six
 * decimals; the simulator schedules it as a delay from its start), the prompt tokens (text +
 * media, as the other replay formats count them) and the output tokens — the columns and values
 * its own `generate_trace.py` writes. Counts below 1 are written as 1: its token task runs
 * `token_size - 1` tokens, and Azure's traces, whose lengths it samples, have none below 2.
 * The Azure layout (`--format azure`) is not such a trace: `generate_trace.py` reads only its
 * length columns, as distributions (found by audit, h-92: the README said the simulator read it).
 * An arrival at 0 (to the microsecond) is written as 0.000001: the simulator runs an event of
 * delay 0 at once (simulator.py `schedule`), that is while it loads the trace, before run.py
 * sets up its instances (`init_start_state` comes after the simulator is made).
 */
export function splitwiseTraceWriter(path: string, _layout: TraceLayout): TraceWriter {
  const fixed = ascii(',2,0,');
  const one = ascii(',1,');
  const comma = ascii(',');
  const nl = ascii('\n');
  let id = 0;
  return textTraceWriter(path, 'request_id,request_type,application_id,arrival_timestamp,batch_size,prompt_size,token_size\n', (batch, sink) => {
    const { prompt, output } = replayLengths(batch);
    for (let i = 0; i < batch.n; i++) {
      sink.uint(id++);
      sink.bytes(fixed);
      const t = batch.timestamp[i];
      sink.fixed6(Math.round(t * 1e6) >= 1 ? t : 0.000001);
      sink.bytes(one);
      sink.number(prompt[i] >= 1 ? prompt[i] : 1);
      sink.bytes(comma);
      sink.number(output[i] >= 1 ? output[i] : 1);
      sink.bytes(nl);
    }
  });
}
