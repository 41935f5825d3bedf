/**
 * Speed and memory of HashIdStream (src/generate/prefix-stream.ts; docs/prefix-reuse.md § 4):
 * fits the prefix model on a Mooncake trace (the fixtures), then feeds one stream N requests at
 * the trace's mean rate (Poisson arrivals, input lengths drawn from the trace, no sessions) and
 * prints requests/s of `next`, the retained requests and roots (max over the run), the heap, and
 * the infinite-cache block hit ratio Σm/Σn (m: blocks copied from an earlier request, which with
 * tree-shaped ids is the shared prefix measurePrefixReuse finds) with the share of requests
 * sharing anything, to compare horizons (--horizon Infinity keeps every request).
 *
 * Usage: node --expose-gc --import tsx bench/prefix-stream.ts [--n 1000000] [--horizon 21600] [--roots idle|recency|pitman-yor] [conversation|synthetic ...]
 */
import { fitPrefixModel } from '../src/generate/prefix-model.js';
import { HashIdStream, DEFAULT_HORIZON_SECONDS } from '../src/generate/prefix-stream.js';
import { createRng } from '../src/stats/rng.js';
import { readMooncakeFixture } from '../test/generate/prefix-cases.js';

const argv = process.argv.slice(2);
const opt = (name: string) => {
  const k = argv.indexOf(name);
  return k >= 0 ? argv[k + 1] : undefined;
};
const N = Number(opt('--n') ?? 1_000_000);
const horizonSeconds = Number(opt('--horizon') ?? DEFAULT_HORIZON_SECONDS);
const roots = (opt('--roots') ?? 'idle') as 'idle' | 'recency' | 'pitman-yor';
const names = argv.filter((a, k) => !a.startsWith('--') && !argv[k - 1]?.startsWith('--'));
const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = () => {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

for (const name of (names.length ? names : ['synthetic', 'conversation']) as ('synthetic' | 'conversation')[]) {
  const src = readMooncakeFixture(name);
  const model = fitPrefixModel(src);
  const rate = src.length / ((src[src.length - 1].timestamp - src[0].timestamp) / 1000);
  const rng = createRng(1);
  const t = new Float64Array(N);
  const tokens = new Float64Array(N);
  let now = 0;
  for (let i = 0; i < N; i++) {
    now += -Math.log(rng.nextOpen()) / rate;
    t[i] = now;
    tokens[i] = src[Math.floor(rng.next() * src.length)].inputLength;
  }
  const heap0 = heapMb();
  const stream = new HashIdStream(model, createRng(2), { roots, horizonSeconds });
  let maxRetained = 0;
  let maxRoots = 0;
  let blocks = 0;
  let shared = 0;
  let repeats = 0;
  let halfBlocks = 0;
  let halfShared = 0;
  let fresh = 0; // ids below it existed before the request
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const ids = stream.next(t[i], tokens[i]);
    blocks += ids.length;
    let m = 0;
    while (m < ids.length && ids[m] < fresh) m++;
    shared += m;
    if (i === N / 2) [halfBlocks, halfShared] = [blocks - ids.length, shared - m];
    if (m > 0) repeats++;
    fresh = Math.max(fresh, ids[ids.length - 1] + 1);
    if ((i & 1023) === 0) {
      maxRetained = Math.max(maxRetained, stream.retained);
      maxRoots = Math.max(maxRoots, stream.retainedRoots);
    }
  }
  const ms = performance.now() - t0;
  const heap = heapMb() - heap0;
  console.log(
    `${name} (${roots}, horizon ${horizonSeconds} s): ${N} requests at ${rate.toFixed(2)}/s over ${(now / 3600).toFixed(1)} h, ${blocks} blocks: ` +
      `${ms.toFixed(0)} ms, ${((N / ms) * 1000).toFixed(0)} requests/s; retained max ${maxRetained} requests (rate × horizon ${(rate * horizonSeconds).toFixed(0)}), ${maxRoots} roots; heap +${heap.toFixed(0)} MB with ${stream.retained} retained; ` +
      `hit ratio ${((100 * shared) / blocks).toFixed(2)} % (first half ${((100 * halfShared) / halfBlocks).toFixed(2)} %, second ${((100 * (shared - halfShared)) / (blocks - halfBlocks)).toFixed(2)} %), requests sharing a prefix ${((100 * repeats) / N).toFixed(2)} %`,
  );
}
