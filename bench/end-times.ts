/**
 * What reading a completion log's times as arrivals costs, and what `"marks": "end"` recovers.
 * Each bundled Azure trace (2023) is written as a gateway would log it when each request ends:
 * the end time (arrival + duration, to the µs) and the duration in ms, lines in order of ending,
 * the duration taken from the capacity model's service time (input / prefill + output / decode
 * s). Then the slots for a p99 queueing delay at or below each SLO (src/validate/provisioning.ts)
 * of: the source; the log read with `"marks": "end"` (arrival = end − duration); the log read
 * with the end as the arrival, as a mapping without `marks` does.
 * Usage: npm run bench:end-times [-- --slo 1,5 --prefill 5000 --decode 40]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestFiles } from '../src/ingest/ingest.js';
import { parseMapping } from '../src/ingest/mapping.js';
import { loadPreset } from '../src/ingest/presets.js';
import type { Trace } from '../src/ingest/trace.js';
import { serviceSeconds, traceCapacity, type SlotModel } from '../src/validate/provisioning.js';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const slos = arg('--slo', '1,5').split(',').map(Number);
const model: SlotModel = { prefillTokensPerSecond: Number(arg('--prefill', '5000')), decodeTokensPerSecond: Number(arg('--decode', '40')) };
const fixture = (...p: string[]) => new URL(`../fixtures/${p.join('/')}`, import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'servegen-end-times-'));

const slotsOf = (t: Trace) => traceCapacity(t.timestamp, t.ints.input_tokens, t.ints.output_tokens, model, slos).slots;
const pct = (x: number, ref: number) => `${x} (${x >= ref ? '+' : '−'}${Math.round((Math.abs(x - ref) / ref) * 100)} %)`;

console.log(`| trace | requests | median duration (s) | source | "marks": "end" | end read as arrival |`);
console.log(`|---|---|---|---|---|---|`);
try {
  for (const name of ['code', 'conv']) {
    const { trace: src } = await ingestFiles({ inputs: [fixture('traces', 'azure-llm-2023', `AzureLLMInferenceTrace_${name}.csv`)], mapping: loadPreset('azure-llm-2023') });
    const input = src.ints.input_tokens!;
    const output = src.ints.output_tokens!;
    const origin = Date.parse(src.origin!) / 1000;
    const rows = Array.from({ length: src.n }, (_, i) => {
      const took = serviceSeconds(input[i], output[i], model);
      return { end: origin + src.timestamp[i] + took, took, i };
    }).sort((a, b) => a.end - b.end || a.i - b.i);
    const file = join(dir, `${name}-end.csv`);
    writeFileSync(file, ['end_s,took_ms,input,output', ...rows.map((r) => `${r.end.toFixed(6)},${(r.took * 1000).toFixed(3)},${input[r.i]},${output[r.i]}`)].join('\n') + '\n');
    const columns = { timestamp: 'end_s', input_tokens: 'input', output_tokens: 'output' };
    const { trace: end } = await ingestFiles({ inputs: [file], mapping: parseMapping({ columns: { ...columns, duration: 'took_ms' }, timestamp: { unit: 's', marks: 'end', duration_unit: 'ms' } }) });
    const { trace: naive } = await ingestFiles({ inputs: [file], mapping: parseMapping({ columns, timestamp: { unit: 's' } }) });
    const durations = rows.map((r) => r.took).sort((a, b) => a - b);
    const [s, e, n] = [slotsOf(src), slotsOf(end), slotsOf(naive)];
    const cell = (x: number[]) => x.map((v, k) => pct(v, s[k])).join(' / ');
    console.log(`| azure-${name} | ${src.n} | ${durations[durations.length >> 1].toFixed(2)} | ${s.join(' / ')} | ${cell(e)} | ${cell(n)} |`);
  }
  console.log(`\nslots for a p99 queueing delay ≤ ${slos.join(' / ')} s; a slot processes ${model.prefillTokensPerSecond} prompt tokens/s and ${model.decodeTokensPerSecond} output tokens/s`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
