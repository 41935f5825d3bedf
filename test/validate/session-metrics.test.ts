import { describe, expect, it } from 'vitest';
import { sessionStatistics } from '../../src/validate/metrics.js';
import { sessionSideOf, traceSessions, type SessionSide } from '../../src/validate/side.js';
import { createRng } from '../../src/stats/rng.js';
import type { Trace } from '../../src/ingest/trace.js';

// A source like BurstGPT's chat sessions: gaps log-normal with median 120 s and p90 1293 s
// (σ = ln(1293/120)/z90 ≈ 1.855), about 300 gaps.
const SRC: SessionSide = { sessions: 135, meanTurns: 2.96, sdTurns: 3.5, multiShare: 0.56, gaps: 265, gapP50: 120, gapP90: 1293, growths: 250, growthP50: 116, growthSpread: 60, inputP50: 270 };
const gapMetric = (gen: SessionSide) => sessionStatistics(SRC, gen).find((m) => m.name === 'session_gap_p50_rel_err')!;

describe('sessionStatistics: the gap median allows its noise on the side the error lies', () => {
  it('a median k times too short is as far off as one k times too long (log-normal noise is symmetric on the log scale)', () => {
    const sigma = Math.log(1293 / 120) / 1.2815515655446004;
    const se = Math.sqrt(Math.PI / 2) * sigma * Math.sqrt(2 / 265);
    const up = gapMetric({ ...SRC, gapP50: 120 * Math.exp(3 * se) * 1.01 });
    const down = gapMetric({ ...SRC, gapP50: (120 / Math.exp(3 * se)) / 1.01 });
    // Both 1 % beyond 3 SEs on the log scale: both outside the noise allowance.
    expect(up.value!).toBeGreaterThan(up.noise!);
    expect(down.value!, `a median ${(Math.exp(3 * se) * 1.01).toFixed(2)}× too short`).toBeGreaterThan(down.noise!);
    // Within 3 SEs either way: inside.
    expect(gapMetric({ ...SRC, gapP50: 120 / Math.exp(2.9 * se) }).value!).toBeLessThan(gapMetric({ ...SRC, gapP50: 120 / Math.exp(2.9 * se) }).noise!);
    expect(gapMetric({ ...SRC, gapP50: 120 * Math.exp(2.9 * se) }).value!).toBeLessThan(gapMetric({ ...SRC, gapP50: 120 * Math.exp(2.9 * se) }).noise!);
  });

  it('a generated side whose sessions are all single-turn has no gap median: judged as fully wrong, not skipped', () => {
    const m = gapMetric({ sessions: 300, meanTurns: 1, sdTurns: 0, multiShare: 0, gaps: 0, gapP50: null, gapP90: null, growths: 0, growthP50: null, growthSpread: null, inputP50: 200 });
    expect(m.value).toBe(1);
    // Sized by the source's gaps (the generated side has none).
    expect(m.n).toBe(265);
    expect(m.note).toMatch(/no inter-turn gap/);
  });

  it('a source without positive gaps is still not judged', () => {
    const m = sessionStatistics({ ...SRC, gapP50: 0, gapP90: 0 }, SRC).find((x) => x.name === 'session_gap_p50_rel_err')!;
    expect(m.value).toBeNull();
  });
});

describe('traceSessions: pooled over a trace\'s rows in time order', () => {
  it('turns per session in order of first row, gaps between consecutive rows of a session, rows without a session skipped', () => {
    const rng = createRng(12);
    const n = 20_000;
    const values = Array.from({ length: 3000 }, (_, k) => `c#${k}`);
    const index = new Int32Array(n);
    const timestamp = new Float64Array(n);
    let t = 0;
    for (let i = 0; i < n; i++) {
      t += rng.next();
      timestamp[i] = t;
      index[i] = rng.next() < 0.2 ? -1 : Math.floor(rng.next() ** 2 * values.length);
    }
    const trace = { n, timestamp, client: new Int32Array(n), clientIds: ['c'], ints: {}, texts: { session_id: { index, values } } } as unknown as Trace;
    // By hand: Maps in first-row order.
    const turns = new Map<number, number>();
    const last = new Map<number, number>();
    const gaps: number[] = [];
    for (let i = 0; i < n; i++) {
      const k = index[i];
      if (k < 0) continue;
      if (last.has(k)) gaps.push(timestamp[i] - last.get(k)!);
      last.set(k, timestamp[i]);
      turns.set(k, (turns.get(k) ?? 0) + 1);
    }
    const want = sessionSideOf([...turns.values()], Float64Array.from(gaps), new Float64Array(), new Float64Array())!;
    expect(want.sessions).toBeLessThan(values.length); // some sessions never occur
    expect(traceSessions(trace)).toEqual(want);
    expect(traceSessions({ ...trace, texts: {} } as unknown as Trace)).toBeUndefined();
  });
});
