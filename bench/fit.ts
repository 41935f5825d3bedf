/**
 * Fitting benchmark (issue 4).
 *
 * 1. Per-window fitting speed against scipy on the same windows. Seeded windows of
 *    inter-arrival gaps (Gamma shapes 0.3/1/3, Weibull shapes 0.5/1.2; 200, 1 000 and 5 000
 *    gaps; mean gap 1 s) go to a temp JSON file. A child process times our path per window —
 *    a one-client trace from the cumulative sums of the gaps (timestamps rounded to 1 µs),
 *    buildSummaries, fitArrivalWindow — and bench/scipy_fit.py times, on the same gaps,
 *    gamma/weibull_min/expon `.fit(x, floc=0)` plus the three `kstest` calls (what an
 *    equivalent per-window family selection costs in scipy). Fitted shapes are compared as a
 *    sanity check (ours fits binned summaries, scipy the raw gaps, so they agree closely but
 *    not exactly).
 * 2. Whole-trace fit: a Zipf(1.1) 2 000-client CSV request log (bursty per client), ingested
 *    and fitted (600 s arrival windows, 6 h length windows) in a child process: ingest,
 *    fitTrace, peak memory (VmHWM), then — after the peak is read — a breakdown: a separate
 *    buildSummaries, the per-window arrival fits alone, and the aggregate rate fit.
 *
 * Usage: node --import tsx bench/fit.ts [--windows 300] [--rows 5000000] [--repeat 3]
 *        [--trace-repeat 1] [--only windows|trace]
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng, type Rng } from '../src/stats/rng.js';
import { gamma } from '../src/stats/gamma.js';
import { weibull, weibullScaleForMean } from '../src/stats/weibull.js';
import type { Trace } from '../src/ingest/trace.js';
import { ingestFiles } from '../src/ingest/ingest.js';
import { parseMapping } from '../src/ingest/mapping.js';
import { buildSummaries } from '../src/summary/build.js';
import type { ArrivalSummary } from '../src/summary/types.js';
import { fitArrivalWindow } from '../src/fit/arrival-fit.js';
import { fitTrace, type FitOptions } from '../src/fit/fit-trace.js';
import { fitAggregateRate } from '../src/fit/rates.js';
import { peakRssMb } from './peak-memory.js';

const self = fileURLToPath(import.meta.url);
const here = dirname(self);
const RES = 1e-6;
const WINDOW_SUMMARY = { arrivalSeconds: 1e9, lengthSeconds: 1e9, resolution: RES };
const MAPPING = { columns: { timestamp: 'ts', client_id: 'tenant', model: 'model', input_tokens: 'prompt_tokens', output_tokens: 'completion_tokens' }, timestamp: { unit: 's' } };
const FIT_OPTIONS: FitOptions = { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: 'x' };

const median = (xs: number[]) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (s: number) => (s >= 0.1 ? `${(s * 1e3).toFixed(0)} ms` : s >= 0.001 ? `${(s * 1e3).toFixed(2)} ms` : `${(s * 1e6).toFixed(0)} µs`);
const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

// ---------------------------------------------------------------------------------------
// Part 1: per-window fits against scipy.

type Family = 'gamma' | 'weibull';
interface WindowSpec {
  family: Family;
  shape: number;
  size: number;
  gaps: number[];
}

const SHAPES: { family: Family; shape: number }[] = [
  { family: 'gamma', shape: 0.3 },
  { family: 'gamma', shape: 1 },
  { family: 'gamma', shape: 3 },
  { family: 'weibull', shape: 0.5 },
  { family: 'weibull', shape: 1.2 },
];
const SIZES = [200, 1000, 5000];

function makeWindows(count: number): WindowSpec[] {
  const rng = createRng(2026);
  const combos = SHAPES.flatMap((s) => SIZES.map((size) => ({ ...s, size })));
  const out: WindowSpec[] = [];
  for (let i = 0; i < count; i++) {
    const { family, shape, size } = combos[i % combos.length];
    // Mean gap 1 s for every window.
    const dist = family === 'gamma' ? gamma.create({ shape, scale: 1 / shape }) : weibull.create({ shape, scale: weibullScaleForMean(shape, 1) });
    out.push({ family, shape, size, gaps: Array.from(dist.sampleN(rng, size)) });
  }
  return out;
}

/** One-client trace: arrival 0 at t = 0, then the cumulative sums of the gaps, rounded to 1 µs. */
function traceOfGaps(gaps: number[]): Trace {
  const n = gaps.length + 1;
  const timestamp = new Float64Array(n);
  let t = 0;
  for (let i = 0; i < gaps.length; i++) {
    t += gaps[i];
    timestamp[i + 1] = Math.round(t / RES) * RES;
  }
  return { n, timestamp, client: new Int32Array(n), clientIds: ['c0'], ints: {}, texts: {}, origin: null };
}

/**
 * Whether fitArrivalWindow takes its interval-censored (Nelder–Mead) path for this window:
 * mirrors its rule (share of gaps of 0 or 1 tick above 0.2 %, the default censorShare), for
 * reporting only.
 */
function censoredPath(s: ArrivalSummary, res: number): boolean {
  let q = 0;
  for (const [k, c] of s.quant) if (k <= 1) q += c;
  return res > 0 && q / s.gaps > 0.002;
}

interface OursWindows {
  fitSeconds: number[];
  sumFitSeconds: number[];
  gammaShape: number[];
  weibullShape: number[];
  best: string[];
  censored: boolean[];
}

function runWindowsCase(file: string, repeat: number): OursWindows {
  const specs = (JSON.parse(readFileSync(file, 'utf8')) as { windows: WindowSpec[] }).windows;
  const traces = specs.map((w) => traceOfGaps(w.gaps));
  const out: OursWindows = { fitSeconds: [], sumFitSeconds: [], gammaShape: [], weibullShape: [], best: [], censored: [] };
  // Warm-up pass (JIT), untimed; also records the fitted shapes.
  for (const tr of traces) {
    const s = buildSummaries(tr, WINDOW_SUMMARY).arrivals[0];
    const fits = fitArrivalWindow(s, RES);
    const shapeOf = (f: Family) => {
      const m = fits.find((x) => x.model.family === f)!.model;
      return m.family === 'exponential' ? 1 : m.shape;
    };
    out.gammaShape.push(shapeOf('gamma'));
    out.weibullShape.push(shapeOf('weibull'));
    out.best.push(fits[0].model.family);
    out.censored.push(censoredPath(s, RES));
  }
  const fitT = traces.map(() => [] as number[]);
  const sumT = traces.map(() => [] as number[]);
  for (let r = 0; r < repeat; r++) {
    for (let i = 0; i < traces.length; i++) {
      const t0 = performance.now();
      const s = buildSummaries(traces[i], WINDOW_SUMMARY).arrivals[0];
      const t1 = performance.now();
      fitArrivalWindow(s, RES);
      const t2 = performance.now();
      fitT[i].push((t2 - t1) / 1e3);
      sumT[i].push((t2 - t0) / 1e3);
    }
  }
  out.fitSeconds = fitT.map(median);
  out.sumFitSeconds = sumT.map(median);
  return out;
}

interface ScipyWindows {
  engine: string;
  total_seconds: number;
  median_seconds: number;
  seconds: number[];
  gamma_shape: number[];
  weibull_shape: number[];
  best: string[];
}

function benchWindows(count: number, repeat: number): void {
  const specs = makeWindows(count);
  const file = join(tmpdir(), `servegen-bench-fit-windows-${count}.json`);
  writeFileSync(file, JSON.stringify({ windows: specs }));
  const oursRun = spawnSync(process.execPath, ['--import', 'tsx', self, '--case', 'windows', file, String(repeat)], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (oursRun.status !== 0) throw new Error(`ours (windows): ${oursRun.stderr}`);
  const ours = JSON.parse(oursRun.stdout.trim().split('\n').pop()!) as OursWindows;
  const py = spawnSync('python3', [join(here, 'scipy_fit.py'), file, '--repeat', String(repeat)], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (py.status !== 0) throw new Error(`scipy: ${py.stderr}`);
  const sp = JSON.parse(py.stdout.trim().split('\n').pop()!) as ScipyWindows;
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

  console.log(`## 1. Per-window fit vs scipy — ${count} windows (mean gap 1 s, timestamps rounded to 1 µs), per-window time = median of ${repeat} runs`);
  console.log(`scipy side: gamma.fit + weibull_min.fit + expon.fit (floc=0) + 3 × kstest on the raw gaps (${sp.engine}).`);
  console.log(`Ours: fitArrivalWindow on the window's summary ("fit"), and buildSummaries + fitArrivalWindow from a prebuilt one-client trace ("summary+fit").\n`);
  console.log('| windows | n | censored path | ours fit (median) | ours summary+fit (median) | scipy (median) | scipy / ours fit | scipy / ours summary+fit | Gamma shape rel. diff (median) | Weibull shape rel. diff (median) | same best family |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  const row = (label: string, idx: number[]) => {
    const f = median(idx.map((i) => ours.fitSeconds[i]));
    const sf = median(idx.map((i) => ours.sumFitSeconds[i]));
    const s = median(idx.map((i) => sp.seconds[i]));
    const dg = median(idx.map((i) => rel(ours.gammaShape[i], sp.gamma_shape[i])));
    const dw = median(idx.map((i) => rel(ours.weibullShape[i], sp.weibull_shape[i])));
    const cens = idx.filter((i) => ours.censored[i]).length;
    const same = idx.filter((i) => ours.best[i] === sp.best[i]).length;
    console.log(
      `| ${label} | ${idx.length} | ${cens} | ${ms(f)} | ${ms(sf)} | ${ms(s)} | ${(s / f).toFixed(1)}× | ${(s / sf).toFixed(1)}× | ${pct(dg)} | ${pct(dw)} | ${same}/${idx.length} |`,
    );
  };
  for (const { family, shape } of SHAPES) {
    for (const size of SIZES) {
      const idx = specs.map((w, i) => (w.family === family && w.shape === shape && w.size === size ? i : -1)).filter((i) => i >= 0);
      if (idx.length) row(`${family} ${shape}, ${size} gaps`, idx);
    }
  }
  const all = specs.map((_, i) => i);
  row('**all**', all);
  const sumOurs = ours.sumFitSeconds.reduce((a, b) => a + b, 0);
  const fitOurs = ours.fitSeconds.reduce((a, b) => a + b, 0);
  const perWindow = all.map((i) => sp.seconds[i] / ours.sumFitSeconds[i]);
  const ten = perWindow.filter((r) => r >= 10).length;
  console.log(
    `\nTotals over ${count} windows: ours fit ${ms(fitOurs)}, ours summary+fit ${ms(sumOurs)}, scipy ${ms(sp.total_seconds)} (${(sp.total_seconds / sumOurs).toFixed(1)}× summary+fit). ` +
      `Windows where summary+fit is ≥ 10× faster than scipy: ${ten}/${count} (per-window ratio min ${Math.min(...perWindow).toFixed(1)}×, median ${median(perWindow).toFixed(1)}×).`,
  );
  console.log('Target: ours ≥ 10× faster per window (median).');
}

// ---------------------------------------------------------------------------------------
// Part 2: whole-trace fit.

async function writeLog(file: string, rows: number): Promise<void> {
  const rng: Rng = createRng(2027);
  const clients = 2000;
  // Zipf(1.1) client volumes via inverse CDF over cumulative weights.
  const cum = new Float64Array(clients);
  let acc = 0;
  for (let i = 0; i < clients; i++) cum[i] = acc += 1 / Math.pow(i + 1, 1.1);
  const tmp = `${file}.partial`;
  const csv = createWriteStream(tmp);
  csv.write('ts,tenant,model,prompt_tokens,completion_tokens\n');
  let t = 1_730_000_000;
  let buf = '';
  let prev = 0;
  for (let i = 0; i < rows; i++) {
    t += -Math.log(rng.nextOpen()) * 0.01;
    let client: number;
    if (i > 0 && rng.next() < 0.3) {
      // Bursts: 30 % of requests repeat the previous request's client (same Zipf marginal,
      // but each client's own gaps mix 10 ms bursts with long pauses: CV > 1).
      client = prev;
    } else {
      const u = rng.next() * acc;
      let lo = 0;
      let hi = clients - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid] < u) lo = mid + 1;
        else hi = mid;
      }
      client = lo;
    }
    prev = client;
    const tenant = `tenant-${String(client).padStart(4, '0')}`;
    const model = client % 3 === 0 ? 'm-large' : 'm-small';
    const pin = Math.floor(Math.exp(5 + 1.2 * rng.normal()));
    const pout = Math.floor(-Math.log(rng.nextOpen()) * 200);
    buf += `${t.toFixed(3)},${tenant},${model},${pin},${pout}\n`;
    if (buf.length > 1 << 20) {
      if (!csv.write(buf)) await new Promise<void>((r) => csv.once('drain', () => r()));
      buf = '';
    }
  }
  csv.write(buf);
  await new Promise((r) => csv.end(r));
  renameSync(tmp, file);
}

interface TraceResult {
  rows: number;
  clients: number;
  resolution: number;
  arrivalWindows: number;
  fittedWindows: number;
  censoredWindows: number;
  ingestSeconds: number;
  fitTraceSeconds: number;
  peakAfterIngestMb: number;
  peakMb: number;
  summariesSeconds: number;
  windowFitsSeconds: number;
  censoredFitsSeconds: number;
  aggregateSeconds: number;
}

async function runTraceCase(file: string): Promise<TraceResult> {
  const t0 = performance.now();
  const r = await ingestFiles({ inputs: [file], mapping: parseMapping(MAPPING, 'bench') });
  const t1 = performance.now();
  const peakAfterIngestMb = peakRssMb();
  const { profile, summaries } = fitTrace(r.trace, FIT_OPTIONS);
  const t2 = performance.now();
  const peakMb = peakRssMb();
  // Breakdown, after the peak was read (warm JIT, so slightly flattering to the parts).
  const t3 = performance.now();
  buildSummaries(r.trace, { arrivalSeconds: FIT_OPTIONS.arrivalSeconds, lengthSeconds: FIT_OPTIONS.lengthSeconds });
  const t4 = performance.now();
  const res = summaries.resolution;
  let windowFits = 0;
  let censoredFits = 0;
  let fitted = 0;
  let censored = 0;
  for (const s of summaries.arrivals) {
    if (s.gaps < FIT_OPTIONS.minArrivals) continue;
    fitted++;
    const cens = censoredPath(s, res);
    const a = performance.now();
    fitArrivalWindow(s, res);
    const b = performance.now() - a;
    windowFits += b;
    if (cens) {
      censored++;
      censoredFits += b;
    }
  }
  const t5 = performance.now();
  fitAggregateRate(r.trace.timestamp);
  const t6 = performance.now();
  return {
    rows: r.summary.rows_accepted,
    clients: profile.clients.length,
    resolution: res,
    arrivalWindows: summaries.arrivals.length,
    fittedWindows: fitted,
    censoredWindows: censored,
    ingestSeconds: (t1 - t0) / 1e3,
    fitTraceSeconds: (t2 - t1) / 1e3,
    peakAfterIngestMb,
    peakMb,
    summariesSeconds: (t4 - t3) / 1e3,
    windowFitsSeconds: windowFits / 1e3,
    censoredFitsSeconds: censoredFits / 1e3,
    aggregateSeconds: (t6 - t5) / 1e3,
  };
}

async function benchTrace(rows: number, repeat: number): Promise<void> {
  const dir = join(tmpdir(), `servegen-bench-fit-${rows}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'log.csv');
  if (!existsSync(file)) {
    console.error(`writing ${rows} rows of test input to ${file} …`);
    await writeLog(file, rows);
  }
  const runs: TraceResult[] = [];
  for (let i = 0; i < repeat; i++) {
    const c = spawnSync(process.execPath, ['--import', 'tsx', self, '--case', 'trace', file], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (c.status !== 0) throw new Error(`trace fit: ${c.stderr}`);
    runs.push(JSON.parse(c.stdout.trim().split('\n').pop()!) as TraceResult);
  }
  const m = (k: keyof TraceResult) => median(runs.map((r) => r[k]));
  const r0 = runs[0];
  const s = (x: number) => `${x.toFixed(2)} s`;
  console.log(
    `\n## 2. Whole-trace fit — ${r0.rows} rows, ${r0.clients} clients (Zipf 1.1, bursty), CSV, clock resolution ${r0.resolution} s; ${repeat} run(s)${repeat > 1 ? ', medians' : ''}`,
  );
  console.log(`fitTrace options: 600 s arrival windows, 6 h length windows, minArrivals 10, no pooling. ${r0.arrivalWindows} (client, window) arrival summaries, ${r0.fittedWindows} fitted on their own (${r0.censoredWindows} on the interval-censored Nelder–Mead path).\n`);
  console.log('| ingest | fitTrace | ingest + fit | rows/s (ingest + fit) | peak RSS after ingest | peak RSS (VmHWM) |');
  console.log('|---|---|---|---|---|---|');
  const total = m('ingestSeconds') + m('fitTraceSeconds');
  console.log(`| ${s(m('ingestSeconds'))} | ${s(m('fitTraceSeconds'))} | ${s(total)} | ${(r0.rows / total / 1e6).toFixed(2)} M | ${m('peakAfterIngestMb').toFixed(0)} MB | ${m('peakMb').toFixed(0)} MB |`);
  const other = m('fitTraceSeconds') - m('summariesSeconds') - m('windowFitsSeconds') - m('aggregateSeconds');
  console.log('\nBreakdown of fitTrace (parts timed separately, after the run above):\n');
  console.log('| buildSummaries | per-window arrival fits (of which censored path) | aggregate rate fit | rest (pooled fits, lengths, sessions, change points) |');
  console.log('|---|---|---|---|');
  console.log(`| ${s(m('summariesSeconds'))} | ${s(m('windowFitsSeconds'))} (${s(m('censoredFitsSeconds'))}) | ${s(m('aggregateSeconds'))} | ${s(Math.max(0, other))} |`);
  console.log(`\nTarget: whole ${(r0.rows / 1e6).toFixed(1)} M-row trace (ingest + fit) under 30 s${r0.rows === 5_000_000 ? '' : ' (at 5 M rows)'}.`);
}

// ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--case') {
    const result = argv[1] === 'windows' ? runWindowsCase(argv[2], Number(argv[3])) : await runTraceCase(argv[2]);
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const opt = (name: string, def: string) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : def);
  const windows = Number(opt('windows', '300'));
  const rows = Number(opt('rows', '5000000'));
  const repeat = Number(opt('repeat', '3'));
  const traceRepeat = Number(opt('trace-repeat', '1'));
  const only = opt('only', '');
  const la = () => loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`# fit benchmark — node ${process.version}, ${cpus().length} CPUs, load average at start ${la()}\n`);
  if (only !== 'trace') benchWindows(windows, repeat);
  if (only !== 'windows') await benchTrace(rows, traceRepeat);
  console.log(`\nLoad average at end: ${la()} (other processes on the machine add noise).`);
}

await main();
