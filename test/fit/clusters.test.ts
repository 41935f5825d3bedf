import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitSummaries, fitTrace, type FitOptions } from '../../src/fit/fit-trace.js';
import type { ArrivalSummary } from '../../src/summary/types.js';
import { fitArrivals } from '../../src/fit/idle-gaps.js';
import { atThreshold, BetweenClusters, clusterGaps, clusterWithin, gapsFrom } from '../../src/fit/batches.js';
import { buildSummaries } from '../../src/summary/build.js';
import { planGeneration } from '../../src/generate/compose.js';
import { readProfile } from '../../src/profile/read.js';
import type { Profile } from '../../src/profile/schema.js';
import { createRng } from '../../src/stats/rng.js';
import { batchSizeAt, index1s, traceOf } from './helpers.js';
import { tempDir } from '../helpers.js';

const base: FitOptions = { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' };

/** Clusters: Poisson at 0.05/s (3 000 over ~60 000 s). */
const CLUSTERS = 3000;
/** Mean gap inside a cluster (s): exponential, logged to the µs (a gateway's fan-out). */
const WITHIN = 0.0004;

/**
 * A cluster client (0) — requests sent together, logged ~0.4 ms apart — beside a Poisson chat
 * client at 1 req/s (1), on a µs clock. Clusters are not batches here: no two of its requests
 * share a timestamp (or by chance, 1 in ~400).
 */
function clusterLog(seed: number) {
  const rng = createRng(seed);
  const times: number[] = [];
  const clients: number[] = [];
  const sizes = new Map<number, number>();
  const exp = (mean: number) => -Math.log(1 - rng.next()) * mean;
  let t = 0;
  for (let i = 0; i < CLUSTERS; i++) {
    t += exp(20);
    const u = rng.next();
    const size = batchSizeAt(u);
    sizes.set(size, (sizes.get(size) ?? 0) + 1);
    let at = t;
    for (let k = 0; k < size; k++) {
      if (k > 0) at += exp(WITHIN);
      times.push(Math.round(at * 1e6) / 1e6);
      clients.push(0);
    }
    t = at;
  }
  const end = t;
  for (let c = exp(1); c < end; c += exp(1)) {
    times.push(Math.round(c * 1e6) / 1e6);
    clients.push(1);
  }
  return { trace: traceOf(times, clients, ['fanout', 'chat']), sizes, end };
}

/** Runs of times (sorted) each less than `below` after the one before: size → runs. */
function runsOf(times: readonly number[], below: number): Map<number, number> {
  const out = new Map<number, number>();
  let size = 1;
  for (let i = 1; i <= times.length; i++) {
    if (i < times.length && times[i] - times[i - 1] < below) size++;
    else {
      out.set(size, (out.get(size) ?? 0) + 1);
      size = 1;
    }
  }
  return out;
}

/** Total variation between two size → count maps (as distributions). */
function tvOf(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): number {
  const na = [...a.values()].reduce((x, y) => x + y, 0);
  const nb = [...b.values()].reduce((x, y) => x + y, 0);
  let tv = 0;
  for (const k of new Set([...a.keys(), ...b.keys()])) tv += Math.abs((a.get(k) ?? 0) / na - (b.get(k) ?? 0) / nb) / 2;
  return tv;
}

describe('cluster clients (requests sent together, logged apart)', () => {
  const log = clusterLog(5);
  const { profile, summaries } = fitTrace(log.trace, base);
  const fanout = profile.clients.find((c) => c.id === 'fanout')!;
  const source: number[] = [];
  for (let i = 0; i < log.trace.n; i++) if (log.trace.client[i] === 0) source.push(log.trace.timestamp[i]);

  it('are fitted at the 10 ms threshold with their requests per cluster as the log has them', () => {
    // 1 ms cuts 8 % of the 0.4 ms gaps (e^−2.5), fragmenting clusters; 100 ms is as good as
    // 10 ms but takes ~10× more gaps from 0.1 to 1 s between clusters (the valley is shallower).
    expect(fanout.batches!.below).toBe(0.01);
    const { values, counts } = fanout.batches!.sizes;
    // Two clusters less than 10 ms apart (Poisson at 0.05/s: ~1.5 of 3 000) are counted as one.
    expect(tvOf(new Map(values.map((v, i) => [v, counts![i]])), log.sizes)).toBeLessThan(0.002);
    expect(profile.clients.find((c) => c.id === 'chat')!.batches).toBeUndefined();
  });

  it('keep the gaps inside clusters (mean 0.4 ms) and fit windows to the gaps between clusters', () => {
    const within = fanout.batches!.within!;
    const n = within.counts!.reduce((a, b) => a + b, 0);
    const mean = within.values.reduce((a, v, i) => a + v * within.counts![i], 0) / n;
    // ~32 000 exponential gaps: the mean's standard error is 0.6 %; values at their 1/20-decade
    // bin's middle are each within ±6 %, averaging out to ~1 %: 4 % is well clear of both.
    expect(n).toBeGreaterThan(30_000);
    expect(Math.abs(mean / WITHIN - 1)).toBeLessThan(0.04);
    expect(Math.max(...within.values)).toBeLessThan(0.01);
    // The windows: ~3 000 gaps between clusters, exponential (CV 1, standard error ~0.018).
    let gaps = 0;
    let sum = 0;
    let sumSq = 0;
    for (const w of fitArrivals(summaries)) {
      if (w.client !== 'fanout') continue;
      gaps += w.gaps;
      sum += w.sum;
      sumSq += w.sumSq;
    }
    const clusters = [...log.sizes.values()].reduce((a, b) => a + b, 0);
    expect(Math.abs(gaps - (clusters - 1))).toBeLessThanOrEqual(3);
    const m = sum / gaps;
    expect(Math.abs(Math.sqrt(sumSq / gaps - m * m) / m - 1)).toBeLessThan(0.06);
    expect(Math.abs(m / 20 - 1)).toBeLessThan(0.08);
    expect(fanout.gap_memory).toBeUndefined();
  });

  it('generate clusters of the fitted sizes and spread, in time order, keeping the 1 s dispersion', () => {
    const drawn: number[] = [];
    const plan = planGeneration(profile, { start: 0, duration: log.end, rate: { kind: 'scale', factor: 1 }, seed: 11, clients: { ids: ['fanout'] } });
    for (const b of plan.batches) for (let i = 0; i < b.n; i++) drawn.push(b.timestamp[i]);
    for (let i = 1; i < drawn.length; i++) expect(drawn[i]).toBeGreaterThanOrEqual(drawn[i - 1]);
    const runs = runsOf(drawn, 0.01);
    const clusters = [...runs.values()].reduce((a, b) => a + b, 0);
    // Poisson count of mean 3 000 (sd ~55): within 4 sd.
    expect(Math.abs(clusters - CLUSTERS)).toBeLessThan(220);
    // Sizes: sampling noise over 3 000 clusters of 3 sizes is ~0.01 of total variation.
    expect(tvOf(runs, log.sizes)).toBeLessThan(0.05);
    // Gaps inside clusters: mean 0.4 ms (over ~30 000: well within 5 %).
    let inside = 0;
    let sum = 0;
    for (let i = 1; i < drawn.length; i++) {
      const g = drawn[i] - drawn[i - 1];
      if (g < 0.01) {
        inside++;
        sum += g;
      }
    }
    expect(Math.abs(sum / inside / WITHIN - 1)).toBeLessThan(0.05);
    // 1 s index ≈ E[S²]/E[S] = 17.8; noise a few % at 3 000 clusters (15 % is > 4 standard
    // errors). Drawn one gap at a time (session 22's limit) it was far off.
    const a = index1s(source, log.end);
    expect(a).toBeGreaterThan(15);
    expect(Math.abs(index1s(drawn, log.end) / a - 1)).toBeLessThan(0.15);
  });

  it('go on across arrival windows: a cluster under way at a window’s end finishes in the next, in order', () => {
    // A hand-made profile: clusters of exactly 10 requests 5 s apart (45 s each) at ~0.01/s,
    // in 600 s windows — about one cluster in 13 crosses a window boundary.
    const p: Profile = JSON.parse(JSON.stringify(profile));
    const c = p.clients.find((x) => x.id === 'fanout')!;
    c.batches = { sizes: { values: [10], counts: [1] }, below: 10, within: { values: [5], counts: [1] } };
    for (const w of c.arrivals) w.rate = 0.1;
    const drawn: number[] = [];
    for (const b of planGeneration(p, { start: 0, duration: log.end, rate: { kind: 'scale', factor: 1 }, seed: 3, clients: { ids: ['fanout'] } }).batches) for (let i = 0; i < b.n; i++) drawn.push(b.timestamp[i]);
    for (let i = 1; i < drawn.length; i++) expect(drawn[i]).toBeGreaterThanOrEqual(drawn[i - 1]);
    const runs = runsOf(drawn, 5.5);
    // Every cluster whole: runs of 10 requests, or of 20, 30 … where the gap to the next cluster
    // came out under 5.5 s (exponential gaps between clusters of mean 10 / 0.1 − 45 = 55 s:
    // 1 − e^−0.1 = 9.5 % of them) — and one run the span's end may cut short.
    let cut = 0;
    for (const [size, count] of runs) if (size % 10 !== 0) cut += count;
    expect(cut).toBeLessThanOrEqual(1);
    const total = [...runs.values()].reduce((a, b) => a + b, 0);
    expect(runs.get(10)! / total).toBeGreaterThan(0.85);
    // Requests at the rate: 0.1/s over the span (a Poisson-like count of clusters: sd ~3 %).
    expect(Math.abs(drawn.length / (0.1 * log.end) - 1)).toBeLessThan(0.12);
  });

  it('profiles with a gap within a cluster below 0 or not ascending, or with one of below and within alone, are refused, naming it', () => {
    const dir = tempDir();
    const i = profile.clients.findIndex((c) => c.id === 'fanout');
    for (const [values, what] of [
      [[-0.001, 0.002], 'values[0]: a gap within a cluster must be ≥ 0 s, got -0.001'],
      [[0.002, 0.001], 'values[1]: values must ascend (0.002 then 0.001)'],
    ] as const) {
      const p: Profile = JSON.parse(JSON.stringify(profile));
      p.clients[i].batches!.within = { values: [...values], counts: [1, 1] };
      const file = join(dir, `bad-${values.join('_')}.json`);
      writeFileSync(file, JSON.stringify(p));
      expect(() => readProfile(file)).toThrow(`clients[${i}].batches.within.${what}`);
    }
    // One of `below` and `within` without the other: drawn as one kind of batch (clusters by
    // `within`), named as the other by inspect and reports (by `below`).
    for (const drop of ['below', 'within'] as const) {
      const p: Profile = JSON.parse(JSON.stringify(profile));
      delete p.clients[i].batches![drop];
      const file = join(dir, `no-${drop}.json`);
      writeFileSync(file, JSON.stringify(p));
      expect(() => readProfile(file)).toThrow(`clients[${i}].batches.${drop}: a cluster client's batches have both 'below' and 'within' (this one has '${drop === 'below' ? 'within' : 'below'}' only)`);
    }
  });

  it('include a client sending part of its requests in clusters beside single ones (its singles fill the decade above τ)', () => {
    // Singles at 0.7/s and clusters of 10 at 0.03/s (30 % of its requests), 3 ms apart inside
    // (exponential: 4 % of them over 10 ms), 6 h, on a µs clock: 27 % of its gaps below 10 ms,
    // 5.0 times those from 10 to 100 ms (most of those the singles'). The batch rule's 10 times
    // left it out, to be drawn one gap at a time (56/60 in roundtrip, +12 % slots).
    const rng = createRng(21);
    const times: number[] = [];
    const exp = (mean: number) => -Math.log(1 - rng.next()) * mean;
    for (let t = exp(1 / 0.7); t < 21_600; t += exp(1 / 0.7)) times.push(Math.round(t * 1e6) / 1e6);
    let clusters = 0;
    for (let t = exp(1 / 0.03); t < 21_600; t += exp(1 / 0.03)) {
      clusters++;
      let at = t;
      for (let k = 0; k < 10; k++) {
        if (k > 0) at += exp(0.003);
        times.push(Math.round(at * 1e6) / 1e6);
      }
    }
    const c = fitTrace(traceOf(times, undefined, ['mixed']), base).profile.clients[0];
    expect(c.batches!.below).toBe(0.01);
    const sizes = new Map(c.batches!.sizes.values.map((v, i) => [v, c.batches!.sizes.counts![i]]));
    // ~650 clusters; each of its 9 gaps is over 10 ms with chance e^−10/3 = 3.6 %, so 0.964⁹ =
    // 72 % are whole, less ~1.4 % joined by a single within 10 ms: ~0.71 of them (binomial sd
    // ~0.018 of them; 0.06 is over 3 sd).
    expect(Math.abs(sizes.get(10)! / clusters - 0.71)).toBeLessThan(0.06);
    expect(sizes.get(1)!).toBeGreaterThan(14_000);
  });

  it('not a Poisson client too busy for a valley above the threshold (1 000/s on a µs clock)', () => {
    // 63 % of its gaps below 1 ms and 37 % from 1 to 10 ms: no valley above 1 ms, and at 10 and
    // 100 ms runs of the geometric lengths chance makes (either clause alone keeps it out).
    const rng = createRng(4);
    const times: number[] = [];
    for (let t = 0; t < 60; t += -Math.log(1 - rng.next()) / 1000) times.push(Math.round(t * 1e6) / 1e6);
    expect(fitTrace(traceOf(times), base).profile.clients[0].batches).toBeUndefined();
  });
});

describe('cluster clients, many of them', () => {
  it('are fitted reading each window a bounded number of times, not once per cluster client', () => {
    // 60 cluster clients (clusters of 10 requests ~0.4 ms apart, ~60 s apart, over 2 h: 12
    // windows each) on a µs clock. Each one's gaps inside clusters (batches.within) come from
    // its own windows: read by scanning every window once per cluster client, a 30-day log of
    // 2 000 clients (8.6 M windows) with a few hundred cluster clients read billions.
    const rng = createRng(21);
    const times: number[] = [];
    const clients: number[] = [];
    const K = 60;
    for (let c = 0; c < K; c++) {
      for (let t = rng.next() * 60; t < 7200; t += 30 + 60 * rng.next()) {
        let at = t;
        for (let k = 0; k < 10; k++) {
          if (k > 0) at += -Math.log(1 - rng.next()) * 0.0004;
          times.push(Math.round(at * 1e6) / 1e6);
          clients.push(c);
        }
      }
    }
    const order = times.map((_, i) => i).sort((a, b) => times[a] - times[b]);
    const trace = traceOf(
      order.map((i) => times[i]),
      order.map((i) => clients[i]),
      Array.from({ length: K }, (_, c) => `fan${c}`),
    );
    const { summaries } = fitTrace(trace, base);
    let reads = 0;
    const arrivals = new Proxy(summaries.arrivals as ArrivalSummary[], {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    const profile = fitSummaries({ ...summaries, arrivals }, base);
    expect(profile.clients.filter((c) => c.batches?.below === 0.01)).toHaveLength(K);
    // A few passes over the windows (batch and cluster rules per threshold, the fit's own);
    // one per cluster client was 60.
    expect(reads / summaries.arrivals.length).toBeLessThan(25);
  });
});

// Found in review (session 23): runs end at a gap of as many ticks as τ, but log bins are of the
// gap as a double, and a gap of exactly 100 ms on a 1 ms clock (a difference of timestamps) is
// often a hair under 0.1 s, in the bin below τ's: the views and the valley took those gaps for
// gaps inside clusters (87 gaps between clusters of 124).
describe('gaps of exactly a threshold', () => {
  it('end clusters in the windows the fit reads, the gaps inside them and the valley', () => {
    // Clusters of 3 requests 2 ms apart, then exactly 100 ms or 3 s to the next (alternately),
    // on a 1 ms clock, 300 clusters.
    const times: number[] = [];
    let ms = 1_717_200_000_000;
    for (let i = 0; i < 300; i++) {
      for (let j = 0; j < 3; j++) times.push((ms + 2 * j) / 1000);
      ms += 4 + (i % 2 === 0 ? 100 : 3000);
    }
    const summaries = buildSummaries(traceOf(times.map((t) => t - 1_717_200_000)), { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 0.001 });
    const k = 2; // 100 ms
    let gaps = 0;
    let inRuns = 0;
    let between = 0;
    let exact = 0;
    let valley = 0;
    for (const a of summaries.arrivals) {
      gaps += a.gaps;
      inRuns += clusterGaps(a, k);
      between += new BetweenClusters(a, k, 0.001).gaps;
      exact += atThreshold(a, k, 0.001);
      valley += gapsFrom(a, 0.1, 1, 0.001) + atThreshold(a, k, 0.001);
    }
    // Runs of 3 (2 gaps each) end at every 100 ms gap: 600 gaps inside, 299 between.
    expect(gaps).toBe(899);
    expect(inRuns).toBe(600);
    expect(between).toBe(299);
    // Some of the 150 exact-100 ms gaps land in the bin below τ's (else this tests nothing).
    expect(exact).toBeGreaterThan(10);
    expect(valley).toBe(150);
    // Inside clusters only the 2 ms gaps.
    const within = clusterWithin(summaries.arrivals, k, 0.001);
    expect(within.counts!.reduce((x, y) => x + y, 0)).toBe(600);
    expect(Math.max(...within.values)).toBeLessThan(0.003);
  });
});
