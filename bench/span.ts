/**
 * Long-span benchmark (issue 7): `fit --engine duckdb` of the same client population over more
 * and more days. A fit's memory grows with clients × windows, not rows: this prints, per span,
 * the wall time, peak RSS (by /usr/bin/time: on Linux a waited-for process's max RSS takes in
 * its reaped children's, so the launcher's relaunched child is counted), the profile's size, and
 * time and peak as ratios of the shortest span. A build that fails (a heap too small) is
 * reported with its exit code and the last line of its stderr.
 * The log: 2 000 clients with Zipf(1.1) rates summing to 4 req/s, each a renewal process with
 * bursty gaps (90 % at 0.2× the mean, 10 % at 8.2×), epoch-second timestamps, as CSV; generated
 * here once per span (seeded).
 * Usage: npm run bench:span [-- --days 15,30,60 --ref DIR]   (--ref: another build's checkout, run interleaved)
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRng } from '../src/stats/rng.js';

const CLIENTS = 2000;
const RATE = 4;

async function writeLog(file: string, days: number): Promise<number> {
  const rng = createRng(7);
  const span = days * 86400;
  const t0 = 1_730_000_000;
  const w = Array.from({ length: CLIENTS }, (_, i) => 1 / Math.pow(i + 1, 1.1));
  const total = w.reduce((a, b) => a + b, 0);
  // Per hour: times and client ids, sorted within the hour (all rows never in memory at once
  // beyond one hour's). Each client's stream is drawn hour bucket by hour bucket in order.
  const hours = Math.ceil(span / 3600);
  const next = new Float64Array(CLIENTS);
  const rate = w.map((x) => (RATE * x) / total);
  for (let c = 0; c < CLIENTS; c++) next[c] = rng.next() / rate[c];
  const out = createWriteStream(file);
  out.write('ts,tenant,prompt_tokens,completion_tokens\n');
  let rows = 0;
  for (let h = 0; h < hours; h++) {
    const end = Math.min(span, (h + 1) * 3600);
    const ts: number[] = [];
    const cs: number[] = [];
    for (let c = 0; c < CLIENTS; c++) {
      while (next[c] < end) {
        ts.push(next[c]);
        cs.push(c);
        next[c] += (-Math.log(rng.nextOpen()) / rate[c]) * (rng.next() < 0.9 ? 0.2 : 8.2);
      }
    }
    const order = ts.map((_, i) => i).sort((a, b) => ts[a] - ts[b] || cs[a] - cs[b]);
    let buf = '';
    for (const i of order) buf += `${(t0 + ts[i]).toFixed(3)},tenant-${cs[i]},${Math.floor(Math.exp(5 + rng.next()))},${Math.floor(rng.next() * 400)}\n`;
    rows += order.length;
    if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise((r) => out.end(r));
  return rows;
}

interface Run {
  seconds: number;
  peakMb: number;
  profileMb: number;
  failed?: string;
}

/** One fit in a child: its wall time and the peak RSS of the process doing the work (VmHWM of the launcher's child when it relaunches). */
function fit(root: string, log: string, map: string, out: string): Run {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, join(root, 'bin', 'servegen.js'), 'fit', log, '--map', map, '--engine', 'duckdb', '--out', out, '--quiet'], { encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  const lines = r.stderr.trim().split('\n');
  const peakKb = Number(lines.pop());
  if (r.status !== 0) {
    const why = lines.filter((l) => /error|memory|servegen:/i.test(l)).pop() ?? lines.pop() ?? '';
    return { seconds, peakMb: peakKb / 1024, profileMb: NaN, failed: `exit ${r.status}: ${why.trim().slice(0, 120)}` };
  }
  return { seconds, peakMb: peakKb / 1024, profileMb: statSync(out).size / 2 ** 20 };
}

const argv = process.argv.slice(2);
const opt = (name: string, def: string | undefined) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : def);
const days = opt('days', '15,30,60')!.split(',').map(Number);
const ref = opt('ref', undefined);
const here = resolve(import.meta.dirname, '..');
const dir = join(tmpdir(), 'servegen-bench-span');
mkdirSync(dir, { recursive: true });
const map = join(dir, 'map.json');
writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'prompt_tokens', output_tokens: 'completion_tokens' }, timestamp: { unit: 's' } }));
console.log(`# long-span benchmark — fit --engine duckdb, ${CLIENTS} clients at ${RATE} req/s in all; node ${process.version}; one run per cell${ref ? `, this build and ${ref} interleaved` : ''}`);
console.log(`| days | rows | build | seconds | peak RSS | profile | × ${days[0]} days (time / peak) |`);
console.log('|---|---|---|---|---|---|---|');
const base = new Map<string, Run>();
for (const d of days) {
  const log = join(dir, `log-${d}d.csv`);
  const rowsFile = `${log}.rows`;
  if (!existsSync(rowsFile)) {
    console.error(`writing ${d} days of log to ${log} …`);
    writeFileSync(rowsFile, String(await writeLog(log, d)));
  }
  const rows = Number(readFileSync(rowsFile, 'utf8'));
  for (const [name, root] of [['this', here], ...(ref ? [['ref', resolve(ref)]] : [])] as [string, string][]) {
    const r = fit(root, log, map, join(dir, `profile-${name}-${d}d.json`));
    if (r.failed) {
      console.log(`| ${d} | ${(rows / 1e6).toFixed(1)} M | ${name} | ${r.seconds.toFixed(1)} | ${(r.peakMb / 1024).toFixed(2)} GB | failed (${r.failed}) | |`);
      continue;
    }
    const b = base.get(name) ?? r;
    if (!base.has(name)) base.set(name, r);
    console.log(`| ${d} | ${(rows / 1e6).toFixed(1)} M | ${name} | ${r.seconds.toFixed(1)} | ${(r.peakMb / 1024).toFixed(2)} GB | ${r.profileMb.toFixed(0)} MB | ${(r.seconds / b.seconds).toFixed(2)} / ${(r.peakMb / b.peakMb).toFixed(2)} |`);
  }
}
