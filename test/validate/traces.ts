import type { GenerationPlan } from '../../src/generate/compose.js';
import type { IngestResult } from '../../src/ingest/ingest.js';
import type { Trace } from '../../src/ingest/trace.js';
import { LENGTH_COLUMNS } from '../../src/io/trace-schema.js';

/** A generated plan as an in-memory trace (µs timestamps, as the writers print them). Tests and bench/validate-power.ts. */
export function toTrace(plan: GenerationPlan): Trace {
  const t: number[] = [];
  const c: number[] = [];
  const cols: Record<string, number[]> = {};
  for (const b of plan.batches) {
    for (let i = 0; i < b.n; i++) {
      t.push(Math.round(b.timestamp[i] * 1e6) / 1e6);
      c.push(b.client[i]);
    }
    LENGTH_COLUMNS.forEach((name, j) => {
      const col = b.lengths[j];
      if (col) for (let i = 0; i < b.n; i++) (cols[name] ??= []).push(Number.isNaN(col[i]) ? -1 : col[i]);
    });
  }
  return {
    n: t.length,
    timestamp: Float64Array.from(t),
    client: Int32Array.from(c),
    clientIds: plan.clientIds,
    ints: Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, Int32Array.from(v)])),
    texts: {},
    origin: null,
  };
}

/** A trace as an ingest result (no rejects, no header). */
export function asResult(trace: Trace): IngestResult {
  return { trace, rejects: [], summary: { files: ['(memory)'] } as IngestResult['summary'] };
}
