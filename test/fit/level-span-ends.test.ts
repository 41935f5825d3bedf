/**
 * A level client's rate when its own requests are the log's first and last (the span's ends).
 *
 * The span is [first request, last request], closed. A client's n requests in it have n − 1
 * gaps when both ends are its own: for a renewal process observed from one of its events to
 * another, the n − 1 gaps are its draws and (last − first) / (n − 1) is an unbiased mean gap,
 * while n / (last − first) is too high by the factor n / (n − 1). A request on neither end is
 * inside: over a span its events do not choose, E[n] = λ · span (renewal, stationary), so
 * n / span is unbiased there. Each end's request is therefore counted ½ (a span end sits, on
 * average, in the middle of a gap): both ends own → n − 1, exact for a metronome; none → n.
 * Found by the odd-traces audit: 40 requests every 300 s beside a busy client were fitted at
 * a 292.5 s mean gap (40 / 11 700 s) and drawn so.
 */
import { describe, expect, it } from 'vitest';
import { fitTrace, type FitOptions } from '../../src/fit/fit-trace.js';
import { poisson, traceOf } from './helpers.js';

const base: FitOptions = { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' };

/**
 * A metronome of `n` requests every `gap` s from `from` (client 0) beside a Poisson client at
 * 1/s on (lo, hi) (client 1, seed 7), with requests at lo and hi themselves when `ends` says.
 */
function log(n: number, gap: number, from: number, lo: number, hi: number, ends: [boolean, boolean]) {
  const metro = Array.from({ length: n }, (_, k) => from + k * gap);
  const inside = poisson(() => 1, 1, hi - lo, 7).map((t) => lo + t).filter((t) => t > lo && t < hi);
  const busy = [...(ends[0] ? [lo] : []), ...inside, ...(ends[1] ? [hi] : [])];
  return traceOf([...metro, ...busy], [...metro.map(() => 0), ...busy.map(() => 1)], ['metro', 'busy']);
}

/** The metronome's fitted mean gap (s): 1 / its level rate. */
function meanGap(trace: ReturnType<typeof traceOf>): number {
  const c = fitTrace(trace, base).profile.clients.find((x) => x.id === 'metro')!;
  expect(c.levels, 'the metronome is drawn at levels').toBeDefined();
  expect(c.levels!.rates).toHaveLength(1);
  return 1 / c.levels!.rates[0];
}

describe('level rates at the span ends', () => {
  // A metronome's counts are exact (no noise): its fitted gap is 300 s to float rounding.
  const TOL = 1e-9;

  it('a metronome owning both ends of the log (0 … 11 700 s, the busy client inside): 300 s, not 292.5 s', () => {
    const g = meanGap(log(40, 300, 0, 0, 11700, [false, false]));
    expect(Math.abs(g - 300) / 300).toBeLessThan(TOL);
  });

  it('a metronome inside a span the busy client spans (150 … 11 850 s of 0 … 12 000 s): 300 s, as before', () => {
    const g = meanGap(log(40, 300, 150, 0, 12000, [true, true]));
    expect(Math.abs(g - 300) / 300).toBeLessThan(TOL);
  });

  it('a metronome owning one end (0 … 11 700 s of 0 … 11 850 s): n − ½ over the span, 300 s for a phase half a gap from the other end', () => {
    const g = meanGap(log(40, 300, 0, 0, 11850, [false, true]));
    expect(Math.abs(g - 300) / 300).toBeLessThan(TOL);
  });
});
