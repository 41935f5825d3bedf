/**
 * Capacity each workload needs — the paper's under-provisioning argument, measured. For each
 * bundled real trace (and a draw of the mm-image pool): fit it, then generate the same span
 * (scale:1) per client (ours) and with the naive baseline (one aggregate Poisson process, lengths
 * from the pooled marginals), several seeds each, and find the fewest serving slots that keep the
 * p99 queueing delay at or below an SLO (src/validate/provisioning.ts: FCFS on identical slots, a
 * request holding one for input/prefill + output/decode seconds). A workload that needs fewer
 * slots than its source under-provisions the deployment sized with it.
 * Usage: npm run bench:provisioning [-- --seeds 5 --slo 1,5 --prefill 5000 --decode 40]
 *        [--traces azure-code] [--window 600,120,60] [--gap-memory on|off|both]
 * (`--traces` keeps the traces whose name contains one of the words; `--window` fits each trace
 * with those arrival windows; `--gap-memory` generates ours with the fitted memory, without it,
 * or both: the window table in docs/benchmarks.md, Provisioning.)
 */
import { ingestFiles } from '../src/ingest/ingest.js';
import { loadPreset } from '../src/ingest/presets.js';
import type { Trace } from '../src/ingest/trace.js';
import { fitTrace, type FitOptions } from '../src/fit/fit-trace.js';
import { planGeneration, type GenerateOptions } from '../src/generate/compose.js';
import { planNaiveGeneration } from '../src/generate/naive.js';
import { importServegenPool } from '../src/profile/upstream.js';
import type { Profile } from '../src/profile/schema.js';
import { serviceSeconds, slotsNeeded, type SlotModel } from '../src/validate/provisioning.js';
import { toTrace } from '../test/validate/traces.js';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const seeds = Number(arg('--seeds', '5'));
const slos = arg('--slo', '1,5').split(',').map(Number);
const model: SlotModel = { prefillTokensPerSecond: Number(arg('--prefill', '5000')), decodeTokensPerSecond: Number(arg('--decode', '40')) };
const windows = arg('--window', '600').split(',').map(Number);
const only = arg('--traces', '').split(',').filter((w) => w !== '');
const memoryModes = { on: [true], off: [false], both: [true, false] }[arg('--gap-memory', 'on')];
if (!memoryModes || windows.some((w) => !(w > 0))) throw new Error('--gap-memory: on, off or both; --window: seconds > 0, comma-separated');
const FIT: FitOptions = { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: 'bench' };
const fixture = (...p: string[]) => new URL(`../fixtures/${p.join('/')}`, import.meta.url).pathname;

/** Arrival times (ascending) and slot-holding seconds of a trace's requests. */
function workload(t: Trace): { arrivals: Float64Array; service: Float64Array } {
  const order = Array.from({ length: t.n }, (_, i) => i).sort((a, b) => t.timestamp[a] - t.timestamp[b] || a - b);
  const input = t.ints.input_tokens;
  const output = t.ints.output_tokens;
  return {
    arrivals: Float64Array.from(order, (i) => t.timestamp[i]),
    service: Float64Array.from(order, (i) => serviceSeconds(input ? input[i] : 0, output ? output[i] : 0, model)),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const pct = (x: number, ref: number) => `${x >= ref ? '+' : '−'}${Math.abs(Math.round((100 * (x - ref)) / ref))} %`;

async function sources(): Promise<[string, Trace][]> {
  const read = async (file: string, preset: string) => (await ingestFiles({ inputs: [file], mapping: loadPreset(preset) })).trace;
  const pool = importServegenPool(fixture('servegen', 'multimodal', 'mm-image'), () => 'x').profile;
  return [
    ['azure-code', await read(fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv'), 'azure-llm-2023')],
    ['azure-conv', await read(fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv'), 'azure-llm-2023')],
    ['mooncake-conversation', await read(fixture('traces', 'mooncake', 'conversation_trace.jsonl.gz'), 'mooncake')],
    // A draw of the pool stands for a multi-client log (as in examples/fidelity.sh).
    ['mm-image-pool-trace (1 h at 20 req/s)', toTrace(planGeneration(pool, { start: 36000, duration: 3600, rate: { kind: 'constant', rate: 20 }, seed: 1 }))],
  ];
}

console.log(`# Slots needed for p99 queueing delay ≤ SLO — per slot ${model.prefillTokensPerSecond} prompt tokens/s, ${model.decodeTokensPerSecond} output tokens/s; ${seeds} seeds per generator; node ${process.version}`);
console.log('| trace | requests | SLO | source | ours: median (range) | naive: median (range) | ours vs source | naive vs source |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [name, source] of await sources()) {
  if (only.length > 0 && !only.some((w) => name.includes(w))) continue;
  for (const window of windows) {
    const profile: Profile = fitTrace(source, { ...FIT, arrivalSeconds: window }).profile;
    const span: GenerateOptions = { start: profile.span.start, duration: profile.span.end - profile.span.start, rate: { kind: 'scale', factor: 1 }, seed: 0 };
    const src = workload(source);
    const naive = Array.from({ length: seeds }, (_, s) => workload(toTrace(planNaiveGeneration(profile, { ...span, seed: s + 1 }))));
    for (const gapMemory of memoryModes) {
      const ours = Array.from({ length: seeds }, (_, s) => workload(toTrace(planGeneration(profile, { ...span, seed: s + 1, gapMemory }))));
      const label = `${name}${window === 600 ? '' : `, ${window} s windows`}${gapMemory ? '' : ', no gap memory'}`;
      for (const slo of slos) {
        const need = (w: { arrivals: Float64Array; service: Float64Array }) => slotsNeeded(w.arrivals, w.service, slo);
        const s = need(src);
        const o = ours.map(need);
        const v = naive.map(need);
        const range = (xs: number[]) => `${median(xs)} (${Math.min(...xs)}–${Math.max(...xs)})`;
        console.log(`| ${label} | ${source.n} | ${slo} s | ${s} | ${range(o)} | ${range(v)} | ${pct(median(o), s)} | ${pct(median(v), s)} |`);
      }
    }
  }
}
