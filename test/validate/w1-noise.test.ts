import { describe, expect, it } from 'vitest';
import type { Trace } from '../../src/ingest/trace.js';
import { createRng } from '../../src/stats/rng.js';
import { validateTraces } from '../../src/validate/validate.js';
import { loadThresholds } from '../../src/validate/thresholds.js';
import { asResult } from './traces.js';

/** One client, Poisson arrivals at 0.5 req/s, log-normal inputs (σ = 1.6: BurstGPT-like tails), `scale` × the inputs. */
function draw(seed: number, n: number, scale = 1): Trace {
  const rng = createRng(seed);
  let t = 0;
  const ts: number[] = [];
  const input: number[] = [];
  const output: number[] = [];
  for (let i = 0; i < n; i++) {
    t += -Math.log(rng.nextOpen()) * 2;
    ts.push(Math.round(t * 1e6) / 1e6);
    input.push(Math.max(1, Math.round(scale * Math.exp(5.5 + 1.6 * rng.normal()))));
    output.push(Math.max(1, Math.round(Math.exp(4.5 + 0.8 * rng.normal()))));
  }
  return { n, timestamp: Float64Array.from(ts), client: new Int32Array(n), clientIds: ['a'], ints: { input_tokens: Int32Array.from(input), output_tokens: Int32Array.from(output) }, texts: {}, origin: null };
}

describe('length W1 allowance (found by review)', () => {
  const thresholds = loadThresholds();
  it('two draws of heavy-tailed lengths rarely fail input_tokens_w1_norm (they failed it in ~4 of 10 pairs), and a 2× shift still fails it', () => {
    let fails = 0;
    for (let k = 0; k < 20; k++) {
      const { report } = validateTraces(asResult(draw(100 + 2 * k, 900)), asResult(draw(101 + 2 * k, 900)), thresholds);
      if (!report.metrics.input_tokens_w1_norm.pass) fails++;
    }
    expect(fails).toBeLessThanOrEqual(1);
    const { report } = validateTraces(asResult(draw(1, 900)), asResult(draw(2, 900, 2)), thresholds);
    expect(report.metrics.input_tokens_w1_norm.pass).toBe(false);
    expect(report.metrics.input_tokens_ks.pass).toBe(false);
  });
});
