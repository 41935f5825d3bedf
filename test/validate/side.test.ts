import { describe, expect, it } from 'vitest';
import { buildSummaries } from '../../src/summary/build.js';
import { aggregateLengths, SIDE_LENGTH_SECONDS } from '../../src/validate/side.js';
import { createRng } from '../../src/stats/rng.js';
import type { Trace } from '../../src/ingest/trace.js';

/** Every number and every key in iteration order (Maps and PackedCounts alike). */
const plain = (x: unknown): unknown =>
  Array.isArray(x)
    ? x.map(plain)
    : x && typeof x === 'object' && 'forEach' in x
    ? [...(x as Map<unknown, unknown>).entries()].map(([k, v]) => [k, plain(v)])
    : x && typeof x === 'object'
      ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]))
      : x;

describe('aggregateLengths', () => {
  it('equals a scan of the aggregate stream exactly (counts, keys in order, fields in order), for one window or many', () => {
    const rng = createRng(3);
    const n = 20000;
    const t = new Float64Array(n);
    const client = new Int32Array(n);
    const col = (f: () => number) => Int32Array.from({ length: n }, f);
    let at = 0;
    for (let i = 0; i < n; i++) {
      at += -Math.log(rng.nextOpen()) * 0.5;
      t[i] = Math.round(at * 1000) / 1000;
      client[i] = Math.floor(rng.next() ** 2 * 7);
    }
    // Long tails (log bins), some absent values (−1), reasoning (reason_ratio), images for some clients only.
    const ints = {
      input_tokens: col(() => (rng.next() < 0.05 ? -1 : Math.floor(Math.exp(rng.next() * 11)))),
      output_tokens: col(() => Math.floor(Math.exp(rng.next() * 7))),
      reasoning_tokens: col(() => (rng.next() < 0.5 ? -1 : Math.floor(rng.next() * 300))),
      image_count: Int32Array.from(client, (c) => (c === 2 ? 1 + (c % 3) : -1)),
    };
    const trace: Trace = { n, timestamp: t, client, clientIds: ['a', 'b', 'c', 'd', 'e', 'f', 'g'], ints, texts: {}, origin: null };
    for (const lengthSeconds of [SIDE_LENGTH_SECONDS, 1800]) {
      const opts = { arrivalSeconds: 600, lengthSeconds, resolution: 0.001 };
      const per = buildSummaries(trace, opts);
      const agg = buildSummaries({ ...trace, client: new Int32Array(n), clientIds: ['*'] }, opts);
      expect(agg.lengths.length).toBe(lengthSeconds === 1800 ? Math.ceil(t[n - 1] / 1800) : 1);
      expect(plain(aggregateLengths(per.lengths))).toStrictEqual(plain(agg.lengths));
    }
    expect(aggregateLengths([])).toEqual([]);
  });
});
