/**
 * Prefix reuse in Mooncake traces (docs/prefix-reuse.md): per request the leading blocks shared
 * with any earlier request (trie of hash_ids), the infinite-cache block hit ratio, reuse
 * distances of the best match, the shared-prefix distribution, root popularity and whether
 * prompts extend an earlier prompt (multi-turn). Prints markdown tables.
 *
 * Usage: node --import tsx bench/prefix-reuse.ts [trace.jsonl ...]
 * Default: ../shared/data/mooncake/{conversation,synthetic}_trace.jsonl
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FRACTION_LABELS,
  POW2_LABELS,
  measurePrefixReuse,
  quantileSorted,
  summarizePrefixReuse,
  type PrefixRequest,
  type PrefixReuse,
} from '../src/generate/prefix-reuse.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const dataDir = join(here, '..', '..', 'shared', 'data', 'mooncake');

export function readMooncake(path: string): PrefixRequest[] {
  const out: PrefixRequest[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const o = JSON.parse(line) as { timestamp: number; input_length: number; output_length: number; hash_ids: number[] };
    out.push({ hashIds: o.hash_ids, timestamp: o.timestamp, inputLength: o.input_length, outputLength: o.output_length });
  }
  return out;
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const qs = (xs: number[], list = [0.1, 0.25, 0.5, 0.75, 0.9, 0.99]) => {
  const s = Float64Array.from(xs).sort();
  return list.map((q) => quantileSorted(s, q));
};

/** Least-squares slope of log(count) on log(rank) over ranks 1..k. */
function zipfSlope(counts: number[], k: number): number {
  const m = Math.min(k, counts.length);
  if (m < 3) return NaN;
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let r = 1; r <= m; r++) {
    const x = Math.log(r), y = Math.log(counts[r - 1]);
    sx += x; sy += y; sxx += x * x; sxy += x * y;
  }
  return (m * sxy - sx * sy) / (m * sxx - sx * sx);
}

function popularity(keys: (string | number)[]) {
  const c = new Map<string | number, number>();
  for (const k of keys) c.set(k, (c.get(k) ?? 0) + 1);
  const counts = [...c.values()].sort((a, b) => b - a);
  const n = keys.length;
  let single = 0;
  for (const x of counts) if (x === 1) single++;
  return { distinct: counts.length, n, counts, single, top: counts.slice(0, 5), slope100: zipfSlope(counts, 100), slopeAll: zipfSlope(counts.filter((x) => x >= 2), Infinity) };
}

export function report(name: string, reqs: PrefixRequest[], r: PrefixReuse = measurePrefixReuse(reqs)): void {
  const s = summarizePrefixReuse(r);
  const n = reqs.length;
  console.log(`\n## ${name}: ${n} requests, ${s.blocks} blocks, span ${fmt((reqs[n - 1].timestamp - reqs[0].timestamp) / 1000, 0)} s\n`);
  console.log('| statistic | value |\n|---|---|');
  console.log(`| infinite-cache block hit ratio Σm/Σn | ${pct(s.hitRatio)} |`);
  console.log(`| mean per-request hit fraction m/n | ${pct(s.meanHitFraction)} |`);
  console.log(`| requests with m > 0 | ${pct(s.anyHit)} |`);
  console.log(`| requests with m = n (whole prompt cached) | ${pct(s.fullHit)} |`);
  console.log(`| blocks n: p10/p50/p90/p99 | ${qs([...r.blocks], [0.1, 0.5, 0.9, 0.99]).map((x) => fmt(x, 0)).join(' / ')} |`);
  console.log(`| shared m: p10/p25/p50/p75/p90/p99 | ${Object.values(s.sharedQuantiles).map((x) => fmt(x, 0)).join(' / ')} |`);
  const pos = [...r.shared].filter((m) => m > 0);
  console.log(`| shared m given m > 0: p10/p25/p50/p75/p90/p99 | ${qs(pos).map((x) => fmt(x, 0)).join(' / ')} |`);

  console.log('\nShared prefix m (blocks), share of requests:\n');
  console.log(`| m | ${POW2_LABELS.join(' | ')} |\n|${'---|'.repeat(POW2_LABELS.length + 1)}`);
  console.log(`| share | ${POW2_LABELS.map((l) => pct(s.sharedHistogram[l])).join(' | ')} |`);
  console.log('\nHit fraction m/n, share of requests:\n');
  console.log(`| m/n | ${FRACTION_LABELS.join(' | ')} |\n|${'---|'.repeat(FRACTION_LABELS.length + 1)}`);
  console.log(`| share | ${FRACTION_LABELS.map((l) => pct(s.fractionHistogram[l])).join(' | ')} |`);

  // Reuse distance of the best match j (most recent earlier request sharing all m blocks).
  const dReq: number[] = [];
  const dSec: number[] = [];
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const j = r.match[i];
    if (j < 0) continue;
    dReq.push(i - j);
    dSec.push((reqs[i].timestamp - reqs[j].timestamp) / 1000);
    if (j === i - 1) prev++;
  }
  const dist = (xs: number[], edges: number[], unit: string) => {
    const labels = edges.map((e, k) => (k + 1 < edges.length ? `${e}–${edges[k + 1] - (unit === 'req' ? 1 : 0)}` : `≥${e}`));
    const counts = edges.map(() => 0);
    for (const x of xs) {
      let k = edges.length - 1;
      while (k > 0 && x < edges[k]) k--;
      counts[k]++;
    }
    return { labels, shares: counts.map((c) => c / xs.length) };
  };
  console.log(`\nReuse distance of the best match j (requests with m > 0: ${dReq.length}); j = i−1 for ${pct(prev / dReq.length)}:\n`);
  const dr = dist(dReq, [1, 2, 11, 101, 1001], 'req');
  console.log(`| i − j (requests) | ${dr.labels.join(' | ')} |\n|${'---|'.repeat(dr.labels.length + 1)}`);
  console.log(`| share | ${dr.shares.map(pct).join(' | ')} |`);
  const ds = dist(dSec, [0, 1, 10, 60, 600, 3600], 's');
  console.log(`\n| t_i − t_j (s) | ${ds.labels.join(' | ')} |\n|${'---|'.repeat(ds.labels.length + 1)}`);
  console.log(`| share | ${ds.shares.map(pct).join(' | ')} |`);
  // The same over requests sharing more than one block (a lone shared first block is a
  // system prompt every request has: its best match is simply the previous request).
  const dReq2: number[] = [];
  const dSec2: number[] = [];
  let prev2 = 0;
  for (let i = 0; i < n; i++) {
    const j = r.match[i];
    if (r.shared[i] < 2) continue;
    dReq2.push(i - j);
    dSec2.push((reqs[i].timestamp - reqs[j].timestamp) / 1000);
    if (j === i - 1) prev2++;
  }
  console.log(`\n| quantiles p10/p25/p50/p75/p90/p99 | value |\n|---|---|`);
  console.log(`| i − j (requests), m > 0 | ${qs(dReq).map((x) => fmt(x, 0)).join(' / ')} |`);
  console.log(`| t_i − t_j (s), m > 0 | ${qs(dSec).map((x) => fmt(x, 1)).join(' / ')} |`);
  console.log(`| i − j (requests), m ≥ 2 (${dReq2.length} requests; j = i−1 for ${pct(prev2 / dReq2.length)}) | ${qs(dReq2).map((x) => fmt(x, 0)).join(' / ')} |`);
  console.log(`| t_i − t_j (s), m ≥ 2 | ${qs(dSec2).map((x) => fmt(x, 1)).join(' / ')} |`);

  // Roots.
  const rootPop = popularity([...r.roots].filter((x) => !Number.isNaN(x)));
  const two = popularity(reqs.filter((q) => q.hashIds.length >= 2).map((q) => `${q.hashIds[0]},${q.hashIds[1]}`));
  console.log('\nRoot popularity (first id; and first two ids among requests with ≥ 2 blocks):\n');
  console.log('| key | requests | distinct | distinct/requests | top-5 counts | seen once (share of keys) | Zipf slope ranks 1–100 | slope over keys seen ≥ 2× |\n|---|---|---|---|---|---|---|---|');
  for (const [label, p] of [['first id', rootPop], ['first two ids', two]] as const) {
    console.log(`| ${label} | ${p.n} | ${p.distinct} | ${fmt(p.distinct / p.n, 3)} | ${p.top.join(', ')} | ${p.single} (${pct(p.single / p.distinct)}) | ${fmt(p.slope100, 2)} | ${fmt(p.slopeAll, 2)} |`);
  }
  const countHist = new Map<number, number>();
  for (const c of rootPop.counts) countHist.set(Math.min(c, 10), (countHist.get(Math.min(c, 10)) ?? 0) + 1);
  console.log(`\nRoots by requests per root (first id): ${[...countHist.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k === 10 ? '≥10' : k}: ${v}`).join(', ')}`);

  // Multi-turn: does m equal an earlier prompt's full blocks, and does input grow by that prompt + output?
  let withM = 0, ext = 0, extDeep = 0, mEqParent = 0, mGtParent = 0, parentIsMatch = 0, mEqJFull = 0, mEqJBlocks = 0, mLtJFull = 0;
  const growth: number[] = [];
  const growthTok: number[] = [];
  const pSec: number[] = [];
  const pReq: number[] = [];
  const ratio: number[] = [];
  const ratio2: number[] = [];
  let eq2 = 0;
  const sameLen: number[] = [];
  for (let i = 0; i < n; i++) {
    const m = r.shared[i];
    if (m === 0) continue;
    withM++;
    const j = r.match[i];
    const jFull = Math.floor(reqs[j].inputLength / 512);
    if (m === jFull) mEqJFull++;
    else if (m < jFull) mLtJFull++;
    if (m === r.blocks[j]) mEqJBlocks++;
    ratio.push(m / Math.max(1, jFull));
    if (m >= 2) {
      ratio2.push(m / Math.max(1, jFull));
      if (m === jFull) eq2++;
    }
    const p = r.parent[i];
    if (p < 0) continue;
    ext++;
    if (r.parentDepth[i] >= 2) extDeep++;
    if (m === r.parentDepth[i]) mEqParent++;
    else mGtParent++;
    if (p === j) parentIsMatch++;
    if (m === r.parentDepth[i] && r.parentDepth[i] >= 2) {
      const base = reqs[p].inputLength + reqs[p].outputLength;
      growth.push(reqs[i].inputLength / base);
      growthTok.push(reqs[i].inputLength - base);
      sameLen.push(reqs[i].inputLength - reqs[p].inputLength);
      pSec.push((reqs[i].timestamp - reqs[p].timestamp) / 1000);
      pReq.push(i - p);
    }
  }
  console.log(`\nMulti-turn check over the ${withM} requests with m > 0 (j: best match; p: extension parent, the latest earlier request whose full blocks ⌊input/512⌋ are all a prefix of this prompt):\n`);
  console.log('| statistic | value |\n|---|---|');
  console.log(`| m = ⌊input_j/512⌋ (shares exactly j's full blocks) | ${pct(mEqJFull / withM)} |`);
  console.log(`| m < ⌊input_j/512⌋ (diverges inside j's prompt) | ${pct(mLtJFull / withM)} |`);
  console.log(`| m = blocks_j (also j's partial last block) | ${pct(mEqJBlocks / withM)} |`);
  console.log(`| m / ⌊input_j/512⌋ p10/p25/p50/p75/p90 | ${qs(ratio, [0.1, 0.25, 0.5, 0.75, 0.9]).map((x) => fmt(x, 2)).join(' / ')} |`);
  console.log(`| over m ≥ 2 (${ratio2.length}): m = ⌊input_j/512⌋ | ${pct(eq2 / ratio2.length)} |`);
  console.log(`| over m ≥ 2: m / ⌊input_j/512⌋ p10/p25/p50/p75/p90 | ${qs(ratio2, [0.1, 0.25, 0.5, 0.75, 0.9]).map((x) => fmt(x, 2)).join(' / ')} |`);
  console.log(`| p exists | ${pct(ext / withM)} |`);
  console.log(`| p exists with ≥ 2 full blocks | ${pct(extDeep / withM)} |`);
  console.log(`| m = p's full blocks (prompt extends p's, no deeper sharing) | ${pct(mEqParent / withM)} |`);
  console.log(`| m > p's full blocks | ${pct(mGtParent / withM)} |`);
  console.log(`| p = j | ${pct(parentIsMatch / withM)} |`);
  console.log(`| extensions with m = p's full blocks ≥ 2: count | ${growth.length} |`);
  if (growth.length) {
    console.log(`| input_i / (input_p + output_p): p10/p25/p50/p75/p90 | ${qs(growth, [0.1, 0.25, 0.5, 0.75, 0.9]).map((x) => fmt(x, 2)).join(' / ')} |`);
    console.log(`| input_i − (input_p + output_p) tokens: p10/p25/p50/p75/p90 | ${qs(growthTok, [0.1, 0.25, 0.5, 0.75, 0.9]).map((x) => fmt(x, 0)).join(' / ')} |`);
    console.log(`| share with input_i ≥ input_p + output_p | ${pct(growthTok.filter((x) => x >= 0).length / growthTok.length)} |`);
    console.log(`| input_i − input_p tokens: p10/p25/p50/p75/p90 | ${qs(sameLen, [0.1, 0.25, 0.5, 0.75, 0.9]).map((x) => fmt(x, 0)).join(' / ')} |`);
    console.log(`| i − p (requests) p10/p50/p90 | ${qs(pReq, [0.1, 0.5, 0.9]).map((x) => fmt(x, 0)).join(' / ')} |`);
    console.log(`| t_i − t_p (s) p10/p50/p90 | ${qs(pSec, [0.1, 0.5, 0.9]).map((x) => fmt(x, 1)).join(' / ')} |`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = process.argv.slice(2);
  const paths = files.length ? files : ['conversation_trace.jsonl', 'synthetic_trace.jsonl'].map((f) => join(dataDir, f));
  for (const p of paths) report(basename(p), readMooncake(p));
}
