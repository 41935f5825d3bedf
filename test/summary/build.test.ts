import { describe, expect, it } from 'vitest';
import { buildSummaries, SummaryBuilder, type RowChunk } from '../../src/summary/build.js';
import { buildSummariesParallel, ParallelSummaryBuilder } from '../../src/summary/parallel-build.js';
import { PackedCounts } from '../../src/summary/packed.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import type { Trace } from '../../src/ingest/trace.js';
import { arrivalFields, type TraceSummaries } from '../../src/summary/types.js';
import { mergeAll } from '../../src/summary/merge.js';
import { summariesFromJson, summariesToJson } from '../../src/summary/serialize.js';
import { sliceTrace } from '../../src/ingest/trace.js';
import { Rng } from '../../src/stats/rng.js';
import { referenceBuildSummaries } from './reference-build.js';
import { fixture } from '../helpers.js';

/**
 * Summaries with every histogram as its entries sorted by key: exact comparison, order aside;
 * without their 5-minute counts (the reference builder has none; checked by bucketsOf).
 */
function plain(s: TraceSummaries): unknown {
  const m = (h: ReadonlyMap<number, number>) => [...h].sort((a, b) => a[0] - b[0]);
  const { buckets: _buckets, ...rest } = s;
  return {
    ...rest,
    arrivals: s.arrivals.map((a) => {
      const { batches, clusters, ...rest } = arrivalFields(a);
      return { ...rest, quant: m(a.quant), hist: m(a.hist), ...(batches ? { batches: m(batches) } : {}), ...(clusters ? { clusters: m(clusters) } : {}) };
    }),
    lengths: s.lengths.map((l) => ({ ...l, fields: [...l.fields].map(([f, h]) => [f, m(h)]), joint: m(l.joint) })),
  };
}

/** A random multi-client trace: bursts with equal timestamps, absent values, big lengths, reasoning. */
function randomTrace(seed: number, n: number, res: number): Trace {
  const rng = new Rng(BigInt(seed));
  const clients = ['b', 'a', 'c10', 'c2', 'zz'];
  const ts = new Float64Array(n);
  let t = rng.next() * 50;
  for (let i = 0; i < n; i++) {
    if (rng.next() > 0.2) t += -Math.log(1 - rng.next()) * (rng.next() < 0.1 ? 400 : 3);
    ts[i] = Math.round(t / res) * res;
  }
  const int = (f: () => number) => Int32Array.from({ length: n }, f);
  const len = () => (rng.next() < 0.05 ? -1 : rng.next() < 0.1 ? Math.floor(rng.next() * 3e6) : Math.floor(rng.next() * 5000));
  const output = int(() => (rng.next() < 0.05 ? 0 : len()));
  return {
    n,
    timestamp: ts,
    client: int(() => Math.floor(Math.pow(rng.next(), 2) * clients.length)),
    clientIds: clients,
    ints: { input_tokens: int(len), output_tokens: output, reasoning_tokens: int(() => (rng.next() < 0.3 ? -1 : Math.floor(rng.next() * 2000))), image_count: int(() => (rng.next() < 0.7 ? -1 : Math.floor(rng.next() * 4))) },
    texts: {},
    origin: null,
  };
}

/** n rows, 0–20 ms apart at a 1 ms clock, spread over `clients` clients; output lengths (10 % absent) with `outputs`. */
function steadyTrace(n: number, seed: bigint, clients: number, outputs = false): Trace {
  const rng = new Rng(seed);
  const timestamp = new Float64Array(n);
  for (let i = 1; i < n; i++) timestamp[i] = timestamp[i - 1] + Math.round(rng.next() * 20) / 1000;
  const client = Int32Array.from({ length: n }, () => Math.floor(rng.next() * clients));
  const input_tokens = Int32Array.from({ length: n }, () => Math.floor(rng.next() * 4000));
  const ints: Trace['ints'] = outputs ? { input_tokens, output_tokens: Int32Array.from({ length: n }, () => (rng.next() < 0.1 ? -1 : Math.floor(rng.next() * 900))) } : { input_tokens };
  return { n, timestamp, client, clientIds: Array.from({ length: clients }, (_, i) => String.fromCharCode(97 + i)), ints, texts: {}, origin: outputs ? '2024-01-01T00:00:00.000Z' : null };
}

/** Rows per 300 s bucket, by bucket number, of a summaries' `buckets` (nonzero ones). */
function bucketsOf(s: TraceSummaries): Record<number, number> {
  const out: Record<number, number> = {};
  s.buckets!.counts.forEach((c, i) => {
    if (c > 0) out[s.buckets!.base + i] = c;
  });
  return out;
}

/** Rows per 300 s bucket of times, counted directly. */
function countBuckets(times: ArrayLike<number>): Record<number, number> {
  const out: Record<number, number> = {};
  for (let i = 0; i < times.length; i++) {
    const k = Math.floor(times[i] / 300);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

describe('streaming summary builder', () => {
  it('gives exactly the summaries of the per-row Map builder it replaced (random traces, odd windows)', () => {
    for (const [seed, W, L, res] of [
      [1, 600, 21600, 0.001],
      [2, 45, 100, 1], // windows that cut 60 s dispersion bins; a 1 s clock (many zero gaps)
      [3, 7, 13, 1e-6],
    ] as const) {
      const trace = randomTrace(seed, 20_000, res);
      const opts = { arrivalSeconds: W, lengthSeconds: L, resolution: res };
      const built = buildSummaries(trace, opts);
      expect(plain(built), `seed ${seed}`).toEqual(plain(referenceBuildSummaries(trace, opts)));
      expect(bucketsOf(built), `seed ${seed}`).toEqual(countBuckets(trace.timestamp));
    }
  });

  it('counts rows per 5-minute bucket as a sorted count does, pushed in any order per client, across workers and merged parts', async () => {
    const trace = randomTrace(5, 20_000, 0.001);
    const opts = { arrivalSeconds: 60, lengthSeconds: 600, resolution: 0.001 };
    const expected = countBuckets(trace.timestamp);
    expect(Object.keys(expected).length).toBeGreaterThan(3);
    expect(bucketsOf(buildSummaries(trace, opts))).toEqual(expected);
    const many = await ParallelSummaryBuilder.start({ ...opts, clients: trace.clientIds }, 2);
    try {
      expect(many.push({ n: trace.n, t: trace.timestamp, client: trace.client, ints: trace.ints })).toBe(true);
      await many.drain();
      expect(bucketsOf(await many.finish(null))).toEqual(expected);
    } finally {
      many.close();
    }
    const cut = trace.timestamp[Math.floor(trace.n / 2)];
    const parts = [sliceTrace(trace, -Infinity, cut), sliceTrace(trace, cut, Infinity)].map((t) => buildSummaries(t, opts));
    expect(bucketsOf(mergeAll(parts))).toEqual(expected);
    expect(bucketsOf(summariesFromJson(JSON.parse(JSON.stringify(summariesToJson(mergeAll(parts))))))).toEqual(expected);
  });

  it('gives exactly the summaries of the per-row Map builder on the real traces (resolution detected)', async () => {
    for (const [preset, file] of [
      ['azure-llm-2023', 'azure-llm-2023/AzureLLMInferenceTrace_conv.csv'],
      ['mooncake', 'mooncake/conversation_trace.jsonl.gz'],
      ['burstgpt', 'burstgpt/burstgpt3_slice.csv'],
    ] as const) {
      const { trace } = await ingestFiles({ inputs: [fixture('traces', file)], mapping: loadPreset(preset) });
      const opts = { arrivalSeconds: 60, lengthSeconds: 600 };
      const s = buildSummaries(trace, opts);
      expect(s.arrivals.length, file).toBeGreaterThan(10);
      expect(plain(s), file).toEqual(plain(referenceBuildSummaries(trace, opts)));
      expect(bucketsOf(s), file).toEqual(countBuckets(trace.timestamp));
    }
  });

  it('gives the same summaries fed in chunks of any size as in one push', () => {
    const trace = randomTrace(4, 5000, 0.01);
    const opts = { arrivalSeconds: 60, lengthSeconds: 300, resolution: 0.01 };
    const whole = plain(buildSummaries(trace, opts));
    for (const size of [1, 7, 4096]) {
      const b = new SummaryBuilder({ ...opts, clients: trace.clientIds });
      for (let i = 0; i < trace.n; i += size) {
        const to = Math.min(trace.n, i + size);
        const ints = Object.fromEntries(Object.entries(trace.ints).map(([k, v]) => [k, v!.slice(i, to)]));
        expect(b.push({ n: to - i, t: trace.timestamp.slice(i, to), client: trace.client.slice(i, to), ints })).toBe(true);
      }
      expect(plain(b.finish(null)), `chunks of ${size}`).toEqual(whole);
    }
  });

  it('reports progress every 2^20 rows when asked, with the same summaries', () => {
    const n = 2_200_000;
    const trace = steadyTrace(n, 4n, 3);
    const opts = { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 0.001 };
    const calls: [number, number][] = [];
    const withProgress = buildSummaries(trace, { ...opts, onProgress: (rows, total) => calls.push([rows, total]) });
    expect(calls).toEqual([[1 << 20, 2_200_000], [2 << 20, 2_200_000], [2_200_000, 2_200_000]]);
    expect(plain(withProgress)).toEqual(plain(buildSummaries(trace, opts)));
  }, 60_000);

  it('stops at the first row earlier than its client\u2019s previous one', () => {
    const b = new SummaryBuilder({ arrivalSeconds: 60, lengthSeconds: 60, resolution: 0, clients: ['a', 'b'] });
    // b at 5 then a at 3 is fine (other client); a at 2 after a at 3 is not.
    expect(b.push({ n: 3, t: Float64Array.of(1, 5, 3), client: Int32Array.of(0, 1, 0), ints: {} })).toBe(true);
    expect(b.push({ n: 2, t: Float64Array.of(2, 9), client: Int32Array.of(0, 1), ints: {} })).toBe(false);
    expect(b.rows).toBe(3);
    expect(() => buildSummaries({ n: 2, timestamp: Float64Array.of(2, 1), client: new Int32Array(2), clientIds: ['x'], ints: {}, texts: {}, origin: null }, { arrivalSeconds: 60, lengthSeconds: 60 })).toThrow(/not sorted/);
  });
});

describe('PackedCounts', () => {
  it('reads like the Map of its pairs', () => {
    const p = new PackedCounts(Float64Array.of(-3, 0, 2.5, 7), Float64Array.of(1, 4, 2, 9));
    const m = new Map([[-3, 1], [0, 4], [2.5, 2], [7, 9]]);
    expect([...p]).toEqual([...m]);
    expect([...p.keys()]).toEqual([...m.keys()]);
    expect([...p.values()]).toEqual([...m.values()]);
    expect(p.size).toBe(4);
    for (const k of [-3, 0, 2.5, 7, 1, -4, 8]) {
      expect(p.get(k)).toBe(m.get(k));
      expect(p.has(k)).toBe(m.has(k));
    }
    const seen: number[][] = [];
    p.forEach((v, k) => seen.push([k, v]));
    expect(seen).toEqual([...m]);
    expect(new Map(p)).toEqual(m);
  });
});

describe('summary builder on worker threads', () => {
  const chunks = (trace: Trace, rng: Rng): RowChunk[] => {
    const out: RowChunk[] = [];
    for (let at = 0; at < trace.n; ) {
      const to = Math.min(trace.n, at + 1 + Math.floor(rng.next() * 5000));
      const ints: RowChunk['ints'] = {};
      for (const [f, col] of Object.entries(trace.ints)) ints[f as keyof RowChunk['ints']] = col!.slice(at, to);
      out.push({ n: to - at, t: trace.timestamp.slice(at, to), client: trace.client.slice(at, to), ints });
      at = to;
    }
    return out;
  };

  it('gives exactly the summaries of one builder (1–3 workers, any chunking, odd windows)', async () => {
    for (const [seed, W, L, res, workers] of [
      [4, 600, 21600, 0.001, 2],
      [5, 45, 100, 1, 3],
      [6, 7, 13, 1e-6, 1],
    ] as const) {
      const trace = randomTrace(seed, 100_000, res);
      const opts = { arrivalSeconds: W, lengthSeconds: L, resolution: res, clients: trace.clientIds };
      const one = new SummaryBuilder(opts);
      const many = await ParallelSummaryBuilder.start(opts, workers);
      for (const c of chunks(trace, new Rng(BigInt(seed)))) {
        expect(one.push(c)).toBe(true);
        expect(many.push(c)).toBe(true);
        await many.drain();
      }
      // Compared as text (a failing deep diff of objects this size runs out of memory).
      const gotSummaries = await many.finish(null);
      const wantSummaries = one.finish(null);
      expect(bucketsOf(gotSummaries), `seed ${seed}`).toEqual(bucketsOf(wantSummaries));
      const got = JSON.stringify(plain(gotSummaries));
      const want = JSON.stringify(plain(wantSummaries));
      let at = 0;
      while (at < want.length && got[at] === want[at]) at++;
      expect(got.slice(at - 300, at + 300), `seed ${seed}, ${got.length} vs ${want.length} chars`).toBe(want.slice(at - 300, at + 300));
    }
  });

  it('buildSummariesParallel gives buildSummaries\u2019 summaries, with progress (600 000 rows, 2 workers)', async () => {
    const n = 600_000;
    const trace = steadyTrace(n, 9n, 5, true);
    const opts = { arrivalSeconds: 600, lengthSeconds: 3600 };
    const calls: number[] = [];
    const parallel = await buildSummariesParallel(trace, { ...opts, onProgress: (rows) => calls.push(rows) }, 2);
    expect(calls).toEqual([n]);
    expect(plain(parallel)).toEqual(plain(buildSummaries(trace, opts)));
  }, 60_000);

  it('refuses a client that goes back in time, as one builder does', async () => {
    const b = await ParallelSummaryBuilder.start({ arrivalSeconds: 60, lengthSeconds: 600, resolution: 0.001, clients: ['a', 'b'] }, 2);
    try {
      expect(b.push({ n: 3, t: Float64Array.from([1, 2, 1.5]), client: Int32Array.from([0, 0, 1]), ints: {} })).toBe(true);
      expect(b.push({ n: 2, t: Float64Array.from([3, 1.9]), client: Int32Array.from([1, 0]), ints: {} })).toBe(false);
    } finally {
      b.close();
    }
  });

  it('fails, rather than waits forever, when a worker stops', async () => {
    const b = await ParallelSummaryBuilder.start({ arrivalSeconds: 60, lengthSeconds: 600, resolution: 0.001, clients: ['a', 'b'] }, 2);
    expect(b.push({ n: 2, t: Float64Array.from([1, 2]), client: Int32Array.from([0, 1]), ints: {} })).toBe(true);
    await (b as unknown as { lanes: { worker: { terminate(): Promise<number> } }[] }).lanes[1].worker.terminate();
    await expect(b.finish(null)).rejects.toThrow(/summary worker stopped/);
  });
});

describe('arrival windows from a scan (views of packed records)', () => {
  it('read, copy (arrivalFields) and write JSON as plain summaries do', () => {
    const rows: [number, number][] = [];
    // Clients a–c: ~54 gaps a window (gap-memory terms); d: a few rows (none).
    for (let i = 0; i < 400; i++) rows.push([i * 0.37 + (i % 7) * 0.01, i % 40 === 5 ? 3 : i % 3]);
    const t: Trace = { n: rows.length, timestamp: Float64Array.from(rows, (r) => r[0]), client: Int32Array.from(rows, (r) => r[1]), clientIds: ['a', 'b', 'c', 'd'], ints: {}, origin: null } as unknown as Trace;
    const s = buildSummaries(t, { arrivalSeconds: 60, lengthSeconds: 600 });
    const withMem = s.arrivals.find((a) => a.mem !== undefined)!;
    const without = s.arrivals.find((a) => a.mem === undefined)!;
    for (const a of [withMem, without]) {
      const copy = arrivalFields(a);
      expect(Object.keys(copy)).toEqual(['client', 'start', 'n', 'first', 'last', 'gaps', 'sum', 'sumSq', 'sumLog', 'positive', 'quant', 'hist', 'disp', ...(a.mem ? ['mem'] : [])]);
      for (const k of Object.keys(copy) as (keyof typeof copy)[]) expect(copy[k], k).toEqual(a[k]);
      expect(JSON.parse(JSON.stringify(a))).toEqual(JSON.parse(JSON.stringify(copy)));
    }
    expect(withMem.mem!.length).toBe(16);
    expect(without.n).toBeGreaterThan(0);
  });
});
