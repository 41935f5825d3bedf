/**
 * Prefix-cache statistics of a side with hash_ids (its requests' block ids, one shared cache
 * for every client, as a serving cluster's prefix cache is), and the metrics comparing them.
 * A request hits its leading cached blocks (prefix caching stops at the first miss).
 */
import type { Trace } from '../ingest/trace.js';

/** LRU capacities simulated (blocks): powers of 4 from 1 Ki; only those below a side's distinct blocks (at or above them an LRU hits as an infinite cache). */
export const LRU_CAPACITIES = [1024, 4096, 16384, 65536, 262144, 1048576, 4194304];

export interface PrefixSide {
  /** Requests with hash_ids, and their blocks. */
  requests: number;
  blocks: number;
  distinct: number;
  /** Block hit ratio of an infinite cache. */
  hitRatio: number;
  /** Requests whose every block hits an infinite cache (an earlier prompt asked again, or a prefix of one). */
  wholeHits: number;
  /** Block hit ratio of an LRU cache of each LRU_CAPACITIES (those below `distinct`). */
  lru: Record<number, number>;
  /** Of the earliest requests only, over this many seconds (`inspect --engine duckdb` above its limit, prefixSideWithDuckDB). */
  firstSeconds?: number;
}

/** A side's prefix-cache statistics (rows in time order); undefined without hash_ids. */
export function prefixSideOf(trace: Trace): PrefixSide | undefined {
  const h = trace.hashIds;
  if (!h) return undefined;
  const { offsets, ids } = h;
  let max = 0;
  for (let k = 0; k < ids.length; k++) if (ids[k] > max) max = ids[k];
  // Infinite cache: an id seen before is cached (ids are numbered by first use, so a bitmap).
  const seen = new Uint8Array(max + 1);
  let hits = 0;
  let requests = 0;
  let distinct = 0;
  let wholeHits = 0;
  for (let i = 0; i < trace.n; i++) {
    const a = offsets[i];
    const b = offsets[i + 1];
    if (b > a) requests++;
    let lead = true;
    for (let k = a; k < b; k++) {
      const id = ids[k];
      if (seen[id]) {
        if (lead) hits++;
      } else {
        lead = false;
        seen[id] = 1;
        distinct++;
      }
    }
    if (lead && b > a) wholeHits++;
  }
  const blocks = offsets[trace.n] - offsets[0];
  const lru: Record<number, number> = {};
  for (const c of LRU_CAPACITIES) {
    if (c >= distinct) continue;
    let hit = 0;
    for (const x of lruHits(offsets, ids, trace.n, max + 1, c)) hit += x;
    lru[c] = blocks > 0 ? hit / blocks : 0;
  }
  return { requests, blocks, distinct, hitRatio: blocks > 0 ? hits / blocks : 0, wholeHits, lru };
}

/**
 * Per row of a trace (time order), its leading blocks found in an LRU prefix cache of
 * `capacity` blocks shared by every request (capacity --prefix-cache); all 0 without hash_ids.
 */
export function traceLruHits(trace: Trace, capacity: number): Int32Array {
  const h = trace.hashIds;
  if (!h) return new Int32Array(trace.n);
  let max = 0;
  for (let k = 0; k < h.ids.length; k++) if (h.ids[k] > max) max = h.ids[k];
  return lruHits(h.offsets, h.ids, trace.n, max + 1, capacity);
}

/**
 * Per row, its leading blocks an LRU cache of `capacity` blocks holds when it arrives: a doubly
 * linked list over the ids (typed arrays, most recent at the head), every block of a request
 * touched in order.
 */
function lruHits(offsets: Int32Array, ids: Int32Array, n: number, space: number, capacity: number): Int32Array {
  const out = new Int32Array(n);
  const prev = new Int32Array(space).fill(-2); // −2: not cached
  const next = new Int32Array(space);
  let head = -1;
  let tail = -1;
  let size = 0;
  const unlink = (id: number) => {
    const p = prev[id];
    const q = next[id];
    if (p >= 0) next[p] = q;
    else head = q;
    if (q >= 0) prev[q] = p;
    else tail = p;
  };
  for (let i = 0; i < n; i++) {
    let lead = true;
    let hits = 0;
    for (let k = offsets[i]; k < offsets[i + 1]; k++) {
      const id = ids[k];
      if (prev[id] !== -2) {
        if (lead) hits++;
        unlink(id);
      } else {
        lead = false;
        if (size === capacity) {
          const old = tail;
          unlink(old);
          prev[old] = -2;
        } else size++;
      }
      // To the head.
      prev[id] = -1;
      next[id] = head;
      if (head >= 0) prev[head] = id;
      head = id;
      if (tail < 0) tail = id;
    }
    out[i] = hits;
  }
  return out;
}

/** The capacity the LRU metric is judged at: the simulated one nearest (in log) to 10 % of the source's distinct blocks, undefined when none is below them. */
export function judgedCapacity(src: PrefixSide): number | undefined {
  const target = src.distinct / 10;
  // Nearest by ratio (in log): the larger of c / target and target / c.
  const off = (c: number) => Math.max(c / target, target / c);
  let best: number | undefined;
  for (const c of LRU_CAPACITIES) {
    if (src.lru[c] === undefined) continue;
    if (best === undefined || off(c) < off(best)) best = c;
  }
  return best;
}


/** The prefix metrics, not judged, with a note saying why. */
export function prefixNotJudged(note: string): { name: string; kind: string; value: null; note: string }[] {
  return ['prefix_hit_ratio_abs_err', 'prefix_lru_hit_ratio_abs_err'].map((name) => ({ name, kind: name, value: null, note }));
}

/** (A replay's records carry none either: the note said "its profile" to a load generator's records, found by review.) */
const NO_IDS = "no hash_ids on the generated side (generated with --no-prefix, or from a profile without prefix sections: fit from a log with hash_ids, not from window summaries; a load generator's records of a replay carry none)";

/**
 * prefix_hit_ratio_abs_err: the generated block hit ratio of an infinite prefix cache minus the
 * source's, absolute; prefix_lru_hit_ratio_abs_err: the same for an LRU cache of about 10 % of
 * the source's distinct blocks (where prefix caches work: the requests' reuse in time matters,
 * not only which prompts repeat). Not judged when the generated side has no hash_ids.
 */
export function prefixStatistics(src: PrefixSide, gen: PrefixSide | undefined): { name: string; kind: string; value: number | null; n?: number; note?: string }[] {
  const names = ['prefix_hit_ratio_abs_err', 'prefix_lru_hit_ratio_abs_err'];
  if (!gen) return names.map((name) => ({ name, kind: name, value: null, note: NO_IDS }));
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const out: { name: string; kind: string; value: number | null; n?: number; note?: string }[] = [
    { name: names[0], kind: names[0], value: Math.abs(gen.hitRatio - src.hitRatio), n: src.requests, note: `infinite cache: source ${pct(src.hitRatio)}, generated ${pct(gen.hitRatio)} of blocks hit; ${wholeText(src, gen)}` },
  ];
  const c = judgedCapacity(src);
  if (c === undefined) {
    out.push({ name: names[1], kind: names[1], value: null, note: `the source has ${src.distinct} distinct blocks, too few for an LRU cache of ${LRU_CAPACITIES[0]} blocks or more to evict` });
    return out;
  }
  // At or above the generated side's distinct blocks its LRU hits as an infinite cache.
  const g = gen.lru[c] ?? gen.hitRatio;
  out.push({ name: names[1], kind: names[1], value: Math.abs(g - src.lru[c]), n: src.requests, note: `LRU cache of ${c} blocks (~10 % of the source's ${src.distinct} distinct): source ${pct(src.lru[c])}, generated ${pct(g)} of blocks hit` });
  return out;
}

/**
 * Whole-prompt hits, source and generated: the share of requests with ids whose every block hits
 * an infinite cache (a prompt asked again). Not judged: a generation keeps a block at one size,
 * so without `generate --exact-repeats` its whole-prompt hits are near 0 whatever the log's.
 */
export function wholeText(src: PrefixSide, gen: PrefixSide): string {
  const share = (s: PrefixSide) => `${(100 * (s.requests > 0 ? s.wholeHits / s.requests : 0)).toFixed(1)} %`;
  return `whole-prompt hits (every block cached): source ${share(src)}, generated ${share(gen)} of requests`;
}
