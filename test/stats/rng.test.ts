import { describe, expect, it } from 'vitest';
import { createRng, fnv1a64, Rng, splitMix64 } from '../../src/stats/rng.js';
import { readJsonFixture } from '../helpers.js';

// Exact outputs of the reference C implementation (fixtures/reference/scripts/xoshiro.c).
const ref = readJsonFixture<{
  splitmix64: { seed: string; outputs: string[] }[];
  cases: { seed: string; state: number[]; outputs: number[] }[];
}>('reference', 'xoshiro128ss.json');

describe('SplitMix64', () => {
  it('matches the reference outputs', () => {
    for (const c of ref.splitmix64) {
      let state = BigInt(c.seed);
      for (const expected of c.outputs) {
        const [next, out] = splitMix64(state);
        expect(out.toString()).toBe(expected);
        state = next;
      }
    }
  });
});

describe('xoshiro128**', () => {
  it('seeds its state and produces the reference outputs exactly', () => {
    for (const c of ref.cases) {
      const rng = new Rng(BigInt(c.seed));
      expect(rng.state()).toEqual(c.state);
      expect(Array.from({ length: c.outputs.length }, () => rng.nextUint32())).toEqual(c.outputs);
    }
  });

  it('next() is in [0, 1), nextOpen() in (0, 1), with mean ½ and variance 1/12 (n = 100 000, seed 1, 5 SE)', () => {
    const rng = createRng(1);
    const n = 100_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      expect(u >= 0 && u < 1).toBe(true);
      const v = rng.nextOpen();
      expect(v > 0 && v < 1).toBe(true);
      s += u;
      s2 += u * u;
    }
    const mean = s / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(s2 / n - mean * mean - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / 180 / n));
  });

  it('normal() has mean 0, variance 1, skewness 0 (n = 100 000, seed 2, 5 SE)', () => {
    const rng = createRng(2);
    const n = 100_000;
    let s = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      s += z;
      s2 += z * z;
      s3 += z * z * z;
    }
    expect(Math.abs(s / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(s3 / n)).toBeLessThan(5 * Math.sqrt(15 / n));
  });

  it('split streams depend on the seed and key only, not on the parent position', () => {
    const a = createRng(9);
    const before = a.split('client-7').nextUint32();
    for (let i = 0; i < 1000; i++) a.nextUint32();
    expect(a.split('client-7').nextUint32()).toBe(before);
    expect(createRng(9).split('client-8').nextUint32()).not.toBe(before);
    expect(createRng(10).split('client-7').nextUint32()).not.toBe(before);
  });

  it('seeds from integers, bigints and strings', () => {
    expect(createRng(5).nextUint32()).toBe(createRng(5n).nextUint32());
    expect(createRng('5').nextUint32()).toBe(createRng(5).nextUint32());
    expect(createRng('abc').seed).toBe(fnv1a64('abc'));
    expect(() => createRng(1.5)).toThrow(RangeError);
  });
});
