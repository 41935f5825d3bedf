import { describe, expect, it } from 'vitest';
import { validateTraces } from '../../src/validate/validate.js';
import { loadThresholds } from '../../src/validate/thresholds.js';
import { exponential } from '../../src/stats/exponential.js';
import { arrivals, traceOf } from '../fit/helpers.js';
import { asResult } from './traces.js';

// Found in session 21: a log with a day-long pause (a missing day of logs) had a gap CV of 180,
// and the count allowances, which take the gap CV² as a floor of the counts' dispersion, were
// rate_mape 13 and requests_rel_err 0.67: a generated trace with 30 % more requests passed.
describe('validate on a log with a pause of a day', () => {
  /** Poisson arrivals at `rate` req/s: 2 h, a day without requests, 2 h more. */
  const log = (rate: number, seed: number) => {
    const n = Math.round(rate * 7200);
    const before = arrivals(exponential.create({ scale: 1 / rate }), n, seed).filter((t) => t < 7200);
    const after = arrivals(exponential.create({ scale: 1 / rate }), n, seed + 1000).filter((t) => t < 7200).map((t) => 93_600 + t);
    const times = [...before, ...after];
    return traceOf(times, undefined, undefined, { input_tokens: Int32Array.from(times, (_, i) => 100 + (i % 50)), output_tokens: Int32Array.from(times, (_, i) => 20 + (i % 30)) });
  };
  const source = log(2, 1);
  const thresholds = loadThresholds();

  it('keeps the count allowances of a log without the pause, and fails 30 % more requests', () => {
    const faithful = validateTraces(asResult(source), asResult(log(2, 2)), thresholds).report;
    expect(faithful.metrics.requests_rel_err.pass).toBe(true);
    expect(faithful.metrics.rate_mape.pass).toBe(true);
    // Poisson counts: ~28 800 requests a side, 3 SDs of the difference ≈ 3·√2/√28 800 = 0.025.
    expect(faithful.metrics.requests_rel_err.threshold).toBeLessThan(0.06);
    expect(faithful.metrics.rate_mape.threshold).toBeLessThan(0.3);
    // The rate chart draws the pause at 0 (it drew a straight line across it).
    const { charts } = validateTraces(asResult(source), asResult(log(2, 2)), thresholds);
    const points = charts.rate[0].points;
    const at = points.findIndex(([t]) => t === 7200);
    expect(points.slice(at - 1, at + 3).map(([t, r]) => [t, r === 0 ? 0 : 'rate'])).toEqual([[6600, 'rate'], [7200, 0], [93_000, 0], [93_600, 'rate']]);
    expect(points.filter(([, r]) => r === 0)).toHaveLength(2);
    const more = validateTraces(asResult(source), asResult(log(2.6, 3)), thresholds).report;
    expect(more.metrics.requests_rel_err.value).toBeGreaterThan(0.25);
    expect(more.failed).toContain('requests_rel_err');
    expect(more.failed).toContain('rate_mape');
  });
});
