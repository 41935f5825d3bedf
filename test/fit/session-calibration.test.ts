import { describe, expect, it } from 'vitest';
import { calibrateTurns } from '../../src/fit/session-calibration.js';
import { SessionAssigner, sessionModelOf } from '../../src/generate/session-sampler.js';
import { createRng } from '../../src/stats/rng.js';

/**
 * A log made by the session assigner itself: sessions drawn from a known histogram (mean
 * 4 turns, log-normal gaps with median 120 s and p90 1 200 s) label arrivals that crowd towards
 * the end of a 12 h log (rate rising 20×), and are cut where the log ends, as a real log cuts
 * them. Its observed histogram is what fit sees.
 */
function cutLog(seed: number) {
  const rng = createRng(seed);
  const times: number[] = [];
  let t = 0;
  const T = 43200;
  while (t < T) {
    times.push(t);
    const rate = 0.04 * (1 + 19 * (t / T) ** 3);
    t += -Math.log(rng.nextOpen()) / rate;
  }
  const truth = { '1': 20, '2': 20, '3': 15, '4': 12, '5': 10, '6': 8, '7': 5, '8': 4, '9': 3, '10+': 3 };
  const tail = 14; // the 10+ sessions' mean turns
  const n = Object.values(truth).reduce((a, b) => a + b, 0);
  const trueMean = (Object.entries(truth).reduce((a, [k, v]) => a + (k === '10+' ? tail : Number(k)) * v, 0)) / n;
  const stats = { turns_histogram: truth, mean_turns: trueMean, inter_turn_gap_median_s: 120, inter_turn_gap_p90_s: 1200 };
  const a = new SessionAssigner(sessionModelOf(stats)!, createRng(seed + 1000));
  const turns = new Map<number, number>();
  for (let i = 0; i < times.length; i++) {
    a.assign(times[i], i + 1 < times.length ? times[i + 1] : Infinity);
    turns.set(a.session, (turns.get(a.session) ?? 0) + 1);
  }
  const hist: Record<string, number> = {};
  let sum = 0;
  for (const k of turns.values()) {
    const key = k >= 10 ? '10+' : String(k);
    hist[key] = (hist[key] ?? 0) + 1;
    sum += k;
  }
  const observed = { ...stats, sessions: turns.size, turns_histogram: hist, mean_turns: sum / turns.size };
  return { times: Float64Array.from(times), trueMean, observed };
}

describe('turns calibration: the histogram to draw from so that, cut as the log was, sessions look like the log\'s', () => {
  it('recovers the mean turns of sessions cut by a log whose requests crowd towards its end', () => {
    for (const seed of [1, 2]) {
      const { times, trueMean, observed } = cutLog(seed);
      expect(observed.sessions).toBeGreaterThan(2000);
      // The log's own mean is cut short by more than 5 % …
      expect(observed.mean_turns / trueMean).toBeLessThan(0.95);
      const cal = calibrateTurns(observed, times)!;
      // … the calibrated one is within 4 % of the truth (the 10+ tail keeps the log's own mean,
      // itself cut; ~2 000 sessions of SD ≈ 3 turns: the mean's SE is ≈ 1.5 %).
      expect(Math.abs(cal.mean_turns_generate / trueMean - 1), `seed ${seed}: ${cal.mean_turns_generate} vs ${trueMean}`).toBeLessThan(0.04);
      // Drawn from it, sessions on the log's times look like the log's: its mean within 2 %.
      const model = sessionModelOf({ ...observed, turns_histogram_generate: cal.turns_histogram_generate, mean_turns_generate: cal.mean_turns_generate })!;
      const a = new SessionAssigner(model, createRng(99));
      const turns = new Map<number, number>();
      for (let i = 0; i < times.length; i++) {
        a.assign(times[i], i + 1 < times.length ? times[i + 1] : Infinity);
        turns.set(a.session, (turns.get(a.session) ?? 0) + 1);
      }
      expect(Math.abs(times.length / turns.size / observed.mean_turns - 1)).toBeLessThan(0.03);
    }
  });

  it('nothing to calibrate: single-turn sessions only, or statistics that give no model', () => {
    const times = Float64Array.from({ length: 100 }, (_, i) => i * 10);
    expect(calibrateTurns({ sessions: 100, turns_histogram: { '1': 100 }, mean_turns: 1 }, times)).toBeUndefined();
    expect(calibrateTurns({ sessions: 10, turns_histogram: { '1': 5, '2': 5 }, mean_turns: 1.5 }, times)).toBeUndefined(); // no gap statistics
  });
});
