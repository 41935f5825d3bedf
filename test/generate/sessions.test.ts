import { describe, expect, it } from 'vitest';
import { drawGap, drawTurns, SessionAssigner, sessionModelOf, type SessionModel } from '../../src/generate/session-sampler.js';
import { GenerateError } from '../../src/generate/errors.js';
import { planGeneration, type GenerateOptions, type RequestBatch } from '../../src/generate/compose.js';
import { createRng, type Rng } from '../../src/stats/rng.js';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { fitTrace } from '../../src/fit/fit-trace.js';
import { traceSessions } from '../../src/validate/side.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';

// A client's fitted session statistics (the shape fit/sessions.ts writes): 10+ sessions average
// 16 turns, so mean_turns = (400·1 + 250·2 + 150·3 + 100·5 + 100·16) / 1000 = 3.45.
const STATS = {
  sessions: 1000,
  mean_turns: 3.45,
  multi_turn_share: 0.6,
  turns_histogram: { '1': 400, '2': 250, '3': 150, '5': 100, '10+': 100 },
  inter_turn_gap_median_s: 60,
  inter_turn_gap_p90_s: 600,
};
const model = sessionModelOf(STATS)!;
const sortedQuantile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))];

describe('session model: turns and gaps recovered from seeded draws', () => {
  it('draws turns with the histogram shares and the 10+ bucket mean that gives mean_turns', () => {
    const rng = createRng(1);
    const N = 40_000;
    const turns = Array.from({ length: N }, () => drawTurns(model, rng));
    const share = (k: number) => turns.filter((t) => t === k).length / N;
    // Each share within 4 binomial SEs (≤ 0.01 at N = 40 000).
    for (const [k, p] of [[1, 0.4], [2, 0.25], [3, 0.15], [4, 0], [5, 0.1]] as const) expect(Math.abs(share(k) - p), `turns = ${k}`).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / N) + 1e-12);
    expect(Math.abs(turns.filter((t) => t >= 10).length / N - 0.1)).toBeLessThan(4 * Math.sqrt(0.09 / N));
    expect(Math.min(...turns.filter((t) => t >= 10))).toBe(10);
    const mean = turns.reduce((a, b) => a + b, 0) / N;
    const sd = Math.sqrt(turns.reduce((a, t) => a + (t - mean) ** 2, 0) / N);
    expect(Math.abs(mean - 3.45)).toBeLessThan((4 * sd) / Math.sqrt(N));
  });

  it('draws log-normal gaps through the median and the 90th percentile', () => {
    const rng = createRng(2);
    const N = 40_000;
    const gaps = Array.from({ length: N }, () => drawGap(model, rng));
    // σ = ln(600/60)/z₀.₉ = 1.797; a sample quantile's SE on the log scale is √(p(1−p))/(φ(z)·√N)·σ:
    // 0.0113 at the median, 0.0154 at p90 — allow 4 of them.
    const sigma = Math.log(10) / 1.2815515655446004;
    expect(model.sigma).toBeCloseTo(sigma, 12);
    expect(Math.abs(Math.log(sortedQuantile(gaps, 0.5) / 60))).toBeLessThan(4 * 1.2533 * (sigma / Math.sqrt(N)));
    expect(Math.abs(Math.log(sortedQuantile(gaps, 0.9) / 600))).toBeLessThan((4 * 0.3 * sigma) / (0.17550 * Math.sqrt(N)));
  });

  it('no model without statistics; an error without a histogram, or with multi-turn sessions but no gap (session-model.test.ts)', () => {
    expect(sessionModelOf(undefined)).toBeUndefined();
    expect(() => sessionModelOf({ sessions: 3 })).toThrow(/turns_histogram/);
    expect(() => sessionModelOf({ ...STATS, inter_turn_gap_median_s: null })).toThrow(/inter_turn_gap_median_s/);
    // Single-turn sessions only need no gap.
    expect(sessionModelOf({ sessions: 5, mean_turns: 1, turns_histogram: { '1': 5 }, inter_turn_gap_median_s: null })).toBeDefined();
  });
});

/** Labels arrivals with the assigner; per session: turns, first time, and its gaps. */
function label(times: number[], m: SessionModel, rng: Rng): { assigner: SessionAssigner; sessions: Map<number, { first: number; times: number[] }> } {
  const assigner = new SessionAssigner(m, rng);
  const sessions = new Map<number, { first: number; times: number[] }>();
  let wrongTurns = 0;
  for (let i = 0; i < times.length; i++) {
    assigner.assign(times[i], i + 1 < times.length ? times[i + 1] : times[i] + 1);
    let s = sessions.get(assigner.session);
    if (!s) sessions.set(assigner.session, (s = { first: times[i], times: [] }));
    s.times.push(times[i]);
    // Turns count 1, 2, 3, … within a session.
    if (assigner.turn !== s.times.length) wrongTurns++;
  }
  expect(wrongTurns).toBe(0);
  return { assigner, sessions };
}

function arrivals(rng: Rng, n: number, shape: number, mean: number): number[] {
  // Gamma(shape) gaps by Marsaglia–Tsang with the boost for shape < 1 (tests only).
  const gamma = (k: number): number => {
    if (k < 1) return gamma(k + 1) * Math.pow(rng.nextOpen(), 1 / k);
    const d = k - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const z = rng.normal();
      const v = (1 + c * z) ** 3;
      if (v > 0 && Math.log(rng.nextOpen()) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
    }
  };
  const out: number[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += (gamma(shape) / shape) * mean;
    out.push(t);
  }
  return out;
}

describe('SessionAssigner on a client\'s arrivals', () => {
  it('dense arrivals (2 per s, gaps ~60 s): turns, the gap median and p90 as drawn', () => {
    const times = arrivals(createRng(3), 400_000, 1, 0.5);
    const { sessions } = label(times, model, createRng(4));
    // Sessions that started in the first half of the span have ended (16 turns × ~300 s ≪ 10^5 s).
    const done = [...sessions.values()].filter((s) => s.first < times[times.length - 1] / 2);
    expect(done.length).toBeGreaterThan(2000);
    const n = done.length;
    const share = (k: number) => done.filter((s) => s.times.length === k).length / n;
    for (const [k, p] of [[1, 0.4], [2, 0.25], [3, 0.15], [5, 0.1]] as const) expect(Math.abs(share(k) - p), `turns = ${k}`).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
    const gaps = done.flatMap((s) => s.times.slice(1).map((t, i) => t - s.times[i]));
    // Realized gaps are drawn ones rounded to the nearest arrival (±0.25 s on average).
    // > 100 000 gaps: a median's SE on the log scale is 1.2533·σ/√n ≈ 0.006 (σ = 1.8), a p90's
    // 0.3·σ/(φ(z₀.₉)·√n) ≈ 0.008. Allow 4 of them for the median; the p90 also moves with the
    // tracker's wander (a constant-step walk of SD ≈ 0.25 on the log scale), so 0.06 for it.
    expect(gaps.length).toBeGreaterThan(100_000);
    expect(Math.abs(Math.log(sortedQuantile(gaps, 0.5) / 60))).toBeLessThan(0.025);
    expect(Math.abs(Math.log(sortedQuantile(gaps, 0.9) / 600))).toBeLessThan(0.06);
  });

  it('sparse bursty arrivals (mean 137 s apart, CV 2): the median tracker keeps the realized gap median near the profile\'s', () => {
    // BurstGPT's chat client at its own rate: arrivals about as far apart as its median inter-turn
    // gap (120 s). Turns then land on arrivals far from their due times; without the tracker the
    // realized median was about twice the profile's (found when validating BurstGPT roundtrips).
    const chat = sessionModelOf({ ...STATS, inter_turn_gap_median_s: 120, inter_turn_gap_p90_s: 1293 })!;
    const times = arrivals(createRng(5), 30_000, 0.25, 137);
    const { assigner, sessions } = label(times, chat, createRng(6));
    const gaps = [...sessions.values()].flatMap((s) => s.times.slice(1).map((t, i) => t - s.times[i]));
    expect(gaps.length).toBeGreaterThan(10_000);
    expect(Math.abs(Math.log(sortedQuantile(gaps, 0.5) / 120))).toBeLessThan(0.15);
    expect(assigner.bias).toBeGreaterThan(0.3); // it had to draw shorter gaps
  });

  it('dense bursts between idle hours (a fitted client at scale:K): turns are not lost and the gaps keep the profile\'s', () => {
    // Found by review: BurstGPT fitted, generated at scale:10000. Idle windows send the tracker
    // to +8, the dense bursts after them back past 0 to −5 (gaps 150× longer than the
    // profile's), and those sessions' turns fell past the end: the chat client's mean turns
    // 3.29 → 2.17, multi-turn share 0.62 → 0.50, gap median 120 → 190 s.
    const rng = createRng(8);
    const times: number[] = [];
    let t = 0;
    for (let cycle = 0; cycle < 6; cycle++) {
      const end = t + 1800;
      while (t < end) {
        t += -Math.log(rng.nextOpen()) / 40; // 40 per s
        times.push(t);
      }
      t += 3600; // an idle hour
    }
    const { sessions } = label(times, model, createRng(9));
    // Sessions opened in the first half, far from the end: their turns as drawn (mean 3.45, 60 % multi-turn).
    const early = [...sessions.values()].filter((s) => s.first < times[times.length - 1] / 2);
    const turns = early.map((s) => s.times.length);
    const n = turns.length;
    const mean = turns.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(turns.reduce((a, x) => a + (x - mean) ** 2, 0) / n);
    expect(n).toBeGreaterThan(50_000);
    expect(Math.abs(mean - 3.45), `mean turns ${mean}`).toBeLessThan(0.05 * 3.45 + (4 * sd) / Math.sqrt(n));
    expect(Math.abs(turns.filter((k) => k > 1).length / n - 0.6)).toBeLessThan(0.02);
    const gaps = early.flatMap((s) => s.times.slice(1).map((x, i) => x - s.times[i]));
    // Gaps across an idle hour (about 1 in 6 here) are long whatever the draw; the tracker
    // compensates them slowly at 40 turns/s (0.22 on the log scale; 0.53 before, through −8…+8).
    expect(Math.abs(Math.log(sortedQuantile(gaps, 0.5) / 60)), 'gap median').toBeLessThan(0.3);
  });
});

describe('generate labels sessions from a fitted profile (BurstGPT slice: 135 chat sessions)', () => {
  const collectAll = (batches: Iterable<RequestBatch>) => {
    const t: number[] = [];
    const c: number[] = [];
    const ids: (string | undefined)[] = [];
    const turns: number[] = [];
    const inputs: number[] = [];
    for (const b of batches) {
      for (let i = 0; i < b.n; i++) {
        t.push(b.timestamp[i]);
        c.push(b.client[i]);
        ids.push(b.texts?.session_id?.[i]);
        turns.push(b.extraInts?.turn?.[i] ?? NaN);
        inputs.push(b.lengths[0]![i]);
      }
    }
    return { t, c, ids, turns, inputs };
  };

  it('session_id and turn for clients with session statistics; times as without them, lengths too for the other clients; independent of batching', async () => {
    const { trace } = await ingestFiles({ inputs: [fixture('traces', 'burstgpt', 'burstgpt3_slice.csv')], mapping: loadPreset('burstgpt') });
    const { profile } = fitTrace(trace, { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' });
    const withSessions = profile.clients.filter((c) => c.sessions).map((c) => c.id);
    expect(withSessions.length).toBe(2);
    const opts: GenerateOptions = { start: 0, duration: profile.span.end - profile.span.start, rate: { kind: 'scale', factor: 10 }, seed: 7 };
    const plan = planGeneration(profile, opts);
    expect(plan.sessionClients.sort()).toEqual([...withSessions].sort());
    const on = collectAll(plan.batches);
    const off = collectAll(planGeneration(profile, { ...opts, sessions: false }).batches);
    const small = collectAll(planGeneration(profile, { ...opts, batchTarget: 50 }).batches);
    expect(on.t).toEqual(off.t);
    // Session clients' inputs follow their turns' ranks; the other clients' are drawn as without sessions.
    const other = on.c.map((c) => !withSessions.includes(plan.clientIds[c]));
    expect(other.filter(Boolean).length).toBeGreaterThan(50);
    expect(on.inputs.filter((_, i) => other[i])).toEqual(off.inputs.filter((_, i) => other[i]));
    expect(on.inputs.filter((_, i) => !other[i])).not.toEqual(off.inputs.filter((_, i) => !other[i]));
    expect(off.ids.every((x) => x === undefined)).toBe(true);
    expect(small.ids).toEqual(on.ids);
    expect(small.turns).toEqual(on.turns);
    expect(small.inputs).toEqual(on.inputs);
    // Labelled clients' rows all carry a session `<client>#<n>`; the others none.
    for (let i = 0; i < on.t.length; i++) {
      const id = plan.clientIds[on.c[i]];
      if (withSessions.includes(id)) {
        expect(on.ids[i]?.startsWith(`${id}#`)).toBe(true);
        expect(on.turns[i]).toBeGreaterThanOrEqual(1);
      } else expect(on.ids[i]).toBeUndefined();
    }
    // At 10× the rate the generated sessions keep the source's statistics (10× as many sessions).
    const src = traceSessions(trace)!;
    const texts: (string | undefined)[] = on.ids;
    const values = [...new Set(texts.filter((x): x is string => x !== undefined))];
    const index = new Map(values.map((v, k) => [v, k]));
    const gen = traceSessions({ ...trace, n: on.t.length, timestamp: Float64Array.from(on.t), client: Int32Array.from(on.c), clientIds: plan.clientIds, ints: {}, texts: { session_id: { index: Int32Array.from(texts.map((x) => (x === undefined ? -1 : index.get(x)!))), values } } })!;
    expect(gen.sessions).toBeGreaterThan(5 * src.sessions);
    expect(Math.abs(gen.meanTurns / src.meanTurns - 1)).toBeLessThan(0.2);
    expect(Math.abs(gen.multiShare - src.multiShare)).toBeLessThan(0.1);
    expect(Math.abs(Math.log(gen.gapP50! / src.gapP50!))).toBeLessThan(0.25);
  });

  it('the calibrated turns histogram keeps the chat client\'s mean turns near the log\'s at scale:10 and scale:100 (the log\'s own histogram ran short)', async () => {
    const { trace } = await ingestFiles({ inputs: [fixture('traces', 'burstgpt', 'burstgpt3_slice.csv')], mapping: loadPreset('burstgpt') });
    const { profile } = fitTrace(trace, { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' });
    const chat = profile.clients.find((c) => c.id === 'ChatGPT/Conversation log')!;
    const logMean = chat.sessions!.mean_turns as number;
    expect(chat.sessions!.mean_turns_generate as number).toBeGreaterThan(logMean);
    const uncalibrated = structuredClone(profile);
    for (const c of uncalibrated.clients) {
      delete c.sessions?.turns_histogram_generate;
      delete c.sessions?.mean_turns_generate;
    }
    const meanTurns = (p: typeof profile, factor: number) => {
      const plan = planGeneration(p, { start: 0, duration: p.span.end - p.span.start, rate: { kind: 'scale', factor }, seed: 3 });
      const ci = plan.clientIds.indexOf(chat.id);
      const rows = collectAll(plan.batches);
      const ids = new Set<string>();
      let n = 0;
      for (let i = 0; i < rows.t.length; i++) {
        if (rows.c[i] !== ci || rows.ids[i] === undefined) continue;
        ids.add(rows.ids[i]!);
        n++;
      }
      return n / ids.size;
    };
    // ~1 300 and ~13 000 generated sessions (SD ≈ 3.5 turns): the mean's SE is 3 % and 1 %.
    for (const factor of [10, 100]) {
      const off = Math.abs(meanTurns(profile, factor) / logMean - 1);
      expect(off, `scale:${factor}`).toBeLessThan(0.1);
      expect(Math.abs(meanTurns(uncalibrated, factor) / logMean - 1), `scale:${factor} uncalibrated`).toBeGreaterThan(off + 0.03);
    }
  });

  it('inputs grow over a session as in the log (the input-rank model), and each session client keeps its input distribution', async () => {
    const { trace } = await ingestFiles({ inputs: [fixture('traces', 'burstgpt', 'burstgpt3_slice.csv')], mapping: loadPreset('burstgpt') });
    const { profile } = fitTrace(trace, { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' });
    const chat = profile.clients.find((c) => c.id === 'ChatGPT/Conversation log')!;
    expect(chat.sessions!.input_rank_by_turn).toBeDefined();
    const opts: GenerateOptions = { start: 0, duration: profile.span.end - profile.span.start, rate: { kind: 'scale', factor: 100 }, seed: 7 };
    // The same profile without the rank model: sessions labelled alike, inputs drawn as without sessions.
    const bare = structuredClone(profile);
    for (const c of bare.clients) if (c.sessions) delete c.sessions.input_rank_by_turn;
    const ci = (plan: ReturnType<typeof planGeneration>) => plan.clientIds.indexOf(chat.id);
    const growthAndInputs = (plan: ReturnType<typeof planGeneration>) => {
      const rows = collectAll(plan.batches);
      const last = new Map<string, number>();
      const growth: number[] = [];
      const inputs: number[] = [];
      for (let i = 0; i < rows.t.length; i++) {
        if (rows.c[i] !== ci(plan)) continue;
        inputs.push(rows.inputs[i]);
        const id = rows.ids[i];
        if (id === undefined) continue;
        const prev = last.get(id);
        if (prev !== undefined) growth.push(rows.inputs[i] - prev);
        last.set(id, rows.inputs[i]);
      }
      growth.sort((a, b) => a - b);
      return { growth: growth[growth.length >> 1], pairs: growth.length, inputs, ids: rows.ids };
    };
    const on = growthAndInputs(planGeneration(profile, opts));
    const flat = growthAndInputs(planGeneration(bare, opts));
    const off = growthAndInputs(planGeneration(profile, { ...opts, sessions: false }));
    expect(flat.ids).toEqual(on.ids);
    // The log's median growth, 116 tokens, is one of ~200 consecutive pairs (its median's SE is
    // about a quarter of it): the model's within 40 %; without the model the median is ~0.
    const logGrowth = chat.sessions!.input_growth_per_turn_median as number;
    expect(logGrowth).toBeGreaterThan(50);
    expect(on.pairs).toBeGreaterThan(10000);
    expect(Math.abs(on.growth / logGrowth - 1)).toBeLessThan(0.4);
    expect(Math.abs(flat.growth)).toBeLessThan(0.25 * logGrowth);
    // The client's inputs keep the distribution drawn without sessions: two-sample KS below its 5 % critical value.
    const n = on.inputs.length;
    expect(n).toBe(off.inputs.length);
    expect(ks2(on.inputs, off.inputs)).toBeLessThan(1.36 * Math.sqrt(2 / n));
  });
});

describe('input growth with tied inputs', () => {
  it('inputs of exactly 100 tokens per turn (ties) are generated with a median growth of 100, the client\'s inputs as without sessions', () => {
    // 3 000 sessions of 1–5 turns, 30–90 s apart, over ~16 h; turn k's input is 100·k.
    const rng = createRng(11n);
    const rows: { t: number; s: number; x: number }[] = [];
    for (let s = 0; s < 3000; s++) {
      const start = rng.next() * 60000;
      const turns = 1 + Math.floor(rng.next() * 5);
      for (let k = 1; k <= turns; k++) rows.push({ t: start + (k - 1) * (30 + 60 * rng.next()), s, x: 100 * k });
    }
    rows.sort((a, b) => a.t - b.t || a.s - b.s);
    const trace = {
      n: rows.length,
      timestamp: Float64Array.from(rows, (r) => r.t),
      client: new Int32Array(rows.length),
      clientIds: ['c'],
      ints: { input_tokens: Int32Array.from(rows, (r) => r.x), output_tokens: new Int32Array(rows.length).fill(50) },
      texts: { session_id: { index: Int32Array.from(rows, (r) => r.s), values: Array.from({ length: 3000 }, (_, s) => `s${s}`) } },
      origin: null,
    };
    const { profile } = fitTrace(trace, { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' });
    expect(profile.clients[0].sessions!.input_growth_per_turn_median).toBe(100);
    for (const factor of [1, 10]) {
      const opts: GenerateOptions = { start: profile.span.start, duration: profile.span.end - profile.span.start, rate: { kind: 'scale', factor }, seed: 3 };
      const last = new Map<string, number>();
      const growth: number[] = [];
      const inputs: number[] = [];
      for (const b of planGeneration(profile, opts).batches) {
        for (let i = 0; i < b.n; i++) {
          const x = b.lengths[0]![i];
          inputs.push(x);
          const id = b.texts!.session_id![i]!;
          const prev = last.get(id);
          if (prev !== undefined) growth.push(x - prev);
          last.set(id, x);
        }
      }
      growth.sort((a, b) => a - b);
      // With mid-ranks the per-window control moved later turns to the tie of turn 1: median growth 0.
      expect(growth[growth.length >> 1], `scale:${factor}`).toBe(100);
      const off: number[] = [];
      for (const b of planGeneration(profile, { ...opts, sessions: false }).batches) for (let i = 0; i < b.n; i++) off.push(b.lengths[0]![i]);
      expect(ks2(inputs, off)).toBeLessThan(1.36 * Math.sqrt(2 / off.length));
    }
  });
});

describe('session model of odd or hand-edited session statistics: a clear error, never silently no sessions or nonsense', () => {
  it('invalid statistics are refused, naming the field', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ sessions: 3 }, /turns_histogram/],
      [{ ...STATS, turns_histogram: { '1': 400, '2': -5 } }, /turns_histogram.*"2"/],
      [{ ...STATS, turns_histogram: { '1': 400, eleven: 3 } }, /turns_histogram.*"eleven"/],
      [{ ...STATS, turns_histogram: { '1': 0 } }, /turns_histogram/],
      // Multi-turn sessions with no gap to place their turns.
      [{ ...STATS, inter_turn_gap_median_s: null }, /inter_turn_gap_median_s/],
      [{ ...STATS, inter_turn_gap_median_s: -3 }, /inter_turn_gap_median_s/],
      // p90 below the median, or missing: no spread to draw from.
      [{ ...STATS, inter_turn_gap_p90_s: 30 }, /inter_turn_gap_p90_s/],
      [{ ...STATS, inter_turn_gap_p90_s: null }, /inter_turn_gap_p90_s/],
      // A mean_turns the histogram cannot have (its 10+ sessions would average fewer than 10 turns).
      [{ ...STATS, mean_turns: 2 }, /mean_turns/],
      [{ ...STATS, mean_turns: undefined }, /mean_turns/],
      [{ ...STATS, session_request_share: 1.5 }, /session_request_share/],
      [{ ...STATS, session_request_share: 0 }, /session_request_share/],
      // The input-rank model: buckets by name, RANK_BINS counts each, a correlation in (−1, 1).
      [{ ...STATS, input_rank_by_turn: [1, 2] }, /input_rank_by_turn/],
      [{ ...STATS, input_rank_by_turn: { '6': new Array(20).fill(1) } }, /input_rank_by_turn.*"6"/],
      [{ ...STATS, input_rank_by_turn: { '1': [1, 2, 3] } }, /input_rank_by_turn\["1"\].*20 counts/],
      [{ ...STATS, input_rank_by_turn: { '2': [...new Array(19).fill(1), -1] } }, /input_rank_by_turn\["2"\]/],
      [{ ...STATS, input_rank_by_turn: { '1': new Array(20).fill(1) }, input_rank_turn_copula: 1 }, /input_rank_turn_copula/],
      // The calibrated histogram, when present, is the one checked (and named).
      [{ ...STATS, turns_histogram_generate: { '1': -1 } }, /turns_histogram_generate\["1"\]/],
      [{ ...STATS, turns_histogram_generate: { '1': 40, '10+': 5 }, mean_turns_generate: 1.5 }, /mean_turns_generate/],
    ];
    for (const [stats] of bad) expect(() => sessionModelOf(stats), JSON.stringify(stats)).toThrow(GenerateError);
    for (const [stats, msg] of bad) expect(() => sessionModelOf(stats)).toThrow(msg);
  });

  it('valid corner cases give a model: all single-turn (no gap needed), p90 equal to the median, a 10+ bucket only', () => {
    expect(sessionModelOf(undefined)).toBeUndefined();
    expect(sessionModelOf({ sessions: 5, mean_turns: 1, turns_histogram: { '1': 5 }, inter_turn_gap_median_s: null, inter_turn_gap_p90_s: null })).toBeDefined();
    expect(sessionModelOf({ ...STATS, inter_turn_gap_p90_s: 60 })!.sigma).toBe(0);
    expect(sessionModelOf({ sessions: 2, mean_turns: 500, turns_histogram: { '10+': 2 }, inter_turn_gap_median_s: 5, inter_turn_gap_p90_s: 50 })!.tailExtra).toBeCloseTo(490, 9);
  });

  it('a gap median of 0 (half the turns within the clock tick): turns land on the next arrivals, not dropped', () => {
    const m = sessionModelOf({ ...STATS, inter_turn_gap_median_s: 0, inter_turn_gap_p90_s: 12 })!;
    expect(m).toBeDefined();
    const rng = createRng(4);
    for (let i = 0; i < 100; i++) expect(drawGap(m, rng, 3)).toBe(0);
    const a = new SessionAssigner(m, createRng(5));
    let continued = 0;
    for (let i = 0; i < 10_000; i++) {
      a.assign(i, i + 1);
      if (a.turn > 1) continued++;
      expect(Number.isFinite(a.session)).toBe(true);
    }
    // Mean turns 3.45: about 1 − 1/3.45 ≈ 71 % of arrivals continue a session.
    expect(continued / 10_000).toBeGreaterThan(0.65);
    expect(continued / 10_000).toBeLessThan(0.77);
  });

  it('generate exits 2 with the client and the field on a profile whose session statistics are invalid (--no-sessions still generates)', async () => {
    const dir = tempDir();
    const src = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');
    expect((await runCli('fit', src, '--preset', 'burstgpt', '--out', `${dir}/p.json`, '--quiet')).code).toBe(0);
    const p = JSON.parse(readFileSync(`${dir}/p.json`, 'utf8')) as { clients: { id: string; sessions?: Record<string, unknown> }[] };
    const c = p.clients.find((x) => x.sessions)!;
    c.sessions!.inter_turn_gap_p90_s = 1;
    writeFileSync(`${dir}/bad.json`, JSON.stringify(p));
    const r = await runCli('generate', `${dir}/bad.json`, '--duration', '3600', '--out', `${dir}/g.jsonl`, '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(c.id);
    expect(r.stderr).toMatch(/inter_turn_gap_p90_s/);
    expect(r.stderr).toMatch(/--no-sessions/);
    expect((await runCli('generate', `${dir}/bad.json`, '--duration', '3600', '--no-sessions', '--out', `${dir}/g.jsonl`, '--quiet')).code).toBe(0);
  }, 30_000);

  it('a client only partly in sessions (BurstGPT after fit --anonymize: tail pools chat and API rows) keeps that share of its requests in sessions', async () => {
    const dir = tempDir();
    const src = fixture('traces', 'burstgpt', 'burstgpt3_slice.csv');
    expect((await runCli('fit', src, '--preset', 'burstgpt', '--anonymize', '--out', `${dir}/p.json`, '--quiet')).code).toBe(0);
    const p = JSON.parse(readFileSync(`${dir}/p.json`, 'utf8')) as { clients: { id: string; requests: number; sessions?: Record<string, number> }[] };
    const tail = p.clients.find((c) => c.id === 'tail')!;
    // 92 GPT-4 chat rows (with session ids) and 6 API rows (without) pooled.
    expect(tail.sessions!.session_request_share).toBeCloseTo(92 / 98, 12);
    expect(p.clients.find((c) => c.id === 'c0001')!.sessions!.session_request_share).toBe(1);
    expect((await runCli('generate', `${dir}/p.json`, '--duration', '41453', '--rate', 'scale:20', '--seed', '3', '--out', `${dir}/g.jsonl`, '--quiet')).code).toBe(0);
    const rows = readFileSync(`${dir}/g.jsonl`, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as { client_id: string; session_id?: string; turn?: number });
    const tailRows = rows.filter((r) => r.client_id === 'tail');
    expect(tailRows.length).toBeGreaterThan(1000);
    const share = tailRows.filter((r) => r.session_id !== undefined).length / tailRows.length;
    const p0 = 92 / 98;
    expect(Math.abs(share - p0)).toBeLessThan(4 * Math.sqrt((p0 * (1 - p0)) / tailRows.length));
    expect(share).toBeLessThan(0.97);
    // Rows outside sessions have no turn either.
    expect(tailRows.every((r) => (r.session_id === undefined) === (r.turn === undefined))).toBe(true);
    expect(rows.filter((r) => r.client_id === 'c0001').every((r) => r.session_id?.startsWith('c0001#'))).toBe(true);
  }, 30_000);
});

/** Two-sample Kolmogorov–Smirnov distance. */
function ks2(a: number[], b: number[]): number {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i], y[j]);
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}
