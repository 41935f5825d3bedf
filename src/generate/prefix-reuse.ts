/**
 * Prefix-reuse statistics of a trace with Mooncake-style `hash_ids` (the ids of a prompt's
 * 512-token blocks; requests sharing a prompt prefix share leading ids): what fit's prefix
 * sections are made from (fitPrefixModel, src/fit/prefix.ts) and the bench measures
 * (docs/prefix-reuse.md).
 *
 * Requests are taken in the given (time) order. For request i with blocks b_i (n_i of them)
 * the shared prefix m_i is the longest common prefix of b_i with any earlier request, found by
 * walking a trie of all earlier requests' ids; with an infinite cache those m_i blocks are hits.
 * The best match j is the most recent earlier request that shares all m_i blocks (the last
 * request through the deepest matched trie node). The extension parent p is the most recent
 * earlier request whose full blocks (⌊input_p / block⌋; a partial last block cannot be reused
 * by a longer prompt) are all a prefix of b_i, the deepest such along b_i's path: turn k of a
 * chat whose prompt is turn k−1's prompt + answer + new message has turn k−1 as p.
 */

/** One request: its block ids and, for reuse distances and the multi-turn check, time and lengths. */
export interface PrefixRequest {
  hashIds: ArrayLike<number>;
  /** Milliseconds. */
  timestamp: number;
  inputLength: number;
  outputLength: number;
}

/** Per-request results, aligned with the input. */
export interface PrefixReuse {
  /** Blocks n_i. */
  blocks: Int32Array;
  /** Shared prefix m_i (blocks hit with an infinite cache). */
  shared: Int32Array;
  /** Best match j (−1 when m_i = 0). */
  match: Int32Array;
  /** Extension parent p (−1: none with at least one full block). */
  parent: Int32Array;
  /** Depth of p's full blocks (0 when none). */
  parentDepth: Int32Array;
  /** First block id of each request. */
  roots: Float64Array;
}

/**
 * The trie of earlier requests' ids, flat: node k's most recent request (`last`) and most recent
 * request whose full blocks end there (`lastEnd`) in typed arrays, its children in one
 * open-addressing table keyed by (node, id). A Map per node took ~225 bytes a node (found by
 * review: fit of 246 k chat requests, 3.7 M nodes, 840 MB for this trie alone; 1.2 M requests
 * 9.4 GB in all), this ~40.
 */
class Trie {
  last = new Int32Array(1024).fill(-1);
  lastEnd = new Int32Array(1024).fill(-1);
  nodes = 1; // the root, node 0
  private parent = new Int32Array(2048).fill(-1);
  private key = new Float64Array(2048);
  private child = new Int32Array(2048);
  private mask = 2047;

  /** Node `node`'s child by `id`, or −1. */
  get(node: number, id: number): number {
    let i = slot(node, id) & this.mask;
    for (;;) {
      const p = this.parent[i];
      if (p < 0) return -1;
      if (p === node && this.key[i] === id) return this.child[i];
      i = (i + 1) & this.mask;
    }
  }

  /** Node `node`'s child by `id`, made when it has none. */
  getOrAdd(node: number, id: number): number {
    let i = slot(node, id) & this.mask;
    for (;;) {
      const p = this.parent[i];
      if (p < 0) break;
      if (p === node && this.key[i] === id) return this.child[i];
      i = (i + 1) & this.mask;
    }
    const k = this.nodes++;
    if (k >= this.last.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2).fill(-1);
        b.set(a);
        return b;
      };
      this.last = grow(this.last);
      this.lastEnd = grow(this.lastEnd);
    }
    this.parent[i] = node;
    this.key[i] = id;
    this.child[i] = k;
    // Edges = nodes − 1: at 3/4 full, twice the room.
    if (this.nodes * 4 > this.parent.length * 3) this.rehash();
    return k;
  }

  private rehash(): void {
    const { parent, key, child } = this;
    const n = parent.length * 2;
    this.parent = new Int32Array(n).fill(-1);
    this.key = new Float64Array(n);
    this.child = new Int32Array(n);
    this.mask = n - 1;
    for (let j = 0; j < parent.length; j++) {
      if (parent[j] < 0) continue;
      let i = slot(parent[j], key[j]) & this.mask;
      while (this.parent[i] >= 0) i = (i + 1) & this.mask;
      this.parent[i] = parent[j];
      this.key[i] = key[j];
      this.child[i] = child[j];
    }
  }
}

/** A table slot's hash of (node, id); ids are whole numbers (any size JavaScript holds exactly). */
function slot(node: number, id: number): number {
  const lo = id >>> 0;
  const hi = Math.floor(id / 4294967296) | 0;
  let h = Math.imul(node, 0x9e3779b1) ^ Math.imul(lo, 0x85ebca6b) ^ Math.imul(hi, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h;
}

/** Walks every request through a trie of the earlier ones. */
export function measurePrefixReuse(requests: readonly PrefixRequest[], blockSize = 512): PrefixReuse {
  const n = requests.length;
  const out: PrefixReuse = {
    blocks: new Int32Array(n),
    shared: new Int32Array(n),
    match: new Int32Array(n).fill(-1),
    parent: new Int32Array(n).fill(-1),
    parentDepth: new Int32Array(n),
    roots: new Float64Array(n).fill(NaN),
  };
  const trie = new Trie();
  for (let i = 0; i < n; i++) {
    const r = requests[i];
    const ids = r.hashIds;
    const len = ids.length;
    out.blocks[i] = len;
    if (len > 0) out.roots[i] = ids[0];
    // Match.
    let node = 0;
    let m = 0;
    let parent = -1;
    let parentDepth = 0;
    while (m < len) {
      const next = trie.get(node, ids[m]);
      if (next < 0) break;
      node = next;
      m++;
      if (trie.lastEnd[node] >= 0) {
        parent = trie.lastEnd[node];
        parentDepth = m;
      }
    }
    out.shared[i] = m;
    out.match[i] = m > 0 ? trie.last[node] : -1;
    out.parent[i] = parent;
    out.parentDepth[i] = parentDepth;
    // Insert.
    const full = Math.min(len, Math.floor(r.inputLength / blockSize));
    node = 0;
    for (let d = 0; d < len; d++) {
      node = trie.getOrAdd(node, ids[d]);
      trie.last[node] = i;
      if (d + 1 === full) trie.lastEnd[node] = i;
    }
  }
  return out;
}

/** Quantile (linear interpolation, type 7) of a sorted array. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Headline numbers of {@link measurePrefixReuse}'s result, for tables and for comparing two traces. */
export interface PrefixSummary {
  requests: number;
  blocks: number;
  /** Σ m_i / Σ n_i: block hit ratio with an infinite cache. */
  hitRatio: number;
  /** Share of requests with m_i > 0, and with m_i = n_i (whole prompt cached). */
  anyHit: number;
  fullHit: number;
  /** Mean of m_i / n_i over requests. */
  meanHitFraction: number;
  /** Quantiles 0.1 … 0.9 (and 0.99) of m_i. */
  sharedQuantiles: Record<string, number>;
  /** Histogram of m_i in power-of-two buckets: share of requests. */
  sharedHistogram: Record<string, number>;
  /** Histogram of m_i / n_i: share of requests. */
  fractionHistogram: Record<string, number>;
  /** Distinct first ids, requests per root: top shares and the share of roots seen once. */
  roots: number;
  topRootShare: number[];
  singletonRootShare: number;
}

const POW2 = [0, 1, 2, 4, 8, 16, 32, 64, 128];

/** Bucket label of m in {@link POW2}: "0", "1", "2-3", …, "128+". */
export function pow2Bucket(m: number): string {
  for (let k = POW2.length - 1; k >= 0; k--) {
    if (m >= POW2[k]) {
      if (k === POW2.length - 1) return `${POW2[k]}+`;
      const hi = POW2[k + 1] - 1;
      return hi === POW2[k] ? `${POW2[k]}` : `${POW2[k]}-${hi}`;
    }
  }
  return '0';
}

export const POW2_LABELS = POW2.map((m) => pow2Bucket(m));
export const FRACTION_LABELS = ['0', '(0,0.25]', '(0.25,0.5]', '(0.5,0.75]', '(0.75,1)', '1'];

export function fractionBucket(f: number): string {
  if (f <= 0) return FRACTION_LABELS[0];
  if (f >= 1) return FRACTION_LABELS[5];
  if (f <= 0.25) return FRACTION_LABELS[1];
  if (f <= 0.5) return FRACTION_LABELS[2];
  if (f <= 0.75) return FRACTION_LABELS[3];
  return FRACTION_LABELS[4];
}

export function summarizePrefixReuse(r: PrefixReuse): PrefixSummary {
  const n = r.blocks.length;
  let blocks = 0;
  let hits = 0;
  let any = 0;
  let full = 0;
  let frac = 0;
  const hist: Record<string, number> = Object.fromEntries(POW2_LABELS.map((l) => [l, 0]));
  const fhist: Record<string, number> = Object.fromEntries(FRACTION_LABELS.map((l) => [l, 0]));
  const rootCount = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const b = r.blocks[i];
    const m = r.shared[i];
    blocks += b;
    hits += m;
    if (m > 0) any++;
    if (b > 0 && m === b) full++;
    const f = b > 0 ? m / b : 0;
    frac += f;
    hist[pow2Bucket(m)]++;
    fhist[fractionBucket(f)]++;
    if (!Number.isNaN(r.roots[i])) rootCount.set(r.roots[i], (rootCount.get(r.roots[i]) ?? 0) + 1);
  }
  for (const k of Object.keys(hist)) hist[k] /= n;
  for (const k of Object.keys(fhist)) fhist[k] /= n;
  const sorted = Float64Array.from(r.shared).sort();
  const sharedQuantiles: Record<string, number> = {};
  for (const q of [0.1, 0.25, 0.5, 0.75, 0.9, 0.99]) sharedQuantiles[`p${Math.round(q * 100)}`] = quantileSorted(sorted, q);
  const counts = [...rootCount.values()].sort((a, b) => b - a);
  let singles = 0;
  for (const c of counts) if (c === 1) singles++;
  return {
    requests: n,
    blocks,
    hitRatio: hits / blocks,
    anyHit: any / n,
    fullHit: full / n,
    meanHitFraction: frac / n,
    sharedQuantiles,
    sharedHistogram: hist,
    fractionHistogram: fhist,
    roots: counts.length,
    topRootShare: counts.slice(0, 5).map((c) => c / n),
    singletonRootShare: counts.length ? singles / counts.length : NaN,
  };
}
