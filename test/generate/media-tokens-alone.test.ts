/**
 * A log with a modality's tokens per request and no count of its items (`image_tokens` alone:
 * usage records give the image tokens, not how many images) fits a profile whose length windows
 * have the per-request total `image_tokens` and no `image_count`. `generate` drew media tokens
 * only beside a count, so such a profile's image tokens were left out of every generated request
 * — and of the replay formats' prompt lengths (text + media tokens) — without a word (found by a
 * receiver's review, h-104: a fit of 3 000 requests, a quarter with 576 and a quarter with 1 152
 * image tokens, generated requests with none; Mooncake `input_length` was the text alone).
 */
import { describe, expect, it } from 'vitest';
import { fitTrace } from '../../src/fit/fit-trace.js';
import { planGeneration, type GenerateOptions } from '../../src/generate/compose.js';
import { planNaiveGeneration } from '../../src/generate/naive.js';
import { planRequests } from '../../src/generate/in-memory.js';
import { createRng } from '../../src/stats/rng.js';
import { traceOf } from '../fit/helpers.js';

/** One client at 1 req/s over 3 000 s; image tokens 0, 0, 576 or 1 152 a request (mean 432), no image count. */
function imageTokensAlone() {
  const rng = createRng(7);
  const ts: number[] = [];
  for (let t = 0.5; t < 3000; t += -Math.log(rng.nextOpen())) ts.push(t);
  const image = Int32Array.from(ts, () => [0, 0, 576, 1152][Math.floor(rng.next() * 4)]);
  const input = Int32Array.from(ts, () => 100 + Math.floor(rng.next() * 400));
  const trace = traceOf(ts, undefined, ['a'], { input_tokens: input, output_tokens: Int32Array.from(ts, () => 50), image_tokens: image });
  const { profile } = fitTrace(trace, { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' });
  const sourceMean = image.reduce((s, x) => s + x, 0) / image.length;
  return { profile, sourceMean };
}

const opts: GenerateOptions = { start: 0, duration: 3000, rate: { kind: 'scale', factor: 1 }, seed: 3 };

describe('a profile with a per-request media total and no item count', () => {
  const { profile, sourceMean } = imageTokensAlone();

  it('is what fit makes of such a log', () => {
    const fields = Object.keys(profile.clients[0].lengths[0].fields);
    expect(fields).toContain('image_tokens');
    expect(fields).not.toContain('image_count');
  });

  for (const [name, plan] of [
    ['ours', () => planGeneration(profile, opts)],
    ['naive', () => planNaiveGeneration(profile, opts)],
  ] as const) {
    it(`${name}: generates the image tokens (from the whole PMF, zeros included) and no image count`, () => {
      const rs = [...planRequests(plan())];
      expect(rs.length).toBeGreaterThan(2500);
      // Before the fix: image_tokens undefined on every request.
      const withTokens = rs.filter((r) => r.image_tokens !== undefined);
      expect(withTokens.length).toBe(rs.length);
      expect(rs.every((r) => r.image_count === undefined)).toBe(true);
      const mean = withTokens.reduce((s, r) => s + r.image_tokens!, 0) / rs.length;
      // ~2 900 draws of a four-point PMF (SD 455): 5 SEs ≈ 42 tokens around the log's mean.
      expect(Math.abs(mean - sourceMean)).toBeLessThan(45);
      const zeros = rs.filter((r) => r.image_tokens === 0).length / rs.length;
      expect(zeros).toBeGreaterThan(0.44);
      expect(zeros).toBeLessThan(0.56);
    });
  }

  it('leaves a profile with item counts drawn as before (same seed, same requests)', () => {
    // The fitted mm-image-like case: counts and per-item tokens; a client with counts draws no
    // extra numbers, so its requests do not move.
    const withCount = structuredClone(profile);
    for (const w of withCount.clients[0].lengths) {
      w.fields.image_count = { pmf: { values: [0, 1], counts: [1, 1] } };
      w.fields.image_tokens_per_item = { pmf: { values: [576], counts: [1] } };
      delete w.fields.image_tokens;
    }
    const rs = [...planRequests(planGeneration(withCount, opts))];
    const images = rs.map((r) => [r.image_count, r.image_tokens]);
    expect(images.every(([n, t]) => t === n! * 576)).toBe(true);
    // Pinned from the build before the fix: the first five requests' input tokens and counts.
    expect(rs.slice(0, 5).map((r) => [r.input_tokens, r.image_count])).toMatchInlineSnapshot(`
      [
        [
          468,
          1,
        ],
        [
          210,
          1,
        ],
        [
          493,
          1,
        ],
        [
          190,
          0,
        ],
        [
          203,
          1,
        ],
      ]
    `);
  });
});
