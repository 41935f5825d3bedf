import { describe, expect, it } from 'vitest';
import { sessionStats } from '../../src/fit/sessions.js';
import { traceSessions } from '../../src/validate/side.js';
import { createRng } from '../../src/stats/rng.js';
import { RANK_BINS, TURN_BUCKETS } from '../../src/profile/session-ranks.js';
import type { Trace } from '../../src/ingest/trace.js';

/**
 * A one-client trace of `sessions` sessions of 1–8 turns, 30 s apart, in 6 h; turn k's input is
 * `input(k, rng)`. Rows sorted by time, as traces are.
 */
function sessionTrace(sessions: number, input: (turn: number, base: number, rng: ReturnType<typeof createRng>) => number, seed: number): Trace {
  const rng = createRng(BigInt(seed));
  const rows: { t: number; s: number; x: number }[] = [];
  for (let s = 0; s < sessions; s++) {
    const turns = 1 + Math.floor(rng.next() * 8);
    const start = rng.next() * 20000;
    const base = Math.exp(4 + rng.normal());
    for (let k = 1; k <= turns; k++) rows.push({ t: start + 30 * (k - 1), s, x: Math.max(1, Math.round(input(k, base, rng))) });
  }
  rows.sort((a, b) => a.t - b.t || a.s - b.s);
  return {
    n: rows.length,
    timestamp: Float64Array.from(rows, (r) => r.t),
    client: new Int32Array(rows.length),
    clientIds: ['c'],
    ints: { input_tokens: Int32Array.from(rows, (r) => r.x) },
    texts: { session_id: { index: Int32Array.from(rows, (r) => r.s), values: Array.from({ length: sessions }, (_, s) => `s${s}`) } },
    origin: null,
  };
}

/** Mean rank (bin centres) of a bucket's counts, and their number. */
function meanRank(counts: number[]): { mean: number; n: number } {
  let n = 0;
  let sum = 0;
  counts.forEach((c, j) => {
    n += c;
    sum += c * ((j + 0.5) / RANK_BINS);
  });
  return { mean: sum / n, n };
}

describe('session input ranks: recovered from seeded sessions', () => {
  it('context that accumulates (turn k carries the earlier turns): later buckets rank higher, consecutive turns strongly correlated', () => {
    // Turn k's input is the session's base times k plus noise: growth by one base per turn.
    const trace = sessionTrace(4000, (k, base, rng) => base * k * Math.exp(0.1 * rng.normal()), 1);
    const st = sessionStats(trace, 21600).get('c')!;
    const byTurn = st.input_rank_by_turn as Record<string, number[]>;
    expect(Object.keys(byTurn)).toEqual(['1', '2', '3-4', '5+']);
    const means = ['1', '2', '3-4', '5+'].map((b) => meanRank(byTurn[b]).mean);
    for (let b = 1; b < means.length; b++) expect(means[b]).toBeGreaterThan(means[b - 1] + 0.05);
    // Ranks of consecutive turns go together: the base is shared (log-SD 1 against 0.1 of noise).
    expect(st.input_rank_turn_copula as number).toBeGreaterThan(0.8);
    // Every row counted once: rows = Σ counts.
    const total = Object.values(byTurn).flat().reduce((a, b) => a + b, 0);
    expect(total).toBe(trace.n);
  });

  it('inputs independent of the turn: every bucket ranks as the whole (mean 1/2 within 4 SEs), copula 0 within 4 SEs', () => {
    const trace = sessionTrace(4000, (_k, _base, rng) => Math.exp(5 + rng.normal()), 2);
    const st = sessionStats(trace, 21600).get('c')!;
    const byTurn = st.input_rank_by_turn as Record<string, number[]>;
    for (const b of ['1', '2', '3-4', '5+']) {
      const { mean, n } = meanRank(byTurn[b]);
      // A uniform rank's SD is √(1/12); binned to 20 bins its mean moves by at most 1/40.
      expect(Math.abs(mean - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n) + 1 / 40);
    }
    const pairs = trace.n - 4000;
    expect(Math.abs(st.input_rank_turn_copula as number)).toBeLessThan(4 / Math.sqrt(pairs));
  });

  it('tied inputs (exactly 100 tokens per turn) take their tie\'s places one each: every bin of the window holds its share, turn k ranks in value k\'s range', () => {
    const trace = sessionTrace(3000, (k) => 100 * k, 3);
    const st = sessionStats(trace, 21600).get('c')!;
    const byTurn = st.input_rank_by_turn as Record<string, number[]>;
    // One window: its ranks over all buckets are uniform, each bin n/20 within ±1 (mid-ranks put a whole tie in one bin).
    for (let j = 0; j < RANK_BINS; j++) {
      const inBin = Object.values(byTurn).reduce((a, b) => a + b[j], 0);
      expect(Math.abs(inBin - trace.n / RANK_BINS), `bin ${j}`).toBeLessThanOrEqual(1);
    }
    // Turn 1 (value 100) fills the lowest ranks, up to its share of the rows.
    const share1 = trace.ints.input_tokens!.filter((x) => x === 100).length / trace.n;
    const full = Math.floor(share1 * RANK_BINS);
    expect(full).toBeGreaterThan(3);
    for (let j = 0; j < full; j++) expect(byTurn['1'][j], `bin ${j}`).toBeGreaterThan(0.9 * (trace.n / RANK_BINS));
    expect(byTurn['2'].slice(0, full).every((x) => x === 0)).toBe(true);
  });

  it('rows outside sessions are the `none` bucket; a conversation that moves between clients is one session per client (fit and validate alike)', () => {
    const trace: Trace = {
      n: 6,
      timestamp: Float64Array.from([0, 10, 20, 30, 40, 50]),
      client: Int32Array.from([0, 0, 1, 1, 0, 0]),
      clientIds: ['a', 'b'],
      ints: { input_tokens: Int32Array.from([10, 20, 30, 40, 50, 60]) },
      // One id over clients a and b, then a row of a without a session.
      texts: { session_id: { index: Int32Array.from([0, 0, 0, 0, 0, -1]), values: ['x'] } },
      origin: null,
    };
    const st = sessionStats(trace, 21600);
    expect(st.get('a')!.turns_histogram).toEqual({ '3': 1 });
    expect(st.get('b')!.turns_histogram).toEqual({ '2': 1 });
    expect(st.get('a')!.session_request_share).toBeCloseTo(3 / 4, 12);
    const a = st.get('a')!.input_rank_by_turn as Record<string, number[]>;
    expect(Object.keys(a).sort()).toEqual(['1', '2', '3-4', 'none']);
    // Client a's inputs 10, 20, 50, 60 rank 1/8, 3/8, 5/8, 7/8: turn 3 (50) in bin 12, the row outside sessions (60) in bin 17.
    expect(a['3-4'].indexOf(1)).toBe(12);
    expect(a.none.indexOf(1)).toBe(17);
    const v = traceSessions(trace)!;
    expect(v.sessions).toBe(2);
    expect(v.meanTurns).toBe(2.5);
    expect(TURN_BUCKETS).toContain('none');
  });
});
