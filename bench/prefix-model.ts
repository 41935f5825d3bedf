/**
 * Prefix model on the Mooncake traces (docs/prefix-reuse.md): fits src/generate/prefix-model.ts
 * on each trace (one client), regenerates hash_ids for the same requests (timestamps and input
 * lengths kept, no session labels), and prints the measured statistics side by side, source vs
 * regenerated (median over --seeds seeds, with their min–max).
 *
 * --shuffle-lengths: regenerate for the same timestamps with the input lengths permuted at
 * random (seeded), as a generator's lengths are drawn independently of time and of one another;
 * the source column is then the source trace as is.
 *
 * --horizon S: generate with a HashIdStream that keeps only the last S seconds of requests
 * (src/generate/prefix-stream.ts; default Infinity, which is generateHashIds).
 *
 * Usage: node --import tsx bench/prefix-model.ts [--seeds 5] [--roots idle|recency|pitman-yor] [--no-chain] [--no-first] [--no-whole] [--shuffle-lengths] [--horizon S] [trace.jsonl ...]
 */
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng } from '../src/stats/rng.js';
import { fitPrefixModel, renumberByFirstUse, type PrefixModel } from '../src/generate/prefix-model.js';
import { HashIdStream } from '../src/generate/prefix-stream.js';
import { measurePrefixReuse, quantileSorted, summarizePrefixReuse, POW2_LABELS, type PrefixRequest, type PrefixReuse } from '../src/generate/prefix-reuse.js';
import { readMooncake } from './prefix-reuse.js';
import { lruHitRatio } from './prefix-trace-stats.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const dataDir = join(here, '..', '..', 'shared', 'data', 'mooncake');
const argv = process.argv.slice(2);
const si = argv.indexOf('--seeds');
const seeds = si >= 0 ? Number(argv[si + 1]) : 5;
const ri = argv.indexOf('--roots');
const roots = (ri >= 0 ? argv[ri + 1] : 'idle') as 'idle' | 'recency' | 'pitman-yor';
const noChain = argv.includes('--no-chain');
// h-74's optional fields left out of the fit (the model as before them).
const noFirst = argv.includes('--no-first');
const noWhole = argv.includes('--no-whole');
const hi = argv.indexOf('--horizon');
const horizonSeconds = hi >= 0 ? Number(argv[hi + 1]) : Infinity;
const shuffle = argv.includes('--shuffle-lengths');
const files = argv.filter((a, k) => !a.startsWith('--') && ![si, ri, hi].some((o) => o >= 0 && k === o + 1));
const paths = files.length ? files : ['conversation_trace.jsonl', 'synthetic_trace.jsonl'].map((f) => join(dataDir, f));

/** Named statistics of one measured trace. */
function stats(reqs: PrefixRequest[], r: PrefixReuse): [string, number, (x: number) => string][] {
  const s = summarizePrefixReuse(r);
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const int = (x: number) => x.toFixed(0);
  const sec = (x: number) => x.toFixed(0);
  const pos = Float64Array.from([...r.shared].filter((m) => m > 0)).sort();
  const gaps: number[] = [];
  const dists: number[] = [];
  for (let i = 0; i < reqs.length; i++) {
    if (r.shared[i] < 2) continue;
    gaps.push((reqs[i].timestamp - reqs[r.match[i]].timestamp) / 1000);
    dists.push(i - r.match[i]);
  }
  const g = Float64Array.from(gaps).sort();
  // Fan-out: how many later requests (m ≥ 2) have each matched request as their best match.
  const fan = new Map<number, number>();
  for (let i = 0; i < reqs.length; i++) if (r.shared[i] >= 2) fan.set(r.match[i], (fan.get(r.match[i]) ?? 0) + 1);
  let once = 0;
  for (const v of fan.values()) if (v === 1) once++;
  const d = Float64Array.from(dists).sort();
  return [
    ['block hit ratio (infinite cache)', s.hitRatio, pct],
    ['mean hit fraction m/n', s.meanHitFraction, pct],
    ['requests with m > 0', s.anyHit, pct],
    ['requests with m = n', s.fullHit, pct],
    ['m p50', s.sharedQuantiles.p50, int],
    ['m p75', s.sharedQuantiles.p75, int],
    ['m p90', s.sharedQuantiles.p90, int],
    ['m p99', s.sharedQuantiles.p99, int],
    ['m | m>0 p50', quantileSorted(pos, 0.5), int],
    ['m | m>0 p90', quantileSorted(pos, 0.9), int],
    ...POW2_LABELS.map((l) => [`share m ∈ ${l}`, s.sharedHistogram[l], pct] as [string, number, (x: number) => string]),
    ['distinct roots', s.roots, int],
    ['top root share', s.topRootShare[0] ?? NaN, pct],
    ['roots seen once (share of roots)', s.singletonRootShare, pct],
    ['m ≥ 2: t_i − t_j p50 (s)', quantileSorted(g, 0.5), sec],
    ['m ≥ 2: t_i − t_j p90 (s)', quantileSorted(g, 0.9), sec],
    ['m ≥ 2: i − j p50 (requests)', quantileSorted(d, 0.5), int],
    ['m ≥ 2: i − j p90 (requests)', quantileSorted(d, 0.9), int],
    ['best matches (m ≥ 2) matched once', fan.size ? once / fan.size : NaN, pct],
    ...[1000, 4000, 16000, 64000].map((c) => [`LRU ${c} blocks: hit ratio`, lruHitRatio(reqs, c), pct] as [string, number, (x: number) => string]),
  ];
}

function describe(m: PrefixModel): string {
  const cov = m.coverage.edges.map((e, k) => {
    const q = m.coverage.quantiles[k];
    const hi = m.coverage.edges[k + 1];
    const label = hi === undefined ? `${e}+` : hi - 1 === e ? `${e}` : `${e}-${hi - 1}`;
    const c = m.coverage.counts[k];
    const rest = q.length ? `; m ≥ 2: m/n p10 ${q[10].toFixed(2)} p50 ${q[50].toFixed(2)} p90 ${q[90].toFixed(2)}` : '';
    return c ? `  n ${label}: ${c} repeats, m = 1 for ${(100 * m.coverage.single[k]).toFixed(1)} %${rest}` : `  n ${label}: none`;
  });
  return [
    `roots: θ = ${m.roots.theta.toPrecision(4)} (SE ${m.roots.seTheta.toPrecision(2)}), α = ${m.roots.alpha.toFixed(4)} (SE ${m.roots.seAlpha.toPrecision(2)}); ${m.roots.distinct} roots over ${m.roots.requests} requests; gap to the root's previous request ln-s μ = ${m.roots.gapMu.toFixed(3)} (median ${Math.exp(m.roots.gapMu).toFixed(1)} s), σ = ${m.roots.gapSigma.toFixed(3)}`,
    'coverage m/n of repeat requests by own blocks n:',
    ...cov,
    `reuse gap over ${m.reuse.count} repeats with m ≥ 2: ln-s μ = ${m.reuse.gapMu.toFixed(3)} (median ${Math.exp(m.reuse.gapMu).toFixed(1)} s), σ = ${m.reuse.gapSigma.toFixed(3)}; re-donation share ${(100 * m.reuse.redonate).toFixed(1)} %, chain share ${(100 * (m.reuse.chain ?? 0)).toFixed(1)} %, whole ${m.reuse.whole === undefined ? '–' : `${(100 * m.reuse.whole).toFixed(1)} %`}`,
    m.roots.first === undefined ? 'first re-asks: not apart' : `first re-asks: ${(100 * m.roots.first.share).toFixed(1)} % of repeats, gap median ${Math.exp(m.roots.first.gapMu).toFixed(1)} s (σ ${m.roots.first.gapSigma.toFixed(3)}); later: median ${Math.exp(m.roots.first.laterMu).toFixed(1)} s (σ ${m.roots.first.laterSigma.toFixed(3)})`,
  ].join('\n');
}

for (const path of paths) {
  const src = readMooncake(path);
  const t0 = performance.now();
  const model = fitPrefixModel(src);
  if (noChain) model.reuse.chain = 0;
  if (noFirst) delete model.roots.first;
  if (noWhole) delete model.reuse.whole;
  const fitMs = performance.now() - t0;
  const srcStats = stats(src, measurePrefixReuse(src));
  const runs: number[][] = [];
  let genMs = 0;
  for (let s = 1; s <= seeds; s++) {
    const lengths = src.map((r) => r.inputLength);
    if (shuffle) {
      const rng = createRng(`shuffle-${s}`);
      for (let i = lengths.length - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1));
        [lengths[i], lengths[j]] = [lengths[j], lengths[i]];
      }
    }
    const t1 = performance.now();
    const stream = new HashIdStream(model, createRng(s), { roots, horizonSeconds });
    const ids = renumberByFirstUse(src.map((r, i) => stream.nextMs(r.timestamp, lengths[i])));
    genMs += performance.now() - t1;
    const regen = src.map((r, i) => ({ ...r, inputLength: lengths[i], hashIds: ids[i] }));
    runs.push(stats(regen, measurePrefixReuse(regen)).map(([, v]) => v));
  }
  console.log(`\n## ${basename(path)} (roots: ${roots}${shuffle ? ', lengths shuffled' : ''}, horizon ${horizonSeconds} s): fit ${fitMs.toFixed(0)} ms, generate ${(genMs / seeds).toFixed(0)} ms per seed\n`);
  console.log('```\n' + describe(model) + '\n```\n');
  console.log(`| statistic | source | regenerated (median of ${seeds} seeds) | min – max |\n|---|---|---|---|`);
  srcStats.forEach(([name, v, f], k) => {
    const xs = runs.map((r) => r[k]).sort((a, b) => a - b);
    console.log(`| ${name} | ${f(v)} | ${f(quantileSorted(xs, 0.5))} | ${f(xs[0])} – ${f(xs[xs.length - 1])} |`);
  });
}
