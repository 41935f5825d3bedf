/**
 * Generation cost against the number of clients (fourteenth session): the same requests from
 * few clients and from many. Two synthetic one-day profiles with the same aggregate rate per
 * window — `few` (50 clients) and `many` (50 000 clients, Zipf(1.1) volumes, a client active
 * only in the windows its rate reaches, as fitted sparse clients are) — generated for --days
 * days at `constant:R` (the profile repeats; the same expected requests from both), in memory,
 * in this process, alternated, medians of --repeat. Prints each one's time and requests/s and
 * `many` as a ratio of `few`: what the clients themselves cost. (A slot used to visit every
 * client: 30 days from a fitted 50 000-client profile took 152–177 s, now 18.5 s;
 * docs/benchmarks.md.)
 * Usage: npm run bench:generate-clients [-- --days 7 --rate 2 --repeat 3 --clients 50000]
 */
import { planGeneration } from '../src/generate/compose.js';
import { PROFILE_FORMAT, PROFILE_VERSION, type ArrivalWindow, type Profile, type ProfileClient } from '../src/profile/schema.js';
import { createRng } from '../src/stats/rng.js';

const argv = process.argv.slice(2);
const opt = (name: string, def: string) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : def);
const days = Number(opt('days', '7'));
const rate = Number(opt('rate', '2'));
const repeat = Number(opt('repeat', '3'));
const manyClients = Number(opt('clients', '50000'));
const W = 600;
const WINDOWS = 144;

/** One day of `n` clients with Zipf(1.1) volumes summing to 20 req/s; a client has a window where it expects ≥ 0.5 requests there over the day's windows (sparse clients: a few). */
function profileOf(n: number): Profile {
  const rng = createRng(n);
  const w = Array.from({ length: n }, (_, i) => 1 / Math.pow(i + 1, 1.1));
  const total = w.reduce((a, b) => a + b, 0);
  const lengths: ProfileClient['lengths'] = [{ start: 0, fields: { input_tokens: { pmf: { values: [100, 200, 400], counts: [5, 3, 2] } }, output_tokens: { pmf: { values: [10, 50], counts: [7, 3] } } } }];
  const clients: ProfileClient[] = w.map((x, i) => {
    const r = (20 * x) / total;
    // Windows: all when the client fills them, else about one per two expected requests.
    const active = Math.max(1, Math.min(WINDOWS, Math.round(r * W * WINDOWS * 0.5)));
    const arrivals: ArrivalWindow[] = [];
    for (let k = 0; k < WINDOWS; k++) if (rng.next() < active / WINDOWS) arrivals.push({ start: k * W, rate: (r * WINDOWS) / active, cv: 1.5, model: { family: 'gamma', shape: 1 / 2.25, scale: (2.25 * active) / (r * WINDOWS) } });
    if (arrivals.length === 0) arrivals.push({ start: 0, rate: r * WINDOWS, cv: 1.5, model: { family: 'gamma', shape: 1 / 2.25, scale: 2.25 / (r * WINDOWS) } });
    return { id: `c${i}`, requests: r * 86400, arrivals, lengths };
  });
  return {
    format: PROFILE_FORMAT,
    version: PROFILE_VERSION,
    provenance: { tool: 'bench', source_sha256: null, created: '2026-01-01T00:00:00Z', options: {} },
    windows: { arrival_seconds: W, length_seconds: 21600 },
    span: { origin: null, start: 0, end: 86400 },
    clients,
  };
}

function run(profile: Profile): { seconds: number; requests: number } {
  const t0 = performance.now();
  let requests = 0;
  for (const b of planGeneration(profile, { start: 0, duration: days * 86400, rate: { kind: 'constant', rate }, seed: 1 }).batches) requests += b.n;
  return { seconds: (performance.now() - t0) / 1000, requests };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const profiles = { few: profileOf(50), many: profileOf(manyClients) };
const windows = (p: Profile) => p.clients.reduce((a, c) => a + c.arrivals.length, 0);
console.log(`# generation against clients — node ${process.version}; ${days} days at constant:${rate} from a repeating one-day profile; in memory; medians of ${repeat}, alternated`);
const runs: Record<'few' | 'many', { seconds: number; requests: number }[]> = { few: [], many: [] };
for (let i = 0; i < repeat; i++) for (const k of ['few', 'many'] as const) runs[k].push(run(profiles[k]));
console.log('| profile | clients | windows | requests | time | rate |');
console.log('|---|---|---|---|---|---|');
for (const k of ['few', 'many'] as const) {
  const s = median(runs[k].map((r) => r.seconds));
  const n = runs[k][0].requests;
  console.log(`| ${k} | ${profiles[k].clients.length} | ${windows(profiles[k])} | ${n} | ${s.toFixed(2)} s | ${(n / s / 1e3).toFixed(0)} k/s |`);
}
console.log(`many / few: ${(median(runs.many.map((r) => r.seconds)) / median(runs.few.map((r) => r.seconds))).toFixed(2)}× the time for the same expected requests`);
