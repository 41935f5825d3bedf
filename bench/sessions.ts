/**
 * Session generation benchmark: what labelling sessions and drawing inputs by turn rank cost.
 * Fits the bundled BurstGPT slice (two chat clients with sessions), then generates its span at
 * `--rate scale:K` to jsonl three ways, each in its own child process: `no sessions`
 * (--no-sessions, the reference), `sessions, no ranks` (the profile without
 * input_rank_by_turn: labels only) and `sessions + ranks` (the default). Prints medians of
 * --repeat runs of time and peak memory, their ratios to `no sessions`, and for the chat
 * client the median input growth between consecutive turns and the input median (the rank
 * model's point: growth as in the log, the input distribution as without sessions).
 * Usage: npm run bench:sessions [-- --scale 1000 --repeat 3]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ingestFiles } from '../src/ingest/ingest.js';
import { loadPreset } from '../src/ingest/presets.js';
import { fitTrace } from '../src/fit/fit-trace.js';
import { writeProfile } from '../src/profile/write.js';
import { readProfile } from '../src/profile/read.js';
import { generateToFile } from '../src/generate/write-trace.js';
import { planGeneration, type GenerateOptions } from '../src/generate/compose.js';
import { peakRssMb } from './peak-memory.js';

const self = fileURLToPath(import.meta.url);
const CHAT = 'ChatGPT/Conversation log';
const CASES = ['no sessions', 'sessions, no ranks', 'sessions + ranks'] as const;
type Case = (typeof CASES)[number];

interface Result {
  requests: number;
  seconds: number;
  peakMb: number;
  growth: number;
  inputP50: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function runCase(kind: Case, dir: string, scale: number): Promise<void> {
  const { profile, sha256 } = readProfile(join(dir, kind === 'sessions, no ranks' ? 'flat.json' : 'p.json'));
  const opts: GenerateOptions = { start: profile.span.start, duration: profile.span.end - profile.span.start, rate: { kind: 'scale', factor: scale }, seed: 1, sessions: kind !== 'no sessions' };
  const out = join(dir, `out-${process.pid}.jsonl`);
  const s = await generateToFile(profile, sha256, opts, { path: out, format: 'jsonl' });
  const peakMb = peakRssMb();
  rmSync(out, { force: true });
  // Fidelity, untimed: the chat client's growth between consecutive turns and its input median.
  const plan = planGeneration(profile, opts);
  const ci = plan.clientIds.indexOf(CHAT);
  const last = new Map<string, number>();
  const growth: number[] = [];
  const inputs: number[] = [];
  for (const b of plan.batches) {
    for (let i = 0; i < b.n; i++) {
      if (b.client[i] !== ci) continue;
      const x = b.lengths[0]![i];
      inputs.push(x);
      const id = b.texts?.session_id?.[i];
      if (id === undefined) continue;
      const prev = last.get(id);
      if (prev !== undefined) growth.push(x - prev);
      last.set(id, x);
    }
  }
  const r: Result = { requests: s.requests, seconds: s.seconds, peakMb, growth: growth.length ? median(growth) : NaN, inputP50: median(inputs) };
  process.stdout.write(JSON.stringify(r) + '\n');
}

function child(kind: Case, dir: string, scale: number): Result {
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--case', kind, dir, String(scale)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${kind}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Result;
}

const argv = process.argv.slice(2);
if (argv[0] === '--case') {
  await runCase(argv[1] as Case, argv[2], Number(argv[3]));
} else {
  const opt = (name: string, def: string) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : def);
  const scale = Number(opt('scale', '1000'));
  const repeat = Number(opt('repeat', '3'));
  const dir = join(tmpdir(), `servegen-bench-sessions-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    const { trace } = await ingestFiles({ inputs: [fileURLToPath(new URL('../fixtures/traces/burstgpt/burstgpt3_slice.csv', import.meta.url))], mapping: loadPreset('burstgpt') });
    const { profile } = fitTrace(trace, { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: '2026-01-01T00:00:00Z' });
    writeProfile(join(dir, 'p.json'), profile);
    const flat = JSON.parse(readFileSync(join(dir, 'p.json'), 'utf8')) as { clients: { sessions?: Record<string, unknown> }[] };
    for (const c of flat.clients) delete c.sessions?.input_rank_by_turn;
    writeFileSync(join(dir, 'flat.json'), JSON.stringify(flat));
    const chat = profile.clients.find((c) => c.id === CHAT)!.sessions!;
    console.log(`# sessions benchmark — BurstGPT slice fitted, scale:${scale}, jsonl, medians of ${repeat} (runs interleaved); the log's chat growth median ${chat.input_growth_per_turn_median}`);
    const runs = new Map<Case, Result[]>(CASES.map((c) => [c, []]));
    for (let k = 0; k < repeat; k++) for (const c of CASES) runs.get(c)!.push(child(c, dir, scale));
    const ref = runs.get('no sessions')!;
    const refS = median(ref.map((r) => r.seconds));
    const refM = median(ref.map((r) => r.peakMb));
    console.log('| case | requests | seconds | × no sessions | peak RSS | × no sessions | chat growth median | chat input median |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const c of CASES) {
      const rs = runs.get(c)!;
      const s = median(rs.map((r) => r.seconds));
      const m = median(rs.map((r) => r.peakMb));
      console.log(`| ${c} | ${rs[0].requests} | ${s.toFixed(2)} | ${(s / refS).toFixed(2)} | ${m.toFixed(0)} MB | ${(m / refM).toFixed(2)} | ${rs[0].growth ?? "—"} | ${rs[0].inputP50} |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
