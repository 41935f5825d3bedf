/**
 * Histograms of the window summaries as packed, sorted (key, count) arrays: a read-only Map
 * over a range of shared typed arrays. A scan of 5 M requests yields ~6 M histogram entries; held as JS
 * Maps they cost ~2 s to build and ~100 bytes each, as ranges of a few shared typed arrays
 * 16 bytes each and nothing to build.
 */

export type NumArray = Float64Array | Int32Array;

/** An iterator over indices [i, to) (a class, not a generator: the fitter iterates millions of histograms, and generators cost ~10 % of its time). */
class RangeIterator<T> {
  constructor(
    private i: number,
    private readonly to: number,
    private readonly at: (i: number) => T,
  ) {}
  next(): IteratorResult<T, undefined> {
    return this.i < this.to ? { value: this.at(this.i++), done: false } : { value: undefined, done: true };
  }
  [Symbol.iterator](): this {
    return this;
  }
}

/**
 * Key → count with keys ascending (distinct): pairs [from, to) of two shared arrays (no
 * typed-array view per histogram). Iterates like a Map, in key order.
 */
export class PackedCounts implements ReadonlyMap<number, number> {
  constructor(
    private readonly k: NumArray,
    private readonly c: NumArray,
    private readonly from = 0,
    private readonly to = k.length,
  ) {}

  get size(): number {
    return this.to - this.from;
  }

  private indexOf(key: number): number {
    const k = this.k;
    let lo = this.from;
    let hi = this.to - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = k[mid];
      if (v === key) return mid;
      if (v < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  get(key: number): number | undefined {
    const i = this.indexOf(key);
    return i < 0 ? undefined : this.c[i];
  }

  has(key: number): boolean {
    return this.indexOf(key) >= 0;
  }

  forEach(f: (value: number, key: number, map: ReadonlyMap<number, number>) => void, thisArg?: unknown): void {
    for (let i = this.from; i < this.to; i++) f.call(thisArg, this.c[i], this.k[i], this);
  }

  entries(): MapIterator<[number, number]> {
    return new RangeIterator(this.from, this.to, (i) => [this.k[i], this.c[i]] as [number, number]) as unknown as MapIterator<[number, number]>;
  }

  keys(): MapIterator<number> {
    return new RangeIterator(this.from, this.to, (i) => this.k[i]) as unknown as MapIterator<number>;
  }

  values(): MapIterator<number> {
    return new RangeIterator(this.from, this.to, (i) => this.c[i]) as unknown as MapIterator<number>;
  }

  [Symbol.iterator](): MapIterator<[number, number]> {
    return this.entries();
  }
}

export const EMPTY_COUNTS = new PackedCounts(new Float64Array(0), new Float64Array(0));

/**
 * Append-only (key, count) pairs in growing typed arrays — integer keys (or any, with
 * `fractionalKeys`) and int32 counts, 8 bytes a pair — whose ranges become PackedCounts once
 * complete.
 */
export class PairSink {
  private k: Int32Array | Float64Array;
  private c = new Int32Array(1024);
  n = 0;

  constructor(fractionalKeys = false) {
    this.k = fractionalKeys ? new Float64Array(1024) : new Int32Array(1024);
  }

  push(key: number, count: number): void {
    if (this.n === this.k.length) {
      const k = this.k instanceof Int32Array ? new Int32Array(this.n * 2) : new Float64Array(this.n * 2);
      k.set(this.k);
      this.k = k;
      const c = new Int32Array(this.n * 2);
      c.set(this.c);
      this.c = c;
    }
    this.k[this.n] = key;
    this.c[this.n++] = count;
  }

  /** The pairs pushed (keys, counts), trimmed to n. */
  arrays(): { keys: Int32Array | Float64Array; counts: Int32Array } {
    return { keys: this.k.slice(0, this.n), counts: this.c.slice(0, this.n) };
  }

}
