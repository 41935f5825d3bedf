/**
 * The prefix statistics of docs/prefix-reuse.md § 3.2–3.3 on any traces with hash_ids (Mooncake
 * jsonl, or our own jsonl such as a roundtrip's generated.jsonl; .gz too), one row per file:
 * infinite-cache and LRU hit ratios, roots used once, whole-prompt hits, best matches matched
 * more than once, the best match's gap, repeats as long as their best match (|n_i − n_j| ≤ 1
 * block, over m ≥ 2: the same document asked again), and the share of roots repeated by the fifth
 * of the trace they first came in. With --windows S, per S-second window: the share of requests
 * repeating a root, the infinite-cache and the LRU 4 Ki-block hit ratios (the cache carried across
 * windows) — whether reuse is stationary in time.
 *
 * Usage: node --import tsx bench/prefix-trace-stats.ts [--windows S] trace ...
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { measurePrefixReuse, quantileSorted, summarizePrefixReuse, type PrefixRequest, type PrefixReuse } from '../src/generate/prefix-reuse.js';

/** Rows with hash_ids of a Mooncake (ms, input_length) or normalized (s, input_tokens) jsonl file. */
export function readIdsTrace(path: string): PrefixRequest[] {
  const buf = readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
  const out: PrefixRequest[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const o = JSON.parse(line) as Record<string, unknown>;
    const ids = o.hash_ids as number[] | undefined;
    if (!Array.isArray(ids) || ids.length === 0) continue;
    const mooncake = 'input_length' in o;
    out.push({
      hashIds: ids,
      timestamp: mooncake ? (o.timestamp as number) : (o.timestamp as number) * 1000,
      inputLength: (mooncake ? o.input_length : o.input_tokens) as number,
      outputLength: ((mooncake ? o.output_length : o.output_tokens) as number | undefined) ?? 0,
    });
  }
  return out;
}

/** Per request, its leading blocks an LRU prefix cache of `capacity` blocks holds (every block touched in order). */
export function lruHits(reqs: readonly PrefixRequest[], capacity: number): Int32Array {
  const cache = new Map<number, true>();
  const hits = new Int32Array(reqs.length);
  reqs.forEach((r, i) => {
    let lead = true;
    for (let d = 0; d < r.hashIds.length; d++) {
      const id = r.hashIds[d];
      if (cache.has(id)) {
        if (lead) hits[i]++;
        cache.delete(id);
      } else lead = false;
      cache.set(id, true);
      if (cache.size > capacity) cache.delete(cache.keys().next().value as number);
    }
  });
  return hits;
}

/** Block hit ratio of an LRU prefix cache of `capacity` blocks. */
export function lruHitRatio(reqs: readonly PrefixRequest[], capacity: number): number {
  let total = 0;
  for (const r of reqs) total += r.hashIds.length;
  return lruHits(reqs, capacity).reduce((a, b) => a + b, 0) / total;
}

/** Share of roots (first ids) used again, by the fifth of the trace's span they first came in. */
function repeatedByFifth(reqs: readonly PrefixRequest[]): number[] {
  const t0 = reqs[0].timestamp;
  const span = reqs[reqs.length - 1].timestamp - t0 + 1;
  const born = new Map<number, number>();
  const uses = new Map<number, number>();
  for (const q of reqs) {
    const root = q.hashIds[0];
    if (!born.has(root)) born.set(root, q.timestamp);
    uses.set(root, (uses.get(root) ?? 0) + 1);
  }
  const rep = [0, 0, 0, 0, 0];
  const all = [0, 0, 0, 0, 0];
  for (const [root, b] of born) {
    const k = Math.min(4, Math.floor((5 * (b - t0)) / span));
    all[k]++;
    if (uses.get(root)! > 1) rep[k]++;
  }
  return rep.map((x, k) => x / all[k]);
}

/** Per `windowS` seconds: share of requests repeating a root, infinite-cache and LRU 4 Ki-block hit ratios. */
function byWindow(reqs: readonly PrefixRequest[], r: PrefixReuse, windowS: number): { repeat: number; infinite: number; lru: number }[] {
  const h = lruHits(reqs, 4096);
  const t0 = reqs[0].timestamp;
  const acc: { n: number; rep: number; inf: number; lru: number; blocks: number }[] = [];
  reqs.forEach((q, i) => {
    const a = (acc[Math.floor((q.timestamp - t0) / 1000 / windowS)] ??= { n: 0, rep: 0, inf: 0, lru: 0, blocks: 0 });
    a.n++;
    if (r.shared[i] > 0) a.rep++;
    a.inf += r.shared[i];
    a.lru += h[i];
    a.blocks += r.blocks[i];
  });
  return [...acc].map((a) => (a ? { repeat: a.rep / a.n, infinite: a.inf / a.blocks, lru: a.lru / a.blocks } : { repeat: NaN, infinite: NaN, lru: NaN }));
}

function main(argv: string[]): void {
  const wi = argv.indexOf('--windows');
  const windowS = wi >= 0 ? Number(argv[wi + 1]) : 0;
  const files = argv.filter((a, k) => !a.startsWith('--') && !(wi >= 0 && k === wi + 1));
  const pct = (x: number) => (100 * x).toFixed(1);
  console.log('| file | requests | infinite % | LRU 1Ki / 4Ki / 16Ki % | roots used once % | whole hits % | matched > once % | gap p50 / p90 s | same length % | roots repeated by fifth % |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const f of files) {
    const reqs = readIdsTrace(f);
    const r = measurePrefixReuse(reqs);
    const s = summarizePrefixReuse(r);
    const fan = new Map<number, number>();
    const gaps: number[] = [];
    let same = 0;
    for (let i = 0; i < reqs.length; i++) {
      if (r.shared[i] < 2) continue;
      const j = r.match[i];
      fan.set(j, (fan.get(j) ?? 0) + 1);
      gaps.push((reqs[i].timestamp - reqs[j].timestamp) / 1000);
      if (Math.abs(r.blocks[i] - r.blocks[j]) <= 1) same++;
    }
    let more = 0;
    for (const v of fan.values()) if (v > 1) more++;
    const g = Float64Array.from(gaps).sort();
    const lru = [1024, 4096, 16384].map((c) => pct(lruHitRatio(reqs, c)));
    const fifths = repeatedByFifth(reqs).map((x) => (100 * x).toFixed(0));
    console.log(
      `| ${f} | ${reqs.length} | ${pct(s.hitRatio)} | ${lru.join(' / ')} | ${pct(s.singletonRootShare)} | ${pct(s.fullHit)} | ${pct(more / fan.size)} | ${quantileSorted(g, 0.5).toFixed(0)} / ${quantileSorted(g, 0.9).toFixed(0)} | ${pct(same / gaps.length)} | ${fifths.join(' / ')} |`,
    );
    if (windowS > 0) {
      const w = byWindow(reqs, r, windowS);
      console.log(`  per ${windowS} s: repeats ${w.map((x) => pct(x.repeat)).join(' ')}; infinite ${w.map((x) => pct(x.infinite)).join(' ')}; LRU 4Ki ${w.map((x) => pct(x.lru)).join(' ')}`);
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main(process.argv.slice(2));
