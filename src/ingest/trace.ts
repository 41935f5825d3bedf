import type { IntField, TextField } from './fields.js';

/**
 * A normalized trace in memory, columnar (DESIGN.md): one row per request, sorted by time.
 * Integer columns use −1 for "absent" (tokens and counts are never negative); text columns
 * are dictionary-encoded (−1 = absent).
 */
export interface Trace {
  n: number;
  /** Seconds from `origin` (or relative seconds as given when origin is null). */
  timestamp: Float64Array;
  client: Int32Array;
  clientIds: string[];
  ints: Partial<Record<IntField, Int32Array>>;
  texts: Partial<Record<TextField, { index: Int32Array; values: string[] }>>;
  /** ISO time of timestamp 0, or null for relative times. */
  origin: string | null;
}

/** Growable typed column. */
export class GrowableF64 {
  data: Float64Array;
  n = 0;
  constructor(cap = 1 << 16) {
    this.data = new Float64Array(cap);
  }
  push(v: number): void {
    if (this.n === this.data.length) {
      const next = new Float64Array(Math.ceil(this.data.length * 1.5));
      next.set(this.data);
      this.data = next;
    }
    this.data[this.n++] = v;
  }
  pop(): void {
    this.n--;
  }
  finish(): Float64Array {
    return this.data.length === this.n ? this.data : this.data.slice(0, this.n);
  }
}

export class GrowableI32 {
  data: Int32Array;
  n = 0;
  constructor(cap = 1 << 16) {
    this.data = new Int32Array(cap);
  }
  push(v: number): void {
    if (this.n === this.data.length) {
      const next = new Int32Array(Math.ceil(this.data.length * 1.5));
      next.set(this.data);
      this.data = next;
    }
    this.data[this.n++] = v;
  }
  /** Pads with −1 up to length n (a column that appears late). */
  padTo(n: number): void {
    while (this.n < n) this.push(-1);
  }
  finish(): Int32Array {
    return this.data.length === this.n ? this.data : this.data.slice(0, this.n);
  }
}

/** String → dense id dictionary. */
export class Dictionary {
  readonly ids = new Map<string, number>();
  readonly values: string[] = [];
  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(s);
      this.ids.set(s, id);
    }
    return id;
  }
}
