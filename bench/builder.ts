/**
 * SummaryBuilder benchmark: the counting the DuckDB one pass does on its worker thread
 * (build-worker.ts), alone — rows pushed in 32 768-row chunks as ParallelSummaryBuilder posts
 * them, then parts() — on rows made in typed arrays:
 * - `scale`: the rows of bench:scale's log (bench/ingest.ts writeInputs: ≈2 000 clients with
 *   Zipf volumes, Poisson arrivals at 100/s overall, times to the millisecond, input and
 *   output tokens), as the one pass hands them to the builder (seconds from the first second);
 * - `bursty`: 300 clients alternating bursts (gaps of a few ms, 5 % of them zero) and
 *   heavy-tailed idle gaps over a day, times to the microsecond, with reasoning tokens.
 * With `--ref DIR` (DIR/dist a build of another commit, e.g. the starting one) the reference
 * builder and this one run interleaved in the same process (ABBA order, after a warm-up of
 * each): medians of --repeat runs, rows/s, ns/row, the ratio reference/new, and whether the
 * two count the same: hashes of the summaries as JSON (must match) and of the raw parts (a
 * build may close windows in another order). The machine is shared and noisy: an A/A run (one
 * build as both, 7 repeats, busy machine) gave 0.975 and 0.978, so read ±3 % as noise.
 * `--new DIR` measures DIR/dist in place of this checkout's.
 * Usage: npm run bench:builder [-- --rows 5000000 --repeat 7 --data scale,bursty --ref /tmp/ref]
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRng } from '../src/stats/rng.js';
import type { RowChunk, SummaryParts } from '../src/summary/build.js';

type BuildModule = typeof import('../src/summary/build.js');
type SerializeModule = typeof import('../src/summary/serialize.js');
interface Impl {
  name: string;
  build: BuildModule;
  serialize: SerializeModule;
}

const load = async (name: string, dir: string): Promise<Impl> => {
  const at = (p: string) => pathToFileURL(resolve(dir, 'dist', p)).href;
  return { name, build: (await import(at('summary/build.js'))) as BuildModule, serialize: (await import(at('summary/serialize.js'))) as SerializeModule };
};

interface Data {
  name: string;
  rows: RowChunk;
  clients: string[];
  resolution: number;
}

/** Client index by Zipf(1.1) volume (inverse CDF over cumulative weights). */
function zipfPicker(clients: number): (u: number) => number {
  const cum = new Float64Array(clients);
  let acc = 0;
  for (let i = 0; i < clients; i++) cum[i] = acc += 1 / Math.pow(i + 1, 1.1);
  return (u) => {
    const x = u * acc;
    let lo = 0;
    let hi = clients - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** bench:scale's log (the same draws as bench/ingest.ts writeInputs), relative to its first second. */
function scaleData(n: number): Data {
  const rng = createRng(2026);
  const pick = zipfPicker(2000);
  const t = new Float64Array(n);
  const client = new Int32Array(n);
  const input = new Int32Array(n);
  const output = new Int32Array(n);
  let now = 1_730_000_000;
  let origin = NaN;
  for (let i = 0; i < n; i++) {
    now += -Math.log(rng.nextOpen()) * 0.01;
    client[i] = pick(rng.next());
    input[i] = Math.floor(Math.exp(5 + 1.2 * rng.normal()));
    output[i] = Math.floor(-Math.log(rng.nextOpen()) * 200);
    // The CSV's 3 decimals, read back as a double, then less the origin (as the one pass does).
    const ts = Number(now.toFixed(3));
    if (i === 0) origin = Math.floor(ts);
    t[i] = ts - origin;
  }
  return { name: 'scale', rows: { n, t, client, ints: { input_tokens: input, output_tokens: output } }, clients: Array.from({ length: 2000 }, (_, c) => `tenant-${String(c).padStart(4, '0')}`), resolution: 0.001 };
}

/** Bursty clients: per client a stream of bursts and idle spells, merged in time order. */
function burstyData(n: number): Data {
  const rng = createRng(7);
  const C = 300;
  // Each client's next time and burst state; rows are taken from the client due first.
  const next = new Float64Array(C);
  const left = new Int32Array(C);
  // Volumes: Zipf weights (mean 1); bursts of 41 rows on average; idle spells Pareto(1.3) with
  // the scale that spreads the rows over n/58 seconds (a day for 5 M rows).
  const zipf = Float64Array.from({ length: C }, (_, c) => 1 / Math.pow(c + 1, 1.1));
  const mean = zipf.reduce((a, b) => a + b) / C;
  const idle = Float64Array.from(zipf, (z) => ((41 * C) / 58) * (0.3 / 1.3) / (z / mean));
  for (let c = 0; c < C; c++) next[c] = rng.next() * idle[c];
  const t = new Float64Array(n);
  const client = new Int32Array(n);
  const input = new Int32Array(n);
  const output = new Int32Array(n);
  const reasoning = new Int32Array(n);
  // A min-heap of clients by next time.
  const heap = Int32Array.from({ length: C }, (_, c) => c);
  const less = (a: number, b: number) => next[heap[a]] < next[heap[b]] || (next[heap[a]] === next[heap[b]] && heap[a] < heap[b]);
  const swap = (a: number, b: number) => ([heap[a], heap[b]] = [heap[b], heap[a]]);
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < C && less(l, m)) m = l;
      if (r < C && less(r, m)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };
  for (let i = (C >> 1) - 1; i >= 0; i--) down(i);
  for (let i = 0; i < n; i++) {
    const c = heap[0];
    t[i] = Math.round(next[c] * 1e6) / 1e6;
    client[i] = c;
    input[i] = rng.next() < 0.01 ? Math.floor(5000 + rng.next() * 200000) : Math.floor(Math.exp(6 + 1.5 * rng.normal()));
    output[i] = Math.floor(-Math.log(rng.nextOpen()) * 300);
    reasoning[i] = c % 4 === 0 ? Math.floor(rng.next() * output[i]) : -1;
    if (left[c] > 0) {
      left[c]--;
      // In a burst: a few ms (often a handful of µs ticks), sometimes none at all.
      next[c] += rng.next() < 0.05 ? 0 : -Math.log(rng.nextOpen()) * 0.004;
    } else {
      left[c] = Math.floor(-Math.log(rng.nextOpen()) * 40);
      // Idle: heavy-tailed (Pareto), scaled by the client's volume.
      next[c] += Math.pow(rng.nextOpen(), -1 / 1.3) * idle[c];
    }
    next[c] = Math.round(next[c] * 1e6) / 1e6;
    down(0);
  }
  return { name: 'bursty', rows: { n, t, client, ints: { input_tokens: input, output_tokens: output, reasoning_tokens: reasoning } }, clients: Array.from({ length: C }, (_, c) => `c${c}`), resolution: 1e-6 };
}

const CHUNK = 32768;

/** The rows as the worker gets them (32 768-row chunks, fresh arrays each), pushed and closed. */
function chunksOf(d: Data): RowChunk[] {
  const out: RowChunk[] = [];
  const { rows } = d;
  for (let from = 0; from < rows.n; from += CHUNK) {
    const to = Math.min(rows.n, from + CHUNK);
    const ints: RowChunk['ints'] = {};
    for (const [f, col] of Object.entries(rows.ints)) ints[f as keyof RowChunk['ints']] = col!.slice(from, to);
    out.push({ n: to - from, t: rows.t.slice(from, to), client: rows.client.slice(from, to), ints });
  }
  return out;
}

function run(impl: Impl, d: Data, chunks: RowChunk[]): { ms: number; parts: SummaryParts } {
  const t0 = performance.now();
  const b = new impl.build.SummaryBuilder({ arrivalSeconds: 600, lengthSeconds: 21600, resolution: d.resolution, clients: d.clients });
  for (const c of chunks) if (!b.push(c)) throw new Error('out of time order');
  const parts = b.parts();
  return { ms: performance.now() - t0, parts };
}

/** Hashes of the raw parts (every bit of every array) and of the summaries as JSON. */
function digest(impl: Impl, d: Data, parts: SummaryParts): { raw: string; json: string } {
  const h = createHash('sha256');
  h.update(JSON.stringify([parts.rows, parts.spanStart, parts.spanEnd]));
  for (const a of [parts.arrivals, parts.lengths, parts.quant.keys, parts.quant.counts, parts.hist.keys, parts.hist.counts, parts.length.keys, parts.length.counts, parts.ratio.keys, parts.ratio.counts]) {
    h.update(a.constructor.name);
    h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  const s = impl.build.summariesFromParts([parts], { arrivalSeconds: 600, lengthSeconds: 21600, resolution: d.resolution, clients: d.clients, origin: null });
  // Without the 5-minute counts (aggregate_buckets, since the thirty-seventh session), so a build
  // from before them compares equal when it counts the same windows.
  const { aggregate_buckets: _buckets, ...comparable } = impl.serialize.summariesToJson(s) as ReturnType<SerializeModule['summariesToJson']> & { aggregate_buckets?: unknown };
  const json = createHash('sha256').update(JSON.stringify(comparable)).digest('hex');
  return { raw: h.digest('hex').slice(0, 16), json: json.slice(0, 16) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const argv = process.argv.slice(2);
const opt = (name: string, def: string) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : def);
const n = Number(opt('rows', '5000000'));
const repeat = Number(opt('repeat', '7'));
const refDir = argv.includes('--ref') ? opt('ref', '') : undefined;
const impls = [await load('new', argv.includes('--new') ? opt('new', '') : resolve(import.meta.dirname, '..')), ...(refDir ? [await load('ref', refDir)] : [])];
console.log(`# SummaryBuilder: push (${CHUNK}-row chunks) + parts(); median of ${repeat} interleaved runs after a warm-up; node ${process.version}`);
for (const name of opt('data', 'scale,bursty').split(',')) {
  const d = name === 'bursty' ? burstyData(n) : scaleData(n);
  const chunks = chunksOf(d);
  const ms = new Map<string, number[]>(impls.map((i) => [i.name, []]));
  const digests = new Map<string, { raw: string; json: string }>();
  for (const impl of impls) {
    const { parts } = run(impl, d, chunks); // warm-up
    digests.set(impl.name, digest(impl, d, parts));
    if (impl.name === 'new') {
      const AR = 17 + 16;
      const windows = parts.arrivals.length / AR;
      let mem = 0;
      for (let r = 0; r < parts.arrivals.length; r += AR) if (parts.arrivals[r + 17 + 8] > 0) mem++;
      console.log(`${d.name}: ${n} rows, ${d.clients.length} clients, ${windows} arrival windows (${mem} with gap memory), ${parts.lengths.length / 23} length windows; histogram pairs: ${parts.quant.counts.length} tick, ${parts.hist.counts.length} gap, ${parts.length.counts.length} length, ${parts.ratio.counts.length} ratio`);
    }
  }
  for (let r = 0; r < repeat; r++) {
    // ABBA: neither build always runs first (after the other's garbage).
    const order = r % 2 === 0 ? impls : [...impls].reverse();
    for (const impl of order) ms.get(impl.name)!.push(run(impl, d, chunks).ms);
  }
  const row = (impl: Impl) => {
    const m = median(ms.get(impl.name)!);
    const dg = digests.get(impl.name)!;
    return `| ${d.name} | ${impl.name} | ${m.toFixed(0)} ms | ${(n / m / 1e3).toFixed(2)} M | ${((m * 1e6) / n).toFixed(1)} | ${dg.raw} | ${dg.json} | ${ms.get(impl.name)!.map((x) => x.toFixed(0)).join(' ')} |`;
  };
  console.log(`\n| data | build | median | rows/s | ns/row | parts hash | JSON hash | runs (ms) |\n|---|---|---|---|---|---|---|---|`);
  for (const impl of impls) console.log(row(impl));
  if (refDir) {
    const a = ms.get('ref')!;
    const b = ms.get('new')!;
    const paired = median(a.map((x, i) => x / b[i]));
    // The summaries must match to the byte; the raw parts may list the same windows in another order.
    const same = digests.get('ref')!.json === digests.get('new')!.json;
    const raw = digests.get('ref')!.raw === digests.get('new')!.raw ? 'parts identical too' : 'parts in another order';
    console.log(`${d.name}: ref/new = ${(median(a) / median(b)).toFixed(3)} (medians), ${paired.toFixed(3)} (median of paired runs); summaries JSON ${same ? 'IDENTICAL' : 'DIFFERENT'} (${raw})`);
    if (!same) process.exitCode = 1;
  }
}
