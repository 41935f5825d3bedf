/**
 * A trace's row order: by time, and the rows of one time by what they are, not by how the files
 * ordered or split them. The prefix model (fit), the cache simulations (validate, inspect) and the
 * first-use numbering of block ids walk the rows in this order; with the rows of one time in input
 * order (a log's clock of 1 s, Mooncake's batches at one time), the same rows reversed within each
 * time, or split into two files, changed a profile's `prefix.coverage` and `prefix.reuse` (Mooncake's
 * conversation trace, its first 3 000 rows: coverage counts 599 and 565 instead of 598 and 566, found by
 * audit, h-94; fixed h-96). Both engines order their rows so (TraceBuilder.finish, and the DuckDB
 * engine's rows with ids, src/summary/duckdb-prefix.ts), on fields both read.
 */
import { PrefixIds } from './prefix-ids.js';
import type { HashIds } from './trace.js';
import type { IntField, TextField } from './fields.js';

/**
 * The lengths the rows of one time are ordered by after their client and block ids
 * (orderRows), in this order: those a prefix model reads, which the DuckDB engine's rows
 * with ids hold (src/summary/duckdb-prefix.ts).
 */
export const PREFIX_TIE_INTS = ['input_tokens', 'image_tokens', 'audio_tokens', 'video_tokens', 'output_tokens'] as const satisfies readonly IntField[];

/**
 * What orderRows compares of a trace's columns (input order): the client names, the lengths
 * PREFIX_TIE_INTS first and then the other counts in `ints`' order, then the texts in their
 * order (absent first, then by value). TraceBuilder.finish orders a read's rows by it, and
 * generateTrace the rows it holds, so that they are the rows the file read back holds (h-98).
 */
export function columnsRowContent(
  names: readonly string[],
  client: Int32Array,
  ints: ReadonlyMap<IntField, Int32Array>,
  texts: ReadonlyMap<TextField, { index: Int32Array; values: readonly string[] }>,
  hash: RowContent['hash'],
): RowContent {
  const textCols = [...texts.values()];
  return {
    names,
    client,
    ints: [...PREFIX_TIE_INTS.flatMap((f) => ints.get(f) ?? []), ...[...ints].filter(([f]) => !(PREFIX_TIE_INTS as readonly string[]).includes(f)).map(([, col]) => col)],
    then: (a, b) => {
      for (const { index, values } of textCols) {
        const x = index[a];
        const y = index[b];
        if (x === y) continue;
        // (absent first; two codes are two texts)
        if (x < 0 || y < 0) return x - y;
        return values[x] < values[y] ? -1 : 1;
      }
      return 0;
    },
    hash,
  };
}

/** What orderRows reads of each row (input order). */
export interface RowContent {
  /** Client names by code, and each row's code. */
  names: readonly string[];
  client: Int32Array;
  /** Lengths compared in this order (−1: absent), each a column of every row. */
  ints: readonly Int32Array[];
  /** Compares two rows alike in all the above (0: alike in this too): the TypeScript engine's other fields. */
  then?: (a: number, b: number) => number;
  /**
   * Block ids: each row's count, the rows' id codes in row order, how many codes there are, the
   * key of each code (called once, when first needed), and the block size the trace records.
   */
  hash?: { counts: Int32Array; codes: Int32Array; distinct: number; keys: () => ArrayLike<number | string>; blockTokens: number };
}

/**
 * The rows (input order, times `t`) put in time order, the rows of one time by client name, then
 * block ids, then the lengths (`ints` in their order), then `then`, then input order (rows alike
 * in all these no output tells apart); and their block ids numbered by first use in that order as prefix
 * ids (PrefixIds). `perm`: the rows' order (undefined when they already are in it); `apply`: a
 * column put in it; `hashIds`: the ids in it, numbered (with `hash`).
 *
 * Two rows' ids compare block by block, at the first block that differs: a block numbered by an
 * earlier time by that number (its first use), before one new at this time; two new ones by their
 * keys (numbers ascending before texts); a prompt before its extensions. So the order is the same
 * when the trace is written and read again (our own trace, its ids the numbers given here): what
 * earlier times numbered keeps its number, and new blocks are numbered in the order their keys gave.
 */
export function orderRows(t: Float64Array, content: RowContent): { perm?: Uint32Array; apply: <T extends Float64Array | Int32Array>(a: T) => T; hashIds?: HashIds } {
  const n = t.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = t[i] >= t[i - 1];
  if (!sorted) order.sort((a, b) => t[a] - t[b] || a - b);
  const { names, client, ints, then, hash } = content;
  // Ids: the first of each row's codes (input order), their numbering, the ids in the new order.
  const start = hash ? new Int32Array(n + 1) : undefined;
  if (hash) for (let i = 0; i < n; i++) start![i + 1] = start![i] + hash.counts[i];
  const numbering = hash ? new PrefixIds(hash.distinct) : undefined;
  const ids = hash ? new Int32Array(start![n]) : undefined;
  const offsets = hash ? new Int32Array(n + 1) : undefined;
  let o = 0;
  let keys: ArrayLike<number | string> | undefined;
  // Per row of the current time (by input index): its blocks' numbers from earlier times, −1 from its first new block on.
  const known = new Map<number, Int32Array>();
  const compare = (a: number, b: number): number => {
    if (client[a] !== client[b]) {
      const x = names[client[a]];
      const y = names[client[b]];
      if (x !== y) return x < y ? -1 : 1;
    }
    if (hash) {
      const na = hash.counts[a];
      const nb = hash.counts[b];
      const ka = known.get(a)!;
      const kb = known.get(b)!;
      for (let k = 0; k < na && k < nb; k++) {
        const x = ka[k];
        const y = kb[k];
        if (x >= 0 || y >= 0) {
          if (x !== y) return x < 0 ? 1 : y < 0 ? -1 : x - y;
          continue;
        }
        // (both new: under one block so far, they are one block exactly when their codes are one)
        const cx = hash.codes[start![a] + k];
        const cy = hash.codes[start![b] + k];
        if (cx === cy) continue;
        keys ??= hash.keys();
        return compareKeys(keys[cx], keys[cy]);
      }
      if (na !== nb) return na - nb;
    }
    for (const col of ints) if (col[a] !== col[b]) return col[a] - col[b];
    return (then ? then(a, b) : 0) || a - b;
  };
  for (let a = 0; a < n; ) {
    let b = a + 1;
    while (b < n && t[order[b]] === t[order[a]]) b++;
    if (b - a > 1) {
      if (hash) {
        known.clear();
        for (let r = a; r < b; r++) {
          const i = order[r];
          const path = new Int32Array(hash.counts[i]).fill(-1);
          let prev = -1;
          for (let k = 0; k < path.length; k++) {
            prev = numbering!.peek(prev, hash.codes[start![i] + k]);
            if (prev < 0) break;
            path[k] = prev;
          }
          known.set(i, path);
        }
      }
      order.subarray(a, b).sort(compare);
    }
    if (hash) {
      for (let r = a; r < b; r++) {
        const i = order[r];
        let prev = -1;
        for (let k = start![i]; k < start![i + 1]; k++) ids![o++] = prev = numbering!.id(prev, hash.codes[k]);
        offsets![r + 1] = o;
      }
    }
    a = b;
  }
  let moved = false;
  for (let i = 0; i < n && !moved; i++) moved = order[i] !== i;
  const hashIds = hash ? { offsets: offsets!, ids: ids!, blockTokens: hash.blockTokens } : undefined;
  return moved ? { perm: order, apply: permutation(order), hashIds } : { apply: same, hashIds };
}

/**
 * A column put in `order` (a function of its own: a closure made in orderRows would keep every
 * column it compared alive as long as it is, ~4 bytes a row a column more at the peak of a read).
 */
function permutation(order: Uint32Array): <T extends Float64Array | Int32Array>(a: T) => T {
  return <T extends Float64Array | Int32Array>(x: T): T => {
    const out = new (x.constructor as new (n: number) => T)(order.length);
    for (let i = 0; i < order.length; i++) out[i] = x[order[i]];
    return out;
  };
}

/** A column as it is (rows already in order). */
const same = <T extends Float64Array | Int32Array>(x: T): T => x;

/** Block-id keys: numbers ascending before texts, texts by code unit. */
function compareKeys(x: number | string, y: number | string): number {
  if (typeof x === 'number') return typeof y === 'number' ? x - y : -1;
  if (typeof y === 'number') return 1;
  return x < y ? -1 : x > y ? 1 : 0;
}
