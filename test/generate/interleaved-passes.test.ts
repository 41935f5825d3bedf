/**
 * Two passes over one plan's `batches` walked together (two iterators, as a harness zipping a
 * run with itself or feeding two consumers does) give each the requests of a pass alone. The
 * hash_ids block counter was the plan's, reset when a pass began: the second pass's start put
 * the first one's counter back to 0, and both then drew from one counter — 2 779 of 3 697
 * rows of 1 200 s of the Mooncake conversation profile got other block ids (found by using the
 * installed package as a library, h-102). Times and lengths were not affected.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { defaultFitOptions } from '../../src/fit/defaults.js';
import { fitTrace } from '../../src/fit/fit-trace.js';
import type { Profile } from '../../src/profile/schema.js';
import { defaultGenerateOptions } from '../../src/generate/defaults.js';
import { planGeneration, type GenerationPlan } from '../../src/generate/compose.js';
import { batchRequests, planRequests } from '../../src/generate/in-memory.js';
import { fixture } from '../helpers.js';

let profile: Profile;
beforeAll(async () => {
  const source = await ingestFiles({ inputs: [fixture('traces', 'mooncake', 'synthetic_trace.jsonl.gz')], mapping: loadPreset('mooncake') });
  profile = fitTrace(source.trace, defaultFitOptions({ created: '2026-01-01T00:00:00.000Z' })).profile;
});

/** Rows of two passes over `plan.batches`, advanced one batch each in turn. */
function interleaved(plan: GenerationPlan): [string[], string[]] {
  const passes = [plan.batches[Symbol.iterator](), plan.batches[Symbol.iterator]()];
  const rows: [string[], string[]] = [[], []];
  for (let live = 2; live > 0; ) {
    live = 0;
    passes.forEach((it, k) => {
      const b = it.next();
      if (b.done) return;
      live++;
      for (const r of batchRequests(b.value, plan.clientIds)) rows[k].push(JSON.stringify(r));
    });
  }
  return rows;
}

describe('passes over one plan walked together', () => {
  it('each give the requests, hash_ids included, of a pass alone', () => {
    const plan = planGeneration(profile, defaultGenerateOptions({ start: profile.span.start, duration: 1200, seed: 3, batchTarget: 200 }));
    expect(plan.prefixClients.length).toBe(1);
    const alone = [...planRequests(plan)].map((r) => JSON.stringify(r));
    expect(alone.length).toBeGreaterThan(500);
    expect(alone.filter((r) => r.includes('"hash_ids"')).length).toBe(alone.length);
    const [a, b] = interleaved(plan);
    expect(a).toEqual(alone);
    expect(b).toEqual(alone);
    // A lone pass after them is the same again.
    expect([...planRequests(plan)].map((r) => JSON.stringify(r))).toEqual(alone);
  });
});
