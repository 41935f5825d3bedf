/**
 * The naive baseline draws each request's lengths from the length windows at its own time in the
 * profile, as ours does (ls.at(t + profileOffset), from the slot's profileAt). It took them at
 * the slot's middle counted from its window's start: a length window starting inside an arrival
 * window (length windows that are not a multiple of the arrival windows) was drawn for the whole
 * slot or not at all, and a slot cut from inside its window (the span's cut first window, a
 * --start inside a window) was read at the wrong time (found by review, h-98: 600 s arrival
 * windows and 900 s length windows, 635 of 3 642 naive requests drawn from the wrong one).
 */
import { describe, expect, it } from 'vitest';
import { fitTrace } from '../../src/fit/fit-trace.js';
import { planGeneration, type GenerateOptions } from '../../src/generate/compose.js';
import { planNaiveGeneration } from '../../src/generate/naive.js';
import { planRequests } from '../../src/generate/in-memory.js';
import type { Profile } from '../../src/profile/schema.js';
import { createRng } from '../../src/stats/rng.js';
import { traceOf } from '../fit/helpers.js';

/**
 * One client at 1 req/s from `first` to 3 600 s (relative times), its input 100 in the even
 * length windows of `L` seconds and 1 000 in the odd ones; 600 s arrival windows.
 */
function alternating(first: number, L: number): { profile: Profile; inputAt: (t: number) => number } {
  const inputAt = (t: number) => (Math.floor(t / L) % 2 === 0 ? 100 : 1000);
  const rng = createRng(1);
  const ts: number[] = [];
  for (let t = first; t < 3600; t += -Math.log(rng.nextOpen())) ts.push(t);
  const trace = traceOf(ts, undefined, ['a'], { input_tokens: Int32Array.from(ts, inputAt) });
  const { profile } = fitTrace(trace, { arrivalSeconds: 600, lengthSeconds: L, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' });
  return { profile, inputAt };
}

/** Requests (times in profile time: the run starts at `start`) whose input is not their length window's. */
function misplaced(plan: ReturnType<typeof planGeneration>, start: number, inputAt: (t: number) => number) {
  const rs = [...planRequests(plan)];
  return { n: rs.length, wrong: rs.filter((r) => r.input_tokens !== inputAt(r.timestamp + start)) };
}

describe('the naive baseline draws lengths at each request\'s profile time, as ours does', () => {
  it('length windows of 900 s in arrival windows of 600 s', () => {
    const { profile, inputAt } = alternating(0.5, 900);
    expect(profile.clients[0].lengths.map((w) => w.start)).toEqual([0, 900, 1800, 2700]);
    const o: GenerateOptions = { start: 0, duration: 3600, rate: { kind: 'scale', factor: 1 }, seed: 2 };
    const ours = misplaced(planGeneration(profile, o), 0, inputAt);
    const naive = misplaced(planNaiveGeneration(profile, o), 0, inputAt);
    expect(ours.n).toBeGreaterThan(3000);
    expect(naive.n).toBeGreaterThan(3000);
    expect(ours.wrong).toEqual([]);
    // (Before: 635 of 3 642, every request of 600 … 900 s and of 2 400 … 2 700 s with the next window's input.)
    expect(naive.wrong).toEqual([]);
  });

  it('a cut first window, and a run starting inside a window', () => {
    // From 310.5 s: the span starts at 310 s, in the window 0 … 600 s; length windows of 450 s
    // start at 450 s inside it. Read at 145 s (the slot's middle from the window's start), the
    // first slot drew 100 all through, where 450 … 600 s had 1 000.
    const { profile, inputAt } = alternating(310.5, 450);
    expect(profile.span.start).toBe(310);
    expect(profile.clients[0].arrivals[0].start).toBe(0);
    for (const start of [310, 1000]) {
      const o: GenerateOptions = { start, duration: 3600 - start, rate: { kind: 'scale', factor: 1 }, seed: 4 };
      const ours = misplaced(planGeneration(profile, o), start, inputAt);
      const naive = misplaced(planNaiveGeneration(profile, o), start, inputAt);
      expect(naive.n, `--start ${start}`).toBeGreaterThan(2000);
      expect(ours.wrong, `--start ${start}`).toEqual([]);
      expect(naive.wrong, `--start ${start}`).toEqual([]);
    }
  });

  it("a rate file's pieces of a window", () => {
    // A ramp cuts each window into pieces of ≥ 1 s, each from inside its window (profileAt).
    const { profile, inputAt } = alternating(0.5, 900);
    const o: GenerateOptions = { start: 0, duration: 3600, rate: { kind: 'points', times: [0, 3600], rates: [0.5, 2], file: 'ramp.json' }, seed: 5 };
    const naive = misplaced(planNaiveGeneration(profile, o), 0, inputAt);
    expect(naive.n).toBeGreaterThan(3000);
    expect(naive.wrong).toEqual([]);
  });
});
