import { describe, expect, it } from 'vitest';
import { importServegenPool } from '../../src/profile/upstream.js';
import { planGeneration, type GenerateOptions } from '../../src/generate/compose.js';
import { planNaiveGeneration } from '../../src/generate/naive.js';
import { validateTraces, validateTracesParallel } from '../../src/validate/validate.js';
import { loadThresholds } from '../../src/validate/thresholds.js';
import { fidelityHtml } from '../../src/validate/html.js';
import type { Trace } from '../../src/ingest/trace.js';
import type { Profile } from '../../src/profile/schema.js';
import { createRng } from '../../src/stats/rng.js';
import { jackknifeRelSE } from '../../src/validate/metrics.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, tempDir } from '../helpers.js';
import { asResult, toTrace } from './traces.js';

const pool = importServegenPool(fixture('servegen', 'multimodal', 'mm-image'), () => 'x').profile;
const OPTS: GenerateOptions = { start: 36000, duration: 7200, rate: { kind: 'constant', rate: 25 }, seed: 1 };

const thresholds = loadThresholds();
const source = toTrace(planGeneration(pool, OPTS));
/** Another draw of the source's profile (seed 2), read by four tests: generated once, when first read (no test changes it). */
let seed2: Trace | undefined;
const anotherDraw = (): Trace => (seed2 ??= toTrace(planGeneration(pool, { ...OPTS, seed: 2 })));
const validate = (gen: Trace, baseline?: Trace) => validateTraces(asResult(source), asResult(gen), thresholds, { baseline: baseline ? asResult(baseline) : undefined });

/** Metric names without their client scope. */
const kinds = (names: string[]) => [...new Set(names.map((n) => n.replace(/@client:.*$/, '')))];

describe('validate with the sides summarized on worker threads', () => {
  it('gives the report and charts of validateTraces, byte for byte (1 and 3 workers; baseline; one-window sides)', async () => {
    const gen = asResult(anotherDraw());
    const naive = asResult(toTrace(planNaiveGeneration(pool, { ...OPTS, seed: 3 })));
    const short = { ...OPTS, duration: 300 };
    const cases: [string, Parameters<typeof validateTraces>][] = [
      ['2 h, baseline', [asResult(source), gen, thresholds, { baseline: naive }]],
      // Every window of every side its only one (summaries kept as the builder's packed counts).
      ['300 s', [asResult(toTrace(planGeneration(pool, { ...short, seed: 4 }))), asResult(toTrace(planGeneration(pool, { ...short, seed: 5 }))), thresholds, {}]],
    ];
    for (const [name, args] of cases) {
      const serial = JSON.stringify(validateTraces(...args));
      for (const workers of [1, 3]) {
        const parallel = await validateTracesParallel(args[0], args[1], args[2], { ...args[3], workers, minRows: 0 });
        expect(JSON.stringify(parallel), `${name}, ${workers} workers`).toBe(serial);
      }
    }
  }, 120_000);
});

describe('validate on a bursty multi-client source (mm-image pool, 2 h at 25 req/s)', () => {
  it('passes another draw of the same profile (no false alarms)', () => {
    const { report } = validate(anotherDraw());
    expect(report.failed).toEqual([]);
    expect(report.source.requests).toBeGreaterThan(150_000);
    expect(report.top_clients.length).toBe(5);
  });

  it('passes draws 21 and 22 too: the 60 s dispersion (6.5 against 10.8, one burst) is within its jackknife noise', () => {
    const { report } = validateTraces(asResult(toTrace(planGeneration(pool, { ...OPTS, seed: 21 }))), asResult(toTrace(planGeneration(pool, { ...OPTS, seed: 22 }))), thresholds);
    expect(report.failed).toEqual([]);
    expect(report.metrics.dispersion_rel_err_60s.value!).toBeGreaterThan(0.4); // above the configured threshold
  });

  it('catches a time axis compressed 2× — by rate (and IAT/dispersion), not by lengths', () => {
    const gen = toTrace(planGeneration(pool, { ...OPTS, seed: 3 }));
    const squeezed: Trace = { ...gen, timestamp: gen.timestamp.map((t) => t / 2) };
    const { report } = validate(squeezed);
    expect(report.failed).toContain('rate_mape');
    expect(report.failed).toContain('peak_rate_p99_rel_err');
    // Peak load too: twice the requests per second in every burst.
    const allowed = ['rate_mape', 'iat_ks', 'iat_cv_rel_err', 'dispersion_rel_err_1s', 'dispersion_rel_err_10s', 'dispersion_rel_err_60s', 'peak_rate_p99_rel_err', 'peak_tokens_p99_rel_err'];
    expect(kinds(report.failed).every((k) => allowed.includes(k)), report.failed.join(' ')).toBe(true);
  });

  it('catches a rate 25 % too high by the request count over the span, aggregate and per top client (the allowance: 3 SDs of the clients\' counts)', () => {
    const { report } = validate(toTrace(planGeneration(pool, { ...OPTS, rate: { kind: 'constant', rate: 31.25 }, seed: 4 })));
    expect(report.failed).toContain('requests_rel_err');
    expect(report.metrics.requests_rel_err.value!).toBeCloseTo(0.25, 1);
    expect(report.metrics.requests_rel_err.threshold).toBeLessThan(0.1);
    expect(report.failed.filter((n) => n.startsWith('requests_rel_err@client:')).length).toBeGreaterThanOrEqual(3);
  });

  it('catches lengths shuffled across clients — per client, while the aggregate lengths still pass', () => {
    const gen = toTrace(planGeneration(pool, { ...OPTS, seed: 4 }));
    const rng = createRng(99);
    const perm = Uint32Array.from({ length: gen.n }, (_, i) => i);
    for (let i = gen.n - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    const ints = Object.fromEntries(Object.entries(gen.ints).map(([k, v]) => [k, Int32Array.from(perm, (p) => v![p])]));
    const { report } = validate({ ...gen, ints });
    expect(report.failed.some((n) => /_(ks|w1_norm|p\d+_rel_err|tv)@client:/.test(n))).toBe(true);
    expect(report.failed.filter((n) => !n.includes('@client:'))).toEqual([]);
    expect(kinds(report.failed).every((k) => /^(input_tokens|output_tokens|image_count|image_tokens)_|^io_spearman/.test(k)), report.failed.join(' ')).toBe(true);
  });

  it('catches per-client Poisson arrivals — by IAT CV and dispersion, not by lengths', () => {
    const poisson: Profile = structuredClone(pool);
    for (const c of poisson.clients) for (const w of c.arrivals) if (w.model) [w.model, w.cv] = [{ family: 'exponential', scale: 1 / Math.max(w.rate, 1e-9) }, 1];
    const { report } = validate(toTrace(planGeneration(poisson, { ...OPTS, seed: 5 })));
    expect(report.failed).toContain('iat_cv_rel_err');
    expect(report.failed.some((n) => n.startsWith('dispersion_rel_err_'))).toBe(true);
    // The busiest 10 s carry ~20 % fewer requests (35.7 → 28.3 per s for this seed).
    expect(report.failed).toContain('peak_rate_p99_rel_err');
    // Peak load too: without bursts the busiest 10 s carry fewer requests and tokens. And the
    // aggregate stream's gap memory: its runs of short gaps (a bursty client's stretch) go too.
    const allowed = ['iat_ks', 'iat_cv_rel_err', 'dispersion_rel_err_1s', 'dispersion_rel_err_10s', 'dispersion_rel_err_60s', 'rate_mape', 'peak_rate_p99_rel_err', 'peak_tokens_p99_rel_err', 'gap_memory_abs_err'];
    expect(kinds(report.failed).every((k) => allowed.includes(k)), report.failed.join(' ')).toBe(true);
  });

  it('catches comonotonic input/output — by Spearman only', () => {
    const gen = toTrace(planGeneration(pool, { ...OPTS, seed: 6 }));
    const input = gen.ints.input_tokens!;
    const output = Int32Array.from(gen.ints.output_tokens!);
    // Within each client, give the largest outputs to the largest inputs.
    for (let c = 0; c < gen.clientIds.length; c++) {
      const idx = [...Array(gen.n).keys()].filter((i) => gen.client[i] === c);
      const outs = idx.map((i) => output[i]).sort((a, b) => a - b);
      idx.sort((a, b) => input[a] - input[b] || a - b).forEach((i, r) => (output[i] = outs[r]));
    }
    const { report } = validate({ ...gen, ints: { ...gen.ints, output_tokens: output } });
    expect(report.failed).toContain('io_spearman_abs_err');
    expect(kinds(report.failed).every((k) => k === 'io_spearman_abs_err'), report.failed.join(' ')).toBe(true);
  });

  it('per-client generation beats the naive baseline ≥ 2× on burstiness metrics, and the report says so', () => {
    const gen = toTrace(planGeneration(pool, { ...OPTS, seed: 7 }));
    const naive = toTrace(planNaiveGeneration(pool, { ...OPTS, seed: 7 }));
    const { report, charts } = validate(gen, naive);
    for (const name of ['iat_cv_rel_err', 'dispersion_rel_err_1s', 'dispersion_rel_err_10s', 'dispersion_rel_err_60s']) {
      const m = report.metrics[name];
      expect(m.baseline, name).not.toBeNull();
      expect(m.baseline!, `${name}: ours ${m.value}, naive ${m.baseline}`).toBeGreaterThanOrEqual(2 * m.value!);
    }
    // Peak load: the naive baseline's busiest 10 s carry fewer requests than ours do (per-client bursts add up).
    expect(report.metrics.peak_rate_p99_rel_err.baseline!).toBeGreaterThan(report.metrics.peak_rate_p99_rel_err.value!);
    const html = fidelityHtml(report, charts);
    expect(html).toMatch(/naive baseline/);
    expect(html).toContain('peak tokens/s (p99, 10 s)');
    expect(html).toContain(`<td>${report.source.peak_p99.tokens_per_s!.toFixed(0)}</td>`);
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(6);
  });

  it('charts no length field whose values are all 0 on every side (a multimodal trace\'s audio count showed as an empty "no data" panel)', () => {
    const zeros = (t: Trace): Trace => ({ ...t, ints: { ...t.ints, audio_count: new Int32Array(t.n) } });
    const gen = zeros(toTrace(planGeneration(pool, { ...OPTS, seed: 8 })));
    const { charts } = validateTraces(asResult(zeros(source)), asResult(gen), thresholds, {});
    expect(charts.lengthCdfs.map((f) => f.field).sort()).toEqual(['image_count', 'image_tokens', 'input_tokens', 'output_tokens']);
    // A field all 0 on one side only is charted (the other side's values show the difference).
    const some = { ...gen, ints: { ...gen.ints, audio_count: Int32Array.from({ length: gen.n }, (_, i) => i % 2) } };
    expect(validateTraces(asResult(zeros(source)), asResult(some), thresholds, {}).charts.lengthCdfs.map((f) => f.field)).toContain('audio_count');
  });
});

describe('validate on a sparse bursty pool (mm-image at scale:0.05: ~4 000 requests from ~100 clients in 2 h)', () => {
  const SPARSE: GenerateOptions = { start: 36000, duration: 7200, rate: { kind: 'scale', factor: 0.05 }, seed: 1 };
  const draw = (seed: number) => toTrace(planGeneration(pool, { ...SPARSE, seed }));
  const lengthFailures = (r: ReturnType<typeof validateTraces>['report']) => r.failed.filter((n) => /^(input|output|image)_\w+_(ks|w1_norm|p\d+_rel_err|tv)$/.test(n));

  it('two draws: no aggregate length metric fails (the client mix and both sides\' quantile noise are allowed for)', () => {
    // Found by review: pairs (9, 10) failed input_tokens_ks (the client mix varies from draw to
    // draw far more than independent requests would), (5, 6) output_tokens_p99_rel_err (only
    // the source's quantile noise was allowed), (1, 2) image_count_p99, (7, 8) input w1.
    for (const [a, b] of [[1, 2], [5, 6], [7, 8], [9, 10]]) {
      const r = validateTraces(asResult(draw(a)), asResult(draw(b)), thresholds).report;
      expect(lengthFailures(r), `seeds ${a}, ${b}`).toEqual([]);
    }
  });

  it('two draws where one client bursts in one of them: client shares judged with the larger side\'s count dispersion', () => {
    // Found by review: seeds 14 and 15 failed client_share_tv (0.125 > 0.115), image_tokens_ks
    // and p50, output_tokens_p50 and the 1 s dispersion together. Client 11 has 443 requests in
    // one draw and 963 in the other: its heavy-tailed gaps make counts vary far more than the
    // sparse draw's own CV² and 60 s dispersion show. Taking each client's larger estimate of
    // the two sides clears client_share_tv and output p50; image_tokens still fails — a known
    // limit (README): observed dispersions of heavy-tailed sparse draws underestimate the
    // process's. The 1 s dispersion (0.384) failed too until its SE was floored at the Gaussian
    // bins' and taken on the log scale (session 39): allowed 0.392 now.
    const r = validateTraces(asResult(draw(14)), asResult(draw(15)), thresholds).report;
    expect(r.metrics.client_share_tv.pass, `${r.metrics.client_share_tv.value} > ${r.metrics.client_share_tv.threshold}`).toBe(true);
    expect(r.metrics.output_tokens_p50_rel_err.pass).toBe(true);
    expect(r.failed).toEqual(['image_tokens_ks', 'image_tokens_p50_rel_err']);
  });

  it('input/output Spearman allows for the client mix: no false alarm in 6 pairs at a constant 0.6 req/s', () => {
    // Found by bench/validate-power.ts: 2 of these 6 pairs failed io_spearman_abs_err with the
    // allowance of independent pairs (3/√n) alone.
    const at = (seed: number) => toTrace(planGeneration(pool, { ...SPARSE, rate: { kind: 'constant', rate: 0.6 }, seed }));
    for (let s = 1; s <= 6; s++) {
      const r = validateTraces(asResult(at(s)), asResult(at(100 + s)), thresholds).report;
      expect(r.metrics.io_spearman_abs_err.pass, `seeds ${s}, ${100 + s}: ${r.metrics.io_spearman_abs_err.value} > ${r.metrics.io_spearman_abs_err.threshold}`).toBe(true);
    }
  });

  it('still catches input lengths 30 % too long, aggregate', () => {
    const gen = draw(2);
    const input = gen.ints.input_tokens!.map((v) => (v >= 0 ? Math.round(v * 1.3) : v));
    const r = validateTraces(asResult(draw(1)), asResult({ ...gen, ints: { ...gen.ints, input_tokens: input } }), thresholds).report;
    expect(r.failed).toContain('input_tokens_ks');
    expect(r.failed).toContain('input_tokens_p50_rel_err');
  });
});

describe('jackknife over windows', () => {
  it('of a mean of one value per window is the textbook SE (s/√n), relative to the mean', () => {
    const xs = [3, 7, 1, 9, 4, 6, 2, 8, 5, 10, 4.5];
    const n = xs.length;
    const m = xs.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (n - 1));
    const triples = Float64Array.from(xs.flatMap((x) => [1, x, x * x]));
    expect(jackknifeRelSE(triples, (k, s) => s / k)).toBeCloseTo(sd / Math.sqrt(n) / m, 12);
  });

  it('needs 8 windows with data', () => {
    const t = Float64Array.from([1, 2, 4, 0, 0, 0, 1, 3, 9, 1, 1, 1, 1, 5, 25, 1, 2, 4, 1, 3, 9, 1, 2, 4]);
    expect(jackknifeRelSE(t, (k, s) => s / k)).toBeUndefined(); // 7 of 8 windows have data
    expect(jackknifeRelSE(Float64Array.from([...t, 1, 2, 4]), (k, s) => s / k)).toBeGreaterThan(0);
  });
});

describe('thresholds', () => {
  it('docs/thresholds.json is the defaults (and loads as a --thresholds file)', () => {
    const fromDocs = loadThresholds(new URL('../../docs/thresholds.json', import.meta.url).pathname);
    expect({ ...fromDocs, overrides: undefined }).toEqual({ ...loadThresholds(), overrides: undefined });
  });

  it('an unknown key is named in plain words with the keys allowed there (zod said "(root): Unrecognized key")', () => {
    const dir = tempDir();
    const t = join(dir, 't.json');
    const cases: [unknown, string][] = [
      [{ aggregat: { iat_ks: 0.1 } }, `${t}: top level: unknown key "aggregat"; did you mean "aggregate"? (allowed here: description, aggregate, client, top_clients, min_client_requests, min_n, overrides); see docs/thresholds.json`],
      [{ min_n: { p95: 10 } }, `${t}: min_n: unknown key "p95"; did you mean "p90"? (allowed here: p50, p90, p99); see docs/thresholds.json`],
    ];
    for (const [doc, message] of cases) {
      writeFileSync(t, JSON.stringify(doc));
      expect(() => loadThresholds(t)).toThrow(message);
    }
  });
});

describe('client_share_tv allows the sampling noise of the client counts', () => {
  // 40 Poisson clients of equal rate, 1 h, ~2 000 requests in all (~50 per client). Two draws
  // of one profile differ per client by √(2·50) ≈ 10 requests, so TV ≈ ½·40·√(2/π)·10/2 000 ≈
  // 0.08 with SD ≈ ½·√(1 − 2/π)·√(40·100)/2 000 ≈ 0.01: TV lands on the fixed 0.08 threshold
  // about half the time though nothing is wrong (found by review). Bursty clients (CV 3) make
  // it ~3× larger. A generator that drops half of the clients' traffic must still fail.
  const W = 600;
  const many = (cv: number): Profile =>
    ({
      format: 'servegen-profile',
      version: 1,
      provenance: { tool: 'test', source_sha256: null, created: '2026-01-01T00:00:00Z', options: {} },
      windows: { arrival_seconds: W, length_seconds: 21600 },
      span: { origin: null, start: 0, end: 6 * W },
      clients: Array.from({ length: 40 }, (_, c) => ({
        id: `c${String(c).padStart(2, '0')}`,
        requests: 50,
        arrivals: Array.from({ length: 6 }, (_, i) => ({
          start: i * W,
          rate: 50 / 3600,
          cv,
          model: cv === 1 ? { family: 'exponential' as const, scale: 72 } : { family: 'gamma' as const, shape: 1 / (cv * cv), scale: 72 * cv * cv },
        })),
        lengths: [],
      })),
    }) as Profile;
  const opts: GenerateOptions = { start: 0, duration: 6 * W, rate: { kind: 'scale', factor: 1 }, seed: 21 };

  it('another draw passes (Poisson and CV 3 clients, seeds 22–25)', () => {
    for (const cv of [1, 3]) {
      const src = toTrace(planGeneration(many(cv), opts));
      for (const seed of [22, 23, 24, 25]) {
        const m = validateTraces(asResult(src), asResult(toTrace(planGeneration(many(cv), { ...opts, seed }))), thresholds).report.metrics.client_share_tv;
        expect(m.pass, `cv ${cv} seed ${seed}: TV ${m.value} vs ${m.threshold}`).toBe(true);
      }
    }
  });

  it('half of the clients at a quarter of their rate fails (TV ≈ 0.3)', () => {
    const src = toTrace(planGeneration(many(1), opts));
    const skewed = many(1);
    skewed.clients.forEach((c, i) => {
      if (i % 2 === 0) for (const w of c.arrivals) w.rate /= 4;
    });
    const m = validateTraces(asResult(src), asResult(toTrace(planGeneration(skewed, { ...opts, seed: 22 }))), thresholds).report.metrics.client_share_tv;
    expect(m.pass, `TV ${m.value} vs ${m.threshold}`).toBe(false);
  });
});

describe('a length field the generated trace lacks fails its metric', () => {
  // Found by review: the metric was null and counted as passed, so a generated trace with no
  // lengths at all passed validation (exit 0) — as a missing client does, it now fails.
  it('no length columns on the generated side: every source field fails, aggregate and per client', () => {
    const gen = anotherDraw();
    const { report } = validate({ ...gen, ints: {} });
    expect(report.pass).toBe(false);
    for (const f of ['input_tokens', 'output_tokens', 'image_count', 'image_tokens']) {
      expect(report.failed).toContain(`${f}_ks`);
      expect(report.metrics[`${f}_ks`].note).toMatch(/missing on the generated side/);
    }
    expect(report.failed.some((n) => /^input_tokens_ks@client:/.test(n))).toBe(true);
  });

  it('one field dropped: only that field fails', () => {
    const gen = anotherDraw();
    const { output_tokens: _dropped, ...rest } = gen.ints;
    const { report } = validate({ ...gen, ints: rest });
    expect(kinds(report.failed)).toEqual(['output_tokens_ks']);
  });
});

describe('peak load of a generated side with token fields the source lacks', () => {
  it("compares the generated side's peak over the source's token fields (the metric's), not its own (review: +343 % beside a metric of 17 %)", async () => {
    const n = 3000;
    const timestamp = Float64Array.from({ length: n }, (_, i) => i * 1.7);
    const output = Int32Array.from({ length: n }, (_, i) => (i * 37) % 500);
    const input = Int32Array.from({ length: n }, (_, i) => 1000 + ((i * 53) % 4000));
    const trace = (ints: Trace['ints']): Trace => ({ n, timestamp, client: new Int32Array(n), clientIds: ['a'], ints, texts: {}, origin: null });
    const { report } = validateTraces(asResult(trace({ output_tokens: output })), asResult(trace({ input_tokens: input, output_tokens: output })), thresholds);
    expect(report.metrics.peak_tokens_p99_rel_err.value).toBe(0);
    expect(report.generated.peak_p99.tokens_per_s).toBe(report.source.peak_p99.tokens_per_s);
    const { verdictLines } = await import('../../src/cli/validate.js');
    expect(verdictLines(report).find((l) => l.includes('peak load'))).toMatch(/generated [\d.]+ \(\+0 %\)/);
  });
});

describe('validate peak line', () => {
  it('prints a change under 0.5 % as +0 %, not −0 % (review)', async () => {
    const n = 3000;
    const timestamp = Float64Array.from({ length: n }, (_, i) => i * 1.7);
    const trace = (scale: number): Trace => ({ n, timestamp, client: new Int32Array(n), clientIds: ['a'], ints: { input_tokens: Int32Array.from({ length: n }, (_, i) => Math.round(scale * (1000 + ((i * 53) % 4000)))) }, texts: {}, origin: null });
    const { report } = validateTraces(asResult(trace(1)), asResult(trace(0.999)), thresholds);
    expect(report.generated.peak_p99.tokens_per_s!).toBeLessThan(report.source.peak_p99.tokens_per_s!);
    const { verdictLines } = await import('../../src/cli/validate.js');
    expect(verdictLines(report).find((l) => l.includes('peak load'))).toMatch(/generated [\d.]+ \(\+0 %\)/);
  });

  it('says why the peak is not judged instead of a percentage (a one-bin source printed "+17584 %", a 1970 row nothing: review)', async () => {
    const trace = (ts: number[]): Trace => ({ n: ts.length, timestamp: Float64Array.from(ts), client: new Int32Array(ts.length), clientIds: ['a'], ints: { input_tokens: Int32Array.from(ts, () => 100) }, texts: {}, origin: null });
    const { verdictLines } = await import('../../src/cli/validate.js');
    const short = validateTraces(asResult(trace([1, 2, 3])), asResult(trace(Array.from({ length: 300 }, (_, i) => i * 3))), thresholds).report;
    expect(verdictLines(short).find((l) => l.includes('peak load'))).toMatch(/not judged \(the source spans fewer than 100 bins of 10 s\)$/);
    const stray = validateTraces(asResult(trace([-1.7e9, ...Array.from({ length: 300 }, (_, i) => i * 3)])), asResult(trace(Array.from({ length: 300 }, (_, i) => i * 3))), thresholds).report;
    expect(verdictLines(stray).find((l) => l.includes('peak load'))).toMatch(/not judged \(no load series for the source/);
  });
});
