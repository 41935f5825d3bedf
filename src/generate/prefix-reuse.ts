/**
 * Prefix-reuse statistics of a trace with Mooncake-style `hash_ids` (the ids of a prompt's
 * 512-token blocks; requests sharing a prompt prefix share leading ids). Standalone: not used
 * by ingest, fit, generate or validate (docs/prefix-reuse.md).
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

interface Node {
  children: Map<number, Node>;
  /** Most recent request through this node. */
  last: number;
  /** Most recent request whose full blocks end at this node (−1: none). */
  lastEnd: number;
}

const newNode = (): Node => ({ children: new Map(), last: -1, lastEnd: -1 });

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
  const root = newNode();
  for (let i = 0; i < n; i++) {
    const r = requests[i];
    const ids = r.hashIds;
    const len = ids.length;
    out.blocks[i] = len;
    if (len > 0) out.roots[i] = ids[0];
    // Match.
    let node = root;
    let m = 0;
    let parent = -1;
    let parentDepth = 0;
    while (m < len) {
      const next = node.children.get(ids[m]);
      if (!next) break;
      node = next;
      m++;
      if (node.lastEnd >= 0) {
        parent = node.lastEnd;
        parentDepth = m;
      }
    }
    out.shared[i] = m;
    out.match[i] = m > 0 ? node.last : -1;
    out.parent[i] = parent;
    out.parentDepth[i] = parentDepth;
    // Insert.
    const full = Math.min(len, Math.floor(r.inputLength / blockSize));
    node = root;
    for (let d = 0; d < len; d++) {
      let next = node.children.get(ids[d]);
      if (!next) {
        next = newNode();
        node.children.set(ids[d], next);
      }
      node = next;
      node.last = i;
      if (d + 1 === full) node.lastEnd = i;
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
