import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/stats/rng.js';
import type { Trace } from '../../src/ingest/trace.js';
import { binsNoise } from '../../src/validate/metrics.js';
import { validateTraces } from '../../src/validate/validate.js';
import { loadThresholds } from '../../src/validate/thresholds.js';
import { asResult } from './traces.js';

// A reviewer's roundtrip of upstream's m-small pool over 600 s (one arrival window) failed
// client 30's dispersion_rel_err_10s (0.66 > 0.40) and _60s (2.16 > 0.63). Client 30 is a
// Weibull renewal client (shape 0.42, gap CV² 8.3, 205 req/s), and draws of the pool's profile
// and of the profile fitted from one draw have the same 10 s / 60 s indices (24 draws each:
// mean 8.33 / 7.76 against 8.22 / 7.27). The allowance was the cause: with fewer than 8 arrival
// windows there is no jackknife, and the source's halves (a few bins each) set it. 28 of 30
// pairs failed a dispersion metric of some scope; the 60 s index over 8 bins varies by ±50 %.

/** Arrival times of a stationary Weibull renewal process (shape k, `rate` req/s) on [0, span), µs clock. */
function weibull(seed: number, k: number, rate: number, span: number): Trace {
  const rng = createRng(seed);
  // Mean gap λ·Γ(1 + 1/k); Γ(1 + 1/0.42) = Γ(3.381) = 2.9596 (scipy).
  const lambda = 1 / (rate * 2.9596);
  const out: number[] = [];
  let t = -100;
  for (;;) {
    t += lambda * Math.pow(-Math.log(rng.nextOpen()), 1 / k);
    if (t >= span) break;
    if (t >= 0) out.push(Math.round(t * 1e6) / 1e6);
  }
  const n = out.length;
  return { n, timestamp: Float64Array.from(out), client: new Int32Array(n), clientIds: ['30'], ints: {}, texts: {}, origin: null };
}

describe('dispersion allowance on a span of fewer than 8 arrival windows', () => {
  it('binsNoise: 3 SEs of the log ratio of two variances of Gaussian counts', () => {
    // 8 bins of 60 s a side: SE √(2/7 + 2/7) = 0.756, e^2.268 − 1 = 8.66; 58 of 10 s: 1.21.
    expect(binsNoise(8, 8)).toBeCloseTo(Math.exp(3 * Math.sqrt(4 / 7)) - 1, 10);
    expect(binsNoise(8, 8)!).toBeGreaterThan(8.6);
    expect(binsNoise(58, 58)!).toBeCloseTo(1.21, 2);
    expect(binsNoise(1, 8)).toBeUndefined();
  });

  it('two draws of one Weibull client over 600 s pass the 10 s and 60 s dispersion metrics', () => {
    // 12 pairs at 50 req/s (~30 000 requests a side). Without the fix the allowance was the
    // default (0.3 / 0.4 at aggregate scope) or 1.5 × the halves' difference, and about half of
    // such pairs fail at 60 s (2 000 simulated pairs: 49 %; 13 % at 10 s); with it the chance of
    // one of these 12 pairs failing either is under 12 × 0.5 % ≈ 6 % — but the seeds are fixed,
    // so the outcome is too.
    const thresholds = loadThresholds();
    let oldFails = 0;
    for (let p = 0; p < 12; p++) {
      const a = weibull(7000 + 2 * p, 0.42, 50, 600);
      const b = weibull(7001 + 2 * p, 0.42, 50, 600);
      const { report } = validateTraces(asResult(a), asResult(b), thresholds);
      for (const sc of ['10s', '60s']) {
        const m = report.metrics[`dispersion_rel_err_${sc}`];
        expect(m.value).not.toBeNull();
        expect(m.pass, `pair ${p}, ${sc}: ${m.value} > ${m.threshold}`).toBe(true);
        if (m.value! > (sc === '10s' ? 0.3 : 0.4)) oldFails++;
      }
    }
    // The pairs do hold differences the bare defaults would have failed.
    expect(oldFails).toBeGreaterThan(3);
  });

  it('a Poisson regeneration of the client still fails the 1 s dispersion and the gap CV', () => {
    const thresholds = loadThresholds();
    const src = weibull(7100, 0.42, 50, 600);
    const poisson = weibull(7101, 1, 50 / 2.9596, 600);
    const { report } = validateTraces(asResult(src), asResult(poisson), thresholds);
    expect(report.metrics.dispersion_rel_err_1s.pass).toBe(false);
    expect(report.metrics.iat_cv_rel_err.pass).toBe(false);
    expect(report.pass).toBe(false);
  });
});
