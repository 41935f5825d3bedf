import type { IntField, TextField } from './fields.js';
import { lowerBound } from '../util/lower-bound.js';

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
  /**
   * Per row, its prompt's block ids (`columns.hash_ids`, Mooncake style: `blockTokens` tokens a
   * block, equal ids for equal prompt prefixes), renumbered by first use in time order (0, 1, …):
   * row i's ids are `ids[offsets[i] … offsets[i + 1])`, none for an absent or empty list.
   * Undefined when the trace has no hash_ids.
   */
  hashIds?: HashIds;
}

/** A trace's hash_ids (Trace.hashIds). */
export interface HashIds {
  offsets: Int32Array;
  ids: Int32Array;
  blockTokens: number;
}

/**
 * The rows of a trace with `from` ≤ timestamp < `to` (seconds on its own axis), as a trace
 * sharing its columns' memory (subarrays) and dictionaries: a time partition of it, whose
 * window summaries (summary.buildSummaries) merge with the other partitions' (summary.mergeAll)
 * into the whole trace's when the cuts are multiples of 60 s. Times are expected sorted, as
 * ingestFiles gives them.
 */
export function sliceTrace(trace: Trace, from: number, to: number): Trace {
  const t = trace.timestamp;
  const at = (x: number) => lowerBound(t, x, trace.n);
  const a = at(from);
  const b = Math.max(a, at(to));
  return {
    ...trace,
    n: b - a,
    timestamp: t.subarray(a, b),
    client: trace.client.subarray(a, b),
    ints: Object.fromEntries(Object.entries(trace.ints).map(([f, c]) => [f, c.subarray(a, b)])),
    texts: Object.fromEntries(Object.entries(trace.texts).map(([f, c]) => [f, { index: c.index.subarray(a, b), values: c.values }])),
    ...(trace.hashIds ? { hashIds: { ...trace.hashIds, offsets: trace.hashIds.offsets.subarray(a, b + 1) } } : {}),
  };
}

/**
 * The trace with its times counted from its first whole second (the origin moved there, when it
 * has one), as absolute times already are: a relative log's times count from its own zero (or
 * our trace's metadata origin), and the windows' grid with them, whose offset from the first
 * request an anonymized profile would publish in its length windows' starts (fit --anonymize;
 * found by review). Sorted times are expected (timestamp[0] the first); shifted in place.
 */
export function rebaseToFirstSecond(trace: Trace): Trace {
  if (trace.n === 0) return trace;
  const first = Math.floor(trace.timestamp[0]);
  if (first === 0 || !Number.isFinite(first)) return trace;
  const t = trace.timestamp;
  for (let i = 0; i < trace.n; i++) t[i] -= first;
  return { ...trace, origin: trace.origin === null ? null : new Date(Date.parse(trace.origin) + first * 1000).toISOString() };
}

/**
 * Each row's session as a client's (DESIGN: a session is a client's rows with one session id):
 * a number per row (−1: no session id) and how many there are. An id's rows of its first
 * client keep the id's dictionary index; rows of another client get numbers past the ids'.
 * Undefined when the trace has no session_id.
 */
export function clientSessionKeys(trace: Trace): { key: Int32Array; sessions: number } | undefined {
  const sess = trace.texts.session_id;
  if (!sess) return undefined;
  const ids = sess.values.length;
  const owner = new Int32Array(ids).fill(-1);
  const key = new Int32Array(trace.n);
  const other = new Map<number, number>();
  for (let i = 0; i < trace.n; i++) {
    const k = sess.index[i];
    if (k < 0) {
      key[i] = -1;
      continue;
    }
    const c = trace.client[i];
    if (owner[k] < 0) owner[k] = c;
    if (owner[k] === c) key[i] = k;
    else {
      const pair = k * trace.clientIds.length + c;
      let j = other.get(pair);
      if (j === undefined) other.set(pair, (j = ids + other.size));
      key[i] = j;
    }
  }
  return { key, sessions: ids + other.size };
}

const CHUNK = 1 << 16;

/**
 * Append-only typed column. Appends go into fixed 64 Ki chunks (never copying), or — once
 * `reserve(n)` has been given an estimate of the final length — into one flat array of that
 * size, which `finish()` returns as is (a view, no copy). Without an estimate, `finish()`
 * concatenates the chunks. Either way peak memory stays near one copy of the data, where a
 * doubling array holds up to 2.5 copies while it grows.
 */
class ChunkedColumn<T extends Float64Array | Int32Array> {
  private chunks: T[] = [];
  private cur: T;
  private pos = 0;
  n = 0;
  constructor(private readonly make: (n: number) => T) {
    this.cur = make(CHUNK);
  }
  push(v: number): void {
    if (this.pos === this.cur.length) {
      this.chunks.push(this.cur);
      this.cur = this.make(CHUNK);
      this.pos = 0;
    }
    this.cur[this.pos++] = v;
    this.n++;
  }
  /** Moves what is stored into one flat array with room for `total` values. */
  reserve(total: number): void {
    if (total <= this.n) return;
    const flat = this.make(total);
    let at = 0;
    for (const c of this.chunks) {
      flat.set(c, at);
      at += c.length;
    }
    flat.set(this.cur.subarray(0, this.pos), at);
    this.chunks = [];
    this.cur = flat;
    this.pos = this.n;
  }
  /** The value at row i (< n). */
  at(i: number): number {
    let k = i;
    for (const c of this.chunks) {
      if (k < c.length) return c[k];
      k -= c.length;
    }
    return this.cur[k];
  }
  /** True when some value satisfies the predicate. */
  some(pred: (v: number) => boolean): boolean {
    for (const c of this.chunks) if (c.some(pred)) return true;
    return this.cur.subarray(0, this.pos).some(pred);
  }
  finish(): T {
    if (this.chunks.length === 0) return this.cur.subarray(0, this.pos) as T;
    const out = this.make(this.n);
    let at = 0;
    for (let i = 0; i < this.chunks.length; i++) {
      out.set(this.chunks[i], at);
      at += this.chunks[i].length;
      (this.chunks as (T | undefined)[])[i] = undefined; // let it go now
    }
    out.set(this.cur.subarray(0, this.pos), at);
    this.chunks = [];
    this.cur = this.make(0);
    this.pos = 0;
    return out;
  }
}

/** Float64 column. */
export class GrowableF64 extends ChunkedColumn<Float64Array> {
  constructor() {
    super((n) => new Float64Array(n));
  }
}

/** Int32 column (−1 = absent for optional integer fields). */
export class GrowableI32 extends ChunkedColumn<Int32Array> {
  constructor() {
    super((n) => new Int32Array(n));
  }
}

/**
 * A copy of a string that does not share memory with its source. Values sliced out of a
 * 1 MiB input chunk are V8 "sliced strings" that keep the whole chunk alive; a dictionary
 * holding 2 000 client ids seen in 2 000 different chunks would retain them all.
 */
export function detach(s: string): string {
  return s.length > 12 ? Buffer.from(s, 'utf8').toString('utf8') : (' ' + s).slice(1);
}

/** String → dense id dictionary. */
export class Dictionary {
  readonly ids = new Map<string, number>();
  readonly values: string[] = [];
  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.values.length;
      const own = detach(s);
      this.values.push(own);
      this.ids.set(own, id);
    }
    return id;
  }
}
