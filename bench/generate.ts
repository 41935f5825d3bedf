/**
 * Generation benchmark (issue 2): for the m-small and deepseek-r1 upstream pools, prints
 * profile load time, generation requests/s in memory and to a jsonl file, and peak memory
 * for 1 h and 24 h spans — side by side with a Python re-implementation of upstream's
 * loader and generator run on the same pools in the same script (bench/upstream_reference.py).
 *
 * Every case runs in its own child process so peak RSS is per case.
 * Usage: npm run bench:generate [-- --pools deepseek-r1,m-small --repeat 3 --rate 100]
 * Needs ../shared/data/servegen (the real pools); exits 0 with a note when absent.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importServegenPool } from '../src/profile/upstream.js';
import { writeProfile } from '../src/profile/write.js';
import { readProfile } from '../src/profile/read.js';
import { planGeneration } from '../src/generate/compose.js';
import { generateToFile } from '../src/generate/write-trace.js';
import { peakRssMb } from './peak-memory.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const SHARED = join(here, '..', '..', 'shared', 'data', 'servegen');
const POOLS: Record<string, { dir: string; start: number }> = {
  'm-small': { dir: join(SHARED, 'language', 'm-small'), start: 0 },
  'deepseek-r1': { dir: join(SHARED, 'reason', 'deepseek-r1'), start: 0 },
};

interface CaseResult {
  loadSeconds: number;
  requests: number;
  seconds: number;
  peakRssMb: number;
  bytes?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Child mode: one case, prints one JSON line. */
async function runCase(profilePath: string, mode: 'memory' | 'jsonl', start: number, duration: number, rate: number): Promise<void> {
  const t0 = performance.now();
  const { profile, sha256 } = readProfile(profilePath);
  const loadSeconds = (performance.now() - t0) / 1000;
  const opts = { start, duration, rate: { kind: 'constant' as const, rate }, seed: 1 };
  let requests = 0;
  let seconds: number;
  let bytes: number | undefined;
  if (mode === 'memory') {
    const t1 = performance.now();
    for (const b of planGeneration(profile, opts).batches) requests += b.n;
    seconds = (performance.now() - t1) / 1000;
  } else {
    const dir = join(tmpdir(), `servegen-bench-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const out = join(dir, 'out.jsonl');
    const s = await generateToFile(profile, sha256, opts, { path: out, format: 'jsonl' });
    requests = s.requests;
    seconds = s.seconds;
    bytes = statSync(out).size;
    rmSync(dir, { recursive: true, force: true });
  }
  const peakRssMbValue = peakRssMb();
  const result: CaseResult = { loadSeconds, requests, seconds, peakRssMb: peakRssMbValue, bytes };
  process.stdout.write(JSON.stringify(result) + '\n');
}

function child(args: string[]): CaseResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--case', ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`case ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as CaseResult;
}

function python(dir: string, start: number, duration: number, rate: number, repeat: number): Record<string, number> | undefined {
  try {
    const out = execFileSync('python3', [join(here, 'upstream_reference.py'), dir, '--start', String(start), '--duration', String(duration), '--rate', String(rate), '--repeat', String(repeat)], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    return JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>;
  } catch (err) {
    process.stderr.write(`python reference failed: ${(err as Error).message.split('\n')[0]}\n`);
    return undefined;
  }
}

async function mainBench(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--case') {
    const [, profilePath, mode, start, duration, rate] = argv;
    await runCase(profilePath, mode as 'memory' | 'jsonl', Number(start), Number(duration), Number(rate));
    return;
  }
  const opt = (name: string, def: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : def;
  };
  const pools = opt('pools', 'm-small,deepseek-r1').split(',');
  const repeat = Number(opt('repeat', '3'));
  const rate = Number(opt('rate', '100'));
  if (!existsSync(SHARED)) {
    console.log(`bench:generate needs the real pools in ${SHARED}; not found, nothing measured.`);
    return;
  }
  const work = join(tmpdir(), 'servegen-bench-profiles');
  mkdirSync(work, { recursive: true });
  console.log(`# generate benchmark — node ${process.version}, rate constant:${rate}, ${repeat} repeats (medians)`);
  for (const name of pools) {
    const pool = POOLS[name];
    const profilePath = join(work, `${name}.json`);
    const ti = performance.now();
    writeProfile(profilePath, importServegenPool(pool.dir).profile);
    const importSeconds = (performance.now() - ti) / 1000;
    const rows: string[][] = [];
    const hourCases: Record<string, CaseResult[]> = {};
    for (const [label, duration] of [['1 h', 3600], ['24 h', 86400]] as const) {
      for (const mode of ['memory', 'jsonl'] as const) {
        const runs: CaseResult[] = [];
        for (let i = 0; i < repeat; i++) runs.push(child([profilePath, mode, String(pool.start), String(duration), String(rate)]));
        hourCases[`${label} ${mode}`] = runs;
        const req = runs[0].requests;
        const rps = median(runs.map((r) => r.requests / r.seconds));
        rows.push([
          `${label} ${mode}`,
          String(req),
          `${median(runs.map((r) => r.seconds)).toFixed(2)} s`,
          `${(rps / 1e6).toFixed(2)} M/s`,
          `${median(runs.map((r) => r.peakRssMb)).toFixed(0)} MB`,
          runs[0].bytes ? `${(runs[0].bytes / 1e6).toFixed(0)} MB` : '',
        ]);
      }
    }
    const load = median(Object.values(hourCases).flat().map((r) => r.loadSeconds));
    const py = python(pool.dir, pool.start, 3600, rate, repeat);
    console.log(`\n## ${name}  (import-servegen: ${importSeconds.toFixed(2)} s; profile load median ${load.toFixed(3)} s)`);
    console.log('| case | requests | time | rate | peak RSS | file |');
    console.log('|---|---|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
    const mem1 = median(hourCases['1 h memory'].map((r) => r.peakRssMb));
    const mem24 = median(hourCases['24 h memory'].map((r) => r.peakRssMb));
    const file1 = median(hourCases['1 h jsonl'].map((r) => r.peakRssMb));
    const file24 = median(hourCases['24 h jsonl'].map((r) => r.peakRssMb));
    const jsonlRate = median(hourCases['24 h jsonl'].map((r) => r.requests / r.seconds));
    const memRate = median(hourCases['1 h memory'].map((r) => r.requests / r.seconds));
    console.log(`peak memory 24 h / 1 h: in memory ${(mem24 / mem1).toFixed(2)}×, to jsonl ${(file24 / file1).toFixed(2)}× (target ≤ 1.5×)`);
    console.log(`jsonl throughput (24 h): ${(jsonlRate / 1e6).toFixed(2)} M requests/s (target ≥ 1 M/s)`);
    if (py) {
      console.log(
        `python reference (upstream algorithm, same machine, same pool, 1 h): load ${Number(py.load_seconds).toFixed(2)} s, generate ${Math.round(Number(py.requests_per_second))} req/s, peak ${Number(py.peak_rss_mb).toFixed(0)} MB`,
      );
      console.log(
        `ratios vs python reference: load ${(Number(py.load_seconds) / load).toFixed(1)}× faster, generation in memory ${(memRate / Number(py.requests_per_second)).toFixed(1)}× faster (1 h)`,
      );
    }
    const mem24Rate = median(hourCases['24 h memory'].map((r) => r.requests / r.seconds));
    console.log(
      `ratios vs upstream as quoted (64 000 req/s; 20 s to load m-large): generation ${(memRate / 64000).toFixed(0)}× (1 h) / ${(mem24Rate / 64000).toFixed(0)}× (24 h) faster (target ≥ 20×); load ${(20 / load).toFixed(0)}× faster than 20 s (target ≥ 20×; m-large itself is not in ../shared)`,
    );
  }
  console.log('\nUpstream figures quoted by the issue for m-large on this kind of machine: ~20 s load, ~64 000 requests/s.');
}

await mainBench();
