import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/stats/rng.js';
import { normalCdf } from '../../src/stats/normal.js';
import { buildSummaries } from '../../src/summary/build.js';
import { mergeAll, mergeSummaries } from '../../src/summary/merge.js';
import { fitSummaries } from '../../src/fit/fit-trace.js';
import { expectClose, expectEqualSummaries } from '../summary/equal-summaries.js';
import { fitTrace, type FitOptions } from '../../src/fit/fit-trace.js';
import { spearmanFromJoint } from '../../src/fit/lengths.js';
import { rateChangePoints } from '../../src/fit/rates.js';
import { importServegenPool } from '../../src/profile/upstream.js';
import { planGeneration } from '../../src/generate/compose.js';
import { planRequests } from '../../src/generate/in-memory.js';
import { validateProfile } from '../../src/profile/read.js';
import { serializeProfile } from '../../src/profile/write.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import type { Trace } from '../../src/ingest/trace.js';
import { LENGTH_COLUMNS } from '../../src/io/trace-schema.js';
import { fixture } from '../helpers.js';
import { traceOf } from './helpers.js';

const base: FitOptions = { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' };

describe('summaries', () => {
  it('merge is associative: three partitions merged either way give the same summaries', () => {
    const rng = createRng(3);
    const ts: number[] = [];
    const cs: number[] = [];
    let t = 0;
    for (let i = 0; i < 3000; i++) {
      t += -Math.log(rng.nextOpen());
      ts.push(Math.round(t * 1000) / 1000);
      cs.push(i % 3);
    }
    const part = (a: number, b: number) => traceOf(ts.slice(a, b), cs.slice(a, b), ['a', 'b', 'c']);
    const opts = { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 1e-3 };
    const [p, q, r] = [part(0, 1000), part(1000, 2000), part(2000, 3000)].map((x) => buildSummaries(x, opts));
    const left = mergeSummaries(mergeSummaries(p, q), r);
    const right = mergeSummaries(p, mergeSummaries(q, r));
    expect(right.arrivals.length).toBe(left.arrivals.length);
    right.arrivals.forEach((s, i) => {
      const l = left.arrivals[i];
      expect([s.client, s.start, s.n, s.gaps, s.positive]).toEqual([l.client, l.start, l.n, l.gaps, l.positive]);
      expect(s.sum).toBeCloseTo(l.sum, 9);
      expect([...s.hist.entries()].sort()).toEqual([...l.hist.entries()].sort());
      expect([...s.quant.entries()].sort()).toEqual([...l.quant.entries()].sort());
    });
    // Counts add up to the rows.
    expect(left.arrivals.reduce((a, s) => a + s.n, 0)).toBe(3000);
  });
});

describe('time partitions', () => {
  it('four parts cut at 600 s boundaries merge (in any order) to the whole scan\'s summaries and profile (Azure conv)', async () => {
    const { trace } = await ingestFiles({ inputs: [fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv')], mapping: loadPreset('azure-llm-2023') });
    const opts = { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 1e-6 };
    const whole = buildSummaries(trace, opts);
    const end = trace.timestamp[trace.n - 1];
    const cuts = [1, 2, 3].map((k) => Math.floor((end * k) / 4 / 600) * 600);
    expect(new Set(cuts).size).toBe(3);
    const bounds = [0, ...cuts.map((c) => trace.timestamp.findIndex((t) => t >= c)), trace.n];
    const parts = [0, 1, 2, 3].map((p) => {
      const [a, b] = [bounds[p], bounds[p + 1]];
      expect(b - a).toBeGreaterThan(100);
      const part: Trace = {
        ...trace,
        n: b - a,
        timestamp: trace.timestamp.subarray(a, b),
        client: trace.client.subarray(a, b),
        ints: Object.fromEntries(Object.entries(trace.ints).map(([f, c]) => [f, c!.subarray(a, b)])),
        texts: {},
      };
      return buildSummaries(part, opts);
    });
    const merged = mergeAll([parts[2], parts[0], parts[3], parts[1]]);
    expect(merged.arrivals.reduce((n, a) => n + a.gaps, 0)).toBe(trace.n - 1);
    expectEqualSummaries(whole, merged);
    const fit = { ...base, created: 'x' };
    expectClose(fitSummaries(whole, fit).clients, fitSummaries(merged, fit).clients);
    // Pairwise merging does not restore the gaps across the three cuts (only mergeAll can).
    const pairwise = [parts[0], parts[2], parts[1], parts[3]].reduce((m, p) => mergeSummaries(m, p));
    expect(pairwise.arrivals.reduce((n, a) => n + a.gaps, 0)).toBe(trace.n - 4);
  });
});

describe('joint structure', () => {
  it('recovers Spearman 0.3 within 0.05 at n = 5 000 from the coarse joint histogram', () => {
    const rng = createRng(11);
    const n = 5000;
    const rho = 2 * Math.sin((Math.PI * 0.3) / 6); // Gaussian copula with Spearman 0.3
    const input = new Int32Array(n);
    const output = new Int32Array(n);
    const ts: number[] = [];
    for (let i = 0; i < n; i++) {
      const z1 = rng.normal();
      const z2 = rho * z1 + Math.sqrt(1 - rho * rho) * rng.normal();
      input[i] = Math.floor(Math.exp(6 + 1.3 * z1)); // log-normal-ish inputs
      output[i] = Math.floor(-Math.log(1 - normalCdf(z2)) * 250); // exponential outputs
      ts.push(i);
    }
    const s = buildSummaries(traceOf(ts, undefined, undefined, { input_tokens: input, output_tokens: output }), { arrivalSeconds: 600, lengthSeconds: 1e9 });
    const est = spearmanFromJoint(s.lengths[0].joint)!;
    expect(Math.abs(est - 0.3)).toBeLessThan(0.05);
  });
});

describe('rates and shifts', () => {
  it('finds a planted rate shift within one window', () => {
    const rng = createRng(5);
    const ts: number[] = [];
    let t = 0;
    while (t < 86400) {
      const rate = t < 30000 ? 2 : 6; // shift at 30 000 s (window 50)
      t += -Math.log(rng.nextOpen()) / rate;
      ts.push(t);
    }
    const { profile } = fitTrace(traceOf(ts), base);
    const shifts = profile.clients[0].shifts ?? [];
    expect(shifts.some((s) => Math.abs(s - 30000) <= 600)).toBe(true);
    expect(shifts.length).toBeLessThanOrEqual(2);
  });

  it('finds nothing in a stationary bursty series', () => {
    const rng = createRng(6);
    const counts: number[] = [];
    for (let i = 0; i < 144; i++) counts.push(Math.round(600 * (1 + 0.3 * rng.normal())));
    expect(rateChangePoints(counts, counts.map(() => 1))).toEqual([]);
  });
});

describe('fit → profile', () => {
  it('recovers an imported pool\'s rates (windows ≥ 1 000 requests, 5 %) and CVs (10 %) from a generated trace', () => {
    const pool = importServegenPool(fixture('servegen', 'multimodal', 'mm-image'), () => 'x').profile;
    const plan = planGeneration(pool, { start: 0, duration: 21600, rate: { kind: 'scale', factor: 1 }, seed: 9, shapeSource: 'cv' });
    const t: number[] = [];
    const c: number[] = [];
    const cols: Record<string, number[]> = {};
    for (const b of plan.batches) {
      for (let i = 0; i < b.n; i++) {
        t.push(b.timestamp[i]);
        c.push(b.client[i]);
      }
      LENGTH_COLUMNS.forEach((name, j) => {
        const col = b.lengths[j];
        if (col) for (let i = 0; i < b.n; i++) (cols[name] ??= []).push(col[i]);
      });
    }
    // Round to µs as the trace writers do.
    const trace: Trace = traceOf(t.map((x) => Math.round(x * 1e6) / 1e6), c, plan.clientIds, Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, Int32Array.from(v)])));
    const { profile } = fitTrace(trace, base);
    expect(() => validateProfile(JSON.parse(serializeProfile(profile)))).not.toThrow();
    let rateChecked = 0;
    let cvChecked = 0;
    const cvErrors: number[] = [];
    for (const fc of profile.clients) {
      const src = pool.clients.find((x) => x.id === fc.id)!;
      for (const w of fc.arrivals) {
        const sw = src.arrivals.find((x) => x.start === w.start)!;
        if (w.rate * 600 < 1000 || !sw.model || sw.cv === null || w.cv === null) continue;
        // Count noise: bursty windows are over-dispersed; 5 % holds where the count is large.
        expect(Math.abs(w.rate / sw.rate - 1), `client ${fc.id} window ${w.start}`).toBeLessThan(0.05);
        rateChecked++;
        if (sw.cv <= 2) {
          cvErrors.push(Math.abs(w.cv / sw.cv - 1));
          cvChecked++;
        }
      }
    }
    expect(rateChecked).toBeGreaterThan(20);
    expect(cvChecked).toBeGreaterThan(10);
    // Sample CVs at n ≥ 1 000 for CV ≤ 2 have relative SE ≤ 5 %: ≥ 90 % of windows within 10 %.
    expect(cvErrors.filter((e) => e < 0.1).length / cvErrors.length).toBeGreaterThanOrEqual(0.9);
    // Lengths: the profile has compact count PMFs and a per-request image token field.
    const w0 = profile.clients[0].lengths[0];
    expect(w0.fields.input_tokens!.pmf.counts).toBeDefined();
    expect(w0.fields.image_count).toBeDefined();
    expect(w0.joint).toBeDefined();
  });

  it('fits every real trace into a valid profile; BurstGPT gets session statistics', async () => {
    const cases: [string, string][] = [
      ['azure-llm-2023', 'azure-llm-2023/AzureLLMInferenceTrace_conv.csv'],
      ['azure-llm-2023', 'azure-llm-2023/AzureLLMInferenceTrace_code.csv'],
      ['mooncake', 'mooncake/conversation_trace.jsonl.gz'],
      ['burstgpt', 'burstgpt/burstgpt3_slice.csv'],
    ];
    for (const [preset, file] of cases) {
      const { trace } = await ingestFiles({ inputs: [fixture('traces', file)], mapping: loadPreset(preset) });
      const { profile, summaries } = fitTrace(trace, base);
      expect(() => validateProfile(JSON.parse(serializeProfile(profile))), file).not.toThrow();
      expect(profile.clients.reduce((s, c) => s + c.requests, 0), file).toBe(trace.n);
      if (preset === 'mooncake') expect(summaries.resolution).toBeCloseTo(3, 1); // ~3 s buckets
      if (preset === 'burstgpt') {
        const conv = profile.clients.find((c) => c.id === 'ChatGPT/Conversation log')!;
        expect(conv.sessions).toMatchObject({ sessions: expect.any(Number), mean_turns: expect.any(Number) });
      }
    }
  });

  it('--min-client-requests pools small clients into "tail"', async () => {
    const { trace } = await ingestFiles({ inputs: [fixture('traces', 'burstgpt/burstgpt3_slice.csv')], mapping: loadPreset('burstgpt') });
    const { profile, pooledClients } = fitTrace(trace, { ...base, minClientRequests: 50 });
    expect(pooledClients).toBe(2);
    expect(profile.clients.map((c) => c.id).sort()).toEqual(['ChatGPT/Conversation log', 'GPT-4/Conversation log', 'tail']);
  });
});

describe('summary serialization', () => {
  it('JSON round trip keeps every count and sum', async () => {
    const { summariesToJson, summariesFromJson } = await import('../../src/summary/serialize.js');
    const { trace } = await ingestFiles({ inputs: [fixture('traces', 'burstgpt/burstgpt3_slice.csv')], mapping: loadPreset('burstgpt') });
    const s = buildSummaries(trace, { arrivalSeconds: 600, lengthSeconds: 21600 });
    const back = summariesFromJson(JSON.parse(JSON.stringify(summariesToJson(s))));
    // Histograms compare as their entries (packed from the scan, Maps from JSON).
    const entries = (x: unknown): unknown => (x instanceof Map || (x && typeof x === 'object' && 'entries' in x && typeof (x as Map<unknown, unknown>).get === 'function') ? [...(x as Map<unknown, unknown>)].map(([k, v]) => [k, entries(v)]) : Array.isArray(x) ? x.map(entries) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, entries(v)])) : x);
    // (The scan's arrival windows are views: their fields are getters, copied by arrivalFields.)
    const { arrivalFields } = await import('../../src/summary/types.js');
    expect(entries(back)).toEqual(entries({ ...s, arrivals: s.arrivals.map(arrivalFields) }));
    expect(s.arrivals.some((a) => a.hist.size > 0) && s.lengths.some((l) => l.fields.size > 0)).toBe(true);
  });
});

describe('aggregate rate model', () => {
  it('recovers a planted diurnal shape (peak/mean 1.5) over two days; none for an hour of data', async () => {
    const { fitAggregateRate } = await import('../../src/fit/rates.js');
    const rng = createRng(21);
    const ts: number[] = [];
    // Thinning: rate(t) = 0.5·(1 + 0.5·cos(2πt/86 400)) requests/s, max 0.75.
    let t = 0;
    while (t < 2 * 86400) {
      t += -Math.log(rng.nextOpen()) / 0.75;
      if (rng.next() < (1 + 0.5 * Math.cos((2 * Math.PI * t) / 86400)) / 1.5) ts.push(t);
    }
    const m = fitAggregateRate(Float64Array.from(ts))!;
    expect(m.diurnal_peak_to_mean!).toBeGreaterThan(1.4);
    expect(m.diurnal_peak_to_mean!).toBeLessThan(1.6);
    expect(Math.abs(m.params.c24 / 0.25 - 1)).toBeLessThan(0.1); // amplitude 0.5 × mean 0.5
    const hour = fitAggregateRate(Float64Array.from(ts.filter((x) => x < 3600)))!;
    expect(hour.diurnal_peak_to_mean).toBeNull();
    expect(hour.params.c24).toBe(0);
  });
});

describe('fitting from summaries of partitions', () => {
  it('4 client shards summarized apart and merged give the same profile as one scan', async () => {
    const { fitSummaries } = await import('../../src/fit/fit-trace.js');
    const pool = importServegenPool(fixture('servegen', 'multimodal', 'mm-image'), () => 'x').profile;
    const t: number[] = [];
    const c: number[] = [];
    const ins: number[] = [];
    const outs: number[] = [];
    const plan = planGeneration(pool, { start: 0, duration: 7200, rate: { kind: 'constant', rate: 20 }, seed: 12 });
    for (const b of plan.batches) {
      for (let i = 0; i < b.n; i++) {
        t.push(Math.round(b.timestamp[i] * 1e6) / 1e6);
        c.push(b.client[i]);
        ins.push(b.lengths[0]![i]);
        outs.push(b.lengths[1]![i]);
      }
    }
    const whole = traceOf(t, c, plan.clientIds, { input_tokens: Int32Array.from(ins), output_tokens: Int32Array.from(outs) });
    const opts = { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 1e-6 };
    const shard = (k: number) => {
      const keep = t.map((_, i) => i).filter((i) => c[i] % 4 === k);
      return traceOf(keep.map((i) => t[i]), keep.map((i) => c[i]), plan.clientIds, { input_tokens: Int32Array.from(keep.map((i) => ins[i])), output_tokens: Int32Array.from(keep.map((i) => outs[i])) });
    };
    const parts = [0, 1, 2, 3].map((k) => buildSummaries(shard(k), opts));
    const merged = parts.reduce((a, b) => mergeSummaries(a, b));
    const one = buildSummaries(whole, opts);
    // Shards see the same span only if each has the first and last request; align spans as a
    // warehouse scan would (the span is part of the query, not the data).
    merged.span = one.span;
    const a = fitSummaries(merged, base);
    const b = fitSummaries(one, base);
    expect(a.clients).toEqual(b.clients);
    expect(a.aggregate).toEqual(b.aggregate);
  });
});

describe('a trace that starts inside its first arrival window', () => {
  // Arrivals every 0.2 s from t = 300 to t = 3 900 (18 001 requests). Until the thirty-seventh
  // session the profile's span started at the window boundary (span.start = 0), `generate` drew
  // a whole first window from there, and the window was rated over all of it: 1 500 / 600, at
  // half the log's rate (before that, rated over the 300 s observed and drawn whole, it held
  // 3 000 requests for 1 500; on BurstGPT, 110 s into its window, 22 % high). The span now
  // starts at the first request's whole second, and the window is rated from there.
  const ts = Array.from({ length: 18001 }, (_, i) => 300 + i * 0.2);
  const { profile } = fitTrace(traceOf(ts), base);

  it('generating the profile\'s span expects the source\'s count, at the log\'s rate in the first window', () => {
    expect(profile.span.start).toBe(300);
    expect(profile.clients[0].arrivals[0].start).toBe(0);
    const plan = planGeneration(profile, { start: profile.span.start, duration: profile.span.end - profile.span.start, rate: { kind: 'scale', factor: 1 }, seed: 1 });
    expect(Math.abs(plan.expectedRequests / ts.length - 1)).toBeLessThan(1e-3);
    expect(profile.clients[0].arrivals[0].rate).toBeCloseTo(1500 / 300, 2); // 300 ≤ t < 600: 1 500 arrivals (±1 at the float boundary)
    // The last window, cut by the span's end (which the profile keeps exact), is unchanged: 3 600 → 3 900.
    const last = profile.clients[0].arrivals.at(-1)!;
    expect(last.start).toBe(3600);
    expect(last.rate).toBeCloseTo(1500 / 300, 2);
    // Drawn: 300 … 600 s holds the log's 1 500, and nothing comes before 300 s.
    const times = [...planRequests(plan)].map((r) => r.timestamp + profile.span.start);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(300);
    const first = times.filter((t) => t < 600).length;
    expect(Math.abs(first - 1500)).toBeLessThan(4 * Math.sqrt(1500));
  });
});
