import type { TraceBatch } from './trace-schema.js';

/**
 * The two lengths replay formats carry, per row of a batch: the prompt (text + image + audio
 * + video input tokens; absent values count 0) and the output tokens (0 when absent).
 */
export function replayLengths(batch: TraceBatch): { prompt: Float64Array; output: Float64Array } {
  const L = batch.lengths;
  const parts = [L[0], L[4], L[6], L[8]].filter((col): col is Float64Array => col !== undefined);
  const out = L[1];
  const prompt = new Float64Array(batch.n);
  const output = new Float64Array(batch.n);
  for (let i = 0; i < batch.n; i++) {
    let input = 0;
    for (const p of parts) {
      const v = p[i];
      if (v === v) input += v;
    }
    prompt[i] = input;
    const o = out ? out[i] : NaN;
    output[i] = o === o ? o : 0;
  }
  return { prompt, output };
}

/**
 * Rows of a batch whose output the Mooncake format raises to 1 (0 tokens, or none): AIPerf sends
 * `output_length` as the completion-token cap, which servers refuse below 1 (to-mooncake.ts).
 */
export function replayOutputsRaised(batch: TraceBatch): number {
  const out = batch.lengths[1];
  if (!out) return batch.n;
  let k = 0;
  for (let i = 0; i < batch.n; i++) {
    const o = out[i];
    if (!(o >= 1)) k++;
  }
  return k;
}
