/**
 * Thresholds built in memory, as a library harness writes them, are checked as a thresholds
 * file is (loadThresholds): before, `aggregate: { ..., iat_kss: 0 }` (a typo) was ignored
 * without a word — validate passed at the default — and `iat_ks: NaN` failed the metric naming
 * no cause (found by using the installed package as a library, h-102).
 */
import { describe, expect, it } from 'vitest';
import type { Trace } from '../../src/ingest/trace.js';
import { createRng } from '../../src/stats/rng.js';
import { loadThresholds, type Thresholds } from '../../src/validate/thresholds.js';
import { validateTraces, validateTracesParallel } from '../../src/validate/validate.js';
import { asResult } from './traces.js';

/** One client's Poisson arrivals at 1 req/s over an hour. */
function poisson(seed: number): Trace {
  const rng = createRng(seed);
  const t: number[] = [];
  for (let now = rng.nextOpen(); now < 3600; now += -Math.log(rng.nextOpen())) t.push(Math.round(now * 1e3) / 1e3);
  return { n: t.length, timestamp: Float64Array.from(t), client: new Int32Array(t.length), clientIds: ['a'], ints: {}, texts: {}, origin: null };
}

const source = asResult(poisson(1));
const generated = asResult(poisson(2));
const defaults = loadThresholds();

describe('thresholds given to validateTraces in memory', () => {
  it.each([
    ['a metric kind that is none (a typo)', { ...defaults, aggregate: { ...defaults.aggregate, iat_kss: 0 } }, /^thresholds\.aggregate\.iat_kss: not a metric kind of aggregate thresholds \(known: rate_mape, .*iat_ks, .*; exact metric names go in overrides\); see docs\/thresholds\.json/],
    ['a client kind that is an aggregate one', { ...defaults, client: { ...defaults.client, client_share_tv: 0.1 } }, /^thresholds\.client\.client_share_tv: not a metric kind of client thresholds/],
    ['NaN', { ...defaults, aggregate: { ...defaults.aggregate, iat_ks: NaN } }, /^thresholds\.aggregate\.iat_ks: expected a finite number ≥ 0, got NaN/],
    ['negative', { ...defaults, client: { ...defaults.client, rate_mape: -0.1 } }, /^thresholds\.client\.rate_mape: expected a finite number ≥ 0, got -0\.1/],
    ['an override of a string', { ...defaults, overrides: { 'iat_ks@client:a': '0.2' as unknown as number } }, /^thresholds\.overrides\["iat_ks@client:a"\]: expected a finite number ≥ 0, got "0\.2"/],
    ['a fractional top_clients', { ...defaults, top_clients: 2.5 }, /^thresholds\.top_clients: expected a whole number ≥ 0, got 2\.5/],
  ])('refuses %s, naming the key', async (_, thresholds, message) => {
    expect(() => validateTraces(source, generated, thresholds as Thresholds)).toThrow(RangeError);
    expect(() => validateTraces(source, generated, thresholds as Thresholds)).toThrow(message);
    await expect(validateTracesParallel(source, generated, thresholds as Thresholds)).rejects.toThrow(message);
  });

  it('takes the defaults, a file-like edit and a kind left out (not judged) as before', () => {
    const base = validateTraces(source, generated, defaults).report;
    expect(base.metrics.iat_ks).toBeDefined();
    const looser = validateTraces(source, generated, { ...defaults, aggregate: { ...defaults.aggregate, rate_mape: 0.5 }, overrides: { iat_ks: 0.3 } }).report;
    expect(looser.metrics.rate_mape.threshold).toBeGreaterThanOrEqual(0.5);
    const { iat_cv_rel_err: _, ...without } = defaults.aggregate;
    expect(validateTraces(source, generated, { ...defaults, aggregate: without }).report.metrics.iat_cv_rel_err.threshold).toBe(Infinity);
  });
});
