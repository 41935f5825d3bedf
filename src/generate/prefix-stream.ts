/**
 * Incremental hash_ids for one client's generated requests (docs/prefix-reuse.md § 4), with
 * memory bounded by a horizon: the generator streams requests (per-client streams merged by
 * time), so the prefix model cannot keep every request as {@link generateHashIds} did.
 *
 * The process is the one described in prefix-model.ts; this is its only implementation
 * (generateHashIds is a loop over a stream with an infinite horizon). Bounded memory:
 * - a request is retained while it is at most `horizonSeconds` older than the latest request
 *   given to the stream; older ones are dropped from the time-ordered history, from their
 *   root's members, and from their session;
 * - a root is forgotten with its last retained request (no later request can repeat it: the
 *   recency draw only reaches retained requests, and a repeat copies a retained donor);
 * - a session whose last turn was dropped is forgotten (its next turn is an ordinary request);
 * - the recency draw treats a gap reaching before the retained history as one reaching before
 *   the first request (drawn again; on the last of the 16 tries the earliest retained
 *   request's root is taken); a donor gap reaching before the root's retained members takes
 *   its earliest retained member, as before its first;
 * - a root's longest request (the length check of the root draw) is over its retained members;
 * - idle roots: a root's last use is looked up among the retained roots only (an index of last
 *   uses by time, and one per stem length, whose stale entries are dropped when they outnumber
 *   the live ones);
 * - Pitman–Yor roots: the new-root probability keeps the counts of the whole run
 *   ((θ + αK)/(i + θ), K roots and i requests so far), but the root draw is over retained
 *   requests (∝ retained count − α), a windowed approximation once the horizon binds.
 * With no request dropped the output equals the whole-array prototype's draw for draw.
 */
import type { Rng } from '../stats/rng.js';
import { exp } from '../stats/det-math.js';
import { bucketOf, type PrefixModel } from './prefix-model.js';

export interface HashIdStreamOptions {
  /**
   * Root process: idle (default: the root whose last request is the latest at or before t − g,
   * so a root's idle time at reuse follows the fitted root gap), recency (the root of the latest
   * request at or before t − g, whatever its root did since: the process before h-72, kept for
   * comparison) or Pitman–Yor.
   */
  roots?: 'idle' | 'recency' | 'pitman-yor';
  /** How long a request stays available as a root or donor, in seconds (default 21 600, 6 h; Infinity keeps every request). */
  horizonSeconds?: number;
  /**
   * Where fresh ids come from (default: 0, 1, 2, … of this stream). The generator gives every
   * client's stream one counter, so that clients' ids never collide and a run's ids are numbered
   * in the order they are made.
   */
  nextId?: () => number;
}

export const DEFAULT_HORIZON_SECONDS = 21_600;

/** Pitman–Yor repeat draws a request makes to find a root with a request of at least m blocks. */
const ROOT_TRIES = 16;

/** How many live roots back (then forward) from a time the idle root choice looks for one of the right length (repeats that share no stem). */
const ROOT_SCAN = 1024;

/** A chained repeat drawing m shares the whole stem of a root whose stem is within m ± d blocks, d = min(n, 1.25 m) − m (at least 1), and below n unless m = n. */
const STEM_SPREAD = 1.25;

/** How many members back (then forward) from the time-chosen one a donor search looks. */
const DONOR_WINDOW = 256;

/** Retained requests in time order, oldest first: what the binary searches by time run over. */
interface Timeline {
  readonly size: number;
  /** The timestamp (ms) of the k-th, 0 the oldest. */
  time(k: number): number;
}

/** A FIFO of requests with indexed access and removal at both ends: an array with a moving head, compacted once half of it is spent (a root's members and peaks). */
class Queue implements Timeline {
  private items: (Member | undefined)[] = [];
  private head = 0;
  static of(x: Member): Queue {
    const q = new Queue();
    q.push(x);
    return q;
  }
  get size(): number {
    return this.items.length - this.head;
  }
  /** The k-th retained item, 0 the oldest. */
  at(k: number): Member {
    return this.items[this.head + k]!;
  }
  time(k: number): number {
    return this.items[this.head + k]!.t;
  }
  last(): Member {
    return this.items[this.items.length - 1]!;
  }
  push(x: Member): void {
    this.items.push(x);
  }
  pop(): void {
    this.items.pop();
  }
  shift(): void {
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 64 && 2 * this.head >= this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
  }
}

/** The stream's whole retained history: a ring buffer with the timestamps in a typed array beside the requests, so a search by time reads contiguous memory (it is the hot loop of the recency root draw). */
class History implements Timeline {
  private items: (Member | undefined)[] = new Array<Member | undefined>(1024);
  private times = new Float64Array(1024);
  private head = 0;
  private n = 0;
  get size(): number {
    return this.n;
  }
  at(k: number): Member {
    return this.items[(this.head + k) & (this.times.length - 1)]!;
  }
  time(k: number): number {
    return this.times[(this.head + k) & (this.times.length - 1)];
  }
  push(x: Member): void {
    const cap = this.times.length;
    if (this.n === cap) {
      // Double, unrolling the ring so that the oldest is at 0.
      const items = new Array<Member | undefined>(2 * cap);
      const times = new Float64Array(2 * cap);
      for (let k = 0; k < cap; k++) {
        items[k] = this.items[(this.head + k) & (cap - 1)];
        times[k] = this.times[(this.head + k) & (cap - 1)];
      }
      this.items = items;
      this.times = times;
      this.head = 0;
    }
    const at = (this.head + this.n++) & (this.times.length - 1);
    this.items[at] = x;
    this.times[at] = x.t;
  }
  shift(): void {
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.times.length - 1);
    this.n--;
  }
}

/**
 * The roots' last uses in time order: every request is appended, and an entry goes stale when
 * its root gets a later request (or is forgotten). Stale entries are skipped by the search and
 * dropped when they outnumber the live ones (amortized O(1) a request), so a search by time
 * finds the root whose last request is the latest at or before a time (the idle root choice).
 */
class LastUses {
  private items: (Member | undefined)[] = [];
  private times: number[] = [];
  private head = 0;
  private static live(x: Member): boolean {
    return x.root.members.size > 0 && x.root.members.last() === x;
  }
  push(x: Member, liveRoots: number): void {
    this.items.push(x);
    this.times.push(x.t);
    if (this.items.length - this.head > 2 * liveRoots + 64) {
      const items: Member[] = [];
      const times: number[] = [];
      for (let k = this.head; k < this.items.length; k++) {
        const y = this.items[k]!;
        if (LastUses.live(y)) {
          items.push(y);
          times.push(y.t);
        }
      }
      this.items = items;
      this.times = times;
      this.head = 0;
    }
  }
  /** Entries held (live, stale, and spent slots not yet spliced off). */
  get held(): number {
    return this.items.length;
  }
  /** Drops the entries before `cutoff` (ms): their requests are forgotten (and must not be kept alive by this index). */
  forget(cutoff: number): void {
    while (this.head < this.items.length && this.times[this.head] < cutoff) this.items[this.head++] = undefined;
    if (this.head >= 64 && 2 * this.head >= this.items.length) {
      this.items.splice(0, this.head);
      this.times.splice(0, this.head);
      this.head = 0;
    }
  }
  /** Index of the first entry after `t`. */
  private after(t: number): number {
    let a = this.head;
    let b = this.items.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (this.times[mid] <= t) a = mid + 1;
      else b = mid;
    }
    return a;
  }

  /** The first live entry from index `from` on in direction `step` (−1 back, 1 forward) that `accept`s, looking at up to `limit` live entries. */
  private scan(from: number, step: number, limit: number, accept: (x: Member) => boolean): Member | undefined {
    for (let k = from, n = 0; k >= this.head && k < this.items.length && n < limit; k += step) {
      const x = this.items[k]!;
      if (!LastUses.live(x)) continue;
      n++;
      if (accept(x)) return x;
    }
    return undefined;
  }

  /** The latest live entry at or before `t` and, when none is, the earliest after it. */
  around(t: number): [Member | undefined, Member | undefined] {
    const a = this.after(t);
    const before = this.scan(a - 1, -1, Infinity, () => true);
    return [before, before === undefined ? this.scan(a, 1, Infinity, () => true) : undefined];
  }

  /**
   * A root chosen by idle time: among roots whose longest retained request has lo … hi blocks,
   * the one whose last request is the latest at or before `t`, else the earliest after it
   * (looking at up to ROOT_SCAN live roots each way). Undefined when none of those fits;
   * `seen` gets each root looked at that does not.
   */
  pick(t: number, lo: number, hi: number, seen: (r: Root) => void): Root | undefined {
    const a = this.after(t);
    const fits = (x: Member) => {
      const v = x.root.longest;
      if (v >= lo && v <= hi) return true;
      seen(x.root);
      return false;
    };
    return (this.scan(a - 1, -1, ROOT_SCAN, fits) ?? this.scan(a, 1, ROOT_SCAN, fits))?.root;
  }
}

/**
 * The idle root choice's indices over a set of roots: their last uses in time order, and the
 * same per stem length (the chained choice). One set holds every root; with first re-asks apart
 * (the model's `roots.first`, h-74) one holds the roots not repeated yet and another those
 * repeated, so that each kind is chosen by its own idle time.
 */
class RootIndex {
  readonly uses = new LastUses();
  /** Per stem length: the last uses of the roots with that stem, and how many of them are in the set. */
  readonly byStem = new Map<number, { uses: LastUses; live: number }>();
  /** Roots in the set. */
  live = 0;
  private stem(len: number): { uses: LastUses; live: number } {
    let e = this.byStem.get(len);
    if (e === undefined) this.byStem.set(len, (e = { uses: new LastUses(), live: 0 }));
    return e;
  }
  /** Takes `root` into the set (then {@link push} its latest member). */
  join(root: Root): void {
    root.home = this;
    this.live++;
    this.stem(root.stemLen).live++;
  }
  /** Lets `root` out of the set (forgotten, or moved to another set; its entries go stale). */
  leave(root: Root): void {
    this.live--;
    this.stem(root.stemLen).live--;
  }
  /** Records `x` as its root's latest use. */
  push(x: Member): void {
    this.uses.push(x, this.live);
    const e = this.stem(x.root.stemLen);
    e.uses.push(x, e.live);
  }
  /** Drops the entries before `cutoff` (ms) from the last uses and from the list of stem length `stemLen`. */
  forget(cutoff: number, stemLen?: number): void {
    if (stemLen === undefined) this.uses.forget(cutoff);
    else this.byStem.get(stemLen)?.uses.forget(cutoff);
  }
  /** Entries held. */
  get held(): number {
    let n = this.uses.held;
    for (const e of this.byStem.values()) n += e.uses.held;
    return n;
  }
  /** Of the set's roots with a stem of lo … hi blocks, the one whose last request is the latest at or before t, else the earliest after it (undefined: none). */
  pickStem(t: number, lo: number, hi: number): Root | undefined {
    let before: Member | undefined;
    let after: Member | undefined;
    for (let len = lo; len <= hi; len++) {
      const e = this.byStem.get(len);
      if (e === undefined || e.live === 0) continue;
      const [b, a] = e.uses.around(t);
      if (b !== undefined && (before === undefined || b.t > before.t)) before = b;
      if (a !== undefined && (after === undefined || a.t < after.t)) after = a;
    }
    return (before ?? after)?.root;
  }
}

/** A retained request. */
interface Member {
  /** Timestamp (ms). */
  t: number;
  /** Its block ids (also what the stream returned for it). */
  ids: number[];
  /** Full blocks ⌊input tokens / block size⌋: what a next turn of its session can share. */
  full: number;
  /** Tokens of its partial last block (input tokens − full × block size; 0: none). */
  tail: number;
  root: Root;
  /** Has donated m ≥ 2 blocks to a later request. */
  donated: boolean;
  session: string | number | undefined;
}

interface Root {
  /** Retained requests of the root in time order. */
  members: Queue;
  /** Members with no longer-or-equal later member, oldest first: the first is the longest retained request (a sliding-window maximum); made at the root's second member (most roots have one). */
  peaks: Queue | undefined;
  /** Blocks of the longest retained request (peaks' first). */
  longest: number;
  /** The ids of the root's first request, whose first `stemLen` are the root's stem. */
  stemIds: number[];
  /** The stem's blocks: the first request's ⌊input / block size⌋ (at least 1), which a chained repeat shares whole (a document re-asked). */
  stemLen: number;
  /** The first request's full blocks and partial last block's tokens (the sizes of the stem's blocks). */
  stemFull: number;
  stemTail: number;
  /** The idle choice's set the root is in (undefined: other root processes). */
  home: RootIndex | undefined;
}

/** Draws the shared blocks m of a repeat request of n blocks from its bucket (or the nearest bucket with data). */
function sharedSampler(model: PrefixModel): (n: number, rng: Rng) => number {
  const { edges, counts, single, quantiles } = model.coverage;
  const nearest = (k: number) => {
    for (let d = 0; d < counts.length; d++) {
      if (counts[k - d] > 0) return k - d;
      if (counts[k + d] > 0) return k + d;
    }
    return -1;
  };
  const use = counts.map((_, k) => nearest(k));
  return (n, rng) => {
    const k = use[bucketOf(n, edges)];
    if (n <= 1 || k < 0) return 1;
    const qs = quantiles[k];
    if (!qs.length || rng.next() < single[k]) return 1;
    const h = rng.next() * (qs.length - 1);
    const lo = Math.floor(h);
    const c = qs[lo] + (h - lo) * (qs[Math.min(qs.length - 1, lo + 1)] - qs[lo]);
    return Math.min(n, Math.max(2, Math.round(c * n)));
  };
}

/** Index in `q` of the latest request at or before t (−1 when none is). */
function latestAtOrBefore(q: Timeline, t: number): number {
  let lo = 0;
  let hi = q.size;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (q.time(mid) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * The donor for m blocks among a root's members (and m, capped when no member nearby has m
 * blocks): the latest member at or before t − g (the earliest when none is) or the nearest one
 * with m blocks, 256 back then forward; `fresh`: first among members that have not donated.
 */
function chooseDonor(members: Queue, t: number, m: number, mu: number, sigma: number, rng: Rng, fresh: boolean): [Member, number] {
  const at = Math.max(0, latestAtOrBefore(members, t - 1000 * exp(mu + sigma * rng.normal())));
  let best = members.at(at);
  for (let pass = fresh ? 0 : 1; pass < 2; pass++) {
    const avoid = pass === 0;
    for (let k = at; k >= 0 && k > at - DONOR_WINDOW; k--) {
      const j = members.at(k);
      if (j.ids.length >= m && !(avoid && j.donated)) return [j, m];
      if (j.ids.length > best.ids.length) best = j;
    }
    for (let k = at + 1; k < members.size && k <= at + DONOR_WINDOW; k++) {
      const j = members.at(k);
      if (j.ids.length >= m && !(avoid && j.donated)) return [j, m];
      if (j.ids.length > best.ids.length) best = j;
    }
  }
  return [best, Math.min(m, best.ids.length)];
}

/**
 * hash_ids for one client's requests, one request at a time in time order, keeping only the
 * requests of the last `horizonSeconds` (module comment). Ids are local to the stream: fresh
 * ids are 0, 1, 2, … in creation order, so they appear in first-use order.
 */
export class HashIdStream {
  private readonly recency: boolean;
  private readonly idle: boolean;
  /** Idle roots: every root, or with first re-asks apart (model.roots.first) the roots not repeated yet. */
  private readonly fresh = new RootIndex();
  /** Idle roots with first re-asks apart: the roots repeated. */
  private readonly repeated: RootIndex | undefined;
  /** The sets in the order a repeat looks in them: re-asking a root not repeated yet, or one repeated (without first re-asks apart: the one set). */
  private readonly freshFirst: RootIndex[];
  private readonly laterFirst: RootIndex[];
  private readonly horizonMs: number;
  private readonly bs: number;
  private readonly drawShared: (n: number, rng: Rng) => number;
  /** Per bucket: P(new root) of a request outside a session (recency), or the Pitman–Yor tilt P(new | bucket) / P(new). */
  private readonly newShare: number[];
  private readonly tilt: number[];
  private readonly history = new History();
  private readonly sessions = new Map<string | number, Member>();
  private nextId = 0;
  private readonly allocate: (() => number) | undefined;
  private lastT = -Infinity;
  private lastTokens = NaN;
  /** Requests and roots over the whole run (Pitman–Yor's new-root probability). */
  private requests = 0;
  private rootsEver = 0;
  private liveRoots = 0;

  constructor(
    private readonly model: PrefixModel,
    private readonly rng: Rng,
    options: HashIdStreamOptions = {},
  ) {
    const roots = options.roots ?? 'idle';
    this.recency = roots !== 'pitman-yor';
    this.idle = roots === 'idle';
    if (this.idle && model.roots.first !== undefined) this.repeated = new RootIndex();
    this.freshFirst = this.repeated === undefined ? [this.fresh] : [this.fresh, this.repeated];
    this.laterFirst = this.repeated === undefined ? [this.fresh] : [this.repeated, this.fresh];
    const horizon = options.horizonSeconds ?? DEFAULT_HORIZON_SECONDS;
    if (!(horizon > 0)) throw new RangeError(`horizonSeconds must be > 0 (Infinity keeps every request), got ${horizon}`);
    this.horizonMs = 1000 * horizon;
    this.allocate = options.nextId;
    this.bs = model.blockSize;
    this.drawShared = sharedSampler(model);
    const { repeatShare, counts } = model.coverage;
    const overallNew = 1 - counts.reduce((a, b) => a + b, 0) / Math.max(1, model.roots.requests - 1);
    this.newShare = repeatShare.map((x) => (Number.isFinite(x) ? 1 - x : overallNew));
    // New-root odds by bucket: P(new | bucket) / P(new), so the overall new-root rate stays the Pitman–Yor one.
    this.tilt = repeatShare.map((x) => (Number.isFinite(x) && overallNew > 0 ? (1 - x) / overallNew : 1));
  }

  /** Requests currently retained. */
  get retained(): number {
    return this.history.size;
  }

  /** Roots with a retained request. */
  get retainedRoots(): number {
    return this.liveRoots;
  }

  /** Entries of the idle root choice's indices (last uses, and per stem length): bounded by a few times the retained roots, whatever the run's length. */
  get indexed(): number {
    return this.fresh.held + (this.repeated?.held ?? 0);
  }

  /** Stem lengths indexed (in the largest set). */
  get stemLengths(): number {
    return Math.max(this.fresh.byStem.size, this.repeated?.byStem.size ?? 0);
  }

  /** Sessions whose last turn is retained. */
  get retainedSessions(): number {
    return this.sessions.size;
  }

  /**
   * The prompt tokens the last request's ids stand for: the `inputTokens` it was given, unless
   * it was an exact repeat that took its donor's length ({@link nextMs}'s `exactFloor`).
   */
  get tokens(): number {
    return this.lastTokens;
  }

  /**
   * The block ids of the client's next request (time order): timestamp in seconds, input tokens
   * (all modalities, ≥ 0), session key (undefined: none). Length max(1, ⌈inputTokens / blockSize⌉).
   * The array is also the stream's record of the request: read it, do not modify it.
   */
  next(timestampSeconds: number, inputTokens: number, session?: string | number, exactFloor?: number): number[] {
    return this.nextMs(1000 * timestampSeconds, inputTokens, session, exactFloor);
  }

  /**
   * {@link next} with the timestamp in ms (generateHashIds's unit, so that it draws exactly as the prototype did).
   *
   * `exactFloor` (prompt tokens; undefined: off, the default) allows an exact repeat: a request
   * outside a session drawn to share all its n blocks takes the length those n blocks have in
   * the request (or stem) it shares them with, when that is at least `exactFloor` tokens, so it
   * shares every block, its partial last one included, and hits a prefix cache whole (an earlier
   * prompt asked again, as the Mooncake logs' 5.3 % and 1.0 % of requests are). The length stays
   * within the request's n blocks (at most block size − 1 tokens off); read it from
   * {@link tokens}. Off, a shared block of another size is not shared (a block has one size), so
   * such a request shares all but its last block. No draw depends on it: the ids of later
   * requests change only through the lengths and blocks it shares.
   */
  nextMs(t: number, inputTokens: number, session?: string | number, exactFloor?: number): number[] {
    // The searches by time assume it; a merge bug upstream would otherwise pass silently.
    if (!(t >= this.lastT)) throw new RangeError(`HashIdStream: requests must come in time order (${t} ms after ${this.lastT} ms)`);
    this.lastT = t;
    this.forget(t - this.horizonMs);
    const { rng, model, history } = this;
    const nBlocks = Math.max(1, Math.ceil(inputTokens / this.bs));
    let root: Root;
    let donor: Member | undefined;
    let m = 0;
    let stemmed = false;
    const prevTurn = session !== undefined ? this.sessions.get(session) : undefined;
    if (prevTurn !== undefined) {
      root = prevTurn.root;
      donor = prevTurn;
      m = Math.max(1, Math.min(nBlocks, prevTurn.full, prevTurn.ids.length));
    } else {
      const bk = bucketOf(nBlocks, model.coverage.edges);
      const { theta, alpha } = model.roots;
      const pNew = this.recency ? this.newShare[bk] : Math.min(1, (this.requests === 0 ? 1 : (theta + alpha * this.rootsEver) / (this.requests + theta)) * this.tilt[bk]);
      if (history.size === 0 || rng.next() < pNew) {
        root = this.newRoot();
      } else {
        m = this.drawShared(nBlocks, rng);
        if (this.idle && this.liveRoots > 1) {
          // Idle: of the roots of the right length, the one whose last request is the latest at
          // or before t − g, so a root is repeated after being idle about g (the fitted root gap
          // is that idle time) whatever its popularity. Filtering by length before the time
          // matters: drawing a root by time and then redrawing until its length fits accepts
          // recent roots more often (long roots get repeated, so a root idle for long is mostly a
          // short one), which halved the idle times (docs/prefix-reuse.md § 3).
          // First re-asks apart (model.roots.first, h-74): a share of repeats re-ask a root not
          // repeated yet, at its own idle time (the root's age), the others one repeated before;
          // each kind is looked for in its own set first, then in the other.
          const split = model.roots.first;
          const wantFresh = split !== undefined && rng.next() < split.share;
          const mu = split === undefined ? model.roots.gapMu : wantFresh ? split.gapMu : split.laterMu;
          const sigma = split === undefined ? model.roots.gapSigma : wantFresh ? split.gapSigma : split.laterSigma;
          const sets = wantFresh ? this.freshFirst : this.laterFirst;
          let target = -Infinity;
          for (let tries = 0; tries < ROOT_TRIES && target < history.time(0); tries++) target = t - 1000 * exp(mu + sigma * rng.normal());
          target = Math.max(target, history.time(0));
          // Chained (share `chain` of repeats sharing ≥ 2 blocks): a root whose stem is within
          // m ± d blocks (below) lends its whole stem, as a document re-asked shares it
          // with every earlier ask, so the best match is the root's previous request and is
          // matched once (each repeat drawing its own m made a root's longest request the best
          // match of many: 65 % of best matches matched once, source 95.5 %). Roots by idle time
          // among those stems (an index by stem length). None retained: an ordinary repeat.
          const chain = model.reuse.chain ?? 0;
          let pickedRoot: Root | undefined;
          if (m >= 2 && chain > 0 && rng.next() < chain) {
            // Stems of m − d … m + d blocks, d = min(n, 1.25 m) − m (at least 1): symmetric about m
            // so that the stems shared average m (a range m / 1.25 … min(n, 1.25 m) fell short of
            // it where n binds: synthetic hit ratio 59 % instead of 64 %); but below n unless m = n
            // (a stem of n blocks is a whole-prompt hit: allowing it doubled those, 11 % vs 5 %).
            const hi = Math.min(nBlocks, Math.floor(m * STEM_SPREAD));
            for (const set of sets) if ((pickedRoot = set.pickStem(target, Math.max(2, m - Math.max(1, hi - m)), m < nBlocks ? Math.min(hi, nBlocks - 1) : hi))) break;
            stemmed = pickedRoot !== undefined;
          }
          if (pickedRoot === undefined) {
            let serving: Root | undefined; // the shortest longest-request ≥ m looked at
            let widest: Root | undefined; // the longest longest-request looked at
            const seen = (k: Root) => {
              const lk = k.longest;
              if (lk >= m && (serving === undefined || lk < serving.longest)) serving = k;
              if (widest === undefined || lk > widest.longest) widest = k;
            };
            for (const set of sets) if ((pickedRoot = set.uses.pick(target, m, 2 * nBlocks, seen))) break;
            pickedRoot ??= (serving ?? widest)!;
          }
          root = pickedRoot;
        } else {
          // Recency, Pitman–Yor, and idle with one live root (nothing to choose: it draws exactly as
          // recency, so a chat log's single system-prompt root gives the same ids either way).
          let widest: Root | undefined; // the longest longest-request among the draws
          let serving: Root | undefined; // the shortest longest-request ≥ m among the draws
          for (let tries = 0; tries < ROOT_TRIES; tries++) {
            let k: Root;
            if (this.recency) {
              // The root of the latest retained request at or before t − g; a g reaching back
              // before the retained history (at first: the first request) is drawn again (taking
              // the first request's root instead made it the most popular root of the synthetic
              // trace's regeneration: 4.7 % of requests).
              // (With one live root, e.g. a chat log's system prompt, the search is skipped: only
              // whether g reaches before the history matters.)
              const target = t - 1000 * exp(model.roots.gapMu + model.roots.gapSigma * rng.normal());
              const j = target < history.time(0) ? -1 : this.liveRoots === 1 ? 0 : latestAtOrBefore(history, target);
              if (j < 0 && tries < ROOT_TRIES - 1) continue;
              k = history.at(Math.max(0, j)).root;
            } else {
              // ∝ c_k − α: a uniformly drawn retained request's root (∝ c_k), accepted with 1 − α/c_k.
              const n = history.size;
              do k = history.at(Math.min(n - 1, Math.floor(rng.next() * n))).root;
              while (!(rng.next() < 1 - alpha / k.members.size));
            }
            const lk = k.longest;
            if (lk >= m && lk <= 2 * nBlocks) {
              serving = k;
              break;
            }
            if (lk >= m && (serving === undefined || lk < serving.longest)) serving = k;
            if (widest === undefined || lk > widest.longest) widest = k;
          }
          root = (serving ?? widest)!;
        }
        if (stemmed) {
          donor = root.members.last();
          // A whole earlier prompt asked again (model.reuse.whole, h-74): m = n drawn, the stem
          // is shorter, so copy the root's latest request of exactly n blocks that shares the
          // stem (its partial last block included), as every whole-prompt hit of the Mooncake
          // traces is an earlier prompt repeated (the stem alone gave 3.2 % of requests such
          // hits, source 5.3 %).
          const whole = model.reuse.whole ?? 0;
          if (m === nBlocks && root.stemLen < nBlocks && whole > 0 && rng.next() < whole) {
            // The latest such request whose partial last block is as long as this one's, else the
            // latest (its full blocks only: below).
            const last = root.stemLen - 1;
            // (An exact repeat takes the latest's length, whatever its last block's.)
            const tail = inputTokens % this.bs;
            let latest: Member | undefined;
            for (let k = root.members.size - 1; k >= 0; k--) {
              const j = root.members.at(k);
              if (j.ids.length === nBlocks && j.ids[last] === root.stemIds[last]) {
                latest ??= j;
                if (j.tail === tail || exactFloor !== undefined) {
                  latest = j;
                  break;
                }
              }
            }
            if (latest !== undefined) {
              donor = latest;
              stemmed = false;
            }
          }
          if (stemmed) m = root.stemLen;
        } else {
          const fresh = m >= 2 && !(rng.next() < (model.reuse.redonate ?? 1));
          [donor, m] = chooseDonor(root.members, t, m, model.reuse.gapMu, model.reuse.gapSigma, rng, fresh);
        }
      }
    }
    // A block shared is one block of tokens, so it has one size in every prompt that has it:
    // the leading blocks shared must be full blocks in both prompts, or both prompts' partial
    // last blocks of equal size (as in the Mooncake traces, where no id has two sizes). Found by
    // audit (h-89): a repeat or a next turn shared its donor's partial last block as a full
    // block, or a full block as its own partial last one (7 % of the requests generated from
    // either Mooncake trace, 26 % with sessions), so a replay built the prompt from the block
    // cached first (AIPerf's mooncake_trace) at another length than input_length, and the
    // shared blocks counted hits a prefix cache of whole blocks cannot have. Capping m after the
    // draws keeps every draw; a request left sharing nothing starts a root of its own.
    if (m > 0) {
      const srcFull = stemmed ? root.stemFull : donor!.full;
      const srcTail = stemmed ? root.stemTail : donor!.tail;
      if (exactFloor !== undefined && m === nBlocks && prevTurn === undefined) {
        // An exact repeat: the length of the prompt it shares all n blocks with, when that
        // prompt has n blocks too (an earlier prompt asked again), or a root's stem of n full
        // blocks when it shares that whole (a document re-asked alone: its n full blocks, n ×
        // block size). Not a donor's first n blocks out of more: a repeat of a chat prompt draws
        // m = n mostly where m = round(c · n) is clamped to 2 … n at n = 2 or 3, and taking n full
        // blocks from longer prompts there gave the chat log's regeneration 2.3 % whole-prompt
        // hits against its 1.0 % (0.2 % without; the document log's 5.3 % needs the stems: 2.3–3.2
        // % without them, 4.5–5.3 % with; seeds 1–3; docs/prefix-reuse.md § 3.5).
        const exact = srcFull + (srcTail > 0 ? 1 : 0) === nBlocks ? srcFull * this.bs + srcTail : stemmed && nBlocks <= srcFull ? nBlocks * this.bs : NaN;
        if (exact >= exactFloor) inputTokens = exact;
      }
      const full = Math.floor(inputTokens / this.bs);
      const tail = inputTokens - full * this.bs;
      const same = Math.min(full, srcFull) + (full === srcFull && tail > 0 && tail === srcTail ? 1 : 0);
      if (m > same) m = same;
      if (m === 0) {
        root = this.newRoot();
        donor = undefined;
        stemmed = false;
      }
    }
    const ids: number[] = new Array<number>(nBlocks);
    const shared = stemmed ? root.stemIds : donor?.ids;
    for (let d = 0; d < m; d++) ids[d] = shared![d];
    const allocate = this.allocate;
    if (allocate) for (let d = m; d < nBlocks; d++) ids[d] = allocate();
    else for (let d = m; d < nBlocks; d++) ids[d] = this.nextId++;
    if (m >= 2) donor!.donated = true;
    const full = Math.floor(inputTokens / this.bs);
    const member: Member = { t, ids, full, tail: inputTokens - full * this.bs, root, donated: false, session };
    history.push(member);
    root.members.push(member);
    if (root.members.size === 1) {
      root.longest = nBlocks;
      root.stemIds = ids;
      root.stemLen = Math.max(1, Math.min(nBlocks, member.full));
      root.stemFull = member.full;
      root.stemTail = member.tail;
    }
    else {
      const peaks = (root.peaks ??= Queue.of(root.members.at(0)));
      while (peaks.size > 0 && peaks.last().ids.length <= nBlocks) peaks.pop();
      peaks.push(member);
      root.longest = peaks.at(0).ids.length;
    }
    if (this.idle) {
      if (root.members.size === 1) this.fresh.join(root);
      else if (this.repeated !== undefined && root.home === this.fresh) {
        this.fresh.leave(root);
        this.repeated.join(root);
      }
      root.home!.push(member);
    }
    if (session !== undefined) this.sessions.set(session, member);
    this.requests++;
    this.lastTokens = inputTokens;
    return ids;
  }

  /** A root without requests yet (its first request fills in its stem). */
  private newRoot(): Root {
    this.rootsEver++;
    this.liveRoots++;
    return { members: new Queue(), peaks: undefined, longest: 0, stemIds: [], stemLen: 0, stemFull: 0, stemTail: 0, home: undefined };
  }

  /** Drops the requests before `cutoff` (ms), with the roots and sessions they were the last retained request of. */
  private forget(cutoff: number): void {
    const { history } = this;
    if (this.idle) {
      this.fresh.forget(cutoff);
      this.repeated?.forget(cutoff);
    }
    while (history.size > 0 && history.time(0) < cutoff) {
      const old = history.at(0);
      history.shift();
      const root = old.root;
      root.members.shift(); // the root's oldest retained member is the oldest retained request of it
      if (this.idle) {
        // Its entry is in the set its root was in when it came: the first request's in the
        // first set, a later one's in the repeated set when there is one.
        (this.repeated !== undefined && old.ids !== root.stemIds ? this.repeated : this.fresh).forget(cutoff, root.stemLen);
        if (root.members.size === 0) root.home!.leave(root);
      }
      if (root.members.size === 0) this.liveRoots--;
      else if (root.peaks!.at(0) === old) {
        root.peaks!.shift();
        root.longest = root.peaks!.at(0).ids.length;
      }
      if (old.session !== undefined && this.sessions.get(old.session) === old) this.sessions.delete(old.session);
    }
  }
}
