import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { jsonlTraceWriter } from '../../src/io/to-jsonl.js';
import { csvTraceWriter } from '../../src/io/to-csv.js';
import type { TraceBatch, TraceLayout } from '../../src/io/trace-schema.js';
import { createRng } from '../../src/stats/rng.js';
import { tempDir } from '../helpers.js';

// Client ids a writer must escape or quote: quotes, commas, '#', spaces, newlines, control
// characters, non-ASCII, emoji, a lone surrogate, a backslash.
const IDS = ['plain', 'with "quotes"', 'a,b', 'x#y', ' lead', 'line\nbreak', 'tab\tctl\u0001', 'näive', '模型', 'emoji 🚀', 'lone \ud800', 'back\\slash'];

/** A batch with compact session ids, and the same batch with the id strings only. */
function batches(n: number): [TraceBatch, TraceBatch] {
  const rng = createRng(4);
  const client = Int32Array.from({ length: n }, () => Math.floor(rng.next() * IDS.length));
  const numbers = Float64Array.from({ length: n }, () => (rng.next() < 0.2 ? NaN : 1 + Math.floor(rng.next() * 1e6)));
  const base = {
    n,
    timestamp: Float64Array.from({ length: n }, (_, i) => i * 0.25),
    client,
    lengths: [Float64Array.from({ length: n }, () => Math.floor(rng.next() * 5000))],
    extraInts: { turn: Float64Array.from(numbers, (x) => (x === x ? 1 : NaN)) },
  };
  const ids = Array.from(numbers, (sn, i) => (sn === sn ? `${IDS[client[i]]}#${sn}` : undefined));
  return [
    { ...base, sessionNumbers: numbers, texts: { session_id: ids } },
    { ...base, texts: { session_id: ids } },
  ];
}

describe('compact session ids (TraceBatch.sessionNumbers): text writers write the same bytes as from the strings', () => {
  const layout: TraceLayout = { clientIds: IDS, columns: ['input_tokens'], texts: ['session_id'], extraInts: ['turn'], meta: { format: 'servegen-trace', version: 1, origin: null } };
  for (const [name, writer] of [
    ['jsonl', jsonlTraceWriter],
    ['csv', csvTraceWriter],
  ] as const) {
    it(name, async () => {
      const dir = tempDir();
      const [compact, strings] = batches(5000);
      const out: string[] = [];
      for (const [k, b] of [compact, strings].entries()) {
        const w = writer(`${dir}/${k}.${name}`, layout);
        await w.write(b);
        await w.close();
        out.push(readFileSync(`${dir}/${k}.${name}`, 'latin1'));
      }
      expect(out[0].length).toBeGreaterThan(100_000);
      expect(out[0]).toBe(out[1]);
    });
  }
});
