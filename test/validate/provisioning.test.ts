import { describe, expect, it } from 'vitest';
import { queueDelays, serviceSeconds, slotsNeeded } from '../../src/validate/provisioning.js';
import { createRng } from '../../src/stats/rng.js';

/** Erlang C: the probability an arrival waits in M/M/c with offered load a = λ/μ < c. */
function erlangC(c: number, a: number): number {
  let term = 1;
  let sum = 1; // Σ_{k<c} a^k / k!
  for (let k = 1; k < c; k++) {
    term *= a / k;
    sum += term;
  }
  const last = ((term * a) / c) * (c / (c - a)); // a^c / c! · c / (c − a)
  return last / (sum + last);
}

describe('queueDelays: FCFS on c slots', () => {
  it('one slot is the Lindley recursion; simultaneous arrivals take the free slots in order', () => {
    expect([...queueDelays([0, 1, 2], [2, 2, 2], 1)]).toEqual([0, 1, 2]);
    expect([...queueDelays([0, 0, 0, 0], [1, 1, 1, 1], 2)]).toEqual([0, 0, 1, 1]);
    expect([...queueDelays([0, 0.5, 5], [3, 1, 1], 2)]).toEqual([0, 0, 0]);
    expect(() => queueDelays([1, 0], [1, 1], 1)).toThrow(/ascend/);
    expect(serviceSeconds(1000, 40, { prefillTokensPerSecond: 5000, decodeTokensPerSecond: 40 })).toBeCloseTo(1.2, 12);
    expect(serviceSeconds(-1, NaN, { prefillTokensPerSecond: 5000, decodeTokensPerSecond: 40 })).toBe(0);
  });

  it('M/M/10 at load 0.8 gives Erlang C waiting probabilities, P(W > t) = C·e^(−(cμ−λ)t), within 4 batch-means standard errors', () => {
    const [lambda, c, n] = [8, 10, 400_000];
    const rng = createRng('mmc');
    const arrivals = new Float64Array(n);
    const service = new Float64Array(n);
    let t = 0;
    for (let i = 0; i < n; i++) {
      t += -Math.log(1 - rng.next()) / lambda;
      arrivals[i] = t;
      service[i] = -Math.log(1 - rng.next()); // μ = 1
    }
    const delays = queueDelays(arrivals, service, c);
    const C = erlangC(c, lambda);
    expect(C).toBeCloseTo(0.409, 3); // a check of the formula itself (tabulated Erlang C, c = 10, a = 8)
    const warm = 10_000; // starts empty: leave the first arrivals out
    for (const x of [0, 0.5, 1]) {
      const expected = C * Math.exp(-(c - lambda) * x);
      // Waits are autocorrelated: the standard error from the means of 100 consecutive batches.
      const batches = 100;
      const size = Math.floor((n - warm) / batches);
      const means: number[] = [];
      for (let b = 0; b < batches; b++) {
        let k = 0;
        for (let i = warm + b * size; i < warm + (b + 1) * size; i++) if (delays[i] > x) k++;
        means.push(k / size);
      }
      const mean = means.reduce((s, v) => s + v, 0) / batches;
      const se = Math.sqrt(means.reduce((s, v) => s + (v - mean) ** 2, 0) / (batches - 1) / batches);
      expect(Math.abs(mean - expected), `P(W > ${x}): ${mean} vs ${expected} (SE ${se})`).toBeLessThan(4 * se);
    }
  });
});

describe('slotsNeeded', () => {
  it('is the fewest slots whose nearest-rank quantile delay meets the SLO', () => {
    // 100 requests at once, 1 s each: with c slots, 100 − c of them wait 1 s or more.
    const at0 = new Float64Array(100);
    const one = new Float64Array(100).fill(1);
    expect(slotsNeeded(at0, one, 0.5)).toBe(99); // p99: at most 1 may wait
    expect(slotsNeeded(at0, one, 0.5, 0.5)).toBe(50);
    expect(slotsNeeded(at0, one, 1)).toBe(50); // waits of exactly 1 s meet a 1 s SLO at p99: 2 rounds
    expect(slotsNeeded([], [], 1)).toBe(0);
    // Spaced arrivals never wait on one slot.
    expect(slotsNeeded([0, 2, 4, 6], [1, 1, 1, 1], 0)).toBe(1);
  });

  it('agrees with a scan over every slot count on random bursty workloads', () => {
    const rng = createRng('scan');
    for (let trial = 0; trial < 20; trial++) {
      const n = 200 + Math.floor(rng.next() * 300);
      const arrivals = new Float64Array(n);
      const service = new Float64Array(n);
      let t = 0;
      for (let i = 0; i < n; i++) {
        t += rng.next() < 0.2 ? 0 : -Math.log(1 - rng.next()) * 0.3;
        arrivals[i] = t;
        service[i] = 0.1 + rng.next() * 3;
      }
      const slo = rng.next() * 2;
      let scan = 1;
      for (; scan < n; scan++) {
        const d = [...queueDelays(arrivals, service, scan)].sort((a, b) => a - b);
        if (d[Math.ceil(0.99 * n) - 1] <= slo) break;
      }
      expect(slotsNeeded(arrivals, service, slo), `trial ${trial}`).toBe(scan);
    }
  });
});
