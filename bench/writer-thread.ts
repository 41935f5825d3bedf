/**
 * Writer-thread benchmark: `generate` of a large run with the output formatted and encoded on
 * a writer thread (the default above 200 000 expected requests on ≥ 2 threads) against the same
 * run written on the generating thread (`--threads 1`), alternating in this process, for jsonl
 * and Parquet. Prints median seconds and the ratio, and checks the two files are identical.
 * The profile: an upstream pool (../shared/data/servegen; --pool m-small, deepseek-r1 or
 * mm-image); the run is --duration seconds at --rate req/s in all.
 * Usage: npm run bench:writer-thread [-- --pool m-small --repeat 3 --duration 21600 --rate 200 --formats jsonl,parquet]
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TraceFormat } from '../src/io/trace-writer.js';

// The build (npm run build first), as the CLI runs it: from the sources the writer thread would
// load them through tsx, ~0.5 s of start-up a run that the CLI does not pay.
const dist = <T>(path: string) => import(new URL(`../dist/${path}`, import.meta.url).href) as Promise<T>;
const { importServegenPool } = await dist<typeof import('../src/profile/upstream.js')>('profile/upstream.js');
const { generateToFile } = await dist<typeof import('../src/generate/write-trace.js')>('generate/write-trace.js');

const here = fileURLToPath(new URL('.', import.meta.url));
const POOLS: Record<string, string[]> = { 'm-small': ['language', 'm-small'], 'deepseek-r1': ['reason', 'deepseek-r1'], 'mm-image': ['multimodal', 'mm-image'] };
const opt = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const repeat = Number(opt('repeat', '3'));
const duration = Number(opt('duration', '21600'));
const rate = Number(opt('rate', '200'));
const formats = opt('formats', 'jsonl,parquet').split(',') as TraceFormat[];
const poolName = opt('pool', 'm-small');
if (!POOLS[poolName]) throw new Error(`--pool: one of ${Object.keys(POOLS).join(', ')}`);
const POOL = join(here, '..', '..', 'shared', 'data', 'servegen', ...POOLS[poolName]);

if (!existsSync(POOL)) {
  console.log(`note: ${POOL} not found (the real pools are in ../shared); nothing measured`);
  process.exit(0);
}
const { profile } = importServegenPool(POOL);
const dir = join(tmpdir(), `servegen-bench-writer-${process.pid}`);
mkdirSync(dir, { recursive: true });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`# writer thread — ${poolName} pool, ${duration} s at constant:${rate} (${((duration * rate) / 1e6).toFixed(1)} M requests expected); node ${process.version}; medians of ${repeat}, alternating`);
console.log('| format | requests | writer thread (s) | one thread (s) | one thread / writer thread | same bytes |');
console.log('|---|---|---|---|---|---|');
try {
  for (const format of formats) {
    const times = { on: [] as number[], off: [] as number[] };
    let requests = 0;
    let same = true;
    for (let r = 0; r < repeat; r++) {
      for (const mode of (r % 2 === 0 ? ['on', 'off'] : ['off', 'on']) as ('on' | 'off')[]) {
        const t0 = performance.now();
        const s = await generateToFile(profile, 'bench', { start: 0, duration, rate: { kind: 'constant', rate }, seed: 1 }, { path: join(dir, `${mode}.${format}`), format }, undefined, false, undefined, mode === 'on');
        times[mode].push((performance.now() - t0) / 1000);
        requests = s.requests;
      }
      same &&= readFileSync(join(dir, `on.${format}`)).equals(readFileSync(join(dir, `off.${format}`)));
    }
    const on = median(times.on);
    const off = median(times.off);
    console.log(`| ${format} | ${(requests / 1e6).toFixed(2)} M | ${on.toFixed(2)} | ${off.toFixed(2)} | ${(off / on).toFixed(2)}× | ${same ? 'yes' : 'NO'} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
