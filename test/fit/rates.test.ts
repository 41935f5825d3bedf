import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregateBucketSeconds, fitAggregateRate, fitAggregateRateSeries, MAX_RATE_BUCKETS } from '../../src/fit/rates.js';
import { fitSummaries } from '../../src/fit/fit-trace.js';
import { buildSummaries } from '../../src/summary/build.js';
import { readProfile } from '../../src/profile/read.js';
import type { Trace } from '../../src/ingest/trace.js';
import { createRng } from '../../src/stats/rng.js';
import { fixture, tempDir } from '../helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Runs `code` (an ES module body; `src/…` imports resolve through tsx) in a child process
 * killed after `seconds`: a fit that takes minutes (synchronous, so vitest cannot time it out)
 * fails the test instead of hanging the run. Returns stdout, stderr, exit code and seconds.
 */
function child(code: string, seconds: number): { stdout: string; stderr: string; status: number | null; seconds: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', timeout: seconds * 1000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status, seconds: (performance.now() - t0) / 1000 };
}

const DAY = 86400;

describe('aggregate rate fit: cost bounded by the number of buckets, not the span', () => {
  it('keeps 5-minute buckets up to MAX_RATE_BUCKETS of them (28.4 days), coarser beyond', () => {
    expect(aggregateBucketSeconds(0, 3600)).toBe(300);
    expect(aggregateBucketSeconds(0, 7 * DAY)).toBe(300);
    expect(aggregateBucketSeconds(0, (MAX_RATE_BUCKETS - 1) * 300)).toBe(300);
    expect(aggregateBucketSeconds(0, MAX_RATE_BUCKETS * 300)).toBe(600);
    expect(aggregateBucketSeconds(0, 121 * DAY)).toBe(1800);
    expect(aggregateBucketSeconds(0, 365 * DAY)).toBe(DAY); // beyond 12 × 5 min: whole days
    const b = aggregateBucketSeconds(0, 1.7e9);
    expect(b % DAY).toBe(0);
    for (const [first, last] of [[0, 1.7e9], [123.4, 3e8], [5e4, 5e4 + 40 * DAY], [0, 1e12]]) {
      const w = aggregateBucketSeconds(first, last);
      expect(Math.floor((last - Math.floor(first / w) * w) / w) + 1).toBeLessThanOrEqual(MAX_RATE_BUCKETS);
    }
  });

  it('one row 54 years before an hour of data: fitted in well under a second, trend only, bounded buckets', () => {
    // Was about 2 minutes for the CLI (5.7 M five-minute buckets); killed after 20 s here.
    const r = child(
      `const { fitAggregateRate } = await import('./src/fit/rates.js');
       const t = new Float64Array(1001);
       for (let i = 1; i < 1001; i++) t[i] = 1.7e9 + i * 3.6;
       const t0 = performance.now();
       const m = fitAggregateRate(t);
       process.stdout.write(JSON.stringify({ m, ms: performance.now() - t0 }));`,
      20,
    );
    expect(r.status, `exit ${r.status} after ${r.seconds.toFixed(1)} s: ${r.stderr}`).toBe(0);
    const { m, ms } = JSON.parse(r.stdout) as { m: NonNullable<ReturnType<typeof fitAggregateRate>>; ms: number };
    expect(ms).toBeLessThan(3000);
    expect(m.buckets).toBeLessThanOrEqual(MAX_RATE_BUCKETS);
    expect(m.bucket_seconds % DAY).toBe(0);
    expect(m.params.c24).toBe(0);
    expect(m.params.s12).toBe(0);
    expect(m.diurnal_peak_to_mean).toBeNull(); // day-wide buckets cannot show a daily shape
    for (const v of [...Object.values(m.params), m.rmse, m.mean_rate]) expect(Number.isFinite(v)).toBe(true);
    // Requests over the time observed: the first bucket from its start (the row at t = 0), the
    // last up to the last row (the bucket is cut by the span's end).
    expect(m.mean_rate).toBeCloseTo(1001 / (1.7e9 + 1000 * 3.6), 12);
  });

  it('a month and a half of data: hour-wide or finer buckets, the daily shape still recovered', () => {
    // rate(t) = 0.05·(1 + 0.5·cos(2πt/86 400)) by thinning, over 45 days.
    const rng = createRng(3);
    const ts: number[] = [];
    let t = 0;
    while (t < 45 * DAY) {
      t += -Math.log(rng.nextOpen()) / 0.075;
      if (rng.next() < (1 + 0.5 * Math.cos((2 * Math.PI * t) / DAY)) / 1.5) ts.push(t);
    }
    const m = fitAggregateRate(Float64Array.from(ts))!;
    expect(m.bucket_seconds).toBe(600);
    expect(m.buckets).toBeLessThanOrEqual(MAX_RATE_BUCKETS);
    expect(m.diurnal_peak_to_mean!).toBeGreaterThan(1.4);
    expect(m.diurnal_peak_to_mean!).toBeLessThan(1.6);
  });

  it('from summaries alone (arrival windows) the same bound holds', () => {
    // 100 windows a day for three years: 109 500 non-empty 600 s windows.
    const ts = Float64Array.from({ length: 109_500 }, (_, i) => Math.floor(i / 100) * DAY + (i % 100) * 600 + 1);
    const trace: Trace = { n: ts.length, timestamp: ts, client: new Int32Array(ts.length), clientIds: ['a'], ints: {}, texts: {}, origin: null };
    const s = buildSummaries(trace, { arrivalSeconds: 600, lengthSeconds: 21600 });
    const t0 = performance.now();
    const p = fitSummaries(s, { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2024-01-01T00:00:00Z' });
    expect(performance.now() - t0).toBeLessThan(20_000);
    const agg = p.aggregate as { buckets: number; bucket_seconds: number };
    expect(agg.buckets).toBeLessThanOrEqual(MAX_RATE_BUCKETS);
    expect(agg.bucket_seconds).toBe(DAY);
  });
});

describe('fit of a real trace with one outlier timestamp (CLI)', () => {
  it('1 000 Azure rows and one at 1970-01-01: exit 0 within seconds, a sane profile, a warning', () => {
    const dir = tempDir();
    const lines = readFileSync(fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv'), 'utf8').split('\n').slice(0, 1001);
    const f = join(dir, 'epoch0.csv');
    writeFileSync(f, [...lines, '1970-01-01 00:00:00.0000000,10,10', ''].join('\n'));
    const out = join(dir, 'e.json');
    const args = ['fit', f, '--preset', 'azure-llm-2023', '--out', out];
    // The CLI from source in a child process, killed after 30 s (it ran for minutes).
    const r = child(`const { main } = await import('./src/cli/main.js'); process.exitCode = await main(['node', 'servegen', ...${JSON.stringify(args)}]);`, 30);
    expect(r.status, `exit ${r.status} after ${r.seconds.toFixed(1)} s: ${r.stderr}`).toBe(0);
    expect(r.seconds).toBeLessThan(15);
    expect(r.stderr.match(/^warning: /gm)).toHaveLength(1);
    expect(r.stderr).toMatch(/warning: timestamps: 1 row \(0\.10 %, at 1970-01-01T00:00:00Z\) lies 53\.9 years before the other 1000 rows/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const { profile } = readProfile(out);
    expect(profile.clients[0].requests).toBe(1001);
    const agg = profile.aggregate as { buckets: number; bucket_seconds: number; params: Record<string, number> };
    expect(agg.buckets).toBeLessThanOrEqual(MAX_RATE_BUCKETS);
    for (const v of Object.values(agg.params)) expect(Number.isFinite(v)).toBe(true);
  });
});

describe('aggregate rate fit: diurnal peak/mean is measured against the level of the data, not the intercept at t = 0', () => {
  // rate(t) = 20 + b·(t − t_mid) + 10·cos(2πt/86 400) over four days: the traffic grows from
  // 10 to 30 req/s; the daily swing is ±10 around a mean level of 20, so peak/mean = 30/20 =
  // 1.5 exactly. The trend's intercept a (level at t = 0, here 10) is where the data starts,
  // not its mean: (10 + 10)/10 = 2.0 is what dividing by the intercept gives (found by review).
  const span = 4 * DAY;
  const b = 20 / span;
  const rate = (t: number) => 20 + b * (t - span / 2) + 10 * Math.cos((2 * Math.PI * t) / DAY);

  it('noiseless series: 1.5 to 1e-6 (the model is exact, LM converges to the least-squares solution)', () => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < span / 300; i++) {
      xs.push((i + 0.5) * 300);
      ys.push(rate((i + 0.5) * 300));
    }
    const m = fitAggregateRateSeries(xs, ys, 300)!;
    expect(m.params.b).toBeCloseTo(b, 9);
    expect(m.diurnal_peak_to_mean!).toBeCloseTo(1.5, 6);
  });

  it('the same on an origin 30 days before the data (the value does not depend on where t = 0 is)', () => {
    const off = 30 * DAY;
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < span / 300; i++) {
      xs.push(off + (i + 0.5) * 300);
      ys.push(rate((i + 0.5) * 300));
    }
    const m = fitAggregateRateSeries(xs, ys, 300)!;
    expect(m.diurnal_peak_to_mean!).toBeCloseTo(1.5, 6);
  });

  it('from Poisson arrivals (seed 5, ~6.9 M requests): within 0.02 of 1.5', () => {
    // Thinning at the rate above (max 40 req/s). Per 5-min bucket ≥ 3 000 requests, so the
    // fitted cosine amplitude has SE ≈ √(20/300)·√(2/1152) ≈ 0.011 req/s: peak/mean SE < 0.001;
    // 0.02 leaves room for the binning of the cosine (bucket means, < 0.01 %).
    const rng = createRng(5);
    const ts: number[] = [];
    let t = 0;
    for (;;) {
      t += -Math.log(rng.nextOpen()) / 40;
      if (t >= span) break;
      if (rng.next() * 40 < rate(t)) ts.push(t);
    }
    const m = fitAggregateRate(Float64Array.from(ts))!;
    expect(Math.abs(m.diurnal_peak_to_mean! - 1.5)).toBeLessThan(0.02);
  });
});

describe('aggregate rate fit: buckets cut by the span count over their covered part', () => {
  // Arrivals exactly every 0.2 s (5 req/s) from t = 100.2 to t = 3 500.2: the first 5-minute
  // bucket is covered for 200 s, the last for 200 s. Every covered part holds 5 req/s (±1 request
  // of discreteness), so the fitted trend is flat and mean_rate is 5. Taken as whole buckets the
  // two edges read 3.3 req/s: slope and mean_rate were biased (found by review).
  const ts = Float64Array.from({ length: 17001 }, (_, i) => 100.2 + i * 0.2);

  it('from timestamps: slope ≈ 0, mean_rate ≈ 5', () => {
    const m = fitAggregateRate(ts)!;
    expect(Math.abs(m.params.b * 3600)).toBeLessThan(0.02); // < 0.02 req/s over the hour
    expect(Math.abs(m.mean_rate - 5)).toBeLessThan(0.01);
  });

  it('from summaries (fit --summaries): the same, and idle windows count as rate 0', () => {
    // Active 0–3 600 s and 7 200–10 800 s, idle in between: mean 17 001·2 / 10 700 s observed.
    const both = Float64Array.from([...ts, ...ts.map((t) => t + 7200)]);
    const trace: Trace = { n: both.length, timestamp: both, client: new Int32Array(both.length), clientIds: ['a'], ints: {}, texts: {}, origin: null };
    const opts = { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2024-01-01T00:00:00Z' };
    // From the summaries' 5-minute counts: the model a fit from the rows gives, exactly.
    const summaries = buildSummaries(trace, opts);
    expect(fitSummaries(summaries, opts).aggregate).toEqual(fitAggregateRate(both));
    // From the arrival windows' counts (summaries without those, as from SQL results exported
    // before them): idle windows at rate 0 too, 600 s buckets.
    const { buckets: _buckets, ...windowsOnly } = summaries;
    const agg = fitSummaries(windowsOnly, opts).aggregate as { mean_rate: number; buckets: number };
    expect(agg.buckets).toBe(18);
    expect(Math.abs(agg.mean_rate - both.length / (both[both.length - 1] - both[0]))).toBeLessThan(0.01);
    const one = fitSummaries(buildSummaries({ ...trace, n: ts.length, timestamp: ts, client: new Int32Array(ts.length) }, opts), opts).aggregate as { mean_rate: number; params: { b: number } };
    expect(Math.abs(one.mean_rate - 5)).toBeLessThan(0.01);
    expect(Math.abs(one.params.b * 3600)).toBeLessThan(0.02);
  });
});
