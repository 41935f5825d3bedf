/**
 * Per client, the prompt-prefix reuse model (generate/prefix-model.ts) of a trace with hash_ids:
 * the profile's `prefix` sections. Fitted from rows (a trie of each client's block ids in time
 * order), so only where fit has the rows: the TypeScript engine, not summaries.
 */
import type { Trace } from '../ingest/trace.js';
import type { PrefixSection } from '../profile/schema.js';
import { fitPrefixModel } from '../generate/prefix-model.js';
import { measurePrefixReuse, type PrefixRequest } from '../generate/prefix-reuse.js';
import { prefixSectionOf } from '../generate/prefix-section.js';

/** Prompt tokens of row i: text + image + audio + video input tokens (absent: 0), as replay formats count them. */
function promptTokens(trace: Trace, i: number): number {
  let t = 0;
  for (const f of ['input_tokens', 'image_tokens', 'audio_tokens', 'video_tokens'] as const) {
    const v = trace.ints[f]?.[i] ?? -1;
    if (v > 0) t += v;
  }
  return t;
}

/** Each client's section, by client id; clients without a row with hash_ids have none. Undefined when the trace has no hash_ids. */
export function prefixSections(trace: Trace): Map<string, PrefixSection> | undefined {
  const h = trace.hashIds;
  if (!h) return undefined;
  const byClient = new Map<number, PrefixRequest[]>();
  for (let i = 0; i < trace.n; i++) {
    const a = h.offsets[i];
    const b = h.offsets[i + 1];
    if (b === a) continue;
    let list = byClient.get(trace.client[i]);
    if (!list) byClient.set(trace.client[i], (list = []));
    const out = trace.ints.output_tokens?.[i] ?? -1;
    list.push({ hashIds: h.ids.subarray(a, b), timestamp: trace.timestamp[i] * 1000, inputLength: promptTokens(trace, i), outputLength: out > 0 ? out : 0 });
  }
  const out = new Map<string, PrefixSection>();
  for (const [c, requests] of byClient) {
    // (one walk of the client's requests for both: it is most of the time)
    const r = measurePrefixReuse(requests, h.blockTokens);
    const model = fitPrefixModel(requests, h.blockTokens, r);
    let blocks = 0;
    let shared = 0;
    for (let i = 0; i < requests.length; i++) {
      blocks += r.blocks[i];
      shared += r.shared[i];
    }
    out.set(trace.clientIds[c], prefixSectionOf(model, requests.length, blocks > 0 ? shared / blocks : 0));
  }
  return out;
}
