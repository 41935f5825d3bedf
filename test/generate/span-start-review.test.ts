import { describe, expect, it } from 'vitest';
import { planGeneration, slotsFor } from '../../src/generate/compose.js';
import { planNaiveGeneration } from '../../src/generate/naive.js';
import { windowGrid } from '../../src/profile/window-grid.js';
import { anonymizeProfile } from '../../src/profile/anonymize.js';
import { validateProfile } from '../../src/profile/read.js';
import type { Profile } from '../../src/profile/schema.js';
import { summarizeProfile } from '../../src/profile/summarize.js';
import { fitTrace } from '../../src/fit/fit-trace.js';
import { createRng } from '../../src/stats/rng.js';
import { traceOf } from '../fit/helpers.js';
import { exportServegenPool, importServegenPool } from '../../src/profile/upstream.js';
import { tempDir } from '../helpers.js';
import { join } from 'node:path';

/**
 * Review of the span-start rule (session 37, ebeeec9: span.start is the first request's whole
 * second, the windows stay on their grid, generate cuts slots on it): what still assumed the
 * old rule, or broke under the new one.
 */

/** A hand-written profile of one client at 1.33 req/s in two 600 s windows from `first`, span `start` … `end`. */
function handWritten(first: number, start: number, end: number): Profile {
  return validateProfile({
    format: 'servegen-profile',
    version: 1,
    provenance: { tool: 'servegen-ts@0.1.0', source_sha256: '0'.repeat(64), created: '2026-01-01T00:00:00Z', options: {} },
    windows: { arrival_seconds: 600, length_seconds: 21600 },
    span: { origin: null, start, end },
    clients: [
      {
        id: 'a',
        requests: 1596,
        arrivals: [0, 1].map((k) => ({ start: first + k * 600, rate: 1.33, cv: 1, model: { family: 'exponential', scale: 1 / 1.33 } })),
        lengths: [],
      },
    ],
  });
}

const scale1 = { kind: 'scale' as const, factor: 1 };

describe('windowGrid of a profile whose windows start after span.start, off its multiples of W', () => {
  // Windows at 100 and 700 s in a span from 0 to 1 200 s (a hand edit, another tool's profile).
  // The grid moved to −500 s, the windows' grid point before span.start, where no window is
  // listed: the run from 0 drew nothing in 0 … 100 s, and every repeat a whole 600 s window of
  // nothing (1 700 s of 2 400 drawn: 2 261 requests expected for 3 192). Before the thirty-seventh
  // session the windows were drawn from span.start, as they are again.
  const profile = handWritten(100, 0, 1200);

  it('keeps span.start: the windows are drawn from it, with no hole in the repeats', () => {
    expect(windowGrid(profile)).toBe(0);
    const plan = planGeneration(profile, { start: 0, duration: 2400, rate: scale1, seed: 1 });
    expect(plan.expectedRequests).toBeCloseTo(1.33 * 2400, 6);
    expect(planNaiveGeneration(profile, { start: 0, duration: 2400, rate: scale1, seed: 1 }).expectedRequests).toBeCloseTo(1.33 * 2400, 6);
    // Slots on span.start's grid, every one with its window.
    expect(slotsFor(profile, 0, 2400).map((s) => [s.a, s.b, s.profileStart])).toEqual([
      [0, 600, 0],
      [600, 1200, 600],
      [1200, 1800, 0],
      [1800, 2400, 600],
    ]);
  });

  it('anonymizes it by span.start, as before', () => {
    const an = anonymizeProfile(profile);
    expect(an.span).toEqual({ origin: null, start: 0, end: 1200 });
    expect(an.clients[0].arrivals.map((w) => w.start)).toEqual([100, 700]);
  });

  it('a span that starts inside a listed window still draws that window from span.start (the new rule)', () => {
    const inside = handWritten(0, 50, 1200);
    expect(windowGrid(inside)).toBe(0);
    const plan = planGeneration(inside, { start: 50, duration: 1150, rate: scale1, seed: 1 });
    expect(plan.expectedRequests).toBeCloseTo(1.33 * 1150, 6);
    // Repeated: the first window whole, from its start (1 200 s … 1 800 s is the first window).
    expect(slotsFor(inside, 50, 1750).map((s) => [s.a, s.b, s.profileStart])).toEqual([
      [50, 600, 0],
      [600, 1200, 600],
      [1200, 1800, 0],
    ]);
  });

  it('a client whose first window holds span.start sets the grid, whichever client is listed first', () => {
    // The first listed client starts later (its windows at 600 s and 1 200 s), the second holds span.start (50 s) in its window at 0.
    const p = handWritten(0, 50, 1900);
    const late = { ...structuredClone(p.clients[0]), id: 'late' };
    late.arrivals.forEach((w) => (w.start += 600));
    const two = validateProfile({ ...p, clients: [late, p.clients[0]] });
    expect(windowGrid(two)).toBe(0);
  });
});

describe('inspect weighs a window the span cuts by its requests, not by its rate over a whole window', () => {
  // Client a: a burst of 12 requests (input 1 000) in its first second; client b: Poisson at
  // 0.5 req/s (input 10) for 2 h. From t = 599.05 s (relative times, 600 s windows) the span
  // starts at 599 s, and a's window 0 … 600 s is rated over 1 s: 12 req/s. Weighed by rate × 600 s
  // it counted as 7 200 requests beside b's 3 660: input mean 666 and p90 1 000, where the log's
  // are 13.2 and 10 (from t = 0.05 s, rated over the whole window, 13.2 and 10).
  function burstThenPoisson(t0: number, burstAtEnd = false) {
    const rng = createRng(5);
    const ts: number[] = [];
    const cs: number[] = [];
    const input: number[] = [];
    let t = t0 + 1;
    while (t < t0 + 7200) {
      ts.push(t);
      cs.push(1);
      input.push(10);
      t += -Math.log(rng.nextOpen()) / 0.5;
    }
    // At the end: just after the window boundary past b's last request, so the span ends 1 s into a window.
    const at = burstAtEnd ? Math.ceil(ts.at(-1)! / 600) * 600 + 0.05 : t0;
    for (let i = 0; i < 12; i++) {
      ts.push(at + i * 0.07);
      cs.push(0);
      input.push(1000);
    }
    const { profile } = fitTrace(traceOf(ts, cs, ['a', 'b'], { input_tokens: Int32Array.from(input) }), { arrivalSeconds: 600, lengthSeconds: 3600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' });
    const mean = input.reduce((x, y) => x + y, 0) / input.length;
    return { profile, mean };
  }

  it('a first window the span starts 599 s into', () => {
    const { profile, mean } = burstThenPoisson(599.05);
    expect(profile.span.start).toBe(599);
    expect(profile.clients.find((c) => c.id === 'a')!.arrivals[0].rate).toBeCloseTo(12, 9);
    const s = summarizeProfile(profile);
    expect(Math.abs(s.fields.input_tokens!.mean - mean)).toBeLessThan(0.05);
    expect(s.fields.input_tokens!.p90).toBe(10);
  });

  it('a last window the span ends 1 s into', () => {
    const { profile, mean } = burstThenPoisson(0.05, true);
    expect(profile.clients.find((c) => c.id === 'a')!.arrivals[0].rate).toBeCloseTo(12, 9);
    const s = summarizeProfile(profile);
    // (The window's 0.82 s in the span hold 9.8 of its 12 requests at its rate, over at least 1 s
    // in fit: generate draws 9.8, and inspect weighs it so; 653 over it for the whole window.)
    expect(Math.abs(s.fields.input_tokens!.mean - mean)).toBeLessThan(1);
    expect(s.fields.input_tokens!.p90).toBe(10);
  });
});

describe('export-servegen then import-servegen of a profile whose span starts inside its first window', () => {
  it('keeps the requests generate draws over the span (the first window spread over a whole one)', () => {
    // Poisson at 1 req/s from t = 1 000 s (relative times, 600 s windows): span.start 1 000, the
    // first window 600 … 1 200 s rated over its 200 s. Upstream generates whole windows, so the
    // export writes it at the rate that keeps its requests over 600 s; imported, its span starts
    // at 600 s and the window is drawn whole. Written at its own rate, the import drew 400 s more
    // of it (~400 requests more).
    const rng = createRng(11);
    const ts: number[] = [];
    for (let t = 1000; t < 1000 + 7200; t += -Math.log(rng.nextOpen())) ts.push(t);
    const { profile } = fitTrace(traceOf(ts), { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' });
    expect(profile.span.start).toBe(1000);
    expect(profile.clients[0].levels).toBeUndefined();
    const dir = join(tempDir(), 'pool');
    exportServegenPool(profile, dir);
    const back = importServegenPool(dir, () => '2026-01-01T00:00:00Z').profile;
    expect(back.span.start).toBe(600);
    const expected = (p: Profile) => planGeneration(p, { start: p.span.start, duration: p.span.end - p.span.start, rate: scale1, seed: 1 }).expectedRequests;
    expect(expected(profile)).toBeCloseTo(ts.length, 6);
    expect(Math.abs(expected(back) / expected(profile) - 1)).toBeLessThan(1e-6);
  });
});
