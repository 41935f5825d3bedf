/**
 * Generation with gap memory: requests/s of a pool whose every client is given Azure code's
 * fitted gap memory (weight 0.138, φ 0.986), side by side with the same pool drawn with
 * independent gaps, and with every memory quantile computed exactly (no tables), in one
 * process, interleaved; medians of --repeat runs.
 *
 * Usage: npm run bench:gap-memory [-- --pool deepseek-r1 --hours 6 --repeat 3]
 * Pools from ../shared/data/servegen (m-small, deepseek-r1); the fixture mm-image pool otherwise.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importServegenPool } from '../src/profile/upstream.js';
import { planGeneration, type GenerateOptions } from '../src/generate/compose.js';
import type { Profile } from '../src/profile/schema.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const poolName = arg('pool', 'deepseek-r1');
const hours = Number(arg('hours', '6'));
const repeat = Number(arg('repeat', '3'));
const shared = join(here, '..', '..', 'shared', 'data', 'servegen', poolName === 'm-small' ? 'language' : 'reason', poolName);
const dir = existsSync(shared) ? shared : join(here, '..', 'fixtures', 'servegen', 'multimodal', 'mm-image');
const base = importServegenPool(dir, () => 'bench').profile;
const withMemory: Profile = { ...base, clients: base.clients.map((c) => ({ ...c, gap_memory: { weight: 0.138, phi: 0.986 } })) };
const opts: GenerateOptions = { start: 0, duration: hours * 3600, rate: { kind: 'constant', rate: 100 }, seed: 1 };

const cases: [string, Profile, Partial<GenerateOptions>][] = [
  ['independent gaps (reference)', base, {}],
  ['gap memory, quantile tables', withMemory, {}],
  ['gap memory, exact quantiles', withMemory, { quantileTables: false }],
];
const times = cases.map(() => [] as number[]);
const requests = cases.map(() => 0);
for (let r = 0; r < repeat; r++) {
  cases.forEach(([, profile, extra], k) => {
    const t0 = performance.now();
    let n = 0;
    for (const b of planGeneration(profile, { ...opts, ...extra }).batches) n += b.n;
    times[k].push((performance.now() - t0) / 1000);
    requests[k] = n;
  });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`pool ${dir.includes('shared') ? poolName : 'mm-image (fixture)'}: ${base.clients.length} clients, ${hours} h at constant:100, medians of ${repeat} (interleaved)`);
console.log('| case | requests | time | M requests/s | vs reference |');
console.log('|---|---|---|---|---|');
cases.forEach(([label], k) => {
  const m = median(times[k]);
  console.log(`| ${label} | ${requests[k]} | ${m.toFixed(2)} s | ${(requests[k] / m / 1e6).toFixed(2)} | ${(m / median(times[0])).toFixed(2)}× |`);
});

