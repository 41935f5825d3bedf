/**
 * Seeded, splittable pseudo-random number generator.
 *
 * Algorithm: xoshiro128** 1.1 (Blackman & Vigna, 2018, https://prng.di.unimi.it/),
 * 128-bit state in four 32-bit words, so every step is plain 32-bit integer
 * arithmetic (fast in JavaScript, no BigInt on the hot path). The state is filled
 * from a 64-bit seed by two outputs of SplitMix64 (low word first), the seeding the
 * authors recommend. Exact outputs are pinned against the reference C code in
 * `fixtures/reference/xoshiro128ss.json`.
 *
 * Splitting: `rng.split(key)` derives an independent generator from the *seed* and a
 * string key (FNV-1a 64 of the key, mixed into the seed by SplitMix64), never from the
 * parent's current position. So per-client streams do not depend on the order in which
 * clients are visited, nor on how many numbers any other stream consumed.
 */
import { log } from './det-math.js';

const MASK64 = (1n << 64n) - 1n;

/** One SplitMix64 step: returns [next state, output], both uint64 as bigint. */
export function splitMix64(state: bigint): [bigint, bigint] {
  const s = (state + 0x9e3779b97f4a7c15n) & MASK64;
  let z = s;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  z = z ^ (z >> 31n);
  return [s, z];
}

/** FNV-1a 64-bit hash of a string's UTF-8 bytes. */
export function fnv1a64(text: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & MASK64;
  }
  return h;
}

/** Normalizes a user seed (integer, bigint, or string) to a uint64. */
export function seedToUint64(seed: number | bigint | string): bigint {
  if (typeof seed === 'bigint') return seed & MASK64;
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    return BigInt(seed) & MASK64;
  }
  if (/^-?\d+$/.test(seed)) return BigInt(seed) & MASK64;
  return fnv1a64(seed);
}

const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;

/** A xoshiro128** generator. Create with {@link createRng}. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal = 0;
  private hasSpare = false;

  /** @param seed uint64 seed this generator (and its splits) derive from */
  constructor(readonly seed: bigint) {
    const [st1, a] = splitMix64(seed);
    const [, b] = splitMix64(st1);
    this.s0 = Number(a & 0xffffffffn);
    this.s1 = Number(a >> 32n);
    this.s2 = Number(b & 0xffffffffn);
    this.s3 = Number(b >> 32n);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // all-zero state is a fixed point
  }

  /** The four 32-bit state words (unsigned), for tests and checkpoints. */
  state(): [number, number, number, number] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** Next uint32 output of xoshiro128**. */
  nextUint32(): number {
    const s1 = this.s1;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  next(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * TWO_POW_26 + b) / TWO_POW_53;
  }

  /** Uniform double in the open interval (0, 1): safe for log and quantile functions. */
  nextOpen(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * TWO_POW_26 + b + 0.5) / TWO_POW_53;
  }

  /** Standard normal deviate (Marsaglia polar method; the second deviate is cached). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spareNormal;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * log(s)) / s);
    this.spareNormal = v * f;
    this.hasSpare = true;
    return u * f;
  }

  /** Independent generator for `key`, derived from this generator's seed only. */
  split(key: string | number): Rng {
    const [, mixed] = splitMix64(this.seed ^ fnv1a64(String(key)));
    return new Rng(mixed);
  }
}

/**
 * Creates a generator from a seed.
 * @example createRng(42).nextUint32() // first xoshiro128** output for seed 42
 */
export function createRng(seed: number | bigint | string): Rng {
  return new Rng(seedToUint64(seed));
}
